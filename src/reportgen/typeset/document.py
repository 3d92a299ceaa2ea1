"""Blocks → the report's document.xml, on a scaffold python-docx builds once per profile and process."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from lxml import etree

from reportgen.blocks import Block
from reportgen.typeset import oxml, styles
from reportgen.typeset.profile import DEFAULT, LayoutProfile
from reportgen.typeset.styles import IDS
from reportgen.typeset.title import balance, width

DOCUMENT = "word/document.xml"
CORE = "docProps/core.xml"
# Parts of python-docx's default template a report does not need: Word 2010's stylesWithEffects (438 KB, with
# theme fonts), a thumbnail, custom XML. Dropping them keeps every package small and free of theme fonts.
_DROP = ("http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects", RT.CUSTOM_XML, RT.THUMBNAIL)


@dataclass(frozen=True)
class Scaffold:
    """An empty report as package parts in python-docx's order; a report replaces document.xml and core.xml."""

    parts: tuple[tuple[str, bytes], ...]

    @property
    def document_xml(self) -> bytes:
        return dict(self.parts)[DOCUMENT]


@cache
def scaffold(profile: LayoutProfile) -> Scaffold:
    """Styles, page setup, grid and page-number footers, built once per profile with python-docx."""
    doc = docx.Document()
    for rels in (doc.part.rels, doc.part.package.rels):
        for rid in [rid for rid, rel in rels.items() if rel.reltype in _DROP]:
            rels.pop(rid)
    styles_root = doc.styles.element
    for child in list(styles_root):
        if child.tag != qn("w:latentStyles"):
            styles_root.remove(child)
    for i, node in enumerate(styles.build(profile)):
        styles_root.insert(i, node)
    oxml.strip_theme_fonts(styles_root)

    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    section = doc.sections[0]
    section.page_width, section.page_height = profile.page_width, profile.page_height
    section.top_margin, section.bottom_margin = profile.margin_top, profile.margin_bottom
    section.left_margin, section.right_margin = profile.margin_left, profile.margin_right
    section.header_distance, section.footer_distance = profile.header_distance, profile.footer_distance
    section.gutter = Length(0)
    oxml.set_doc_grid(section._sectPr, profile.line_pitch)

    doc.settings.odd_and_even_pages_header_footer = True
    side = Length(round(profile.page_number_size * profile.page_number_side_chars))
    for footer, jc, indent in ((section.footer, "right", {"right": side}),
                               (section.even_page_footer, "left", {"left": side})):
        footer.is_linked_to_previous = False
        footer_root = footer._element
        for child in list(footer_root):
            footer_root.remove(child)
        p = oxml.el("w:p", children=[oxml.ppr(style=IDS.page_number, jc=jc, **indent)])
        p.append(oxml.run(f"{profile.page_number_dash} "))
        for r in oxml.page_field(lambda: oxml.rpr(latin=profile.fonts.page_number)):
            p.append(r)
        p.append(oxml.run(f" {profile.page_number_dash}"))
        footer_root.append(p)
    out = io.BytesIO()
    doc.save(out)
    with zipfile.ZipFile(out) as z:
        return Scaffold(tuple((info.filename, z.read(info.filename)) for info in z.infolist()))


def core_properties(title: str, author: str, keywords: str, when: dt.datetime) -> bytes:
    """docProps/core.xml from the input (never the clock), so the same input gives the same bytes."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(author)}</dc:creator>"
        f"<cp:keywords>{escape(keywords)}</cp:keywords><cp:lastModifiedBy>{escape(author)}</cp:lastModifiedBy>"
        "<cp:revision>1</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


@dataclass
class _Writer:
    """Appends paragraphs for blocks to a document body, tracking what came before for spacing."""

    profile: LayoutProfile
    sect_pr: etree._Element  # paragraphs go before the body's section properties
    names: tuple[str, ...]
    after_header: bool = False
    sign: Block | None = None  # a 署名 waits for its date: the date's length decides both indents
    highlight: bool = False  # highlight standard passages (Block.std) for review: `build --mark`

    def runs(self, b: Block, text: str, start: int, style: str | None = None) -> list[etree._Element]:
        """`text` (at `start` in b.plain) as runs: stale numbers (Block.stale) always highlighted, and with
        `highlight` the parts inside standard passages too."""
        std = [(s, e) for s, e, _ in b.std] if self.highlight else []
        if not (std or b.stale):
            return [oxml.run(text, oxml.rpr_copy(style=style) if style else None)]
        cuts = sorted({0, len(text), *(min(max(i - start, 0), len(text)) for span in (*std, *b.stale) for i in span)})
        out = []
        for lo, hi in itertools.pairwise(cuts):
            if hi == lo:
                continue
            old = any(s <= start + lo and start + hi <= e for s, e in b.stale)
            marked = any(s <= start + lo and start + hi <= e for s, e in std)
            color = self.profile.stale_highlight if old else self.profile.standard_highlight if marked else None
            props = {"style": style, "highlight": color}
            props = {k: v for k, v in props.items() if v}
            out.append(oxml.run(text[lo:hi], oxml.rpr_copy(**props) if props else None))
        return out

    def add(self, props: etree._Element, *runs: etree._Element) -> None:
        p = oxml.el("w:p", children=[props, *runs])
        self.sect_pr.addprevious(p)

    def lines(self, n: int) -> Length:
        return Length(self.profile.line_pitch * n)

    # ---- one function per block kind ----

    def mark(self, b: Block) -> None:
        prof = self.profile
        size = min(prof.mark_max_size.pt, prof.text_width.pt / max(width(b.text), 1))
        size = Pt(int(size * 2) / 2)  # whole half-points
        self.add(oxml.ppr_copy(style=IDS.mark, before=prof.mark_top, line=Length(round(size * 1.2))),
                 oxml.run(b.text, oxml.rpr_copy(size=size)))

    def docno(self, b: Block) -> None:
        prof = self.profile
        self.add(oxml.ppr_copy(style=IDS.docno, before=self.lines(prof.docno_lines_below_mark),
                               border_bottom=(prof.red, prof.rule_width, prof.rule_below_docno)),
                 oxml.run(b.text))
        self.after_header = True

    def title(self, b: Block) -> None:
        prof = self.profile
        lines = list(b.lines) or balance(b.text, prof.title_max_chars, self.names)
        for i, line in enumerate(lines):
            before = self.lines(prof.title_lines_below_rule) if (i == 0 and self.after_header) else None
            after = self.lines(1) if i == len(lines) - 1 else None  # 标题下空一行
            self.add(oxml.ppr_copy(style=IDS.title, before=before, after=after), oxml.run(line))

    def recipient(self, b: Block) -> None:
        self.add(oxml.ppr_copy(style=IDS.recipient), oxml.run(b.text))

    def heading(self, b: Block) -> None:
        if b.runin:
            self.add(oxml.ppr_copy(style=IDS.runin(b.level)),
                     *self.runs(b, b.heading_text, 0, IDS.heading_char(b.level)),
                     *self.runs(b, b.runin, len(b.heading_text)))
        else:
            self.add(oxml.ppr_copy(style=IDS.heading(b.level)), *self.runs(b, b.heading_text, 0))

    def body_text(self, b: Block) -> None:
        self.add(oxml.ppr_copy(style=IDS.body), *self.runs(b, b.text, 0))

    def blank(self, b: Block) -> None:
        self.add(oxml.ppr_copy(style=IDS.body))

    def signature(self, b: Block) -> None:
        self.flush_signature()
        self.sign = b

    def _signature(self, text: str, right_chars: float) -> None:
        """The 署名 paragraph: a blank line below the body, `right_chars` characters from the right."""
        self.add(oxml.ppr_copy(style=IDS.signature, before=self.lines(self.profile.lines_before_signature),
                               right=self.profile.chars(right_chars)), oxml.run(text))

    def flush_signature(self) -> None:
        """A 署名 with no date after it: right-aligned, 右空二字."""
        if self.sign is not None:
            self._signature(self.sign.text, self.profile.unsealed_signature_right_chars)
            self.sign = None

    def date(self, b: Block) -> None:
        prof = self.profile
        sign, self.sign = self.sign, None
        sealed = prof.sealed or bool(sign and "sealed" in sign.flags)
        sig_right, date_right = signature_indents(prof, sign.text if sign else "", b.text, sealed)
        if sign is not None:
            self._signature(sign.text, sig_right)
        if sign is not None and not sealed and date_right > prof.unsealed_signature_right_chars:
            # Place the date by its first character (署名首字右移二字): exact whatever the digits' widths.
            left = prof.chars_per_line - sig_right - width(sign.text) + prof.unsealed_date_shift_chars
            self.add(oxml.ppr_copy(style=IDS.date, left=prof.chars(left), jc="left"), oxml.run(b.text))
        else:
            self.add(oxml.ppr_copy(style=IDS.date, right=prof.chars(date_right)), oxml.run(b.text))


def signature_indents(profile: LayoutProfile, signature: str, date: str, sealed: bool) -> tuple[float, float]:
    """Right indents, in characters, of the 署名 and the 成文日期 (GB/T 9704-2012 §7.3.5)."""
    ls, ld = width(signature), width(date)
    if sealed:  # date 右空四字; signature centred over the date
        date_right = profile.sealed_date_right_chars
        return max(0.0, date_right + (ld - ls) / 2), date_right
    sig_right = profile.unsealed_signature_right_chars
    shift = profile.unsealed_date_shift_chars
    date_right = sig_right + ls - shift - ld  # date starts `shift` characters right of the signature
    if date_right < sig_right:  # date longer: date 右空二字, signature moves left to keep the shift
        date_right = sig_right
        sig_right = date_right + ld + shift - ls
    return sig_right, date_right


_DISPATCH: dict[str, Callable[[_Writer, Block], None]] = {
    "mark": _Writer.mark, "docno": _Writer.docno, "title": _Writer.title, "recipient": _Writer.recipient,
    "heading": _Writer.heading, "body": _Writer.body_text, "blank": _Writer.blank, "sign": _Writer.signature,
    "date": _Writer.date,
}


def typeset(blocks: list[Block], profile: LayoutProfile = DEFAULT, names: tuple[str, ...] = (),
            mark: bool = False) -> bytes:
    """The document.xml holding `blocks`; `names` are words a title line must not split (issuer, town);
    `mark` highlights the standard passages for the clerk's review."""
    root = etree.fromstring(scaffold(profile).document_xml)
    body = root.find(qn("w:body"))
    writer = _Writer(profile, body.find(qn("w:sectPr")), names, highlight=mark)
    for block in blocks:
        _DISPATCH[block.kind](writer, block)
    writer.flush_signature()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
