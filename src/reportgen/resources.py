"""Where the shipped schema and templates are, installed (wheel) or in a source checkout."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

_PKG = Path(str(resources.files("reportgen")))
_CHECKOUT = _PKG.parent.parent  # src/reportgen → repository root


@cache
def _shipped(name: str) -> Path:
    """The wheel carries `name` inside the package; an editable install reads it from the checkout. Looked up
    once per process: an installation does not move while it runs."""
    inside = _PKG / name
    return inside if inside.exists() else _CHECKOUT / name


def schema_path() -> Path:
    return _shipped("schema.json")


def templates_dir() -> Path:
    return _shipped("templates")


@cache
def schema() -> dict[str, Any]:
    """The input schema, parsed once per process."""
    return json.loads(schema_path().read_text(encoding="utf-8"))
