"""Walking schema.json the way a form and a saved file need it: refs resolved, branches merged, key order kept."""

from __future__ import annotations

from typing import Any

Node = dict[str, Any]


def resolve(schema: Node, node: Node) -> Node:
    """`node` with its `$ref` followed; the referring node's own keys (a description) win over the target's."""
    while isinstance(node, dict) and "$ref" in node:
        target = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node if isinstance(node, dict) else {}


def branches(schema: Node, node: Node) -> list[Node]:
    """The alternatives a value may take (oneOf/anyOf branches, resolved), or the node itself when it has none.
    anyOf that only lists required keys (header: mark or issuers) is a constraint, not a choice of shapes."""
    node = resolve(schema, node)
    alts = node.get("oneOf") or node.get("anyOf") or []
    shaped = [resolve(schema, b) for b in alts if "type" in resolve(schema, b) or "properties" in resolve(schema, b)]
    if shaped and "type" not in node and "properties" not in node:
        return shaped
    return [node]


def types(schema: Node, node: Node) -> set[str]:
    """Every JSON type the value may have."""
    out: set[str] = set()
    for b in branches(schema, node):
        t = b.get("type")
        out.update(t if isinstance(t, list) else [t] if t else [])
        if "properties" in b and not t:
            out.add("object")
    return out


def properties(schema: Node, node: Node) -> dict[str, Node]:
    """The keys an object may hold, in schema order (which is `reportgen init`'s order), from every object branch."""
    out: dict[str, Node] = {}
    for b in branches(schema, node):
        for key, sub in b.get("properties", {}).items():
            out.setdefault(key, sub)
    return out


def required(schema: Node, node: Node) -> set[str]:
    node = resolve(schema, node)
    return set(node.get("required", []))


def item(schema: Node, node: Node, index: int = 0) -> Node:
    """The schema of item `index` of an array value (prefixItems first, then items)."""
    for b in branches(schema, node):
        if b.get("type") == "array":
            prefix = b.get("prefixItems") or []
            if index < len(prefix):
                return resolve(schema, prefix[index])
            return resolve(schema, b.get("items", {}))
    return {}


def child(schema: Node, node: Node, key: str | int) -> Node:
    """The schema of `node`'s key or index `key` ({} when the schema does not know it)."""
    if isinstance(key, int):
        return item(schema, node, key)
    return resolve(schema, properties(schema, node).get(key, {}))


def description(schema: Node, node: Node) -> str:
    """A node's Chinese description: its own, else its target's."""
    return str(node.get("description") or resolve(schema, node).get("description") or "")
