"""The named Word styles, built from a LayoutProfile: one per paragraph role, plus run-in heading faces."""

from __future__ import annotations

from functools import cache

import msgspec
from lxml import etree

from reportgen.typeset import oxml
from reportgen.typeset.length import Length, Twips
from reportgen.typeset.oxml import qn
from reportgen.typeset.profile import LayoutProfile

SINGLE = Twips(240)  # "auto" line rule: 240 = single spacing

# Why Normal carries w:overflowPunct w:val="1". A 、。，； that falls just past the 28th character of a
# line hangs in the margin (Word's default, and LibreOffice's). LibreOffice 7.4 then does not draw it at all when the
# line is justified and condensed by the grid's character spacing (measured: 33 characters over the examples).
# LibreOffice reads overflowPunct inverted (writerfilter: hanging = val == 0; its own export writes "true" for
# hanging), so val="1" turns hanging off there — the mark moves to the next line with the character before it
# (避头点), every character drawn, 28 to a full line kept — while in Word val="1" is its default: hanging allowed.


class StyleIds(msgspec.Struct, frozen=True):
    """Style ids, resolved once; typeset sets `w:pStyle` directly instead of looking names up per paragraph."""

    body: str = "RGBody"
    title: str = "RGTitle"
    recipient: str = "RGRecipient"
    signature: str = "RGSignature"
    date: str = "RGDate"
    mark: str = "RGMark"
    docno: str = "RGDocNo"
    page_number: str = "RGPageNumber"

    @staticmethod
    def heading(level: int) -> str:
        return f"RGHeading{level}"

    @staticmethod
    def runin(level: int) -> str:
        return f"RGRunIn{level}"

    @staticmethod
    def heading_char(level: int) -> str:
        return f"RGHeading{level}Char"


IDS = StyleIds()

# Display names (what Word's style gallery shows), by id.
NAMES = {
    "Normal": "Normal", IDS.body: "公文正文", IDS.title: "公文标题", IDS.recipient: "主送机关",
    IDS.signature: "发文机关署名", IDS.date: "成文日期", IDS.mark: "发文机关标志", IDS.docno: "发文字号",
    IDS.page_number: "公文页码",
    **{IDS.heading(n): f"公文标题{n}级" for n in range(1, 5)},
    **{IDS.runin(n): f"公文标题{n}级（段内）" for n in range(1, 5)},
    **{IDS.heading_char(n): f"公文标题{n}级字符" for n in range(1, 5)},
}


def _style(kind: str, style_id: str, *, based_on: str | None = None, default: bool = False,
           ppr: etree._Element | None = None, rpr: etree._Element | None = None) -> etree._Element:
    return oxml.style(kind, style_id, NAMES.get(style_id, style_id), based_on=based_on, default=default,
                      ppr=ppr, rpr=rpr)


def heading_font(profile: LayoutProfile, level: int) -> str:
    return getattr(profile.fonts, f"heading{level}")


def heading_bold(profile: LayoutProfile, level: int) -> bool:
    return level == 3 and profile.heading3_bold


def build(profile: LayoutProfile) -> list[etree._Element]:
    """docDefaults first, then every style; replaces whatever the base template had."""
    f, pitch = profile.fonts, profile.line_pitch
    indent = profile.chars(profile.body_indent_chars)
    defaults = oxml.doc_defaults(oxml.rpr(east_asia=f.body, latin=f.latin, size=profile.body_size, lang=profile.language),
                                 oxml.ppr(before=Length(0), after=Length(0), line=pitch))
    styles = [
        defaults,
        _style("paragraph", "Normal", default=True,
               # overflowPunct=1: see the note at the top.
               ppr=oxml.ppr(widow_control=False, overflow_punct=True, auto_space=False, before=Length(0),
                            after=Length(0), line=pitch, jc="both"),
               rpr=oxml.rpr(east_asia=f.body, latin=f.latin, bold=False, spacing=profile.char_spacing,
                            size=profile.body_size, lang=profile.language)),
        _style("character", "DefaultParagraphFont", default=True),
        _style("paragraph", IDS.body, based_on="Normal", ppr=oxml.ppr(first_line=indent)),
        _style("paragraph", IDS.title, based_on="Normal",
               ppr=oxml.ppr(snap_to_grid=False, first_line=Length(0), jc="center"),
               rpr=oxml.rpr(east_asia=f.title, latin=f.latin, size=profile.title_size)),
        _style("paragraph", IDS.recipient, based_on="Normal", ppr=oxml.ppr(first_line=Length(0), jc="left")),
        _style("paragraph", IDS.signature, based_on="Normal", ppr=oxml.ppr(first_line=Length(0), jc="right")),
        _style("paragraph", IDS.date, based_on="Normal", ppr=oxml.ppr(first_line=Length(0), jc="right")),
        _style("paragraph", IDS.mark, based_on="Normal",
               ppr=oxml.ppr(snap_to_grid=False, first_line=Length(0), jc="center"),
               rpr=oxml.rpr(east_asia=f.title, latin=f.latin, color=profile.red, spacing=Length(0),
                            size=profile.mark_max_size)),
        _style("paragraph", IDS.docno, based_on="Normal", ppr=oxml.ppr(first_line=Length(0), jc="center")),
        _style("paragraph", IDS.page_number, ppr=oxml.ppr(snap_to_grid=False, before=Length(0), after=Length(0),
                                                          line=SINGLE, line_rule="auto", first_line=Length(0)),
               rpr=oxml.rpr(east_asia=f.page_number, latin=f.page_number, size=profile.page_number_size,
                            spacing=Length(0), lang=profile.language)),
    ]
    for level in range(1, 5):
        face = heading_font(profile, level)
        bold = heading_bold(profile, level)
        styles.append(_style("paragraph", IDS.heading(level), based_on="Normal",
                             ppr=oxml.ppr(keep_next=True, first_line=indent, outline_level=level - 1),  # with its text
                             rpr=oxml.rpr(east_asia=face, latin=f.latin, bold=bold)))
        styles.append(_style("paragraph", IDS.runin(level), based_on=IDS.body,
                             ppr=oxml.ppr(outline_level=level - 1)))
        styles.append(_style("character", IDS.heading_char(level), rpr=oxml.rpr(east_asia=face, latin=f.latin, bold=bold)))
    return styles


@cache
def measures(profile: LayoutProfile) -> dict[str, oxml.Measures]:
    """Each paragraph style's settings, basedOn resolved, for the flow model (typeset/flow.py)."""
    return oxml.style_measures(build(profile))


@cache
def east_asian_faces(profile: LayoutProfile) -> dict[str, str]:
    """Each style's East Asian face with basedOn resolved (read back from the styles built): the face a run's
    “” ‘’ —— …… are drawn in (oxml.east_asian_punctuation)."""
    own: dict[str, str | None] = {}
    parent: dict[str, str | None] = {}
    for node in build(profile):
        style_id = node.get(qn("w:styleId"))
        if style_id is None:
            continue
        fonts = node.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        own[style_id] = fonts.get(qn("w:eastAsia")) if fonts is not None else None
        based = node.find(qn("w:basedOn"))
        parent[style_id] = based.get(qn("w:val")) if based is not None else None
    faces = {}
    for style_id in own:
        at: str | None = style_id
        while at is not None and own.get(at) is None:
            at = parent.get(at)
        faces[style_id] = own.get(at) if at is not None else profile.fonts.body
    return faces
