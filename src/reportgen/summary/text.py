"""The summary as text: CSV (the overview's columns, numbers as plain decimals, for any spreadsheet or script) and a
terminal table for a quick look (the key indicators only), aligned by display width with tabulate's wide-character
mode, so a row of Chinese names lines up."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from tabulate import tabulate

from reportgen.summary import Column, Summary, shown
from reportgen.summary.indicators import Placed

AVERAGE_DECIMALS = 2  # as the workbook's number format shows an average


def _plain(value: Decimal) -> str:
    """A decimal without exponent: 51000, 546.50, 96.79."""
    return f"{value:f}"


def _average(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-AVERAGE_DECIMALS), ROUND_HALF_UP)


def _total_cells(summary: Summary, column: Column, show: Callable[[Decimal, int, str, str], str]) -> list[str]:
    """The column's 合计, 平均 and 填报, each number shown by `show(value, decimals, kind, approx)`."""
    t = summary.totals.get(column.id)
    if column.indicator is None or t is None:
        return ["", "", ""]
    if not t.reported:
        return ["", "", "0"]
    kind = column.indicator.kind
    approx = summary.label("approx_total") if t.approx else ""
    total = show(t.total, t.decimals, kind, approx) if t.total is not None else ""
    average = show(_average(t.average), AVERAGE_DECIMALS, kind, "") if t.average is not None else ""
    return [total, average, str(t.reported)]


def _total_rows(summary: Summary, columns: list[Column], show: Callable[[Decimal, int, str, str], str]) -> list[list[str]]:
    """合计, 平均, 填报 rows under the towns, the label in the first column."""
    cells = [_total_cells(summary, c, show) for c in columns[1:]]
    return [[summary.label(name), *(c[i] for c in cells)] for i, name in enumerate(("total", "average", "reported"))]


def _inert(text: str) -> str:
    """Text a spreadsheet will not run: a cell starting with = + - @ (a town name, an error quoted from a YAML)
    would be taken for a formula when the CSV is opened, so it gets a leading apostrophe, as Excel itself does."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(summary: Summary) -> str:
    """The overview: header, one row per town (an invalid town's error in full), then the totals. Numbers are
    plain decimals in the column's unit; an approximate number (余、约、以上) keeps only its number here, the
    workbook shows the word."""
    columns = summary.columns
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    for town in summary.towns:
        row = []
        for column in columns:
            value = summary.cell(town, column)
            row.append(_plain(value.value) if isinstance(value, Placed) else "" if value is None else _inert(str(value)))
        writer.writerow(row)
    writer.writerows(_total_rows(summary, columns, lambda v, d, k, a: _plain(v)))
    return out.getvalue()


def table_text(summary: Summary) -> str:
    """Town, year, validation, lint counts, standard passages and the key indicators (chart: true), as a table
    whose columns line up in a terminal however much Chinese they hold."""
    keep = {"town", "year", "validation", "lint_errors", "lint_warnings", "standard_count"}
    charted = {i.key for i in summary.decl.charted}
    columns = [c for c in summary.columns if c.id in keep or c.id in charted]
    rows = []
    for town in summary.towns:
        row = []
        for column in columns:
            value = summary.cell(town, column)
            if column.id == "validation":
                value = summary.label("valid") if town.valid else summary.label("invalid")
            if isinstance(value, Placed):
                value = shown(value.value, value.decimals, value.indicator.kind, value.fact.approx)
            row.append("" if value is None else str(value))
        rows.append(row)
    rows += _total_rows(summary, columns, shown)
    numeric = {"year", "lint_errors", "lint_warnings", "standard_count"} | charted
    align = ["right" if c.id in numeric else "left" for c in columns]
    table = tabulate(rows, headers=[c.header for c in columns], tablefmt="github", disable_numparse=True,
                     colalign=align)
    return "\n".join([summary.title, *summary.notes, "", table]) + "\n"
