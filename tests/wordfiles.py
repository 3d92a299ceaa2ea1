"""Word files for the importer's tests: a plain-text report turned into a .docx whose heading numbers are Word's
automatic numbering, the way clerks' own reports usually come, rather than typed characters."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

# The four 公文 heading levels as a seed types them: (level, pattern with the number as group 1).
HEADING = [
    (0, re.compile(r"([一二三四五六七八九十]+)、")),
    (1, re.compile(r"（([一二三四五六七八九十]+)）")),
    (2, re.compile(r"(\d+)[.．](?!\d)")),
    (3, re.compile(r"（(\d+)）")),
]
_CN = "一二三四五六七八九十"


def _cn_value(text: str) -> int:
    """一…九十九 as an int (the seeds' heading numbers), to check they run on as automatic numbering would."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _CN.index(text) + 1
    tens, _, ones = text.partition("十")
    return (_CN.index(tens) + 1 if tens else 1) * 10 + (_CN.index(ones) + 1 if ones else 0)


def heading_of(line: str) -> tuple[int, str, str] | None:
    """(level, the number as typed with its punctuation, the rest) for a heading line, else None."""
    for level, pattern in HEADING:
        m = pattern.match(line)
        if m:
            return level, m.group(0), line[m.end():]
    return None


_LEVELS = [  # (numFmt, lvlText, suffix); %n is level n-1's counter, so level 1 shows its own as %2. The suffixes
    ("chineseCounting", "%1、", "nothing"),  # differ so that the reader's handling of each is exercised
    ("chineseCounting", "（%2）", "nothing"),
    ("decimal", "%3.", "tab"),
    ("decimal", "（%4）", "space"),
]


def abstract_num_xml(abstract_id: int) -> str:
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
        f'<w:suff w:val="{suff}"/><w:lvlJc w:val="left"/></w:lvl>'
        for i, (fmt, text, suff) in enumerate(_LEVELS))
    return (f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
            f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>')


def num_xml(num_id: int, abstract_id: int, restart_level: int | None = None) -> str:
    override = (f'<w:lvlOverride w:ilvl="{restart_level}"><w:startOverride w:val="1"/></w:lvlOverride>'
                if restart_level is not None else "")
    return (f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
            f"{override}</w:num>")


def add_numbering(document: docx.document.Document, *nums: tuple[int | None]) -> tuple[int, list[int]]:
    """Add the four-level 公文 definition and one w:num per entry of `nums` (the level its w:startOverride restarts,
    or None); returns (abstractNumId, the numIds in order)."""
    numbering = document.part.numbering_part.element
    abstract_id = 1 + max((int(a.get(qn("w:abstractNumId"))) for a in numbering.iterchildren(qn("w:abstractNum"))),
                          default=-1)
    next_num = 1 + max((int(n.get(qn("w:numId"))) for n in numbering.iterchildren(qn("w:num"))), default=0)
    abstract = parse_xml(abstract_num_xml(abstract_id))
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:  # the schema wants every w:abstractNum before the first w:num
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    ids = []
    for restart in nums:
        numbering.append(parse_xml(num_xml(next_num, abstract_id, restart)))
        ids.append(next_num)
        next_num += 1
    return abstract_id, ids


def set_numpr(element, num_id: int, ilvl: int) -> None:
    """w:numPr on a paragraph or a style (python-docx places it at its schema position in w:pPr)."""
    numpr = element.get_or_add_pPr().get_or_add_numPr()
    numpr.get_or_add_ilvl().val = ilvl
    numpr.get_or_add_numId().val = num_id


def save_deterministic(document: docx.document.Document, path: Path) -> Path:
    """The same bytes on every run: fixed core-property dates and zip entry times."""
    document.core_properties.created = document.core_properties.modified = datetime(2024, 1, 1)
    document.core_properties.revision = 1
    raw = io.BytesIO()
    document.save(raw)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(fixed, src.read(info.filename))
    return path


def seed_lines(text: str) -> list[str]:
    """The seed's non-empty lines, extraction artefacts ([bookmark: _GoBack]) removed; a line broken mid-sentence
    stays its own paragraph, as the extraction left it."""
    lines = (re.sub(r"\[bookmark: [^\]]*\]", "", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def seed_docx(text: str, path: Path, overrides: bool = True) -> Path:
    """A .docx of plain-text report `text` whose heading numbers (一、（一）1.（1）) are automatic numbering only.

    Parts 一、三、… number their headings through Heading 1–4 (numPr in the style) and direct w:numPr alternately,
    all on one w:num, so （一） starts again because 一、 advanced; parts 二、四、… put their lower headings on a
    w:num of their own whose w:startOverride restarts （一）. `overrides=False` keeps every heading on the one w:num
    (LibreOffice's .doc export loses w:startOverride). Raises ValueError for a seed whose numbers do not run on
    (1, 2, 3 … restarting under each higher heading): automatic numbering would not show them."""
    document = docx.Document()
    heading_styles = [document.styles[f"Heading {i}"] for i in range(1, 5)]
    lines = seed_lines(text)
    parts = sum(1 for line in lines if (h := heading_of(line)) and h[0] == 0)
    _, (main, *restarted) = add_numbering(document, None, *([1] * (parts // 2)))
    for level, style in enumerate(heading_styles):
        set_numpr(style.element, main, level)
    expected = [0, 0, 0, 0]
    part = 0
    in_part = 0  # headings below 一、 so far in this part
    for line in lines:
        heading = heading_of(line)
        if heading is None:
            document.add_paragraph(line)
            continue
        level, typed, rest = heading
        expected[level] += 1
        expected[level + 1:] = [0] * (3 - level)
        if _cn_value(typed.strip("（）、.．")) != expected[level]:
            raise ValueError(f"{typed} is not the heading number {expected[level]} automatic numbering shows")
        if level == 0:
            part += 1
            in_part = 0
            if part % 2:
                document.add_paragraph(rest, style=heading_styles[0])
            else:
                set_numpr(document.add_paragraph(rest)._p, main, 0)
            continue
        in_part += 1
        if part % 2 == 0 and part and overrides:
            set_numpr(document.add_paragraph(rest)._p, restarted[part // 2 - 1], level)
        elif in_part % 2:
            document.add_paragraph(rest, style=heading_styles[level])
        else:
            set_numpr(document.add_paragraph(rest)._p, main, level)
    return save_deterministic(document, path)


def docx_from_xml(path: Path, body: str, numbering: str = "", styles: str = "") -> Path:
    """A .docx whose body is `body` (w:p and w:tbl markup, w: prefix, no namespace declarations), whose numbering
    part holds only `numbering` (w:abstractNum and w:num markup), with `styles` (w:style markup) added: for unit
    tests of the reader that need exact WordprocessingML."""
    document = docx.Document()
    wrap = f'<w:wrap {nsdecls("w")} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
    body_el = document.element.body
    sect = body_el.find(qn("w:sectPr"))
    for p in list(body_el):
        if p is not sect:
            body_el.remove(p)
    for el in parse_xml(f"{wrap}{body}</w:wrap>"):
        sect.addprevious(el)
    part = document.part.numbering_part.element
    for el in list(part):
        part.remove(el)
    for el in parse_xml(f"{wrap}{numbering}</w:wrap>"):
        part.append(el)
    for el in parse_xml(f"{wrap}{styles}</w:wrap>"):
        document.styles.element.append(el)
    return save_deterministic(document, path)
