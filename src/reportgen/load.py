"""YAML file → (data, SourceMap): every value keeps its line and column; duplicate keys are refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reportgen.errors import InputError, Problem

try:  # libyaml's C parser when present: several times faster, same nodes and marks
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

PathKey = tuple[str | int, ...]

# A "billion laughs" file expands a few aliases into millions of nodes; no real report has this many.
MAX_NODES = 200_000


def format_path(path: PathKey) -> str:
    """('measures', 'topics', 2, 'heading') → measures.topics[2].heading"""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class SourceMap:
    """Where each field of a loaded file stands, so later stages can name file:line:column."""

    file: str
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey) -> tuple[int | None, int | None]:
        """The line and column of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (None, None))

    def problem(self, path: PathKey, message: str, hint: str = "") -> Problem:
        line, col = self.locate(path)
        return Problem(self.file, message, line, col, format_path(path), hint)


@dataclass
class Loaded:
    """A parsed input: the data, where it came from, and notices worth telling the user."""

    data: dict[str, Any]
    source: SourceMap
    warnings: list[Problem] = field(default_factory=list)
    text: str = ""  # the decoded file, for checks that can answer from it at once


def decode(raw: bytes, name: str) -> tuple[str, list[Problem]]:
    """UTF-8 (with or without BOM) as is; GB18030 (a superset of GBK) read with a notice; else refuse."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as err:
        utf8_error = err
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        line = raw[: utf8_error.start].count(b"\n") + 1
        raise InputError([Problem(name, "文件不是 UTF-8 编码，也不是 GBK/GB18030 编码，无法读取。", line,
                                  hint="请用记事本或 WPS 打开该文件，选择“另存为”，编码选 UTF-8 后保存。")]) from None
    notice = Problem(name, "文件是 GBK/GB18030 编码，已按该编码读取。", None,
                     hint="建议另存为 UTF-8 编码，避免在其他电脑上出现乱码。")
    return text, [notice]


def _yaml_problem(name: str, err: yaml.YAMLError) -> Problem:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    what = getattr(err, "problem", None) or str(err)
    hint = "检查这一行及上一行的缩进、冒号（英文半角 :）和引号是否成对。"
    if "\t" in what or "tab" in what:
        return Problem(name, "这一行用 Tab 键缩进了，YAML 只能用空格缩进。", line, col,
                       hint="把行首的 Tab 换成空格（每级两个空格）。")
    return Problem(name, f"YAML 格式错误（{what}）。", line, col, hint=hint)


def _tab_problems(text: str, name: str) -> list[Problem]:
    """Tabs in indentation: PyYAML's own message is cryptic, and it stops at the first one."""
    out: list[Problem] = []
    if "\t" not in text:
        return out
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            out.append(Problem(name, "这一行用 Tab 键缩进了，YAML 只能用空格缩进。", n, len(line) - len(stripped) + 1,
                               hint="把行首的 Tab 换成空格（每级两个空格）。"))
    return out


def _walk(node: yaml.Node, path: PathKey, source: SourceMap, problems: list[Problem], budget: list[int],
          mark: yaml.Mark | None = None) -> None:
    """Record each node's mark (a mapping value: its key's) under its path; refuse duplicate keys; bound aliases."""
    budget[0] -= 1
    if budget[0] < 0:
        return
    mark = mark or node.start_mark
    source.marks[path] = (mark.line + 1, mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key in seen:
                problems.append(Problem(
                    source.file, f"键 “{key}” 重复出现（第一次在第 {seen[key]} 行），后一个会覆盖前一个，造成内容丢失。",
                    key_node.start_mark.line + 1, key_node.start_mark.column + 1, format_path((*path, key)),
                    hint="删除或合并重复的键。"))
            elif key is not None:
                seen[key] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), source, problems, budget, key_node.start_mark)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _walk(child, (*path, i), source, problems, budget)


def load_text(text: str, name: str) -> Loaded:
    """Parse YAML text; raise InputError listing every problem found."""
    problems = _tab_problems(text, name)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if problems:
            raise InputError(problems)
        if node is None:
            raise InputError([Problem(name, "文件是空的。", 1, hint="运行 reportgen init 生成一份可填写的模板。")])
        source = SourceMap(name)
        budget = [MAX_NODES]
        _walk(node, (), source, problems, budget)
        if budget[0] < 0:
            raise InputError([Problem(name, f"文件展开后超过 {MAX_NODES} 个值（可能是大量嵌套的锚点 & 和别名 *）。",
                                      1, hint="不要用锚点和别名复制大段内容。")])
        if problems:
            raise InputError(problems)
        data = loader.construct_document(node)
    except yaml.YAMLError as err:
        raise InputError(problems or [_yaml_problem(name, err)]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        kind = "列表" if isinstance(data, list) else "单个值"
        raise InputError([Problem(name, f"文件最外层是{kind}，应当是“键: 值”的映射。", 1,
                                  hint="参照 reportgen init 生成的模板，从 year: 和 town: 开始填写。")])
    return Loaded(data, source, text=text)


def load(path: Path) -> Loaded:
    """Read and parse one input file."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError([Problem(name, f"无法读取文件（{err.strerror}）。", hint="检查文件路径是否正确。")]) from None
    text, notices = decode(raw, name)
    loaded = load_text(text, name)
    loaded.warnings.extend(notices)
    return loaded
