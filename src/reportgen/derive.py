"""Loaded facts → the template context: normalised, defaulted, numbers formatted; pure, no I/O.

Records are frozen structs (msgspec), not dicts: Jinja resolves `section.items` to an attribute first, and a
dict's `.items` method would shadow the field.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import msgspec

from reportgen import era, facts, yoy
from reportgen.load import PathKey

# Private-use characters (schema/checks.py refuses them in any input) that carry marks from here to compose.py:
# a stale number (last year's, not updated) between STALE_OPEN and STALE_CLOSE, highlighted and followed by the
# marker phrase; an inline fact's year-over-year change as CHANGE_OPEN index CHANGE_CLOSE, worded by the
# template's `change` macro.
STALE_OPEN, STALE_CLOSE = "\ue006", "\ue007"
CHANGE_OPEN, CHANGE_CLOSE = "\ue008", "\ue009"
# "<" in the town's own text, while the templates render: a template line starting with "<" takes a role (<h1>,
# <sign> …), so a town's "<h1>" must not; compose.parse puts "<" back. (Templates render without HTML escaping.)
GUARD = "\ue00a"
MIN_PERCENT_BASE = 10  # a count below this last year gets no percentage: 3→5 件 is 增加2件, not 增长66.7%
# An inline comparison goes right after the number only where a clause ends there: （同比……） before 的 or
# inside a parenthesis reads wrong.
_CLAUSE_END = "，。；、：！？,;:"


def shown(value: str, unit: str, approx: str = "") -> str:
    """A number as the report prints it: 约8000份, 30000余份, 95%以上."""
    before = approx if approx in facts.APPROX_BEFORE else ""
    between = approx if approx in facts.APPROX_BETWEEN else ""
    after = approx if approx in facts.APPROX_AFTER else ""
    return f"{before}{value}{between}{unit}{after}"


class Change(msgspec.Struct, frozen=True):
    """How a fact differs from the same fact last year (yoy.match): derived, never typed. Templates word it
    (macros.j2 `change`, phrases.yaml `change`)."""

    direction: str  # up, down, same, from_zero (上年为零), to_zero (this year none)
    kind: str  # the fact's kind: a rate's delta is in percentage points
    delta: Decimal  # the difference's size, in the fact's own unit
    unit: str  # that unit ("" for a rate: the template says 个百分点)
    percent: Decimal | None  # relative change, rounded; None for rates, approximations, a small or zero base
    approx: bool  # either year's number is approximate (余、约、以上): only the direction is said
    before: str  # last year's number as printed, with its unit (上年为5件)

    @property
    def delta_shown(self) -> str:
        return facts.number(self.delta) + self.unit

    @property
    def percent_shown(self) -> str:
        return facts.number(self.percent) if self.percent is not None else ""


def _percent(now: Decimal, before: Decimal) -> Decimal | None:
    """(now − before) / before as a percentage: one decimal, whole from 100% up; None when it rounds to 0."""
    exact = abs(now - before) * 100 / before
    quantum = Decimal(1) if exact >= 100 else Decimal("0.1")
    rounded = exact.quantize(quantum, ROUND_HALF_UP)
    return rounded if rounded else None


def change(now: yoy.LocatedFact, before: yoy.LocatedFact) -> Change | None:
    """This year's fact against last year's (a pair from yoy.match); None when no comparison reads right:
    either number stale, or both zero."""
    if now.stale or before.stale:
        return None
    approx = bool(now.approx or before.approx)
    was = shown(before.value, before.unit, before.approx)
    if now.kind == "rate":
        delta = Decimal(now.value) - Decimal(before.value)
        direction = "up" if delta > 0 else "down" if delta < 0 else "same"
        return Change(direction, now.kind, abs(delta), "", None, approx, was)
    a, b = now.amount, before.amount
    if a == 0 and b == 0:
        return None
    if b == 0:
        return Change("from_zero", now.kind, a / yoy.unit_scale(now.unit), now.unit, None, approx, was)
    if a == 0:
        return Change("to_zero", now.kind, b / yoy.unit_scale(now.unit), now.unit, None, approx, was)
    delta = (a - b) / yoy.unit_scale(now.unit)
    direction = "up" if delta > 0 else "down" if delta < 0 else "same"
    small = now.kind == "count" and b < MIN_PERCENT_BASE
    percent = None if approx or small or direction == "same" else _percent(a, b)
    return Change(direction, now.kind, abs(delta), now.unit, percent, approx, was)


Where = tuple[PathKey, int | None]  # a fact's YAML path, and an inline fact's offset in its text


class Compared(msgspec.Struct):
    """The changes of one report's facts, looked up by where each fact stands while the context is derived;
    `placed` collects the inline ones in the order their markers were put into paragraphs."""

    changes: dict[Where, Change] = msgspec.field(default_factory=dict)
    placed: list[Change] = msgspec.field(default_factory=list)

    @classmethod
    def of(cls, data: dict[str, Any], previous: dict[str, Any] | None) -> Compared:
        if previous is None:
            return cls()
        pairs = yoy.match(yoy.located_facts(data), yoy.located_facts(previous))
        return cls({(now.path, now.start): c for now, before in pairs if (c := change(now, before)) is not None})

    def get(self, at: PathKey, start: int | None = None) -> Change | None:
        return self.changes.get((tuple(at), start)) if self.changes else None

    def show(self, at: PathKey, text: str) -> Callable[[facts.Inline], str]:
        """How each 【…】 of `text` (at `at`) prints: its number, stale ones marked, a change marker after it
        where a clause ends."""
        def one(item: facts.Inline) -> str:
            if item.stale:
                return f"{STALE_OPEN}{item.shown}{STALE_CLOSE}"
            found = self.get(at, item.start)
            if found is None:  # most facts: no change to say (or no last year)
                return item.shown
            after = text[item.end:item.end + 1]
            inside = text.count("（", 0, item.start) + text.count("(", 0, item.start) > \
                text.count("）", 0, item.start) + text.count(")", 0, item.start)
            if inside or (after and after not in _CLAUSE_END and not after.isspace()):
                return item.shown
            self.placed.append(found)
            return f"{item.shown}{CHANGE_OPEN}{len(self.placed) - 1}{CHANGE_CLOSE}"
        return one


class Fact(msgspec.Struct, frozen=True):
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
    stale: bool = False  # last year's number, not yet updated: printed marked
    change: Change | None = None  # against last year's same fact, when the previous year is known

    @property
    def shown(self) -> str:
        """The number as the report prints it: 约8000份, 30000余份, 95%以上."""
        return shown(self.value, self.unit, self.approx)

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


class Initiative(msgspec.Struct, frozen=True):
    """A named programme, brand or mechanism; `noun` is what it is (活动, 工作机制) unless its name says so."""

    name: str
    kind: str  # a key of lexicon.yaml's initiative_kinds, or "" when unknown
    noun: str


class Document(msgspec.Struct, frozen=True):
    """A named document; `by` decides its verb: law (学习宣传), higher (贯彻落实), own (制定)."""

    name: str
    by: str


class Section(msgspec.Struct, frozen=True):
    """A topic of part 1, an item under it, a plan, or the leaders' part: prose plus typed facts.

    `documents` and `initiatives` hold only names the section's own text does not already mention, so
    a template never restates what the town wrote; `inline` holds the 【…】 facts of its text."""

    area: str = "other"
    heading: str | None = None
    text: list[str] = msgspec.field(default_factory=list)
    items: list[Section] = msgspec.field(default_factory=list)
    facts: list[Fact] = msgspec.field(default_factory=list)
    documents: list[Document] = msgspec.field(default_factory=list)
    initiatives: list[Initiative] = msgspec.field(default_factory=list)
    inline: list[Fact] = msgspec.field(default_factory=list)

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


class Duty(msgspec.Struct, frozen=True):
    """How one principal leader (镇党委书记, 镇长) carried out the 第一责任人 duty."""

    name: str | None
    text: list[str]
    facts: list[Fact]
    documents: list[Document]
    initiatives: list[Initiative]
    law_report: bool = False  # 年终述职时专题述法


class Leaders(Section, frozen=True):
    heading_own: str | None = None
    secretary: Duty | None = None
    mayor: Duty | None = None


class Shortcoming(msgspec.Struct, frozen=True):
    area: str
    problem: str | None
    cause: list[str]
    facts: list[Fact]
    subjective: list[str] = msgspec.field(default_factory=list)  # 主观原因
    objective: list[str] = msgspec.field(default_factory=list)  # 客观原因

    @property
    def has_cause(self) -> bool:
        return bool(self.cause or self.subjective or self.objective)


class Town(msgspec.Struct, frozen=True):
    name: str
    issuer: str
    province: str | None = None
    city: str | None = None
    county: str | None = None

    @property
    def unit(self) -> str:
        """镇, 乡 or 街道: decides 镇党委书记 / 乡长 / 街道办事处主任 in templates (phrases.yaml `titles`)."""
        return "街道" if self.name.endswith("街道") else "乡" if self.name.endswith("乡") else "镇"


class Header(msgspec.Struct, frozen=True):
    mark: str | None = None  # one issuer's 标志; None when `issuers` (联合行文) is given
    number: str | None = None  # None: not yet numbered, the template prints the placeholder
    recipient: str | None = None
    issuers: list[str] = msgspec.field(default_factory=list)  # 联合行文: 主办机关 first, one line each in the 标志
    file_word: bool = True  # 联合行文: 「文件」 to the right of the names
    signers: list[str] = msgspec.field(default_factory=list)  # 签发人: present makes the header a 上行文's (GB/T 9704 7.2.6)


class Signature(msgspec.Struct, frozen=True):
    name: str
    date: str | None = None  # None: not yet signed, the template prints the placeholder
    sealed: bool = False
    names: list[str] = msgspec.field(default_factory=list)  # 联合行文: every issuer's 署名, 主办机关 first


class Imprint(msgspec.Struct, frozen=True):
    """版记 (GB/T 9704 7.4): what the template prints at the foot of the last page."""

    printer: str
    date: str
    cc: list[str] = msgspec.field(default_factory=list)


class Opening(msgspec.Struct, frozen=True):
    leadership: list[str]
    guidance: list[str]
    programmes: list[Initiative]  # only those the town's own opening text does not already name
    documents: list[Document]
    text: list[str]


class Background(msgspec.Struct, frozen=True):
    text: list[str]
    villages: int | None = None
    communities: int | None = None
    population: int | None = None
    area_km2: str | None = None
    staff: int | None = None
    enforcement_staff: int | None = None
    stale: bool = False  # the numbers are last year's, not yet updated: printed marked


class Part(msgspec.Struct, frozen=True):
    """A part that is a list under an optional introduction (measures, shortcomings, plans)."""

    intro: list[str]
    items: list[Any]
    guidance: list[str] = msgspec.field(default_factory=list)
    heading: str | None = None  # the town's own heading for the part, in place of the standard one

    @property
    def topics(self) -> list[Any]:  # part 1 calls its items topics, as the schema does
        return self.items


def format_number(value: int | float) -> str:
    """96.92 → '96.92', 100.0 → '100', 30000 → '30000' (no exponent, no trailing zeros)."""
    return facts.number(value)


def _items(value: str | list[str] | None, at: PathKey) -> list[tuple[PathKey, str]]:
    """A text field's strings with their paths: the field's own, or one per list item."""
    if value is None:
        return []
    if isinstance(value, str):
        return [(tuple(at), value)]
    return [((*at, i), item) for i, item in enumerate(value)]


def paragraphs(value: str | list[str] | None, at: PathKey = (), cmp: Compared | None = None) -> list[str]:
    """A text field (at YAML path `at`) → its paragraphs as printed: a list item or a line of a multi-line
    string is one paragraph; inline facts 【218件】 print as their number (218件), a stale one marked, and,
    with `cmp`, followed by its change marker."""
    cmp = cmp or Compared()
    return [line.strip() for path, item in _items(value, at)
            for line in facts.plain(item, cmp.show(path, item)).splitlines() if line.strip()]


def _typed(label: str, kind: str, value: str, unit: str, approx: str = "", key: str = "",
           of: tuple[int, int] | None = None, stale: bool = False, change: Change | None = None) -> Fact:
    lead, pre, verb, obj = facts.split_label(label)
    return Fact(label, kind, value, unit, approx, key, lead, pre, verb, obj, of, stale, change)


def fact(raw: dict[str, Any], at: PathKey = (), cmp: Compared | None = None) -> Fact:
    kind = facts.kind_of(raw)
    unit = kind.printed_unit or raw["unit"]
    of = tuple(raw["of"]) if "of" in raw else None
    return _typed(raw["label"].strip(), kind.name, format_number(raw[kind.field]), unit, raw.get("approx", ""),
                  raw.get("key", ""), of, raw.get("stale") is True,  # type: ignore[arg-type]
                  cmp.get(at) if cmp else None)


def _facts(raw: dict[str, Any], at: PathKey, cmp: Compared | None) -> list[Fact]:
    return [fact(f, (*at, "facts", i), cmp) for i, f in enumerate(raw.get("facts", []))]


def inline(value: str | list[str] | None, at: PathKey = (), cmp: Compared | None = None) -> list[Fact]:
    """The 【…】 facts of a text field, in order, typed like any other fact."""
    return [_typed(i.label, i.kind, i.value, i.unit, i.approx, i.key, i.of, i.stale,
                   cmp.get(path, i.start) if cmp else None)
            for path, item in _items(value, at) for i in facts.inline_facts(item)]


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


def section(raw: dict[str, Any] | None, town: str = "", at: PathKey = (), cmp: Compared | None = None) -> Section:
    raw = raw or {}
    text = paragraphs(raw.get("text"), (*at, "text"), cmp)
    return Section(
        area=raw.get("area", "other"),
        heading=raw.get("heading"),
        text=text,
        items=[section(it, town, (*at, "items", i), cmp) for i, it in enumerate(raw.get("items", []))],
        facts=_facts(raw, at, cmp),
        documents=_unmentioned([document(d, town) for d in raw.get("documents", [])], text),
        initiatives=_unmentioned([initiative(i) for i in raw.get("initiatives", [])], text),
        inline=inline(raw.get("text"), (*at, "text"), cmp),
    )


def duty(raw: dict[str, Any] | None, town: str, at: PathKey = (), cmp: Compared | None = None) -> Duty | None:
    if not raw:
        return None
    text = paragraphs(raw.get("text"), (*at, "text"), cmp)
    return Duty(raw.get("name"), text, _facts(raw, at, cmp),
                _unmentioned([document(d, town) for d in raw.get("documents", [])], text),
                _unmentioned([initiative(i) for i in raw.get("initiatives", [])], text),
                bool(raw.get("law_report", False)))


def leaders(raw: dict[str, Any], town: str, cmp: Compared | None = None) -> Leaders:
    at = ("leaders",)
    base = section(raw, town, at, cmp)
    return Leaders(**{name: getattr(base, name) for name in Section.__struct_fields__},
                   heading_own=raw.get("heading"), secretary=duty(raw.get("secretary"), town, (*at, "secretary"), cmp),
                   mayor=duty(raw.get("mayor"), town, (*at, "mayor"), cmp))


def shortcoming(raw: dict[str, Any], at: PathKey = (), cmp: Compared | None = None) -> Shortcoming:
    cause = raw.get("cause")
    split = cause if isinstance(cause, dict) else {}
    at_cause = (*at, "cause")
    return Shortcoming(raw.get("area", "other"), raw.get("problem"),
                       [] if split else paragraphs(cause, at_cause, cmp), _facts(raw, at, cmp),
                       paragraphs(split.get("subjective"), (*at_cause, "subjective"), cmp),
                       paragraphs(split.get("objective"), (*at_cause, "objective"), cmp))


def background(raw: dict[str, Any] | None, cmp: Compared | None = None) -> Background | None:
    if not raw:
        return None
    values = {k: v for k, v in raw.items() if k != "text"}
    if "area_km2" in values:
        values["area_km2"] = format_number(values["area_km2"])
    return Background(text=paragraphs(raw.get("text"), ("background", "text"), cmp), **values)


CHANGES = "inline_changes"  # the context key of the inline facts' changes, by marker index
# The top-level names every template receives (docs/regions.md lists them; regions.check_templates uses them).
TOP_LEVEL = ("year", "next_year", "town", "title", "title_lines", "header", "signature", "attachments", "imprint",
             "opening", "background",
             "measures", "shortcomings", "leaders", "plans", "other", "other_heading", "era", "next_era", "seed")


def guarded(value: Any) -> Any:
    """`value` with every "<" in its strings as GUARD (a copy where there is one)."""
    if isinstance(value, str):
        return value.replace("<", GUARD) if "<" in value else value
    if isinstance(value, dict):
        return {k: guarded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [guarded(v) for v in value]
    return value


def context(data: dict[str, Any], previous: dict[str, Any] | None = None, guard: bool = True) -> dict[str, Any]:
    """Everything a template may use. Absent optional parts become None or empty lists, never missing. With
    `previous` (last year's loaded file), facts of both years carry their Change. The town's "<" are GUARDed;
    `guard=False` only when the caller knows neither file holds one (api: from the files' text)."""
    if guard:
        data, previous = guarded(data), guarded(previous)
    cmp = Compared.of(data, previous)
    year: int = data["year"]
    town = Town(**data["town"])
    opening = data.get("opening", {})
    signature = data.get("signature")
    header = data.get("header")
    plans = data["plans"]
    measures, shortcomings = data["measures"], data["shortcomings"]
    other = data.get("other")
    other_text = other.get("text") if isinstance(other, dict) else other
    other_at = ("other", "text") if isinstance(other, dict) else ("other",)
    opening_text = paragraphs(opening.get("text"), ("opening", "text"), cmp)
    said = "".join(opening_text)  # with the town's own opening, only names it does not already mention are added
    return {
        "year": year,
        "next_year": year + 1,
        "town": town,
        "title": data.get("title"),
        "title_lines": list(data.get("title_lines", [])),
        "header": Header(**header) if header is not None else None,
        "signature": Signature(**{"name": town.issuer, **signature}) if signature is not None else None,
        "attachments": list(data.get("attachments", [])),
        "imprint": Imprint(**data["imprint"]) if data.get("imprint") else None,
        "opening": Opening(
            leadership=[n for n in opening.get("leadership", []) if n not in said],
            guidance=[n for n in opening.get("guidance", []) if n not in said],
            programmes=_unmentioned([initiative(i) for i in opening.get("programmes", [])], opening_text),
            documents=_unmentioned([document(d, town.name) for d in opening.get("documents", [])], opening_text),
            text=opening_text,
        ),
        "background": background(data.get("background"), cmp),
        "measures": Part(paragraphs(measures.get("intro"), ("measures", "intro"), cmp),
                         [section(t, town.name, ("measures", "topics", i), cmp) for i, t in enumerate(measures["topics"])],
                         heading=measures.get("heading")),
        "shortcomings": Part(paragraphs(shortcomings.get("intro"), ("shortcomings", "intro"), cmp),
                             [shortcoming(s, ("shortcomings", "items", i), cmp) for i, s in enumerate(shortcomings["items"])],
                             heading=shortcomings.get("heading")),
        "leaders": leaders(data["leaders"], town.name, cmp),
        "plans": Part(paragraphs(plans.get("intro"), ("plans", "intro"), cmp),
                      [section(p, town.name, ("plans", "items", i), cmp) for i, p in enumerate(plans["items"])],
                      list(plans.get("guidance", [])), heading=plans.get("heading")),
        "other": paragraphs(other_text, other_at, cmp),
        "other_heading": other.get("heading") if isinstance(other, dict) else None,
        "era": era.of(year),
        "next_era": era.of(year + 1),
        "seed": "".join(n for n in (town.county, town.name) if n).replace(GUARD, "<"),  # the names as typed
        CHANGES: cmp.placed,  # compose.py words these where the markers stand (not a template name)
    }
