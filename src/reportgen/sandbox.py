"""The sandbox for templates from a working folder (a province's own regions, or its copy of ours): Jinja's
sandbox plus a budget on loops, output, operators, filters, string methods, CPU time and memory, so a region's
template can never hang a batch or exhaust the machine. The shipped templates do not come here (compose.py)."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
import sys
import time
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jinja2
import msgspec
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import SandboxedEnvironment, modifies_known_mutable
from jinja2.utils import generate_lorem_ipsum

from reportgen.compose import RECORDS
from reportgen.errors import TemplateLimitError

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


def limit_message(what: str) -> str:
    """The message for a template over one of the limits, with the hint."""
    return f"{what}，超出了模板的运行上限。\n    提示：{_LIMIT_HINT}"


def _over(what: str) -> TemplateLimitError:
    """Raised inside the template; render() adds the template file and line."""
    return TemplateLimitError(limit_message(what))


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
        elif isinstance(value, msgspec.Struct) and id(value) not in seen:  # an era record is shared by every report
            seen.add(id(value))
            stack.extend(getattr(value, name) for name in value.__struct_fields__)
    return values, chars


class _Budget(msgspec.Struct):
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


class BudgetedSandbox(SandboxedEnvironment):
    """The sandbox for a search path with a working folder's templates/ (a province's own regions, or its copy of
    ours): lists and dicts read-only (no doubling a list in a loop), and every loop, macro, output, amplifying
    operator, filter and string method counted against the budget above. Costs some 4% of a build (bench/limits.py)."""

    code_generator_class = BudgetedCodeGenerator
    budgeted = True  # compose.py asks this rather than import this module for an isinstance
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals.update(range=_range, lipsum=_lipsum)
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


@contextlib.contextmanager
def metered(context: Any) -> Iterator[None]:
    """Render inside: the budget for `context` counted by BudgetedSandbox, the memory cap around it."""
    token = _BUDGET.set(_Budget(context, time.thread_time() + MAX_SECONDS))
    try:
        with _memory_cap(MAX_MEMORY):
            yield
    finally:
        _BUDGET.reset(token)
