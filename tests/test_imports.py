"""A single build imports only what it uses (issue 16): a heavy module sneaking into the start-up of
`reportgen.cli` or of one build fails here. Run in a fresh interpreter, the second build with warm caches."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import EXAMPLES

# Imported by a build only when needed: workers (several inputs), python-docx (the scaffold, cached), jsonschema
# (explaining an invalid input), the sandbox (a working folder's templates), and what the old code pulled in.
HEAVY_FOR_BUILD = ("docx", "traceback", "multiprocessing", "concurrent.futures", "jsonschema", "reportgen.sandbox",
                   "jinja2.sandbox", "xml.sax", "urllib.request", "importlib.metadata", "email", "http",
                   "fastjsonschema", "click._termui_impl", "dataclasses")
# `reportgen --help` and argument errors: click and our errors, not the pipeline.
HEAVY_FOR_CLI = (*HEAVY_FOR_BUILD, "jinja2", "yaml", "lxml", "reportgen.api", "reportgen.derive")

SCRIPT = """
import json, sys
from reportgen.cli import main
if len(sys.argv) > 1:
    try:
        main(sys.argv[1:])
    except SystemExit as err:
        assert not err.code, err.code
print(json.dumps(sorted(sys.modules)))
"""


def _modules(env: dict[str, str], *args: str, cwd=None) -> set[str]:
    out = subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, env=env, check=True,
                         cwd=cwd)
    return set(json.loads(out.stdout.splitlines()[-1]))


def _loaded(modules: set[str], heavy: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in heavy))


@pytest.fixture
def env(tmp_path, monkeypatch):
    import os

    return {**os.environ, "REPORTGEN_CACHE": str(tmp_path / "cache")}


def test_cli_start_imports_no_pipeline(env):
    assert _loaded(_modules(env), HEAVY_FOR_CLI) == []


def test_a_single_build_imports_only_what_it_uses(env, tmp_path):
    args = ("build", str(EXAMPLES / "guangyang-2023.yaml"), "-o", str(tmp_path / "g.docx"))
    # run where there is no templates/ folder: one there is a region's own, and rightly sandboxed
    first = _modules(env, *args, cwd=tmp_path)  # fills the caches: python-docx makes the scaffold once
    assert "docx" in first
    assert _loaded(_modules(env, *args, cwd=tmp_path), HEAVY_FOR_BUILD) == []
