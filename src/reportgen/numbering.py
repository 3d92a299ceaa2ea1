"""Chinese numerals and 公文 heading numbers (一、 （一） 1. （1）), computed, never typed in templates."""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (enough for any report's counting)."""
    if n < 0:
        raise ValueError(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _DIGITS[rest] if rest < 10 else (cn_numeral(rest) if rest >= 20 else "一" + cn_numeral(rest)))
        return _DIGITS[n // 100] + "百" + tail
    raise ValueError(f"{n} is beyond what a report numbers")


# GB/T 9704-2012 §7.3.3: the four heading levels' numbers.
_FORMATS = {
    1: lambda n: f"{cn_numeral(n)}、",
    2: lambda n: f"（{cn_numeral(n)}）",
    3: lambda n: f"{n}.",
    4: lambda n: f"（{n}）",
}


def heading_number(level: int, n: int) -> str:
    return _FORMATS[level](n)


class Counter:
    """Consecutive numbers per level; a heading resets every deeper level."""

    def __init__(self) -> None:
        self._counts = [0, 0, 0, 0, 0]

    def next(self, level: int) -> str:
        self._counts[level] += 1
        for deeper in range(level + 1, len(self._counts)):
            self._counts[deeper] = 0
        return heading_number(level, self._counts[level])
