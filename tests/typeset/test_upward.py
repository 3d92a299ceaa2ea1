"""A 上行文 issued jointly (GB/T 9704-2012 7.2.4, 7.2.6, 7.3.3, 7.3.5, 7.4), measured on LibreOffice's PDF in mm."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from conftest import EXAMPLES, docx_text
from pdfmeasure import MM, lines

from reportgen.api import build, compose_blocks
from reportgen.preview.render import to_pdf
from reportgen.typeset.profile import DEFAULT as P

if not (shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("pdftocairo")):
    if os.environ.get("CI"):
        pytest.fail("LibreOffice and poppler are required in CI (scripts/setup-system.sh)", pytrace=False)
    pytest.skip("LibreOffice/poppler not installed", allow_module_level=True)

TOP, LEFT = P.margin_top.mm, P.margin_left.mm
BOTTOM = P.page_height.mm - P.margin_bottom.mm
RIGHT = P.page_width.mm - P.margin_right.mm
CHAR = P.char_advance.mm  # one character of 3号 text
JOINT = EXAMPLES / "joint-2024.yaml"


def rules(pdf, page: int) -> list[tuple[float, float, float, float]]:
    """Horizontal rules drawn on `page`: (y, x0, x1, stroke width), in mm from the page's top-left corner."""
    svg = subprocess.run(["pdftocairo", "-svg", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    svg = re.sub(r"<defs>.*?</defs>", "", svg, flags=re.S)  # glyph outlines
    out = []
    for width, x0, y0, x1, y1, m in re.findall(
            r'stroke-width:([\d.]+);[^>]*d="M ([\d.]+) ([\d.]+) L ([\d.]+) ([\d.]+) "[^>]*matrix\(([^)]*)\)', svg):
        a, _, _, d, e, f = map(float, m.split(","))
        if abs(float(y0) - float(y1)) < 0.01:
            out.append(((d * float(y0) + f) / MM, (a * float(x0) + e) / MM, (a * float(x1) + e) / MM,
                        float(width) * a / MM))
    return sorted(out)


@pytest.fixture(scope="module")
def joint(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("upward")
    build(JOINT, tmp / "joint.docx")
    return tmp / "joint.docx", to_pdf([tmp / "joint.docx"], tmp)[0]


def test_signers_share_the_document_number_line(joint):
    first = lines(joint[1])[0]
    docno = next(ln for ln in first if ln.text.startswith("青委〔2025〕3号"))
    signers = next(ln for ln in first if ln.text.startswith("签发人："))
    assert abs((docno.x0 - LEFT) - CHAR) < 1.0, docno  # 发文字号居左空一字
    assert signers.text == "签发人：王建国李文华"  # two 签发人 on one line (一般每行排两个姓名)
    assert abs((RIGHT - signers.x1) - CHAR) < 1.0, signers  # 签发人居右空一字
    assert abs(docno.y1 - signers.y1) < 0.5  # the 发文字号 on the line of the last name


def test_two_issuers_stacked_in_the_mark_with_file_to_their_right(joint):
    first = lines(joint[1])[0]
    names = [ln for ln in first if ln.text in ("中共青溪镇委员会", "青溪镇人民政府")]
    assert [ln.text for ln in names] == ["中共青溪镇委员会", "青溪镇人民政府"], [ln.text for ln in first[:6]]
    assert names[0].y_centre + 10 < names[1].y_centre  # 主办机关 on the first line, the other below it
    assert names[0].y0 - TOP > 30  # the 标志 about 35 mm below the 版心's top
    word = subprocess.run(["pdftotext", "-bbox-layout", "-f", "1", "-l", "1", str(joint[1]), "-"],
                          capture_output=True, text=True, check=True).stdout
    boxes = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*文件)</word>', word)
    assert boxes, "「文件」 not found"
    x, y0, y1 = (float(v) / MM for v in boxes[0][:3])
    assert x > max(ln.x1 for ln in names) - 1.0  # to the right of the names …
    middle = (names[0].y0 + names[1].y1) / 2
    assert abs((y0 + y1) / 2 - middle) < 3.0  # … centred on them


def test_joint_signatures_in_a_row_the_date_under_the_last(joint):
    pages = lines(joint[1])
    page = next(p for p in pages if any(ln.text == "2025年1月10日" for ln in p))
    date = next(ln for ln in page if ln.text == "2025年1月10日")
    host = next(ln for ln in page if ln.text == "中共青溪镇委员会")
    last = next(ln for ln in page if ln.text == "青溪镇人民政府")
    assert abs((RIGHT - date.x1) - P.sealed_date_right_chars * CHAR) < 1.0  # 成文日期右空四字 (sealed)
    assert abs(host.y1 - last.y1) < 0.5  # the 署名 in a row …
    assert 0 < date.y0 - last.y1 < P.line_pitch.mm  # … the date on the line under them
    assert host.x1 < last.x0 and host.x0 >= LEFT - 0.5  # 主办机关 first, to the left, inside the 版心


def test_unsealed_joint_signatures_stacked_first_characters_aligned(tmp_path):
    """Unsealed 联合行文 (7.3.5.2 via 7.3.5.3): 主办机关 first, the other below it, first characters aligned; the
    date (longer than 署名 − 2 here) 右空二字. The regulation template prints the 署名 unsealed."""
    build(JOINT, tmp_path / "u.docx", region="regulation")
    pages = lines(to_pdf([tmp_path / "u.docx"], tmp_path)[0])
    page = next(p for p in pages if any(ln.text == "2025年1月10日" for ln in p))
    date = next(ln for ln in page if ln.text == "2025年1月10日")
    host = next(ln for ln in page if ln.text == "中共青溪镇委员会")
    other = next(ln for ln in page if ln.text == "青溪镇人民政府")
    assert abs(host.x0 - other.x0) < 0.5 and host.y1 < other.y0  # stacked, first characters aligned
    assert 0 < date.y0 - other.y1 < P.line_pitch.mm  # the date on the next line
    assert abs((RIGHT - date.x1) - P.unsealed_signature_right_chars * CHAR) < 1.0  # 右空二字
    assert date.x0 > host.x0  # right of the 署名's first character


@pytest.mark.xfail(strict=True, reason="LibreOffice 7.4 puts about a fifth of a character between digits and Chinese "
                   "(it ignores w:autoSpaceDN=0, which Word honours), so it draws 2025年1月10日 wider than typeset "
                   "counts and the 署名 stands about 3 mm right of the date's centre in the preview (measured)")
def test_last_joint_signature_centred_over_the_date(joint):
    page = next(p for p in lines(joint[1]) if any(ln.text == "2025年1月10日" for ln in p))
    date = next(ln for ln in page if ln.text == "2025年1月10日")
    last = next(ln for ln in page if ln.text == "青溪镇人民政府")
    assert abs((last.x0 + last.x1) / 2 - (date.x0 + date.x1) / 2) < 1.0


def test_imprint_rules_at_the_foot_of_the_last_page_an_even_one(joint):
    pages = lines(joint[1])
    assert len(pages) % 2 == 0  # 版记 on an even page, the last one
    last = [ln.text for ln in pages[-1]]
    assert "抄送：云岭县人民政府办公室，云岭县司法局。" in last
    printer = next(ln for ln in pages[-1] if ln.text == "青溪镇党政综合办公室")
    printed = next(ln for ln in pages[-1] if ln.text == "2025年1月13日印发")
    side = P.imprint_size.mm * P.imprint_side_chars
    assert abs((printer.x0 - LEFT) - side) < 1.0 and abs((RIGHT - printed.x1) - side) < 1.0  # 左空一字、右空一字
    assert abs(printer.y1 - printed.y1) < 0.5
    drawn = rules(joint[1], len(pages))
    assert len(drawn) == 3, drawn
    for _y, x0, x1, _ in drawn:
        assert abs(x0 - LEFT) < 0.5 and abs(x1 - RIGHT) < 0.5  # the width of the 版心
    widths = [round(w, 2) for *_, w in drawn]
    assert abs(widths[0] - 0.35) < 0.05 and abs(widths[2] - 0.35) < 0.05 and abs(widths[1] - 0.25) < 0.05
    assert abs(drawn[-1][0] - BOTTOM) < 1.0  # the last rule on the 版心's lower edge
    for page in range(1, len(pages)):
        assert not rules(joint[1], page) or page == 1  # no 版记 rule elsewhere (page 1 has no drawn rule either)


def test_attachments_hang_under_the_first_name(tmp_path):
    text = JOINT.read_text(encoding="utf-8") + "attachments: [青溪镇2024年度行政执法数据统计表, 青溪镇2024年度矛盾纠纷化解情况表]\n"
    src = tmp_path / "with-attachments.yaml"
    src.write_text(text, encoding="utf-8")
    _, blocks, _, _ = compose_blocks(src)
    items = [b for b in blocks if b.kind == "attach"]
    assert [b.plain for b in items] == ["附件：1.青溪镇2024年度行政执法数据统计表", "2.青溪镇2024年度矛盾纠纷化解情况表"]
    kinds = [b.kind for b in blocks]
    assert kinds.index("attach") < kinds.index("sign")  # 附件说明 before the 署名
    build(src, tmp_path / "a.docx")
    assert "附件：1.青溪镇2024年度行政执法数据统计表" in docx_text(tmp_path / "a.docx")


PAGE_NUMBER = re.compile(r"[—-]\s*\d+\s*[—-]")
FILLER = "镇{n}村结合村规民约修订，组织村民代表逐条讨论后提交村民会议表决。"


@pytest.fixture(scope="module")
def imprint_cases(tmp_path_factory):
    """The joint example with 0–9 one-line paragraphs added to part five: the body ends with room on page 4,
    without room on page 4, and on page 5 (odd). One LibreOffice run for all of them."""
    tmp = tmp_path_factory.mktemp("imprint")
    base = JOINT.read_text(encoding="utf-8")
    docs = []
    for k in (0, 2, 3, 4, 6, 9):
        src = tmp / f"joint-{k}.yaml"
        other = ", ".join(FILLER.format(n=n) for n in range(1, k + 1))
        src.write_text(base.replace("other: [本年度无其他需要报告的情况。]", f"other: [{other}]" if k else
                                    "other: [本年度无其他需要报告的情况。]"), encoding="utf-8")
        build(src, tmp / f"joint-{k}.docx")
        docs.append(tmp / f"joint-{k}.docx")
    return dict(zip((0, 2, 3, 4, 6, 9), to_pdf(docs, tmp), strict=True))


def test_imprint_shares_the_last_even_page_when_there_is_room_else_the_next_even_page(imprint_cases):
    """GB/T 9704-2012 7.4 and 7.5: the 版记 on the last page, an even one, its last rule on the 版心's foot; on
    the page where the body ends when that page is even and has room (numbered as usual), on the next page when
    the body ends on an odd page (numbered), and after a blank page when the even page is full (both
    unnumbered). Every case occurs among the variants."""
    seen = set()
    imprint_mm = 2 * P.imprint_line.mm + P.imprint_slack.mm
    for k, pdf in imprint_cases.items():
        pages = lines(pdf)
        date_page = max(i for i, page in enumerate(pages, 1) if any(ln.text == "2025年1月10日" for ln in page))
        date = next(ln for ln in pages[date_page - 1] if ln.text == "2025年1月10日")
        cc_page = next(i for i, page in enumerate(pages, 1) if any(ln.text.startswith("抄送：") for ln in page))
        assert cc_page == len(pages) and cc_page % 2 == 0, k
        drawn = rules(pdf, cc_page)
        assert len(drawn) == 3 and abs(drawn[-1][0] - BOTTOM) < 1.0, (k, drawn)
        numbers = [[ln.text for ln in page if PAGE_NUMBER.fullmatch(ln.text)] for page in pages]
        assert all(numbers[i] for i in range(date_page)), k  # every body page numbered
        if cc_page == date_page:
            seen.add("shared")
            assert drawn[0][0] > date.y1, k  # the 版记 below the date, never over it
            assert numbers[cc_page - 1], k
        elif date_page % 2:
            seen.add("next page")
            assert cc_page == date_page + 1 and numbers[cc_page - 1], k
        else:
            seen.add("after a blank page")
            assert cc_page == date_page + 2 and not pages[date_page] and not numbers[cc_page - 1], k
            assert date.y1 > BOTTOM - imprint_mm - 2 * P.line_pitch.mm, k  # no room was left (within the margin)
    assert seen == {"shared", "next page", "after a blank page"}
