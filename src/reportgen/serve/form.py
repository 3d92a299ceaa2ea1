"""The form, generated from schema.json: one Field per schema node, so a schema change shows up by itself.

Fields say what kind of input a value needs (a line, paragraphs, a choice of shapes, a fact with its kind); the
templates (templates/_field.html) turn them into HTML and serve.js reads them back into the same shape.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import msgspec

from reportgen import facts
from reportgen.load import DECIMAL_FLOAT, DECIMAL_INT, MAX_DEPTH, Typed
from reportgen.serve.schemanav import (
    Node,
    branches,
    child,
    description,
    item,
    properties,
    required,
    resolve,
    types,
)

LABEL_CHARS = 14  # a label longer than this loses its parenthesised part; the whole description stays as the hint
_CLAUSE_END = "，；：。"
_OPEN, _CLOSE = "（(“", "）)”"


class Field(msgspec.Struct, frozen=True):
    """One input of the form and the key it fills.

    kind: object, array, string, integer, number, boolean, enum; lines (a list of names, one per line); paragraphs
    (a text or a list of texts, one per line); named (a name, or {name, kind|by}); choice (a text or an object,
    e.g. cause); fact (facts.KINDS, one group of inputs per kind); tuple (of: [part, whole]); kinds (where a fact's
    kind selector stands among its fields)."""

    kind: str
    key: str = ""  # the property it fills; "" for an array's item and a choice's branch
    label: str = ""
    hint: str = ""
    required: bool = False
    children: tuple[Field, ...] = ()
    item: Field | None = None
    options: tuple[tuple[str, str], ...] = ()  # enum: (value, text shown)
    groups: tuple[KindGroup, ...] = ()  # fact
    mode: str = ""  # a choice's branch: "text" or "object"


class KindGroup(msgspec.Struct, frozen=True):
    """The inputs one fact kind needs (facts.KINDS): its number, its unit if it takes one, `of` if it may."""

    name: str
    label: str
    fields: tuple[Field, ...]


def short_label(desc: str, key: str) -> str:
    """The description's first clause (outside brackets), without its bracketed part when long: a label; the whole
    description is shown as the hint."""
    depth, end = 0, len(desc)
    for i, ch in enumerate(desc):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif ch in _CLAUSE_END and depth == 0:
            end = i
            break
    label = desc[:end].strip()
    if len(label) > LABEL_CHARS:
        label = re.sub(r"（[^）]*）|\([^)]*\)", "", label).strip()
    return label or key


def enum_options(desc: str, values: list[Any]) -> tuple[tuple[str, str], ...]:
    """Each enum value with the words its description gives it ('leadership 组织领导；…' → 组织领导)."""
    out = []
    for value in values:
        m = re.search(rf"(?<![A-Za-z0-9_]){re.escape(str(value))}\s+([^；;。]+)", desc)
        out.append((str(value), f"{value} {m.group(1).strip()}" if m else str(value)))
    return tuple(out)


def _is_text(schema: Node, node: Node) -> bool:
    return resolve(schema, node).get("type") == "string"


def _is_text_list(schema: Node, node: Node) -> bool:
    node = resolve(schema, node)
    return node.get("type") == "array" and _is_text(schema, node.get("items", {}))


def _is_fact(schema: Node, node: Node) -> bool:
    return {k.field for k in facts.KINDS} <= set(resolve(schema, node).get("properties", {}))


def build(schema: Node, node: Node, key: str = "", is_required: bool = False) -> Field:
    """The Field for a schema node (recursively)."""
    desc = description(schema, node)
    common = {"key": key, "label": short_label(desc, key), "hint": desc, "required": is_required}
    node = resolve(schema, node)
    if _is_fact(schema, node):
        return _fact(schema, node, common)
    alts = branches(schema, node)
    if len(alts) > 1:
        texts = [b for b in alts if _is_text(schema, b) or _is_text_list(schema, b)]
        objects = [b for b in alts if b.get("type") == "object"]
        if len(texts) == len(alts):
            return Field("paragraphs", **common)
        if len(objects) == 1 and objects[0].get("required") == ["name"] and len(texts) == len(alts) - 1:
            return Field("named", children=_children(schema, objects[0]), **common)
        if len(objects) == 1 and len(texts) == len(alts) - 1:
            label = common["label"]
            return Field("choice", children=(Field("paragraphs", label=label, mode="text"),
                                             Field("object", label=label, mode="object",
                                                   children=_children(schema, objects[0]))), **common)
    kind = node.get("type")
    if kind == "object" or (kind is None and "properties" in node):
        return Field("object", children=_children(schema, node), **common)
    if kind == "array":
        if "prefixItems" in node:
            return Field("tuple", children=tuple(build(schema, sub) for sub in node["prefixItems"]), **common)
        if _is_text(schema, node.get("items", {})):
            return Field("lines", **common)
        return Field("array", item=build(schema, node.get("items", {})), **common)
    if "enum" in node:
        return Field("enum", options=enum_options(desc, node["enum"]), **common)
    if kind in ("integer", "number", "boolean"):
        return Field(kind, **common)
    return Field("string", **common)


def _children(schema: Node, node: Node) -> tuple[Field, ...]:
    needed = required(schema, node)
    return tuple(build(schema, sub, key, key in needed) for key, sub in properties(schema, node).items())


def _fact(schema: Node, node: Node, common: dict[str, Any]) -> Field:
    """A fact: its shared fields in schema order, the kind selector where the kinds' numbers stand, and for each
    kind of facts.KINDS its own inputs (the number, a unit if it takes one — a list when the kind names its units —
    and `of` if it may carry one)."""
    props = properties(schema, node)
    needed = required(schema, node)
    per_kind = {k.field for k in facts.KINDS} | {"unit", "of"}
    children: list[Field] = []
    for key, sub in props.items():
        if key not in per_kind:
            children.append(build(schema, sub, key, key in needed))
        elif key == facts.KINDS[0].field:
            children.append(Field("kinds"))
    groups = []
    for k in facts.KINDS:
        fields = [build(schema, props[k.field], k.field, True)]
        if k.needs_unit:
            unit = build(schema, props["unit"], "unit", True)
            if k.units:
                unit = Field("enum", "unit", unit.label, unit.hint, True, options=tuple((u, u) for u in k.units))
            fields.append(unit)
        if k.with_of:
            fields.append(build(schema, props["of"], "of"))
        groups.append(KindGroup(k.name, short_label(k.description, k.name), tuple(fields)))
    return Field("fact", children=tuple(children), groups=tuple(groups), **common)


@cache
def _root(schema_json: str) -> Field:
    import json

    schema = json.loads(schema_json)
    return build(schema, schema, "", True)


def root_field(schema: Node) -> Field:
    """The whole form for `schema` (built once per schema)."""
    import json

    return _root(json.dumps(schema, ensure_ascii=False))  # key order kept: it is the form's order


def fact_kind(value: Any) -> list[str]:
    """The kinds a fact's value shows (the first is selected; an invalid fact may show more than one)."""
    if not isinstance(value, dict):
        return []
    return [k.name for k in facts.KINDS if k.field in value]


def at(value: Any, key: str) -> Any:
    """value[key] for a mapping, None otherwise (a value of the wrong shape shows as empty)."""
    return value.get(key) if isinstance(value, dict) and key else None


def items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def shown(value: Any) -> str:
    """A scalar as the clerk typed it: 546.50 stays 546.50."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Typed):
        return value.typed
    return str(value)


def paragraphs(value: Any) -> str:
    """A text or a list of texts, one per line, for a textarea."""
    if isinstance(value, list):
        return "\n".join(shown(v) for v in value)
    return shown(value)


# ---- the form's answer, back to data ----------------------------------------------------------------------

def depth(value: Any) -> int:
    """How deeply lists and mappings nest (iteratively: a hostile body must not exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            if level > MAX_DEPTH + 2:
                return level
            stack.extend((v, level + 1) for v in (node.values() if isinstance(node, dict) else node))
    return deepest


def coerce(value: Any, schema: Node, node: Node | None = None) -> Any:
    """The form's strings as YAML would read them: where the schema wants a number, a plain decimal becomes an int
    or a Typed (546.50 stays 546.50); anything else stays text, so validation explains it as it would in a file."""
    node = resolve(schema, schema if node is None else node)
    if isinstance(value, dict):
        return {str(k): coerce(v, schema, child(schema, node, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [coerce(v, schema, item(schema, node, i)) for i, v in enumerate(value)]
    if isinstance(value, float):
        return Typed(repr(value))
    if isinstance(value, str) and types(schema, node) & {"integer", "number"}:
        text = value.strip()
        if DECIMAL_INT.match(text):
            return int(text)
        if DECIMAL_FLOAT.match(text):
            return Typed(text)
    return value
