"""region.yaml `layout:` in people's units: 字号 names, pt, mm; spacing derived from the grid; bad values at their line."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, MINIMAL
from docx.shared import Length, Mm, Pt, Twips
from pdfmeasure import lines

from reportgen import regions
from reportgen.api import build
from reportgen.cli import main
from reportgen.preview.render import to_pdf
from reportgen.typeset import units
from reportgen.typeset.profile import DEFAULT

IDEOGRAPHS = "法治政府建设年度报告依法行政规范执法公正文明决策科学民主监督有力透明服务便民高效"


@pytest.mark.parametrize(("written", "points"), [("三号", 16), ("三", 16), ("小二号", 18), ("小二", 18), ("初号", 42),
                                                 ("五号", 10.5), ("16pt", 16), ("16", 16), (16, 16), (10.5, 10.5)])
def test_sizes_in_zihao_names_points_and_bare_numbers(written, points):
    assert units.size(written) == Pt(points)


def test_lengths_need_a_unit():
    assert units.length("37mm") == Mm(37) and units.length("3.7cm") == Mm(37) and units.length("10pt") == Pt(10)
    assert units.size("5.6mm") == Mm(5.6)
    for bad in (37, "37", "-3mm", "0mm", "3in", "三号"):
        with pytest.raises(ValueError):
            units.length(bad)
    for bad in ("大三号", "-16pt", 0, True, "16px"):
        with pytest.raises(ValueError):
            units.size(bad)


def test_character_spacing_comes_from_the_grid():
    assert DEFAULT.char_spacing == Twips(-5)  # 156 mm / 28 − 16 pt = −0.207 pt → −0.25 pt, whole twips, down
    assert DEFAULT.line_pitch == Twips(579)  # 225 mm / 22
    for size in (14, 16, 12):
        prof = DEFAULT.with_overrides({"body_size": Pt(size)})
        assert prof.chars(28) <= prof.text_width < prof.chars(28) + Twips(28)  # 28 fit, with under a twip each spare


def _region(root, name: str, layout: str):
    folder = root / "templates" / name
    folder.mkdir(parents=True)
    (folder / "region.yaml").write_text(f"description: 版式单位测试\nlayout:\n{layout}", encoding="utf-8")
    return folder


def test_a_bad_value_is_refused_at_its_line_with_exit_4(tmp_path, monkeypatch):
    _region(tmp_path, "odd", "  sealed: true\n  body_size: 大三号\n  title_size: -2pt\n  colour: red\n")
    src = tmp_path / "town.yaml"
    src.write_text(MINIMAL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", str(src), "--region", "odd", "-o", "x.docx"], catch_exceptions=False)
    assert result.exit_code == 4
    assert "region.yaml:4:3" in result.output and "大三号" in result.output and "不是字号名称" in result.output
    assert "region.yaml:5:3" in result.output and "大于零" in result.output
    assert "region.yaml:6:3" in result.output and "colour" in result.output
    assert not (tmp_path / "x.docx").exists()


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")), reason="LibreOffice/poppler")
def test_zihao_names_and_hyphen_page_numbers_measure_right_on_the_pdf(tmp_path, monkeypatch):
    _region(tmp_path, "sanhao", '  body_size: 三号\n  title_size: 二号\n  page_number_dash: "-"\n')
    _region(tmp_path, "sihao", "  body_size: 四号\n")
    monkeypatch.chdir(tmp_path)
    grid = tmp_path / "grid.yaml"
    paras = "\n".join(f"        - {(IDEOGRAPHS * 9)[i:i + 200 + 7 * i]}" for i in range(3))
    grid.write_text(MINIMAL.split("measures:")[0] + f"measures:\n  topics:\n    - area: enforcement\n      text:\n{paras}\n"
                    + "shortcomings:" + MINIMAL.split("shortcomings:")[1], encoding="utf-8")
    build(EXAMPLES / "guangyang-2023.yaml", tmp_path / "sanhao.docx", region="sanhao", workdir=tmp_path)
    build(grid, tmp_path / "sihao.docx", region="sihao", workdir=tmp_path)
    pdfs = {p.stem: p for p in to_pdf([tmp_path / "sanhao.docx", tmp_path / "sihao.docx"], tmp_path)}

    prof = regions.profile("sanhao", tmp_path)
    assert (prof.body_size, prof.title_size, prof.page_number_dash) == (Pt(16), Pt(22), "-")
    pages = lines(pdfs["sanhao"])
    ratio = 1.3  # pdftotext's line box: the CJK face's ascent + descent, 1.3 em
    title = pages[0][0]
    assert abs((title.y1 - title.y0) / ratio - Length(Pt(22)).mm) < 0.3
    body = [ln for ln in pages[1] if len(ln.text) >= 20]
    assert body and all(abs((ln.y1 - ln.y0) / ratio - Length(Pt(16)).mm) < 0.3 for ln in body)
    for n, page in enumerate(pages, 1):
        assert page[-1].text == f"-{n}-", page[-1]  # 「- 1 -」: pdftotext joins the words

    prof = regions.profile("sihao", tmp_path)
    assert prof.body_size == Pt(14) and prof.char_spacing == Twips(35)  # +1.75 pt: derived, not written
    right = (prof.page_width - prof.margin_right) / 36000
    full = [ln for page in lines(pdfs["sihao"]) for ln in page
            if set(ln.text) <= set(IDEOGRAPHS) and abs(ln.x1 - right) < 1.0 and abs(ln.x0 - prof.margin_left.mm) < 1.0]
    assert len(full) > 10 and {len(ln.text) for ln in full} == {prof.chars_per_line}
