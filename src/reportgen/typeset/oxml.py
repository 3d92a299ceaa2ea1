"""What python-docx lacks, at the XML edge: ordered pPr/rPr children, all four font slots, docGrid, PAGE field.

Only this module writes `w:` tags. Children are emitted in the OOXML schema's order: LibreOffice forgives a
wrong order, Word may refuse the file.
"""

from __future__ import annotations

import copy
from functools import cache

from docx.oxml.ns import qn
from docx.shared import Length
from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


_NSMAP = {"w": W_NS}
_qn = cache(qn)  # "w:pStyle" → "{…main}pStyle", computed once per name rather than once per element


def el(tag: str, attrs: dict[str, str] | None = None, children: list[etree._Element] | None = None,
       text: str | None = None) -> etree._Element:
    node = etree.Element(_qn(tag), nsmap=_NSMAP)
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
        border_bottom: tuple[str, Length, Length] | None = None, auto_space: bool | None = None,
        snap_to_grid: bool | None = None,
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


def run(text: str, props: etree._Element | None = None) -> etree._Element:
    r = el("w:r")
    if props is not None:
        r.append(props)
    t = etree.SubElement(r, _qn("w:t"))
    t.text = text
    if text[:1].isspace() or text[-1:].isspace():
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


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
