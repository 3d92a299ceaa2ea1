"""`reportgen summary`: a county's towns side by side — one row per town, a column per standard indicator,
totals and averages computed here, lint and validation per town, and which parts the template wrote.

towns.py reads each town through the pipeline; indicators.py decides which fact fills which column; this
module lays out the table every format shares; workbook.py and text.py write it as .xlsx, CSV or a terminal
table.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from reportgen import facts
from reportgen.blocks import PARTS
from reportgen.errors import OutputPathError, UsageError
from reportgen.lint import ERROR, PART_NAMES, WARNING
from reportgen.summary.indicators import Declaration, Indicator, Placed, area_names, declaration
from reportgen.summary.towns import OPENING, Share, TownReport, read_town

FORMATS = ("xlsx", "csv", "table")
BACKGROUND = "background"


class Column(msgspec.Struct, frozen=True):
    """One column of the overview: its id (an indicator's key for numbers), header and the group above it."""

    id: str
    header: str
    group: str
    indicator: Indicator | None = None


class Totals(msgspec.Struct, frozen=True):
    """An indicator across the towns that state it; computed here, written as values (no viewer must recalculate)."""

    values: tuple[Decimal, ...]
    approx: bool  # some town's number is approximate (余、约、以上): so is the total
    decimals: int
    summable: bool  # counts and amounts add up; rates do not

    @property
    def reported(self) -> int:
        return len(self.values)

    @property
    def total(self) -> Decimal | None:
        return sum(self.values, Decimal(0)) if self.summable and self.values else None

    @property
    def average(self) -> Decimal | None:
        """The plain mean over the towns that state the number (a rate's too: each town counts once)."""
        return sum(self.values, Decimal(0)) / len(self.values) if self.values else None


class Summary(msgspec.Struct):
    """The county's table: towns in input order, its columns, totals, title and the notes above it."""

    decl: Declaration
    towns: list[TownReport]
    columns: list[Column] = msgspec.field(default_factory=list)
    totals: dict[str, Totals] = msgspec.field(default_factory=dict)
    title: str = ""
    notes: list[str] = msgspec.field(default_factory=list)  # the lines under the title: counts, then the warnings
    warnings: list[str] = msgspec.field(default_factory=list)  # what needs the clerk's attention; the command prints them
    parts: list[str] = msgspec.field(default_factory=list)

    def label(self, name: str, **values: Any) -> str:
        return self.decl.label(name, **values)

    @property
    def valid(self) -> list[TownReport]:
        return [t for t in self.towns if t.valid]

    @property
    def invalid(self) -> list[TownReport]:
        return [t for t in self.towns if not t.valid]

    def part_header(self, part: str) -> str:
        if part == OPENING:
            return self.label("part_opening")
        if part == BACKGROUND:
            return self.label("part_background")
        return PART_NAMES.get(part, part)

    def part_cell(self, town: TownReport, part: str) -> str:
        """自写, 标准表述, 部分标准（自写 85%）, or 无 for a part the report does not have."""
        share = town.parts.get(part, Share()).own
        if share is None:
            return self.label("absent") if town.valid else ""
        if share >= 1:
            return self.label("own")
        if share <= 0:
            return self.label("standard")
        return self.label("mixed", share=max(1, min(99, round(share * 100))))

    def cell(self, town: TownReport, column: Column) -> str | int | Placed | None:
        """What the overview holds for `town` in `column`: text, a count, or a Placed number (None: empty)."""
        if column.indicator is not None:
            return town.values.get(column.id)
        if column.id.startswith("part:"):
            return self.part_cell(town, column.id[5:])
        if column.id == "town":
            return town.name
        if column.id == "county":
            return town.county
        if column.id == "year":
            return town.year
        if column.id == "file":
            return town.source
        if column.id == "validation":
            return self.label("valid") if town.valid else town.error
        if column.id == "lint_errors":
            return town.count(ERROR)
        if column.id == "lint_warnings":
            return town.count(WARNING)
        if column.id == "lint_codes":
            return "、".join(town.codes)
        if column.id == "standard_count":
            return len(town.passages) if town.valid else None
        raise KeyError(column.id)


def shown(value: Decimal, decimals: int, kind: str, approx: str = "") -> str:
    """A number as the workbook's number format shows it (12,000余, 约8,000, 96.79): for widths and text formats."""
    text = f"{value:.{decimals}f}" if kind == "rate" else f"{value:,.{decimals}f}"
    return f"{approx}{text}" if approx in facts.APPROX_BEFORE else f"{text}{approx}"


def _columns(summary: Summary) -> list[Column]:
    label, areas = summary.label, area_names()
    report, lint, parts = label("group_report"), label("group_lint"), label("group_parts")
    out = [Column("town", label("town"), report), Column("validation", label("validation"), report),
           Column("year", label("year"), report), Column("county", label("county"), report),
           Column("file", label("file"), report),
           Column("lint_errors", label("lint_errors"), lint), Column("lint_warnings", label("lint_warnings"), lint),
           Column("lint_codes", label("lint_codes"), lint),
           Column("standard_count", label("standard_count"), parts)]
    out += [Column(f"part:{p}", summary.part_header(p), parts) for p in summary.parts]
    out += [Column(i.key, summary.decl.header(i), areas[i.area], i) for i in summary.decl.indicators]
    return out


def _totals(summary: Summary) -> dict[str, Totals]:
    out = {}
    for ind in summary.decl.indicators:
        placed = [t.values[ind.key] for t in summary.valid if ind.key in t.values]
        out[ind.key] = Totals(tuple(p.value for p in placed), any(p.fact.approx for p in placed),
                              max((p.decimals for p in placed), default=0), ind.kind != "rate")
    return out


def _heading(summary: Summary) -> None:
    """Title from the inputs (the county, the year); notes when the towns disagree on either."""
    label = summary.label
    read = [t for t in summary.towns if t.year is not None or t.county]
    years = Counter(t.year for t in read if t.year is not None)
    counties = list(dict.fromkeys(t.county for t in read if t.county))
    year = years.most_common(1)[0][0] if years else label("no_year")
    county = counties[0] if len(counties) == 1 else label("several_counties") if counties else ""
    summary.title = label("title", county=county, year=year)
    summary.notes.append(label("count_line", total=len(summary.towns), valid=len(summary.valid),
                               invalid=len(summary.invalid)))
    if len(years) > 1:
        listed = "、".join(label("year_count", year=y, n=n) for y, n in sorted(years.items()))
        summary.warnings.append(label("years_differ", years=listed, year=year))
    if len(counties) > 1:
        summary.warnings.append(label("counties_differ", counties="、".join(counties)))
    summary.notes += summary.warnings


def summarise(towns: Iterable[TownReport], decl: Declaration) -> Summary:
    """The table of `towns` (read by read_town) under `decl`'s indicators."""
    summary = Summary(decl, list(towns))
    seen = {p for t in summary.towns for p in t.parts}
    summary.parts = [OPENING, *([BACKGROUND] if BACKGROUND in seen else []), *PARTS]
    summary.columns = _columns(summary)
    summary.totals = _totals(summary)
    _heading(summary)
    return summary


DEFAULT_OUTPUT = "汇总"  # 汇总.xlsx, 汇总.csv in the current folder


def output_format(fmt: str | None, out: str | None) -> str:
    """The format asked for, else what -o's suffix says (.csv), else xlsx; anything else is refused in Chinese."""
    if fmt is None:
        return "csv" if out and out.lower().endswith(".csv") else "xlsx"
    chosen = fmt.strip().lower()
    if chosen not in FORMATS:
        raise UsageError(f"--format 只能是 {'、'.join(FORMATS)} 之一，现在是 “{fmt}”。")
    return chosen


def output_path(inputs: list[str], out: str | None, fmt: str) -> Path | None:
    """Where the summary goes (None: the terminal), checked before any town is read: the suffix matches the
    format, the path is no input and no folder, FIFO or device."""
    from reportgen.write import writable_target

    if fmt == "table":
        if out:
            raise UsageError("--format table 直接显示在终端，不写文件：去掉 -o，或用 --format xlsx / csv 写成文件。")
        return None
    target = Path(out or f"{DEFAULT_OUTPUT}.{fmt}")
    if target.suffix.lower() != f".{fmt}":
        raise UsageError(f"-o {target}：--format {fmt} 的输出文件名应以 .{fmt} 结尾，如 -o {DEFAULT_OUTPUT}.{fmt}。")
    if any(os.path.realpath(target) == os.path.realpath(src) for src in inputs):
        raise OutputPathError(f"-o {target} 是要汇总的输入文件，输出不能覆盖输入：请换一个输出文件名。")
    writable_target(target)
    return target


def render(summary: Summary, fmt: str) -> bytes:
    """The summary as the bytes of `fmt`: xlsx, csv (UTF-8 with BOM, so Excel reads the Chinese) or table."""
    if fmt == "xlsx":
        from reportgen.summary.workbook import workbook

        return workbook(summary)
    from reportgen.summary.text import csv_text, table_text

    if fmt == "csv":
        return csv_text(summary).encode("utf-8-sig")
    return table_text(summary).encode("utf-8")


def read_all(paths: Iterable[str], decl: Declaration, region: str | None = None, workdir: Path | None = None,
             debug: bool = False) -> Iterator[TownReport]:
    """Each town in turn, so the command can show progress: reading (lint, compose) is the slow part."""
    for path in paths:
        yield read_town(path, decl, region, workdir, debug)


__all__ = ["FORMATS", "Column", "Declaration", "Summary", "Totals", "TownReport", "declaration", "output_format",
           "output_path", "read_all", "read_town", "render", "shown", "summarise"]
