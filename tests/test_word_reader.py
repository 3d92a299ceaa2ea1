"""The Word reader: paragraphs in document order with Word's automatic numbers resolved into the text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from conftest import SEED_OF, seed_text
from wordfiles import docx_from_xml, heading_of, seed_docx, seed_lines

from reportgen.errors import InputError
from reportgen.importer import word
from reportgen.importer.word import chinese_counting, format_number, read_paragraphs
from reportgen.numbering import cn_numeral
from reportgen.preview.render import RendererMissing

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: "
                                                           "bash scripts/setup-system.sh installs it")


def lvl(ilvl: int, fmt: str = "decimal", text: str | None = None, start: int = 1, extra: str = "",
        suff: str = "nothing") -> str:
    text = f"%{ilvl + 1}." if text is None else text
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'{extra}<w:lvlText w:val="{text}"/><w:suff w:val="{suff}"/></w:lvl>')


def abstract(aid: int, *levels: str) -> str:
    return f'<w:abstractNum w:abstractNumId="{aid}">{"".join(levels)}</w:abstractNum>'


def num(nid: int, aid: int, overrides: str = "") -> str:
    return f'<w:num w:numId="{nid}"><w:abstractNumId w:val="{aid}"/>{overrides}</w:num>'


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def para(text: str = "", numid: int | None = None, ilvl: int | None = 0, style: str | None = None,
         tail: str = "", runs: str | None = None) -> str:
    numpr = ""
    if numid is not None:
        numpr = "<w:numPr>" + (f'<w:ilvl w:val="{ilvl}"/>' if ilvl is not None else "") + \
                f'<w:numId w:val="{numid}"/></w:numPr>'
    pstyle = f'<w:pStyle w:val="{style}"/>' if style else ""
    return f"<w:p><w:pPr>{pstyle}{numpr}{tail}</w:pPr>{run(text) if runs is None else runs}</w:p>"


def read(tmp_path: Path, body: str, numbering: str = "", styles: str = "") -> list[str]:
    return read_paragraphs(docx_from_xml(tmp_path / "t.docx", body, numbering, styles))


GONGWEN = abstract(1, lvl(0, "chineseCounting", "%1、"), lvl(1, "chineseCounting", "（%2）"), lvl(2, "decimal", "%3."),
                   lvl(3, "decimal", "（%4）")) + num(1, 1)


# ----------------------------------------------------------------------------------------------------- the seeds

def numbers(paragraphs: list[str]) -> list[str]:
    return [h[1] for h in map(heading_of, paragraphs) if h]


@pytest.mark.parametrize("example", sorted(SEED_OF))
def test_seed_heading_numbers_come_back(example, tmp_path):
    text = seed_text(example)
    path = seed_docx(text, tmp_path / "seed.docx")
    typed = [p.text for p in docx.Document(str(path)).paragraphs]
    assert not numbers(typed), "the helper must leave every heading number to automatic numbering"
    got = read_paragraphs(path)
    assert numbers(got) == numbers(seed_lines(text))
    assert len(numbers(got)) >= 8
    assert got == seed_lines(text)  # the body text too, in order, run-in headings included


def test_seed_docx_uses_styles_direct_numpr_and_overrides(tmp_path):
    path = seed_docx(seed_text("guangyang-2023"), tmp_path / "seed.docx")
    document = docx.Document(str(path))
    numprs = [p._p.pPr.numPr if p._p.pPr is not None else None for p in document.paragraphs]
    styled = [p for p, n in zip(document.paragraphs, numprs, strict=True)
              if n is None and p.style.style_id.startswith("Heading")]
    direct = {n.numId.val for n in numprs if n is not None}
    numbering = document.part.numbering_part.element
    overridden = {n.get(word._w("numId")) for n in numbering.iterchildren(word._w("num"))
                  if n.find(f"{word._w('lvlOverride')}/{word._w('startOverride')}") is not None}
    assert styled and len(direct) >= 2 and {str(n) for n in direct} & overridden
    assert seed_docx(seed_text("guangyang-2023"), tmp_path / "again.docx").read_bytes() == path.read_bytes()


def test_seed_numbers_that_do_not_run_on_are_refused(tmp_path):
    with pytest.raises(ValueError, match="三、"):
        seed_docx("一、甲\n三、乙\n", tmp_path / "x.docx")


# ---------------------------------------------------------------------------------------------- number formats

@pytest.mark.parametrize(("n", "fmt", "shown"), [
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (11, "chineseCounting", "十一"),
    (20, "chineseCounting", "二十"), (21, "chineseCounting", "二十一"), (99, "chineseCounting", "九十九"),
    (100, "chineseCounting", "一百"), (101, "chineseCounting", "一百零一"), (110, "chineseCounting", "一百一十"),
    (1010, "chineseCounting", "一千零一十"), (10001, "chineseCounting", "一万零一"),
    (11, "chineseCountingThousand", "十一"), (35, "chineseCountingThousand", "三十五"),
    (11, "chineseLegalSimplified", "壹拾壹"), (11, "japaneseCounting", "十一"), (100, "japaneseCounting", "百"),
    (3, "ideographTraditional", "丙"), (10, "ideographTraditional", "癸"), (12, "decimalFullWidth", "１２"),
    (1, "decimalEnclosedCircle", "①"), (20, "decimalEnclosedCircle", "⑳"), (21, "decimalEnclosedCircle", "21"),
    (1, "upperLetter", "A"), (28, "upperLetter", "BB"), (3, "lowerLetter", "c"), (14, "upperRoman", "XIV"),
    (9, "lowerRoman", "ix"), (7, "decimalZero", "07"), (12, "decimalZero", "12"), (7, "decimal", "7"),
    (7, "none", ""), (7, "ordinal", "7"),
])
def test_format_number(n, fmt, shown):
    assert format_number(n, fmt) == shown


def test_chinese_counting_agrees_with_the_builder_numerals():
    assert [chinese_counting(n) for n in range(1, 1000)] == [cn_numeral(n) for n in range(1, 1000)]


def test_counting_past_ten_in_a_document(tmp_path):
    got = read(tmp_path, "".join(para(f"第{i}项", 1) for i in range(1, 112)), GONGWEN)
    assert [got[i - 1] for i in (1, 9, 10, 11, 19, 20, 21, 99, 100, 101, 110, 111)] == [
        "一、第1项", "九、第9项", "十、第10项", "十一、第11项", "十九、第19项", "二十、第20项", "二十一、第21项",
        "九十九、第99项", "一百、第100项", "一百零一、第101项", "一百一十、第110项", "一百一十一、第111项"]


# ------------------------------------------------------------------------------------------------ the counters

def test_start_and_start_override(tmp_path):
    numbering = (abstract(1, lvl(0, "chineseCounting", "%1、", start=3))
                 + num(1, 1) + num(2, 1, '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="7"/></w:lvlOverride>'))
    got = read(tmp_path, para("甲", 1) + para("乙", 1) + para("丙", 2) + para("丁", 2), numbering)
    assert got == ["三、甲", "四、乙", "七、丙", "八、丁"]


def test_lists_on_one_abstract_count_on_together(tmp_path):
    numbering = abstract(1, lvl(0)) + num(1, 1) + num(2, 1)
    assert read(tmp_path, para("a", 1) + para("b", 2) + para("c", 1), numbering) == ["1.a", "2.b", "3.c"]


def test_lower_levels_restart_under_a_higher_one(tmp_path):
    body = (para("一", 1, 0) + para("甲", 1, 1) + para("乙", 1, 1) + para("a", 1, 2) + para("丙", 1, 1)
            + para("a", 1, 2) + para("二", 1, 0) + para("甲", 1, 1) + para("a", 1, 2) + para("x", 1, 3))
    assert read(tmp_path, body, GONGWEN) == [
        "一、一", "（一）甲", "（二）乙", "1.a", "（三）丙", "1.a", "二、二", "（一）甲", "1.a", "（1）x"]


def test_lvl_restart(tmp_path):
    never = lvl(1, extra='<w:lvlRestart w:val="0"/>')
    only_top = lvl(2, extra='<w:lvlRestart w:val="1"/>')
    numbering = abstract(1, lvl(0), never, only_top) + num(1, 1)
    body = (para("a", 1, 0) + para("b", 1, 1) + para("c", 1, 2) + para("d", 1, 1) + para("e", 1, 2)
            + para("f", 1, 0) + para("g", 1, 1) + para("h", 1, 2))
    assert read(tmp_path, body, numbering) == ["1.a", "1.b", "1.c", "2.d", "2.e", "2.f", "3.g", "1.h"]


def test_multilevel_text_and_is_lgl(tmp_path):
    numbering = (abstract(1, lvl(0, "chineseCounting", "第%1章"), lvl(1, "decimal", "%1.%2"),
                          lvl(2, "decimal", "%1.%2.%3", extra="<w:isLgl/>")) + num(1, 1))
    body = para("总则", 1, 0) + para("a", 1, 1) + para("b", 1, 1) + para("c", 1, 2) + para("分则", 1, 0) \
        + para("d", 1, 1)
    assert read(tmp_path, body, numbering) == ["第一章总则", "一.1a", "一.2b", "1.2.1c", "第二章分则", "二.1d"]


def test_bullet_none_and_suffixes(tmp_path):
    numbering = (abstract(1, lvl(0, "bullet", "\uf0b7"), lvl(1, "none", "附件%2："),
                          lvl(2, "decimal", "%3.", suff="tab"), lvl(3, "decimal", "%4)", suff="space")) + num(1, 1))
    body = para("要点", 1, 0) + para("清单", 1, 1) + para("推进", 1, 2) + para("Scope", 1, 2) + para("x", 1, 3)
    assert read(tmp_path, body, numbering) == ["要点", "附件：清单", "1.推进", "2. Scope", "1) x"]


def test_numbering_from_the_style_through_based_on(tmp_path):
    styles = ('<w:style w:type="paragraph" w:styleId="Base"><w:name w:val="Base"/>'
              '<w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
              '<w:style w:type="paragraph" w:styleId="Sub"><w:name w:val="Sub"/><w:basedOn w:val="Base"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="Top"><w:name w:val="Top"/>'
              '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>')
    numbering = abstract(1, lvl(0, "chineseCounting", "%1、", extra='<w:pStyle w:val="Top"/>'),
                         lvl(1, "chineseCounting", "（%2）")) + num(1, 1)
    body = (para("部分", style="Top") + para("甲", style="Sub") + para("乙", style="Sub")
            + para("不编号", 0, style="Sub") + para("丙", style="Base") + para("部分二", 1, 0, style="Sub"))
    assert read(tmp_path, body, numbering, styles) == ["一、部分", "（一）甲", "（二）乙", "不编号", "（三）丙", "二、部分二"]


def test_num_style_link(tmp_path):
    styles = ('<w:style w:type="numbering" w:styleId="OutlineList"><w:name w:val="Outline List"/>'
              '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>')
    numbering = (abstract(1, '<w:styleLink w:val="OutlineList"/>', lvl(0, "upperRoman", "%1."))
                 + abstract(2, '<w:numStyleLink w:val="OutlineList"/>') + num(1, 1) + num(2, 2))
    assert read(tmp_path, para("a", 2) + para("b", 2), numbering, styles) == ["I.a", "II.b"]


# --------------------------------------------------------------------------------------------- the text walk

def test_table_cells_in_row_order(tmp_path):
    def cell(*ps: str) -> str:
        return f"<w:tc>{''.join(ps)}</w:tc>"

    table = ("<w:tbl><w:tr>" + cell(para("左上", 1)) + cell(para("右上", 1), para("")) + "</w:tr><w:tr>"
             + cell(para("左下")) + cell(para("右下", 1)) + "</w:tr></w:tbl>")
    got = read(tmp_path, para("前言") + table + para("结语", 1), GONGWEN)
    assert got == ["前言", "一、左上", "二、右上", "左下", "三、右下", "四、结语"]


def test_deleted_revisions_skipped_insertions_kept(tmp_path):
    changed = (run("依法") + '<w:del w:id="1" w:author="a"><w:r><w:delText>不</w:delText></w:r></w:del>'
               + '<w:ins w:id="2" w:author="a">' + run("全面") + "</w:ins>" + run("履职"))
    gone = '<w:rPr><w:del w:id="3" w:author="a"/></w:rPr>'
    deleted_heading = para(numid=1, tail=gone, runs='<w:del w:id="4" w:author="a"><w:r><w:delText>删去的部分'
                                                    '</w:delText></w:r></w:del>')
    body = deleted_heading + para("保留的部分", 1) + para("", runs=changed) + para("前半", tail=gone) + para("后半")
    assert read(tmp_path, body, GONGWEN) == ["一、保留的部分", "依法全面履职", "前半后半"]


def test_fields_breaks_tabs_hidden_and_headers(tmp_path):
    field = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + run("3") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    simple = '<w:fldSimple w:instr=" NUMPAGES ">' + run("9") + "</w:fldSimple>"
    hidden = '<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>'
    body = (para(runs=run("见第") + field + run("页，共") + simple + run("页") + hidden)
            + para(runs=run("第一行") + "<w:r><w:br/><w:t>第二行</w:t><w:tab/><w:t>末尾</w:t></w:r>")
            + para("   ") + para(runs=run("　　全角缩进的段落")))
    path = docx_from_xml(tmp_path / "t.docx", body)
    document = docx.Document(str(path))
    document.sections[0].header.paragraphs[0].text = "页眉文字"
    document.sections[0].footer.paragraphs[0].text = "页脚文字"
    document.save(str(path))
    assert read_paragraphs(path) == ["见第3页，共9页", "第一行\n第二行 末尾", "全角缩进的段落"]


# ------------------------------------------------------------------------------------------------------ files

def test_corrupt_docx_gives_the_chinese_error(tmp_path):
    bad = tmp_path / "损坏的报告.docx"
    bad.write_bytes(b"PK\x03\x04 this is no zip at all")
    with pytest.raises(InputError) as caught:
        read_paragraphs(bad)
    message = caught.value.format_message()
    assert "损坏的报告.docx" in message and "不是有效的 Word 文档" in message and "另存为 .docx" in message
    assert caught.value.__cause__ is not None


def test_zip_that_is_not_word(tmp_path):
    import zipfile

    bad = tmp_path / "表格.docx"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InputError, match=r"表格\.docx"):
        read_paragraphs(bad)


def test_other_suffixes_and_non_word_doc_refused(tmp_path):
    text = tmp_path / "报告.txt"
    text.write_text("一、标题", encoding="utf-8")
    with pytest.raises(InputError, match=r"\.txt"):
        read_paragraphs(text)
    fake = tmp_path / "报告.doc"
    fake.write_bytes(b"\x00\x01 not a Word file")
    with pytest.raises(InputError, match="不是 Word 文档"):  # refused before LibreOffice, which reads anything as text
        read_paragraphs(fake)


def test_missing_libreoffice_is_named(tmp_path, monkeypatch):
    doc = tmp_path / "a.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    monkeypatch.setattr("reportgen.preview.render.shutil.which", lambda name: None)
    with pytest.raises(RendererMissing, match=r"LibreOffice.*读取 \.doc/\.wps"):
        read_paragraphs(doc)


@needs_soffice
def test_doc_and_wps_round_trip(tmp_path):
    text = seed_text("guangyang-2023")
    # one w:num throughout: LibreOffice's .doc export drops a w:startOverride (it numbers those headings anew)
    source = seed_docx(text, tmp_path / "report.docx", overrides=False)
    out = tmp_path / "doc"
    subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(out), str(source)], check=True, capture_output=True,
                   timeout=300)
    doc = out / "report.doc"
    assert doc.read_bytes().startswith(b"\xd0\xcf\x11\xe0")
    assert read_paragraphs(doc) == seed_lines(text)
    wps = doc.rename(out / "report.wps")  # WPS's own format is the Word 97 binary under another name
    assert numbers(read_paragraphs(wps)) == numbers(seed_lines(text))


@needs_soffice
def test_damaged_doc_is_refused_not_read_as_text(tmp_path):
    bad = tmp_path / "坏文件.doc"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)
    with pytest.raises(InputError) as caught:
        read_paragraphs(bad)
    assert "坏文件.doc" in caught.value.format_message() and "LibreOffice" in caught.value.format_message()
