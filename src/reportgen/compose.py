"""Jinja (strict; sandboxed for a working folder's templates, sandbox.py) renders the context through a region's
templates into a list of Blocks."""

from __future__ import annotations

import contextlib
import re
import sys
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from functools import cache, lru_cache
from pathlib import Path
from types import BuiltinFunctionType, FunctionType
from typing import Any

import jinja2
import msgspec
from jinja2.loaders import split_template_path
from markupsafe import Markup

from reportgen import cachedir, derive, era, resources
from reportgen.blocks import PARTS, PIECED, Block
from reportgen.errors import TemplateError, TemplateLimitError, UsageError
from reportgen.numbering import Counter, cn_numeral

_HERE = Path(__file__)
_SANDBOX = _HERE.with_name("sandbox.py")
RECORDS = frozenset(  # the context's record types (derive.py, era.py): data only, read hundreds of times a report
    cls for module in (derive, era) for cls in vars(module).values()
    if isinstance(cls, type) and issubclass(cls, msgspec.Struct) and cls.__module__ == module.__name__)
REGION_NAME = re.compile(r"^[a-z0-9-]+$")
ENTRY = "report.j2"

# A template line is a paragraph; a leading tag gives it a role. A user's text can never forge a tag: derive
# writes its "<" as derive.GUARD, put back here ("<h1>" typed in a YAML arrives as GUARD + "h1>"). No HTML
# escaping: autoescape's Markup on every value and macro result was a fifth of rendering.
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
    """Keep Markup (a region template's |safe) as Markup: these filters only add or strip punctuation."""
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


@lru_cache(maxsize=8192)
def _bigrams(text: str) -> frozenset[str]:
    """Kept per text: the variants are the same few hundred for every report."""
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def _text_of(option: Any) -> str:
    return "".join(map(str, option.values())) if isinstance(option, dict) else str(option)


@jinja2.pass_context
def pick(ctx: jinja2.runtime.Context, options: Any, key: str, year: int | None = None, prefer: str = "",
         keep: int = _KEEP, least: float = 0.0) -> Any:
    """One of several variants written to the same standard, chosen from the town and `key`: towns differ,
    the same input gives the same text. Variants naming something that did not exist in `year` (the
    report's year unless given; years.yaml `terms`) are passed over; with `prefer` (the words of the
    town's own facts, or the shortcoming a plan answers), only the `keep` variants sharing most of them
    stay, so a heading about audits does not sit above numbers about petitions, and none sharing less than
    `least` of what the best shares (the plan for 经费使用绩效评价不够深入 is 绩效管理, 16 pairs, not 监督管理,
    5). A single string is returned as is."""
    if isinstance(options, str) or not options:
        return options
    usable, texts = _usable(options, year or ctx["year"])
    if prefer and len(usable) > keep:
        wanted = _bigrams(prefer.replace(derive.GUARD, "<"))  # the town's words as typed
        scores = [len(wanted & _bigrams(text)) for text in texts]
        ranked = sorted(scores, reverse=True)
        floor = max(ranked[keep - 1], ranked[0] * least)  # the best few, ties kept: still a choice between towns
        usable = [o for o, score in zip(usable, scores, strict=True) if score >= floor]
    return usable[zlib.crc32(f"{ctx['seed']}|{key}".encode()) % len(usable)]


_USABLE: dict[tuple[int, int], tuple[Any, list[Any], list[str]]] = {}


def _usable(options: Any, year: int) -> tuple[list[Any], list[str]]:
    """The variants that name nothing `year` did not have, with their text: the same phrase lists every report,
    so kept per list (by identity; the entry holds the list, so its id is not reused) and year. A list a template
    writes out is new every report: the whole store is dropped when it grows past what phrases.yaml holds."""
    hit = _USABLE.get((id(options), year))
    if hit is None or hit[0] is not options:
        if len(_USABLE) >= 4096:
            _USABLE.clear()
        when = era.of(year)
        usable = [o for o in options if when.has_term(_text_of(o))] or list(options)
        hit = _USABLE[(id(options), year)] = (options, usable, [_text_of(o) for o in usable])
    return hit[1], hit[2]


def std(key: str, text: Any) -> str:
    """Mark `text` as a standard passage (listed by `build -v`, highlighted by `build --mark`)."""
    if not str(text):
        return ""
    return f"{_STD_START}{key}{_STD_SEP}{text}{_STD_END}"


def stale(text: Any) -> str:
    """Mark `text` as a number carried over from last year (`reportgen next`) and not yet updated: parse()
    records its span and adds the marker phrase (phrases.yaml `stale.marker`); typeset highlights both."""
    if not str(text):
        return ""
    return f"{derive.STALE_OPEN}{text}{derive.STALE_CLOSE}"


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
        roots.append(_resolved(workdir / "templates"))
    shipped = _resolved(resources.templates_dir())
    if shipped not in roots:
        roots.append(shipped)
    return roots


@lru_cache(maxsize=256)
def _resolved(path: Path) -> Path:
    """path.resolve(), once per path: it reads every link on the way (90 µs, twice per report)."""
    return path.resolve()


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
                data = cachedir.yaml_data(read_text(path), str(path)) or {}
            except yaml.YAMLError as err:
                mark = getattr(err, "problem_mark", None)
                raise TemplateError(f"标准表述文件无法读取（{err}）。", str(path),
                                    mark.line + 1 if mark is not None else None) from err
            if not isinstance(data, dict):
                raise TemplateError("标准表述文件的最外层应当是“键: 值”的映射。", str(path))
            merged = _merge(merged, data)
    return merged


_PLAIN_CALLABLES = (FunctionType, BuiltinFunctionType)  # a def or a builtin (dict.get): called as they are
_BY_CONTEXT = jinja2.utils._PassArg.context


_RENDERING = threading.local()  # .made: the contexts the render under way in this thread has made, or None


class _Context(jinja2.runtime.Context):
    """The shipped templates' context: a call goes straight to the callable, as Context.call and Macro.__call__
    would after asking the callable, its __call__ and the result how to pass arguments (a hundred and forty calls
    a report, most of them macros called with their arguments in order). Each records itself with the render
    under way, which empties it when done (_unlinked)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        made = getattr(_RENDERING, "made", None)
        if made is not None:
            made.append(self)

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        kind = type(__obj)
        macro = kind is jinja2.runtime.Macro
        passed = getattr(__obj, "jinja_pass_arg", None) if kind in _PLAIN_CALLABLES else None
        # pass_context (pick): this context, unless a loop or block has set variables it must see
        if not (macro or (kind in _PLAIN_CALLABLES and (passed is None or (
                passed is _BY_CONTEXT and not kwargs.get("_loop_vars") and not kwargs.get("_block_vars"))))):
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            if not macro:
                return __obj(__self, *args, **kwargs) if passed else __obj(*args, **kwargs)
            left = __obj._argument_count - len(args)
            if (kwargs or left < 0 or __obj.caller or __obj.catch_kwargs or __obj.catch_varargs
                    or __self.eval_ctx.autoescape):  # what only Macro.__call__ handles
                return __obj(__self.eval_ctx, *args, **kwargs)
            # an argument left out is `missing`: the macro takes its default
            return __obj._func(*args, *(jinja2.utils.missing,) * left) if left else __obj._func(*args)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")


def _trusted(env: jinja2.Environment) -> jinja2.Environment:
    """`env` calling straight (_Context), its join, select, list … their synchronous functions, not the wrappers
    that ask on every call whether the environment is async (it never is)."""
    env.context_class = _Context
    env.filters.update({name: f.__wrapped__ for name, f in env.filters.items() if hasattr(f, "__wrapped__")})
    return env


@cache
def environment(region: str, roots: tuple[Path, ...]) -> jinja2.Environment:
    """One environment per (region, search path): `report.j2` and partials resolve region → base. The shipped
    templates are our own code, reviewed and tested like the Python around them: a plain Environment, without the
    sandbox's check on every attribute a template reads (a third of compose's time). A search path with a
    working folder's templates/ gets the budgeted sandbox. Compiled templates are kept in the user's cache;
    Jinja's optimizer (constant folding) is off: it cost 30 ms of compiling them on a first run and saved
    nothing measurable in rendering."""
    search = [root / region for root in roots] + [root / "base" for root in roots] + list(roots)
    ours = roots == (_resolved(resources.templates_dir()),)
    options: dict[str, Any] = {
        "loader": RegionLoader([str(p) for p in search if p.is_dir()]), "undefined": jinja2.StrictUndefined,
        "autoescape": False, "trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True,
        "auto_reload": False, "optimized": False, "bytecode_cache": cachedir.jinja("trusted", _HERE) if ours else cachedir.jinja("sandboxed", _HERE, _SANDBOX)}
    if ours:
        env = _trusted(jinja2.Environment(**options))
    else:
        from reportgen.sandbox import BudgetedSandbox

        env = BudgetedSandbox(**options)
    env.filters.update(cn=cn_numeral, cn_year=cn_year, sentence=sentence, clause=clause, percent=percent, fill=fill)
    if not ours:
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
        if code.co_filename.endswith(".j2") or (code.co_filename == str(_SANDBOX) and code.co_name in _STAND_INS):
            template = True
        elif code.co_filename.startswith(_PACKAGE):
            template = False
        tb = tb.tb_next
    return template


def render(context: dict[str, Any], region: str = "base", workdir: Path | None = None) -> str:
    roots = tuple(template_roots(workdir))
    check_region(region, roots)
    env = environment(region, roots)
    try:
        with _metered(env, context), _unlinked():
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
        from reportgen.sandbox import limit_message

        raise TemplateLimitError(limit_message("模板的嵌套（宏调用或 include）太深，可能是模板在包含或调用自己"),
                                 *_template_location(sys.exc_info()[2], recursion=True)) from err
    except MemoryError as err:
        from reportgen.sandbox import MAX_MEMORY, limit_message

        raise TemplateLimitError(limit_message(f"模板占用的内存超过 {MAX_MEMORY // 2**20} MB"),
                                 *_template_location(sys.exc_info()[2])) from err
    except (ArithmeticError, ValueError, TypeError) as err:
        if not _raised_by_template(sys.exc_info()[2]):
            raise
        file, line = _template_location(sys.exc_info()[2])
        raise TemplateError(f"模板中的运算出错（{type(err).__name__}: {err}）。", file, line) from err


@contextlib.contextmanager
def _unlinked() -> Iterator[None]:
    """Empty every context the render made once it is done. `import … with context` runs macros.j2 again for each
    report, and each macro's function keeps its module's context, which holds the macro: a reference cycle through
    the whole report's data that only Python's cyclic collector frees (a collection most reports, and one of
    ~50 ms over every object in the process every hundred or so). Emptied, reference counting frees it at once."""
    outer = getattr(_RENDERING, "made", None)
    _RENDERING.made = made = []
    try:
        yield
    finally:
        _RENDERING.made = outer
        for ctx in made:
            ctx.vars.clear()


def _metered(env: jinja2.Environment, context: dict[str, Any]) -> contextlib.AbstractContextManager[None]:
    """The budget and memory cap for a sandboxed environment; nothing for the shipped templates."""
    if not getattr(env, "budgeted", False):
        return contextlib.nullcontext()
    from reportgen import sandbox

    return sandbox.metered(context)


def _placed(env: jinja2.Environment, context: dict[str, Any], rendered: str) -> str:
    """The rendered report with the wording of each change (macros.j2 `change`) where derive left its marker after
    an inline number, and the marker phrase (phrases.yaml `stale.marker`) closing each stale number's span."""
    if derive.STALE_CLOSE in rendered:
        marker = env.globals["p"]["stale"]["marker"]
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
        return text.replace(derive.GUARD, "<")
    out: list[str] = []
    length = offset
    stack: list[tuple[int, str]] = []
    opened = offset
    at = 0
    for m in _STD.finditer(text):
        piece = text[at:m.start()].replace(derive.GUARD, "<")
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
                    spans.append((start, length, key))
        else:
            stack.append((length, m[1]))
        at = m.end()
    out.append(text[at:].replace(derive.GUARD, "<"))
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
        match = _LINE.match(line) if line[0] == "<" else None  # most lines are body text
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
        blocks[-1] = (msgspec.structs.replace(last, runin=text) if "side" in attrs
                      else msgspec.structs.replace(last, lines=(*last.lines, text)))
        return True
    if "label" in attrs:
        blocks.append(Block("signer", text))
    elif last is None:
        blocks.append(Block("signer", "", lines=(text,)))
    else:
        blocks[-1] = msgspec.structs.replace(last, lines=(*last.lines, text))
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
