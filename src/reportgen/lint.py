"""`reportgen lint`: what a county reviewer checks in a town's YAML, each finding located, graded and explained.

Diagnose only: nothing is built on disk. Every check is one function, declared once in CHECKS with its id,
severity and description; the command, docs/lint.md and the tests all read that table. Validation is not
repeated here: its errors and warnings are taken as they are and filed under their check ids.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import msgspec

from reportgen import facts
from reportgen.blocks import Block
from reportgen.errors import InputError, Problem, ReportgenError
from reportgen.load import Loaded, PathKey, format_path, load
from reportgen.schema.checks import TEXT_KEYS, character_problems, semantic_problems
from reportgen.schema.validate import schema_problems

ERROR, WARNING, HINT = "错误", "警告", "提示"
RANK = {HINT: 1, WARNING: 2, ERROR: 3}
PART_NAMES = {"measures": "第一部分（主要举措和成效）", "shortcomings": "第二部分（不足和原因）",
              "leaders": "第三部分（第一责任人职责）", "plans": "第四部分（下一年度主要安排）",
              "other": "第五部分（其他需要报告的情况）"}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Options(msgspec.Struct, frozen=True):
    """What a reviewer may set: the two deadlines (month, day of year N+1), last year's file, the folder of
    region templates."""

    deadline: tuple[int, int] = (3, 1)  # reporting upward: commonly by 1 March
    publish_by: tuple[int, int] = (4, 1)  # publication to society: by 1 April (督察工作规定 Art. 24)
    previous: Path | None = None  # overrides the input's `previous:`
    workdir: Path | None = None


class Finding(msgspec.Struct, frozen=True):
    """One thing a reviewer would flag: which check, how serious, where and what to do."""

    check: str
    severity: str
    problem: Problem

    @property
    def key(self) -> tuple[str, int, int, int, str]:
        p = self.problem
        return p.file, p.line or 0, p.column or 0, -RANK[self.severity], self.check

    def format(self) -> str:
        p = self.problem
        where = p.file + (f":{p.line}" if p.line is not None else "") + (
            f":{p.column}" if p.line is not None and p.column is not None else "")
        text = f"{where}: {self.severity} [{self.check}] " + (f"字段 {p.path}：" if p.path else "") + p.message
        return text + (f"\n    改法：{p.hint}" if p.hint else "")


class Subject:
    """One input under review: the loaded file (None when it could not be read), validation's findings, and
    the report composed in memory once, for the checks that read what would be printed."""

    def __init__(self, file: str, loaded: Loaded | None, options: Options, load_errors: list[Problem]) -> None:
        self.file = file
        self.loaded = loaded
        self.options = options
        self.schema_errors = list(load_errors)
        self.fact_errors: list[Problem] = []
        self.warnings: list[Problem] = []
        if loaded is None:
            return
        self.schema_errors += schema_problems(loaded)
        if not self.schema_errors:  # semantic checks read the data's shape, which the schema has vouched for
            self.fact_errors, self.warnings = semantic_problems(loaded)
        self.schema_errors += character_problems(loaded)
        self.warnings = [*loaded.warnings, *self.warnings]

    @property
    def data(self) -> dict[str, Any]:
        return self.loaded.data if self.loaded else {}

    @property
    def year(self) -> int | None:
        year = self.data.get("year")
        return year if isinstance(year, int) and not isinstance(year, bool) else None

    @property
    def valid(self) -> bool:
        return self.loaded is not None and not self.schema_errors

    @cached_property
    def composed(self) -> tuple[list[Block] | None, Problem | None]:
        """The report's blocks, or why they could not be composed (a region template's error)."""
        from reportgen import derive
        from reportgen.compose import compose

        region = self.data.get("region") or "base"
        last = self.previous[0]  # as build composes it: with last year's file, facts carry their 同比
        try:
            return compose(derive.context(self.data, last.data if last else None), region, self.options.workdir), None
        except ReportgenError as err:
            return None, self.problem((), f"报告无法生成：{err.format_message()}",
                                      "先按提示改正（地区模板名、模板错误），再检查一次。")

    @cached_property
    def previous(self) -> tuple[Loaded | None, list[Problem]]:
        """Last year's file, loaded and validated by yoy (None when not named), or why it could not be."""
        from reportgen import yoy

        assert self.loaded is not None
        try:
            return yoy.load_previous(self.loaded, self.options.previous), []
        except InputError as err:
            return None, err.problems
        except ReportgenError as err:  # --previous names no file
            return None, [Problem(self.file, err.format_message())]

    @property
    def blocks(self) -> list[Block]:
        return self.composed[0] or []

    @cached_property
    def _line_starts(self) -> list[int]:
        text = self.loaded.text if self.loaded else ""
        return [0, *(m.end() for m in _LINE_BREAK.finditer(text))]

    def problem(self, path: PathKey, message: str, hint: str = "") -> Problem:
        if self.loaded is None:
            return Problem(self.file, message, None, None, format_path(path), hint)
        return self.loaded.source.problem(path, message, hint)

    def at(self, path: PathKey, value: str, at: int, message: str, hint: str = "") -> Problem:
        """A problem at character `at` of the string `value` found at `path`: its own line and column."""
        line, col = self.position(path, value, at)
        return Problem(self.file, message, line, col, format_path(path), hint)

    def position(self, path: PathKey, value: str, at: int) -> tuple[int | None, int | None]:
        """Find the characters from `at` in the file, from where the value's key stands: a block scalar, a
        folded line or a list item still gets its own line. An escaped string falls back to the key's line."""
        assert self.loaded is not None
        line, col = self.loaded.source.locate(path)
        text = self.loaded.text
        piece = value[at:].split("\n", 1)[0][:8]
        if line is None or not text or not piece.strip():
            return self._fallback(line, col, value, at)
        before, i = 0, value.find(piece)
        while 0 <= i < at:
            before, i = before + 1, value.find(piece, i + 1)
        pos = self._line_starts[line - 1] + (col - 1 if col else 0) - 1
        for _ in range(before + 1):
            pos = text.find(piece, pos + 1)
            if pos < 0:
                return self._fallback(line, col, value, at)
        found = bisect.bisect_right(self._line_starts, pos)
        if found - line > value.count("\n") + len(value) // 20 + 2:  # beyond the value: not its own text
            return self._fallback(line, col, value, at)
        return found, pos - self._line_starts[found - 1] + 1

    @staticmethod
    def _fallback(line: int | None, col: int | None, value: str, at: int) -> tuple[int | None, int | None]:
        if line is None or "\n" not in value:
            return line, col
        return line + 1 + value.count("\n", 0, at), None


class Check(msgspec.Struct, frozen=True):
    """One reviewer's check: a stable id, its severity, what it looks for (Chinese, for --list and the docs),
    what it needs (input: always; data: a parsed mapping; valid: schema-valid; built: the report composed)."""

    id: str
    severity: str
    description: str
    needs: str
    run: Callable[[Subject], Iterable[Problem]]


# ---- walking the data ----------------------------------------------------------------------------------

_NOT_PROSE = frozenset({"region", "previous", "key", "area", "unit", "approx", "by", "kind", "date", "number"})


def _strings(value: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, str]]:
    """Every string value with its path (keys are not values)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _strings(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _strings(child, (*path, i))


def _last_key(path: PathKey) -> str:
    return next((k for k in reversed(path) if isinstance(k, str)), "")


def _prose(data: dict[str, Any]) -> Iterator[tuple[PathKey, str]]:
    """Strings that are printed as words: not ids, units, dates or the document number."""
    for path, value in _strings(data):
        if _last_key(path) not in _NOT_PROSE and path[:1] != ("town",):
            yield path, value


def _paragraph_text(data: dict[str, Any]) -> Iterator[tuple[PathKey, str]]:
    """Paragraph fields (text, intro, cause …), where 【】 facts may stand."""
    for path, value in _strings(data):
        if _last_key(path) in TEXT_KEYS:
            yield path, value


def _fact_spans(text: str) -> list[tuple[int, int]]:
    """Where the 【…】 facts (and the brackets that try to be facts) stand in `text`."""
    spans = []
    for item in facts.scan(text):
        end = item.end if isinstance(item, facts.Inline) else text.find("】", item.start) + 1
        spans.append((item.start, end or len(text)))
    return spans


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    return any(start <= at < end for start, end in spans)


def _structured_facts(value: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, dict[str, Any]]]:
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "facts" and isinstance(child, list):
                yield from (((*path, key, i), f) for i, f in enumerate(child) if isinstance(f, dict))
            else:
                yield from _structured_facts(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _structured_facts(child, (*path, i))


# ---- validation, filed under check ids -----------------------------------------------------------------

def check_schema(s: Subject) -> Iterable[Problem]:
    """The file as validate sees it: unreadable, not YAML, or not the input format."""
    return s.schema_errors


def check_facts(s: Subject) -> Iterable[Problem]:
    """Numbers that contradict themselves (a rate and its basis), 【】 written wrong, dates that do not exist."""
    return s.fact_errors


def _coded(code: str) -> Callable[[Subject], Iterable[Problem]]:
    def run(s: Subject) -> Iterable[Problem]:
        return [p for p in s.warnings if p.code == code]

    run.__doc__ = f"validate's warnings of kind {code}"
    return run


_VALIDATE_CODES = ("measure-word", "label-verb", "zero-count", "guidance", "initiative-kind")


def check_notice(s: Subject) -> Iterable[Problem]:
    """validate's other notices (the file's encoding …)."""
    return [p for p in s.warnings if p.code not in _VALIDATE_CODES]


def check_build(s: Subject) -> Iterable[Problem]:
    """A valid input whose report still cannot be composed (its region's template)."""
    return [p for p in (s.composed[1],) if p]


# ---- 1. the five parts -----------------------------------------------------------------------------------

_WORDLESS = re.compile(r"[\W_]+")


def _own_words(block: Block) -> str:
    """What of a block the town wrote: its text but the standard passages and the heading number."""
    plain, out, at = block.plain, [], 0
    for start, end, _ in sorted(block.std):
        out.append(plain[at:start])
        at = max(at, end)
    out.append(plain[at:])
    own = "".join(out)
    return _WORDLESS.sub("", own.removeprefix(block.number) if block.number else own)


def check_parts_empty(s: Subject) -> Iterable[Problem]:
    """A part that would print only standard phrasing: the report says nothing of the town's own there."""
    blocks = s.blocks
    for name in ("measures", "shortcomings", "leaders", "plans"):
        at = next((i for i, b in enumerate(blocks) if b.kind == "heading" and b.part == name), None)
        if at is None:
            continue
        body = []
        for b in blocks[at + 1:]:
            if (b.kind == "heading" and b.level <= blocks[at].level) or b.kind in ("sign", "date"):
                break
            body.append(b)
        if not any(_own_words(b) for b in body):
            yield s.problem((name,), f"{PART_NAMES[name]}印出来全是标准表述，没有本镇自己的内容。",
                            "写上本镇的做法、数字或原因（text、problem、cause、facts），让审核的同志看到实际情况。")


def check_parts_other(s: Subject) -> Iterable[Problem]:
    """No `other`: part five prints 无。, which is often right, but should be a decision, not an omission."""
    if "other" not in s.data:
        yield s.problem((), f"没有填写 other，{PART_NAMES['other']}将印成“无。”。",
                        "确无其他需要报告的情况时可以不填；有的话写在 other 里。")


# ---- 2. shortcomings with their causes ---------------------------------------------------------------

def _items(s: Subject, part: str) -> list[Any]:
    """The `items` list of a part (shortcomings, plans), empty when the part or its list is not given."""
    return (s.data.get(part) or {}).get("items") or []


def check_shortcoming_cause(s: Subject) -> Iterable[Problem]:
    """A shortcoming the town wrote itself but gave no cause: the template would put the area's standard
    cause after it, which need not fit, or no cause at all."""
    for i, item in enumerate(_items(s, "shortcomings")):
        if isinstance(item, dict) and item.get("problem") and not item.get("cause"):
            then = "报告会接上这个领域的标准原因，未必与这条不足对应" if item.get("area") else "报告里这条不足没有原因"
            yield s.problem(("shortcomings", "items", i, "problem"), f"不足“{item['problem']}”没有写原因：{then}。",
                            "加上 cause: 写明原因（可分 subjective 主观、objective 客观）。")


def check_plans_answer(s: Subject) -> Iterable[Problem]:
    """A shortcoming whose area no plan of next year shares: the first thing a reviewer asks is what will be done
    about it. Only when every plan names its area: a plan in the town's own words may answer it without one."""
    areas = [p.get("area") if isinstance(p, dict) else None for p in _items(s, "plans")]
    if not areas or None in areas:
        return
    for i, item in enumerate(_items(s, "shortcomings")):
        area = item.get("area") if isinstance(item, dict) else None
        if area and area != "other" and area not in areas:
            yield s.problem(("shortcomings", "items", i), f"这条不足（area: {area}）在第四部分没有对应的安排。",
                            f"在 plans.items 里加一条 {{area: {area}}}（或自己写 heading、text），说明下一年度怎样改进。")


# ---- 3. years ----------------------------------------------------------------------------------------

_YEAR = re.compile(r"(?<![\d０-９])((?:19|20)\d{2})\s*年")
_RANGE = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*年?\s*[—–\-~～至到]\s*(?:19|20)\d{2}\s*年")
_COMPARED_BEFORE = re.compile(r"(?:比|较|与|同|和|自|从|截至|截止|对比|相比|对照)\s*$")
_COMPARED_AFTER = re.compile(r"^(?:度)?(?:同期|相比|以来|底|末|年底|水平|基础上|的基础上)")
_HEADINGS = (("title",), ("measures", "heading"), ("shortcomings", "heading"), ("leaders", "heading"))


def _spans(pattern: str, text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def _years(text: str) -> Iterator[tuple[int, int]]:
    """(year, position) of each 'YYYY年' that names a year of work: not inside a 《name》, a span such as
    2021—2025年, or a comparison (比2022年, 与2022年相比, 2022年以来, 2022年底)."""
    skip = _spans(r"《[^《》]*》", text) + [m.span() for m in _RANGE.finditer(text)]
    for m in _YEAR.finditer(text):
        if _inside(skip, m.start()):
            continue
        if _COMPARED_BEFORE.search(text[max(0, m.start() - 4):m.start()]) or _COMPARED_AFTER.match(text[m.end():]):
            continue
        yield int(m.group(1)), m.start()


def _heading_paths(data: dict[str, Any]) -> dict[PathKey, int]:
    """The title and the part headings, with the year each should name (plans: the next year)."""
    return {path: 0 for path in _HEADINGS} | {("plans", "heading"): 1} | {
        ("title_lines", i): 0 for i in range(len(data.get("title_lines") or []))}


def _year_findings(s: Subject) -> Iterator[tuple[str, Problem]]:
    """Every year that does not fit, once, with the check it belongs to."""
    year = s.year
    if year is None:
        return
    headings = _heading_paths(s.data)
    for path, text in _prose(s.data):
        for named, at in _years(text):
            if path in headings:
                expected = year + headings[path]
                if named != expected:
                    yield "year.heading", s.at(path, text, at, f"标题里写的是 {named} 年，这份报告的这一处应写 {expected} 年。",
                                               f"改为 {expected} 年。")
            elif path[:1] == ("plans",) and named != year + 1 and named >= year:
                yield "year.plans", s.at(path, text, at, f"下一年度的安排写了 {named} 年，应当是 {year + 1} 年。",
                                         f"改为 {year + 1} 年；若是与往年比较，写成“较{named}年”“与{named}年相比”。")
            elif named > year + 1:
                yield "year.future", s.at(path, text, at, f"{year} 年度的报告里出现了 {named} 年，晚于下一年度 {year + 1} 年。",
                                          "核对年份：是否从别的报告复制而来，或把目标年份写错了。")
            elif named == year - 1:
                yield "year.previous", s.at(path, text, at,
                                            f"{year} 年度的报告把 {named} 年写成了做事的年份（{named} 年只应出现在比较里）。",
                                            f"若写的是今年的工作，改为 {year} 年；若是比较，写成“较{named}年”“比{named}年”"
                                            f"“与{named}年相比”或“同比”。")


def _year_check(check_id: str) -> Callable[[Subject], Iterable[Problem]]:
    def run(s: Subject) -> Iterable[Problem]:
        return [p for found, p in _year_findings(s) if found == check_id]

    return run


# ---- 4. stale numbers ----------------------------------------------------------------------------------

def _fact_problem(s: Subject, fact: Any, message: str, hint: str) -> Problem:
    """At the number itself: an inline fact's 【, a structured fact's value (or its stale: line)."""
    if fact.inline:
        text = _get(s.data, fact.path)
        if isinstance(text, str):
            return s.at(fact.path, text, fact.start, message, hint)
    field_name = "stale" if fact.stale else facts.BY_NAME[fact.kind].field
    return s.problem((*fact.path, field_name), message, hint)


def _get(data: Any, path: PathKey) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _shown(fact: Any) -> str:
    before = fact.approx if fact.approx in facts.APPROX_BEFORE else ""
    between = fact.approx if fact.approx in facts.APPROX_BETWEEN else ""
    after = fact.approx if fact.approx in facts.APPROX_AFTER else ""
    return f"{before}{fact.value}{between}{fact.unit}{after}"


def check_stale_marked(s: Subject) -> Iterable[Problem]:
    """Numbers carried over from last year and still marked so (【待更新218件】, stale: true)."""
    from reportgen import yoy

    for fact in yoy.located_facts(s.data):
        if not fact.stale:
            continue
        if fact.inline:
            yield _fact_problem(s, fact, f"“{fact.label}{_shown(fact)}”还是上年的数字（{facts.STALE}），尚未更新。",
                                f"填入今年的数字并删去“{facts.STALE}”，如 【{_shown(fact)}】。")
        else:
            yield _fact_problem(s, fact, f"“{fact.label}”还是上年的数字（stale: true），尚未更新。",
                                "填入今年的数字后删去 stale: true 这一行。")
    background = s.data.get("background")
    if isinstance(background, dict) and background.get("stale"):
        yield s.problem(("background", "stale"), "基本情况（村、社区、人口、干部等）的数字还是上年的（stale: true），尚未核实。",
                        "核实或改为今年的数字后，删去 background 下的 stale: true。")


def check_previous(s: Subject) -> Iterable[Problem]:
    """Last year's file (previous: or --previous) missing, invalid or of the wrong year: nothing to compare."""
    return s.previous[1]


def check_stale_unchanged(s: Subject) -> Iterable[Problem]:
    """A number identical to last year's same fact (yoy.match) but not marked: maybe copied and never updated."""
    from reportgen import yoy

    previous = s.previous[0]
    if previous is None:
        return
    for now, before in yoy.match(yoy.located_facts(s.data), yoy.located_facts(previous.data)):
        if now.stale or before.stale or now.amount != before.amount or now.approx != before.approx:
            continue
        yield _fact_problem(s, now, f"“{now.label}{_shown(now)}”与上年（{previous.source.file}）完全相同，"
                                    "可能是照抄上年的数字。",
                            f"核对是否已更新为今年的数字；确实相同可不改；尚未更新的写成 【{facts.STALE}{_shown(now)}】。")


# ---- 5. placeholders -----------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"×{2,}|(?<![A-Za-z])(?:X{2,}|x{2,})(?![A-Za-z])|[Ｘｘ]{2,}|○{2,}"
    r"|(?<![零一二三四五六七八九十〇])〇{2,}(?![零一二三四五六七八九十〇])"
    r"|〔\s*〕|〔\d{4}〕\s*号|年[ \t　]*月[ \t　]*日|某某|(?<![A-Za-z])(?:TODO|todo|FIXME)(?![A-Za-z])|待填")


def check_placeholder(s: Subject) -> Iterable[Problem]:
    """Blanks left from a template or last year's file: ××, XX, 〇〇, 〔〕号, 年 月 日, 某某, TODO, 待填."""
    for path, text in _strings(s.data):
        found = list(_PLACEHOLDER.finditer(text))
        if found:
            shown = "、".join(dict.fromkeys(f"“{m.group()}”" for m in found))
            yield s.at(path, text, found[0].start(), f"还有没填的占位符 {shown}。", "填上实际的名称、数字或日期。")


# ---- 6. the date of the document ---------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


def _on(year: int, month_day: tuple[int, int]) -> dt.date:
    month, day = month_day
    try:
        return dt.date(year, month, day)
    except ValueError:  # 2-29 in a common year
        return dt.date(year, month, day - 1)


def _signed(s: Subject) -> tuple[dt.date, int] | None:
    sig = s.data.get("signature")
    m = _DATE.match(sig.get("date", "")) if isinstance(sig, dict) and isinstance(sig.get("date"), str) else None
    if not m or s.year is None:
        return None
    try:
        return dt.date(*map(int, m.groups())), s.year
    except ValueError:  # validate says so
        return None


def _md(month_day: tuple[int, int]) -> str:
    return f"{month_day[0]}月{month_day[1]}日"


def check_date_late(s: Subject) -> Iterable[Problem]:
    """Signed after the reporting deadline (1 March of N+1 unless --deadline), but before publication's."""
    signed = _signed(s)
    if signed:
        date, year = signed
        deadline, publish = _on(year + 1, s.options.deadline), _on(year + 1, s.options.publish_by)
        if deadline < date <= publish:
            yield s.problem(("signature", "date"), f"成文日期 {s.data['signature']['date']} 晚于向上级报送的截止日期"
                                                   f" {year + 1}年{_md(s.options.deadline)}。",
                            "核对成文日期；报告应在截止日期前报送。")


def check_date_unpublished(s: Subject) -> Iterable[Problem]:
    """Signed after the date by which the report must be public (1 April of N+1 unless --publish-by)."""
    signed = _signed(s)
    if signed:
        date, year = signed
        publish = _on(year + 1, s.options.publish_by)
        if date > publish:
            yield s.problem(("signature", "date"), f"成文日期 {s.data['signature']['date']} 晚于向社会公开的截止日期"
                                                   f" {year + 1}年{_md(s.options.publish_by)}"
                                                   "（《法治政府建设与责任落实督察工作规定》第二十四条）。",
                            "核对成文日期：报告须在截止日期前公开。")


def check_date_early(s: Subject) -> Iterable[Problem]:
    """Signed before year N is over: the report cannot cover the whole year (a year before N is validate's)."""
    signed = _signed(s)
    if signed:
        date, year = signed
        if date.year == year and date < dt.date(year, 12, 31):
            yield s.problem(("signature", "date"), f"成文日期 {s.data['signature']['date']} 在 {year} 年结束之前，"
                                                   "报告还不能涵盖全年的工作。",
                            f"报告通常在 {year + 1} 年初成文；若确需提前上报，请核对全年的数字是否完整。")


# ---- 8. standard passages ------------------------------------------------------------------------------

_PASSAGE_LISTS = {"topic": ("measures", "topics"), "shortcoming": ("shortcomings", "items"), "plan": ("plans", "items")}


def _passage_path(data: dict[str, Any], key: str) -> PathKey:
    """Where in the input a standard passage belongs: the item of its area, else the field its key names."""
    first, *rest = key.split(".")
    if first in _PASSAGE_LISTS and rest:
        section, items = _PASSAGE_LISTS[first]
        listed = (data.get(section) or {}).get(items) or []
        i = next((i for i, it in enumerate(listed) if isinstance(it, dict) and it.get("area") == rest[0]), None)
        return (section, items, i) if i is not None else (section,)
    path: PathKey = ()
    node: Any = data
    for part in (first, *rest):
        if not isinstance(node, dict) or part not in node:
            break
        path, node = (*path, part), node[part]
    return path


def check_standard(s: Subject) -> Iterable[Problem]:
    """Each passage the template wrote because the town did not: to be read against the town's facts."""
    from reportgen.api import standard_passages

    for p in standard_passages(s.blocks):
        text = p.text if len(p.text) <= 24 else p.text[:24] + "……"
        yield s.problem(_passage_path(s.data, p.key), f"{p.where}用了标准表述（{p.key}）：“{text}”",
                        "核对是否符合本镇实际；要换成自己的话，在对应位置填写 text（或 heading、problem、cause）。")


# ---- 9. what else a reviewer flags ---------------------------------------------------------------------

_ZERO = re.compile(r"(?<![\d.０-９])0(?:\.0+)?\s*(?:人次|场次|件次|户次|件|次|起|宗|人|名|个|场|份|条|项|户|家|期|批|篇|元|万元)")


def check_zero_count(s: Subject) -> Iterable[Problem]:
    """A count of zero printed as 0件: validate's warning for 【0件】, and the same written without 【】."""
    yield from (p for p in s.warnings if p.code == "zero-count")
    for path, text in _paragraph_text(s.data):
        spans = _fact_spans(text)
        for m in _ZERO.finditer(text):
            if not _inside(spans, m.start()):
                yield s.at(path, text, m.start(), f"“{m.group()}”会原样印成零值。",
                           "零值通常写成“全年未发生……”或“无……”，请改写这句话。")


def _paragraphs(data: dict[str, Any]) -> Iterator[tuple[PathKey, str, int, str]]:
    """(path, value, position, paragraph as printed) of every paragraph of the town's own text."""
    for path, value in _paragraph_text(data):
        at = 0
        for line in value.split("\n"):
            printed = facts.plain(line.strip())
            if printed:
                yield path, value, at + len(line) - len(line.lstrip()), printed
            at += len(line) + 1


def check_repeat_paragraph(s: Subject) -> Iterable[Problem]:
    """The same paragraph twice (copied into two topics, or two years merged)."""
    seen: dict[str, int | None] = {}
    for path, value, at, printed in _paragraphs(s.data):
        if len(_WORDLESS.sub("", printed)) < 10:
            continue
        line, _ = s.position(path, value, at)
        if printed in seen:
            first = f"（第 {seen[printed]} 行已有）" if seen[printed] else ""
            yield s.at(path, value, at, f"这段文字与前面的一段完全相同{first}：“{printed[:20]}……”",
                       "删去重复的一段，或改写成这一处的实际内容。")
        else:
            seen[printed] = line


def check_repeat_heading(s: Subject) -> Iterable[Problem]:
    """The same heading (or shortcoming) twice within one part."""
    seen: dict[tuple[Any, str], int | None] = {}
    for path, text in _strings(s.data):
        if _last_key(path) not in ("heading", "problem") or len(path) < 2:
            continue
        words = _WORDLESS.sub("", text)
        key = (path[0], words)
        if key in seen:
            line = f"（第 {seen[key]} 行已有）" if seen[key] else ""
            yield s.problem(path, f"“{text}”在这一部分里出现了两次{line}。", "合并这两处，或改用不同的标题。")
        else:
            seen[key] = s.problem(path, "").line


_CJK = r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e“”‘’…—]"
_HALF = re.compile(rf"(?<={_CJK})\s*[,;:?!()\"]|[,;:?!()\"]\s*(?={_CJK})")
_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）", '"': "“”"}


def check_punct_halfwidth(s: Subject) -> Iterable[Problem]:
    """Half-width , ; : ? ! ( ) " in Chinese text (GB/T 15834: full-width marks)."""
    for path, text in _prose(s.data):
        found = [m for m in _HALF.finditer(text)]
        if found:
            marks = dict.fromkeys(m.group().strip() for m in found)
            at = found[0].start() + len(found[0].group()) - len(found[0].group().lstrip())
            yield s.at(path, text, at, f"中文里用了半角标点 {' '.join(marks)}（{len(found)} 处）。",
                       "改成全角：" + "；".join(f"{m} → {_FULL[m]}" for m in marks) + "。")


def check_punct_bracket(s: Subject) -> Iterable[Problem]:
    """A 【 or 】 that is no number: it would be printed as it stands."""
    for path, text in _strings(s.data):
        if "【" not in text and "】" not in text:
            continue
        spans = _fact_spans(text) if _last_key(path) in TEXT_KEYS else []
        left = [i for i, c in enumerate(text) if c in "【】" and not _inside(spans, i)]
        if left:
            yield s.at(path, text, left[0], "【】不是数字写法，会原样印在报告里。",
                       "【】只用来括数字（如 【218件】）；其他地方删去【】，或改用引号“”、书名号《》。")


_PAIRS = {"“": "”", "‘": "’", "《": "》", "（": "）", "〔": "〕"}
_CLOSING = {v: k for k, v in _PAIRS.items()}


def _unbalanced(text: str) -> tuple[int, str] | None:
    """The first mark without its partner, if any, and what is wrong."""
    stack: list[tuple[int, str]] = []
    for i, c in enumerate(text):
        if c in _PAIRS:
            stack.append((i, c))
        elif c in _CLOSING:
            if stack and stack[-1][1] == _CLOSING[c]:
                stack.pop()
            else:
                return i, f"“{c}”前面没有与它配对的“{_CLOSING[c]}”"
    if stack:
        i, c = stack[0]
        return i, f"“{c}”后面没有与它配对的“{_PAIRS[c]}”"
    return None


def check_punct_unbalanced(s: Subject) -> Iterable[Problem]:
    """Quotation marks, 书名号 and brackets that do not pair (one paragraph at a time; the title's lines as one)."""
    title_lines = s.data.get("title_lines")
    joined = [(("title_lines", 0), "".join(title_lines))] if isinstance(title_lines, list) and all(
        isinstance(t, str) for t in title_lines) else []
    for path, text in [*joined, *((p, t) for p, t in _prose(s.data) if p[:1] != ("title_lines",))]:
        at = 0
        for line in text.split("\n"):
            found = _unbalanced(line)
            if found:
                yield s.at(path, text, at + found[0], f"标点不成对：{found[1]}。", "补上缺少的一半，或删去多余的一半。")
                break
            at += len(line) + 1


_DOCNO = re.compile(r"[\u4e00-\u9fff]{1,10}(?:[\[［(（]\s*(?:19|20)\d{2}\s*[\]］)）]\s*第?\s*\d+|〔(?:19|20)\d{2}〕\s*(?:第\s*\d+|0\d*))\s*号")


def check_punct_docno(s: Subject) -> Iterable[Problem]:
    """A 文号 in the text written with [] or () around the year, 第, or leading zeros: 永贡政〔2023〕69号."""
    for path, text in _prose(s.data):
        for m in _DOCNO.finditer(text):
            yield s.at(path, text, m.start(), f"发文字号“{m.group()}”的写法不规范。",
                       "年份用六角括号〔〕括起来，序号不加“第”、不编虚位，如 永贡政〔2023〕69号。")


# ---- the table -----------------------------------------------------------------------------------------

CHECKS: tuple[Check, ...] = (
    Check("schema", ERROR, "输入文件无法读取或不符合输入格式（YAML 语法、编码、未知的键、缺少字段、数值越界）", "input", check_schema),
    Check("facts", ERROR, "数字自相矛盾：比率与计算依据不符、【】数字写法有误、日期不存在（与 validate 相同）", "data", check_facts),
    Check("build", ERROR, "输入无误，但报告无法生成（地区模板有误）", "valid", check_build),
    Check("parts.empty", WARNING, "五个部分之一印出来全是标准表述，没有本镇自己的内容", "built", check_parts_empty),
    Check("parts.other", HINT, "没有填写第五部分 other（将印成“无。”）", "valid", check_parts_other),
    Check("shortcoming.cause", WARNING, "不足没有写原因（会接上标准原因或没有原因）", "valid", check_shortcoming_cause),
    Check("shortcoming.plan", HINT, "不足在第四部分没有同一领域的安排（各条安排都写了 area 时）", "valid",
          check_plans_answer),
    Check("year.heading", WARNING, "标题、各部分标题的年份不是报告年度（第四部分应为下一年度）", "valid", _year_check("year.heading")),
    Check("year.previous", WARNING, "上一年度的年份不在比较中出现（同比、较上年、比…年、与…年相比之外）", "valid",
          _year_check("year.previous")),
    Check("year.plans", WARNING, "第四部分的安排写的不是下一年度", "valid", _year_check("year.plans")),
    Check("year.future", WARNING, "出现了晚于下一年度的年份", "valid", _year_check("year.future")),
    Check("stale.marked", ERROR, "还标着“待更新”的上年数字（【待更新…】、stale: true）", "valid", check_stale_marked),
    Check("previous", ERROR, "上一年度的文件（previous 或 --previous）找不到、有错误或不是上一年度", "valid", check_previous),
    Check("stale.unchanged", WARNING, "与上年同一事实完全相同、却没有标“待更新”的数字（需要 previous）", "valid",
          check_stale_unchanged),
    Check("placeholder", ERROR, "没填的占位符：××、XX、〇〇、〔〕号、年 月 日、某某、TODO、待填", "data", check_placeholder),
    Check("date.late", WARNING, "成文日期晚于向上级报送的截止日期（默认次年3月1日，--deadline）", "valid", check_date_late),
    Check("date.unpublished", ERROR, "成文日期晚于向社会公开的截止日期（默认次年4月1日，--publish-by）", "valid",
          check_date_unpublished),
    Check("date.early", HINT, "成文日期在报告年度结束之前", "valid", check_date_early),
    Check("measure-word", WARNING, "量词与名词不搭配（会议→次，案件→件；与 validate 相同）", "valid", _coded("measure-word")),
    Check("label-verb", WARNING, "数字事实的说明不以动词开头（与 validate 相同）", "valid", _coded("label-verb")),
    Check("zero-count", WARNING, "零值会印成“0件”（【0件】或句子里的 0件）", "valid", check_zero_count),
    Check("guidance", WARNING, "指导思想没有写到这一年度应写的全会精神（与 validate 相同）", "valid", _coded("guidance")),
    Check("initiative-kind", WARNING, "看不出工作品牌是活动、机制还是品牌（与 validate 相同）", "valid", _coded("initiative-kind")),
    Check("input.notice", WARNING, "读取文件时的其他提醒（如 GBK 编码）", "data", check_notice),
    Check("repeat.paragraph", WARNING, "同一段文字出现了两次", "valid", check_repeat_paragraph),
    Check("repeat.heading", WARNING, "同一部分里的标题（或不足）重复", "valid", check_repeat_heading),
    Check("punct.halfwidth", WARNING, "中文里用了半角标点 , ; : ? ! ( ) \"", "data", check_punct_halfwidth),
    Check("punct.bracket", WARNING, "残留的【】（不是数字写法，会原样印出）", "data", check_punct_bracket),
    Check("punct.unbalanced", WARNING, "引号“”、书名号《》、括号（）〔〕不成对", "data", check_punct_unbalanced),
    Check("punct.docno", WARNING, "正文中的发文字号没有用〔〕、加了“第”或编了虚位", "data", check_punct_docno),
    Check("standard", HINT, "模板替镇里写的标准表述（逐处列出，核对是否符合实际）", "built", check_standard),
)
BY_ID = {c.id: c for c in CHECKS}


def _ready(check: Check, s: Subject) -> bool:
    if check.needs == "input":
        return True
    if check.needs == "data":
        return s.loaded is not None
    if not s.valid:
        return False
    return check.needs == "valid" or (not s.fact_errors and s.composed[0] is not None)


def lint_file(path: Path | str, options: Options | None = None) -> list[Finding]:
    """Every finding for one input, sorted by line; an unreadable or invalid file gives its errors, no exception."""
    options = options or Options()
    name = str(path)
    try:
        loaded, errors = load(Path(path)), []
    except InputError as err:
        loaded, errors = None, err.problems
    subject = Subject(name, loaded, options, errors)
    found: list[Finding] = []
    for check in CHECKS:
        if _ready(check, subject):
            found += [Finding(check.id, check.severity, p) for p in check.run(subject)]
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda f: f.key)


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    out = dict.fromkeys((ERROR, WARNING, HINT), 0)
    for f in findings:
        out[f.severity] += 1
    return out


def month_day(text: str) -> tuple[int, int]:
    """'3-1', '03-01', '3月1日' → (3, 1); ValueError with a Chinese message otherwise."""
    m = re.fullmatch(r"\s*(\d{1,2})\s*(?:-|/|月)\s*(\d{1,2})\s*日?\s*", text)
    if not m:
        raise ValueError(f"“{text}”不是“月-日”的写法，应写成如 3-1。")
    month, day = map(int, m.groups())
    try:
        dt.date(2000, month, day)  # a leap year: 2-29 is a date
    except ValueError as err:
        raise ValueError(f"“{text}”不是日历上存在的日期。") from err
    return month, day


def table_markdown() -> str:
    """The check table as docs/lint.md prints it (a test keeps the two equal)."""
    rows = [f"| `{c.id}` | {c.severity} | {c.description.replace('|', '｜')} |" for c in CHECKS]
    return "\n".join(["| 编号 | 级别 | 检查什么 |", "|---|---|---|", *rows])


__all__ = ["BY_ID", "CHECKS", "ERROR", "HINT", "RANK", "WARNING", "Check", "Finding", "Options", "counts", "lint_file",
           "month_day", "table_markdown"]
