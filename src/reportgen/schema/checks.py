"""Checks no JSON Schema can express: rates against their counts, real calendar dates, XML-safe text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from reportgen.errors import Problem
from reportgen.load import Loaded, PathKey

# Characters XML 1.0 cannot hold (tab and newline are fine); Word pastes sometimes carry them.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


def _strings(value: Any, path: PathKey) -> Iterator[tuple[PathKey, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            if isinstance(key, str):
                yield (*path, key), key
            yield from _strings(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _strings(child, (*path, i))


def _facts(value: Any, path: PathKey) -> Iterator[tuple[PathKey, dict[str, Any]]]:
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "facts" and isinstance(child, list):
                for i, fact in enumerate(child):
                    yield (*path, key, i), fact
            else:
                yield from _facts(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _facts(child, (*path, i))


def rate_matches(rate: float, part: int, whole: int) -> tuple[bool, Decimal]:
    """Whether `rate` is part/whole as a percentage, rounded or truncated to the rate's own decimals."""
    given = Decimal(str(rate))
    exact = Decimal(part) * 100 / Decimal(whole)
    quantum = Decimal(1).scaleb(given.as_tuple().exponent) if given.as_tuple().exponent < 0 else Decimal(1)
    rounded = exact.quantize(quantum, ROUND_HALF_UP)
    return given in (rounded, exact.quantize(quantum, ROUND_DOWN)), rounded


def semantic_problems(loaded: Loaded) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) for a schema-valid input."""
    data, src = loaded.data, loaded.source
    errors: list[Problem] = []
    warnings: list[Problem] = []
    # A character XML cannot hold is either in the file as it is or written as a YAML escape (\x01, \u0001):
    # with neither, no value can hold one, and the walk over every string is skipped.
    maybe_bad = not loaded.text or "\\" in loaded.text or _BAD_CHARS.search(loaded.text)
    for path, text in _strings(data, ()) if maybe_bad else ():
        match = _BAD_CHARS.search(text)
        if match:
            errors.append(src.problem(path, f"含有不可见的控制字符（U+{ord(match.group()):04X}，第 {match.start() + 1} 个字符处），"
                                            "无法写入 Word 文档。",
                                      "这通常是从网页或 Word 复制时带入的，请删除后重新输入这段文字。"))
    for path, fact in _facts(data, ()):
        if not isinstance(fact, dict):
            continue
        of = fact.get("of")
        if "rate" in fact and isinstance(of, list) and len(of) == 2:
            part, whole = of
            if isinstance(part, int) and isinstance(whole, int) and whole > 0:
                if part > whole:
                    errors.append(src.problem((*path, "of"), f"部分数 {part} 大于总数 {whole}。",
                                              "of 的写法是 [部分数, 总数]，如办结 63 件、共 65 件写 [63, 65]。"))
                else:
                    ok, expected = rate_matches(fact["rate"], part, whole)
                    if not ok:
                        errors.append(src.problem(
                            (*path, "rate"), f"比率 {fact['rate']}% 与计算依据不符：{part} ÷ {whole} = {expected}%。",
                            f"核对 rate 或 of 中的数字；若 {expected}% 正确，把 rate 改为 {expected}。"))
    signature = data.get("signature")
    if isinstance(signature, dict) and isinstance(signature.get("date"), str):
        m = _DATE.match(signature["date"])
        if m:
            year, month, day = map(int, m.groups())
            try:
                dt.date(year, month, day)
            except ValueError:
                errors.append(src.problem(("signature", "date"), f"{signature['date']} 不是日历上存在的日期。",
                                          "核对月份的天数（如 2 月、小月没有 31 日）。"))
            else:
                if isinstance(data.get("year"), int) and year < data["year"]:
                    errors.append(src.problem(("signature", "date"), f"成文日期 {signature['date']} 早于报告年度 {data['year']} 年。",
                                              "成文日期应在报告年度之内或之后。"))
    return errors, warnings
