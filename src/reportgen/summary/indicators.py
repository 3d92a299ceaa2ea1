"""The county's standard indicators (templates/base/indicators.yaml) and which of a town's facts each one holds.

"The same fact" is yoy.match's rule, not a second one: each indicator stands in as a fact of an imaginary
other year (one keyed stand-in, one per label synonym), so a town's fact lands in a column exactly when
`build --previous` would compare it with that indicator.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import yaml

from reportgen import facts, resources, yoy
from reportgen.compose import check_region, read_text, template_roots
from reportgen.errors import TemplateError

FILE = "indicators.yaml"
_AREA_ITEM = re.compile(r"^\s*([a-z_]+)\s+([^（(]+)")
_FIELDS = {"key", "area", "kind", "unit", "label", "synonyms", "chart"}


class Indicator(msgspec.Struct, frozen=True):
    """One column of the county's workbook: a standard number every town may state."""

    key: str
    area: str
    kind: str  # one of facts.KINDS
    unit: str  # the column's unit; a town's 万元 is converted to it when the measure is the same
    label: str
    synonyms: tuple[str, ...] = ()
    chart: bool = False  # drawn as a bar chart across towns

    def stand_ins(self) -> list[yoy.LocatedFact]:
        """The indicator as facts of another year for yoy.match: one keyed (its label empty, so only the key can
        pair it), one per distinct synonym (no key, so only the label can)."""
        out = [yoy.LocatedFact(("indicator", self.key), "", self.key, self.kind, "0", self.unit)]
        seen: set[str] = set()
        for i, synonym in enumerate(self.synonyms):
            norm = yoy.normalise_label(synonym)
            if norm and norm not in seen:
                seen.add(norm)
                out.append(yoy.LocatedFact(("indicator", self.key, i), synonym, "", self.kind, "0", self.unit))
        return out


class Declaration(msgspec.Struct, frozen=True):
    """The indicators, in column order, and the workbook's wording; `source` names the file for messages."""

    indicators: tuple[Indicator, ...]
    labels: dict[str, str]
    source: Path
    by_key: dict[str, Indicator] = msgspec.field(default_factory=dict)

    def label(self, name: str, **values: Any) -> str:
        return self.labels[name].format(**values) if values else self.labels[name]

    def header(self, indicator: Indicator) -> str:
        """「调解纠纷（件）」: the label with its unit."""
        return self.label("column", label=indicator.label, unit=indicator.unit)

    @property
    def areas(self) -> list[str]:
        """The areas that have indicators, in the order they first appear."""
        return list(dict.fromkeys(i.area for i in self.indicators))

    @property
    def charted(self) -> list[Indicator]:
        return [i for i in self.indicators if i.chart]


@cache
def area_names() -> dict[str, str]:
    """area → its Chinese name, read from the schema's own `area` description ("disputes 矛盾纠纷化解；…"), the
    one place the names are declared."""
    area = resources.schema()["$defs"]["area"]
    text = area["description"].split("：", 1)[-1]
    names = {m[1]: m[2].strip() for item in text.split("；") if (m := _AREA_ITEM.match(item))}
    return {a: names.get(a, a) for a in area["enum"]}


def _problem(path: Path, message: str, line: int | None = None) -> TemplateError:
    return TemplateError(f"{message}\n    提示：改正 {FILE} 中的这一项后再运行 reportgen summary。", str(path), line)


def _indicator(raw: Any, path: Path, n: int) -> Indicator:
    where = f"indicators 第 {n + 1} 项"
    if not isinstance(raw, dict):
        raise _problem(path, f"{where}应是 {{key: …, area: …, kind: …, unit: …, label: …}} 的映射。")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise _problem(path, f"{where}有未知的键：{'、'.join(sorted(unknown))}（可用：{'、'.join(sorted(_FIELDS))}）。")
    key, area, kind, unit = raw.get("key"), raw.get("area"), raw.get("kind"), raw.get("unit")
    if not isinstance(key, str) or not re.fullmatch(facts.KEY_PATTERN, key):
        raise _problem(path, f"{where}的 key “{key}” 不合格式：小写字母、数字、下划线，用点分级，如 disputes.mediated。")
    if area not in area_names():
        raise _problem(path, f"{where}（{key}）的 area “{area}” 不是工作领域之一：{'、'.join(area_names())}。")
    if kind not in facts.BY_NAME:
        raise _problem(path, f"{where}（{key}）的 kind “{kind}” 应是 {'、'.join(facts.BY_NAME)} 之一。")
    spec = facts.BY_NAME[kind]
    allowed = [spec.printed_unit] if spec.printed_unit else list(spec.units)
    fits = unit in allowed if allowed else isinstance(unit, str) and re.fullmatch(facts.UNIT_PATTERN, unit)
    if not fits:
        want = "、".join(allowed) if allowed else "1–3 个汉字的量词"
        raise _problem(path, f"{where}（{key}）的 unit “{unit}” 不能用于 {kind}：应是 {want}。")
    label, synonyms = raw.get("label"), raw.get("synonyms", [])
    if not isinstance(label, str) or not label.strip():
        raise _problem(path, f"{where}（{key}）缺少 label（列标题）。")
    if not isinstance(synonyms, list) or not all(isinstance(s, str) and s.strip() for s in synonyms):
        raise _problem(path, f"{where}（{key}）的 synonyms 应是说明文字的列表。")
    return Indicator(key, area, kind, unit, label.strip(), tuple(s.strip() for s in synonyms), raw.get("chart") is True)


def _check_unique(indicators: list[Indicator], path: Path) -> None:
    """Two indicators with one key, or one synonym (same measure) under two indicators, could never be filled:
    yoy.match leaves a fact with two partners unpaired."""
    twice = [k for k, n in Counter(i.key for i in indicators).items() if n > 1]
    if twice:
        raise _problem(path, f"key 重复：{'、'.join(twice)}。每个指标的 key 只能出现一次。")
    owners: dict[tuple[str, str, str], str] = {}
    for ind in indicators:
        for stand_in in ind.stand_ins()[1:]:
            sig = (yoy.normalise_label(stand_in.label), ind.kind, yoy.base_unit(ind.unit))
            if owners.setdefault(sig, ind.key) != ind.key:
                raise _problem(path, f"说明“{stand_in.label}”同时是 {owners[sig]} 和 {ind.key} 的同义说明，"
                                     "两个指标都无法对上它：只留在其中一个指标下。")


def _labels_of(data: dict[str, Any], path: Path) -> dict[str, str]:
    labels = data.get("labels")
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise _problem(path, "缺少 labels（表格用语）映射，或其中有不是文字的值。")
    base = resources.templates_dir() / "base" / FILE
    if path.resolve() != base.resolve():  # a region's file may leave wording out: the shipped words fill in
        labels = {**_read(base)[1], **labels}
    return dict(labels)


def _read(path: Path) -> tuple[list[Indicator], dict[str, str]]:
    try:
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise _problem(path, f"文件无法读取（{err}）。", mark.line + 1 if mark is not None else None) from err
    if not isinstance(data, dict) or not isinstance(data.get("indicators"), list):
        raise _problem(path, "最外层应有 indicators: 指标列表。")
    indicators = [_indicator(raw, path, n) for n, raw in enumerate(data["indicators"])]
    _check_unique(indicators, path)
    return indicators, _labels_of(data, path)


def find(region: str | None, workdir: Path | None = None) -> Path:
    """The indicators file for `region`: the region's own (a working folder's first), else base's."""
    roots = template_roots(workdir)
    folders = ([root / check_region(region, roots) for root in roots] if region else []) + [root / "base" for root in roots]
    return next(folder / FILE for folder in folders if (folder / FILE).is_file())


@cache
def _declaration(path: Path, mtime: float) -> Declaration:
    indicators, labels = _read(path)
    return Declaration(tuple(indicators), labels, path, {i.key: i for i in indicators})


def declaration(region: str | None = None, workdir: Path | None = None) -> Declaration:
    path = find(region, workdir)
    return _declaration(path, path.stat().st_mtime)


# ---- a town's facts in the indicators' columns -----------------------------------------------------------

class Placed(msgspec.Struct, frozen=True):
    """A town's number in an indicator's column, in the column's unit."""

    indicator: Indicator
    fact: yoy.LocatedFact
    value: Decimal

    @property
    def decimals(self) -> int:
        """Digits after the point as the clerk typed them (546.50 keeps two), or as the conversion gives."""
        return decimals_of(self.value)


def decimals_of(value: Decimal) -> int:
    """Digits after the point as written: Decimal('546.50') → 2, Decimal('51000') → 0."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


class Unplaced(msgspec.Struct, frozen=True):
    """A fact no indicator holds, and why: the county sees every number a town stated."""

    fact: yoy.LocatedFact
    reason: str


def _convert(fact: yoy.LocatedFact, indicator: Indicator) -> Decimal:
    """The fact in the indicator's unit: 5.1万人 in a 人 column is 51000; 546.50 万元 stays 546.50."""
    if fact.unit == indicator.unit:
        return Decimal(fact.value)
    value = fact.amount / yoy.unit_scale(indicator.unit)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _why(fact: yoy.LocatedFact, decl: Declaration, index: dict[str, Indicator], keyed: set[str]) -> str:
    """Why `fact` landed in no column: a key or label that names an indicator of another measure, two facts
    for one indicator, or no indicator at all."""
    named = decl.by_key.get(fact.key) if fact.key else index.get(yoy.normalise_label(fact.label))
    if fact.key and named is None:
        return decl.label("unknown_key", key=fact.key)
    if named is None:
        return decl.label("no_indicator")
    if named.kind != fact.kind:
        return decl.label("kind_differs", label=named.label, expected=facts.BY_NAME[named.kind].description.split("，")[0])
    if yoy.base_unit(named.unit) != yoy.base_unit(fact.unit):
        return decl.label("unit_differs", unit=fact.unit, label=named.label, expected=named.unit)
    if named.key in keyed and not fact.key:
        return decl.label("keyed_first", label=named.label, key=named.key)
    return decl.label("duplicate", label=named.label, key=named.key)


def place(located: list[yoy.LocatedFact], decl: Declaration) -> tuple[dict[str, Placed], list[Unplaced]]:
    """Each indicator's number for one town (by key), and every other fact with the reason it is not counted.
    Facts under plans are next year's targets, never this year's numbers."""
    current = [f for f in located if f.path[:1] != ("plans",)]
    owner: dict[int, Indicator] = {}
    partners: list[yoy.LocatedFact] = []
    for ind in decl.indicators:
        for stand_in in ind.stand_ins():
            owner[id(stand_in)] = ind
            partners.append(stand_in)
    found: dict[str, list[tuple[yoy.LocatedFact, bool]]] = {}
    for fact, partner in yoy.match(current, partners):
        found.setdefault(owner[id(partner)].key, []).append((fact, bool(partner.key)))
    placed: dict[str, Placed] = {}
    for key, pairs in found.items():
        by_key = [f for f, keyed in pairs if keyed]
        chosen = by_key or [f for f, _ in pairs]
        if len(chosen) == 1:
            ind = decl.by_key[key]
            placed[key] = Placed(ind, chosen[0], _convert(chosen[0], ind))
    used = {id(p.fact) for p in placed.values()}
    index = {yoy.normalise_label(s): ind for ind in decl.indicators for s in ind.synonyms}
    keyed = {k for k, p in placed.items() if p.fact.key == k}
    unplaced = [Unplaced(f, decl.label("plans_part") if f.path[:1] == ("plans",) else _why(f, decl, index, keyed))
                for f in located if id(f) not in used]
    return placed, unplaced
