"""Jinja (sandboxed, strict) renders the context through a region's templates into a list of Blocks."""

from __future__ import annotations

import dataclasses
import html
import re
import sys
import zlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from reportgen import derive, era, resources
from reportgen.blocks import PARTS, Block
from reportgen.errors import TemplateError, UsageError
from reportgen.numbering import Counter, cn_numeral

RECORDS = frozenset(  # the context's record types (derive.py, era.py)
    cls for module in (derive, era) for cls in vars(module).values()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__)
REGION_NAME = re.compile(r"^[a-z0-9-]+$")
ENTRY = "report.j2"

# A template line is a paragraph; a leading tag gives it a role. Values are HTML-escaped by autoescape,
# so a user's text can never forge a tag: "<h1>" typed in a YAML arrives here as "&lt;h1&gt;".
_LINE = re.compile(r"^<(?P<tag>mark|docno|title|recipient|h[1-4]|sign|date|blank)(?P<attrs>(?:\s+[a-z]+(?:=[a-z0-9_-]+)?)*)>"
                   r"(?P<text>.*)$")
_RUNIN = "<run>"
# A standard passage (wording the town did not write) is wrapped by std() in three private-use characters,
# which no input may hold (schema/checks.py refuses them): START key SEP text END. parse() records where each is.
_STD_START, _STD_SEP, _STD_END = "\ue000", "\ue001", "\ue002"
_STD = re.compile(f"{_STD_START}([^{_STD_SEP}]*){_STD_SEP}|{_STD_END}")
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
    if not REGION_NAME.match(region):
        raise UsageError(f"地区模板名 “{region}” 不合法：只能用小写字母、数字和连字符（如 guangdong-meizhou）。")
    return region


def check_region(region: str, roots: Sequence[Path]) -> str:
    check_region_name(region)
    if not any((root / region).is_dir() for root in roots):
        known = sorted({p.name for root in roots for p in root.iterdir() if p.is_dir()})
        raise UsageError(f"找不到地区模板 “{region}”。可用的有：{'、'.join(known)}。")
    return region


class ReportSandbox(SandboxedEnvironment):
    """Jinja's sandbox, with a fast yes for the public fields of our own frozen records (derive.py): they hold
    data only, and templates read hundreds of them per report. Everything else gets the full check."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if type(obj) in RECORDS and not attr.startswith("_"):
            return True
        return super().is_safe_attribute(obj, attr, value)


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
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (yaml.YAMLError, UnicodeDecodeError) as err:
                raise TemplateError(f"标准表述文件无法读取（{err}）。", str(path)) from None
            if not isinstance(data, dict):
                raise TemplateError("标准表述文件的最外层应当是“键: 值”的映射。", str(path))
            merged = _merge(merged, data)
    return merged


@cache
def environment(region: str, roots: tuple[Path, ...]) -> SandboxedEnvironment:
    """One environment per (region, search path): `report.j2` and partials resolve region → base."""
    search = [root / region for root in roots] + [root / "base" for root in roots] + list(roots)
    env = ReportSandbox(
        loader=jinja2.FileSystemLoader([str(p) for p in search if p.is_dir()]),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(cn=cn_numeral, cn_year=cn_year, sentence=sentence, clause=clause, percent=percent, fill=fill)
    env.globals.update(pick=pick, std=std, p=phrases(region, roots))
    return env


def _template_location(tb: Any) -> tuple[str | None, int | None]:
    """The innermost template frame of a traceback: Jinja maps its line numbers back to the .j2 file."""
    where: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):
            where = (name, tb.tb_lineno)
        tb = tb.tb_next
    return where


def render(context: dict[str, Any], region: str = "base", workdir: Path | None = None) -> str:
    roots = tuple(template_roots(workdir))
    check_region(region, roots)
    env = environment(region, roots)
    try:
        return env.get_template(ENTRY).render(context)
    except jinja2.TemplateSyntaxError as err:
        raise TemplateError(f"模板语法错误：{err.message}", err.filename or err.name, err.lineno) from None
    except jinja2.UndefinedError as err:
        file, line = _template_location(sys.exc_info()[2])
        raise TemplateError(f"模板使用了输入中没有的字段（{err.message}）。", file, line) from None
    except jinja2.exceptions.SecurityError as err:
        file, line = _template_location(sys.exc_info()[2])
        raise TemplateError(f"模板试图执行不允许的操作（{err}）。", file, line) from None
    except jinja2.TemplateNotFound as err:
        raise TemplateError(f"找不到模板文件 “{err.name}”。") from None
    except jinja2.TemplateError as err:
        file, line = _template_location(sys.exc_info()[2])
        raise TemplateError(f"模板出错：{err}", file, line) from None


def _unmark(text: str, offset: int, spans: list[tuple[int, int, str]]) -> str:
    """`text` without standard-passage markers; each passage's span (plus `offset`) is added to `spans`."""
    if _STD_START not in text:
        return html.unescape(text)
    out: list[str] = []
    length = offset
    stack: list[tuple[int, str]] = []
    at = 0
    for m in _STD.finditer(text):
        piece = html.unescape(text[at:m.start()])
        out.append(piece)
        length += len(piece)
        if m[0] == _STD_END:
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
            blocks.append(Block("body", _unmark(line, 0, spans), std=tuple(spans)))
            continue
        tag, text = match["tag"], match["text"]
        attrs = dict(a.partition("=")[::2] for a in match["attrs"].split())
        if tag == "title":
            title_lines.append(_unmark(text.strip(), 0, []))
            continue
        if tag.startswith("h"):
            level = int(tag[1])
            head, _, runin = text.partition(_RUNIN)
            number = "" if "nonum" in attrs else counter.next(level)
            spans = []
            head_text = _unmark(head.strip(), len(number), spans)
            runin_text = _unmark(runin.strip(), len(number) + len(head_text), spans)
            blocks.append(Block("heading", head_text, level, number, runin_text, attrs.get("part") or None,
                                std=tuple(spans)))
        else:
            blocks.append(Block(tag, _unmark(text.strip(), 0, []), flags=frozenset(attrs)))
    if title_lines:
        title = Block("title", "".join(title_lines), lines=tuple(title_lines) if len(title_lines) > 1 else ())
        at = next((i for i, b in enumerate(blocks) if b.kind not in ("mark", "docno")), len(blocks))
        blocks.insert(at, title)
    return blocks


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
