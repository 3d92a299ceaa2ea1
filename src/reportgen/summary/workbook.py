"""The summary as an .xlsx workbook (XlsxWriter): the overview, a sheet per area, native bar charts, the facts no
indicator holds, the standard passages and lint's findings. Numbers are numbers with a number format; totals
and averages are formulas carrying the value computed in Python, so a viewer that never recalculates shows
them too. Same summary, same bytes: zip times are fixed by XlsxWriter, the creation date comes from the inputs."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from wcwidth import wcswidth
from xlsxwriter.utility import xl_range
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from reportgen import facts
from reportgen.summary import Column, Summary, Totals, shown
from reportgen.summary.indicators import Indicator, Placed, area_names, decimals_of
from reportgen.summary.towns import TownReport

# Layout of the workbook, in Excel's units: a column is as wide as N digits of the default font (a CJK character
# takes two), a row height is in points.
LINE_HEIGHT = 15  # points per line of 11-point text
MIN_WIDTH = 6
NUMBER_HEADER_WIDTH = 14  # a number column's header wraps beyond this
TEXT_WIDTH = {"validation": 60, "file": 36, "lint_codes": 30}  # long texts wrap at these widths
MAX_WIDTH = 60
MAX_LINES = 12  # a row grows to show at most this many lines; the rest is in the cell
PADDING = 2
PAPER_A4 = 9
CHART_WIDTH = 640  # pixels; two charts side by side on a landscape page
CHART_MIN_HEIGHT = 300
CHART_BAR_HEIGHT = 24  # pixels per town
CHART_COLUMNS = 10  # default-width columns a chart spans (64 px each)
ROW_PIXELS = 20
PRINT_PIXELS = 850  # height of a landscape A4 page in unscaled pixels, when two charts fill its width
RATE_MAX = 100
BAR_COLOUR = "#4472C4"
GRID_COLOUR = "#D9D9D9"
HEADER_FILL = "#DDEBF7"
TOTAL_FILL = "#F2F2F2"
WARN_COLOUR = "#C00000"


def display_width(text: str) -> int:
    """Columns `text` takes on screen and in Excel's width unit: a CJK character counts two (wcwidth)."""
    return max((max(wcswidth(line), len(line)) for line in str(text).splitlines()), default=0)


def _lines(text: str, width: int) -> int:
    """Lines `text` wraps to in a column `width` wide."""
    room = max(1, width - PADDING)
    return sum(max(1, math.ceil(max(wcswidth(line), len(line)) / room)) for line in str(text).splitlines() or [""])


def number_format(decimals: int, kind: str, approx: str = "") -> str:
    """Excel's number format for a value as the town typed it: 12,000余 is the number 12000 shown with its 余,
    约8,000 with its 约, 95.00以上 with its 以上. A rate has no thousands separator."""
    base = ("0" if kind == "rate" else "#,##0") + ("." + "0" * decimals if decimals else "")
    if approx in facts.APPROX_BEFORE:
        return f'"{approx}"{base}'
    return f'{base}"{approx}"' if approx else base


class _Book:
    """One workbook being written: formats made once and reused, sheets in order."""

    def __init__(self, summary: Summary) -> None:
        self.summary = summary
        self.out = io.BytesIO()
        self.wb = Workbook(self.out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
        self._formats: dict[tuple[Any, ...], Any] = {}
        self.overview_rows: tuple[int, int] = (0, -1)  # first and last town row of the overview

    def fmt(self, *, bold: bool = False, wrap: bool = False, num: str | None = None, fill: str | None = None,
            size: int | None = None, colour: str | None = None, border: bool = True, center: bool = False) -> Any:
        key = (bold, wrap, num, fill, size, colour, border, center)
        if key not in self._formats:
            spec: dict[str, Any] = {"valign": "vcenter"}
            if bold:
                spec["bold"] = True
            if wrap:
                spec["text_wrap"] = True
            if num:
                spec["num_format"] = num
            if fill:
                spec.update(bg_color=fill, pattern=1)
            if size:
                spec["font_size"] = size
            if colour:
                spec["font_color"] = colour
            if border:
                spec["border"] = 1
            if center:
                spec["align"] = "center"
            self._formats[key] = self.wb.add_format(spec)
        return self._formats[key]

    def sheet(self, name: str, fit: bool = True) -> Worksheet:
        """A landscape A4 sheet; `fit` prints it one page wide (the overview is too wide: it runs across pages,
        its town column repeated)."""
        ws = self.wb.add_worksheet(name)
        ws.set_landscape()
        ws.set_paper(PAPER_A4)
        if fit:
            ws.fit_to_pages(1, 0)
        return ws


# ---- writing cells ---------------------------------------------------------------------------------------

def _write(book: _Book, ws: Worksheet, row: int, col: int, value: Any, kind: str = "", fill: str | None = None,
           wrap: bool = False) -> str:
    """Write one cell as what it is (text, integer, a town's number) and return what it shows, for widths."""
    if isinstance(value, Placed):
        fmt = book.fmt(num=number_format(value.decimals, value.indicator.kind, value.fact.approx), fill=fill)
        ws.write_number(row, col, float(value.value), fmt)
        return shown(value.value, value.decimals, value.indicator.kind, value.fact.approx)
    if isinstance(value, Decimal):
        decimals = decimals_of(value)
        ws.write_number(row, col, float(value), book.fmt(num=number_format(decimals, kind), fill=fill))
        return shown(value, decimals, kind)
    if isinstance(value, int) and not isinstance(value, bool):
        ws.write_number(row, col, value, book.fmt(fill=fill))
        return str(value)
    if value is None or value == "":
        ws.write_blank(row, col, None, book.fmt(fill=fill))
        return ""
    ws.write_string(row, col, str(value), book.fmt(fill=fill, wrap=wrap or "\n" in str(value)))
    return str(value)


def _heading(book: _Book, ws: Worksheet, width: int, title: str, notes: Sequence[str]) -> int:
    """Title row and notes across the sheet; returns the next free row."""
    last = max(width - 1, 1)
    ws.merge_range(0, 0, 0, last, title, book.fmt(bold=True, size=14, border=False))
    ws.set_row(0, LINE_HEIGHT * 2)
    for i, note in enumerate(notes, 1):
        colour = WARN_COLOUR if note in book.summary.warnings else None
        ws.merge_range(i, 0, i, last, note, book.fmt(colour=colour, border=False))
    return len(notes) + 1


def _groups(book: _Book, ws: Worksheet, row: int, groups: Sequence[str]) -> None:
    """One merged cell over each run of columns sharing a group (报告, an area …)."""
    start = 0
    for col in range(1, len(groups) + 1):
        if col == len(groups) or groups[col] != groups[start]:
            fmt = book.fmt(bold=True, fill=HEADER_FILL, center=True)
            if col - 1 > start:
                ws.merge_range(row, start, row, col - 1, groups[start], fmt)
            else:
                ws.write_string(row, start, groups[start], fmt)
            start = col


def _finish(ws: Worksheet, header_row: int, headers: Sequence[str], texts: Sequence[Sequence[str]],
            caps: Sequence[int], heights: dict[int, int]) -> None:
    """Column widths from display widths (≈2 units per CJK character), the header row tall enough for its wrapped
    headers, long cells' rows tall enough for their lines, header row and first column frozen."""
    widths = []
    for col, header in enumerate(headers):
        cells = [display_width(row[col]) for row in texts if col < len(row)]
        width = max([*cells, min(display_width(header), NUMBER_HEADER_WIDTH), MIN_WIDTH]) + PADDING
        widths.append(min(width, caps[col] + PADDING))
        ws.set_column(col, col, widths[-1])
    ws.set_row(header_row, LINE_HEIGHT * max(_lines(h, w) for h, w in zip(headers, widths, strict=True)))
    for row, col in heights.items():
        ws.set_row(row, LINE_HEIGHT * min(MAX_LINES, _lines(texts[row - header_row - 1][col], widths[col])))
    ws.freeze_panes(header_row + 1, 1)
    ws.repeat_rows(header_row)


def _table(book: _Book, ws: Worksheet, columns: Sequence[Column], towns: Sequence[TownReport],
           cell: Callable[[TownReport, Column], Any], start: int, groups: bool) -> tuple[int, int, list[list[str]]]:
    """Group row (optional), header row and one row per town; returns the header row, the last town row and
    what each cell shows."""
    if groups:
        _groups(book, ws, start, [c.group for c in columns])
        start += 1
    for col, column in enumerate(columns):
        ws.write_string(start, col, column.header, book.fmt(bold=True, wrap=True, fill=HEADER_FILL, center=True))
    texts: list[list[str]] = []
    for i, town in enumerate(towns):
        row = start + 1 + i
        wrap = {"validation"}
        texts.append([_write(book, ws, row, col, cell(town, c), wrap=c.id in wrap) for col, c in enumerate(columns)])
    return start, start + len(towns), texts


def _totals(book: _Book, ws: Worksheet, columns: Sequence[Column], first: int, last: int,
            totals: dict[str, Totals], texts: list[list[str]]) -> None:
    """合计, 平均 and 填报 rows under the towns: formulas over the town rows with the values computed in Python
    as their cached results. A total of approximate numbers says so in its format."""
    label = book.summary.label
    fill = TOTAL_FILL
    rows = {"total": last + 1, "average": last + 2, "reported": last + 3}
    for name, row in rows.items():
        ws.write_string(row, 0, label(name), book.fmt(bold=True, fill=fill))
        texts.append([label(name)] + [""] * (len(columns) - 1))
    for col, column in enumerate(columns):
        if column.indicator is None:
            if col:
                for row in rows.values():
                    ws.write_blank(row, col, None, book.fmt(fill=fill))
            continue
        t = totals[column.id]
        span = xl_range(first, col, last, col)
        kind = column.indicator.kind
        suffix = label("approx_total") if t.approx else ""
        cells = {
            "total": (f"=SUM({span})", t.total, number_format(t.decimals, kind, suffix), t.decimals),
            "average": (f"=AVERAGE({span})", t.average, number_format(2, kind), 2),
            "reported": (f"=COUNT({span})", t.reported, "0", 0),
        }
        for name, (formula, value, num, decimals) in cells.items():
            row = rows[name]
            fmt = book.fmt(bold=True, fill=fill, num=num)
            if value is None or (name != "reported" and not t.reported):
                ws.write_blank(row, col, None, fmt)
                continue
            ws.write_formula(row, col, formula, fmt, float(value) if isinstance(value, Decimal) else value)
            texts[row - first][col] = shown(Decimal(value), decimals, kind) + (suffix if name == "total" else "")


# ---- the sheets ------------------------------------------------------------------------------------------

def _overview(book: _Book) -> None:
    s = book.summary
    ws = book.sheet(s.label("sheet_overview"), fit=False)
    columns = s.columns
    top = _heading(book, ws, len(columns), s.title, s.notes)
    header, last, texts = _table(book, ws, columns, s.towns, s.cell, top, groups=True)
    _totals(book, ws, columns, header + 1, last, s.totals, texts)
    caps = [TEXT_WIDTH.get(c.id, MAX_WIDTH) for c in columns]
    tall = {header + 1 + i: next(col for col, c in enumerate(columns) if c.id == "validation")
            for i, t in enumerate(s.towns) if not t.valid}
    _finish(ws, header, [c.header for c in columns], texts, caps, tall)
    ws.autofilter(header, 0, last, len(columns) - 1)
    ws.repeat_rows(header - 1, header)
    ws.repeat_columns(0)
    book.overview_rows = (header + 1, last)


def _area(book: _Book, area: str, indicators: list[Indicator]) -> None:
    s = book.summary
    ws = book.sheet(area_names()[area])
    columns = [s.columns[0], *(c for c in s.columns if c.indicator in indicators),
               Column("area_standard", s.label("area_standard"), "")]

    def cell(town: TownReport, column: Column) -> Any:
        if column.id == "area_standard":
            return town.area_passages.get(area, 0) if town.valid else None
        return s.cell(town, column)

    top = _heading(book, ws, len(columns), s.label("area_title", title=s.title, area=area_names()[area]), [])
    header, last, texts = _table(book, ws, columns, s.towns, cell, top, groups=False)
    _totals(book, ws, columns, header + 1, last, s.totals, texts)
    _finish(ws, header, [c.header for c in columns], texts, [MAX_WIDTH] * len(columns), {})


def _charts(book: _Book) -> None:
    """A native bar chart per key indicator (chart: true), towns down the side, each on the overview's cells."""
    s = book.summary
    ws = book.sheet(s.label("sheet_charts"))
    ws.write_string(0, 0, s.title, book.fmt(bold=True, size=14, border=False))
    first, last = book.overview_rows
    sheet = s.label("sheet_overview")
    height = max(CHART_MIN_HEIGHT, 80 + CHART_BAR_HEIGHT * len(s.towns))
    rows = math.ceil(height / ROW_PIXELS) + 1
    index = {c.id: col for col, c in enumerate(s.columns)}
    for n, ind in enumerate(s.decl.charted):
        col = index[ind.key]
        chart = book.wb.add_chart({"type": "bar"})
        header = s.decl.header(ind)
        chart.add_series({
            "name": header,
            "categories": [sheet, first, 0, last, 0],
            "values": [sheet, first, col, last, col],
            "fill": {"color": BAR_COLOUR},
            "data_labels": {"value": True},
            "gap": 60,
        })
        chart.set_title({"name": header, "name_font": {"size": 12, "bold": True}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"reverse": True})  # the first town at the top, as in the table
        scale = {"min": 0, "max": RATE_MAX} if ind.kind == "rate" else {"min": 0}  # bars start at zero
        chart.set_x_axis({"major_gridlines": {"visible": True, "line": {"color": GRID_COLOUR}},
                          "num_format": number_format(0, ind.kind), **scale})
        chart.set_size({"width": CHART_WIDTH, "height": height})
        ws.insert_chart(1 + (n // 2) * rows, (n % 2) * CHART_COLUMNS, chart, {"x_offset": 4, "y_offset": 4})
    per_page = max(1, PRINT_PIXELS // (rows * ROW_PIXELS))  # whole charts on each printed page
    pairs = math.ceil(len(s.decl.charted) / 2)
    ws.set_h_pagebreaks([1 + k * per_page * rows for k in range(1, math.ceil(pairs / per_page))])


def _list(book: _Book, name: str, headers: list[str], rows: list[list[Any]], caps: list[int]) -> None:
    """A plain listing sheet: a header row, then rows, widths by display width."""
    ws = book.sheet(name)
    for col, header in enumerate(headers):
        ws.write_string(0, col, header, book.fmt(bold=True, wrap=True, fill=HEADER_FILL, center=True))
    texts = [[_write(book, ws, r + 1, c, v, wrap=isinstance(v, str) and display_width(v) > caps[c])
              for c, v in enumerate(row)] for r, row in enumerate(rows)]
    tall = {r + 1: c for r, row in enumerate(texts) for c, v in enumerate(row) if display_width(v) > caps[c]}
    _finish(ws, 0, headers, texts, caps, tall)
    if rows:
        ws.autofilter(0, 0, len(rows), len(headers) - 1)


def _unplaced(book: _Book) -> None:
    s = book.summary
    label, areas = s.label, area_names()
    headers = [label(k) for k in ("town", "file", "where", "part", "area", "fact_label", "value", "unit", "approx",
                                  "key", "reason")]
    rows = []
    for town in s.valid:
        for item in town.unplaced:
            f, where = item.fact, town.places.get(item.fact)
            value = Decimal(f.value)
            rows.append([town.name, town.source, where.line if where else None,
                         s.part_header(where.part) if where else "", areas.get(where.area, "") if where else "",
                         f.label, value, f.unit, f.approx, f.key, item.reason])
    _list(book, label("sheet_unplaced"), headers, rows, [20, 36, 8, 30, 16, 40, 12, 8, 6, 24, 60])


def _standard(book: _Book) -> None:
    s = book.summary
    label = s.label
    headers = [label("town"), label("passage_where"), label("passage_key"), label("passage_text")]
    rows = [[town.name, p.where, p.key, p.text] for town in s.valid for p in town.passages]
    _list(book, label("sheet_standard"), headers, rows, [20, 16, 30, 80])


def _findings(book: _Book) -> None:
    s = book.summary
    label = s.label
    headers = [label(k) for k in ("town", "file", "line", "severity", "check", "field", "message", "hint")]
    rows = [[town.name, town.source, f.problem.line, f.severity, f.check, f.problem.path, f.problem.message,
             f.problem.hint] for town in s.towns for f in town.findings]
    _list(book, label("sheet_findings"), headers, rows, [20, 36, 8, 6, 20, 30, 60, 60])


def created(summary: Summary) -> dt.datetime:
    """The workbook's date: the latest report's date (成文日期, else the year's end), so the same inputs give the
    same bytes."""
    dates = [t.signed for t in summary.valid if t.signed]
    day = dt.date.fromisoformat(max(dates)) if dates else dt.date(1980, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def workbook(summary: Summary) -> bytes:
    """The whole workbook as bytes, for write.atomic_write."""
    book = _Book(summary)
    book.wb.set_properties({"title": summary.title, "created": created(summary)})
    _overview(book)
    _charts(book)
    for area in summary.decl.areas:
        _area(book, area, [i for i in summary.decl.indicators if i.area == area])
    _unplaced(book)
    _standard(book)
    _findings(book)
    book.wb.close()
    return book.out.getvalue()


__all__ = ["display_width", "number_format", "workbook"]
