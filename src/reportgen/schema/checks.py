"""Checks no JSON Schema can express: rates against their counts, real calendar dates, XML-safe text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import msgspec

from reportgen import era, facts
from reportgen.errors import Problem
from reportgen.load import SEPARATORS, Loaded, PathKey, SourceMap, format_path

# Characters XML 1.0 cannot hold (tab and newline are fine); Word pastes sometimes carry them.
# U+E000–U+E002 are reportgen's own markers of standard passages (compose.py), U+E006–U+E009 of stale numbers and
# year-over-year changes, U+E00A stands for "<" while templates render (derive.py; U+E003–U+E005 load.py refuses):
# no input may hold them.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\ue00a\ufffe\uffff\ud800-\udfff]")
_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_SEPARATOR = re.compile(f"[{SEPARATORS}]")
_SEPARATOR_NAMES = {"\u2028": "行分隔符", "\u2029": "段落分隔符", "\x85": "换行控制符 NEL"}


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


# Fields whose text may hold inline facts 【218件】 (derive.paragraphs prints them as numbers).
TEXT_KEYS = frozenset({"text", "intro", "cause", "subjective", "objective", "other"})


def _in_text(path: PathKey) -> bool:
    """Whether a string at `path` is paragraph text (its innermost key is text, intro, cause …)."""
    keys = [k for k in path if isinstance(k, str)]
    return bool(keys) and keys[-1] in TEXT_KEYS


def _line_of(src: SourceMap, path: PathKey, text: str, at: int) -> tuple[int | None, int | None]:
    """Where character `at` of a string value is: a multi-line block scalar starts on the line after its key."""
    line, col = src.locate(path)
    if line is None or "\n" not in text:
        return line, col
    return line + 1 + text.count("\n", 0, at), None


def _measure_word(src: SourceMap, path: PathKey, label: str, unit: str, shown: str) -> list[Problem]:
    """A measure word that does not go with the noun it counts (会议→次, 检查→次/户次 …: lexicon.yaml)."""
    expected = facts.expected_units(label)
    if expected is None or unit in expected[1] or unit.lstrip("万亿") in expected[1]:
        return []
    noun, units = expected
    found = src.problem(path, f"“{label}{shown}”：“{noun}”一般用“{units[0]}”计量"
                              + (f"（也可用{'、'.join(units[1:])}）" if units[1:] else "") + f"，不用“{unit}”。",
                        f"把量词改为“{units[0]}”；若确是别的计量，请把说明写清楚。")
    return [msgspec.structs.replace(found, code="measure-word")]


def _inline_problems(src: SourceMap, path: PathKey, text: str) -> tuple[list[Problem], list[Problem]]:
    """The 【…】 facts of one string checked: a rate against its parts, a count of zero, a count's measure word.
    Where a fact stands is worked out only for one found wrong (most are right)."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for item in facts.scan(text):
        if isinstance(item, facts.InlineProblem):
            line, col = _line_of(src, path, text, item.start)
            errors.append(Problem(src.file, item.message, line, col, _fmt(path), item.hint))
            continue
        wrong: list[tuple[str, str]] = []  # (message, hint)
        doubtful: list[tuple[str, str, str]] = []  # (message, hint, code)
        if item.of is not None:
            part, whole = item.of
            if whole == 0 or part > whole:
                wrong.append((f"“{text[item.start:item.end]}”：部分数 {part} 不能大于总数 {whole}，总数也不能为 0。",
                              "写成 【比率%=部分数/总数】，如 【96.5%=110/114】。"))
            else:
                ok, expected = rate_matches(float(item.value), part, whole)
                if not ok:
                    wrong.append((f"“{text[item.start:item.end]}”：{part} ÷ {whole} = {expected}%，与 {item.value}% 不符。",
                                  f"核对数字；若 {expected}% 正确，改为 【{expected}%={part}/{whole}】。"))
        if item.kind == "count":
            if Decimal(item.value) == 0:
                doubtful.append((f"“{item.label}{item.shown}”会原样印成“0{item.unit}”。",
                                 "零值通常写成“全年未发生……”或“无……”，请改写这句话。", "zero-count"))
            doubtful += [(p.message, p.hint, p.code)
                         for p in _measure_word(src, path, item.label, item.unit, item.shown)]
        if wrong or doubtful:
            line, col = _line_of(src, path, text, item.start)
            where = format_path(path)
            errors += [Problem(src.file, message, line, col, where, hint) for message, hint in wrong]
            warnings += [Problem(src.file, message, line, col, where, hint, code) for message, hint, code in doubtful]
    return errors, warnings


class _Survey(msgspec.Struct):
    """What the semantic checks read, gathered in one walk over the data instead of one walk each."""

    marked: list[tuple[PathKey, str]] = msgspec.field(default_factory=list)  # strings (and keys) holding 【
    facts: list[tuple[PathKey, Any]] = msgspec.field(default_factory=list)  # items of every `facts` list
    named: list[tuple[PathKey, Any]] = msgspec.field(default_factory=list)  # items of `initiatives`/`programmes`

    def walk(self, value: Any, path: PathKey, facts_on: bool = True, named_on: bool = True) -> None:
        """Pre-order, as _strings and _facts walk: a facts list's items are facts, and no facts are looked for
        inside them; likewise the items of a named list."""
        if isinstance(value, str):
            if "【" in value:
                self.marked.append((path, value))
        elif isinstance(value, dict):
            for key, child in value.items():
                at = (*path, key)
                if isinstance(key, str) and "【" in key:
                    self.marked.append((at, key))
                listed = isinstance(child, list)
                is_facts = facts_on and listed and key == "facts"
                is_named = named_on and listed and key in ("initiatives", "programmes")
                if is_facts:
                    self.facts.extend(((*at, i), item) for i, item in enumerate(child))
                if is_named:
                    self.named.extend(((*at, i), item) for i, item in enumerate(child))
                self.walk(child, at, facts_on and not is_facts, named_on and not is_named)
        elif isinstance(value, list):
            for i, child in enumerate(value):
                self.walk(child, (*path, i), facts_on, named_on)


def _initiative_problems(named: list[tuple[PathKey, Any]], src: SourceMap) -> list[Problem]:
    """An initiative whose name does not say what it is (活动? 机制? 品牌?) can only be written 推进“X”."""
    from reportgen.derive import initiative

    out = []
    kinds = "、".join(facts.lexicon()["initiative_kinds"])
    for path, item in named:
        if isinstance(item, (str, dict)) and not initiative(item).kind:
            name = item if isinstance(item, str) else item.get("name", "")
            found = src.problem(path, f"看不出“{name}”是活动、机制还是品牌，报告里只能写成“深入推进“{name}””。",
                                f"写成 {{name: {name}, kind: 活动}}，kind 可选：{kinds}；或把它写进 text 的句子里。")
            out.append(msgspec.structs.replace(found, code="initiative-kind"))
    return out


def _guidance_problems(data: dict[str, Any], src: SourceMap) -> list[Problem]:
    """A town's own guidance list that leaves out the latest plenum a report for its year cites."""
    out: list[Problem] = []
    year = data.get("year")
    if not isinstance(year, int):
        return out
    when = era.of(year)
    if not when.checked:
        out.append(msgspec.structs.replace(src.problem(
            ("year",), f"随年度变化的措辞（指导思想、规划名称）只核对到 {era.data()['checked_through']} 年度。",
            "请核对报告中的会议精神和规划名称，并更新 templates/base/years.yaml。"), code="guidance"))
    opening = data.get("opening") or {}
    guidance = opening.get("guidance") or []
    if guidance and when.plenums and not opening.get("text"):  # the town's own opening text speaks for itself
        latest = f"{when.plenums[-1]}全会"
        if not any(latest in g or "历次全会" in g for g in guidance):
            out.append(msgspec.structs.replace(src.problem(
                ("opening", "guidance"), f"{year} 年度的报告通常要写到{when.session}{latest}精神，这里的指导思想没有提到。",
                f"在 guidance 中加上“{when.congress}和{when.session}"
                f"{'、'.join(when.plenums)}全会精神”，或删去 guidance 使用标准写法。"), code="guidance"))
    return out


def _fmt(path: PathKey) -> str:
    return format_path(path)


def _fact_problems(src: SourceMap, path: PathKey, fact: dict[str, Any]) -> tuple[list[Problem], list[Problem]]:
    """A structured fact: a count is whole unless its unit carries 万/亿; its measure word fits its label;
    its label starts with a verb, so a facts-only report can put it in a sentence."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    label = fact.get("label", "")
    if "count" in fact and isinstance(fact.get("unit"), str):
        count, unit = fact["count"], fact["unit"]
        if isinstance(count, float) and not count.is_integer() and not unit.startswith(("万", "亿")):
            errors.append(src.problem((*path, "count"), f"{count} 不是整数：件数、次数、人数应是整数。",
                                      "有小数时用“万”作单位，如 count: 5.1 配 unit: 万人。"))
        warnings += _measure_word(src, path, label, unit, f"{facts.number(count)}{unit}")
    if "rate" not in fact and label and not facts.split_label(label)[2]:
        warnings.append(msgspec.structs.replace(src.problem(
            (*path, "label"), f"说明“{label}”不是以动词开头，报告里只能写成“{label}共……”。",
            "在前面加上动词，如 办理、受理、开展、培育（办理行政复议案件）。"), code="label-verb"))
    return errors, warnings


def character_problems(loaded: Loaded) -> list[Problem]:
    """Characters a string may not hold, whatever the data's shape: XML-unsafe ones (load.py refuses them in
    the file as typed; these come from YAML escapes such as \\x01), and a line or paragraph separator
    (U+2028, U+2029, U+0085) in a one-line field, where it would split a title or heading in two. In paragraph
    text a separator breaks the paragraph, as a new line does (derive.paragraphs)."""
    src = loaded.source
    errors: list[Problem] = []
    # A bad character is either in the file as it is or written as a YAML escape (\x01, \u2028, \L): with
    # neither, no value can hold one, and the walk over every string is skipped.
    text = loaded.text
    if text and "\\" not in text and not _BAD_CHARS.search(text) and not any(c in text for c in SEPARATORS):
        return errors
    for path, value in _strings(loaded.data, ()):
        match = _BAD_CHARS.search(value)
        if match:
            errors.append(src.problem(path, f"含有不可见的控制字符（U+{ord(match.group()):04X}，第 {match.start() + 1} 个字符处），"
                                            "无法写入 Word 文档。",
                                      "这通常是从网页或 Word 复制时带入的，请删除后重新输入这段文字。"))
        separator = _SEPARATOR.search(value)
        if separator and not _in_text(path):
            line, col = _line_of(src, path, value, separator.start())
            errors.append(Problem(src.file, f"含有{_SEPARATOR_NAMES[separator.group()]}"
                                            f"（U+{ord(separator.group()):04X}，第 {separator.start() + 1} 个字符处）："
                                            "这里只能写一行，它会把这一行拆成两段。",
                                  line, col, format_path(path),
                                  "删除这个看不见的字符，把前后文字连成一行（常见于从网页或 PDF 复制的文字）。"))
    return errors


def semantic_problems(loaded: Loaded) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) for a schema-valid input; character_problems is separate, for any input."""
    data, src = loaded.data, loaded.source
    errors: list[Problem] = []
    warnings: list[Problem] = []
    survey = _Survey()
    survey.walk(data, ())
    for path, text in survey.marked:
        if _in_text(path):
            more_errors, more_warnings = _inline_problems(src, path, text)
            errors += more_errors
            warnings += more_warnings
        elif any(isinstance(i, (facts.Inline, facts.InlineProblem)) for i in facts.scan(text)):
            errors.append(src.problem(path, "【】数字写法只能用在段落文字里（text、intro、cause、other）。",
                                      "标题、名称里的数字直接写，不加【】。"))
    for path, fact in survey.facts:
        if not isinstance(fact, dict):
            continue
        more_errors, more_warnings = _fact_problems(src, path, fact)
        errors += more_errors
        warnings += more_warnings
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
    warnings += _guidance_problems(data, src)
    warnings += _initiative_problems(survey.named, src)
    return errors, warnings
