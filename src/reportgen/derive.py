"""Loaded facts → the template context: normalised, defaulted, numbers formatted; pure, no I/O.

Records are frozen dataclasses, not dicts: Jinja resolves `section.items` to an attribute first, and a
dict's `.items` method would shadow the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Fact:
    label: str
    kind: str  # count | rate | amount
    value: str  # the number as printed: 12, 96.92, 546.54
    unit: str  # 次, %, 万元 …
    approx: str = ""  # "", 余, 以上, 约, 近, 超过


@dataclass(frozen=True)
class Section:
    """A topic of part 1, an item under it, a plan, or the leaders' part: prose plus typed facts."""

    area: str = "other"
    heading: str | None = None
    text: list[str] = field(default_factory=list)
    items: list[Section] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    initiatives: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Shortcoming:
    area: str
    problem: str | None
    cause: list[str]
    facts: list[Fact]


@dataclass(frozen=True)
class Town:
    name: str
    issuer: str
    province: str | None = None
    city: str | None = None
    county: str | None = None


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
    programmes: list[str]
    documents: list[str]
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

    @property
    def topics(self) -> list[Any]:  # part 1 calls its items topics, as the schema does
        return self.items


def format_number(value: int | float) -> str:
    """96.92 → '96.92', 100.0 → '100', 30000 → '30000' (no exponent, no trailing zeros)."""
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int):
        return str(value)
    return format(Decimal(str(value)).normalize(), "f")


def paragraphs(value: str | list[str] | None) -> list[str]:
    """A text field → its paragraphs: a list item or a line of a multi-line string is one paragraph."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    return [line.strip() for item in items for line in item.splitlines() if line.strip()]


def fact(raw: dict[str, Any]) -> Fact:
    if "count" in raw:
        kind, value, unit = "count", format_number(raw["count"]), raw["unit"]
    elif "rate" in raw:
        kind, value, unit = "rate", format_number(raw["rate"]), "%"
    else:
        kind, value, unit = "amount", format_number(raw["amount"]), raw["unit"]
    return Fact(raw["label"].strip(), kind, value, unit, raw.get("approx", ""))


def section(raw: dict[str, Any] | None) -> Section:
    raw = raw or {}
    return Section(
        area=raw.get("area", "other"),
        heading=raw.get("heading"),
        text=paragraphs(raw.get("text")),
        items=[section(i) for i in raw.get("items", [])],
        facts=[fact(f) for f in raw.get("facts", [])],
        documents=list(raw.get("documents", [])),
        initiatives=list(raw.get("initiatives", [])),
    )


def shortcoming(raw: dict[str, Any]) -> Shortcoming:
    return Shortcoming(raw.get("area", "other"), raw.get("problem"), paragraphs(raw.get("cause")),
                       [fact(f) for f in raw.get("facts", [])])


def background(raw: dict[str, Any] | None) -> Background | None:
    if not raw:
        return None
    values = {k: v for k, v in raw.items() if k != "text"}
    if "area_km2" in values:
        values["area_km2"] = format_number(values["area_km2"])
    return Background(text=paragraphs(raw.get("text")), **values)


# The top-level names every template receives (docs/regions.md lists them; regions.check_templates uses them).
TOP_LEVEL = ("year", "next_year", "town", "title", "title_lines", "header", "signature", "opening", "background",
             "measures", "shortcomings", "leaders", "plans", "other")


def context(data: dict[str, Any]) -> dict[str, Any]:
    """Everything a template may use. Absent optional parts become None or empty lists, never missing."""
    year: int = data["year"]
    town = Town(**data["town"])
    opening = data.get("opening", {})
    signature = data.get("signature")
    header = data.get("header")
    plans = data["plans"]
    return {
        "year": year,
        "next_year": year + 1,
        "town": town,
        "title": data.get("title"),
        "title_lines": list(data.get("title_lines", [])),
        "header": Header(**header) if header else None,
        "signature": Signature(**{"name": town.issuer, **signature}) if signature else None,
        "opening": Opening(
            leadership=list(opening.get("leadership", [])),
            guidance=list(opening.get("guidance", [])),
            programmes=list(opening.get("programmes", [])),
            documents=list(opening.get("documents", [])),
            text=paragraphs(opening.get("text")),
        ),
        "background": background(data.get("background")),
        "measures": Part(paragraphs(data["measures"].get("intro")), [section(t) for t in data["measures"]["topics"]]),
        "shortcomings": Part(paragraphs(data["shortcomings"].get("intro")),
                             [shortcoming(s) for s in data["shortcomings"]["items"]]),
        "leaders": section(data["leaders"]),
        "plans": Part(paragraphs(plans.get("intro")), [section(p) for p in plans["items"]], list(plans.get("guidance", []))),
        "other": paragraphs(data.get("other")),
    }
