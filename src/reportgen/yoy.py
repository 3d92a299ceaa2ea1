"""Year over year: every fact of a file with its place, the one rule for "the same fact" in two years, and
last year's file found from `previous:`.

Both `build` (同比 wording, derive.py) and `lint` (facts that lost their partner) use `match`, so the two never
disagree about which numbers are comparable.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from reportgen import facts
from reportgen.errors import InputError, Problem, UsageError
from reportgen.load import Loaded, PathKey, format_path, load
from reportgen.schema.checks import _facts, _in_text, _strings


class LocatedFact(msgspec.Struct, frozen=True):
    """One number of a loaded file and where it is: `path` is its YAML path, for SourceMap.locate; an inline
    fact's path is that of its text, and `start` its offset in that text (None for a structured fact)."""

    path: PathKey
    label: str
    key: str
    kind: str  # one of facts.KINDS
    value: str  # as printed: 218, 96.79, 385.6
    unit: str  # 件, %, 万元 …
    approx: str = ""  # "", 余, 以上, 约, 近, 超过
    stale: bool = False  # last year's number, not yet updated (【待更新218件】, stale: true)
    start: int | None = None

    @property
    def inline(self) -> bool:
        return self.start is not None

    @property
    def where(self) -> str:
        """measures.topics[3].facts[0], for messages."""
        return format_path(self.path)

    @property
    def amount(self) -> Decimal:
        """The value in the unit's base (5.1万人 → 51000 人), so 人 and 万人 compare."""
        return Decimal(self.value) * unit_scale(self.unit)


_SCALES = {"万": Decimal(10) ** 4, "亿": Decimal(10) ** 8}


def unit_scale(unit: str) -> Decimal:
    """万人 → 10000, 亿元 → 100000000, 件 → 1."""
    return _SCALES[unit[0]] if len(unit) > 1 and unit[0] in _SCALES else Decimal(1)


def base_unit(unit: str) -> str:
    """万人 → 人, 万元 → 元, 件 → 件: the units of one measure, whatever their scale."""
    return unit[1:] if unit_scale(unit) != 1 else unit


def located_facts(data: dict[str, Any]) -> list[LocatedFact]:
    """Every fact of a loaded file, structured (`facts:` lists anywhere) and inline (【…】 in paragraph text),
    in the order the file gives them. Tolerates an invalid file: what is not a fact is skipped."""
    order = {path: i for i, (path, _) in enumerate(_strings(data, ()))}
    found: list[tuple[tuple[int, int], LocatedFact]] = []
    for path, raw in _facts(data, ()):
        if not isinstance(raw, dict) or not isinstance(raw.get("label"), str):
            continue
        kinds = [k for k in facts.KINDS if k.field in raw]
        if len(kinds) != 1 or isinstance(raw[kinds[0].field], bool) or not isinstance(raw[kinds[0].field], (int, float)):
            continue
        kind = kinds[0]
        unit = kind.printed_unit or raw.get("unit")
        if not isinstance(unit, str):
            continue
        approx = raw.get("approx", "")
        found.append(((order.get((*path, "label"), -1), -1), LocatedFact(
            path, raw["label"].strip(), str(raw.get("key", "")), kind.name, facts.number(raw[kind.field]), unit,
            approx if isinstance(approx, str) else "", raw.get("stale") is True)))
    for path, text in _strings(data, ()):
        if not _in_text(path) or "【" not in text:  # (_strings yields keys too: no key holds 【)
            continue
        for item in facts.inline_facts(text):
            found.append(((order.get(path, -1), item.start), LocatedFact(
                path, item.label, item.key, item.kind, item.value, item.unit, item.approx, item.stale, item.start)))
    found.sort(key=lambda pair: pair[0])
    return [f for _, f in found]


# ---- the same fact in two years --------------------------------------------------------------------------

_TRAILING = re.compile(r"(共计|合计|累计|共|达到|达|为|约|近|超过|逾)+$")


def normalise_label(label: str) -> str:
    """What a label says, whatever the lead or connective: 全年共排查矛盾纠纷 and 排查矛盾纠纷 are one label."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", label))
    _lead, pre, verb, obj = facts.split_label(text)
    return _TRAILING.sub("", pre + verb + obj)


def _same_measure(a: LocatedFact, b: LocatedFact) -> bool:
    return a.kind == b.kind and base_unit(a.unit) == base_unit(b.unit)


def _pair_groups(current: Iterable[LocatedFact], previous: Iterable[LocatedFact],
                 sig: Any) -> list[tuple[LocatedFact, LocatedFact]]:
    """Facts grouped by `sig` (None: not matchable); a group pairs in file order only when both years hold as many
    of it, so a label repeated in one year and not the other is left unmatched rather than guessed."""
    groups: dict[Any, tuple[list[LocatedFact], list[LocatedFact]]] = {}
    for side, items in ((0, current), (1, previous)):
        for f in items:
            s = sig(f)
            if s is not None:
                groups.setdefault(s, ([], []))[side].append(f)
    pairs = []
    for now, before in groups.values():
        if len(now) != len(before):
            continue
        zipped = list(zip(now, before, strict=True))
        if all(_same_measure(c, p) and not (c.key and p.key and c.key != p.key) for c, p in zipped):
            pairs += zipped
    return pairs


def match(current: list[LocatedFact], previous: list[LocatedFact]) -> list[tuple[LocatedFact, LocatedFact]]:
    """(this year's fact, last year's) for every fact both years state: the same `key`; else, for facts not
    both keyed, the same normalised label, kind and measure (件 and 件, 人 and 万人, 元 and 万元). Stale facts
    are paired too: whether to compare them is the caller's to decide. In the order of `current`."""
    by_key = _pair_groups(current, previous, lambda f: f.key or None)
    done_now = {id(c) for c, _ in by_key}
    done_before = {id(p) for _, p in by_key}
    rest_now = [f for f in current if id(f) not in done_now]
    rest_before = [f for f in previous if id(f) not in done_before]
    by_label = _pair_groups(rest_now, rest_before,
                            lambda f: (normalise_label(f.label), f.kind, base_unit(f.unit)) if normalise_label(f.label) else None)
    position = {id(f): i for i, f in enumerate(current)}
    return sorted(by_key + by_label, key=lambda pair: position[id(pair[0])])


# ---- last year's file ------------------------------------------------------------------------------------

def previous_path(loaded: Loaded) -> Path | None:
    """Where `previous:` points, relative to the file's own folder (None when not given)."""
    raw = loaded.data.get("previous")
    if not isinstance(raw, str) or not raw.strip():
        return None
    return Path(os.path.dirname(loaded.source.file) or ".") / raw.strip()


def load_previous(loaded: Loaded, override: Path | None = None) -> Loaded | None:
    """Last year's file, loaded and validated: `override` (build --previous) or the file's own `previous:`;
    None when neither is given. A missing or invalid file is an error naming both files and where it was named."""
    from reportgen.schema.validate import validate

    here = loaded.source.file
    target = override if override is not None else previous_path(loaded)
    if target is None:
        return None
    line, col = loaded.source.locate(("previous",)) if override is None else (None, None)
    named = f"--previous {override}" if override is not None else f"previous: {loaded.data['previous']}"
    fix = ("改为上一年度 YAML 的正确路径（相对本文件所在的文件夹），或删去 previous 这一行（不写同比）。"
           if override is None else "改为上一年度 YAML 的正确路径，或不加 --previous。")

    def problem(message: str) -> Problem:
        return Problem(here, message, line, col, "previous" if override is None else "", fix)

    if not target.is_file():
        message = f"找不到上一年度的文件 {target}（{named}），无法写出同比。"
        if override is not None and not target.exists():
            raise UsageError(f"{here}：{message}\n    提示：{fix}")
        raise InputError([problem(message)])
    if os.path.realpath(target) == os.path.realpath(here):
        raise InputError([problem(f"{named} 指向本文件自己，应当是上一年度的文件。")])
    try:
        before = load(target)
        validate(before)
    except InputError as err:
        raise InputError([problem(f"上一年度的文件 {target}（{named}）有错误，无法写出同比；错误如下。"),
                          *err.problems]) from err
    year, last = loaded.data.get("year"), before.data.get("year")
    if isinstance(year, int) and isinstance(last, int) and last != year - 1:
        raise InputError([problem(f"上一年度的文件 {target} 是 {last} 年度的报告，本文件是 {year} 年度，"
                                  f"同比应对照 {year - 1} 年度。")])
    return before
