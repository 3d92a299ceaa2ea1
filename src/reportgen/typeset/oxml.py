"""What python-docx lacks, at the XML edge: ordered pPr/rPr children, all four font slots, docGrid, PAGE field.

Only this module writes `w:` tags. Children are emitted in the OOXML schema's order: LibreOffice forgives a
wrong order, Word may refuse the file.
"""

from __future__ import annotations

import copy
import re
from functools import cache

import msgspec
from lxml import etree

from reportgen.typeset.length import Length

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


_NSMAP = {"w": W_NS}


@cache
def qn(tag: str) -> str:
    """"w:pStyle" → "{…main}pStyle" (Clark notation), once per name: only the w: namespace is written here."""
    prefix, local = tag.split(":")
    return f"{{{_NSMAP[prefix]}}}{local}"


_qn = qn
# New elements are made from an element that declares w: (2.7 µs each instead of 7.6 µs with their own nsmap, a
# third of typesetting); appended into the document or a part of the package, they serialise the same.
_MAKER = etree.Element(qn("w:document"), nsmap=_NSMAP)


def el(tag: str, attrs: dict[str, str] | None = None, children: list[etree._Element] | None = None,
       text: str | None = None) -> etree._Element:
    node = _MAKER.makeelement(_qn(tag))
    for key, value in (attrs or {}).items():
        node.set(_qn(key), value)
    for child in children or []:
        node.append(child)
    if text is not None:
        node.text = text
    return node


def half_points(size: Length) -> str:
    return str(round(size.pt * 2))


def twips(length: Length) -> str:
    return str(round(length.twips)) if isinstance(length, Length) else str(length)


def rpr(*, style: str | None = None, east_asia: str | None = None, latin: str | None = None, bold: bool | None = None,
        color: str | None = None, spacing: Length | None = None, size: Length | None = None,
        highlight: str | None = None, lang: str | None = None) -> etree._Element:
    """A w:rPr with children in schema order (rStyle, rFonts, b, bCs, color, spacing, sz, szCs, highlight, lang)."""
    kids = []
    if style:
        kids.append(el("w:rStyle", {"w:val": style}))
    if east_asia or latin:
        fonts = {}
        if latin:
            fonts.update({"w:ascii": latin, "w:hAnsi": latin, "w:cs": latin})
        if east_asia:
            fonts["w:eastAsia"] = east_asia
        fonts["w:hint"] = "eastAsia"
        kids.append(el("w:rFonts", fonts))
    if bold is not None:
        val = "1" if bold else "0"
        kids += [el("w:b", {"w:val": val}), el("w:bCs", {"w:val": val})]
    if color:
        kids.append(el("w:color", {"w:val": color}))
    if spacing is not None:
        kids.append(el("w:spacing", {"w:val": twips(spacing)}))
    if size is not None:
        kids += [el("w:sz", {"w:val": half_points(size)}), el("w:szCs", {"w:val": half_points(size)})]
    if highlight:
        kids.append(el("w:highlight", {"w:val": highlight}))
    if lang:
        kids.append(el("w:lang", {"w:val": "en-US", "w:eastAsia": lang, "w:bidi": "ar-SA"}))
    return el("w:rPr", children=kids)


def _lengths(**values: Length | None) -> dict[str, str]:
    """w:-prefixed twips attributes for the values that are set."""
    return {f"w:{key}": twips(value) for key, value in values.items() if value is not None}


def ppr(*, style: str | None = None, keep_next: bool = False, widow_control: bool | None = None,
        border_bottom: tuple[str, Length, Length] | None = None, overflow_punct: bool | None = None,
        auto_space: bool | None = None, snap_to_grid: bool | None = None,
        before: Length | None = None, after: Length | None = None, line: Length | None = None,
        line_rule: str = "exact", first_line: Length | None = None, left: Length | None = None,
        right: Length | None = None, jc: str | None = None, outline_level: int | None = None) -> etree._Element:
    """A w:pPr with children in schema order. `None` leaves a property to the style."""
    kids = []
    if style:
        kids.append(el("w:pStyle", {"w:val": style}))
    if keep_next:
        kids.append(el("w:keepNext"))
    if widow_control is not None:
        kids.append(el("w:widowControl", {"w:val": "1" if widow_control else "0"}))
    if border_bottom is not None:
        color, width, space = border_bottom
        kids.append(el("w:pBdr", children=[el("w:bottom", {
            "w:val": "single", "w:sz": str(round(width.pt * 8)), "w:space": str(round(space.pt)), "w:color": color})]))
    if overflow_punct is not None:
        kids.append(el("w:overflowPunct", {"w:val": "1" if overflow_punct else "0"}))
    if auto_space is not None:  # extra space between CJK and Latin/digits: off keeps the character grid
        val = "1" if auto_space else "0"
        kids += [el("w:autoSpaceDE", {"w:val": val}), el("w:autoSpaceDN", {"w:val": val})]
    if snap_to_grid is not None:
        kids.append(el("w:snapToGrid", {"w:val": "1" if snap_to_grid else "0"}))
    spacing = _lengths(before=before, after=after, line=line)
    if line is not None:
        spacing["w:lineRule"] = line_rule
    if spacing:
        kids.append(el("w:spacing", spacing))
    ind = _lengths(left=left, right=right, firstLine=first_line)
    if ind:
        kids.append(el("w:ind", ind))
    if jc:
        kids.append(el("w:jc", {"w:val": jc}))
    if outline_level is not None:
        kids.append(el("w:outlineLvl", {"w:val": str(outline_level)}))
    return el("w:pPr", children=kids)


@cache
def _ppr_template(items: tuple[tuple[str, object], ...]) -> etree._Element:
    return ppr(**dict(items))


@cache
def _rpr_template(items: tuple[tuple[str, object], ...]) -> etree._Element:
    return rpr(**dict(items))


def ppr_copy(**kwargs: object) -> etree._Element:
    """ppr(**kwargs), built once per distinct set of arguments and copied: a report repeats a few dozen."""
    return copy.deepcopy(_ppr_template(tuple(sorted(kwargs.items()))))


def rpr_copy(**kwargs: object) -> etree._Element:
    return copy.deepcopy(_rpr_template(tuple(sorted(kwargs.items()))))


# ---- the report's body as text: each paragraph written once as lxml would write it inside document.xml ----------
# A paragraph built as elements and moved into the document cost ~40 µs; as text, under 1 µs. Properties are still
# built as elements by ppr()/rpr() above (the one place that knows the schema's order), serialised once per set
# of arguments; elements that need more (tables, tab stops, hanging indents) are serialised by fragment().

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_DECLARATIONS = re.compile(r' xmlns:[A-Za-z0-9]+="[^"]*"')


def fragment(node: etree._Element) -> str:
    """`node` as it reads inside document.xml, whose root declares w: and r: (moved into a holder that declares
    them, so lxml writes those prefixes and not ns0:)."""
    holder = etree.Element(qn("w:body"), nsmap={"w": W_NS, "r": R_NS})
    holder.append(node)
    text = etree.tostring(node, encoding="unicode")
    end = text.index(">")
    return _DECLARATIONS.sub("", text[:end]) + text[end:]


def parse_body(items: list[str]) -> etree._Element:
    """The body's paragraphs and tables (text) as elements, for what reads them back (the flow model)."""
    return etree.fromstring(f'<w:body xmlns:w="{W_NS}" xmlns:r="{R_NS}">{"".join(items)}</w:body>')


def ppr_xml(**kwargs: object) -> str:
    """ppr(**kwargs) as text, written once per distinct set of arguments."""
    return _ppr_xml(tuple(sorted(kwargs.items())))


def rpr_xml(**kwargs: object) -> str:
    return _rpr_xml(tuple(sorted(kwargs.items())))


@cache
def _ppr_xml(items: tuple[tuple[str, object], ...]) -> str:
    return fragment(ppr(**dict(items)))


@cache
def _rpr_xml(items: tuple[tuple[str, object], ...]) -> str:
    return fragment(rpr(**dict(items)))


def run_xml(text: str, props: str = "") -> str:
    """run(text) as text: `props` a serialised w:rPr or ""."""
    space = ' xml:space="preserve"' if _keeps_space(text) else ""
    return f"<w:r>{props}<w:t{space}>{_escape_text(text)}</w:t></w:r>"


def paragraph_xml(props: str | etree._Element | None, runs: tuple[str | etree._Element, ...] = ()) -> str:
    """paragraph(props, *runs) as text; elements among them (a pPr with tab stops, a tab's run) serialised."""
    inner = "".join(x if isinstance(x, str) else fragment(x) for x in (props, *runs) if x is not None)
    return f"<w:p>{inner}</w:p>" if inner else "<w:p/>"


def run(text: str, props: etree._Element | None = None) -> etree._Element:
    r = el("w:r")
    if props is not None:
        r.append(props)
    etree.SubElement(r, _qn("w:t"))
    return _with_text(r, text)


def _with_text(r: etree._Element, text: str) -> etree._Element:
    """`r` (a run whose last child is its empty w:t) holding `text`, spaces at its ends kept."""
    t = r[-1]
    t.text = text
    if _keeps_space(text):
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


def _keeps_space(text: str) -> bool:
    """A w:t whose text starts or ends with a space says so (xml:space="preserve"), or Word drops the space."""
    return text[:1].isspace() or text[-1:].isspace()


def page_field(props_factory) -> list[etree._Element]:
    """A real PAGE field: begin / instrText / separate / placeholder / end, each its own run."""
    runs = []
    for kind in ("begin", None, "separate", "text", "end"):
        r = el("w:r", children=[props_factory()])
        if kind in ("begin", "separate", "end"):
            r.append(el("w:fldChar", {"w:fldCharType": kind}))
        elif kind is None:
            instr = el("w:instrText", text=" PAGE ")
            instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            r.append(instr)
        else:
            r.append(el("w:t", text="1"))
        runs.append(r)
    return runs


def paragraph(props: etree._Element | None, *runs: etree._Element) -> etree._Element:
    """A w:p: its w:pPr (if any), then its runs."""
    return el("w:p", children=[*([props] if props is not None else []), *runs])


def style(kind: str, style_id: str, name: str, *, based_on: str | None = None, default: bool = False,
          ppr: etree._Element | None = None, rpr: etree._Element | None = None) -> etree._Element:
    """A w:style (name, basedOn, qFormat, pPr, rPr in schema order); empty pPr/rPr are left out."""
    attrs = {"w:type": kind, "w:styleId": style_id}
    if default:
        attrs["w:default"] = "1"
    node = el("w:style", attrs, [el("w:name", {"w:val": name})])
    if based_on:
        node.append(el("w:basedOn", {"w:val": based_on}))
    node.append(el("w:qFormat"))
    for part in (ppr, rpr):
        if part is not None and len(part):
            node.append(part)
    return node


def doc_defaults(rpr: etree._Element, ppr: etree._Element) -> etree._Element:
    """w:docDefaults: what every style falls back to (rPrDefault before pPrDefault, as the schema orders them)."""
    return el("w:docDefaults", children=[el("w:rPrDefault", children=[rpr]), el("w:pPrDefault", children=[ppr])])


def east_asian_punctuation(xml: str, chars: str, faces: dict[str, str], default: str) -> str:
    """`xml` (a serialised document.xml) with every run of `chars` (“” ‘’ —— ……: Unicode gives them no script) in
    its own run whose four font slots name the East Asian face the text around it has (`faces`: style id → face),
    with w:hint="eastAsia".

    Word draws such a character in the East Asian face only by the hint; LibreOffice 7.4 ignores the hint and takes
    the script of the character before (the Latin face, half width, after a digit or at a paragraph's start), so the
    Latin slots must name the Chinese face as well. Not every run: digits and Latin letters keep the Latin face.

    Done on the text lxml wrote, not on its elements: only runs of one w:t (and their w:rPr) are split, and those
    are written by this module in one shape; splitting elements cost a third of typesetting a report."""
    if not chars:
        return xml
    pattern = _punctuation(chars)
    props_for: dict[tuple[str | None, str | None], tuple[str, str]] = {}  # (run's, paragraph style) → (own, with face)
    plain = not any(c.isspace() or c in "&<>\r" for c in chars)

    def split(m: re.Match[str]) -> str:
        props, text = m.group(1, 2)
        pieces = pattern.split(_unescape(text) if "&" in text else text)  # odd places: the punctuation
        if len(pieces) == 1:
            return m.group(0)
        p_start = xml.rfind("<w:p>", 0, m.start())  # paragraphs are written without attributes
        p_style = _P_STYLE.match(xml, p_start) if p_start >= 0 else None
        key = (props, p_style.group(1) if p_style else None)
        if key not in props_for:
            own = "" if props is None or props == "<w:rPr/>" else props
            props_for[key] = own, _with_face(own, _run_face(props, key[1], faces, default))
        own, marked = props_for[key]
        out = []
        for i, piece in enumerate(pieces):
            if not (i & 1):
                if piece:
                    out.append(run_xml(piece, own))
            elif plain:  # the punctuation itself: nothing to escape, no space to keep
                out.append(f"<w:r>{marked}<w:t>{piece}</w:t></w:r>")
            else:
                out.append(run_xml(piece, marked))
        return "".join(out)

    return _runs_with(chars).sub(split, xml)


@cache
def _runs_with(chars: str) -> re.Pattern[str]:
    """A run of one w:t (with its w:rPr: the shape run() writes) whose text may hold one of `chars` (as XML, where
    & < > stand as entities: split() checks the text itself)."""
    marks = re.escape(chars + ("&" if set(chars) & set("&<>\r") else ""))
    return re.compile(r'<w:r>(<w:rPr/>|<w:rPr>(?:(?!</w:rPr>).)*</w:rPr>)?<w:t(?: xml:space="preserve")?>'
                      rf'([^<]*[{marks}][^<]*)</w:t></w:r>', re.S)


_P_STYLE = re.compile(r'<w:p><w:pPr><w:pStyle w:val="([^"]*)"/>')
_FONTS = re.compile(r"<w:rFonts [^>]*/>")
_EAST_ASIA = re.compile(r'<w:rFonts [^>]*w:eastAsia="([^"]+)"')
_RSTYLE = re.compile(r'<w:rStyle w:val="([^"]*)"/>')
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&#13;": "\r", "&quot;": '"', "&apos;": "'"}


_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|apos|#13);")


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda e: _ENTITIES[e.group()], text)


def _escape_text(text: str) -> str:
    """Text as lxml writes it in an element: & < > escaped, and a carriage return as a character reference."""
    if "&" in text or "<" in text or ">" in text or "\r" in text:  # seldom: four scans instead of four copies
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return text


def _escape_attr(text: str) -> str:
    return _escape_text(text).replace('"', "&quot;")


def _run_face(props: str | None, p_style: str | None, faces: dict[str, str], default: str) -> str:
    """The run's East Asian face: its own rFonts, its character style's, its paragraph style's, the default."""
    if props:
        if (fonts := _EAST_ASIA.search(props)) is not None:
            return _unescape(fonts.group(1))
        if (r_style := _RSTYLE.search(props)) is not None and r_style.group(1) in faces:
            return faces[r_style.group(1)]
    if p_style is not None:
        return faces.get(p_style, default)
    return default


@cache
def _with_face(props: str, face: str) -> str:
    """`props` (a serialised w:rPr, or "") with its rFonts replaced by all four slots naming `face`; rFonts
    follows rStyle (CT_RPr)."""
    f = _escape_attr(face)
    fonts = f'<w:rFonts w:ascii="{f}" w:hAnsi="{f}" w:eastAsia="{f}" w:cs="{f}" w:hint="eastAsia"/>'
    if not props:
        return f"<w:rPr>{fonts}</w:rPr>"
    props = _FONTS.sub("", props)
    r_style = _RSTYLE.search(props)
    at = r_style.end() if r_style is not None else len("<w:rPr>")
    return props[:at] + fonts + props[at:]


@cache
def _punctuation(chars: str) -> re.Pattern[str]:
    return re.compile(f"([{re.escape(chars)}]+)")


def strip_theme_fonts(root: etree._Element) -> None:
    """Theme font attributes override explicit names in Word and WPS: remove every one."""
    for fonts in root.iter(qn("w:rFonts")):
        for attr in _THEME_ATTRS:
            fonts.attrib.pop(qn(attr), None)


def set_doc_grid(sect_pr: etree._Element, line_pitch: Length) -> None:
    """A line grid of `line_pitch`; type="lines" (not linesAndChars, which LibreOffice snaps wrongly)."""
    for old in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(old)
    grid = el("w:docGrid", {"w:type": "lines", "w:linePitch": twips(line_pitch)})
    # docGrid is among the last children of sectPr (before printerSettings/sectPrChange).
    tail = [c for c in sect_pr if c.tag in (qn("w:printerSettings"), qn("w:sectPrChange"))]
    if tail:
        tail[0].addprevious(grid)
    else:
        sect_pr.append(grid)


def title_page(sect_pr: etree._Element) -> None:
    """The section's first page takes the `first` footer (w:titlePg): the 版记 page, numbered by no one (7.5)."""
    if sect_pr.find(qn("w:titlePg")) is not None:
        return
    later = {qn(t) for t in ("w:textDirection", "w:bidi", "w:rtlGutter", "w:docGrid", "w:printerSettings",
                             "w:sectPrChange")}
    tail = [c for c in sect_pr if c.tag in later]
    if tail:
        tail[0].addprevious(el("w:titlePg"))
    else:
        sect_pr.append(el("w:titlePg"))


# ---- 上行文 and 联合行文: tab stops, hanging indents, tables (联合 标志, 版记), section breaks ----------------------

_BEFORE_TABS = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
                "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd")
_BEFORE_IND = (*_BEFORE_TABS, "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
               "w:spacing")


def _insert(parent: etree._Element, child: etree._Element, after: tuple[str, ...]) -> etree._Element:
    """Put `child` after the last of `parent`'s children named in `after` (schema order), replacing one like it."""
    for old in parent.findall(child.tag):
        parent.remove(old)
    names = {_qn(n) for n in after}
    at = max((i for i, c in enumerate(parent) if c.tag in names), default=-1)
    parent.insert(at + 1, child)
    return parent


def with_tabs(props: etree._Element, stops: list[tuple[str, Length]]) -> etree._Element:
    """`props` (a w:pPr) with tab stops: (alignment, position from the text area's left edge)."""
    tabs = el("w:tabs", children=[el("w:tab", {"w:val": val, "w:pos": twips(pos)}) for val, pos in stops])
    return _insert(props, tabs, _BEFORE_TABS)


def with_hanging(props: etree._Element, left: Length, hanging: Length, right: Length | None = None) -> etree._Element:
    """`props` with a hanging indent: wrapped lines start at `left`, the first line `hanging` further left."""
    ind = el("w:ind", _lengths(left=left, right=right, hanging=hanging))
    return _insert(props, ind, _BEFORE_IND)


def _border(side: str, width: Length | None) -> etree._Element:
    if width is None:
        return el(f"w:{side}", {"w:val": "nil"})
    return el(f"w:{side}", {"w:val": "single", "w:sz": str(max(2, round(width.pt * 8))), "w:space": "0",
                            "w:color": "000000"})


class Cell(msgspec.Struct, frozen=True):
    paragraphs: tuple[etree._Element, ...]
    span: int = 1
    v_align: str | None = None  # "center": 「文件」 vertically centred on the issuers' names


def table(columns: list[Length], rows: list[list[Cell]], *, heights: list[Length | None] | None = None,
          rules: dict[str, Length | None] | None = None, jc: str = "center",
          float_at: tuple[Length, Length] | None = None) -> etree._Element:
    """A fixed-layout table without cell margins. `rules` maps top/bottom/insideH to a rule width (others none):
    table borders span the full table width whatever the cells' indents, which paragraph borders do not.
    `float_at`: a floating table on the page of the paragraph before it, text never beside it, its left edge x
    from the page's left edge and its top y below the top margin. (LibreOffice 7.4 keeps a table in the text flow
    when it is as wide as the 版心 unless x is from the page, and when both x and y are from the page and it
    sits in the page's lower left quarter: hence this mix.)"""
    rules = rules or {}
    borders = el("w:tblBorders", children=[_border(side, rules.get(side))
                                           for side in ("top", "left", "bottom", "right", "insideH", "insideV")])
    margins = el("w:tblCellMar", children=[el(f"w:{s}", {"w:w": "0", "w:type": "dxa"})
                                           for s in ("top", "left", "bottom", "right")])
    total = Length(sum(columns))
    place = [] if float_at is None else [
        el("w:tblpPr", {"w:leftFromText": "0", "w:rightFromText": "0", "w:topFromText": "0", "w:bottomFromText": "0",
                        "w:vertAnchor": "margin", "w:horzAnchor": "page", "w:tblpX": twips(float_at[0]),
                        "w:tblpY": twips(float_at[1])}),
        el("w:tblOverlap", {"w:val": "never"})]
    props = el("w:tblPr", children=[*place, el("w:tblW", {"w:w": twips(total), "w:type": "dxa"}),
                                    el("w:jc", {"w:val": jc}), borders, el("w:tblLayout", {"w:type": "fixed"}), margins])
    grid = el("w:tblGrid", children=[el("w:gridCol", {"w:w": twips(w)}) for w in columns])
    tbl = el("w:tbl", children=[props, grid])
    for r, row in enumerate(rows):
        tr = el("w:tr")
        height = heights[r] if heights else None
        if height is not None:
            tr.append(el("w:trPr", children=[el("w:cantSplit"),
                                             el("w:trHeight", {"w:val": twips(height), "w:hRule": "exact"})]))
        col = 0
        for cell in row:
            width = Length(sum(columns[col:col + cell.span]))
            col += cell.span
            tc_pr = el("w:tcPr", children=[el("w:tcW", {"w:w": twips(width), "w:type": "dxa"})])
            if cell.span > 1:
                tc_pr.append(el("w:gridSpan", {"w:val": str(cell.span)}))
            if cell.v_align:
                tc_pr.append(el("w:vAlign", {"w:val": cell.v_align}))
            tr.append(el("w:tc", children=[tc_pr, *cell.paragraphs]))
        tbl.append(tr)
    return tbl


def end_section(paragraph: etree._Element, final: etree._Element, start: str) -> None:
    """End a section at `paragraph` (a copy of the final section's properties in its w:pPr) and start the last
    section on the next page of kind `start` (evenPage: the 版记 on an even page, a blank page added if needed)."""
    props = paragraph.find(_qn("w:pPr"))
    if props is None:
        props = el("w:pPr")
        paragraph.insert(0, props)
    ended = copy.deepcopy(final)
    for old in ended.findall(_qn("w:type")):
        ended.remove(old)
    props.append(ended)  # sectPr is the last child a w:pPr of ours has (no w:rPr, no change tracking)
    for old in [*final.findall(_qn("w:type")), *final.findall(_qn("w:docGrid"))]:
        final.remove(old)  # the 版记's page has no line grid: LibreOffice moves a grid page's first line down 2 mm
    refs = {_qn("w:headerReference"), _qn("w:footerReference"), _qn("w:footnotePr"), _qn("w:endnotePr")}
    at = max((i for i, c in enumerate(final) if c.tag in refs), default=-1)
    final.insert(at + 1, el("w:type", {"w:val": start}))


def end_section_xml(paragraph: str, final: etree._Element, start: str) -> str:
    """end_section() on a paragraph written as text."""
    p = parse_body([paragraph])[0]
    end_section(p, final, start)
    return fragment(p)


def tab_run(props: etree._Element | None = None) -> etree._Element:
    """A run holding one tab (w:tab: a tab character inside w:t is not a tab to Word)."""
    r = el("w:r")
    if props is not None:
        r.append(props)
    r.append(el("w:tab"))
    return r


# ---- reading back what was written: the measures the flow model (typeset/flow.py) needs ----------------------


class Measures(msgspec.Struct, frozen=True):
    """A paragraph's (or style's) own settings, in twips and half-points; None where it sets nothing."""

    first_line: int | None = None  # negative: a hanging indent
    left: int | None = None
    right: int | None = None
    before: int | None = None
    after: int | None = None
    line: int | None = None  # exact line height
    size: int | None = None  # half-points
    spacing: int | None = None  # added to each character
    keep_next: bool | None = None
    rule_below: int | None = None  # a bottom border: its distance from the text plus its width

    def over(self, base: Measures) -> Measures:
        """These settings, the unset ones taken from `base`."""
        return Measures(*(mine if mine is not None else theirs for mine, theirs in zip(
            msgspec.structs.astuple(self), msgspec.structs.astuple(base), strict=True)))


def _int(node: etree._Element | None, attr: str) -> int | None:
    value = None if node is None else node.get(_qn(attr))
    return None if value is None else int(value)


def measures(ppr: etree._Element | None, rpr: etree._Element | None) -> Measures:
    ind = ppr.find(_qn("w:ind")) if ppr is not None else None
    space = ppr.find(_qn("w:spacing")) if ppr is not None else None
    hanging = _int(ind, "w:hanging")
    first = -hanging if hanging is not None else _int(ind, "w:firstLine")
    line = _int(space, "w:line") if space is not None and space.get(_qn("w:lineRule")) == "exact" else None
    keep = ppr.find(_qn("w:keepNext")) if ppr is not None else None
    rule = ppr.find(f"{_qn('w:pBdr')}/{_qn('w:bottom')}") if ppr is not None else None
    below = None if rule is None else (_int(rule, "w:space") or 0) * 20 + round((_int(rule, "w:sz") or 0) * 20 / 8)
    return Measures(first, _int(ind, "w:left"), _int(ind, "w:right"), _int(space, "w:before"), _int(space, "w:after"),
                    line, _int(rpr.find(_qn("w:sz")) if rpr is not None else None, "w:val"),
                    _int(rpr.find(_qn("w:spacing")) if rpr is not None else None, "w:val"),
                    None if keep is None else keep.get(_qn("w:val"), "1") not in ("0", "false"), below)


def style_measures(style_nodes: list[etree._Element]) -> dict[str, Measures]:
    """Each paragraph style's settings with basedOn resolved (docDefaults and Normal under everything)."""
    own: dict[str, Measures] = {}
    parent: dict[str, str | None] = {}
    defaults = Measures()
    for node in style_nodes:
        if node.tag == _qn("w:docDefaults"):
            defaults = measures(node.find(f"{_qn('w:pPrDefault')}/{_qn('w:pPr')}"),
                                node.find(f"{_qn('w:rPrDefault')}/{_qn('w:rPr')}"))
            continue
        if node.get(_qn("w:type")) != "paragraph":
            continue
        sid = node.get(_qn("w:styleId"))
        own[sid] = measures(node.find(_qn("w:pPr")), node.find(_qn("w:rPr")))
        based = node.find(_qn("w:basedOn"))
        parent[sid] = based.get(_qn("w:val")) if based is not None else None

    out: dict[str, Measures] = {}
    for sid in own:
        chain: list[str] = []  # the style, the one it is based on, …, up to one with no basedOn of ours
        at: str | None = sid
        while at is not None and at in own and at not in chain:
            chain.append(at)
            at = parent[at]
        resolved = defaults
        for based in reversed(chain):
            resolved = own[based].over(resolved)
        out[sid] = resolved
    return out


class Para(msgspec.Struct, frozen=True):
    """A paragraph as the flow model sees it: its settings resolved, its text, the largest run size."""

    m: Measures
    text: str


class Table(msgspec.Struct, frozen=True):
    rows: tuple[tuple[int | None, tuple[tuple[int, tuple[Para, ...]], ...]], ...]  # (exact height, ((width, paras)…))
    floating: bool


def _para(p: etree._Element, styles: dict[str, Measures]) -> Para:
    ppr = p.find(_qn("w:pPr"))
    sid = ppr.find(_qn("w:pStyle")).get(_qn("w:val")) if ppr is not None and ppr.find(_qn("w:pStyle")) is not None \
        else "Normal"
    m = measures(ppr, None).over(styles.get(sid, styles.get("Normal", Measures())))
    sizes = [_int(r.find(f"{_qn('w:rPr')}/{_qn('w:sz')}"), "w:val") for r in p.iter(_qn("w:r"))]
    size = max((s for s in sizes if s is not None), default=None)
    if size is not None:
        m = Measures(size=size).over(m)
    return Para(m, "".join(t.text or "" for t in p.iter(_qn("w:t"))))


def flow_items(body: etree._Element, styles: dict[str, Measures]) -> list[Para | Table]:
    """The body's paragraphs and tables, in order, for the flow model; `styles` from style_measures."""
    items: list[Para | Table] = []
    for node in body:
        if node.tag == _qn("w:p"):
            items.append(_para(node, styles))
        elif node.tag == _qn("w:tbl"):
            rows = []
            for tr in node.iter(_qn("w:tr")):
                height = tr.find(f"{_qn('w:trPr')}/{_qn('w:trHeight')}")
                exact = _int(height, "w:val") if height is not None and height.get(_qn("w:hRule")) == "exact" else None
                cells = tuple((_int(tc.find(f"{_qn('w:tcPr')}/{_qn('w:tcW')}"), "w:w") or 0,
                               tuple(_para(p, styles) for p in tc.iter(_qn("w:p")))) for tc in tr.iter(_qn("w:tc")))
                rows.append((exact, cells))
            items.append(Table(tuple(rows), node.find(f"{_qn('w:tblPr')}/{_qn('w:tblpPr')}") is not None))
    return items
