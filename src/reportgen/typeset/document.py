"""Blocks → the report's document.xml, on a scaffold python-docx builds once per profile (kept in the user's cache)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import itertools
import math
import zipfile
from collections.abc import Callable
from functools import cache
from html import escape as _escape

import msgspec
from lxml import etree

from reportgen import cachedir
from reportgen.blocks import Block
from reportgen.typeset import flow, oxml, styles
from reportgen.typeset.length import Length, Pt, Twips
from reportgen.typeset.oxml import qn
from reportgen.typeset.profile import DEFAULT, LayoutProfile
from reportgen.typeset.styles import IDS
from reportgen.typeset.title import balance, width

DOCUMENT = "word/document.xml"
_DECLARATION = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"  # as lxml writes it
CORE = "docProps/core.xml"
# Parts of python-docx's default template a report does not need: Word 2010's stylesWithEffects (438 KB, with
# theme fonts), a thumbnail, custom XML. Dropping them keeps every package small and free of theme fonts.
_DROP = ("http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
         "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml",
         "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail")
_MADE_BY = ("document.py", "oxml.py", "styles.py", "profile.py", "units.py", "length.py")  # what a scaffold depends on


def escape(text: str) -> str:
    """XML text: & < > escaped (quotes need not be, outside attributes)."""
    return _escape(text, quote=False)


class Scaffold(msgspec.Struct, frozen=True):
    """An empty report as package parts in python-docx's order; a report replaces document.xml and core.xml."""

    parts: tuple[tuple[str, bytes], ...]

    @property
    def document_xml(self) -> bytes:
        return dict(self.parts)[DOCUMENT]


@cache
def scaffold(profile: LayoutProfile) -> Scaffold:
    """Styles, page setup, grid and page-number footers: built with python-docx the first time a profile is used,
    then read from the user's cache (named by the profile, python-docx's version and the modules that build it):
    importing python-docx costs more than a whole build."""
    import marshal
    from importlib.util import find_spec
    from pathlib import Path

    here = Path(__file__).parent
    docx_init = find_spec("docx").origin  # holds python-docx's __version__ (importlib.metadata costs 15 ms)
    name = cachedir.key("scaffold", repr(profile), Path(docx_init).read_bytes() if docx_init else b"",
                        *((here / m).read_bytes() for m in _MADE_BY)) + ".marshal"
    if (data := cachedir.read("scaffold", name)) is not None:
        try:
            return Scaffold(tuple(marshal.loads(data)))
        except (EOFError, ValueError, TypeError):
            pass
    built = _build_scaffold(profile)
    cachedir.write("scaffold", name, marshal.dumps(built.parts))
    return built


def _build_scaffold(profile: LayoutProfile) -> Scaffold:
    import docx

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
    places = (("right", {"right": side}), ("left", {"left": side}))  # odd pages right, even left (§7.5)
    if profile.page_number_sides == "center":
        places = (("center", {}), ("center", {}))
    dash = profile.page_number_dash
    for footer, (jc, indent) in zip((section.footer, section.even_page_footer), places, strict=True):
        footer.is_linked_to_previous = False
        footer_root = footer._element
        for child in list(footer_root):
            footer_root.remove(child)
        field = oxml.page_field(lambda: oxml.rpr(latin=profile.fonts.page_number))
        footer_root.append(oxml.paragraph(oxml.ppr(style=IDS.page_number, jc=jc, **indent),
                                          *([oxml.run(f"{dash} "), *field, oxml.run(f" {dash}")] if dash else field)))
    # An empty `first` footer, used only by a section with w:titlePg: the 版记's page carries no page number (7.5).
    blank = section.first_page_footer
    blank.is_linked_to_previous = False
    for child in list(blank._element):
        blank._element.remove(child)
    blank._element.append(oxml.paragraph(oxml.ppr(style=IDS.page_number)))
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


class _Writer(msgspec.Struct):
    """Appends paragraphs for blocks to a document body, tracking what came before for spacing."""

    profile: LayoutProfile
    final: etree._Element  # the scaffold's section properties, after the body's paragraphs: not to be changed
    names: tuple[str, ...]
    body: list[str] = msgspec.field(default_factory=list)  # paragraphs and tables, as document.xml holds them
    after_header: bool = False
    sign: Block | None = None  # a 署名 waits for its date: the date's length decides both indents
    highlight: bool = False  # highlight standard passages (Block.std) for review: `build --mark`
    cosigns: list[Block] = msgspec.field(default_factory=list)  # 联合行文: the 署名 before the last one, waiting for the date
    imprint: list[Block] = msgspec.field(default_factory=list)  # 版记 rows (cc, printed), laid out after everything else
    attach_label: float = 0.0  # width of 「附件：」, for the items after the first
    sect_pr: etree._Element | None = None  # this report's own copy of `final`, once a 版记 changes it

    def own_sect_pr(self) -> etree._Element:
        """The section properties to change: copied from the scaffold's the first time (most reports keep them)."""
        if self.sect_pr is None:
            self.sect_pr = copy.deepcopy(self.final)
        return self.sect_pr

    def runs(self, b: Block, text: str, start: int, style: str | None = None) -> list[str]:
        """`text` (at `start` in b.plain) as runs: stale numbers (Block.stale) always highlighted, and with
        `highlight` the parts inside standard passages too."""
        std = [(s, e) for s, e, _ in b.std] if self.highlight else []
        if not (std or b.stale):
            return [oxml.run_xml(text, oxml.rpr_xml(style=style) if style else "")]
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
            out.append(oxml.run_xml(text[lo:hi], oxml.rpr_xml(**props) if props else ""))
        return out

    def add(self, props: str | etree._Element | None, *runs: str | etree._Element) -> None:
        self.body.append(oxml.paragraph_xml(props, runs))

    def place(self, node: etree._Element) -> None:
        """A table (or other element built as elements) after what is there."""
        self.body.append(oxml.fragment(node))

    def lines(self, n: int) -> Length:
        return Length(self.profile.line_pitch * n)

    # ---- one function per block kind ----

    def mark(self, b: Block) -> None:
        prof = self.profile
        if b.lines:
            self.joint_mark(b)
            return
        size = min(prof.mark_max_size.pt, prof.text_width.pt / max(width(b.text), 1))
        size = Pt(int(size * 2) / 2)  # whole half-points
        self.add(oxml.ppr_xml(style=IDS.mark, before=prof.mark_top, line=Length(round(size * 1.2))),
                 oxml.run_xml(b.text, oxml.rpr_xml(size=size)))

    def docno(self, b: Block) -> None:
        prof = self.profile
        self.add(oxml.ppr_xml(style=IDS.docno, before=self.lines(prof.docno_lines_below_mark),
                              border_bottom=(prof.red, prof.rule_width, prof.rule_below_docno)),
                 oxml.run_xml(b.text))
        self.after_header = True

    def title(self, b: Block) -> None:
        prof = self.profile
        lines = list(b.lines) or balance(b.text, prof.title_max_chars, self.names)
        for i, line in enumerate(lines):
            before = self.lines(prof.title_lines_below_rule) if (i == 0 and self.after_header) else None
            after = self.lines(1) if i == len(lines) - 1 else None  # 标题下空一行
            self.add(oxml.ppr_xml(style=IDS.title, before=before, after=after), oxml.run_xml(line))

    def recipient(self, b: Block) -> None:
        self.add(oxml.ppr_xml(style=IDS.recipient), oxml.run_xml(b.text))

    def heading(self, b: Block) -> None:
        if b.runin:
            self.add(oxml.ppr_xml(style=IDS.runin(b.level)),
                     *self.runs(b, b.heading_text, 0, IDS.heading_char(b.level)),
                     *self.runs(b, b.runin, len(b.heading_text)))
        else:
            self.add(oxml.ppr_xml(style=IDS.heading(b.level)), *self.runs(b, b.heading_text, 0))

    def body_text(self, b: Block) -> None:
        self.add(oxml.ppr_xml(style=IDS.body), *self.runs(b, b.text, 0))

    def blank(self, b: Block) -> None:
        self.add(oxml.ppr_xml(style=IDS.body))

    def signature(self, b: Block) -> None:
        if self.sign is not None:  # 联合行文: several 署名 share one 成文日期
            self.cosigns.append(self.sign)
        self.sign = b

    def _signature(self, text: str, right_chars: float) -> None:
        """The 署名 paragraph: a blank line below the body, `right_chars` characters from the right."""
        self.add(oxml.ppr_xml(style=IDS.signature, before=self.lines(self.profile.lines_before_signature),
                              right=self.profile.chars(right_chars)), oxml.run_xml(text))

    def flush_signature(self) -> None:
        """A 署名 with no date after it: right-aligned, 右空二字."""
        for sign in self.cosigns:
            self._signature(sign.text, self.profile.unsealed_signature_right_chars)
        self.cosigns = []
        if self.sign is not None:
            self._signature(self.sign.text, self.profile.unsealed_signature_right_chars)
            self.sign = None

    def date(self, b: Block) -> None:
        prof = self.profile
        if self.cosigns:
            self.joint_date(b)
            return
        sign, self.sign = self.sign, None
        sealed = prof.sealed or bool(sign and "sealed" in sign.flags)
        sig_right, date_right = signature_indents(prof, sign.text if sign else "", b.text, sealed)
        if sign is not None:
            self._signature(sign.text, sig_right)
        if sign is not None and not sealed and date_right > prof.unsealed_signature_right_chars:
            # Place the date by its first character (署名首字右移二字): exact whatever the digits' widths.
            left = prof.chars_per_line - sig_right - width(sign.text) + prof.unsealed_date_shift_chars
            self.add(oxml.ppr_xml(style=IDS.date, left=prof.chars(left), jc="left"), oxml.run_xml(b.text))
        else:
            self.add(oxml.ppr_xml(style=IDS.date, right=prof.chars(date_right)), oxml.run_xml(b.text))


    # ---- 上行文 and 联合行文 (GB/T 9704-2012 7.2.4, 7.2.6, 7.3.3, 7.3.5, 7.4) ----

    def joint_mark(self, b: Block) -> None:
        """联合行文的标志: each issuer on its own line (names spread to one width), 「文件」 to their right, centred
        on them; the block centred, its top 35 mm below the 版心's top (a spacer paragraph of that height)."""
        prof = self.profile
        names, side = b.lines, b.runin
        name_chars = max(width(n) for n in names)
        side_chars = (prof.joint_mark_file_gap_chars + width(side)) if side else 0.0
        size = min(prof.mark_max_size.pt, prof.text_width.pt / (name_chars + side_chars))
        size = Pt(int(size * 2) / 2)
        line = Length(round(size * prof.joint_mark_line_ratio))
        self.add(oxml.ppr_copy(style=IDS.mark, line=prof.mark_top))
        props = oxml.rpr_copy(size=size)
        left = oxml.Cell(tuple(oxml.paragraph(oxml.ppr_copy(style=IDS.mark, line=line, jc="distribute"),
                                                      oxml.run(n, copy.deepcopy(props))) for n in names))
        columns = [Length(round(size * (name_chars + 0.25)))]  # a hair more: LibreOffice wraps a name that fills it
        row = [left]
        if side:
            columns.append(Length(round(size * side_chars)))
            row.append(oxml.Cell((oxml.paragraph(oxml.ppr_copy(style=IDS.mark, line=line, jc="right"),
                                                         oxml.run(side, copy.deepcopy(props))),), v_align="center"))
        self.place(oxml.table(columns, [row]))

    def upward(self, docno: Block, signer: Block) -> None:
        """上行文 (7.2.6): 「签发人：」 (仿宋) and the names (楷体) 居右空一字, two names a line, later lines aligned with
        the first name above; the 发文字号 居左空一字 on the line of the last name; the red rule under that line."""
        prof = self.profile
        side = prof.upward_side_chars
        per = max(1, prof.signers_per_line)
        rows = ["　".join(signer.lines[i:i + per]) for i in range(0, len(signer.lines), per)] or [""]
        names_at = Length(prof.text_width - prof.chars(side + max(width(r) for r in rows)))
        label_at = Length(names_at - prof.chars(width(signer.text)))
        face = oxml.rpr_copy(east_asia=prof.fonts.heading2)  # 楷体
        for i, text in enumerate(rows):
            last = i == len(rows) - 1
            props = oxml.ppr_copy(style=IDS.docno, left=prof.chars(side), jc="left",
                                  before=self.lines(prof.docno_lines_below_mark) if i == 0 else None,
                                  border_bottom=(prof.red, prof.rule_width, prof.rule_below_docno) if last else None)
            oxml.with_tabs(props, [("left", label_at if i == 0 else names_at)])
            runs = [oxml.run(docno.text)] if last else []
            runs.append(oxml.tab_run())
            if i == 0:
                runs.append(oxml.run(signer.text))
            runs.append(oxml.run(text, copy.deepcopy(face)))
            self.add(props, *runs)
        self.after_header = True

    def signer(self, b: Block) -> None:
        """签发人 without a 发文字号 before it (a region's template): laid out as if the number were empty."""
        self.upward(Block("docno"), b)

    def joint_date(self, b: Block) -> None:
        """联合行文的署名 and one 成文日期 (7.3.5). Sealed: the 署名 in a row, each centred on its seal, the last one
        over the date, 右空四字. Unsealed: 主办机关 first, the others below it, first characters aligned; the date
        under them, its first character two characters right of theirs (or 右空二字 when longer)."""
        prof = self.profile
        signs = [*self.cosigns, self.sign] if self.sign is not None else list(self.cosigns)
        self.cosigns, self.sign = [], None
        sealed = prof.sealed or any("sealed" in s.flags for s in signs)
        if sealed:
            last_centre = Length(prof.text_width - prof.chars(prof.sealed_date_right_chars + width(b.text) / 2))
            per = max(1, prof.joint_seals_per_line)
            for k in range(0, len(signs), per):
                row = signs[k:k + per]
                centres = [Length(last_centre - prof.chars(prof.joint_seal_pitch_chars * (len(row) - 1 - j)))
                           for j in range(len(row))]
                props = oxml.ppr_copy(style=IDS.signature, jc="left", before=self.lines(
                    prof.lines_before_signature) if k == 0 else None)
                oxml.with_tabs(props, [("center", c) for c in centres])
                self.add(props, *[r for s in row for r in (oxml.tab_run(), oxml.run(s.text))])
            self.add(oxml.ppr_copy(style=IDS.date, right=prof.chars(prof.sealed_date_right_chars)), oxml.run(b.text))
            return
        longest = max((s.text for s in signs), key=width)
        sig_right, date_right = signature_indents(prof, longest, b.text, False)
        left = prof.chars_per_line - sig_right - width(longest)
        for k, s in enumerate(signs):
            self.add(oxml.ppr_copy(style=IDS.signature, jc="left", left=prof.chars(left), before=self.lines(
                prof.lines_before_signature) if k == 0 else None), oxml.run(s.text))
        if date_right > prof.unsealed_signature_right_chars:
            self.add(oxml.ppr_copy(style=IDS.date, left=prof.chars(left + prof.unsealed_date_shift_chars), jc="left"),
                     oxml.run(b.text))
        else:
            self.add(oxml.ppr_copy(style=IDS.date, right=prof.chars(date_right)), oxml.run(b.text))

    def attach(self, b: Block) -> None:
        """附件说明 (7.3.3): below the body after one blank line, 左空二字; wrapped lines and later items aligned
        with the first item's name (hanging indents)."""
        prof = self.profile
        number, name = (*b.lines, "", "")[:2]
        first = bool(b.text)
        if first:
            self.attach_label = width(b.text)
        left = prof.chars(prof.attachment_indent_chars + self.attach_label + width(number))
        hanging = prof.chars((self.attach_label if first else 0) + width(number))
        props = oxml.ppr_copy(style=IDS.body, before=self.lines(prof.lines_before_attachments) if first else None)
        self.add(oxml.with_hanging(props, left, hanging), *self.runs(b, f"{b.text}{number}{name}", 0))

    def imprint_row(self, b: Block) -> None:
        self.imprint.append(b)

    def flush_imprint(self) -> None:
        """版记 (7.4): 抄送 and 印发机关/印发日期 in 4号仿宋 between full-width rules (first and last thick, the middle
        thin), the last rule on the 版心's lower edge of the last page, an even one. Where the body ends comes
        from the line model (typeset/flow.py): on an even page with room, the 版记 floats at its foot; else it
        opens a section on the next even page (after a blank page, both unnumbered, when the body ends on an
        even one), pushed down by a spacer."""
        if not self.imprint:
            return
        prof = self.profile
        size, width_ = prof.imprint_size, prof.text_width
        side = Length(round(size * prof.imprint_side_chars))
        text = oxml.rpr_copy(size=size, spacing=Length(0))
        rows: list[list[oxml.Cell]] = []
        heights: list[Length] = []

        def para(words: str, **kw: object) -> etree._Element:
            return oxml.paragraph(oxml.ppr_copy(style=IDS.recipient, snap_to_grid=False, line=prof.imprint_line, **kw),
                                  oxml.run(words, copy.deepcopy(text)))

        for b in self.imprint:
            if b.kind == "cc":
                label = Length(round(size * width(b.text)))
                per_line = (width_ - 2 * side - label) / size  # characters after 「抄送：」
                n = max(1, math.ceil((width(b.runin) + 0.5) / per_line))
                p = para(b.text + b.runin)
                oxml.with_hanging(p[0], Length(side + label), label, side)
                rows.append([oxml.Cell((p,), span=2)])
            else:
                n = 1
                rows.append([oxml.Cell((para(b.text, left=side),)), oxml.Cell((para(b.runin, right=side, jc="right"),))])
            heights.append(Length(prof.imprint_line * n))
        self.imprint = []
        if not self.body or not self.body[-1].startswith("<w:p"):  # nothing yet, or a table: end with a paragraph
            self.add(None)
        last = len(self.body) - 1
        half = Length(width_ // 2)
        rules = {"top": prof.imprint_rule_thick, "insideH": prof.imprint_rule_thin, "bottom": prof.imprint_rule_thick}
        height = Length(sum(heights) + prof.imprint_slack)
        body = flow.end_of(oxml.flow_items(oxml.parse_body(self.body), styles.measures(prof)),
                           prof.text_height.twips, prof.text_width.twips)
        if body.page % 2 == 0 and body.used + height.twips + prof.imprint_margin_lines * prof.line_pitch.twips \
                <= prof.text_height.twips:  # the body ends on an even page with room: the 版记 at its foot
            self.place(oxml.table([half, Length(width_ - half)], rows, heights=heights, rules=rules,
                                  float_at=(prof.margin_left, Length(prof.text_height - height))))
        else:
            self.body[last] = oxml.end_section_xml(self.body[last], self.own_sect_pr(), "evenPage")
            if body.page % 2 == 0:  # a blank page comes before the 版记's: neither is numbered (7.5)
                oxml.title_page(self.own_sect_pr())  # the 版记's page (the section's only one) takes the empty footer
            self.add(oxml.ppr_xml(style=IDS.recipient, snap_to_grid=False, line=Length(prof.text_height - height)))
            self.place(oxml.table([half, Length(width_ - half)], rows, heights=heights, rules=rules))
        # The body must end with a paragraph: one of (almost) no height, so the table keeps the page's foot.
        self.add(oxml.ppr_xml(style=IDS.recipient, snap_to_grid=False, line=Length(Twips(2))))


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
    "date": _Writer.date, "signer": _Writer.signer, "attach": _Writer.attach, "cc": _Writer.imprint_row,
    "printed": _Writer.imprint_row,
}


def typeset(blocks: list[Block], profile: LayoutProfile = DEFAULT, names: tuple[str, ...] = (),
            mark: bool = False) -> bytes:
    """The document.xml holding `blocks`; `names` are words a title line must not split (issuer, town);
    `mark` highlights the standard passages for the clerk's review."""
    frame = _frame(profile)
    writer = _Writer(profile, frame.sect_pr, names, highlight=mark)
    upward = {i + 1 for i, b in enumerate(blocks[:-1]) if b.kind == "docno" and blocks[i + 1].kind == "signer"}
    for i, block in enumerate(blocks):
        if i + 1 in upward:  # 上行文: the 发文字号 and the 签发人 share a line
            writer.upward(block, blocks[i + 1])
        elif i not in upward:
            _DISPATCH[block.kind](writer, block)
    writer.flush_signature()
    writer.flush_imprint()
    sect_pr = frame.sect_xml if writer.sect_pr is None else oxml.fragment(writer.sect_pr)
    xml = frame.head + "".join(writer.body) + sect_pr + frame.tail
    xml = oxml.east_asian_punctuation(xml, profile.east_asian_punctuation, styles.east_asian_faces(profile),
                                      profile.fonts.body)
    return (_DECLARATION + xml).encode()


class _Frame(msgspec.Struct, frozen=True):
    """The scaffold's document.xml around its body's content: what comes before it, the section properties (a
    report's 版记 may change them) and what comes after."""

    head: str
    sect_pr: etree._Element
    tail: str
    sect_xml: str  # sect_pr as written, for the reports that keep it


@cache
def _frame(profile: LayoutProfile) -> _Frame:
    root = etree.fromstring(scaffold(profile).document_xml)
    sect_pr = root.find(qn("w:body")).find(qn("w:sectPr"))
    xml = etree.tostring(root, encoding="unicode")
    written = oxml.fragment(copy.deepcopy(sect_pr))
    head, found, tail = xml.partition(written)
    if not found or not head.endswith("<w:body>") or tail != "</w:body></w:document>":
        raise RuntimeError("the scaffold's body holds more than its section properties")  # our bug, not the clerk's
    return _Frame(head, sect_pr, tail, written)
