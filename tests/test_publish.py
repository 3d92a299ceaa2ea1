"""`build --format docx,pdf,html`: the web page says what the .docx says (read back with html5lib and python-docx),
its CSS comes from the layout profile, and the PDF is the preview's conversion with PDF/A and every font embedded."""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import subprocess
from pathlib import Path

import docx
import html5lib
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, MINIMAL, ROOT
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from reportgen.api import render
from reportgen.batch import Result, add_pdfs
from reportgen.cli import main
from reportgen.publish import formats as publish
from reportgen.publish.html import render_html
from reportgen.typeset.profile import DEFAULT

HAVE_RENDERER = bool(shutil.which("soffice") and shutil.which("pdffonts"))
needs_renderer = pytest.mark.skipif(not HAVE_RENDERER and not os.environ.get("CI"),
                                    reason="LibreOffice/poppler not installed")
INPUTS = [*sorted(EXAMPLES.glob("*.yaml")), ROOT / "inputs" / "qinghe-2025.yaml"]
REGIONS = (None, "regulation", "runin", "document")  # None: the input's own region
_WS = re.compile(r"\s+")
_TEXT_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6")


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _parse(page: bytes):
    """The page as a browser reads it; strict: the first parse error raises."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)


def _html_paragraphs(page: bytes) -> list[tuple[str, str]]:
    """(tag, text) of every <p> and <h1>–<h6>, in document order."""
    return [(e.tag, "".join(e.itertext())) for e in _parse(page).iter() if e.tag in _TEXT_TAGS]


def _docx_paragraphs(data: bytes) -> list[str]:
    """Every paragraph of the body, tables' included, in document order (w:p wherever it stands)."""
    document = docx.Document(io.BytesIO(data))
    return [Paragraph(p, document).text for p in document.element.body.iter(qn("w:p"))]


def _same_paragraphs(page: list[str], word: list[str]) -> None:
    """The page's paragraphs and the .docx's break at the same places, in the same order, where one side may join
    several of the other's (a title's lines and a 标志's cells are one page paragraph; two sealed 署名 one .docx
    line); whitespace aside (the tab of the 签发人 line)."""
    page = [t for t in (_WS.sub("", t) for t in page) if t]
    word = [t for t in (_WS.sub("", t) for t in word) if t]
    i = j = 0
    while i < len(page) and j < len(word):
        ours, theirs = page[i], word[j]
        i, j = i + 1, j + 1
        while ours != theirs:
            if len(ours) < len(theirs) and i < len(page) and theirs.startswith(ours):
                ours, i = ours + page[i], i + 1
            elif len(theirs) < len(ours) and j < len(word) and ours.startswith(theirs):
                theirs, j = theirs + word[j], j + 1
            else:
                raise AssertionError(f"page paragraph {ours[:40]!r} is not the .docx's {theirs[:40]!r}")
    assert (page[i:], word[j:]) == ([], []), "paragraphs left over on one side"


# ---- HTML: same text as the .docx, valid, an outline without gaps ---------------------------------------------

@pytest.mark.parametrize("region", REGIONS, ids=lambda r: r or "own")
@pytest.mark.parametrize("source", INPUTS, ids=lambda p: p.stem)
def test_page_says_what_the_docx_says(source, region):
    built = render(source, region, ROOT, html=True)
    paragraphs = _html_paragraphs(built.html)  # strict: raises on any parse error
    _same_paragraphs([text for _, text in paragraphs], _docx_paragraphs(built.docx))
    ranks = [int(tag[1]) for tag, _ in paragraphs if tag != "p"]
    assert ranks[0] == 1 and ranks.count(1) == 1  # the title, once
    assert all(b <= a + 1 for a, b in itertools.pairwise(ranks)), ranks  # never skips a level down
    assert 2 in ranks
    page = built.html.decode("utf-8")
    assert not re.search("[\ue000-\ue009]", page)  # compose's and derive's markers never reach the page
    assert not re.search(r"<script|<link|<img|@import|url\(|@font-face", page, re.I)  # self-contained, no web font


def test_page_head_title_and_numbering():
    built = render(EXAMPLES / "gongchuan-2023.yaml", None, ROOT, html=True)
    assert render(EXAMPLES / "gongchuan-2023.yaml", None, ROOT, html=True).html == built.html  # same bytes each run
    root = _parse(built.html)
    assert root.get("lang") == "zh-CN"
    assert root.find("head/meta[@charset]").get("charset") == "utf-8"
    title = "永安市贡川镇人民政府关于2023年法治政府建设工作报告"
    assert root.findtext("head/title") == title and root.findtext(".//h1") == title
    h2 = [("".join(e.itertext()), e.get("class")) for e in root.iter("h2")]
    assert h2[0] == ("一、2023年推进法治政府建设的主要举措和成效", "l1")
    assert h2[-1][0] == "五、其他需要报告的情况"
    assert [e.text for e in root.iter("h3")][:2] == ["（一）加强组织领导，落实主体责任", "（二）健全执法制度，推动文明执法"]
    paras = {e.get("class"): "".join(e.itertext()) for e in root.iter("p")}
    assert paras["mark"] == "永安市贡川镇人民政府文件" and paras["docno"] == "永贡政〔2023〕69号"
    assert paras["sign"] == "永安市贡川镇人民政府" and paras["date"] == "2023年12月26日"
    mark = next(p for p in root.iter("p") if p.get("class") == "mark")  # shrunk to one line of the 版心, as in the .docx
    assert mark.get("style") == "font-size: min(36pt, calc(156mm / 12), calc((100vw - 2em) / 12))"


def test_run_in_headings_keep_their_text_in_the_paragraph():
    built = render(EXAMPLES / "gongchuan-2023.yaml", "runin", ROOT, html=True)
    runins = [p for p in _parse(built.html).iter("p") if p.get("class") == "runin"]
    assert runins
    for p in runins:
        head = p.find("strong")
        assert head is not None and re.match(r"^（[一二三四五六七八九十]+）.+[。．]$", "".join(head.itertext()))
        assert head.tail and head.get("class").startswith("runin l")  # the body follows in the same paragraph
    first = runins[0]
    assert "".join(first.itertext()).startswith("".join(first.find("strong").itertext()))


def test_upward_and_joint_parts_read_in_the_docx_order():
    built = render(EXAMPLES / "joint-2024.yaml", None, ROOT, html=True)
    root = _parse(built.html)
    by_class = {p.get("class"): "".join(p.itertext()) for p in root.iter("p")}
    assert by_class["mark joint"] == "中共青溪镇委员会青溪镇人民政府文件"
    assert by_class["docno upward last"] == "青委〔2025〕3号签发人：王建国　李文华"
    assert by_class["recipient"] == "中共云岭县委全面依法治县委员会办公室："
    assert [p.text for p in root.iter("p") if p.get("class") == "sign sealed"] == ["中共青溪镇委员会", "青溪镇人民政府"]
    footer = root.find(".//footer")
    assert footer.get("class") == "imprint"
    assert ["".join(p.itertext()) for p in footer.iter("p")] == [
        "抄送：云岭县人民政府办公室，云岭县司法局。", "青溪镇党政综合办公室2025年1月13日印发"]


def test_css_faces_and_sizes_come_from_the_layout_profile():
    def css(profile) -> str:
        built = render(EXAMPLES / "guangyang-2023.yaml", None, ROOT)
        return _parse(render_html(built.blocks, profile)).findtext("head/style")

    base = css(DEFAULT)
    body_rule = re.search(r"article \{[^}]*\}", base)[0]
    assert re.search(r'font-family: "仿宋_GB2312", "仿宋", "FangSong",[^;]*"Noto Serif CJK SC", serif;', body_rule)
    assert "font-size: 16pt" in body_rule and "line-height: 28.95pt" in body_rule and "max-width: 156mm" in body_rule
    assert re.search(r'h1 \{[^}]*font-family: "方正小标宋简体",[^}]*font-size: 22pt', base)
    assert re.search(r'\.l1 \{ font-family: "黑体",[^;]*"Noto Sans CJK SC", sans-serif;', base)
    assert re.search(r'\.l2 \{ font-family: "楷体_GB2312",[^;]*"AR PL UKai CN", serif;', base)
    assert "@page { size: 210mm 297mm; margin: 37mm 26mm 35mm 28mm; }" in base
    assert "text-indent: 2em" in base and "text-align: justify" in base

    changed = css(DEFAULT.with_overrides({"body_size": DEFAULT.title_size, "heading3_bold": True,
                                          "fonts": {"body": "仿宋", "heading1": 'Evil"</style><script>x'}}))
    assert re.search(r'article \{[^}]*font-family: "仿宋", "仿宋_GB2312"', changed)
    assert "font-size: 22pt" in re.search(r"article \{[^}]*\}", changed)[0]
    assert re.search(r"\.l3 \{[^}]*font-weight: bold", changed)
    # a face the region names can neither end its CSS string nor the <style> element; unknown: the body's list follows
    assert '.l1 { font-family: "Evil\\22 \\3c \\2f style\\3e \\3c script\\3e x", "仿宋",' in changed


def test_the_towns_words_are_text_and_stale_numbers_print_with_their_marker(tmp_path, write_yaml):
    source = write_yaml(MINIMAL + 'opening:\n  text: ["本镇<b>坚持</b>A&B，全年办结【12件】。"]\n', "esc-2024.yaml")
    assert _invoke("next", str(source), "-o", str(tmp_path / "esc-2025.yaml")).exit_code == 0
    result = _invoke("build", str(tmp_path / "esc-2025.yaml"), "-o", str(tmp_path / "out" / "e.html"),
                     "--format", "html", "--mark")
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(tmp_path / "out")) == ["e.html"]  # -o names the stem; only the format asked for
    page = (tmp_path / "out" / "e.html").read_bytes()
    root = _parse(page)
    opening = next(p for p in root.iter("p") if "A&B" in "".join(p.itertext()))
    assert "".join(opening.itertext()).startswith("本镇<b>坚持</b>A&B，全年办结12件〔待更新〕")
    assert opening.find(".//b") is None
    stale = [("".join(m.itertext()), m.get("class")) for m in root.iter("mark") if m.get("class") == "stale"]
    assert ("12件〔待更新〕", "stale") in stale
    assert any(m.get("class") == "standard" for m in root.iter("mark"))  # --mark: the standard passages
    assert not re.search("[\ue000-\ue009]", page.decode("utf-8"))


# ---- formats and output paths, without LibreOffice ---------------------------------------------------------

def test_unknown_format_is_a_usage_error_naming_the_allowed_ones(tmp_path):
    result = _invoke("build", str(EXAMPLES / "guangyang-2023.yaml"), "-o", str(tmp_path / "g.docx"),
                     "--format", "docx,odt")
    assert result.exit_code == 2
    assert "odt" in result.output and "docx、pdf、html" in result.output and "Traceback" not in result.output
    assert not os.listdir(tmp_path)


def test_formats_parse_and_paths():
    assert publish.parse(" HTML, docx ,") == ("docx", "html")
    assert publish.paths(Path("a/报告.DOCX"), ("docx", "pdf", "html")) == {
        "docx": Path("a/报告.DOCX"), "pdf": Path("a/报告.pdf"), "html": Path("a/报告.html")}


def test_folder_output_writes_each_format_side_by_side(tmp_path):
    result = _invoke("build", str(EXAMPLES / "guangyang-2023.yaml"), str(EXAMPLES / "yinyang-2023.yaml"),
                     "-o", str(tmp_path), "--format", "html,docx", "-j", "2", "-v")
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(tmp_path)) == ["guangyang-2023.docx", "guangyang-2023.html", "yinyang-2023.docx",
                                            "yinyang-2023.html"]
    assert f"→ {tmp_path / 'yinyang-2023.docx'}、{tmp_path / 'yinyang-2023.html'}" in result.output
    page = _html_paragraphs((tmp_path / "yinyang-2023.html").read_bytes())
    _same_paragraphs([t for _, t in page], _docx_paragraphs((tmp_path / "yinyang-2023.docx").read_bytes()))


def test_pdf_without_libreoffice_writes_nothing_and_says_how_to_install(tmp_path, monkeypatch):
    import reportgen.publish.pdf as pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    result = _invoke("build", str(EXAMPLES / "guangyang-2023.yaml"), "-o", str(tmp_path / "g.docx"),
                     "--format", "docx,pdf,html")
    assert result.exit_code == 1
    assert "生成 PDF 需要 LibreOffice" in result.output and "apt-get install libreoffice" in result.output
    assert "去掉 --format 中的 pdf" in result.output and "Traceback" not in result.output
    assert not os.listdir(tmp_path)


def test_a_pdf_that_cannot_be_written_fails_its_input_alone(tmp_path, monkeypatch):
    """LibreOffice replaced by a stand-in: a folder standing at one PDF's path fails that input, names what was
    written, leaves no temporary folder; the other input's PDF is renamed into place."""
    import reportgen.preview.render as lo

    def convert(docs, outdir, timeout=900, fmt=lo.PDF_EXPORT):
        assert "SelectPdfVersion" in fmt
        for doc in docs:
            (outdir / f"{doc.stem}.pdf").write_bytes(b"%PDF-1.6 stand-in")
        return [outdir / f"{d.stem}.pdf" for d in docs], []

    monkeypatch.setattr(lo, "convert", convert)
    (tmp_path / "b.pdf").mkdir()
    results = [Result(Path(f"{s}.yaml"), tmp_path / f"{s}.docx", outputs=(tmp_path / f"{s}.docx", tmp_path / f"{s}.pdf"),
                      pdf_source=tmp_path / f"{s}.docx") for s in "ab"]
    for r in results:
        r.output.write_bytes(b"docx")
    a, b = add_pdfs(results)
    assert a.error is None and a.pdf_source is None and (tmp_path / "a.pdf").read_bytes() == b"%PDF-1.6 stand-in"
    assert b.exit_code == 2 and "是文件夹" in b.error and f"已写出：{tmp_path / 'b.docx'}" in b.error
    assert sorted(os.listdir(tmp_path)) == ["a.docx", "a.pdf", "b.docx", "b.pdf"]
    assert (tmp_path / "b.pdf").is_dir()


# ---- PDF: one LibreOffice start for the batch, the preview's pages, PDF/A, fonts embedded --------------------

PDF_INPUTS = ("gongchuan-2023", "joint-2024")


def _text(pdf: Path) -> str:
    """pdftotext's layout: the lines as placed, one form feed after each page."""
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The two inputs built as PDF and HTML only (the .docx LibreOffice reads is staged elsewhere), and previewed:
    two LibreOffice starts in all."""
    if not HAVE_RENDERER and not os.environ.get("CI"):
        pytest.skip("LibreOffice/poppler not installed")
    folder = tmp_path_factory.mktemp("publish")
    sources = folder / "in"
    sources.mkdir()
    for stem in PDF_INPUTS:
        shutil.copy(EXAMPLES / f"{stem}.yaml", sources / f"{stem}.yaml")
    out = folder / "out"
    result = _invoke("build", str(sources), "-o", str(out), "--format", "pdf,html")
    assert result.exit_code == 0, result.output
    preview = _invoke("preview", str(sources), "-o", str(folder / "preview"), "--format", "pdf")
    assert preview.exit_code == 0, preview.output
    return out, folder / "preview", result.output


@needs_renderer
def test_pdf_and_html_only_leave_no_docx_and_no_temporary_files(published):
    out, _, output = published
    assert sorted(os.listdir(out)) == sorted(f"{s}.{f}" for s in PDF_INPUTS for f in ("html", "pdf"))
    assert "LibreOffice 转换 2 份 PDF" in output and "成功 2 份，失败 0 份" in output


@needs_renderer
@pytest.mark.parametrize("stem", PDF_INPUTS)
def test_pdf_is_the_previews_with_every_font_embedded_and_pdf_a(published, stem):
    out, preview, _ = published
    pdf = out / f"{stem}.pdf"
    ours, previewed = _text(pdf), _text(preview / f"{stem}.pdf")
    assert ours.count("\f") >= 3 and ours.count("\f") == previewed.count("\f")  # the preview's page count
    assert ours == previewed  # the same conversion: the same lines on the same pages
    title = next(t for tag, t in _html_paragraphs((out / f"{stem}.html").read_bytes()) if tag == "h1")
    assert _WS.sub("", title) in _WS.sub("", ours)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    meta = subprocess.run(["pdfinfo", "-meta", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "<pdfaid:part>2</pdfaid:part>" in meta and "<pdfaid:conformance>B</pdfaid:conformance>" in meta
