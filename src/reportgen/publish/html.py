"""Blocks → one self-contained HTML page for the government website, with the .docx's text and the profile's faces."""

from __future__ import annotations

import itertools
import re
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import jinja2
import msgspec
from markupsafe import Markup

from reportgen.blocks import Block
from reportgen.errors import InternalError
from reportgen.preview.render import FONTS_CONF
from reportgen.typeset.length import Length
from reportgen.typeset.profile import LayoutProfile
from reportgen.typeset.styles import heading_bold, heading_font
from reportgen.typeset.title import width

TEMPLATE = "report.html.j2"  # the page's markup and CSS skeleton, beside this module
IMPRINT = ("cc", "printed")  # 版记 rows: one <footer> on the page
_MARKERS = re.compile("[\ue000-\ue00a]")  # compose's and derive's private markers (compose.py, derive.py)


class Piece(msgspec.Struct, frozen=True):
    """A stretch of a paragraph's text; `mark` is "stale" (last year's number, not updated) or "standard" (a
    standard passage, only with `build --mark`), "" for plain text."""

    text: str
    mark: str = ""


class Row(msgspec.Struct, frozen=True):
    """One line of the 发文字号 and 签发人 (上行文): the number on the last line only, 「签发人：」 on the first."""

    docno: str
    label: str
    names: str
    last: bool


class Para(msgspec.Struct, frozen=True):
    """One paragraph as the page shows it. `kind` is the Block's, or "upward" (发文字号 with 签发人) or "imprint"
    (the 版记's rows, in `items`)."""

    kind: str
    text: tuple[Piece, ...] = ()
    rest: tuple[Piece, ...] = ()  # a run-in heading's body; a 版记 row's right side (印发日期)
    level: int = 0  # heading level 1–4: 一、（一）1.（1）
    rank: int = 0  # 2–6: the heading's <h2>…<h6>, its depth among headings printed as headings
    lines: tuple[str, ...] = ()  # 联合行文: each issuer of the 标志
    rows: tuple[Row, ...] = ()
    items: tuple[Para, ...] = ()
    sealed: bool = False  # 署名 and 成文日期 of a sealed document sit further from the right edge
    chars: float = 0.0  # 标志: its width in characters; the CSS shrinks it to fit one line, as typeset does


def pieces(b: Block, start: int, end: int, standard: bool) -> tuple[Piece, ...]:
    """b.plain[start:end] cut where a stale number (always) or, with `standard`, a standard passage starts or ends;
    a stale number inside a standard passage is shown as stale, as typeset highlights it."""
    spans = [(s, e, "stale") for s, e in b.stale] + ([(s, e, "standard") for s, e, _ in b.std] if standard else [])
    cuts = sorted({start, end, *(min(max(i, start), end) for s, e, _ in spans for i in (s, e))})
    out = []
    for lo, hi in itertools.pairwise(cuts):
        if hi > lo:
            out.append(Piece(b.plain[lo:hi], next((k for s, e, k in spans if s <= lo and hi <= e), "")))
    return tuple(out)


def paragraphs(blocks: list[Block], profile: LayoutProfile, standard: bool = False) -> list[Para]:
    """The page's paragraphs in reading order (the .docx's). Headings get consecutive ranks whatever their 公文
    level, so the outline never skips one: a run-in heading is a paragraph, and closes deeper headings above it."""
    out: list[Para] = []
    open_levels: list[int] = []
    sealed = profile.sealed  # a 成文日期 is placed as its 署名 is
    for i, b in enumerate(blocks):
        whole = pieces(b, 0, len(b.plain), standard)
        if b.kind == "heading":
            while open_levels and open_levels[-1] >= b.level:
                open_levels.pop()
            head = len(b.heading_text)
            if b.runin:
                out.append(Para("heading", pieces(b, 0, head, standard), pieces(b, head, len(b.plain), standard),
                                level=b.level))
                continue
            out.append(Para("heading", whole, level=b.level, rank=min(6, 2 + len(open_levels))))
            open_levels.append(b.level)
        elif b.kind == "docno" and i + 1 < len(blocks) and blocks[i + 1].kind == "signer":
            continue  # 上行文: the number shares the 签发人's line
        elif b.kind == "signer":
            docno = blocks[i - 1].text if i and blocks[i - 1].kind == "docno" else ""
            out.append(Para("upward", rows=_upward_rows(docno, b, profile)))
        elif b.kind in IMPRINT:
            row = Para(b.kind, (Piece(b.text),), (Piece(b.runin),))
            if out and out[-1].kind == "imprint":
                out[-1] = Para("imprint", items=(*out[-1].items, row))
            else:
                out.append(Para("imprint", items=(row,)))
        elif b.kind == "mark" and b.lines:  # 联合行文: the issuers stacked, 「文件」 beside them
            side = profile.joint_mark_file_gap_chars + width(b.runin) if b.runin else 0.0
            out.append(Para("mark", (Piece(b.runin),), lines=b.lines, chars=max(map(width, b.lines)) + side))
        elif b.kind == "mark":
            out.append(Para("mark", whole, chars=width(b.text)))
        elif b.kind in ("sign", "date"):
            sealed = sealed or "sealed" in b.flags
            out.append(Para(b.kind, whole, sealed=sealed))
        elif b.plain:  # an empty paragraph (<blank>) is spacing, which the CSS gives
            out.append(Para(b.kind, whole))
    return out


def _upward_rows(docno: str, signer: Block, profile: LayoutProfile) -> tuple[Row, ...]:
    """The names profile.signers_per_line to a line, as typeset lays them out, so the text reads in the same order."""
    per = max(1, profile.signers_per_line)
    names = ["　".join(signer.lines[i:i + per]) for i in range(0, len(signer.lines), per)] or [""]
    return tuple(Row(docno if k == len(names) - 1 else "", signer.text if k == 0 else "", text, k == len(names) - 1)
                 for k, text in enumerate(names))


# ---- CSS values from the layout profile: the template holds no face, size or distance of its own ------------

def _css_string(text: str) -> str:
    """`text` as a quoted CSS string: anything but letters, digits, CJK and `_- ` escaped, so a face named in a
    region's region.yaml can neither end the string nor the <style> element."""
    return '"' + "".join(c if c.isalnum() or c in " _-" or ord(c) > 0x7F else f"\\{ord(c):x} " for c in text) + '"'


@cache
def _lookalikes() -> dict[str, tuple[str, bool]]:
    """fonts.conf, the one list of which free face stands for which official one (the PDF uses it too):
    face name → (look-alike family, bold), in the file's order."""
    found: dict[str, tuple[str, bool]] = {}
    for match in ElementTree.parse(FONTS_CONF).getroot().iter("match"):
        name, family = match.findtext("test/string"), match.findtext("edit[@name='family']/string")
        if name and family:
            found[name] = (family, match.find("edit[@name='weight']") is not None)
    return found


def font_stack(face: str, fallback: str | None = None) -> Markup:
    """A CSS font-family list for an official face: the face itself, the other names fonts.conf gives the same
    look-alike (仿宋, FangSong, … on Windows), the look-alike (Noto Serif CJK SC, on Linux), a generic family.
    A face fonts.conf does not know falls back to `fallback`'s list, or to serif."""
    looks = _lookalikes()
    if face not in looks:
        rest = font_stack(fallback) if fallback and fallback != face else Markup("serif")
        return Markup(f"{_css_string(face)}, ") + rest
    family, bold = looks[face]
    names = [face, *(n for n, target in looks.items() if target == (family, bold) and n != face), family]
    generic = "sans-serif" if " Sans" in family else "serif"
    return Markup(", ".join([*map(_css_string, names), generic]))


def _pt(value: Length) -> Markup:
    return Markup(f"{value.pt:.2f}".rstrip("0").rstrip(".") + "pt")


def _mm(value: Length) -> Markup:
    return Markup(f"{value.mm:.2f}".rstrip("0").rstrip(".") + "mm")


def _em(chars: float) -> Markup:
    return Markup(f"{chars:g}em")


def style(profile: LayoutProfile) -> dict[str, object]:
    """Every value the CSS uses, from the profile (GB/T 9704's numbers live there), already CSS text."""
    f = profile.fonts
    lookalike_bold = _lookalikes().get(f.title, ("", True))[1]
    return {
        "body_font": font_stack(f.body), "title_font": font_stack(f.title, f.body),
        "title_weight": Markup("bold" if lookalike_bold else "normal"),
        "headings": {n: {"font": font_stack(heading_font(profile, n), f.body),
                         "weight": Markup("bold" if heading_bold(profile, n) else "normal")} for n in range(1, 5)},
        "body_size": _pt(profile.body_size), "title_size": _pt(profile.title_size),
        "mark_size": _pt(profile.mark_max_size), "imprint_size": _pt(profile.imprint_size),
        "line_height": _pt(profile.line_pitch), "indent": _em(profile.body_indent_chars),
        "text_width": _mm(profile.text_width),
        "page_size": Markup(f"{_mm(profile.page_width)} {_mm(profile.page_height)}"),
        "page_margin": Markup(" ".join(_mm(m) for m in (profile.margin_top, profile.margin_right,
                                                        profile.margin_bottom, profile.margin_left))),
        "red": Markup(f"#{profile.red}"), "rule_width": _pt(profile.rule_width),
        "rule_gap": _mm(profile.rule_below_docno),
        "imprint_thick": _mm(profile.imprint_rule_thick), "imprint_thin": _mm(profile.imprint_rule_thin),
        "side": _em(profile.upward_side_chars), "imprint_side": _em(profile.imprint_side_chars),
        "sign_right": _em(profile.unsealed_signature_right_chars),
        "sealed_right": _em(profile.sealed_date_right_chars),
        "attach_left": _em(profile.attachment_indent_chars),
        "stale": Markup(profile.stale_highlight.lower()), "standard": Markup(profile.standard_highlight.lower()),
    }


@cache
def _environment() -> jinja2.Environment:
    """Autoescaped: the report's text (a town's own words) can never become markup."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def render_html(blocks: list[Block], profile: LayoutProfile, standard: bool = False) -> bytes:
    """The page for `blocks` (the ones the .docx is typeset from, so both say the same words), UTF-8.
    `standard` highlights the standard passages, as `build --mark` does in the .docx."""
    title = "".join(b.plain for b in blocks if b.kind == "title")
    page = _environment().get_template(TEMPLATE).render(
        lang=profile.language, title=title, paragraphs=paragraphs(blocks, profile, standard), css=style(profile))
    if _MARKERS.search(page):  # compose unmarks every span; a marker here is reportgen's bug, never published
        raise InternalError("网页中残留了内部标记字符（U+E000–U+E009），没有写出。")
    return page.encode("utf-8")
