"""Loaded facts → the template context: normalised, defaulted, numbers formatted; pure, no I/O.

Records are frozen dataclasses, not dicts: Jinja resolves `section.items` to an attribute first, and a
dict's `.items` method would shadow the field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from reportgen import era, facts


@dataclass(frozen=True)
class Fact:
    """A typed number, from a `facts` list or from 【…】 inside a sentence, with what a template needs to
    put it in a sentence: the verb its label starts with (if any) and the object after it."""

    label: str
    kind: str  # one of facts.KINDS
    value: str  # the number as printed: 12, 96.92, 546.54, 5.1
    unit: str  # 次, %, 万元, 万人 …
    approx: str = ""  # "", 余, 以上, 约, 近, 超过
    key: str = ""
    lead: str = ""  # 全年, 累计 … at the start of the label
    pre: str = ""  # what stands before the verb: a subject (法律顾问) or an adverb (成功); all of a verbless label
    verb: str = ""  # the first verb the label holds, or ""
    obj: str = ""  # the label after the verb
    of: tuple[int, int] | None = None

    @property
    def shown(self) -> str:
        """The number as the report prints it: 约8000份, 30000余份, 95%以上."""
        before = self.approx if self.approx in facts.APPROX_BEFORE else ""
        between = self.approx if self.approx in facts.APPROX_BETWEEN else ""
        after = self.approx if self.approx in facts.APPROX_AFTER else ""
        return f"{before}{self.value}{between}{self.unit}{after}"

    @property
    def zero(self) -> bool:
        return self.kind != "rate" and Decimal(self.value) == 0

    @property
    def event(self) -> bool:
        """A zero of cases or incidents reads 未发生……; of anything else, 无…… (a table in lexicon.yaml)."""
        return any((self.obj or self.pre).endswith(w) for w in facts.lexicon()["zero_events"])

    @property
    def rate_verb(self) -> bool:
        """A rate whose label already ends with its verb (均为, 达到): no 达 is added."""
        return any(self.label.endswith(w) for w in facts.lexicon()["rate_verbs"])


@dataclass(frozen=True)
class Initiative:
    """A named programme, brand or mechanism; `noun` is what it is (活动, 工作机制) unless its name says so."""

    name: str
    kind: str  # a key of lexicon.yaml's initiative_kinds, or "" when unknown
    noun: str


@dataclass(frozen=True)
class Document:
    """A named document; `by` decides its verb: law (学习宣传), higher (贯彻落实), own (制定)."""

    name: str
    by: str


@dataclass(frozen=True)
class Section:
    """A topic of part 1, an item under it, a plan, or the leaders' part: prose plus typed facts.

    `documents` and `initiatives` hold only names the section's own text does not already mention, so
    a template never restates what the town wrote; `inline` holds the 【…】 facts of its text."""

    area: str = "other"
    heading: str | None = None
    text: list[str] = field(default_factory=list)
    items: list[Section] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    initiatives: list[Initiative] = field(default_factory=list)
    inline: list[Fact] = field(default_factory=list)

    @property
    def own(self) -> bool:
        """Whether the town wrote anything of its own here (text, or items under it)."""
        return bool(self.text or self.items)

    @property
    def bare(self) -> bool:
        """Only typed lists, no words: the facts-only case the standard phrasing serves."""
        return not self.own

    @property
    def words(self) -> str:
        """The names and labels the town typed here: what a standard passage should be about."""
        return "".join([*(f.label for f in self.facts), *(d.name for d in self.documents),
                        *(i.name for i in self.initiatives)])


@dataclass(frozen=True)
class Duty:
    """How one principal leader (镇党委书记, 镇长) carried out the 第一责任人 duty."""

    name: str | None
    text: list[str]
    facts: list[Fact]
    documents: list[Document]
    initiatives: list[Initiative]
    law_report: bool = False  # 年终述职时专题述法


@dataclass(frozen=True)
class Leaders(Section):
    heading_own: str | None = None
    secretary: Duty | None = None
    mayor: Duty | None = None


@dataclass(frozen=True)
class Shortcoming:
    area: str
    problem: str | None
    cause: list[str]
    facts: list[Fact]
    subjective: list[str] = field(default_factory=list)  # 主观原因
    objective: list[str] = field(default_factory=list)  # 客观原因

    @property
    def has_cause(self) -> bool:
        return bool(self.cause or self.subjective or self.objective)


@dataclass(frozen=True)
class Town:
    name: str
    issuer: str
    province: str | None = None
    city: str | None = None
    county: str | None = None

    @property
    def unit(self) -> str:
        """镇, 乡 or 街道: decides 镇党委书记 / 乡长 / 街道办事处主任 in templates (phrases.yaml `titles`)."""
        return "街道" if self.name.endswith("街道") else "乡" if self.name.endswith("乡") else "镇"


@dataclass(frozen=True)
class Header:
    mark: str
    number: str
    recipient: str | None = None


@dataclass(frozen=True)
class Signature:
    name: str
    date: str
    sealed: bool = False


@dataclass(frozen=True)
class Opening:
    leadership: list[str]
    guidance: list[str]
    programmes: list[Initiative]  # only those the town's own opening text does not already name
    documents: list[Document]
    text: list[str]


@dataclass(frozen=True)
class Background:
    text: list[str]
    villages: int | None = None
    communities: int | None = None
    population: int | None = None
    area_km2: str | None = None
    staff: int | None = None
    enforcement_staff: int | None = None


@dataclass(frozen=True)
class Part:
    """A part that is a list under an optional introduction (measures, shortcomings, plans)."""

    intro: list[str]
    items: list[Any]
    guidance: list[str] = field(default_factory=list)
    heading: str | None = None  # the town's own heading for the part, in place of the standard one

    @property
    def topics(self) -> list[Any]:  # part 1 calls its items topics, as the schema does
        return self.items


def format_number(value: int | float) -> str:
    """96.92 → '96.92', 100.0 → '100', 30000 → '30000' (no exponent, no trailing zeros)."""
    return facts.number(value)


def paragraphs(value: str | list[str] | None) -> list[str]:
    """A text field → its paragraphs as printed: a list item or a line of a multi-line string is one
    paragraph; inline facts 【218件】 print as their number (218件)."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    return [facts.plain(line.strip()) for item in items for line in item.splitlines() if line.strip()]


def _typed(label: str, kind: str, value: str, unit: str, approx: str = "", key: str = "",
           of: tuple[int, int] | None = None) -> Fact:
    lead, pre, verb, obj = facts.split_label(label)
    return Fact(label, kind, value, unit, approx, key, lead, pre, verb, obj, of)


def fact(raw: dict[str, Any]) -> Fact:
    kind = facts.kind_of(raw)
    unit = kind.printed_unit or raw["unit"]
    of = tuple(raw["of"]) if "of" in raw else None
    return _typed(raw["label"].strip(), kind.name, format_number(raw[kind.field]), unit, raw.get("approx", ""),
                  raw.get("key", ""), of)  # type: ignore[arg-type]


def inline(value: str | list[str] | None) -> list[Fact]:
    """The 【…】 facts of a text field, in order, typed like any other fact."""
    items = [] if value is None else [value] if isinstance(value, str) else value
    return [_typed(i.label, i.kind, i.value, i.unit, i.approx, i.key, i.of)
            for item in items for i in facts.inline_facts(item)]


def initiative(raw: str | dict[str, Any]) -> Initiative:
    """An initiative and what it is: its `kind` if given, else from its name (lexicon.yaml)."""
    lex = facts.lexicon()
    name, kind = (raw, "") if isinstance(raw, str) else (raw["name"], raw.get("kind", ""))
    if not kind:
        kind = lex["initiative_names"].get(name, "")
    if not kind:
        kind = next((k for end, k in lex["initiative_endings"].items() if name.endswith(end)), "")
    if not kind and any(name.startswith(w) for w in lex["initiative_building_prefixes"]):
        kind = "建设"
    noun = lex["initiative_kinds"].get(kind, "")
    if noun and name.endswith(noun):
        noun = ""
    return Initiative(name, kind, noun)


def document(raw: str | dict[str, Any], town: str = "") -> Document:
    """A document and whose it is: `by` if given; else a law by its name, the town's own if it names the
    town, otherwise a higher level's."""
    lex = facts.lexicon()
    name, by = (raw, "") if isinstance(raw, str) else (raw["name"], raw.get("by", ""))
    if not by:
        core = town.removesuffix("镇").removesuffix("乡").removesuffix("街道") if town else ""
        if any(name.startswith(w) for w in lex["law_prefixes"]) or any(name.endswith(w) for w in lex["law_endings"]):
            by = "law"
        elif core and core in name:
            by = "own"
        else:
            by = "higher"
    return Document(name, by)


def _unmentioned(names: list[Any], text: list[str]) -> list[Any]:
    joined = "".join(text)
    return [n for n in names if n.name not in joined]


def section(raw: dict[str, Any] | None, town: str = "") -> Section:
    raw = raw or {}
    text = paragraphs(raw.get("text"))
    return Section(
        area=raw.get("area", "other"),
        heading=raw.get("heading"),
        text=text,
        items=[section(i, town) for i in raw.get("items", [])],
        facts=[fact(f) for f in raw.get("facts", [])],
        documents=_unmentioned([document(d, town) for d in raw.get("documents", [])], text),
        initiatives=_unmentioned([initiative(i) for i in raw.get("initiatives", [])], text),
        inline=inline(raw.get("text")),
    )


def duty(raw: dict[str, Any] | None, town: str) -> Duty | None:
    if not raw:
        return None
    text = paragraphs(raw.get("text"))
    return Duty(raw.get("name"), text, [fact(f) for f in raw.get("facts", [])],
                _unmentioned([document(d, town) for d in raw.get("documents", [])], text),
                _unmentioned([initiative(i) for i in raw.get("initiatives", [])], text),
                bool(raw.get("law_report", False)))


def leaders(raw: dict[str, Any], town: str) -> Leaders:
    base = section(raw, town)
    return Leaders(**{f.name: getattr(base, f.name) for f in dataclasses.fields(Section)},
                   heading_own=raw.get("heading"), secretary=duty(raw.get("secretary"), town),
                   mayor=duty(raw.get("mayor"), town))


def shortcoming(raw: dict[str, Any]) -> Shortcoming:
    cause = raw.get("cause")
    split = cause if isinstance(cause, dict) else {}
    return Shortcoming(raw.get("area", "other"), raw.get("problem"),
                       [] if split else paragraphs(cause), [fact(f) for f in raw.get("facts", [])],
                       paragraphs(split.get("subjective")), paragraphs(split.get("objective")))


def background(raw: dict[str, Any] | None) -> Background | None:
    if not raw:
        return None
    values = {k: v for k, v in raw.items() if k != "text"}
    if "area_km2" in values:
        values["area_km2"] = format_number(values["area_km2"])
    return Background(text=paragraphs(raw.get("text")), **values)


# The top-level names every template receives (docs/regions.md lists them; regions.check_templates uses them).
TOP_LEVEL = ("year", "next_year", "town", "title", "title_lines", "header", "signature", "opening", "background",
             "measures", "shortcomings", "leaders", "plans", "other", "other_heading", "era", "next_era", "seed")


def context(data: dict[str, Any]) -> dict[str, Any]:
    """Everything a template may use. Absent optional parts become None or empty lists, never missing."""
    year: int = data["year"]
    town = Town(**data["town"])
    opening = data.get("opening", {})
    signature = data.get("signature")
    header = data.get("header")
    plans = data["plans"]
    measures, shortcomings = data["measures"], data["shortcomings"]
    other = data.get("other")
    other_text = other.get("text") if isinstance(other, dict) else other
    opening_text = paragraphs(opening.get("text"))
    said = "".join(opening_text)  # with the town's own opening, only names it does not already mention are added
    return {
        "year": year,
        "next_year": year + 1,
        "town": town,
        "title": data.get("title"),
        "title_lines": list(data.get("title_lines", [])),
        "header": Header(**header) if header else None,
        "signature": Signature(**{"name": town.issuer, **signature}) if signature else None,
        "opening": Opening(
            leadership=[n for n in opening.get("leadership", []) if n not in said],
            guidance=[n for n in opening.get("guidance", []) if n not in said],
            programmes=_unmentioned([initiative(i) for i in opening.get("programmes", [])], opening_text),
            documents=_unmentioned([document(d, town.name) for d in opening.get("documents", [])], opening_text),
            text=opening_text,
        ),
        "background": background(data.get("background")),
        "measures": Part(paragraphs(measures.get("intro")), [section(t, town.name) for t in measures["topics"]],
                         heading=measures.get("heading")),
        "shortcomings": Part(paragraphs(shortcomings.get("intro")), [shortcoming(s) for s in shortcomings["items"]],
                             heading=shortcomings.get("heading")),
        "leaders": leaders(data["leaders"], town.name),
        "plans": Part(paragraphs(plans.get("intro")), [section(p, town.name) for p in plans["items"]],
                      list(plans.get("guidance", [])), heading=plans.get("heading")),
        "other": paragraphs(other_text),
        "other_heading": other.get("heading") if isinstance(other, dict) else None,
        "era": era.of(year),
        "next_era": era.of(year + 1),
        "seed": "".join(n for n in (town.county, town.name) if n),
    }
