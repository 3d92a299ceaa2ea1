"""Where the body ends: a line model of the pages as written, so the 版记 shares the last page when it is even
and has room, instead of always opening a new even page (GB/T 9704-2012 7.4: 版记 on the last page, an even one).

Every paragraph reportgen writes has an exact line height and every line a known width (28 characters of the
grid), so counting lines is enough: characters advance by their size plus the run's spacing, digits and
Latin by half; a digit run never splits; closing punctuation stays with the character before it and opening
punctuation with what follows (LibreOffice moves 「决，」 down together rather than hang the comma, whatever
overflowPunct says: Word, which hangs it, then needs no more lines than counted); a heading keeps with the next
line. LibreOffice also puts about a fifth
of a character between Chinese and digits (it ignores w:autoSpaceDN); counted, so the model errs towards
longer text. The caller keeps a margin of a line for what the model cannot know.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import msgspec

from reportgen.typeset.oxml import Measures, Para, Table

CLOSING = frozenset("，。、；：！？）》」』”’】〕…—%,.;:!?)")  # never starts a line
OPENING = frozenset("（《「『“‘【〔(")  # never ends a line: goes down with what follows
AUTOSPACE = 0.2  # LibreOffice's gap between Chinese and digits/Latin, in characters of the run's size


def _full(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "FWA"


def _units(text: str) -> Iterator[str]:
    """Unbreakable pieces: a character, or a run of digits and Latin letters; opening punctuation joined to what
    follows, closing punctuation to what precedes (a line break never falls between them)."""
    pieces: list[str] = []
    i = 0
    while i < len(text):
        j = i + 1
        if text[i].isascii() and text[i].isalnum():
            while j < len(text) and text[j].isascii() and (text[j].isalnum() or text[j] in ".%"):
                j += 1
        pieces.append(text[i:j])
        i = j
    out: list[str] = []
    pending = ""
    for piece in pieces:
        if piece in OPENING:
            pending += piece
        elif piece in CLOSING and out and not pending:
            out[-1] += piece
        else:
            out.append(pending + piece)
            pending = ""
    if pending:
        out.append(pending)
    yield from out


def _width(piece: str, m: Measures, previous: str) -> int:
    """A piece's width in twips, given the character before it."""
    size = m.size * 10  # half-points → twips (every paragraph has a size: docDefaults set one)
    spacing = m.spacing or 0
    total = 0
    for k, ch in enumerate(piece):
        total += (size if _full(ch) else size // 2) + spacing
        before = piece[k - 1] if k else previous
        if before and (_full(before) != _full(ch)) and (ch.isalnum() or before.isalnum()) \
                and ch not in CLOSING and before not in OPENING:
            total += round(size * AUTOSPACE)
    return total


def lines(para: Para, text_width: int) -> int:
    """How many lines the paragraph takes in a column `text_width` twips wide."""
    m = para.m
    if not para.text:
        return 1
    avail = text_width - (m.left or 0) - (m.right or 0)
    cap = avail - (m.first_line or 0)
    count, used, previous = 1, 0, ""
    for piece in _units(para.text):
        wide = _width(piece, m, previous)
        if used and used + wide > cap:
            count, used, cap = count + 1, 0, avail
            wide = _width(piece, m, "")
        used += wide
        previous = piece[-1]
    return count


class Flow(msgspec.Struct):
    """Pages filled so far: the page number (1-based) and the height used on it, in twips."""

    height: int  # the 版心's
    width: int
    page: int = 1
    used: int = 0

    def block(self, height: int) -> None:
        """Something that cannot split (a table row, a spacer)."""
        if self.used and self.used + height > self.height:
            self.page, self.used = self.page + 1, 0
        self.used += height

    def paragraph(self, para: Para, keep_with: int = 0) -> None:
        m = para.m
        pitch = m.line  # exact, from docDefaults if nothing nearer sets it
        n = lines(para, self.width)
        whole = (m.before or 0) + n * pitch + (m.rule_below or 0) + (m.after or 0) + keep_with
        if m.keep_next and self.used and self.used + whole > self.height:
            self.page, self.used = self.page + 1, 0
        if m.before and (self.used or self.page == 1):  # space before is dropped at the top of a later page
            self.block(m.before)
        for _ in range(n):
            self.block(pitch)
        if m.rule_below:
            self.block(m.rule_below)
        self.used = min(self.height, self.used + (m.after or 0))

    def table(self, table: Table) -> None:
        if table.floating:
            return
        for exact, cells in table.rows:
            heights = [sum(lines(p, width) * p.m.line + (p.m.before or 0) + (p.m.after or 0) for p in paras)
                       for width, paras in cells]
            self.block(exact if exact is not None else max(heights, default=0))


def end_of(items: list[Para | Table], height: int, width: int) -> Flow:
    """Where the last item ends."""
    flow = Flow(height, width)
    for i, item in enumerate(items):
        if isinstance(item, Table):
            flow.table(item)
            continue
        following = items[i + 1] if i + 1 < len(items) else None
        keep = following.m.line if isinstance(following, Para) and item.m.keep_next else 0
        flow.paragraph(item, keep)
    return flow
