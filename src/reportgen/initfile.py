"""`reportgen init`: a YAML to fill in, built from the schema's descriptions and the shipped sample town.

Generated, not hand-written, so every field of the schema is commented and the comments never drift.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import yaml

from reportgen import resources

SAMPLE = Path(__file__).with_name("sample.yaml")  # its leading comment lines head the generated file


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, sort_keys=False, width=10_000)
    return text.strip().removesuffix("...").strip()


def _is_flat(value: Any) -> bool:
    """A mapping of scalars and scalar lists (a fact): one line in flow style reads best."""
    return isinstance(value, dict) and all(
        not isinstance(v, dict) and not (isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v))
        for v in value.values())


def _emit(schema: dict[str, Any], node: dict[str, Any], data: dict[str, Any], indent: str, out: list[str],
          hints: bool, first_prefix: str = "") -> None:
    node = _resolve(schema, node)
    prefix = first_prefix or indent
    for key, sub in node.get("properties", {}).items():
        desc = _resolve(schema, sub).get("description") or sub.get("description", "")
        if key not in data:
            if hints:
                out.append(f"{prefix}#- {key}:    # （可选）{desc}")
                prefix = indent
            continue
        if desc and hints:
            out.append(f"{prefix}# {desc}")
            prefix = indent
        value = data[key]
        if isinstance(value, dict):
            out.append(f"{prefix}{key}:")
            _emit(schema, sub, value, indent + "  ", out, hints)
        elif isinstance(value, list) and value and isinstance(value[0], dict) and not all(map(_is_flat, value)):
            out.append(f"{prefix}{key}:")
            item_schema = _resolve(schema, sub).get("items", {})
            for i, item in enumerate(value):
                _emit(schema, item_schema, item, indent + "    ", out, hints and i == 0, first_prefix=indent + "  - ")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(f"{prefix}{key}:")
            out.extend(f"{indent}  - {_scalar(item)}" for item in value)
        else:
            out.append(f"{prefix}{key}: {_scalar(value)}")
        prefix = indent


SCHEMA_LINE = "# yaml-language-server: $schema="


def schema_ref(target: Path | None) -> str:
    """Where an editor finds the schema from `target`'s folder: the nearest schema.json above it (a
    project's own, as in this repository's inputs/), else the one reportgen ships, relative when it can
    be, else as a file URI (another drive, or no file at all: `init -`)."""
    if target is None:
        return resources.schema_path().resolve().as_uri()
    folder = target.resolve().parent
    for up in (folder, *folder.parents):
        if (up / "schema.json").is_file():
            return Path(os.path.relpath(up / "schema.json", folder)).as_posix()
    try:
        return Path(os.path.relpath(resources.schema_path().resolve(), folder)).as_posix()
    except ValueError:  # Windows: another drive
        return resources.schema_path().resolve().as_uri()


def render_init(target: Path | None = None) -> str:
    """The init file for `target` (None: printed), its schema line pointing at a schema that exists."""
    schema = resources.schema()
    text = SAMPLE.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    lines = itertools.takewhile(lambda ln: ln.startswith("#"), text.splitlines())
    header = "".join((SCHEMA_LINE + schema_ref(target) if ln.startswith(SCHEMA_LINE) else ln) + "\n" for ln in lines)
    out: list[str] = []
    _emit(schema, schema, data, "", out, hints=True)
    return header + "\n".join(out) + "\n"
