"""GB/T 9704 on paper: render with LibreOffice and measure the PDF (22 lines, 28 characters, page numbers)."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess

import pytest
from conftest import EXAMPLES
from effective import NS, Effective, q
from pdfmeasure import lines

from reportgen.api import build
from reportgen.preview.render import to_pdf
from reportgen.typeset.profile import DEFAULT as P

if not (shutil.which("soffice") and shutil.which("pdftotext")):
    if os.environ.get("CI"):
        pytest.fail("LibreOffice and poppler are required in CI (scripts/setup-system.sh)", pytrace=False)
    pytest.skip("LibreOffice/poppler not installed", allow_module_level=True)

TOP, LEFT = P.margin_top.mm, P.margin_left.mm
BOTTOM = P.page_height.mm - P.margin_bottom.mm  # the 版心's lower edge, from the top of the page
RIGHT = P.page_width.mm - P.margin_right.mm
PITCH = P.line_pitch.mm
CHAR = P.page_number_size.mm  # one character of the 4号 page number
PAGE_NUMBER = re.compile(r"^—(\d+)—$")

# Paragraphs of ideographs only: no punctuation, digits or Latin, so nothing may shift a line break.
IDEOGRAPHS = "法治政府建设年度报告依法行政规范执法公正文明决策科学民主监督有力透明服务便民高效"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pdf")
    grid = tmp / "grid.yaml"
    paras = "\n".join(f"        - {(IDEOGRAPHS * 9)[i:i + 200 + 7 * i]}" for i in range(6))
    grid.write_text(f"""\
year: 2024
town: {{name: 网格镇, issuer: 网格县网格镇人民政府}}
measures:
  topics:
    - area: enforcement
      text:
{paras}
shortcomings: {{items: [{{area: publicity}}]}}
leaders: {{}}
plans: {{items: [{{area: publicity}}]}}
""", encoding="utf-8")
    docs = [build(grid, tmp / "grid.docx"), build(EXAMPLES / "guangyang-2023.yaml", tmp / "guangyang.docx"),
            build(EXAMPLES / "gongchuan-2023.yaml", tmp / "gongchuan.docx")]
    pdf_paths = to_pdf([tmp / "grid.docx", tmp / "guangyang.docx", tmp / "gongchuan.docx"], tmp)
    return {p.stem: p for p in pdf_paths} | {"_built": docs}


def _heading_texts(docx: bytes) -> list[str]:
    """The texts of the heading paragraphs (RGHeading1–4) of a built .docx."""
    eff = Effective(docx)
    out = []
    for p in eff.paragraphs():
        style = p.find("w:pPr/w:pStyle", NS)
        if style is not None and re.fullmatch(r"RGHeading\d", style.get(q("val")) or ""):
            out.append("".join(t.text or "" for t in p.iter(q("t"))))
    return out


def _is_heading(line, headings: list[str]) -> bool:
    """A heading's first line: at the two-character indent, beginning a heading's text."""
    text = re.sub(r"\s+", "", line.text)
    return abs(line.x0 - LEFT - 2 * P.char_advance.mm) < 1.0 and any(h.startswith(text) for h in headings)


def _body(page):
    return [ln for ln in page if ln.y1 < BOTTOM + 1 and not PAGE_NUMBER.match(ln.text)]


@pytest.mark.parametrize("name", ["guangyang", "gongchuan"])
def test_full_pages_have_22_lines_on_the_exact_pitch(pdfs, name):
    pages = lines(pdfs[name])
    assert len(pages) >= 3
    built = pdfs["_built"][["grid", "guangyang", "gongchuan"].index(name)]
    headings = _heading_texts(built.docx)
    for n, (page, after) in enumerate(itertools.pairwise(pages), 1):
        body = _body(page)
        # every text line below the title (标志, 文号 and title are placed by millimetres) sits on the
        # 28.95 pt grid …
        start = max((i for i, ln in enumerate(body) if ln.y1 - ln.y0 >= 8), default=-1) + 1
        rows = [(ln.y1 - body[-1].y1) / PITCH for ln in body[start:]]
        assert all(abs(r - round(r)) < 0.05 for r in rows), rows
        # … and the last one on the 22nd row, at the foot of the 版心, or on the 21st when the next page starts
        # with a heading kept with its text (keepNext) — never higher
        short = int((BOTTOM + 0.5 - body[-1].y1) // PITCH)  # whole rows left empty at the foot
        assert short == 0 or (short == 1 and _is_heading(_body(after)[0], headings)), (n, short, body[-1])
        assert BOTTOM - (short + 1) * PITCH < body[-1].y1 <= BOTTOM - short * PITCH + 0.5, (n, short, body[-1])
        if n > 1:  # pages without the title: 22 text lines, or 21 before a heading
            assert len(body) == P.lines_per_page - short, (n, len(body))


def test_full_lines_of_chinese_text_have_28_characters(pdfs):
    body = [ln for page in lines(pdfs["grid"]) for ln in _body(page)]
    text_lines = [ln for ln in body if set(ln.text) <= set(IDEOGRAPHS)]
    full = [ln for ln in text_lines if abs(ln.x1 - RIGHT) < 1.0]
    assert len(full) > 40
    counts = {len(ln.text) for ln in full if abs(ln.x0 - LEFT) < 1.0}
    first_lines = {len(ln.text) for ln in full if abs(ln.x0 - LEFT - 2 * P.char_advance.mm) < 1.0}
    assert counts == {P.chars_per_line}
    assert first_lines == {P.chars_per_line - P.body_indent_chars}  # 首行缩进二字


def test_page_numbers_odd_right_even_left_7mm_below_the_text_block(pdfs):
    pages = lines(pdfs["guangyang"])
    for n, page in enumerate(pages, 1):
        numbers = [ln for ln in page if PAGE_NUMBER.match(ln.text)]
        assert len(numbers) == 1, [ln.text for ln in page[-3:]]
        num = numbers[0]
        assert PAGE_NUMBER.match(num.text)[1] == str(n)
        if n % 2:
            assert abs((RIGHT - num.x1) - CHAR) < 1.0, (n, num)
        else:
            assert abs((num.x0 - LEFT) - CHAR) < 1.0, (n, num)
        assert abs(num.y_centre - BOTTOM - P.page_number_below_text.mm) < 1.0, (n, num)


def test_red_header_document_lays_out_mark_number_title(pdfs):
    first = lines(pdfs["gongchuan"])[0]
    mark = next(ln for ln in first if ln.text == "永安市贡川镇人民政府文件")
    docno = next(ln for ln in first if ln.text.startswith("永贡政"))
    assert mark.y0 - TOP > 30  # the 标志 stands about 35 mm below the top of the 版心
    assert docno.y0 > mark.y1 + PITCH  # two lines below the 标志
    centre = (LEFT + RIGHT) / 2
    for ln in (mark, docno):
        assert abs((ln.x0 + ln.x1) / 2 - centre) < 1.0
    last = lines(pdfs["gongchuan"])[-1]
    sign = next(ln for ln in last if ln.text == "永安市贡川镇人民政府")
    date = next(ln for ln in last if ln.text == "2023年12月26日")
    assert abs((RIGHT - sign.x1) - 2 * P.char_advance.mm) < 1.0  # 署名右空二字
    assert abs((date.x0 - sign.x0) - 2 * P.char_advance.mm) < 1.0  # 日期首字右移二字
    assert RIGHT - date.x1 >= 2 * P.char_advance.mm - 1.0  # and the date keeps at least 右空二字
    assert 0 < date.y0 - sign.y1 < PITCH


def test_faces_are_distinct_and_cjk(pdfs):
    out = subprocess.run(["pdffonts", str(pdfs["gongchuan"])], capture_output=True, text=True, check=True).stdout
    faces = {line.split()[0].split("+")[-1] for line in out.splitlines()[2:]}
    assert any("SerifCJK" in f for f in faces) and any("SansCJK" in f for f in faces) and any("UKai" in f for f in faces)
    assert all(("CJK" in f) or ("UKai" in f) or ("Liberation" in f) for f in faces), faces
