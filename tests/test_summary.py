"""`reportgen summary`: the county's workbook read back with openpyxl, its charts from the zip, LibreOffice's
rendering of the chart sheet, the CSV and the terminal table; every number checked against the YAML's facts."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, MINIMAL, ROOT
from wcwidth import wcswidth

from reportgen import yoy
from reportgen.api import check
from reportgen.cli import main
from reportgen.summary import declaration, read_all, render, summarise
from reportgen.summary.indicators import Indicator, area_names

INPUTS = [*sorted(EXAMPLES.glob("*.yaml")), ROOT / "inputs" / "qinghe-2025.yaml"]
DECL = declaration()
L = DECL.labels


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("summary") / "汇总.xlsx"
    result = run("summary", str(EXAMPLES), str(ROOT / "inputs"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"已写出 {out}" in result.stdout
    return out


def overview(path: Path, data_only: bool = True):
    """The overview sheet, its header row number, {header: column}, and {town file: row}."""
    ws = openpyxl.load_workbook(path, data_only=data_only)[L["sheet_overview"]]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == L["town"])
    cols = {ws.cell(header, c).value: c for c in range(1, ws.max_column + 1)}
    rows = {}
    r = header + 1
    while ws.cell(r, 1).value != L["total"]:
        rows[ws.cell(r, cols[L["file"]]).value] = r
        r += 1
    return ws, header, cols, rows


def width(ws, col: int) -> float:
    """A column's width: XlsxWriter writes equal neighbours as one <col min max>, openpyxl keys it by the first."""
    return next(d.width for d in ws.column_dimensions.values() if d.min <= col <= d.max)


# ---- the expectation, from the YAML through the pipeline's facts ------------------------------------------

def expected_fact(located: list[yoy.LocatedFact], ind: Indicator) -> yoy.LocatedFact | None:
    """The fact a town states for `ind`, as the declaration promises: the one fact carrying its key; else the one
    fact whose label (normalised as for 同比) is a synonym, of the same kind and measure. None otherwise."""
    this_year = [f for f in located if f.path[0] != "plans"]
    def measure(f: yoy.LocatedFact) -> bool:
        return f.kind == ind.kind and yoy.base_unit(f.unit) == yoy.base_unit(ind.unit)

    keyed = [f for f in this_year if f.key == ind.key]
    if keyed:
        return keyed[0] if len(keyed) == 1 and measure(keyed[0]) else None
    names = {yoy.normalise_label(s) for s in ind.synonyms}
    same = [f for f in this_year if yoy.normalise_label(f.label) in names and measure(f)
            and (f.key not in DECL.by_key or f.key == ind.key)]
    return same[0] if len(same) == 1 else None


def in_column_unit(fact: yoy.LocatedFact, ind: Indicator) -> float:
    return float(fact.amount / yoy.unit_scale(ind.unit))


def test_every_number_equals_the_yaml_and_every_fact_is_shown(book):
    ws, _, cols, rows = overview(book)
    unplaced = openpyxl.load_workbook(book)[L["sheet_unplaced"]]
    listed = [tuple(c.value for c in row) for row in unplaced.iter_rows(min_row=2)]
    u_head = [c.value for c in unplaced[1]]
    placed_total = 0
    for path in INPUTS:
        located = yoy.located_facts(check(path)[0].data)
        row = rows[str(path)]
        shown = set()
        for ind in DECL.indicators:
            cell = ws.cell(row, cols[DECL.header(ind)])
            fact = expected_fact(located, ind)
            if fact is None:
                assert cell.value is None, (path.name, ind.key, cell.value)
                continue
            assert cell.value == pytest.approx(in_column_unit(fact, ind)), (path.name, ind.key)
            if fact.approx:  # 12000余 stays a number; the format shows the 余
                assert fact.approx in cell.number_format, (path.name, ind.key)
            shown.add(fact)
        placed_total += len(shown)
        # never dropped: what no column holds is listed, with a reason, once
        mine = [r for r in listed if r[u_head.index(L["file"])] == str(path)]
        rest = [f for f in located if f not in shown]
        assert len(mine) == len(rest), path.name
        for f in rest:
            assert any((r[u_head.index(L["fact_label"])] or "") == f.label and Decimal(str(r[u_head.index(L["value"])]))
                       == Decimal(f.value) and r[u_head.index(L["unit"])] == f.unit and r[u_head.index(L["reason"])]
                       for r in mine), (path.name, f.label)
    assert placed_total > 40  # the examples and the sample fill most columns


def test_totals_and_averages_are_values_of_the_town_rows(book):
    ws, _header, cols, rows = overview(book)
    last = max(rows.values())
    formulas, *_ = overview(book, data_only=False)
    for ind in DECL.indicators:
        col = cols[DECL.header(ind)]
        values = [ws.cell(r, col).value for r in rows.values() if ws.cell(r, col).value is not None]
        total, average, reported = (ws.cell(last + i, col).value for i in (1, 2, 3))
        assert reported == len(values), ind.key
        if not values:
            assert total is None and average is None
            continue
        assert average == pytest.approx(sum(values) / len(values)), ind.key
        if ind.kind == "rate":
            assert total is None
        else:
            assert total == pytest.approx(sum(values)), ind.key
            assert formulas.cell(last + 1, col).value.startswith("=SUM(")  # recalculates when a clerk edits
    # a spot check against the sample's own facts: 发放宣传资料 12000余 (青禾) + 30000余 (广阳) + 8000余 (贡川)
    col = cols[DECL.header(DECL.by_key["publicity.materials"])]
    assert ws.cell(last + 1, col).value == 12000 + 30000 + 8000
    assert L["approx_total"] in ws.cell(last + 1, col).number_format


def test_layout_title_frozen_widths(book):
    ws, header, cols, rows = overview(book)
    assert ws.freeze_panes == f"B{header + 1}"
    assert "2023" in ws.cell(1, 1).value  # most reports are 2023's …
    notes = " ".join(str(ws.cell(r, 1).value) for r in range(2, header - 1))
    assert "年度不一致" in notes and "2024 年度 1 份" in notes and "2025 年度 1 份" in notes  # … and it says so
    groups = {ws.cell(header - 1, c).value for c in range(1, ws.max_column + 1)} - {None}
    assert {area_names()[a] for a in DECL.areas} <= groups
    for c in range(1, ws.max_column + 1):
        cells = [ws.cell(r, c).value for r in rows.values()]
        widest = max((wcswidth(str(v)) for v in cells if isinstance(v, str) and "\n" not in v), default=0)
        assert width(ws, c) >= min(widest, 36), c  # a CJK character takes two units
    assert width(ws, 1) >= 2 * len("青禾镇")
    assert ws.cell(rows[str(INPUTS[0])], cols[L["validation"]]).value == L["valid"]
    part = ws.cell(rows[str(INPUTS[-1])], cols[L["part_opening"]]).value  # the sample leaves prose to the template
    assert part.startswith(L["mixed"].split("{")[0]) or part == L["standard"]


def test_area_sheets_and_listings(book):
    wb = openpyxl.load_workbook(book, data_only=True)
    for area in DECL.areas:
        ws = wb[area_names()[area]]
        headers = [c.value for c in ws[2]]
        assert headers[0] == L["town"]
        assert [h for h in headers[1:-1]] == [DECL.header(i) for i in DECL.indicators if i.area == area]
    std = wb[L["sheet_standard"]]
    assert any(r[0] == "青禾镇" and r[2] == "topic.decision.heading" for r in std.iter_rows(min_row=2, values_only=True))
    unplaced = list(wb[L["sheet_unplaced"]].iter_rows(min_row=2, values_only=True))
    # 贡川镇 keys its 16 cases (measures), so the 6 under part 3 are listed, pointing at the key
    assert any(r[0] == "贡川镇" and r[5] == "行政处罚案件" and r[6] == 6 and "enforcement.penalties" in r[-1]
               for r in unplaced)


def test_charts_are_native_and_read_the_overview(book):
    _ws, _header, cols, rows = overview(book)
    first, last = min(rows.values()), max(rows.values())
    sheet = openpyxl.load_workbook(book)[L["sheet_charts"]]
    charted = DECL.charted
    assert len(sheet._charts) == len(charted) >= 6
    with zipfile.ZipFile(book) as z:
        charts = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        assert len(charts) == len(charted)
        refs = [re.findall(r"<c:f>([^<]+)</c:f>", z.read(n).decode()) for n in charts]
    found = set()
    for ind in charted:
        letter = openpyxl.utils.get_column_letter(cols[DECL.header(ind)])
        want = [f"{L['sheet_overview']}!$A${first}:$A${last}", f"{L['sheet_overview']}!${letter}${first}:${letter}${last}"]
        found.add(next(i for i, r in enumerate(refs) if r == want))
    assert found == set(range(len(charts)))


def _calc_missing() -> str | None:
    soffice = shutil.which("soffice")
    if not soffice or not shutil.which("pdftoppm"):
        return "LibreOffice/poppler not installed"
    program = Path(os.path.realpath(soffice)).parent
    if not any(program.glob("libscfiltlo.so*")) and not any(program.glob("scfilt*")):
        return "LibreOffice Calc not installed (apt-get install libreoffice-calc-nogui)"
    return None


def test_libreoffice_opens_it_and_draws_the_bars(book, tmp_path, request):
    missing = _calc_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    from PIL import Image

    from reportgen.preview.render import render_env

    profile = request.config.cache.mkdir("summary-lo-profile").as_uri()  # kept between runs: a new one costs ~10 s
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(book)], env=render_env(), capture_output=True, timeout=180, check=True)
    pdf = tmp_path / f"{book.stem}.pdf"
    texts = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    first_chart = DECL.header(DECL.charted[0])
    page = next(i for i, t in enumerate(texts, 1) if first_chart in t and L["total"] not in t)  # not a table
    assert "青禾镇" in texts[page - 1]  # the towns label the bars
    subprocess.run(["pdftoppm", "-r", "50", "-f", str(page), "-l", str(page), "-png", str(pdf), str(tmp_path / "chart")],
                   check=True)
    image = Image.open(next(tmp_path.glob("chart*.png"))).convert("RGB")
    blue = sum(1 for r, g, b in image.get_flattened_data() if b > 150 and r < 110 and 80 < g < 150)  # the bars' #4472C4
    assert blue > 500


def test_csv_and_table_read_back():
    towns = list(read_all([str(p) for p in INPUTS], DECL))
    table = summarise(towns, DECL)
    raw = render(table, "csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [c.header for c in table.columns]
    col = rows[0].index(DECL.header(DECL.by_key["disputes.mediated"]))
    by_file = {r[rows[0].index(L["file"])]: r for r in rows[1:]}
    assert by_file[str(INPUTS[-1])][col] == "211"  # 青禾镇 调解成功 211件
    totals = next(r for r in rows if r[0] == L["total"])
    assert Decimal(totals[col]) == sum(Decimal(r[col]) for r in rows[1:len(INPUTS) + 1] if r[col])

    text = render(table, "table").decode("utf-8")
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    assert len(lines) == 2 + len(INPUTS) + 3  # header, rule, towns, 合计/平均/填报
    assert len({wcswidth(ln) for ln in lines}) == 1  # aligned by display width, CJK counting two

    def bars(line: str) -> list[int]:
        return [wcswidth(line[:i]) for i, ch in enumerate(line) if ch == "|"]

    assert len({tuple(bars(ln)) for ln in lines}) == 1
    assert "98以上" in text  # 贡川镇's 调解成功率 as typed


BROKEN_RATE = ("rate: 96.79, of: [211, 218]", "rate: 150")


def test_an_invalid_town_keeps_its_row_with_its_error(tmp_path):
    sample = (ROOT / "inputs" / "qinghe-2025.yaml").read_text(encoding="utf-8")
    assert BROKEN_RATE[0] in sample
    (tmp_path / "a-good.yaml").write_text(sample, encoding="utf-8")
    (tmp_path / "b-rate.yaml").write_text(sample.replace(*BROKEN_RATE), encoding="utf-8")
    (tmp_path / "c-syntax.yaml").write_text("year: [2024\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = run("summary", str(tmp_path), "-o", str(out))
    assert result.exit_code == 3, result.output
    assert "✗" in result.stderr and "b-rate.yaml" in result.stderr and "Traceback" not in result.output
    ws, _header, cols, rows = overview(out)
    assert len(rows) == 3
    bad = rows[str(tmp_path / "b-rate.yaml")]
    assert ws.cell(bad, 1).value == "青禾镇"  # named from the file it could read
    error = ws.cell(bad, cols[L["validation"]]).value
    assert "输入文件有错误" in error and "b-rate.yaml" in error and "rate" in error
    assert ws.cell(bad, cols[L["lint_errors"]]).value >= 1
    syntax = rows[str(tmp_path / "c-syntax.yaml")]
    assert ws.cell(syntax, 1).value == "c-syntax" and "c-syntax.yaml" in ws.cell(syntax, cols[L["validation"]]).value
    col = cols[DECL.header(DECL.by_key["disputes.found"])]
    assert ws.cell(bad, col).value is None  # an invalid town's numbers are not counted …
    last = max(rows.values())
    assert ws.cell(last + 1, col).value == 218 and ws.cell(last + 3, col).value == 1  # … in the totals either


def _town(fact: str, plans: str = "") -> str:
    text = MINIMAL.replace("facts: [{label: 开展行政检查, count: 10, unit: 件}]", f"facts: [{fact}]")
    return text.replace("plans:\n  items: [{area: publicity}]", f"plans:\n  items: [{{area: publicity{plans}}}]")


def test_why_a_fact_is_not_counted(write_yaml):
    paths = [write_yaml(_town("{label: 受理矛盾纠纷, count: 12, unit: 宗, key: disputes.found}"), "unit.yaml"),
             write_yaml(_town("{label: 开展夜访活动, count: 10, unit: 次, key: my.own}"), "key.yaml"),
             write_yaml(_town("{label: 开展行政检查, count: 10, unit: 次}",
                              ", facts: [{label: 开展行政检查, count: 20, unit: 次}]"), "plans.yaml")]
    towns = {t.source: t for t in read_all([str(p) for p in paths], DECL)}
    unit = towns[str(paths[0])]
    assert not unit.values and "单位“宗”" in unit.unplaced[0].reason and "“件”" in unit.unplaced[0].reason
    assert "my.own" in towns[str(paths[1])].unplaced[0].reason
    plans = towns[str(paths[2])]
    assert plans.values["enforcement.inspections"].value == 10  # this year's, not next year's 20
    assert [u.fact.value for u in plans.unplaced] == ["20"] and plans.unplaced[0].reason == L["plans_part"]


def test_output_is_refused_before_reading_and_written_whole(tmp_path):
    town = tmp_path / "town.yaml"
    shutil.copy(ROOT / "inputs" / "qinghe-2025.yaml", town)
    before = town.read_bytes()
    assert run("summary", str(town), "-o", str(town)).exit_code == 2  # never over an input
    link = tmp_path / "link.xlsx"
    link.symlink_to(town)
    result = run("summary", str(town), "-o", str(link))
    assert result.exit_code == 2 and "输入" in result.output
    assert town.read_bytes() == before
    assert run("summary", str(town), "--format", "pdf").exit_code == 2
    assert run("summary", str(town), "--format", "table", "-o", str(tmp_path / "t.txt")).exit_code == 2
    out = tmp_path / "汇总.xlsx"
    assert run("summary", str(town), "-o", str(out)).exit_code == 0
    first = out.read_bytes()
    assert run("summary", str(town), "-o", str(out)).exit_code == 0
    assert out.read_bytes() == first  # same inputs, same bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.xlsx", "town.yaml", "汇总.xlsx"]  # no temp file left
    csv_out = tmp_path / "x.csv"
    assert run("summary", str(town), "-o", str(csv_out)).exit_code == 0  # the format follows -o's suffix
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_a_region_declares_its_own_indicators(tmp_path, monkeypatch):
    region = tmp_path / "templates" / "county-x"
    region.mkdir(parents=True)
    (region / "indicators.yaml").write_text(
        "indicators:\n  - {key: enforcement.inspections, area: enforcement, kind: count, unit: 次, label: 检查, "
        "synonyms: [开展行政检查], chart: true}\nlabels: {sheet_overview: 总表}\n", encoding="utf-8")
    shutil.copy(ROOT / "inputs" / "qinghe-2025.yaml", tmp_path / "town.yaml")
    monkeypatch.chdir(tmp_path)
    assert run("summary", "town.yaml", "--region", "county-x").exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx", data_only=True)
    assert wb.sheetnames[0] == "总表"  # the region's words over base's, the rest from base
    ws = wb["总表"]
    row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "青禾镇")
    assert 146 in row
    (region / "indicators.yaml").write_text("indicators:\n  - {key: Bad Key, area: enforcement}\n", encoding="utf-8")
    result = run("summary", "town.yaml", "--region", "county-x")
    assert result.exit_code == 4 and "indicators.yaml" in result.output and "Bad Key" in result.output


def test_declaration_is_consistent():
    assert set(DECL.areas) <= set(area_names()) and area_names()["disputes"] == "矛盾纠纷化解"
    assert len({DECL.header(i) for i in DECL.indicators}) == len(DECL.indicators)  # headers name one column each
    for ind in DECL.indicators:
        assert ind.synonyms and all(yoy.normalise_label(s) for s in ind.synonyms), ind.key


def test_csv_cells_never_start_a_formula(tmp_path, monkeypatch):
    """A file name starting with = is text in the CSV, not a formula a spreadsheet would run."""
    sample = (ROOT / "inputs" / "qinghe-2025.yaml").read_text(encoding="utf-8")
    (tmp_path / "=HYPERLINK(1).yaml").write_text(sample, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    table = summarise(list(read_all(["=HYPERLINK(1).yaml"], DECL)), DECL)
    rows = list(csv.reader(io.StringIO(render(table, "csv").decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(1).yaml" in cells
    assert not [cell for cell in cells if cell and cell[0] in "=+@"]
