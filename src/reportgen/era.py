"""What a report for a given year cites: meetings held by then and the plan periods in force (years.yaml)."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

import msgspec

from reportgen import cachedir, resources


@cache
def data() -> dict[str, Any]:
    path = resources.templates_dir() / "base" / "years.yaml"
    return cachedir.yaml_data(path.read_text(encoding="utf-8"), str(path))


class Period(msgspec.Struct, frozen=True):
    """A plan period in force in a year, and where that year stands in it."""

    name: str  # “八五”普法规划
    short: str  # “八五”普法
    first: bool  # the year it starts (开局、启动)
    last: bool  # the year it ends (收官)


class Era(msgspec.Struct, frozen=True):
    """The wording facts of one year: the latest congress and its plenums cited, and the periods in force."""

    year: int
    congress: str  # 党的二十大
    session: str  # 二十届
    plenums: tuple[str, ...]  # ('二中', '三中') cited by a report for this year
    thought: bool  # 习近平法治思想 is cited
    pufa: Period | None
    fyp: Period | None
    outline: Period | None
    checked: bool  # years.yaml has been checked through this year

    def has_term(self, text: str) -> bool:
        """Whether `text` names nothing that did not yet exist in this year (years.yaml `terms`)."""
        return _fits(self.year, text)


@lru_cache(maxsize=8192)
def _fits(year: int, text: str) -> bool:
    """Era.has_term, kept per year and text: every report asks it of the same variants."""
    return all(year >= since for term, since in data()["terms"].items() if term in text)


def _period(kind: str, year: int) -> Period | None:
    for p in data()["periods"][kind]:
        if p["from"] <= year <= p["to"]:
            return Period(p["name"], p["short"], year == p["from"], year == p["to"])
    return None


@cache
def of(year: int) -> Era:
    d = data()
    cited = [c for c in d["congresses"] if c["report_from"] <= year] or d["congresses"][:1]
    congress = cited[-1]
    plenums = tuple(p["name"] for p in congress["plenums"] if p["report_from"] <= year)
    return Era(year, congress["name"], congress["session"], plenums, year >= d["rule_of_law_thought_from"],
               _period("pufa", year), _period("fyp", year), _period("outline", year), year <= d["checked_through"])
