"""The fast text preview: the report's outline, then its text, from blocks or from a .docx; no LibreOffice."""

from __future__ import annotations

import textwrap
from pathlib import Path

from reportgen.blocks import Block


def blocks_from_docx(path: Path) -> list[Block]:
    """Roles back from our named styles (RGHeading1 …), so a hand-edited .docx previews too. A file that is not a
    .docx, or a zip bomb, is refused before python-docx inflates it."""
    import docx

    from reportgen.preview.render import check_docx

    check_docx(path)
    out = []
    for p in docx.Document(str(path)).paragraphs:
        style = p.style.style_id if p.style is not None else ""
        text = p.text
        if not text.strip():
            continue
        if style.startswith(("RGHeading", "RGRunIn")) and style[-1].isdigit():
            out.append(Block("heading", text, int(style[-1])))
        elif style == "RGTitle":
            out.append(Block("title", text))
        else:
            out.append(Block("body", text))
    return out


_NO_LINE_START = "，。、；：？！）》”’」』…—"
_NO_LINE_END = "（《“‘「『〔"
_NUMBER_PART = "0123456789.%"


def _kinsoku(lines: list[str]) -> list[str]:
    """No line of the outline starts with a closing mark (it stays at the end of the line before) or ends with an
    opening one (it moves down), as in print; and no number is broken across lines (its head moves down to its
    tail, as the page sets digits)."""
    out: list[str] = []
    for line in lines:
        moved = len(line) - len(line.lstrip(_NO_LINE_START))
        if out and moved:
            out[-1] += line[:moved]
            line = line[moved:]
        if out and line and out[-1] and line[0] in _NUMBER_PART and out[-1][-1] in _NUMBER_PART:
            head = out[-1].rstrip(_NUMBER_PART)
            if head.strip("　"):  # a line that is all number stays as it is
                line, out[-1] = out[-1][len(head):] + line, head
        opening = len(out[-1]) - len(out[-1].rstrip(_NO_LINE_END)) if out else 0
        if opening and out[-1][:-opening].strip("　"):
            line, out[-1] = out[-1][-opening:] + line, out[-1][:-opening]
        if line:
            out.append(line)
    return out


def _shown(b: Block) -> str:
    """b.plain, with a space where the page sets pieces apart: joint issuers, 签发人's names, the 版记's left and
    right halves (the .docx places them by layout, which plain text has not)."""
    if b.kind in ("mark", "signer"):
        return f"{b.text}{'　'.join(b.lines)}{b.runin}"
    if b.kind == "printed" and b.runin:
        return f"{b.text}　{b.runin}"
    return b.plain


def render_text(blocks: list[Block], width: int = 40) -> str:
    """Outline (headings, indented by level), a rule, then every paragraph wrapped at `width` characters."""
    outline = [("  " * (b.level - 1)) + b.heading_text for b in blocks if b.kind == "heading"]
    body = []
    for b in blocks:
        text = _shown(b)
        if b.kind == "title":
            body.append(text)
        elif b.kind == "heading" and not b.runin:
            body.append("")
            body.append(text)
        else:
            body.extend(_kinsoku(textwrap.wrap(text, width, initial_indent="　　")) or [""])
    return "\n".join(["【提纲】", *outline, "", "【正文】", *body]) + "\n"
