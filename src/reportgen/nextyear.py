"""`reportgen next`: next year's file from this year's, by editing the text where it must change, so the clerk's
comments, order and layout stay as they were (a re-dump would lose every comment; a round-trip YAML library
would be a new dependency for one command, and still reflow some lines).

What changes: the year (+1) and the years in the title and part headings; the 成文日期 and 发文字号 are cleared;
every number is kept but marked as last year's (【待更新218件】, `stale: true`, `background.stale`), so the
build highlights each until it is updated; `previous:` points at the old file. The result is loaded and validated
before it is written: a file this command cannot make valid is our bug, never the clerk's surprise.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import msgspec
import yaml

from reportgen import facts, resources, yoy
from reportgen.compose import cn_year
from reportgen.errors import InternalError, UsageError
from reportgen.load import PathKey, decode, load, load_text
from reportgen.schema.checks import TEXT_KEYS

HEADINGS = (("measures", "heading"), ("shortcomings", "heading"), ("leaders", "heading"), ("plans", "heading"),
            ("other", "heading"))
_CLEARED = (("signature", "date"), ("header", "number"))


class Edit(msgspec.Struct, frozen=True):
    start: int
    end: int
    text: str


def default_output(source: Path, year: int) -> Path:
    """qinghe-2025.yaml → qinghe-2026.yaml; a name without the year → <stem>-2026.yaml, beside the source."""
    stem, pattern = source.stem, re.compile(rf"(?<!\d){year}(?!\d)")
    new = pattern.sub(str(year + 1), stem) if pattern.search(stem) else f"{stem}-{year + 1}"
    return source.with_name(new + source.suffix)


def roll_years(text: str, year: int) -> str:
    """Years in a title or heading one year on, in one pass (so N+1 → N+2 is not then taken for N → N+1):
    2025年 → 2026年, 2026年的安排 → 2027年, 二〇二五 → 二〇二六."""
    table = {str(y): str(y + 1) for y in (year, year + 1)} | {cn_year(y): cn_year(y + 1) for y in (year, year + 1)}
    return re.sub(r"(?<![\d〇一二三四五六七八九])(" + "|".join(table) + r")(?![\d〇一二三四五六七八九])",
                  lambda m: table[m[1]], text)


def _index(node: yaml.Node, path: PathKey, out: dict[PathKey, tuple[yaml.Node | None, yaml.Node]],
           key: yaml.Node | None = None) -> None:
    """Every node of the document by its YAML path, with the key node it stands under."""
    out[path] = (key, node)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            _index(v, (*path, k.value), out, k)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _index(v, (*path, i), out)


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _line_end(text: str, at: int) -> int:
    """Just past the newline of the line holding `at` (or the end of the text)."""
    end = text.find("\n", at)
    return len(text) if end < 0 else end + 1


def _scalar(value: str) -> str:
    return json.dumps(value, ensure_ascii=False) if re.search(r"[:#{}\[\],&*!|>'\"%@`]|^\s|\s$", value) else value


def _description(*path: str) -> str:
    """The schema's Chinese description of a field, for the comment above a line this command adds."""
    schema = resources.schema()
    node: dict[str, Any] = schema
    for part in path:
        node = node["properties"][part]
        while "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node.get("description", "")


def _add_key(text: str, nl: str, owner: yaml.Node, mapping: yaml.MappingNode, key: str, value: str,
             comment: str = "") -> Edit:
    """`key: value` added to a mapping (under the key node `owner`): in a flow mapping after its `{`, in a block
    one as the line below `owner`, at the indentation of its keys (with `comment` above it)."""
    if mapping.flow_style:
        at = mapping.start_mark.index + 1
        return Edit(at, at, f"{key}: {value}" + (", " if mapping.value else ""))
    first = mapping.value[0][0]
    at = _line_end(text, owner.start_mark.index)
    indent = " " * first.start_mark.column
    lead = f"{indent}# {comment}{nl}" if comment else ""
    return Edit(at, at, f"{lead}{indent}{key}: {value}{nl}")


def _remove_key(text: str, nl: str, owner: yaml.Node, mapping: yaml.MappingNode, key: str, hint: str) -> list[Edit]:
    """`key` taken out of a mapping; in a block mapping a `#- key:` hint line stands where it was, as in
    `reportgen init`; a mapping left empty is written `{}`."""
    pairs = mapping.value
    i = next(i for i, (k, _) in enumerate(pairs) if k.value == key)
    k, v = pairs[i]
    if mapping.flow_style:
        if len(pairs) == 1:
            return [Edit(mapping.start_mark.index, mapping.end_mark.index, "{}")]
        if i + 1 < len(pairs):
            return [Edit(k.start_mark.index, pairs[i + 1][0].start_mark.index, "")]
        return [Edit(pairs[i - 1][1].end_mark.index, v.end_mark.index, "")]
    start = _line_start(text, k.start_mark.index)
    end = _line_end(text, max(v.end_mark.index - 1, k.start_mark.index))
    edits = [Edit(start, end, f"{' ' * k.start_mark.column}#- {key}:    # （可选）{hint}{nl}")]
    if len(pairs) == 1:  # `signature:` with nothing under it would be null: an empty mapping keeps the section
        colon = text.index(":", owner.end_mark.index) + 1
        edits.append(Edit(colon, colon, " {}"))
    return edits


def _stale_fact(text: str, nl: str, item: yaml.Node) -> Edit | None:
    """`stale: true` on a structured fact: after its number in a flow mapping, a line below it in a block one."""
    if not isinstance(item, yaml.MappingNode):
        return None
    fields = {k.value: (k, v) for k, v in item.value}
    if "stale" in fields:
        _, v = fields["stale"]
        return None if v.value == "true" else Edit(v.start_mark.index, v.end_mark.index, "true")
    kind = next((k for k in facts.KINDS if k.field in fields), None)
    if kind is None:
        return None
    key, value = fields[kind.field]
    if item.flow_style:
        return Edit(value.end_mark.index, value.end_mark.index, ", stale: true")
    at = _line_end(text, value.start_mark.index)
    return Edit(at, at, f"{' ' * key.start_mark.column}stale: true{nl}")


def _stale_inline(text: str, node: yaml.ScalarNode) -> list[Edit]:
    """【218件】 → 【待更新218件】 in a paragraph as written (its brackets hold no escapes or line breaks)."""
    start, end = node.start_mark.index, node.end_mark.index
    return [Edit(start + i.start + 1, start + i.start + 1, facts.STALE)
            for i in facts.inline_facts(text[start:end]) if not i.stale]


def _in_text(path: PathKey) -> bool:
    keys = [k for k in path if isinstance(k, str)]
    return bool(keys) and keys[-1] in TEXT_KEYS


def roll(text: str, name: str, target: Path, source: Path) -> str:
    """This year's file (its text, named `name`) as next year's, to be written at `target`."""
    nl = "\r\n" if "\r\n" in text else "\n"
    data = load_text(text, name).data
    year: int = data["year"]
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # the pure-Python reader: marks count characters
    nodes: dict[PathKey, tuple[yaml.Node | None, yaml.Node]] = {}
    _index(root, (), nodes)
    edits: list[Edit] = []
    _, year_node = nodes[("year",)]
    edits.append(Edit(year_node.start_mark.index, year_node.end_mark.index, str(year + 1)))
    for path, (_, node) in nodes.items():
        if not isinstance(node, yaml.ScalarNode):
            continue
        if path == ("title",) or path[:1] == ("title_lines",) or path in HEADINGS:
            raw = text[node.start_mark.index:node.end_mark.index]
            if (rolled := roll_years(raw, year)) != raw:
                edits.append(Edit(node.start_mark.index, node.end_mark.index, rolled))
        elif "【" in node.value and _in_text(path):
            edits += _stale_inline(text, node)
    for path, (_, node) in nodes.items():
        is_fact = len(path) >= 2 and path[-2] == "facts" and isinstance(path[-1], int)
        if is_fact and (edit := _stale_fact(text, nl, node)) is not None:
            edits.append(edit)
    for section, field in _CLEARED:
        found = nodes.get((section,))
        if found and found[0] is not None and isinstance(found[1], yaml.MappingNode) and (section, field) in nodes:
            edits += _remove_key(text, nl, found[0], found[1], field, _description(section, field))
    background = nodes.get(("background",))
    if background and isinstance(background[1], yaml.MappingNode) and data["background"].get("stale") is not True:
        if ("background", "stale") in nodes:
            v = nodes[("background", "stale")][1]
            edits.append(Edit(v.start_mark.index, v.end_mark.index, "true"))
        else:
            edits.append(_add_key(text, nl, background[0], background[1], "stale", "true",
                                  _description("background", "stale")))
    relative = Path(os.path.relpath(source.resolve(), target.resolve().parent)).as_posix()
    if ("previous",) in nodes:
        v = nodes[("previous",)][1]
        edits.append(Edit(v.start_mark.index, v.end_mark.index, _scalar(relative)))
    else:
        hint = re.search(r"^#- previous:.*$", text, re.M)
        line = f"# {_description('previous')}{nl}previous: {_scalar(relative)}"
        if hint:
            edits.append(Edit(hint.start(), hint.end(), line))
        else:
            at = _line_end(text, year_node.start_mark.index)
            edits.append(Edit(at, at, line + nl))
    out = text
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[:e.start] + e.text + out[e.end:]
    return out


def _checked(rolled: str, old: dict[str, Any], name: str) -> None:
    """The new file validates, is one year on, and holds every fact of the old one, each marked stale."""
    from reportgen.errors import InputError
    from reportgen.schema.validate import validate

    try:
        new = load_text(rolled, name)
        validate(new)
    except InputError as err:
        raise InternalError(f"生成的下一年度文件未能通过检查（{err.problems[0].format()}）。") from err
    before, after = yoy.located_facts(old), yoy.located_facts(new.data)
    unmarked = [f.where for f in after if not f.stale]
    background = new.data.get("background")
    if new.data["year"] != old["year"] + 1 or len(before) != len(after) or unmarked or (
            background and background.get("stale") is not True):
        raise InternalError(f"生成的下一年度文件与原文件的数字对不上（{'、'.join(unmarked[:3]) or '数量不符'}）。")


def next_year(source: Path, target: Path | None = None, force: bool = False) -> Path:
    """Write next year's file for `source` (default name: default_output) atomically; never over an existing file
    unless `force`, never over the source."""
    from reportgen.write import atomic_write, writable_target

    loaded = load(source)
    from reportgen.schema.validate import validate

    validate(loaded)  # a file with errors is fixed first: its errors would be carried into next year's
    target = target or default_output(source, loaded.data["year"])
    if os.path.realpath(target) == os.path.realpath(source):
        raise UsageError(f"-o {target} 就是输入文件本身：下一年度的文件要另存，请换一个文件名。")
    writable_target(target)
    if target.exists() and not force:
        raise UsageError(f"{target} 已存在，未覆盖。换一个文件名（-o），或加 --force 覆盖。")
    text, _ = decode(source.read_bytes(), str(source))
    rolled = roll(text, str(source), target, source)
    _checked(rolled, loaded.data, str(target))
    atomic_write(target, rolled.encode("utf-8"))
    return target
