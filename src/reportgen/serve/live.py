"""Checking what the form would save, as the clerk types: the pipeline's own load, validation and compose, so the
messages are the CLI's, each with the JSON path of its field, and the text preview is `preview --format txt`'s."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from reportgen import yoy
from reportgen.api import compose_loaded
from reportgen.errors import InputError, Problem, ReportgenError
from reportgen.load import Loaded, load_text
from reportgen.preview.text import render_text
from reportgen.schema.validate import validate


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, links followed, is within `root`."""
    return Path(os.path.realpath(path)).is_relative_to(Path(os.path.realpath(root)))


PREVIEW_WIDTH = 10_000  # a paragraph per line: the page wraps it to the panel's width
_MISSING = re.compile(r"^缺少必填的键 “([A-Za-z_][A-Za-z0-9_]*)”")  # schema/validate.py's words for `required`


def as_json(problem: Problem, severity: str) -> dict[str, Any]:
    """A problem for the page: `place` is the field to show it at; a missing key's is that key's own input
    (the validator names the object that lacks it)."""
    missing = _MISSING.match(problem.message)
    place = f"{problem.path}.{missing.group(1)}".lstrip(".") if missing else problem.path
    return {"path": problem.path, "place": place, "message": problem.message, "hint": problem.hint,
            "line": problem.line, "severity": severity}


def previous_problem(loaded: Loaded, root: Path, strings: dict[str, str]) -> Problem | None:
    """`previous:` naming a file outside the working folder: serve reads nothing there."""
    target = yoy.previous_path(loaded)
    if target is None or inside(target, root):
        return None
    return loaded.source.problem(("previous",), strings["previous_outside"].format(previous=target, root=root),
                                 strings["previous_hint"])


def check(text: str, path: Path, root: Path, workdir: Path, strings: dict[str, str]) -> dict[str, Any]:
    """Problems (errors and warnings, each at its field) and the text preview of `text` saved at `path`.
    The same steps as api.compose_blocks, on text not saved yet."""
    out: dict[str, Any] = {"problems": [], "preview": "", "notes": []}
    try:
        loaded = load_text(text, str(path))
        warnings = validate(loaded)
    except InputError as err:
        out["problems"] = [as_json(p, "error") for p in err.problems]
        return out
    out["problems"] = [as_json(w, "warning") for w in warnings]
    outside = previous_problem(loaded, root, strings)
    if outside is not None:
        out["problems"].insert(0, as_json(outside, "error"))
        return out
    try:
        blocks, _ = compose_loaded(loaded, workdir=workdir)
    except InputError as err:
        out["problems"][:0] = [as_json(p, "error") for p in err.problems]
        return out
    except ReportgenError as err:  # a template or region the clerk did not write: said, not placed at a field
        out["notes"].append(err.format_message())
        return out
    out["preview"] = render_text(blocks, PREVIEW_WIDTH)
    return out
