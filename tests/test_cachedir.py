"""The user's cache (cachedir.py) makes a start faster and never changes a result: the same bytes cached, uncached
and from a damaged cache; entries named by what they are made from; `off` writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import EXAMPLES

ARGS = ("build", str(EXAMPLES / "guangyang-2023.yaml"), "-o")


def _build(out, cache: str) -> bytes:
    env = {**os.environ, "REPORTGEN_CACHE": cache}
    subprocess.run([sys.executable, "-m", "reportgen", *ARGS, str(out)], env=env, check=True, capture_output=True)
    return out.read_bytes()


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def test_cached_uncached_and_damaged_give_the_same_bytes(tmp_path, cache):
    off = _build(tmp_path / "off.docx", "off")
    cold = _build(tmp_path / "cold.docx", str(cache))
    kinds = sorted(p.name.split("-")[0] for p in cache.iterdir())
    assert {"validator", "scaffold", "yaml", "jinja"} <= set(kinds)
    warm = _build(tmp_path / "warm.docx", str(cache))
    for entry in cache.rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"\x00garbage")  # a damaged cache is read past, rebuilt
    damaged = _build(tmp_path / "damaged.docx", str(cache))
    assert off == cold == warm == damaged


def test_off_writes_nothing(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    _build(tmp_path / "x.docx", "off")
    assert not home.exists()


def test_entries_are_named_by_their_source(tmp_path, monkeypatch):
    from reportgen import cachedir

    monkeypatch.setenv("REPORTGEN_CACHE", str(tmp_path / "c"))
    cachedir.folder.cache_clear()
    try:
        assert cachedir.yaml_data("a: 1\n", "x.yaml") == {"a": 1}
        assert cachedir.yaml_data("a: 2\n", "x.yaml") == {"a": 2}  # changed text: a new entry, never the old one
        assert len(list((tmp_path / "c" / "yaml").iterdir())) == 2
        assert cachedir.yaml_data("a: 1\n", "x.yaml") == {"a": 1}
    finally:
        cachedir.folder.cache_clear()
