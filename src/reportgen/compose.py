"""Jinja (sandboxed, strict) renders the context through a region's templates into a list of Blocks."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import html
import os
import re
import sys
import time
import types
import zlib
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment, modifies_known_mutable
from jinja2.utils import generate_lorem_ipsum
from markupsafe import Markup

from reportgen import derive, era, resources
from reportgen.blocks import PARTS, PIECED, Block
from reportgen.errors import TemplateError, TemplateLimitError, UsageError
from reportgen.numbering import Counter, cn_numeral

RECORDS = frozenset(  # the context's record types (derive.py, era.py)
    cls for module in (derive, era) for cls in vars(module).values()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__)
REGION_NAME = re.compile(r"^[a-z0-9-]+$")
ENTRY = "report.j2"

# A template line is a paragraph; a leading tag gives it a role. Values are HTML-escaped by autoescape,
# so a user's text can never forge a tag: "<h1>" typed in a YAML arrives here as "&lt;h1&gt;".
_LINE = re.compile(r"^<(?P<tag>mark|docno|title|recipient|h[1-4]|sign|date|blank|signer|attach|cc|printed)(?P<attrs>(?:\s+[a-z]+(?:=[a-z0-9_-]+)?)*)>"
                   r"(?P<text>.*)$")
_RUNIN = "<run>"
# A standard passage (wording the town did not write) is wrapped by std() in three private-use characters,
# which no input may hold (schema/checks.py refuses them): START key SEP text END. parse() records where each is.
_STD_START, _STD_SEP, _STD_END = "\ue000", "\ue001", "\ue002"
_STD = re.compile(f"{_STD_START}([^{_STD_SEP}]*){_STD_SEP}|{_STD_END}|{derive.STALE_OPEN}|{derive.STALE_CLOSE}")
_CHANGE = re.compile(f"{derive.CHANGE_OPEN}([0-9]+){derive.CHANGE_CLOSE}")
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,12})\}")
_ENDINGS = "。！？；：…"


# ---- filters offered to templates (docs/regions.md lists them) ------------------------------------------

def _same_kind(original: Any, text: str) -> Any:
    """Keep autoescaped Markup as Markup: these filters only add or strip punctuation, never markup."""
    return Markup(text) if isinstance(original, Markup) else text


def sentence(text: Any) -> Any:
    """End `text` as a sentence: append 。 unless it already ends with one of 。！？；：… — never replace a
    character, so a user's text stays verbatim."""
    out = str(text).rstrip()
    return _same_kind(text, out if not out or out[-1] in _ENDINGS else out + "。")


def clause(text: Any) -> Any:
    """Strip a final 。 so a text can be joined into a longer sentence with ； (一是……；二是……。)."""
    out = str(text).rstrip()
    return _same_kind(text, out[:-1] if out.endswith("。") else out)


def cn_year(year: int) -> str:
    """2023 → 二〇二三 (a year read digit by digit, as in 二〇二三年)."""
    return "".join("〇一二三四五六七八九"[int(d)] for d in str(year))


def percent(value: Any) -> str:
    """96.92 → 96.92%, 100.0 → 100%."""
    return f"{derive.format_number(value)}%"


_KEEP = 5  # variants left to choose from once the ones least about the town's facts are passed over


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _text_of(option: Any) -> str:
    return "".join(map(str, option.values())) if isinstance(option, dict) else str(option)


@jinja2.pass_context
def pick(ctx: jinja2.runtime.Context, options: Any, key: str, year: int | None = None, prefer: str = "",
         keep: int = _KEEP) -> Any:
    """One of several variants written to the same standard, chosen from the town and `key`: towns differ,
    the same input gives the same text. Variants naming something that did not exist in `year` (the
    report's year unless given; years.yaml `terms`) are passed over; with `prefer` (the words of the
    town's own facts, or the shortcoming a plan answers), only the `keep` variants sharing most of them
    stay, so a heading about audits does not sit above numbers about petitions. A single string is
    returned as is."""
    if isinstance(options, str) or not options:
        return options
    when = era.of(year or ctx["year"])
    usable = [o for o in options if when.has_term(_text_of(o))] or list(options)
    if prefer and len(usable) > keep:
        wanted = _bigrams(prefer)
        scores = [len(wanted & _bigrams(_text_of(o))) for o in usable]
        floor = sorted(scores, reverse=True)[keep - 1]  # the best few, ties kept: still a choice between towns
        usable = [o for o, score in zip(usable, scores, strict=True) if score >= floor]
    return usable[zlib.crc32(f"{ctx['seed']}|{key}".encode()) % len(usable)]


def std(key: str, text: Any) -> Markup:
    """Mark `text` as a standard passage (listed by `build -v`, highlighted by `build --mark`)."""
    if not str(text):
        return Markup("")
    return Markup(f"{_STD_START}{html.escape(key)}{_STD_SEP}") + text + Markup(_STD_END)


def stale(text: Any) -> Markup:
    """Mark `text` as a number carried over from last year (`reportgen next`) and not yet updated: parse()
    records its span and adds the marker phrase (phrases.yaml `stale.marker`); typeset highlights both."""
    if not str(text):
        return Markup("")
    return Markup(derive.STALE_OPEN) + text + Markup(derive.STALE_CLOSE)


def fill(text: Any, values: dict[str, Any]) -> Any:
    """Replace {名称} placeholders in a standard passage with values from the template (e.g. the year's 普法规划)."""
    def one(m: re.Match[str]) -> str:
        if m[1] not in values:
            raise jinja2.UndefinedError(f"标准表述中的占位符 {{{m[1]}}} 没有对应的值")
        return str(values[m[1]])

    return _same_kind(text, _PLACEHOLDER.sub(one, str(text)))


# ---- the environment -------------------------------------------------------------------------------------

def template_roots(workdir: Path | None = None) -> list[Path]:
    """A working folder's own templates/ first, then the shipped ones."""
    roots = []
    if workdir is not None and (workdir / "templates").is_dir():
        roots.append((workdir / "templates").resolve())
    shipped = resources.templates_dir().resolve()
    if shipped not in roots:
        roots.append(shipped)
    return roots


def check_region_name(region: str) -> str:
    """A region is a folder name under templates/: nothing that could leave it (../, /, capitals, dots)."""
    if not REGION_NAME.fullmatch(region):  # fullmatch: `$` would let a trailing newline through
        raise UsageError(f"地区模板名 “{region}” 不合法：只能用小写字母、数字和连字符（如 guangdong-meizhou）。")
    return region


def check_region(region: str, roots: Sequence[Path]) -> str:
    check_region_name(region)
    if not any((root / region).is_dir() for root in roots):
        known = sorted({p.name for root in roots for p in root.iterdir() if p.is_dir()})
        raise UsageError(f"找不到地区模板 “{region}”。可用的有：{'、'.join(known)}。")
    return region


# ---- the sandbox budget ----------------------------------------------------------------------------------
# A region template is code from a province's office: it may loop, call and multiply, within bounds far above any
# report (some 20,000 characters written, 1,500 steps, 6 nested calls for the examples) and far below minutes of
# work or gigabytes of memory. The size limits grow with the input: the largest input load.py accepts (millions
# of characters) must still build.
MAX_RANGE = 10_000  # items one range() may give
MAX_STR = 1_000_000  # characters (or items) of one string or list an operator, call or filter makes (~1 MB) …
STR_PER_CHAR = 2  # … plus this many per character of the input
MAX_OUTPUT = 5_000_000  # characters written in all (counted where made, so a macro's text counts again where used) …
OUTPUT_PER_CHAR = 10  # … plus this many per character of the input
MAX_STEPS = 200_000  # loop iterations and macro calls …
STEPS_PER_VALUE = 50  # … plus this many per value of the input
MAX_SECONDS = 10.0
CHECK_EVERY = 8  # steps between looks at the clock (a step may cost milliseconds)
MAX_BITS = 10_000  # an integer an operator makes (some 3,000 digits)
MAX_LIPSUM = (20, 200)  # lipsum(): paragraphs, words per paragraph
MAX_MEMORY = 512 * 2**20  # address space a render may add (Linux): the backstop for whatever the checks miss

_LIMIT_HINT = "模板只需循环输入中的条目、写出一份报告；请检查循环、乘法（*）、拼接（~、+）和宏调用。"


def _limit(what: str) -> str:
    return f"{what}，超出了模板的运行上限。\n    提示：{_LIMIT_HINT}"


def _over(what: str) -> TemplateLimitError:
    """Raised inside the template; render() adds the template file and line."""
    return TemplateLimitError(_limit(what))


def _measure(context: Any) -> tuple[int, int]:
    """Values and characters of the input as the template sees it (records, lists, strings)."""
    values = chars = 0
    stack, seen = [context], set()
    while stack and values < 100 * MAX_STEPS:
        value = stack.pop()
        values += 1
        if isinstance(value, str):
            chars += len(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif dataclasses.is_dataclass(value) and id(value) not in seen:  # an era record is shared by every report
            seen.add(id(value))
            stack.extend(getattr(value, f.name) for f in dataclasses.fields(value))
    return values, chars


@dataclasses.dataclass(slots=True)
class _Budget:
    """What one render has used so far, and may use. Every loop iteration and macro call is a step; the limits
    and the clock are checked every CHECK_EVERY steps and whenever the text
    written passes MAX_OUTPUT. The input is measured only once a base limit is passed, so an ordinary report pays
    nothing for the scaling."""

    context: Any
    deadline: float
    steps: int = 0
    written: int = 0
    next_check: int = CHECK_EVERY
    measured: tuple[int, int] | None = None  # the input's (values, characters)

    def _input(self) -> tuple[int, int]:
        if self.measured is None:
            self.measured = _measure(self.context)
        return self.measured

    def str_limit(self) -> int:
        return MAX_STR + STR_PER_CHAR * self._input()[1]

    def check(self) -> None:
        self.next_check = self.steps + CHECK_EVERY
        if self.written > MAX_OUTPUT and self.written > (limit := MAX_OUTPUT + OUTPUT_PER_CHAR * self._input()[1]):
            raise _over(f"模板生成的文字超过 {limit:,} 个字符，而一份报告只有几万字")
        if self.steps > MAX_STEPS and self.steps > (limit := MAX_STEPS + STEPS_PER_VALUE * self._input()[0]):
            raise _over(f"模板的循环和调用超过 {limit:,} 次")
        if time.thread_time() > self.deadline:  # CPU time: a loaded machine does not fail a sound template
            raise _over(f"模板运行超过 {MAX_SECONDS:g} 秒")


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("reportgen_budget", default=None)


def _size(value: Any, cap: int = 100 * MAX_STR, depth: int = 8) -> int:
    """Characters of a string; items plus their characters for a list, tuple, set or dict; a range's length.
    Stops counting past `cap`."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, range):
        return len(value)
    if isinstance(value, (list, tuple, set, frozenset, dict)) and depth:
        total = len(value)
        for item in (value.items() if isinstance(value, dict) else value):
            if total > cap:
                break
            total += _size(item, cap - total, depth - 1)
        return total
    return 1


def _too_long(size: int) -> int | None:
    """The limit `size` exceeds (MAX_STR, grown with the input while rendering), or None."""
    if size <= MAX_STR:
        return None
    budget = _BUDGET.get()
    limit = MAX_STR if budget is None else budget.str_limit()
    return limit if size > limit else None


_CONTAINERS = (list, tuple, set, frozenset, dict)
_METHODS = (types.BuiltinMethodType, types.MethodType)
_SIZED_TYPES = (str, *_CONTAINERS)


def _check_size(value: Any, what: str) -> Any:
    """A result's own length (characters or items): what it holds was checked when it was made, and is checked
    again, in depth, where it is joined or written out."""
    if isinstance(value, _SIZED_TYPES) and (limit := _too_long(len(value))):
        raise _over(f"{what}超过 {limit:,} 个字符（约 {limit // 1_000_000} MB）")
    return value


# A width or precision of a million or more, or one taken from the arguments (%*d, {:{}}).
_WIDE_FORMAT = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(?:\d{7,}|\d*\.\d{7,})|\{[^{}]*:[^{}]*\d{7,}[^{}]*\}")
_ARG_WIDTH = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(?:\*|\d*\.\*)|\{[^{}]*:[^{}]*\{")


def _ints(values: Any) -> list[int]:
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _check_format(fmt: str, args: Sequence[Any]) -> None:
    """`'%1000000000d' % 1` or `'{:>{}}'.format(1, 10**9)` would make a gigabyte of spaces before any check."""
    if _WIDE_FORMAT.search(fmt) or (_ARG_WIDTH.search(fmt) and any(abs(n) >= MAX_STR for n in _ints(args))):
        raise _over(f"格式串 “{fmt[:40]}” 的宽度超过 {MAX_STR:,} 个字符（约 1 MB）")


# Filters and string methods whose number parameters are a size (a width, a count of items to fill) …
_SIZED = frozenset({"center", "indent", "batch", "slice", "wordwrap", "truncate", "ljust", "rjust", "zfill",
                    "expandtabs"})
# … and those that turn a whole list into one string, whatever their parameters.
_JOINS = frozenset({"join", "string", "pprint", "tojson", "sum", "format", "xmlattr", "urlize", "escape", "e",
                    "forceescape"})
# Filters that can make more than they are given; the others (sentence, cn, length, upper …) make at most a few
# characters more and are left as they are: a filter is called hundreds of times per report.
_AMPLIFIERS = _SIZED | _JOINS | {"replace", "fill"}
_STR_AMPLIFIERS = _SIZED | {"replace", "join"}  # string methods, checked the same way


def _check_args(name: str, value: Any, params: Sequence[Any]) -> None:
    """Refuse, before the work, a filter or string method whose result would exceed MAX_STR: the value's size times
    its string parameters (replace, join, wordwrap), plus its sizes times its lines (center, indent, batch)."""
    strings = 0
    for param in params:
        if isinstance(param, str):
            strings += len(param)
        elif isinstance(param, _CONTAINERS):
            strings += _size(param)
    if not strings and name not in _SIZED and name not in _JOINS:
        return  # nothing to multiply the value by: the result is no larger than what exists already
    estimate = _size(value) * (1 + strings)
    if name in _SIZED:
        estimate += sum(abs(n) for n in _ints(params)) * (value.count("\n") + 1 if isinstance(value, str) else 1)
    if limit := _too_long(estimate):
        raise _over(f"“{name}” 的结果会超过 {limit:,} 个字符（约 {limit // 1_000_000} MB）")


def _guarded(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter with the budget: its arguments checked before, its result after."""
    skip = 0 if getattr(func, "jinja_pass_arg", None) is None else 1  # the context Jinja passes first
    joins, sized = name in _JOINS, name in _SIZED

    @functools.wraps(func)
    def filtered(*args: Any, **kwargs: Any) -> Any:
        # A string or list with parameters (or a list to join); a lazy sequence (select, map) has no size to check.
        if (len(args) > skip + 1 or kwargs or joins) and (isinstance(args[skip], (*_SIZED_TYPES, range)) or sized):
            params = [*args[skip + 1:], *kwargs.values()]
            if name == "format":
                _check_format(str(args[skip]), params)
            _check_args(name, args[skip], params)
        result = func(*args, **kwargs)
        if isinstance(result, _SIZED_TYPES) and len(result) > MAX_STR:
            _check_size(result, f"过滤器 {name} 的结果")
        return result

    return filtered


def _range(*args: int) -> range:
    """range() for templates: at most MAX_RANGE items (Jinja's own sandbox allows 100,000 and raises OverflowError,
    which would end in the apology)."""
    numbers = range(*args)
    try:
        count = len(numbers)
    except OverflowError:
        count = MAX_RANGE + 1
    if count > MAX_RANGE:
        raise _over(f"range() 最多生成 {MAX_RANGE:,} 项，这里要生成 {count:,} 项" if count <= sys.maxsize
                    else f"range() 最多生成 {MAX_RANGE:,} 项")
    return numbers


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    """lipsum() for templates: placeholder text in a draft, a few paragraphs at most."""
    paragraphs, words = MAX_LIPSUM
    if n > paragraphs or min > words or max > words:
        raise _over(f"lipsum() 最多生成 {paragraphs} 段、每段 {words} 词")
    return generate_lorem_ipsum(n, html, min, max)


# A loop body, macro, call block and template gets a step compiled at its top, with the size of the template text
# it writes each time it runs: a loop of literal text is counted though no `{{ }}` runs in it. (Nesting too deep,
# a macro calling itself for ever, ends in Python's RecursionError, which render() reports.)
_STEP = "step"
_OWN_COUNT = (nodes.For, nodes.Macro, nodes.CallBlock)


def _literal_size(body: list[nodes.Node]) -> int:
    """Characters of template text in a body, not counting nested loops and macros (counted on their own)."""
    size, stack = 0, list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, _OWN_COUNT):
            continue
        if isinstance(node, nodes.TemplateData):
            size += len(node.data)
        elif isinstance(node, nodes.Const) and isinstance(node.value, str):
            size += len(node.value)
        stack.extend(node.iter_child_nodes())
    return size


class BudgetedCodeGenerator(CodeGenerator):
    """Jinja's compiler (Environment.code_generator_class) plus the budget: a step in every loop body, macro and
    template, and a size check on every `~` concatenation (a string doubled in a loop)."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for owner in [node, *node.find_all(_OWN_COUNT)]:
            step = nodes.Call(nodes.EnvironmentAttribute(_STEP), [nodes.Const(_literal_size(owner.body))], [], None,
                              None, lineno=owner.lineno)
            owner.body = [nodes.ExprStmt(step, lineno=owner.lineno), *owner.body]
        super().visit_Template(node, frame)

    def visit_ExprStmt(self, node: nodes.ExprStmt, frame: Frame) -> None:
        """Our step is written as a plain call: through the sandbox's call() it would cost a check per iteration.
        (Jinja allows no custom node types; an EnvironmentAttribute cannot come from template source.)"""
        call = node.node
        if isinstance(call, nodes.Call) and isinstance(call.node, nodes.EnvironmentAttribute) \
                and call.node.name == _STEP:
            self.writeline(f"environment.{_STEP}({call.args[0].value})", node)
        else:
            super().visit_ExprStmt(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked(")
        super().visit_Concat(node, frame)
        self.write(")")


class ReportSandbox(SandboxedEnvironment):
    """Jinja's sandbox for the shipped templates (our own code, run unmetered at full speed), with a fast yes for
    the public fields of our own frozen records (derive.py): they hold data only, and templates read hundreds of
    them per report. Everything else gets the full check."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals.update(range=_range, lipsum=_lipsum)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if type(obj) in RECORDS and not attr.startswith("_"):
            return True
        return super().is_safe_attribute(obj, attr, value)

    def guard_filters(self) -> None:
        """Nothing to guard in our own templates."""


class BudgetedSandbox(ReportSandbox):
    """The sandbox for a search path with a working folder's templates/ (a province's own regions, or its copy of
    ours): lists and dicts read-only (no doubling a list in a loop), and every loop, macro, output, amplifying
    operator, filter and string method counted against the budget above. Costs some 4% of a build (bench/limits.py)."""

    code_generator_class = BudgetedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.finalize = self.written

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if type(obj) in RECORDS and not attr.startswith("_"):
            return True
        if isinstance(obj, (list, dict, set)) and modifies_known_mutable(obj, attr):  # Jinja's immutable sandbox,
            return False  # for the only mutable types a template can hold, without its abstract-class tests on every
        return SandboxedEnvironment.is_safe_attribute(self, obj, attr, value)  # attribute of every other object

    def guard_filters(self) -> None:
        """Put the filters that can amplify (Jinja's and ours) under the budget; templates compiled after this see
        the guarded ones."""
        self.filters = {name: _guarded(name, func) if name in _AMPLIFIERS else func
                        for name, func in self.filters.items()}

    @staticmethod
    def step(size: int) -> None:
        """Compiled at the top of each loop body, macro, call block and template (BudgetedCodeGenerator)."""
        budget = _BUDGET.get()
        if budget is not None:
            budget.steps += 1
            budget.written += size
            if budget.steps >= budget.next_check or budget.written > MAX_OUTPUT:
                budget.check()

    @staticmethod
    def written(value: Any) -> Any:
        """Jinja's finalize hook: every `{{ … }}` passes here on its way out, so output is counted where it is made."""
        budget = _BUDGET.get()
        if budget is not None:
            budget.written += len(value) if isinstance(value, str) else (
                _size(value) if isinstance(value, _CONTAINERS) else 1)
            if budget.written > MAX_OUTPUT:
                budget.check()
        return value

    @staticmethod
    def checked(value: str) -> str:
        """Compiled around every `~` (BudgetedCodeGenerator)."""
        if len(value) > MAX_STR:
            _check_size(value, "拼接（~）的结果")
        return value

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and _ints([times]) and (limit := _too_long(_size(seq) * times)):
                    raise _over(f"乘法（*）得到的字符串或列表超过 {limit:,} 个字符（约 {limit // 1_000_000} MB）")
            if _ints([left, right]) == [left, right] and left.bit_length() + right.bit_length() > MAX_BITS:
                raise _over(f"乘法（*）得到的整数超过 {MAX_BITS:,} 位（二进制）")
        elif operator == "**":
            if _ints([left, right]) == [left, right] and abs(left) > 1 and right * left.bit_length() > MAX_BITS:
                raise _over(f"乘方（**）得到的整数超过 {MAX_BITS:,} 位（二进制）")
        elif operator == "%" and isinstance(left, str):
            _check_format(left, right if isinstance(right, tuple) else [right])
        result = self.binop_table[operator](left, right)
        if isinstance(result, _SIZED_TYPES) and len(result) > MAX_STR:
            _check_size(result, f"运算（{operator}）的结果")
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., Any] | None:
        """Jinja's hook on every attribute a template reads: it wraps str.format in its sandboxed formatter. We also
        wrap the string methods that can make a gigabyte from a few characters ('x'.center(10**9), .replace, .join,
        a wide format): their arguments are checked before they run. Anything else (data) passes at once."""
        if type(value) not in _METHODS or not isinstance(value.__self__, str):
            return None
        owner, name = value.__self__, value.__name__
        method = super().wrap_str_format(value)  # format, format_map: Jinja's sandboxed formatter
        if method is None and name not in _STR_AMPLIFIERS:
            return None
        run = method or value

        def checked(*args: Any, **kwargs: Any) -> Any:
            if method is not None:
                _check_format(owner, [*args, *kwargs.values()])
            else:
                _check_args(name, owner, [*args, *kwargs.values()])
            result = run(*args, **kwargs)
            if len(result) > MAX_STR:
                _check_size(result, f"“{name}” 的结果")
            return result

        return functools.update_wrapper(checked, run)


_STATM: dict[int, int] = {}  # pid → its open /proc/self/statm (a forked worker must not read its parent's)


def _address_space() -> int:
    """Bytes of address space this process uses (Linux; OSError elsewhere). Read with pread on a file kept open:
    a tenth of the cost of opening it for every report."""
    import resource

    pid = os.getpid()
    if pid not in _STATM:
        _STATM[pid] = os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC)
    return int(os.pread(_STATM[pid], 64, 0).split()[0]) * resource.getpagesize()


@contextlib.contextmanager
def _memory_cap(extra: int) -> Iterator[None]:
    """Let what runs inside add at most `extra` bytes of address space (Linux): the backstop for a template path the
    checks above do not know. The refused allocation becomes a MemoryError; the limit is restored after."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = _address_space() + extra
    except (ImportError, OSError, ValueError):
        cap = None
    if cap is None or (hard != resource.RLIM_INFINITY and cap > hard) or (
            soft != resource.RLIM_INFINITY and soft <= cap):
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# ---- reading a region's files ----------------------------------------------------------------------------

def not_utf8(path: Path | str, err: UnicodeDecodeError) -> TemplateError:
    """A region's file saved in another encoding (GBK from Notepad): named, with the line, and how to fix it."""
    line = err.object[:err.start].count(b"\n") + 1
    return TemplateError("文件不是 UTF-8 编码（可能是 GBK），无法读取。\n"
                         "    提示：请用记事本或 WPS 打开该文件，选择“另存为”，编码选 UTF-8 后保存。", str(path), line)


def read_text(path: Path) -> str:
    """A region's template, phrases.yaml or region.yaml as text: UTF-8 only, like the templates Jinja reads."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise not_utf8(path, err) from err


class RegionLoader(jinja2.FileSystemLoader):
    """Jinja's file loader, naming a template file that is not UTF-8 instead of failing inside the codec."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as err:
            pieces = split_template_path(template)
            found = [Path(root, *pieces) for root in self.searchpath if Path(root, *pieces).is_file()]
            raise not_utf8(found[0] if found else template, err) from err


def _merge(base: Any, over: Any) -> Any:
    """Mappings merge key by key, to any depth; anything else (a list of variants, a string) is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: _merge(base.get(k), v) for k, v in over.items()}}
    return over


PHRASES = "phrases.yaml"


def phrases(region: str, roots: Sequence[Path]) -> dict[str, Any]:
    """The standard phrasing a region sees: base/phrases.yaml, then the region's own entries over it
    (shipped first, a working folder's last, so the clerk's own folder wins)."""
    import yaml

    merged: dict[str, Any] = {}
    folders = [root / "base" for root in reversed(roots)] + [root / region for root in reversed(roots)]
    for folder in dict.fromkeys(folders):
        path = folder / PHRASES
        if path.is_file():
            try:
                data = yaml.safe_load(read_text(path)) or {}
            except yaml.YAMLError as err:
                mark = getattr(err, "problem_mark", None)
                raise TemplateError(f"标准表述文件无法读取（{err}）。", str(path),
                                    mark.line + 1 if mark is not None else None) from err
            if not isinstance(data, dict):
                raise TemplateError("标准表述文件的最外层应当是“键: 值”的映射。", str(path))
            merged = _merge(merged, data)
    return merged


@cache
def environment(region: str, roots: tuple[Path, ...]) -> ReportSandbox:
    """One environment per (region, search path): `report.j2` and partials resolve region → base."""
    search = [root / region for root in roots] + [root / "base" for root in roots] + list(roots)
    ours = roots == (resources.templates_dir().resolve(),)
    env = (ReportSandbox if ours else BudgetedSandbox)(
        loader=RegionLoader([str(p) for p in search if p.is_dir()]),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(cn=cn_numeral, cn_year=cn_year, sentence=sentence, clause=clause, percent=percent, fill=fill)
    env.guard_filters()
    env.globals.update(pick=pick, std=std, stale=stale, p=phrases(region, roots))
    return env


def _template_location(tb: Any, recursion: bool = False) -> tuple[str | None, int | None]:
    """The innermost template frame of a traceback: Jinja maps its line numbers back to the .j2 file. For a
    recursion, the template line found most often on the stack: the call or include that repeats."""
    frames: list[tuple[str | None, int | None]] = [(None, None)]
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):
            frames.append((name, tb.tb_lineno))
        tb = tb.tb_next
    return max(frames, key=frames.count) if recursion and len(frames) > 1 else frames[-1]


_PACKAGE = str(Path(__file__).parent)
# Functions of this module that stand in for a builtin the template called: the operator hook, range, lipsum, a
# guarded filter or string method. An error inside them is the template's.
_STAND_INS = frozenset({"call_binop", "_range", "_lipsum", "filtered", "checked"})


def _raised_by_template(tb: Any) -> bool:
    """True when the template's own expression failed (1/0, 'a' + 1, none|join): of the frames that are a template
    or our code, the innermost is a template or a stand-in for a builtin. Jinja's and Python's own frames do not
    count; a function of ours failing (pick, a derived record) is our bug."""
    template = False
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.endswith(".j2") or (code.co_filename == __file__ and code.co_name in _STAND_INS):
            template = True
        elif code.co_filename.startswith(_PACKAGE):
            template = False
        tb = tb.tb_next
    return template


def render(context: dict[str, Any], region: str = "base", workdir: Path | None = None) -> str:
    roots = tuple(template_roots(workdir))
    check_region(region, roots)
    env = environment(region, roots)
    budget = _BUDGET.set(_Budget(context, time.thread_time() + MAX_SECONDS))
    try:
        with _memory_cap(MAX_MEMORY) if isinstance(env, BudgetedSandbox) else contextlib.nullcontext():
            return _placed(env, context, env.get_template(ENTRY).render(context))
    except jinja2.TemplateSyntaxError as err:
        raise TemplateError(f"模板语法错误：{err.message}", err.filename or err.name, err.lineno) from err
    except jinja2.UndefinedError as err:
        file, line = _template_location(sys.exc_info()[2])
        raise TemplateError(f"模板使用了输入中没有的字段（{err.message}）。", file, line) from err
    except jinja2.exceptions.SecurityError as err:
        file, line = _template_location(sys.exc_info()[2])
        raise TemplateError(f"模板试图执行不允许的操作（{err}）。", file, line) from err
    except jinja2.TemplateNotFound as err:
        raise TemplateError(f"找不到模板文件 “{err.name}”。") from err
    except jinja2.TemplateError as err:
        file, line = _template_location(sys.exc_info()[2])
        raise TemplateError(f"模板出错：{err}", file, line) from err
    except TemplateLimitError as err:
        raise TemplateLimitError(err.detail, *_template_location(sys.exc_info()[2])) from err
    except RecursionError as err:  # {% include %} of itself, or nesting deeper than Python's own stack
        raise TemplateLimitError(_limit("模板的嵌套（宏调用或 include）太深，可能是模板在包含或调用自己"),
                                 *_template_location(sys.exc_info()[2], recursion=True)) from err
    except MemoryError as err:
        raise TemplateLimitError(_limit(f"模板占用的内存超过 {MAX_MEMORY // 2**20} MB"),
                                 *_template_location(sys.exc_info()[2])) from err
    except (ArithmeticError, ValueError, TypeError) as err:
        if not _raised_by_template(sys.exc_info()[2]):
            raise
        file, line = _template_location(sys.exc_info()[2])
        raise TemplateError(f"模板中的运算出错（{type(err).__name__}: {err}）。", file, line) from err
    finally:
        _BUDGET.reset(budget)


def _placed(env: jinja2.Environment, context: dict[str, Any], rendered: str) -> str:
    """The rendered report with the wording of each change (macros.j2 `change`) where derive left its marker after
    an inline number, and the marker phrase (phrases.yaml `stale.marker`) closing each stale number's span."""
    if derive.STALE_CLOSE in rendered:
        marker = html.escape(env.globals["p"]["stale"]["marker"])
        rendered = rendered.replace(derive.STALE_CLOSE, marker + derive.STALE_CLOSE)
    if derive.CHANGE_OPEN not in rendered:
        return rendered
    changes = context[derive.CHANGES]
    macro = getattr(env.get_template("macros.j2").make_module(context), "change", None)
    if macro is None:
        raise TemplateError("macros.j2 缺少 change 宏（同比的表述），无法写出与上年的对比。", "macros.j2")
    return _CHANGE.sub(lambda m: str(macro(changes[int(m[1])])), rendered)


def _unmark(text: str, offset: int, spans: list[tuple[int, int, str]],
            stale: list[tuple[int, int]] | None = None) -> str:
    """`text` without standard-passage and stale-number markers; each passage's span (plus `offset`) is added to
    `spans`, each stale number's to `stale`."""
    if _STD_START not in text and derive.STALE_OPEN not in text:
        return html.unescape(text)
    out: list[str] = []
    length = offset
    stack: list[tuple[int, str]] = []
    opened = offset
    at = 0
    for m in _STD.finditer(text):
        piece = html.unescape(text[at:m.start()])
        out.append(piece)
        length += len(piece)
        if m[0] == derive.STALE_OPEN:
            opened = length
        elif m[0] == derive.STALE_CLOSE:
            if stale is not None and length > opened:
                stale.append((opened, length))
        elif m[0] == _STD_END:
            if stack:
                start, key = stack.pop()
                if not stack and length > start:
                    spans.append((start, length, html.unescape(key)))
        else:
            stack.append((length, m[1]))
        at = m.end()
    out.append(html.unescape(text[at:]))
    return "".join(out)


def parse(rendered: str) -> list[Block]:
    """Rendered template text → Blocks, with heading numbers computed in order of appearance."""
    blocks: list[Block] = []
    counter = Counter()
    title_lines: list[str] = []
    for raw_line in rendered.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            spans: list[tuple[int, int, str]] = []
            old: list[tuple[int, int]] = []
            blocks.append(Block("body", _unmark(line, 0, spans, old), std=tuple(spans), stale=tuple(old)))
            continue
        tag, text = match["tag"], match["text"]
        attrs = dict(a.partition("=")[::2] for a in match["attrs"].split())
        if tag == "title":
            title_lines.append(_unmark(text.strip(), 0, []))
            continue
        if tag in ("mark", "signer") and _joined(blocks, tag, attrs, _unmark(text.strip(), 0, [])):
            continue
        if tag in PIECED:
            pieces = [_unmark(piece.strip(), 0, []) for piece in text.split(_RUNIN)]
            head, rest = pieces[0], pieces[1:]
            blocks.append(Block(tag, head, lines=tuple(rest) if tag == "attach" else (),
                                runin="".join(rest) if tag != "attach" else ""))
            continue
        if tag.startswith("h"):
            level = int(tag[1])
            head, _, runin = text.partition(_RUNIN)
            number = "" if "nonum" in attrs else counter.next(level)
            spans, old = [], []
            head_text = _unmark(head.strip(), len(number), spans, old)
            runin_text = _unmark(runin.strip(), len(number) + len(head_text), spans, old)
            blocks.append(Block("heading", head_text, level, number, runin_text, attrs.get("part") or None,
                                std=tuple(spans), stale=tuple(old)))
        else:
            blocks.append(Block(tag, _unmark(text.strip(), 0, []), flags=frozenset(attrs)))
    if title_lines:
        title = Block("title", "".join(title_lines), lines=tuple(title_lines) if len(title_lines) > 1 else ())
        at = next((i for i, b in enumerate(blocks) if b.kind not in ("mark", "docno", "signer")), len(blocks))
        blocks.insert(at, title)
    return _single_marks(blocks)


def _joined(blocks: list[Block], tag: str, attrs: dict[str, str], text: str) -> bool:
    """Several <mark> lines (联合行文: one issuer each, `side` the word to their right) make one 标志; <signer> lines
    (`label` the 签发人： wording, then one name each) one 签发人 block. True when `text` was added to blocks[-1]
    or opened a block of its own; a lone <mark> stays a plain one-line 标志 (False)."""
    last = blocks[-1] if blocks and blocks[-1].kind == tag else None
    if tag == "mark":
        if last is None:
            if "side" in attrs:
                return False
            blocks.append(Block("mark", "", lines=(text,)))
            return True
        blocks[-1] = (dataclasses.replace(last, runin=text) if "side" in attrs
                      else dataclasses.replace(last, lines=(*last.lines, text)))
        return True
    if "label" in attrs:
        blocks.append(Block("signer", text))
    elif last is None:
        blocks.append(Block("signer", "", lines=(text,)))
    else:
        blocks[-1] = dataclasses.replace(last, lines=(*last.lines, text))
    return True


def _single_marks(blocks: list[Block]) -> list[Block]:
    """A 标志 of one line (no issuers list, no side word) back to the plain form typeset has always drawn."""
    return [Block("mark", b.lines[0]) if b.kind == "mark" and len(b.lines) == 1 and not b.runin else b for b in blocks]


def check_parts(blocks: list[Block], region: str) -> None:
    """Every region must still produce the regulation's five parts."""
    present = {b.part for b in blocks if b.part}
    missing = [p for p in PARTS if p not in present]
    if missing:
        raise TemplateError(f"地区模板 “{region}” 生成的报告缺少以下部分：{'、'.join(missing)}。"
                            "每个部分的标题行要写 part=名称，如 <h1 part=other>。")


def compose(context: dict[str, Any], region: str = "base", workdir: Path | None = None) -> list[Block]:
    blocks = parse(render(context, region, workdir))
    check_parts(blocks, region)
    return blocks
