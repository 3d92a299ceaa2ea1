"""build(): the six stages — load, validate, derive, compose, typeset, write — as six calls; no click."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import msgspec

from reportgen import derive, regions, yoy
from reportgen.blocks import Block
from reportgen.compose import compose
from reportgen.errors import Problem
from reportgen.load import Loaded, load
from reportgen.publish import formats as publish
from reportgen.schema.validate import validate
from reportgen.typeset.document import CORE, DOCUMENT, core_properties, scaffold, typeset
from reportgen.typeset.profile import LayoutProfile
from reportgen.write import atomic_write, package

_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


class Passage(msgspec.Struct, frozen=True):
    """A standard passage in a built report: where it stands (二、（三）), its phrase key, its text."""

    where: str
    key: str
    text: str


def _placed(blocks: list[Block]) -> Iterator[tuple[str, Block]]:
    """Each block with where it stands: the numbers of the headings above it (二、（三）), or 开头."""
    path: list[str] = []
    for b in blocks:
        if b.kind == "heading":
            path = [*path[:b.level - 1], b.number or b.text[:8]]
        yield "".join(path) or "开头", b


def standard_passages(blocks: list[Block]) -> list[Passage]:
    """Every passage the town did not write, in reading order, placed under the headings above it."""
    return [Passage(where, key, b.plain[start:end]) for where, b in _placed(blocks) for start, end, key in b.std]


def stale_numbers(blocks: list[Block]) -> list[Passage]:
    """Every number carried over from last year and not yet updated, with its marker, in reading order."""
    return [Passage(where, "stale", b.plain[start:end]) for where, b in _placed(blocks) for start, end in b.stale]


class Built(msgspec.Struct):
    """What one build produced: the blocks (for text previews and tests), the .docx bytes and, when asked for, the
    web page's."""

    source: Path
    blocks: list[Block]
    docx: bytes
    region: str
    warnings: list[Problem] = msgspec.field(default_factory=list)
    html: bytes = b""

    @property
    def text(self) -> str:
        return "\n".join(b.plain for b in self.blocks)

    @property
    def standard(self) -> list[Passage]:
        return standard_passages(self.blocks)

    @property
    def stale(self) -> list[Passage]:
        return stale_numbers(self.blocks)


def check(path: Path) -> tuple[Loaded, list[Problem]]:
    """Load and validate one input; raises InputError with every problem of the file."""
    loaded = load(path)
    return loaded, validate(loaded)


def document_date(data: dict) -> dt.datetime:
    """Document properties come from the input (the 成文日期, else the last day of the year), not the clock."""
    sig = data.get("signature") or {}
    m = _DATE.match(sig.get("date", ""))
    if m:
        return dt.datetime(*map(int, m.groups()), tzinfo=dt.timezone.utc)
    return dt.datetime(data["year"], 12, 31, tzinfo=dt.timezone.utc)


def compose_blocks(path: Path, region: str | None = None, workdir: Path | None = None,
                   previous: Path | None = None) -> tuple[dict, list[Block], str, list[Problem]]:
    """Load, validate, derive, compose: everything a text preview needs, without the .docx. Last year's file
    (`previous`, else the input's `previous:`) gives the facts their year-over-year change."""
    loaded, warnings = check(path)
    blocks, region = compose_loaded(loaded, region, workdir, previous)
    return loaded.data, blocks, region, warnings


def compose_loaded(loaded: Loaded, region: str | None = None, workdir: Path | None = None,
                   previous: Path | None = None) -> tuple[list[Block], str]:
    """Derive and compose an input already loaded and validated (a file, or the text `serve` has not saved)."""
    before = yoy.load_previous(loaded, previous)
    region = region or loaded.data.get("region") or "base"
    # a "<" can only be in the data if the file has one, or a \ escape that could write one
    guard = any(("<" in f.text or "\\" in f.text or not f.text) for f in (loaded, before) if f is not None)
    return compose(derive.context(loaded.data, before.data if before else None, guard), region, workdir), region


def render(path: Path, region: str | None = None, workdir: Path | None = None,
           profile: LayoutProfile | None = None, mark: bool = False, previous: Path | None = None,
           html: bool = False) -> Built:
    """Everything but the write: input file → Blocks → .docx bytes (and with `html` the web page, from the same
    blocks). The layout is the region's unless given; `mark` highlights the standard passages; `previous`
    overrides the input's `previous:`."""
    data, blocks, region, warnings = compose_blocks(path, region, workdir, previous)
    profile = profile or regions.profile(region, workdir)
    town = data["town"]
    names = tuple(n for n in (town.get("province"), town.get("city"), town.get("county"), town["name"], town["issuer"]) if n)
    document = typeset(blocks, profile, names, mark)
    title = "".join(b.plain for b in blocks if b.kind == "title")
    # province, city, county, town go in the keywords: searchable, not printed
    core = core_properties(title, town["issuer"], " ".join(names[:-1]), document_date(data))
    docx_bytes = package(scaffold(profile).parts, {DOCUMENT: document, CORE: core})
    page = b""
    if html:  # imported here: a .docx-only build (the common one, and the benchmark's) does not load it
        from reportgen.publish.html import render_html

        page = render_html(blocks, profile, mark)
    return Built(Path(path), blocks, docx_bytes, region, warnings, page)


def build(path: Path, out: Path, region: str | None = None, workdir: Path | None = None,
          mark: bool = False, previous: Path | None = None, formats: Sequence[str] = publish.DEFAULT,
          pdf_source: Path | None = None) -> Built:
    """Build one report and write each of `formats` atomically beside `out` (its stem, their suffixes); on any
    failure each file is left as it was. The PDF is not made here: LibreOffice converts a whole batch at once
    afterwards, from the .docx at `out` or, when no .docx is wanted, from the copy written to `pdf_source`."""
    built = render(path, region, workdir, mark=mark, previous=previous, html="html" in formats)
    made = {"docx": built.docx, "html": built.html}
    for fmt, target in publish.paths(out, formats).items():
        if fmt in made:
            atomic_write(target, made[fmt])
    if "pdf" in formats and "docx" not in formats and pdf_source is not None:
        atomic_write(pdf_source, built.docx)
    return built
