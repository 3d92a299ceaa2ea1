"""Fact kinds, declared once, and the inline notation 【218件】 that puts a typed number inside a sentence.

Everything that knows what a fact is reads this module: schema.json's `fact` definition is generated from
KINDS (a test keeps them equal), validation messages name the kinds from it, derive types facts with it,
the test strategies draw from it, and `reportgen init` documents it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any

import msgspec

from reportgen import cachedir, resources

APPROX_BEFORE = ("约", "近", "超过")  # 约8000份
APPROX_BETWEEN = ("余",)  # 30000余份
APPROX_AFTER = ("以上",)  # 95%以上
APPROX = (*APPROX_BEFORE, *APPROX_BETWEEN, *APPROX_AFTER)
KEY_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
# Notation for a number carried over from last year's report and not yet updated (`reportgen next` adds it,
# the clerk removes it with the new figure): 【待更新218件】 inline, `stale: true` on a structured fact.
STALE = "待更新"


class FactKind(msgspec.Struct, frozen=True):
    """One kind of number a report states: which YAML key holds it and which units go with it."""

    name: str
    field: str  # the YAML key holding the number
    json_type: str
    description: str  # Chinese, shown in schema.json, editors and messages
    units: tuple[str, ...] = ()  # the only units allowed; empty: any measure word (1–3 Chinese characters)
    printed_unit: str = ""  # the unit a kind prints by itself (rate: %)
    maximum: int | None = None
    with_of: bool = False  # may carry `of: [part, whole]`, checked against the value

    @property
    def needs_unit(self) -> bool:
        return not self.printed_unit


KINDS: tuple[FactKind, ...] = (
    FactKind("count", "count", "number", "数量（件数、次数、人数等），配量词 unit；用“万”“亿”作单位时可带小数，如 5.1 万人"),
    FactKind("rate", "rate", "number", "百分比数值（0–100，不写 % 号），如 96.92", printed_unit="%", maximum=100,
             with_of=True),
    FactKind("amount", "amount", "number", "金额数值，如 546.54", units=("元", "万元", "亿元")),
)
BY_NAME = {k.name: k for k in KINDS}
UNIT_PATTERN = r"^[\u4e00-\u9fff]{1,3}$"
_SCALE_UNIT = re.compile(r"^[万亿]")  # 5.1万人: a count may be a decimal when its unit carries the scale


def kind_by_unit(unit: str) -> FactKind:
    """The kind an inline fact's unit says: the kind that prints it (%), or that lists it (万元), else a count."""
    for k in KINDS:
        if unit == k.printed_unit or unit in k.units:
            return k
    return BY_NAME["count"]


def kind_of(raw: dict[str, Any]) -> FactKind:
    """The kind of a schema-valid fact: the one whose value key it has."""
    return next(k for k in KINDS if k.field in raw)


def kinds_sentence() -> str:
    """'count（…）、rate（…）、amount（…）' for messages."""
    return "、".join(f"{k.field}（{k.description.split('，')[0]}）" for k in KINDS)


def kinds_hint() -> str:
    """What goes with each kind: its unit and whether it may carry `of`."""
    parts = []
    for k in KINDS:
        unit = f"unit 写 {'/'.join(k.units)}" if k.units else ("unit 写量词" if k.needs_unit else "不写 unit")
        parts.append(f"{k.field}：{unit}" + ("，可加 of: [部分数, 总数]" if k.with_of else ""))
    return "；".join(parts) + "。"


def schema_def() -> dict[str, Any]:
    """schema.json's `$defs.fact`, generated from KINDS."""
    props: dict[str, Any] = {
        "label": {"description": "数字前面的说明，写成以动词开头、能直接接数字的短语，如 化解矛盾纠纷、调解成功率",
                  "type": "string", "minLength": 1, "maxLength": 80, "pattern": "^[^\\n\\r]+$"},
        "key": {"description": "事实的标识（可选），用于逐年对比和全县汇总，如 disputes.mediated（小写字母、数字、下划线，用点分级）；"
                               "reportgen summary 按标识把各镇的同一指标排在一列，标准指标的标识见 templates/base/indicators.yaml",
                "type": "string", "pattern": KEY_PATTERN},
    }
    for k in KINDS:
        spec: dict[str, Any] = {"description": k.description, "type": k.json_type, "minimum": 0}
        if k.maximum is not None:
            spec["maximum"] = k.maximum
        props[k.field] = spec
    props["unit"] = {"description": "量词或单位：count 用 次、件、名、场、份、万人 等；amount 用 元、万元、亿元",
                     "type": "string", "pattern": UNIT_PATTERN}
    props["stale"] = {"description": "上年的数字，尚未更新（reportgen next 加上；填入今年的数字后删去这一行）",
                      "type": "boolean"}
    props["approx"] = {"description": "约数写法：余（30000余份）、以上（95%以上）、约（约8000份）、近、超过",
                       "type": "string", "enum": list(APPROX)}
    props["of"] = {"description": "比率的计算依据 [部分数, 总数]，如办结 63 件、共 65 件写 [63, 65]；程序据此核对比率",
                   "type": "array", "prefixItems": [{"type": "integer", "minimum": 0}, {"type": "integer", "minimum": 1}],
                   "minItems": 2, "maxItems": 2}
    branches = []
    for k in KINDS:
        others = [o.field for o in KINDS if o is not k]
        if not k.with_of:
            others.append("of")
        if not k.needs_unit:
            others.append("unit")
        branch: dict[str, Any] = {"required": [k.field, "unit"] if k.needs_unit else [k.field],
                                  "not": {"anyOf": [{"required": [o]} for o in others]}}
        if k.units:
            branch["properties"] = {"unit": {"enum": list(k.units)}}
        branches.append(branch)
    return {
        "description": f"一个数字事实：{kinds_sentence()}，选一种",
        "type": "object", "additionalProperties": False, "required": ["label"],
        "properties": props, "oneOf": branches,
    }


# ---- the lexicon: words, not sentences (templates/base/lexicon.yaml) ------------------------------------

@cache
def lexicon() -> dict[str, Any]:
    path = resources.templates_dir() / "base" / "lexicon.yaml"
    return cachedir.yaml_data(path.read_text(encoding="utf-8"), str(path))


@cache
def _label_words() -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """The lead words longest first, and the verbs by their first character, longest first (a table, not one
    alternation: compiling a pattern of ~300 verbs took 3 ms of every start)."""
    lex = lexicon()
    verbs: dict[str, list[str]] = {}
    for verb in sorted(lex["verbs"], key=len, reverse=True):
        verbs.setdefault(verb[0], []).append(verb)
    return (tuple(sorted(lex["leads"], key=len, reverse=True)),
            {first: tuple(words) for first, words in verbs.items()})


@lru_cache(maxsize=4096)
def split_label(label: str) -> tuple[str, str, str, str]:
    """'全年开展行政检查' → ('全年', '', '开展', '行政检查'): lead words, what stands before the verb (a
    subject or adverb: '镇政府发生行政应诉案件' → ('', '镇政府', '发生', '行政应诉案件')), the first verb the
    label holds (or ''), and what follows it: the earliest verb, and the longest of those starting there."""
    leads, verbs = _label_words()
    lead, rest = "", label
    changed = True
    while changed:
        changed = False
        for word in leads:
            if rest.startswith(word) and len(rest) > len(word):
                lead, rest, changed = lead + word, rest[len(word):], True
                break
    for at, char in enumerate(rest):
        for verb in verbs.get(char, ()):
            if rest.startswith(verb, at):
                return lead, rest[:at], verb, rest[at + len(verb):]
    return lead, rest, "", ""


@lru_cache(maxsize=4096)
def expected_units(label: str) -> tuple[str, list[str]] | None:
    """The noun `label` ends with, if the collocation table knows it, and its measure words (the table's own list:
    not to be changed). Kept per label: the table has ~800 nouns to try."""
    table: dict[str, list[str]] = lexicon()["measure_words"]
    core = label.removesuffix("等")
    ending = [noun for noun in table if core.endswith(noun)]  # only the noun the number counts: the last one
    if not ending:
        return None
    noun = max(ending, key=len)
    return noun, table[noun]


# ---- inline facts: 【218件】 inside a sentence ----------------------------------------------------------

_OPEN, _CLOSE = "【", "】"
# A bracket is a fact when its content starts with a digit (or 约/近/超过 and a digit); 【其他】 stays text.
_CANDIDATE = re.compile(r"【\s*(?:" + STALE + r"\s*[:：]?\s*)?(?:约|近|超过|逾)?\s*[0-9０-９][^【】\n]*】")
_INLINE = re.compile(
    r"^\s*(?:(?P<stale>" + STALE + r")\s*[:：]?\s*)?(?P<before>约|近|超过)?(?P<value>\d+(?:\.\d+)?)(?P<between>余)?(?P<unit>%|[\u4e00-\u9fff]{1,4})?"
    r"(?P<after>以上)?\s*(?:[=＝]\s*(?P<part>\d+)\s*[/÷／]\s*(?P<whole>\d+))?\s*(?:[|｜]\s*(?P<key>[a-z][a-z0-9_.]*))?\s*$")
_DELIMS = "，。；：、！？,;:（）()“”《》\n"


class Inline(msgspec.Struct, frozen=True):
    """One 【…】 fact as typed: where it is, what it says, and the sentence text that leads to it."""

    start: int
    end: int
    shown: str  # what the report prints: 218件, 96.79%, 5.1万人, 100余人次
    kind: str
    value: str
    unit: str
    approx: str
    label: str
    key: str = ""
    of: tuple[int, int] | None = None
    stale: bool = False  # 【待更新218件】: last year's number, not yet updated


class InlineProblem(msgspec.Struct, frozen=True):
    start: int
    message: str
    hint: str


def _label_before(text: str, start: int) -> str:
    i = start
    while i > 0 and text[i - 1] not in _DELIMS and text[i - 1] != _CLOSE:
        i -= 1
    return text[i:start].strip()


@lru_cache(maxsize=4096)
def scan(text: str) -> tuple[Inline | InlineProblem, ...]:
    """Every fact bracket of `text`, parsed, or the problem with it. Kept per text: validation, derive and the
    templates ask again for the same paragraph (a report's texts number in the dozens)."""
    return tuple(_scan(text)) if _OPEN in text else ()


def _scan(text: str) -> Iterator[Inline | InlineProblem]:
    for m in _CANDIDATE.finditer(text):
        body = m.group()[1:-1]
        half = unicodedata.normalize("NFKC", body)
        if half != body and re.search(r"[０-９％．]", body):
            yield InlineProblem(m.start(), f"“{m.group()}”中有全角数字或符号。",
                                f"改成半角：{_OPEN}{half.strip()}{_CLOSE}。")
            continue
        p = _INLINE.match(body)
        if p is None or (p["before"] and (p["between"] or p["after"])):
            yield InlineProblem(m.start(), f"“{m.group()}”不是能识别的数字写法。",
                                "写成 【218件】【96.5%】【546.54万元】【30余次】【约8000份】【95%以上】；"
                                "比率可写计算依据 【96.5%=110/114】；可加标识 【218件|disputes.found】。")
            continue
        unit = p["unit"] or ""
        if not unit:
            yield InlineProblem(m.start(), f"“{m.group()}”的数字后面缺少量词或单位。", "如 【218件】【12次】【96.5%】。")
            continue
        approx = p["before"] or p["between"] or p["after"] or ""
        kind = kind_by_unit(unit).name
        value = p["value"]
        if kind == "count" and "." in value and not _SCALE_UNIT.match(unit):  # 5.1万人, not 12.5件
            yield InlineProblem(m.start(), f"“{m.group()}”的件数、次数、人数应是整数。",
                                "有小数时用“万”作单位，如 【5.1万人】。")
            continue
        if (top := kind_by_unit(unit).maximum) is not None and Decimal(value) > top:
            yield InlineProblem(m.start(), f"“{m.group()}”的百分比超过了 100%。", "核对数字。")
            continue
        if p["part"] and not kind_by_unit(unit).with_of:
            yield InlineProblem(m.start(), f"“{m.group()}”：只有百分比可以写计算依据（=部分数/总数）。",
                                "如 【96.5%=110/114】。")
            continue
        of = (int(p["part"]), int(p["whole"])) if p["part"] else None
        shown = f"{p['before'] or ''}{value}{p['between'] or ''}{unit}{p['after'] or ''}"
        yield Inline(m.start(), m.end(), shown, kind, value, unit, approx, _label_before(text, m.start()),
                     p["key"] or "", of, bool(p["stale"]))


def plain(text: str, show: Callable[[Inline], str] | None = None) -> str:
    """`text` as the report prints it: each fact bracket replaced by its number as typed (brackets, the
    calculation basis and the key dropped), or by what `show` makes of it. A bracket that is not a fact stays
    as written."""
    if _OPEN not in text:
        return text
    out, at = [], 0
    for item in scan(text):
        if isinstance(item, Inline):
            out += [text[at:item.start], show(item) if show else item.shown]
            at = item.end
    out.append(text[at:])
    return "".join(out)


def inline_facts(text: str) -> list[Inline]:
    return [i for i in scan(text) if isinstance(i, Inline)]


def number(value: Any) -> str:
    """A number as the report prints it: as the clerk typed it when the loader kept that (546.50), else
    96.92 → '96.92', 100.0 → '100', 30000 → '30000' (no exponent, no trailing zeros)."""
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int):
        return str(value)
    typed = getattr(value, "typed", None)
    if typed is not None and not typed.endswith(".") and not typed.startswith("."):
        return typed
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation as err:
        raise ValueError(value) from err
