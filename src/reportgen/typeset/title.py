"""Break a long title into balanced lines (≤ N characters), never inside 《》, “”, （）, a number or a word."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable

# Words that commonly make up a report title; a break never falls inside one. Names from the input
# (issuer, county, town) are added per report. This is segmentation data, not report wording.
LEXICON = ("人民政府", "人民代表大会", "委员会", "办公室", "法治政府建设", "法治政府", "法治建设", "依法行政",
           "年度", "情况", "工作", "报告", "关于")
_PAIRS = {"《": "》", "“": "”", "（": "）", "(": ")", "‘": "’", "〔": "〕"}


def width(text: str) -> float:
    """Display width in full-width characters: digits and Latin count half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "FWA" else 0.5 for ch in text)


def _blocked(text: str, words: Iterable[str]) -> set[int]:
    """Positions i (a break before text[i]) that would split a bracket pair, a number or a word."""
    blocked: set[int] = set()
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in _PAIRS:
            stack.append((_PAIRS[ch], i))
        elif stack and ch == stack[-1][0]:
            _, start = stack.pop()
            blocked.update(range(start + 1, i + 1))
    for i in range(1, len(text)):
        a, b = text[i - 1], text[i]
        if a.isascii() and a.isalnum() and b.isascii() and b.isalnum():
            blocked.add(i)
        if a.isdigit() and b in "年月日号":  # 2023年 stays together
            blocked.add(i)
        if b in "，。、；：！？）》”的":  # never start a line with closing punctuation or 的
            blocked.add(i)
    for word in words:
        if len(word) < 2:
            continue
        start = text.find(word)
        while start != -1:
            blocked.update(range(start + 1, start + len(word)))
            start = text.find(word, start + 1)
    return blocked


def balance(text: str, max_chars: int = 20, names: Iterable[str] = ()) -> list[str]:
    """The most even split into the fewest lines that fit; trapezoid (short over long) on a tie."""
    if width(text) <= max_chars:
        return [text]
    blocked = _blocked(text, [*LEXICON, *names])
    cuts = [i for i in range(1, len(text)) if i not in blocked]
    for n_lines in range(2, 6):
        best: tuple[tuple[float, float], list[str]] | None = None
        for combo in itertools.combinations(cuts, n_lines - 1):
            bounds = (0, *combo, len(text))
            lines = [text[a:b] for a, b in itertools.pairwise(bounds)]
            widths = [width(line) for line in lines]
            if max(widths) > max_chars:
                continue
            score = (max(widths) - min(widths), -widths[-1])
            if best is None or score < best[0]:
                best = (score, lines)
        if best is not None:
            return best[1]
    # No clean break fits (a single word longer than a line): fall back to plain chunks.
    return [text[i:i + max_chars] for i in range(0, len(text), max_chars)]
