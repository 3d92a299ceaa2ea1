"""Break a long title into balanced lines (≤ N characters), never inside 《》, “”, （）, a number or a word."""

from __future__ import annotations

import itertools
import unicodedata
from collections import deque
from collections.abc import Iterable

# Words that commonly make up a report title; a break never falls inside one. Names from the input
# (issuer, county, town) are added per report. This is segmentation data, not report wording.
LEXICON = ("人民政府", "人民代表大会", "委员会", "办公室", "法治政府建设", "法治政府", "法治建设", "依法行政",
           "年度", "情况", "工作", "报告", "关于")
_PAIRS = {"《": "》", "“": "”", "（": "）", "(": ")", "‘": "’", "〔": "〕"}


def _half_widths(text: str) -> list[int]:
    """Each character's width in half characters: 2 for a full-width character, 1 for a digit or Latin letter."""
    return [2 if unicodedata.east_asian_width(ch) in "FWA" else 1 for ch in text]


def width(text: str) -> float:
    """Display width in full-width characters: digits and Latin count half."""
    return sum(_half_widths(text)) / 2


def _blocked(text: str, words: Iterable[str]) -> set[int]:
    """Positions i (a break before text[i]) that would split a bracket pair, a number or a word."""
    inside = [0] * (len(text) + 2)  # +1 where a protected span opens, -1 after it closes (a difference array)
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in _PAIRS:
            stack.append((_PAIRS[ch], i))
        elif stack and ch == stack[-1][0]:
            _, start = stack.pop()
            inside[start + 1] += 1
            inside[i + 1] -= 1
    for word in words:
        if len(word) < 2:
            continue
        start = text.find(word)
        while start != -1:
            inside[start + 1] += 1
            inside[start + len(word)] -= 1
            start = text.find(word, start + 1)
    blocked = set(itertools.compress(range(len(text) + 2), itertools.accumulate(inside)))
    for i in range(1, len(text)):
        a, b = text[i - 1], text[i]
        if a.isascii() and a.isalnum() and b.isascii() and b.isalnum():
            blocked.add(i)
        if a.isdigit() and b in "年月日号":  # 2023年 stays together
            blocked.add(i)
        if b in "，。、；：！？）》”的":  # never start a line with closing punctuation or 的
            blocked.add(i)
    return blocked


def _fewest_lines(cum: list[int], low: int, high: int) -> list[float]:
    """For each break point, the fewest lines, each `low`…`high` half-characters wide, that reach it from the start
    (inf where none do). `cum`: the break points' offsets in half-characters, ascending, start and end included.
    The lines that may end at a point start in a window of earlier points that only moves forward, so a sliding
    minimum over that window gives every answer in linear time."""
    best = [0.0] + [float("inf")] * (len(cum) - 1)
    window: deque[int] = deque()  # points that may start a line, their `best` increasing from the left
    entering = 0
    for at in range(1, len(cum)):
        while entering < at and cum[at] - cum[entering] >= low:
            while window and best[window[-1]] >= best[entering]:
                window.pop()
            window.append(entering)
            entering += 1
        while window and cum[at] - cum[window[0]] > high:
            window.popleft()
        if window:
            best[at] = best[window[0]] + 1
    return best


def _trace(cum: list[int], low: int, high: int, lines: int) -> list[int] | None:
    """The break points of a split into exactly `lines` lines of `low`…`high`: the last line as wide as can be,
    then the earliest breaks (the order in which the former exhaustive search met them); None if there is none."""
    end = len(cum) - 1
    forward = _fewest_lines(cum, low, high)
    if forward[end] != lines:
        return None
    last = next(p for p in range(end) if forward[p] == lines - 1 and low <= cum[end] - cum[p] <= high)
    mirrored = _fewest_lines([cum[last] - c for c in reversed(cum[:last + 1])], low, high)
    backward = mirrored[::-1]  # the fewest lines from each point to `last`
    points, at = [0], 0
    for left in range(lines - 2, -1, -1):  # the next break: earliest that still leaves `left` lines to `last`
        at = next(q for q in range(at + 1, last + 1) if low <= cum[q] - cum[at] <= high and backward[q] == left)
        points.append(at)
    return points[1:]


def _evenest(text: str, points: list[int], cum: list[int], lines: int, limit: int) -> list[str]:
    """The band search's answer found by trying every split into `lines` lines: least spread, then the widest last
    line, then the earliest breaks (the same order, so the same lines)."""
    best: tuple[int, int, tuple[int, ...]] | None = None
    for inner in itertools.combinations(range(1, len(cum) - 1), lines - 1):
        bounds = (0, *inner, len(cum) - 1)
        widths = [cum[b] - cum[a] for a, b in itertools.pairwise(bounds)]
        if max(widths) > limit:
            continue
        key = (max(widths) - min(widths), -widths[-1], tuple(points[i] for i in inner))
        if best is None or key < best:
            best = key
    assert best is not None
    cut = [0, *best[2], len(text)]
    return [text[a:b] for a, b in itertools.pairwise(cut)]


def balance(text: str, max_chars: int = 20, names: Iterable[str] = ()) -> list[str]:
    """The most even split into the fewest lines that fit; trapezoid (short over long) on a tie.

    Line widths are whole half-characters, so rather than trying every combination of breaks (some n⁴ of them
    for five lines: 38 s for an 80-character title), each band of widths [low, high] is tested for a split into
    the fewest lines, in linear time; the narrowest band that has one is the most even split. Same result as the
    exhaustive search, in O(n · max_chars)."""
    half = _half_widths(text)
    limit = 2 * max_chars
    if sum(half) <= limit:
        return [text]
    blocked = _blocked(text, [*LEXICON, *names])
    cuts = [i for i in range(1, len(text)) if i not in blocked]
    offsets = [0, *itertools.accumulate(half)]
    points = [0, *cuts, len(text)]
    cum = [offsets[p] for p in points]
    fewest = _fewest_lines(cum, 0, limit)[-1]
    if fewest == float("inf"):  # no clean break fits (a single word longer than a line): plain chunks
        return [text[i:i + max_chars] for i in range(0, len(text), max_chars)]
    lines = int(fewest)
    if lines <= 3:  # a title's usual two or three lines: every split tried, at most a few hundred
        return _evenest(text, points, cum, lines, limit)
    # The narrowest band: for each lower bound, the least upper bound that fits. A band holds the lines' mean
    # width, so only lows up to it and highs from it need trying (the same bands, a third of the work).
    total = cum[-1]
    high = -(-total // lines)
    bands: list[tuple[int, int]] = []
    for low in range(total // lines + 1):
        high = max(high, low)
        while high <= limit and _fewest_lines(cum, low, high)[-1] != lines:
            high += 1  # a higher `low` never allows a lower `high`: both only move up
        if high > limit:
            break
        bands.append((low, high))
    spread = min(h - lo for lo, h in bands)
    best: tuple[int, list[int]] | None = None
    for low, _ in bands:  # every band of the least spread: widest last line first, then the earliest breaks
        found = _trace(cum, low, low + spread, lines)
        if found is None:
            continue
        key = (-(cum[-1] - cum[found[-1]]), [points[i] for i in found])
        if best is None or key < best:
            best = key
    assert best is not None
    bounds = [0, *best[1], len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]
