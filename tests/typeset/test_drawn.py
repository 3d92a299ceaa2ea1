"""On LibreOffice's PDF: every character of the .docx is drawn, and no page ends on a heading.

Every example under every region and 50 generated towns are converted in one LibreOffice run (its start-up
dominates). The multiset of the .docx's characters must equal pdftotext's, spaces, line breaks and invisible
format characters (zero-width space, BOM) aside, and the page numbers. pdftotext -raw: its default mode joins a
word hyphenated at a line's end and drops the hyphen."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
import zipfile
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES
from docx.shared import Length
from hypothesis import HealthCheck, given, settings
from lxml import etree
from pdfmeasure import lines
from strategies import town_years

from reportgen import regions
from reportgen.api import render
from reportgen.preview.render import render_env, to_pdf
from reportgen.resources import templates_dir

if not (shutil.which("soffice") and shutil.which("pdftotext")):
    if os.environ.get("CI"):
        pytest.fail("LibreOffice and poppler are required in CI (scripts/setup-system.sh)", pytrace=False)
    pytest.skip("LibreOffice/poppler not installed", allow_module_level=True)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
GENERATED = 50
REGIONS = sorted(p.name for p in templates_dir().iterdir() if (p / "report.j2").is_file())
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def _generated_towns() -> list[dict]:
    """GENERATED schema-valid towns, the same ones every run (derandomized), a character no installed face has
    replaced (see _has_face)."""
    found: list[dict] = []

    @settings(max_examples=GENERATED, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(town_years())
    def collect(data: dict) -> None:
        found.append(_drawable(data))

    collect()
    return found[:GENERATED]


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, tuple[bytes, Path, str]]:
    """name → (.docx bytes, its PDF, region)."""
    tmp = tmp_path_factory.mktemp("drawn")
    docs: dict[str, tuple[bytes, str]] = {}
    for region in REGIONS:
        for example in EXAMPLE_FILES:
            docs[f"{region}-{example.stem}"] = (render(example, region=region).docx, region)
    for i, data in enumerate(_generated_towns()):
        src = tmp / f"gen{i:02d}.yaml"
        src.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        built = render(src)
        docs[f"gen{i:02d}"] = (built.docx, data.get("region", "base"))
    paths = []
    for name, (docx, _) in docs.items():
        (tmp / f"{name}.docx").write_bytes(docx)
        paths.append(tmp / f"{name}.docx")
    to_pdf(paths, tmp)  # one LibreOffice start for all of them
    return {name: (docx, tmp / f"{name}.pdf", region) for name, (docx, region) in docs.items()}


def _visible(text: str) -> Counter:
    """Characters that print on their own: no spaces, line breaks or invisible format characters (Cf), and no
    enclosing marks (Me): ⃤ after 《 is drawn into its base's glyph cluster and pdftotext may not give it back
    (a generated town's document name began with U+20E4; the same .docx bytes before and after a change)."""
    return Counter(ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Me"))


def _docx_text(docx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    return "".join(t.text or "" for t in root.iter(f"{W}t"))


def _page_numbers(printed: str, region: str) -> Counter:
    """The page numbers pdftotext read: on each page, a line of the region's form (a 版记 page has none)."""
    dash = re.escape(regions.profile(region).page_number_dash)
    form = re.compile(rf"^{dash}\s*\d+\s*{dash}$")
    out: Counter = Counter()
    for page in printed.split("\f"):
        numbers = [ln.strip() for ln in page.splitlines() if form.match(ln.strip())]
        assert len(numbers) <= 1, numbers
        out += _visible("".join(numbers))
    return out


@cache
def _covered() -> list[tuple[int, int]]:
    """The code point ranges some installed face has (fc-list, with the previews' fonts.conf)."""
    listed = subprocess.run(["fc-list", "--format", "%{charset}\n"], capture_output=True, text=True,
                            env=render_env(), check=True).stdout
    out = []
    for span in listed.split():
        lo, _, hi = span.partition("-")
        out.append((int(lo, 16), int(hi or lo, 16)))
    return out


@cache
def _has_face(ch: str) -> bool:
    """A character no installed face has cannot be drawn by any renderer here (CJK Extension B on this machine):
    a gap of the fonts, not of the document."""
    if unicodedata.category(ch) in ("Cn", "Co"):
        return False
    return any(lo <= ord(ch) <= hi for lo, hi in _covered())


def _drawable(value):
    """`value` with every character no installed face has replaced by □ (see _has_face)."""
    if isinstance(value, str):
        return "".join(ch if ch.isspace() or unicodedata.category(ch) == "Cf" or _has_face(ch) else "□" for ch in value)
    if isinstance(value, dict):
        return {k: _drawable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_drawable(v) for v in value]
    return value


def test_every_character_of_the_docx_is_drawn(converted):
    wrong = {}
    for name, (docx, pdf, region) in converted.items():
        printed = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        text = _docx_text(docx)
        want = _visible(text)
        got = _visible(printed) - _page_numbers(printed, region)
        got -= Counter({"-": max(0, min(got["-"] - want["-"], text.count("\u00ad")))})  # a soft hyphen that broke a line
        if want != got:
            wrong[name] = {"not drawn": dict(want - got), "extra": dict(got - want)}
    assert not wrong, wrong
    assert len(converted) >= len(REGIONS) * len(EXAMPLE_FILES) + GENERATED


def _headings(docx: bytes) -> list[str]:
    """The texts of heading paragraphs (a run-in heading shares its paragraph with body text: not one)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    out = []
    for p in root.iter(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        if style is not None and re.fullmatch(r"RGHeading\d", style.get(f"{W}val") or ""):
            out.append(re.sub(r"\s+", "", "".join(t.text or "" for t in p.iter(f"{W}t"))))
    return out


def heading_lines(page, headings: list[str], left_mm: float, indent_mm: float) -> list[bool]:
    """For each text line of a page: is it (the start of) a heading? A heading's first line stands at its
    two-character indent and begins the heading's text."""
    out = []
    for ln in page:
        text = re.sub(r"\s+", "", ln.text)
        out.append(bool(text) and abs(ln.x0 - left_mm - indent_mm) < 1.0
                   and any(h.startswith(text) and (len(text) >= 4 or text == h) for h in headings))
    return out


def test_no_page_ends_on_a_heading(converted):
    ends = []
    for name, (docx, pdf, region) in converted.items():
        if name.startswith("gen"):
            continue  # the examples × regions; generated towns are for the characters
        prof = regions.profile(region)
        bottom = Length(prof.page_height - prof.margin_bottom).mm
        headings = _headings(docx)
        assert headings, name
        for n, page in enumerate(lines(pdf), 1):
            body = [ln for ln in page if ln.y1 < bottom + 1]
            if body and heading_lines(body[-1:], headings, prof.margin_left.mm, prof.chars(2).mm)[0]:
                ends.append((name, n, body[-1].text))
    assert not ends, ends
