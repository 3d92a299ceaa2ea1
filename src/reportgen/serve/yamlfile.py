"""Saving the form as YAML: a ruamel.yaml round trip, so an existing file keeps its comments, key order and
number spelling, and only what changed is rewritten; a new file gets `reportgen init`'s key order and style."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
from collections import Counter
from difflib import SequenceMatcher
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import ScalarString, SingleQuotedScalarString

from reportgen.errors import InputError
from reportgen.load import Typed, load_text
from reportgen.serve.schemanav import Node, child, item, properties, resolve

_MARK = "@@reportgen-new-{}@@"
_MARKED = re.compile(r"[ \t]*# @@reportgen-new-(\d+)@@[ \t]*$", re.M)
_COMMENT = re.compile(r"^\s*#")
_NOT_TEXT = yaml.resolver.Resolver()  # YAML 1.1, as reportgen's loader reads plain scalars


def version(raw: bytes | None) -> str:
    """What a form was opened on: a save is refused when the file no longer has it ('' — there was no file)."""
    return "" if raw is None else hashlib.sha256(raw).hexdigest()[:32]


def _indents(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) the file already uses; init's 2, 4, 2 when it cannot tell."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    mapping = sequence = offset = None
    for above, line in itertools.pairwise(lines):
        if not above.rstrip().endswith(":"):
            continue
        base = len(above) - len(above.lstrip())
        inner = len(line) - len(line.lstrip())
        body = line.lstrip()
        if body.startswith("- ") and sequence is None:
            offset = inner - base
            sequence = offset + 1 + len(body[1:]) - len(body[1:].lstrip())  # dash, then spaces to the content
        elif not body.startswith("-") and inner > base and mapping is None:
            mapping = inner - base
    return mapping or 2, sequence or 4, offset if offset is not None else 2


def _yaml(text: str = "") -> YAML:
    y = YAML()  # round trip
    y.preserve_quotes = True
    y.width = 1_000_000  # never fold a paragraph
    mapping, sequence, offset = _indents(text)
    y.indent(mapping=mapping, sequence=max(sequence, offset + 2), offset=offset)
    return y


def same(a: Any, b: Any) -> bool:
    """Equal as the clerk wrote them: 546.50 is not 546.5, 1 is not true."""
    if isinstance(a, Typed) or isinstance(b, Typed):
        return isinstance(a, Typed) and isinstance(b, Typed) and a.typed == b.typed
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _key(value: Any) -> str:
    """A list item's identity for aligning old and new lists."""
    def plain(v: Any) -> Any:
        if isinstance(v, Typed):
            return {"$typed": v.typed}
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    return json.dumps(plain(value), ensure_ascii=False)


def _coarse(value: Any) -> str:
    """What an item is about, though edited: a topic's area, a fact's label (its first key and value)."""
    if isinstance(value, dict) and value:
        key = next(iter(value))
        return _key([key, value[key]]) if not isinstance(value[key], (dict, list)) else key
    return _key(value)


def _pairs(was: list[Any], value: list[Any]) -> list[tuple[int | None, int | None]]:
    """Old and new list items aligned, in order: (old, new) for an item kept or edited, (old, None) for one
    removed, (None, new) for one added. Unchanged items align first, then edited ones by what they are about."""
    out: list[tuple[int | None, int | None]] = []
    exact = SequenceMatcher(None, [_key(v) for v in was], [_key(v) for v in value], autojunk=False)
    for tag, i1, i2, j1, j2 in exact.get_opcodes():
        if tag == "equal":
            out.extend(zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        rough = SequenceMatcher(None, [_coarse(v) for v in was[i1:i2]], [_coarse(v) for v in value[j1:j2]],
                                autojunk=False)
        for _, a1, a2, b1, b2 in rough.get_opcodes():
            both = min(a2 - a1, b2 - b1)
            out.extend((i1 + a1 + n, j1 + b1 + n) for n in range(both))
            out.extend((i1 + a, None) for a in range(a1 + both, a2))
            out.extend((None, j1 + b) for b in range(b1 + both, b2))
    return out


class _Writer:
    """One save: merges the new data into the round-trip tree, marking each key it inserts."""

    def __init__(self, schema: Node) -> None:
        self.schema = schema
        self.inserted = 0

    def new(self, value: Any, node: Node, in_list: bool = False) -> Any:
        """A new value in `reportgen init`'s style: keys in schema order, lists of names and flat list items in
        flow style, numbers as typed, text quoted where YAML would read it as something else."""
        node = resolve(self.schema, node)
        if isinstance(value, dict):
            order = list(properties(self.schema, node))
            keys = sorted(value, key=lambda k: order.index(k) if k in order else len(order))
            out = CommentedMap((k, self.new(value[k], child(self.schema, node, k))) for k in keys)
            if in_list and all(not isinstance(v, (dict, list)) or (isinstance(v, list) and _flat(v))
                               for v in value.values()):
                out.fa.set_flow_style()
            return out
        if isinstance(value, list):
            seq = CommentedSeq(self.new(v, item(self.schema, node, i), True) for i, v in enumerate(value))
            if _flat(value):
                seq.fa.set_flow_style()
            return seq
        return _scalar(value)

    def merge(self, old: Any, was: Any, value: Any, node: Node) -> Any:
        """`old` (the round-trip node) updated in place to `value`; `was` is what reportgen read from the old file,
        to compare numbers as typed. Keys the schema does not know are left alone: the form cannot show them."""
        node = resolve(self.schema, node)
        if isinstance(old, CommentedMap) and isinstance(value, dict) and isinstance(was, dict):
            known = list(properties(self.schema, node))
            for key in [k for k in old if k not in value and k in known]:
                del old[key]
            for key, sub in value.items():
                if key in old:
                    merged = self.merge(old[key], was.get(key), sub, child(self.schema, node, key))
                    if merged is not old[key]:
                        old[key] = merged
                else:
                    self.insert(old, key, self.new(sub, child(self.schema, node, key)), known)
            return old
        if isinstance(old, CommentedSeq) and isinstance(value, list) and isinstance(was, list) and len(was) == len(old):
            pairs = _pairs(was, value)
            for n in reversed(range(len(pairs))):  # from the end, so earlier indices stay valid
                i, j = pairs[n]
                if i is not None and j is not None:
                    merged = self.merge(old[i], was[i], value[j], item(self.schema, node, i))
                    if merged is not old[i]:
                        old[i] = merged
                elif i is not None:
                    del old[i]
                else:
                    at = next((p[0] + 1 for p in reversed(pairs[:n]) if p[0] is not None), 0)
                    fresh = self.new(value[j], item(self.schema, node, j), True)
                    old.insert(at, fresh)
                    if isinstance(fresh, CommentedMap) and fresh and not fresh.fa.flow_style() and not old.fa.flow_style():
                        self.inserted += 1  # on its first key: the dash line
                        fresh.yaml_add_eol_comment(_MARK.format(self.inserted), next(iter(fresh)))
            return old
        if same(was, value):
            return old
        fresh = self.new(value, node)
        if isinstance(old, ScalarString) and isinstance(fresh, str) and not isinstance(fresh, ScalarString):
            return type(old)(fresh)  # keep the clerk's quotes
        return fresh

    def insert(self, mapping: CommentedMap, key: str, value: Any, order: list[str]) -> None:
        """Insert `key` after the last present key that precedes it in schema order, marked so that the text pass
        can put it where the file's `#- key:` line offers it."""
        rank = order.index(key) if key in order else len(order)
        pos = 0
        for i, present in enumerate(mapping):
            if (order.index(present) if present in order else len(order)) <= rank:
                pos = i + 1
        mapping.insert(pos, key, value)
        if not mapping.fa.flow_style():  # {label: …, approx: 余} stays on its line
            self.inserted += 1
            mapping.yaml_add_eol_comment(_MARK.format(self.inserted), key)


def _flat(values: list[Any]) -> bool:
    return all(not isinstance(v, (dict, list)) for v in values)


def _scalar(value: Any) -> Any:
    if isinstance(value, Typed):
        return YAML().load(value.typed)  # a ScalarFloat that prints as typed
    if isinstance(value, str) and _NOT_TEXT.resolve(yaml.ScalarNode, value, (True, False)) != "tag:yaml.org,2002:str":
        return SingleQuotedScalarString(value)  # 010, yes, 1:20 stay text
    return value


def _dump(y: YAML, tree: Any) -> str:
    out = io.StringIO()
    y.dump(tree, out)
    return out.getvalue()


# ---- text passes: comments where a reader expects them ----------------------------------------------------

def keep_comments(before: str, after: str) -> str:
    """Every comment line of `before` that `after` lost (ruamel drops a removed key's trailing comments, which
    usually describe the next key) put back where it stood."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    lost = Counter(ln.strip() for ln in old if _COMMENT.match(ln)) - Counter(ln.strip() for ln in new if _COMMENT.match(ln))
    if not lost:
        return after
    out: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            for ln in old[i1:i2]:
                if _COMMENT.match(ln) and lost[ln.strip()] > 0:
                    lost[ln.strip()] -= 1
                    out.append(ln if ln.endswith("\n") else ln + "\n")
        out.extend(new[j1:j2])
    return "".join(out)


def dash_comments(before: str, after: str) -> str:
    """`- # comment` with the item's first key on the next line, as the file had it: ruamel moves such a comment
    above the dash (`reportgen init` writes the area's description so)."""
    old = before.splitlines(keepends=True)
    wanted = {}
    for first, second in itertools.pairwise(old):
        m = re.match(r"^( *)- (#.*)$", first.rstrip("\n"))
        if m and second.strip() and _indent(second) == len(m.group(1)) + 2:
            wanted[(m.group(2), m.group(1), second.strip())] = (first, second)
    if not wanted:
        return after
    new = after.splitlines(keepends=True)
    for i in range(len(new) - 1):
        m = re.match(r"^( *)- (.*)$", new[i + 1].rstrip("\n"))
        if m and _COMMENT.match(new[i]) and (new[i].strip(), m.group(1), m.group(2).strip()) in wanted:
            new[i], new[i + 1] = wanted[(new[i].strip(), m.group(1), m.group(2).strip())]
    return "".join(new)


def _block_end(lines: list[str], start: int) -> int:
    """The line after the block that starts at `start` (the key line and everything indented under it)."""
    indent = len(lines[start]) - len(lines[start].lstrip())
    container = lines[start].rstrip().endswith(":")
    end = start + 1
    while end < len(lines):
        body = lines[end].lstrip()
        inner = len(lines[end]) - len(body)
        if body.strip() and not body.startswith("#") and not (
                inner > indent or (container and inner == indent and body.startswith("- "))):
            break
        end += 1
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1  # trailing comments belong to what follows
    return end


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def place_inserted(text: str) -> str:
    """Each inserted key or list item (marked by the writer) put where a reader expects it: a key in place of its
    `#- key:` line (`reportgen init` offers optional keys so) among the comments around it; else the key or item
    above the comments that precede it at its own level or above, which describe what follows them (a comment
    indented deeper belongs to the previous sibling and stays before it)."""
    lines = text.splitlines(keepends=True)
    while True:
        at = next((i for i, ln in enumerate(lines) if _MARKED.search(ln.rstrip("\n"))), None)
        if at is None:
            return "".join(lines)
        lines[at] = _MARKED.sub("", lines[at].rstrip("\n")) + "\n"
        indent = _indent(lines[at])
        body = lines[at].strip()
        key = "" if body.startswith("- ") else body.split(":", 1)[0]
        if key and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            continue
        end = _block_end(lines, at)
        block = lines[at:end]
        del lines[at:end]
        top = at
        while top > 0 and (not lines[top - 1].strip() or (_COMMENT.match(lines[top - 1]) and _indent(lines[top - 1]) <= indent)):
            top -= 1
        run_top, bottom = top, at
        while run_top > 0 and (not lines[run_top - 1].strip() or _COMMENT.match(lines[run_top - 1])):
            run_top -= 1
        while bottom < len(lines) and (not lines[bottom].strip() or _COMMENT.match(lines[bottom])):
            bottom += 1
        offer = re.compile(rf"^ {{{indent}}}#-\s*{re.escape(key)}\s*:") if key else None
        slot = next((i for i in range(run_top, bottom) if offer and offer.match(lines[i])), None)
        if slot is not None:
            lines[slot:slot + 1] = block
        else:
            lines[top:top] = block


def _data(text: str) -> Any:
    try:
        return load_text(text, "<form>").data
    except InputError:  # text reportgen cannot read is never the wanted text
        return None


def undo_reformatting(before: str, after: str, wanted: Any) -> str:
    """Each stretch of `after` that differs from `before` but need not (the data is the same with the old lines,
    e.g. ruamel writing [{area: x}] as [area: x]) put back as it was: only what changed is rewritten."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    ops = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    chosen = [new[j1:j2] for _, _, _, j1, j2 in ops]
    for n, (tag, i1, i2, _, _) in enumerate(ops):
        if tag == "equal":
            continue
        trial = [*chosen[:n], old[i1:i2], *chosen[n + 1:]]
        if same(_data("".join(itertools.chain.from_iterable(trial))), wanted):
            chosen = trial
    return "".join(itertools.chain.from_iterable(chosen))


def render(old_text: str | None, value: dict[str, Any], schema: Node, header: str = "") -> str:
    """The YAML text for the form's data: `old_text` updated (comments kept), or a new file headed by `header`."""
    crlf = bool(old_text) and "\r\n" in old_text
    if not old_text:
        y = _yaml()
        tree = _Writer(schema).new(value, schema)
        return header + _dump(y, tree)
    text = old_text.replace("\r\n", "\n")
    y = _yaml(text)
    was = load_text(text, "<old>").data
    tree = y.load(text)
    plain = _dump(y, _Writer(schema).merge(tree, was, value, schema))
    unmarked = _MARKED.sub("", plain)
    wanted = _data(unmarked)
    placed = dash_comments(text, place_inserted(keep_comments(text, plain)))
    if wanted is not None:  # the text passes move comment lines and whole blocks; if ever more, they are dropped
        placed = undo_reformatting(text, placed, wanted)
    result = placed if wanted is not None and same(_data(placed), wanted) else unmarked
    return result.replace("\n", "\r\n") if crlf else result
