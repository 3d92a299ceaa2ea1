"""YAML → (data, SourceMap): every value keeps its line and column; what YAML would silently misread is refused."""

from __future__ import annotations

import os
import re
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import yaml

from reportgen.errors import InputError, Problem

# libyaml's C parser when present: several times faster, same nodes and marks.
_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PathKey = tuple[str | int, ...]

# Bounds no real report comes near (a county's longest report is about 30 KB, 9 levels deep, lists of 30),
# so that a hostile or broken file is refused with a message instead of exhausting memory, time or the stack.
MAX_BYTES = 2 * 1024 * 1024  # size of an input file
MAX_NODES = 200_000  # values after aliases are expanded (a "billion laughs" file)
MAX_CHARS = 4_000_000  # characters of text after aliases are expanded: a few aliases of a long text
MAX_DEPTH = 20  # nested lists and mappings
MAX_ITEMS = 200  # items of one list (topics, facts, paragraphs …)
MAX_DIGITS = 15  # significant digits a number may have: every such decimal survives a float unchanged
# libyaml's composer recurses in C without a stack check and crashes some 20,000 levels deep. A level needs one
# of these characters, so a file with fewer of them cannot get near; one with more is measured event by event.
_NESTING_CHARS = "[{-?:"
_COMPOSER_SAFE = 5_000

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_YAML11_NUMBER = "tag:reportgen:yaml11-number"  # what YAML 1.1 reads as a number but is no plain decimal
_NUMBER_TAGS = frozenset({_INT, _FLOAT, _YAML11_NUMBER})
_SCALAR_TAGS = frozenset({*_NUMBER_TAGS, _STR, _BOOL, _NULL, _MERGE})
_BOOLS = yaml.constructor.SafeConstructor.bool_values

# What YAML 1.1 reads as a plain decimal; "08", text to YAML 1.1 and to every YAML 1.1 writer, stays text.
DECIMAL_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
DECIMAL_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)$")

# Characters libyaml refuses to read (XML could not hold them either): C0 and C1 controls but tab and line
# breaks, lone surrogates, non-characters; and the three private-use characters that stand in for the
# separators below while libyaml reads the file.
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff\ue003-\ue005]")
# YAML 1.1 breaks lines at NEL, LS and PS; editors do not. They are hidden while libyaml reads, so lines and
# structure are what the clerk sees, and put back in the values (schema/checks.py decides where they may stand).
SEPARATORS = "\x85\u2028\u2029"
_HIDE = str.maketrans(SEPARATORS, "\ue003\ue004\ue005")
_SHOW = str.maketrans("\ue003\ue004\ue005", SEPARATORS)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
CONTROL_NAMES = {0x0B: "Word 的手动换行符", 0x0C: "分页符", 0x07: "Word 表格的单元格结束符", 0x1E: "Word 的不间断连字符",
                 0x1F: "Word 的可选连字符", 0x13: "Word 域代码的开始符", 0x14: "Word 域代码的分隔符", 0x15: "Word 域代码的结束符",
                 0x00: "空字符", 0x7F: "删除符"}


def format_path(path: PathKey) -> str:
    """('measures', 'topics', 2, 'heading') → measures.topics[2].heading"""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class SourceMap(msgspec.Struct):
    """Where each field of a loaded file stands, so later stages can name file:line:column."""

    file: str
    marks: dict[PathKey, tuple[int, int]] = msgspec.field(default_factory=dict)

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


class Loaded(msgspec.Struct):
    """A parsed input: the data, where it came from, and notices worth telling the user."""

    data: dict[str, Any]
    source: SourceMap
    warnings: list[Problem] = msgspec.field(default_factory=list)
    text: str = ""  # the decoded file, for checks that can answer from it at once
    # numbers typed with a decimal point but whole (3.0): JSON Schema counts them as integers, reportgen does not
    whole_floats: list[PathKey] = msgspec.field(default_factory=list)


class Typed(float):
    """A decimal number that remembers how the clerk typed it (546.50 stays 546.50 in the report)."""

    __slots__ = ("typed",)

    def __new__(cls, text: str) -> Typed:
        number = super().__new__(cls, text)
        number.typed = text.strip().lstrip("+")
        return number

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return Typed, (self.typed,)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """YAML as a clerk means it: numbers are decimals (010 is not 8, 1:20 not 80), dates are text, and no
    .nan or .inf; YAML 1.1's other number forms get their own tag, so load_text can refuse them at their line."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {}
    restore = False  # separators were hidden before parsing: put them back in every string

    def construct_scalar(self, node: yaml.ScalarNode) -> Any:
        value = super().construct_scalar(node)
        return value.translate(_SHOW) if self.restore and isinstance(value, str) else value

    def resolve(self, kind: type, value: str | None, implicit: Any) -> str:
        """Text is text without trying a pattern: a quoted scalar, or a plain one whose first character starts no
        number, boolean, null or <<  (most values: they start with a Chinese character). A short plain scalar that
        might be one (text, name, other, 146 …: keys mostly) is resolved once a process; a mapping is a map and a
        sequence a seq (no path resolvers here). libyaml asks for every node."""
        if kind is yaml.ScalarNode:
            if value and (not implicit[0] or value[:1] not in _RESOLVED_FIRST):
                return _STR
            if implicit[0] and len(value) <= _SHORT:  # type: ignore[arg-type]
                tag = _PLAIN_TAGS.get(value)  # type: ignore[arg-type]
                if tag is None:
                    if len(_PLAIN_TAGS) >= 4096:
                        _PLAIN_TAGS.clear()
                    tag = _PLAIN_TAGS[value] = super().resolve(kind, value, implicit)  # type: ignore[index]
                return tag
        elif kind is yaml.MappingNode:
            return _MAP
        elif kind is yaml.SequenceNode:
            return _SEQ
        return super().resolve(kind, value, implicit)


_SHORT = 32  # plain scalars up to this long have their resolved tag kept (by value: nothing else decides it)
_PLAIN_TAGS: dict[str, str] = {}


def _setup_loader() -> None:
    """YAML 1.1's true/false, null and << as they are; then plain decimals; then YAML 1.1's own number patterns,
    which now only catch the forms to refuse (a resolver is tried in the order it was added)."""
    yaml11 = [(first, tag, regexp) for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
              for tag, regexp in resolvers]
    for first, tag, regexp in yaml11:
        if tag in (_BOOL, _NULL, _MERGE):
            _Loader.add_implicit_resolver(tag, regexp, [first])
    _Loader.add_implicit_resolver(_INT, DECIMAL_INT, list("-+0123456789"))
    _Loader.add_implicit_resolver(_FLOAT, DECIMAL_FLOAT, list("-+0123456789."))
    for first, tag, regexp in yaml11:
        if tag in (_INT, _FLOAT):
            _Loader.add_implicit_resolver(_YAML11_NUMBER, regexp, [first])
    # load_text has checked each int and float against the decimal patterns before anything is constructed
    _Loader.add_constructor(_INT, lambda loader, node: int(loader.construct_scalar(node)))
    _Loader.add_constructor(_FLOAT, lambda loader, node: Typed(loader.construct_scalar(node)))


_setup_loader()
_RESOLVED_FIRST = frozenset(k for k in _Loader.yaml_implicit_resolvers if k)  # no None key: no wildcard resolver


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
    except UnicodeDecodeError as err:
        line = raw[: utf8_error.start].count(b"\n") + 1
        raise InputError([Problem(name, "文件不是 UTF-8 编码，也不是 GBK/GB18030 编码，无法读取。", line,
                                  hint="请用记事本或 WPS 打开该文件，选择“另存为”，编码选 UTF-8 后保存。")]) from err
    notice = Problem(name, "文件是 GBK/GB18030 编码，已按该编码读取。", None,
                     hint="建议另存为 UTF-8 编码，避免在其他电脑上出现乱码。")
    return text, [notice]


def _line_col(text: str, at: int) -> tuple[int, int]:
    """1-based line and column of character `at`, lines broken as editors (and libyaml) break them."""
    starts = [m.end() for m in _LINE_BREAK.finditer(text, 0, at)]
    start = starts[-1] if starts else 0
    return len(starts) + 1, at - start + 1


def describe_char(char: str) -> str:
    """'U+000B（Word 的手动换行符）' for messages."""
    name = CONTROL_NAMES.get(ord(char))
    return f"U+{ord(char):04X}" + (f"（{name}）" if name else "")


def _character_problems(text: str, name: str) -> list[Problem]:
    """Characters libyaml refuses, each at its line: it would stop at the first, with no line at all."""
    out: list[Problem] = []
    for m in _UNREADABLE.finditer(text):
        line, col = _line_col(text, m.start())
        out.append(Problem(name, f"含有不可见的控制字符 {describe_char(m.group())}，无法读取。", line, col,
                           hint="这通常是从 Word 或网页复制时带入的：删除它（光标移到这一列，它可能看不见），"
                                "需要分段时直接回车换行。"))
        if len(out) == 20:
            break
    return out


def _tab_problems(text: str, name: str) -> list[Problem]:
    """Tabs in indentation: PyYAML's own message is cryptic, and it stops at the first one."""
    out: list[Problem] = []
    if "\t" not in text:
        return out
    for n, line in enumerate(_LINE_BREAK.split(text), 1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            out.append(Problem(name, "这一行用 Tab 键缩进了，YAML 只能用空格缩进。", n, len(line) - len(stripped) + 1,
                               hint="把行首的 Tab 换成空格（每级两个空格）。"))
    return out


def _number_problem(tag: str, value: str) -> tuple[str, str] | None:
    """(message, hint) for an int or float scalar YAML would read other than as typed, or a float could not hold."""
    quote = f"若是编号等文字，请加英文引号写成 \"{value}\"。"
    decimal = DECIMAL_INT.match(value) if tag == _INT else (
        tag == _FLOAT and (DECIMAL_FLOAT.match(value) or DECIMAL_INT.match(value)))
    if decimal:
        digits = value.lstrip("+-").replace(".", "")
        significant = digits.lstrip("0") if tag == _INT else digits.strip("0")
        if len(significant) > MAX_DIGITS:
            return (f"数字 {value} 超过 {MAX_DIGITS} 位有效数字，无法原样保存。",
                    "核对这个数字；小数只保留需要的位数，如 96.92。")
        return None
    plain = value.replace("_", "")
    low = plain.lower().lstrip("+-")
    if len(plain) > MAX_DIGITS + 10:
        return f"“{value[:20]}…” 太长，不是一个普通的数字。", "核对这个数字；若是文字，请加英文引号。"
    if re.fullmatch(r"[-+]?0[0-9]+", plain):
        yaml11 = _yaml11(value)
        octal = f"，YAML 会把它当作八进制数读成 {yaml11}" if yaml11 not in ("", str(int(plain))) else ""
        return f"整数 {value} 以 0 开头{octal}。", f"写成 {int(plain)}（去掉开头的 0）；" + quote
    if low in (".nan", ".inf"):
        return f"{value} 在 YAML 里表示“非数”或“无穷大”，不是一个数。", "请写出具体的数字；不知道的数字可以不写这一项。"
    if ":" in plain:
        return (f"{value} 带冒号，YAML 会把它当作六十进制数读成 {_yaml11(value) or '别的数'}。",
                f"数字中间不能有冒号；若是时间、比例等文字，请加英文引号写成 \"{value}\"。")
    if low.startswith(("0x", "0o", "0b")):
        base = {"x": "十六", "o": "八", "b": "二"}[low[1]]
        return (f"{value} 是{base}进制写法，YAML 会读成 {_yaml11(value) or '别的数'}。",
                "请直接写十进制数字；" + quote)
    if "e" in low:
        try:
            written = format(Decimal(plain), "f")
        except ArithmeticError:
            written = ""
        return f"{value} 是科学计数法。", (f"写成 {written}。" if 0 < len(written) <= 20 else "请写成普通的数字。")
    if "_" in value:
        return f"{value} 中间有下划线，YAML 会读成 {_yaml11(value) or '别的数'}。", f"去掉下划线，写成 {plain}。"
    return f"{value} 不是普通的十进制数字。", "请写成普通的数字，如 218 或 96.5；" + quote


def _yaml11(value: str) -> str:
    """What YAML 1.1 (PyYAML's own loader) makes of `value`, for messages."""
    try:
        number = yaml.safe_load(value)
        return str(number) if isinstance(number, (int, float)) and not isinstance(number, bool) else ""
    except (yaml.YAMLError, ValueError, OverflowError):
        return ""


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


class _Walk(msgspec.Struct):
    """Records each node's mark under its path, refuses at its line what the data must not hold (duplicate keys,
    keys that are not text, numbers not as typed, unknown tags, too deep, too long, too much expansion) and builds
    the value on the way: PyYAML's constructor would walk the same nodes a second time, in Python too."""

    source: SourceMap
    restore: bool = False  # separators were hidden before parsing: put them back in every string
    problems: list[Problem] = msgspec.field(default_factory=list)
    whole_floats: list[PathKey] = msgspec.field(default_factory=list)
    nodes: int = MAX_NODES
    chars: int = MAX_CHARS
    overflow: yaml.Mark | None = None  # where a budget ran out
    merged: bool = False  # a << key: its mapping is built by PyYAML's constructor, which knows the merge rules

    def refuse(self, mark: yaml.Mark, path: PathKey, message: str, hint: str) -> None:
        self.problems.append(Problem(self.source.file, message, mark.line + 1, mark.column + 1, format_path(path), hint))

    def scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        """A scalar's value other than text (visit and the key loop take text as it is), as _Loader constructs it;
        None where refused."""
        tag, value = node.tag, node.value
        if tag not in _SCALAR_TAGS:
            self.refuse(node.start_mark, path, f"不支持 YAML 类型标签 “{_short(tag)}”。",
                        "以 ! 开头的值要用英文引号括起来，如 \"!重要\"；或删去标签。")
            return None
        if tag == _BOOL:
            if value.lower() not in _BOOLS:
                self.refuse(node.start_mark, path, f"“{value}” 不是 true 或 false。", "写成 true 或 false。")
                return None
            return _BOOLS[value.lower()]
        if tag in _NUMBER_TAGS:
            found = _number_problem(tag, value)
            if found:
                self.refuse(node.start_mark, path, *found)
                return None
            if tag == _INT:
                return int(value)
            number = Typed(value)
            if number.is_integer():
                self.whole_floats.append(path)
            return number
        if tag == _MERGE:
            self.merged = True
        return None

    def visit(self, node: yaml.Node, path: PathKey, depth: int = 0, mark: yaml.Mark | None = None) -> Any:
        """Walk the node graph and return its value; a mapping value is located at its key."""
        self.nodes -= 1
        if self.nodes < 0 or self.chars < 0:
            self.overflow = self.overflow or node.start_mark
            return None
        mark = mark or node.start_mark
        self.source.marks[path] = (mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            self.chars -= len(node.value)
            if node.tag == _STR:  # most values: text, as it is
                return node.value.translate(_SHOW) if self.restore else node.value
            if node.tag == _MERGE:  # << merges a mapping into its neighbours only as a key
                self.refuse(node.start_mark, path, "“<<” 不能单独作为值。", "加英文引号写成 \"<<\"。")
                return None
            return self.scalar(node, path)
        if depth >= MAX_DEPTH:
            self.refuse(node.start_mark, path, f"嵌套超过 {MAX_DEPTH} 层（列表、映射层层套叠），真实的报告用不到这么多层。",
                        "检查缩进和括号 [ ] { } 是否成对；报告的字段最多嵌套十来层。")
            return None
        if node.tag not in (_SEQ, _MAP):
            self.refuse(node.start_mark, path, f"不支持 YAML 类型标签 “{_short(node.tag)}”。", "删去这个以 ! 开头的标签。")
            return None
        if isinstance(node, yaml.SequenceNode):
            if len(node.value) > MAX_ITEMS:
                first_over = node.value[MAX_ITEMS].start_mark  # an alias's mark is its anchor's, maybe lines above
                self.refuse(first_over if first_over.index > node.start_mark.index else node.start_mark, (*path, MAX_ITEMS),
                            f"这个列表有 {len(node.value)} 项，超过上限 {MAX_ITEMS} 项，真实的报告用不到这么多。",
                            "检查是否误把多份报告或大段内容粘贴到了这里；确需这么多，请合并同类的项。")
            return [self.visit(child, (*path, i), depth + 1) for i, child in enumerate(node.value[:MAX_ITEMS])]
        seen: dict[Any, yaml.Mark] = {}
        built: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.refuse(key_node.start_mark, path, "键只能是文字，这里是列表或映射（行首多了 ? 或括号）。",
                            "写成“键: 值”，键用中文或英文单词。")
                continue
            key = key_node.value.translate(_SHOW) if self.restore else key_node.value
            self.chars -= len(key)
            at = (*path, key)
            value_key = key if key_node.tag == _STR else self.scalar(key_node, at)
            if key in seen:
                self.refuse(key_node.start_mark, at,
                            f"键 “{key}” 重复出现（第一次在第 {seen[key].line + 1} 行），后一个会覆盖前一个，造成内容丢失。",
                            "删除或合并重复的键。")
            else:
                seen[key] = key_node.start_mark
            built[value_key] = self.visit(value_node, at, depth + 1, key_node.start_mark)
        return built


_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _nesting_problem(text: str, name: str) -> Problem | None:
    """Measure nesting from libyaml's events, which need no stack, before its composer, which does."""
    loader = _Loader(text)
    try:
        depth = 0
        while True:
            event = loader.get_event()
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return Problem(name, f"嵌套超过 {MAX_DEPTH} 层（列表、映射层层套叠），真实的报告用不到这么多层。",
                                   mark.line + 1, mark.column + 1, hint="检查缩进和括号 [ ] { } 是否成对。")
            elif isinstance(event, _CLOSE):
                depth -= 1
            elif isinstance(event, yaml.StreamEndEvent):
                return None
    finally:
        loader.dispose()


def _char_at(text: str, mark: yaml.Mark) -> str:
    lines = _LINE_BREAK.split(text)
    line = lines[mark.line] if mark.line < len(lines) else ""
    return line[mark.column] if mark.column < len(line) else ""


_QUOTES = {"'": "单引号 '", '"': "双引号 \""}
_CLOSERS = {"[": "]", "{": "}"}


def _yaml_problem(name: str, err: yaml.YAMLError, text: str) -> Problem:
    """PyYAML's English, in Chinese, at the line where the mistake is: an unclosed bracket or quote at the line
    where it was opened (context_mark), with the line where the parser gave up (problem_mark) named too."""
    if isinstance(err, yaml.reader.ReaderError):  # the C reader counts bytes of UTF-8, the Python one characters
        at = err.position if _Base is yaml.SafeLoader else len(text.encode("utf-8")[: err.position].decode("utf-8", "ignore"))
        line, col = _line_col(text, at)
        return Problem(name, f"含有不可见的控制字符 {describe_char(chr(err.character))}，无法读取。", line, col,
                       hint="这通常是从 Word 或网页复制时带入的：删除它后重新输入这几个字。")
    problem = str(getattr(err, "problem", None) or err)
    context = str(getattr(err, "context", None) or "")
    pmark: yaml.Mark | None = getattr(err, "problem_mark", None)
    cmark: yaml.Mark | None = getattr(err, "context_mark", None)
    mark = pmark or cmark
    p = pmark.line + 1 if pmark else None
    c = cmark.line + 1 if cmark else None
    opener = _char_at(text, cmark) if cmark else ""
    at_context = False
    if "tab character" in problem or (pmark and _char_at(text, pmark) == "\t"):
        message, hint = "这一行用 Tab 键缩进了，YAML 只能用空格缩进。", "把行首的 Tab 换成空格（每级两个空格）。"
    elif "quoted scalar" in context and ("end of stream" in problem or "document indicator" in problem):
        at_context = True
        quote = _QUOTES.get(opener, "引号")
        message = (f"第 {c} 行的{quote}没有配对：从这里开始的引号直到"
                   + ("文件末尾" if "end of stream" in problem else f"第 {p} 行的 --- 分隔线") + "都没有结束。")
        hint = "在这段文字末尾补上同样的英文引号；文字里要用引号时，请用中文引号“”。"
    elif "',' or ']'" in problem or "',' or '}'" in problem:
        at_context = True
        closer = _CLOSERS.get(opener, "]" if "']'" in problem else "}")
        opener = opener if opener in _CLOSERS else ("[" if closer == "]" else "{")
        if p == c:
            message = f"第 {c} 行 “{opener}” 开始的内容写法有误：各项之间要用英文逗号 “,” 分隔，最后以 “{closer}” 结束。"
        else:
            message = f"第 {c} 行的 “{opener}” 没有配对的 “{closer}”（读到第 {p} 行仍未找到）。"
        hint = (f"在这一项末尾补上 “{closer}”；若已经有，检查各项之间的英文逗号，"
                "文字里的英文逗号、冒号、括号请改成中文标点或给文字加引号。")
    elif "could not find expected ':'" in problem:
        at_context = cmark is not None
        message = f"第 {c or p} 行缺少英文冒号 “:”，或这一行接着上一行写但缩进不够（读到第 {p} 行才发现）。"
        hint = "“键: 值”之间用英文冒号加一个空格；一段文字分几行写时，后面的行要比键多缩进。"
    elif "mapping values are not allowed" in problem or "found unexpected ':'" in problem:
        message = "这一行多了一个冒号 “: ”，或者比上一行缩进得多，或者上一行缺少冒号。"
        hint = "值里有英文冒号时，把整个值用英文引号括起来，或改用中文冒号“：”；同一级的键要左对齐。"
    elif "cannot start any token" in problem:
        char = _char_at(text, pmark) if pmark else ""
        message = f"“{char}” 不能放在值的开头。"
        hint = f"把整个值用英文引号括起来，如 \"{char}……\"。"
    elif "did not find expected key" in problem or "expected <block end>" in problem:
        message = f"这一行的缩进与同一级的键不一致（这一级从第 {c} 行开始），或这一行不是“键: 值”的写法。"
        hint = "同一级的键要左对齐，只用空格缩进；列表的每一项以“- ”开头。"
    elif "expected '-' indicator" in problem:
        message = f"这一行应当是以 “- ” 开头的列表项（这个列表从第 {c} 行开始），或者缩进不对。"
        hint = "列表的每一项都以“- ”开头并左对齐。"
    elif "sequence entries are not allowed" in problem:
        message = "“- ” 开头的列表项不能接在键的同一行。"
        hint = "把“- ”项另起一行，并比上一行的键多缩进两个空格。"
    elif "expected node content" in problem:
        message = "这里缺少值，或多了逗号、括号。"
        hint = "检查这一行的 , [ ] { } 是否多余或缺少。"
    elif "undefined alias" in problem or ("alias" in context and "alphabetic" in problem) or (
            "anchor" in context and "alphabetic" in problem):
        message = "以 “*” 或 “&” 开头的值会被 YAML 当作锚点或别名。"
        hint = "把整个值用英文引号括起来，如 \"*重点工作\"。"
    elif "tag" in context or "tag handle" in problem:
        message = "以 “!” 开头的值会被 YAML 当作类型标签。"
        hint = "把整个值用英文引号括起来，如 \"!重要\"。"
    elif "another document" in problem or "document start" in problem:
        message = "这一行多出了内容：一个文件只能写一份报告，“---”分隔线后面或顶格的多余文字都不能有。"
        hint = "删除 “---” 及其后多余的内容；若是接着上一行写的文字，请缩进到与上一行文字对齐。"
    elif "escape character" in problem or "hexdecimal" in problem or "Unicode character escape" in problem:
        message = "双引号里的反斜杠 “\\” 后面跟了 YAML 不认识的字符。"
        hint = "把双引号换成单引号，或把 “\\” 写成 “\\\\”。"
    elif "block scalar" in context:
        message = "“|” 或 “>” 的后面不能接文字。"
        hint = "在 | 后换行，从下一行开始缩进书写段落。"
    elif "end of stream" in problem:
        message = "文件在一项内容写完之前就结束了。"
        hint = "检查文件末尾是否缺少括号、引号或值。"
    else:
        message = f"无法识别的写法（{problem}）。"
        hint = "检查这一行及上一行的缩进、冒号（英文半角 :）和引号是否成对。"
    if at_context and cmark is not None:
        mark = cmark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    return Problem(name, f"YAML 格式错误：{message}", line, col, hint=hint)


def load_text(text: str, name: str) -> Loaded:
    """Parse YAML text; raise InputError listing every problem found."""
    problems = _character_problems(text, name)
    if problems:
        raise InputError(problems)
    problems = _tab_problems(text, name)
    hidden = any(sep in text for sep in SEPARATORS)
    parsed = text.translate(_HIDE) if hidden else text
    loader = _Loader(parsed)
    loader.restore = hidden
    try:
        if sum(parsed.count(c) for c in _NESTING_CHARS) > _COMPOSER_SAFE:
            deep = _nesting_problem(parsed, name)
            if deep:
                raise InputError([deep])
        node = loader.get_single_node()
        if problems:
            raise InputError(problems)
        if node is None:
            raise InputError([Problem(name, "文件是空的。", 1, hint="运行 reportgen init 生成一份可填写的模板。")])
        source = SourceMap(name)
        walk = _Walk(source, restore=hidden)
        data = walk.visit(node, ())
        if walk.overflow is not None:
            what = f"超过 {MAX_NODES} 个值" if walk.nodes < 0 else f"超过 {MAX_CHARS} 个字"
            raise InputError([Problem(name, f"文件展开后{what}：锚点 & 和别名 * 把内容复制了太多次"
                                            f"（第 {walk.overflow.line + 1} 行的内容被反复引用）。", 1,
                                      hint="不要用锚点和别名复制大段内容，直接写出需要的内容。")])
        if walk.problems:
            raise InputError(walk.problems)
        if walk.merged:
            data = loader.construct_document(node)
    except yaml.YAMLError as err:
        raise InputError(problems or [_yaml_problem(name, err, text)]) from err
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        kind = "列表" if isinstance(data, list) else "单个值"
        raise InputError([Problem(name, f"文件最外层是{kind}，应当是“键: 值”的映射。", 1,
                                  hint="参照 reportgen init 生成的模板，从 year: 和 town: 开始填写。")])
    return Loaded(data, source, text=text, whole_floats=walk.whole_floats)


def _read(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES; a folder, FIFO or device is refused before reading."""
    name = str(path)
    folder = Problem(name, "这是一个文件夹，不是 YAML 文件。", hint="把文件夹改个名字（不以 .yaml 结尾），或给出其中的 .yaml 文件。")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # opening a FIFO must not wait for a writer
    except IsADirectoryError as err:
        raise InputError([folder]) from err
    except OSError as err:
        raise InputError([Problem(name, f"无法读取文件（{err.strerror}）。", hint="检查文件路径是否正确、是否有读取权限。")]) from err
    try:
        info = os.fstat(fd)  # of what was opened, so nothing can be swapped in after the check
        if stat.S_ISDIR(info.st_mode):
            raise InputError([folder])
        if not stat.S_ISREG(info.st_mode):
            kind = "管道（FIFO）" if stat.S_ISFIFO(info.st_mode) else "设备或其他特殊文件"
            raise InputError([Problem(name, f"这不是普通文件，而是{kind}，不能作为输入。", hint="输入须是保存在磁盘上的 .yaml 文件。")])
        if info.st_size > MAX_BYTES:
            raise InputError([_too_big(name, info.st_size)])
        with os.fdopen(fd, "rb", closefd=False) as f:
            # the size fstat gave and one byte more (asking for MAX_BYTES + 1 allocates 2 MB each time, 20 µs)
            raw = f.read(info.st_size + 1)
            if len(raw) > info.st_size:  # it grew, or its size said nothing (some special file systems)
                raw += f.read(MAX_BYTES + 1 - len(raw))
    finally:
        os.close(fd)
    if len(raw) > MAX_BYTES:  # the file grew while being read
        raise InputError([_too_big(name, len(raw))])
    return raw


def _too_big(name: str, size: int) -> Problem:
    return Problem(name, f"文件有 {size / 1024 / 1024:.1f} MB，超过输入文件的上限 {MAX_BYTES // 1024 // 1024} MB"
                         "（一份报告的 YAML 通常只有几十 KB）。",
                   hint="检查是否选错了文件，或误把多份报告、图片等内容粘贴了进来。")


def load(path: Path) -> Loaded:
    """Read and parse one input file."""
    name = str(path)
    text, notices = decode(_read(path), name)
    loaded = load_text(text, name)
    loaded.warnings.extend(notices)
    return loaded

