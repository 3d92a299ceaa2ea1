"""A Word file's body as the paragraphs a reader sees, automatic numbers included.

python-docx gives a paragraph's text without the number Word draws from numbering.xml, so a report whose
一、（一）1. are list numbers would lose its outline on import. This module resolves them as Word shows them.
All WordprocessingML reading of the importer lives here; .doc and .wps go through LibreOffice first.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import msgspec
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree

from reportgen.errors import InputError, Problem
from reportgen.preview.render import check_docx, convert_one

DOCX_SUFFIXES = (".docx",)
CONVERTED_SUFFIXES = (".doc", ".wps", ".rtf")  # through LibreOffice
SAVE_AS = "用 Word 或 WPS 打开它，另存为 .docx 后再导入；如果打不开，说明文件已损坏。"

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc / .wps (compound file)
_ZIP = b"PK\x03\x04"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return qn(f"w:{tag}")


def _val(el: etree._Element | None, attr: str = "val") -> str | None:
    return None if el is None else el.get(_w(attr))


def _int(text: str | None, default: int | None = None) -> int | None:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


# ---------------------------------------------------------------------------------------------------- number formats

_ZH_DIGITS = "〇一二三四五六七八九"
_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _group(g: int, digits: str, units: str, top: bool, style: str) -> str:
    """0 < g < 10 000 in 千百十 units: 十一 at the top of a Chinese number, 一十 inside it (一百一十), one 零 for a run
    of zeros (一千零一); 壹拾壹 in the legal form; Japanese drops 一 before 十百千 and writes no zero (百十)."""
    out: list[str] = []
    zero = False
    for d, unit in zip((g // 1000 % 10, g // 100 % 10, g // 10 % 10, g % 10), (*units, ""), strict=True):
        if d == 0:
            zero = bool(out)
            continue
        if zero and style != "ja":
            out.append("零")
        zero = False
        one_dropped = d == 1 and unit and ((style == "zh" and unit == units[2] and top and not out) or style == "ja")
        out.append(("" if one_dropped else digits[d]) + unit)
    return "".join(out)


def chinese_counting(n: int, style: str = "zh") -> str:
    """Word's chineseCounting and chineseCountingThousand ("zh": 十, 十一, 二十, 一百, 一百零一, 一百一十, 一万零一),
    chineseLegalSimplified ("legal": 壹拾壹) and japaneseCounting ("ja": 百十); zero alone is 〇 (零 in "legal")."""
    digits = _LEGAL_DIGITS if style == "legal" else _ZH_DIGITS
    units = "仟佰拾" if style == "legal" else "千百十"
    if n <= 0:
        return digits[0] if n == 0 else str(n)
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    if len(groups) > 4:
        return str(sum(g * 10000**i for i, g in enumerate(groups)))
    out = ""
    for power in range(len(groups) - 1, -1, -1):
        g = groups[power]
        if g == 0:
            continue
        if out and g < 1000 and style != "ja":
            out += "零"
        out += _group(g, digits, units, top=not out, style=style) + ("", "万", "亿", "万亿")[power]
    return out


def _letters(n: int, base: str) -> str:
    """A…Z, AA…ZZ, AAA…: Word repeats the letter rather than counting in base 26."""
    if n <= 0:
        return str(n)
    return base[(n - 1) % 26] * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    if n <= 0 or n >= 4000:
        return str(n)
    out = ""
    for value, mark in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                        (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += mark
            n -= value
    return out


def _enclosed(n: int, first: int, last: int = 20) -> str:
    """①–⑳ (and ⒈ ⑴ alike); Word falls back to plain figures past twenty."""
    return chr(first + n - 1) if 1 <= n <= last else str(n)


_CYCLES = {"ideographTraditional": "甲乙丙丁戊己庚辛壬癸", "ideographZodiac": "子丑寅卯辰巳午未申酉戌亥"}


def format_number(n: int, fmt: str) -> str:
    """One counter value in a w:numFmt; a format not known here shows as decimal, as a reader would still see a
    number there."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return chinese_counting(n)
    if fmt == "chineseLegalSimplified":
        return chinese_counting(n, "legal")
    if fmt in ("japaneseCounting", "japaneseLegal"):
        return chinese_counting(n, "ja")
    if fmt in ("ideographDigital", "japaneseDigitalTenThousand"):
        return "".join(_ZH_DIGITS[int(d)] for d in str(n)) if n >= 0 else str(n)
    if fmt in _CYCLES:
        cycle = _CYCLES[fmt]
        return cycle[n - 1] if 1 <= n <= len(cycle) else str(n)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(n).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return _enclosed(n, 0x2460)
    if fmt == "decimalEnclosedFullstop":
        return _enclosed(n, 0x2488)
    if fmt == "decimalEnclosedParen":
        return _enclosed(n, 0x2474)
    if fmt == "upperLetter":
        return _letters(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if fmt == "lowerLetter":
        return _letters(n, "abcdefghijklmnopqrstuvwxyz")
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "decimalZero":
        return f"{n:02d}" if 0 <= n < 10 else str(n)
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


# ------------------------------------------------------------------------------------------ numbering definitions

class _Level(msgspec.Struct, frozen=True):
    start: int
    fmt: str
    text: str | None  # w:lvlText, None when the level shows no text at all
    restart: int | None  # w:lvlRestart (1-based level; 0 = never), None = after any higher level
    legal: bool  # w:isLgl: every number of the label in Arabic figures
    suffix: str  # tab, space, nothing
    style: str | None  # w:pStyle: the paragraph style this level is attached to


def _level(lvl: etree._Element) -> _Level:
    fmt_el = lvl.find(_w("numFmt"))
    if fmt_el is None:  # Word 2010+ writes custom formats as mc:AlternateContent with a plain fallback
        fmt_el = lvl.find(f"{{{_MC}}}AlternateContent/{{{_MC}}}Fallback/{_w('numFmt')}")
    text_el = lvl.find(_w("lvlText"))
    legal = lvl.find(_w("isLgl"))
    return _Level(start=_int(_val(lvl.find(_w("start"))), 0) or 0,
                  fmt=_val(fmt_el) or "decimal",
                  text=None if text_el is None or _val(text_el, "null") in ("1", "true", "on") else _val(text_el) or "",
                  restart=_int(_val(lvl.find(_w("lvlRestart")))),
                  legal=legal is not None and _val(legal) not in ("0", "false", "off"),
                  suffix=_val(lvl.find(_w("suff"))) or "tab",
                  style=_val(lvl.find(_w("pStyle"))))


class _List(msgspec.Struct):
    """One counting sequence: the levels as one w:num resolves them, and a counter per level (None: not begun)."""

    levels: dict[int, _Level]
    counters: list[int | None]


_PLACEHOLDER = re.compile(r"%([1-9])")


class _Numbering:
    """numbering.xml and the styles' w:numPr, and the counters that advance as paragraphs are read in order."""

    def __init__(self, numbering: etree._Element | None, styles: etree._Element | None) -> None:
        self.abstracts: dict[str, etree._Element] = {}
        self.nums: dict[str, etree._Element] = {}
        if numbering is not None:
            for el in numbering.iterchildren(_w("abstractNum")):
                self.abstracts.setdefault(_val(el, "abstractNumId") or "", el)
            for el in numbering.iterchildren(_w("num")):
                self.nums[_val(el, "numId") or ""] = el
        self.styles: dict[str, etree._Element] = {}
        self.default_style: str | None = None
        if styles is not None:
            for el in styles.iterchildren(_w("style")):
                sid = _val(el, "styleId")
                if sid is None:
                    continue
                self.styles[sid] = el
                if el.get(_w("type")) == "paragraph" and el.get(_w("default")) in ("1", "true", "on"):
                    self.default_style = sid
        self.lists: dict[tuple[str, str], _List] = {}
        self.num_lists: dict[str, _List | None] = {}

    # which list and level a paragraph is on

    def _abstract(self, num: etree._Element) -> tuple[str, etree._Element] | None:
        """The w:abstractNum of a w:num, following w:numStyleLink to the numbering style's own list."""
        abs_id = _val(num.find(_w("abstractNumId")))
        for _ in range(4):
            abstract = self.abstracts.get(abs_id or "")
            if abstract is None:
                return None
            link = _val(abstract.find(_w("numStyleLink")))
            if link is None:
                return abs_id or "", abstract
            style = self.styles.get(link)
            linked = self.nums.get(_val(style.find(f"{_w('pPr')}/{_w('numPr')}/{_w('numId')}")) or "") \
                if style is not None else None
            if linked is None:
                return None
            abs_id = _val(linked.find(_w("abstractNumId")))
        return None

    def _list(self, num_id: str) -> _List | None:
        """Lists that share an w:abstractNum count on together (Word's behaviour); a w:num with a w:lvlOverride is
        a list of its own, starting where its w:startOverride says."""
        if num_id in self.num_lists:
            return self.num_lists[num_id]
        found = None
        num = self.nums.get(num_id)
        resolved = self._abstract(num) if num is not None else None
        if num is not None and resolved is not None:
            abs_id, abstract = resolved
            levels = {}
            for lvl in abstract.iterchildren(_w("lvl")):
                ilvl = _int(_val(lvl, "ilvl"))
                if ilvl is not None and 0 <= ilvl <= 8:
                    levels[ilvl] = _level(lvl)
            overrides = list(num.iterchildren(_w("lvlOverride")))
            for override in overrides:
                ilvl = _int(_val(override, "ilvl"))
                if ilvl is None or not 0 <= ilvl <= 8:
                    continue
                lvl = override.find(_w("lvl"))
                if lvl is not None:
                    levels[ilvl] = _level(lvl)
                start = _int(_val(override.find(_w("startOverride"))))
                if start is not None and ilvl in levels:
                    levels[ilvl] = _replace_start(levels[ilvl], start)
            key = ("num", num_id) if overrides else ("abstract", abs_id)
            if key not in self.lists:
                self.lists[key] = _List(levels, [None] * 9)
            found = self.lists[key]
        self.num_lists[num_id] = found
        return found

    def _style_numpr(self, style_id: str | None) -> tuple[str | None, int | None, str | None]:
        """(numId, ilvl, the style that carried numId) from the paragraph style, following w:basedOn."""
        num_id = ilvl = carrier = None
        seen = set()
        while style_id and style_id not in seen and style_id in self.styles:
            seen.add(style_id)
            style = self.styles[style_id]
            numpr = style.find(f"{_w('pPr')}/{_w('numPr')}")
            if numpr is not None:
                if num_id is None and numpr.find(_w("numId")) is not None:
                    num_id, carrier = _val(numpr.find(_w("numId"))), style_id
                if ilvl is None:
                    ilvl = _int(_val(numpr.find(_w("ilvl"))))
            style_id = _val(style.find(_w("basedOn")))
        return num_id, ilvl, carrier

    def label(self, p: etree._Element) -> tuple[str, str] | None:
        """Advance the counters for paragraph `p` and return its (number label, suffix), or None if unnumbered."""
        ppr = p.find(_w("pPr"))
        style_id = _val(ppr.find(_w("pStyle"))) if ppr is not None else None
        num_id, ilvl, carrier = self._style_numpr(style_id or self.default_style)
        numpr = ppr.find(_w("numPr")) if ppr is not None else None
        if numpr is not None:
            if numpr.find(_w("numId")) is not None:
                num_id, carrier = _val(numpr.find(_w("numId"))), None
            direct = _int(_val(numpr.find(_w("ilvl"))))
            ilvl = direct if direct is not None else ilvl
        if not num_id or num_id == "0":
            return None
        lst = self._list(num_id)
        if lst is None:
            return None
        if ilvl is None:  # a style with numId but no ilvl sits on the level that names it in w:pStyle
            ilvl = next((i for i, lv in sorted(lst.levels.items()) if carrier and lv.style == carrier), 0)
        level = lst.levels.get(ilvl)
        if level is None:
            return None
        counters = lst.counters
        counters[ilvl] = level.start if counters[ilvl] is None else counters[ilvl] + 1
        for deeper in range(ilvl + 1, 9):
            after = lst.levels[deeper].restart if deeper in lst.levels else None
            after = deeper if after is None else after
            if after and ilvl < after:
                counters[deeper] = None
        if level.fmt == "bullet" or level.text is None:
            return None  # a bullet carries no number, and its glyph is often a Symbol-font private-use character

        def number(m: re.Match[str]) -> str:
            ref = int(m.group(1)) - 1
            ref_level = lst.levels.get(ref)
            if ref_level is None:
                return ""
            value = counters[ref] if counters[ref] is not None else ref_level.start
            fmt = "decimal" if level.legal and ref_level.fmt not in ("none", "bullet") else ref_level.fmt
            return format_number(value, fmt)

        return _PLACEHOLDER.sub(number, level.text), level.suffix


def _replace_start(level: _Level, start: int) -> _Level:
    return _Level(start, level.fmt, level.text, level.restart, level.legal, level.suffix, level.style)


# ------------------------------------------------------------------------------------------------- the text walk

_WRAPPERS = {_w(t) for t in ("ins", "moveTo", "hyperlink", "smartTag", "customXml", "bdo", "dir", "fldSimple")}


def _on(el: etree._Element | None) -> bool:
    return el is not None and _val(el) not in ("0", "false", "off")


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


class _Reader:
    """Walks the body in document order; a field's code hides its text until w:fldChar separate, even across
    paragraphs (a TOC), so the field nesting is kept here rather than per paragraph."""

    def __init__(self, numbering: _Numbering) -> None:
        self.numbering = numbering
        self.fields: list[bool] = []  # per open field: True once its result (what Word shows) has begun
        self.carried = ""  # text of a paragraph whose mark is a deleted revision: it joins the next one
        self.out: list[str] = []

    def blocks(self, container: etree._Element) -> None:
        for child in container:
            tag = child.tag
            if tag == _w("p"):
                self.paragraph(child)
            elif tag == _w("tbl"):
                for row in _children(child, "tr"):
                    if row.find(f"{_w('trPr')}/{_w('del')}") is not None:
                        continue
                    for cell in _children(row, "tc"):
                        self.blocks(cell)
            elif tag in (_w("sdt"), _w("customXml")):
                inner = child.find(_w("sdtContent")) if tag == _w("sdt") else child
                if inner is not None:
                    self.blocks(inner)

    def paragraph(self, p: etree._Element) -> None:
        parts: list[str] = []
        boxes: list[etree._Element] = []
        self.inline(p, parts, boxes)
        text = self.carried + "".join(parts)
        ppr = p.find(_w("pPr"))
        if ppr is not None and ppr.find(f"{_w('rPr')}/{_w('del')}") is not None:
            self.carried = text  # Word's final view: this paragraph and the next are one, numbered as the next
        else:
            self.carried = ""
            label = self.numbering.label(p)
            if ppr is not None and _on(ppr.find(f"{_w('rPr')}/{_w('vanish')}")):
                label = None
            text = "\n".join(line.strip() for line in text.split("\n") if line.strip())
            if label is not None and label[0]:
                mark, suffix = label
                gap = suffix in ("tab", "space") and bool(text) and not _wide(mark[-1]) and not _wide(text[0])
                text = mark + (" " if gap else "") + text
            if text:
                self.out.append(text)
        for box in boxes:
            self.blocks(box)

    def inline(self, el: etree._Element, parts: list[str], boxes: list[etree._Element]) -> None:
        for child in el:
            tag = child.tag
            if tag == _w("r"):
                self.run(child, parts, boxes)
            elif tag in _WRAPPERS:
                self.inline(child, parts, boxes)
            elif tag == _w("sdt"):
                content = child.find(_w("sdtContent"))
                if content is not None:
                    self.inline(content, parts, boxes)
            elif tag == f"{{{_MC}}}AlternateContent":
                choice = child.find(f"{{{_MC}}}Choice")
                if choice is not None:
                    self.inline(choice, parts, boxes)

    def run(self, r: etree._Element, parts: list[str], boxes: list[etree._Element]) -> None:
        hidden = _on(r.find(f"{_w('rPr')}/{_w('vanish')}"))
        for child in r:
            tag = child.tag
            if tag == _w("fldChar"):
                kind = child.get(_w("fldCharType"))
                if kind == "begin":
                    self.fields.append(False)
                elif kind == "separate" and self.fields:
                    self.fields[-1] = True
                elif kind == "end" and self.fields:
                    self.fields.pop()
                continue
            if hidden or not all(self.fields):
                continue  # hidden text, or a field's code (PAGE, TOC \o …)
            if tag == _w("t"):
                parts.append(child.text or "")
            elif tag in (_w("tab"), _w("ptab")):
                parts.append(" ")
            elif tag in (_w("br"), _w("cr")):
                parts.append("\n")
            elif tag == _w("noBreakHyphen"):
                parts.append("-")
            elif tag == _w("sym"):
                try:
                    code = int(child.get(_w("char")) or "", 16)
                except ValueError:
                    continue
                if 0 < code < 0x110000 and not 0xE000 <= code <= 0xF8FF:  # Symbol-font glyphs: private use
                    parts.append(chr(code))
            elif tag in (_w("drawing"), _w("pict")) or tag == f"{{{_MC}}}AlternateContent":
                boxes.extend(_text_boxes(child))


def _children(el: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Rows of a table or cells of a row, also when a content control or custom XML wraps them."""
    for child in el:
        if child.tag == _w(tag):
            yield child
        elif child.tag in (_w("sdt"), _w("customXml")):
            inner = child.find(_w("sdtContent")) if child.tag == _w("sdt") else child
            if inner is not None:
                yield from _children(inner, tag)


def _text_boxes(el: etree._Element) -> list[etree._Element]:
    """The outermost w:txbxContent under a drawing, taking only the first choice of mc:AlternateContent (its
    fallback repeats the same text as VML)."""
    found = []
    for child in el:
        if child.tag == _w("txbxContent"):
            found.append(child)
        elif child.tag == f"{{{_MC}}}Fallback":
            continue
        elif child.tag == f"{{{_MC}}}AlternateContent":
            choice = child.find(f"{{{_MC}}}Choice")
            if choice is not None:
                found.extend(_text_boxes(choice))
        else:
            found.extend(_text_boxes(child))
    return found


# -------------------------------------------------------------------------------------------------------- files

def _refused(path: Path, message: str, hint: str = SAVE_AS) -> InputError:
    return InputError([Problem(str(path), message, hint=hint)])


def _read_docx(path: Path, shown: Path) -> list[str]:
    try:
        check_docx(path)  # not a zip, or a zip bomb: refused before python-docx inflates it
    except InputError as err:
        if err.__cause__ is None:
            raise _refused(shown, "这个 .docx 解压后过大或压缩比异常（可能是“压缩炸弹”），没有读取。",
                           "请确认文件来源；一份报告解压后只有几百 KB。") from err
        raise _refused(shown, "这不是有效的 Word 文档（.docx），无法导入。") from err
    try:
        document = docx.Document(str(path))
        part = document.part
        try:
            numbering = part.part_related_by(RT.NUMBERING).element
        except KeyError:
            numbering = None
        reader = _Reader(_Numbering(numbering, document.styles.element))
        if document.element.body is not None:
            reader.blocks(document.element.body)
    except (PackageNotFoundError, KeyError, ValueError, etree.LxmlError, zipfile.BadZipFile, OSError,
            RecursionError) as err:
        raise _refused(shown, "这个 Word 文档（.docx）已损坏或不完整，无法读取其中的内容。") from err
    if reader.carried.strip():
        reader.out.append(reader.carried.strip())
    return reader.out


def _import_filter(head: bytes) -> str | None:
    """LibreOffice's import filter for what a .doc or .wps really holds: Word 97–2003 / WPS (compound file), RTF, or
    the HTML and Word 2003 XML some office systems export under a .doc name; "" for none of them. Named rather than
    detected, as LibreOffice would read a damaged file as plain text."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_OLE):
        return "MS Word 97"
    if text.startswith(b"{\\rtf"):
        return "Rich Text Format"
    if text.startswith(b"<"):
        return "MS Word 2003 XML" if b"wordml" in text or b"w:worddocument" in text else "HTML (StarWriter)"
    if text.startswith(b"mime-version"):  # a web archive (.mht) saved as .doc: LibreOffice finds its filter
        return None
    return ""


def _read_converted(path: Path, infilter: str | None) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="reportgen-import-") as tmp:
        made, why = convert_one(path, "docx:MS Word 2007 XML", Path(tmp), infilter=infilter,
                                purpose="读取 .doc/.wps 文件（也可以先用 Word 或 WPS 另存为 .docx）")
        if made is None:
            raise _refused(path, f"LibreOffice 没能把它转换为 .docx（{why}），它可能不是 Word 文档，或已损坏。")
        return _read_docx(made, path)


def read_paragraphs(path: Path) -> list[str]:
    """The body paragraphs of a .docx, .doc or .wps in document order (table cells row by row; headers, footers,
    empty paragraphs, deleted text and field codes left out), each with its automatic number as Word shows it.

    Raises InputError (with the file named) for a file that is not a readable Word document, and RendererMissing
    when a .doc or .wps needs LibreOffice and it is not installed."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DOCX_SUFFIXES + CONVERTED_SUFFIXES:
        raise _refused(path, f"只能导入 Word 文档（.docx、.doc、.wps），这个文件的扩展名是 {suffix or '（无）'}。")
    try:
        with path.open("rb") as f:
            head = f.read(512)
    except OSError as err:
        raise _refused(path, f"无法打开这个文件（{err.strerror or err}）。", "检查文件名和路径是否正确、文件是否可读。") from err
    if suffix in DOCX_SUFFIXES:
        if head.startswith(_OLE):  # a Word 97–2003 file renamed to .docx: convert it like a .doc
            return _read_converted(path, "MS Word 97")
        return _read_docx(path, path)
    if head.startswith(_ZIP):  # a .docx renamed to .doc
        return _read_docx(path, path)
    infilter = _import_filter(head)
    if infilter == "":
        raise _refused(path, f"这不是 Word 文档：文件内容不是 {suffix} 的格式。")
    return _read_converted(path, infilter)
