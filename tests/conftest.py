"""Shared fixtures: paths, the seeds (read from ../shared at run time), and a build helper."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import docx
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEEDS = ROOT.parent / "shared" / "seeds"
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "typeset"))

# example → the seed report it was written from (../shared/seeds/README.md)
SEED_OF = {
    "yinyang-2023": "000_8192bfbaee8866f3.txt",
    "changsha-2023": "001_9badd335804157b4.txt",
    "gongchuan-2023": "002_4b5947e6a3d500ee.txt",
    "guangyang-2023": "003_2187d0163030e911.txt",
}


def seed_text(example: str) -> str:
    path = SEEDS / SEED_OF[example]
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"seed {path} missing: CI must run with ../shared beside the checkout")
        pytest.skip(f"seeds not available at {SEEDS}")
    return path.read_text(encoding="utf-8")


def docx_text(path_or_bytes) -> str:
    import io

    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    return "\n".join(p.text for p in docx.Document(src).paragraphs)


@pytest.fixture
def write_yaml(tmp_path):
    def _write(text: str, name: str = "town.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


MINIMAL = """\
year: 2024
town: {name: 试点镇, issuer: 试点县试点镇人民政府}
measures:
  topics:
    - area: enforcement
      facts: [{label: 开展行政检查, count: 10, unit: 件}]
shortcomings:
  items: [{area: publicity}]
leaders: {}
plans:
  items: [{area: publicity}]
"""
