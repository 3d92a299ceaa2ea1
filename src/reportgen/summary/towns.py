"""One town's report read for the county: the pipeline's load → validate → derive → compose, lint's findings,
its facts in the indicators' columns and how much of each part the town wrote itself. Never raises for a
town's mistake: an unreadable or invalid file is a TownReport with its Chinese error."""

from __future__ import annotations

import traceback
from collections import Counter
from pathlib import Path

import msgspec

from reportgen import derive, yoy
from reportgen.api import Passage, document_date, standard_passages
from reportgen.blocks import Block
from reportgen.compose import compose
from reportgen.errors import InternalError, ReportgenError
from reportgen.lint import ERROR, WARNING, Finding, Options, lint_file
from reportgen.load import Loaded, load
from reportgen.schema.validate import validate
from reportgen.summary.indicators import Declaration, Placed, Unplaced, place

OPENING = "opening"  # what stands before the first part's heading: title, 主送, the opening paragraphs
_AREA_PASSAGES = ("topic", "shortcoming", "plan")  # standard passage keys that name an area: topic.disputes.text
_LISTED = ("measures", "shortcomings", "plans")  # parts whose list items carry an area


class Share(msgspec.Struct, frozen=True):
    """How much of one part of the report the template wrote: characters in all and in standard passages."""

    chars: int = 0
    standard: int = 0

    @property
    def own(self) -> float | None:
        """The town's own share, 0–1; None for a part with no text."""
        return 1 - self.standard / self.chars if self.chars else None


class Place(msgspec.Struct, frozen=True):
    """Where a fact stands: its line, the part (measures, leaders …) and the area of the topic or item holding it."""

    line: int
    part: str
    area: str = ""


def place_of(loaded: Loaded, fact: yoy.LocatedFact) -> Place:
    """measures.topics[3].items[0].text → line, measures, the area of topic 3 (its items share it)."""
    line = loaded.source.locate(fact.path)[0] or 0
    part = str(fact.path[0]) if fact.path else ""
    area = ""
    if len(fact.path) > 2 and part in _LISTED and isinstance(fact.path[2], int):
        listed = loaded.data.get(part, {}).get(fact.path[1], [])
        held = listed[fact.path[2]] if fact.path[2] < len(listed) else {}
        area = held.get("area", "") if isinstance(held, dict) else ""
    return Place(line, part, area)


class TownReport(msgspec.Struct):
    """What the county's workbook shows for one input file."""

    source: str
    name: str  # the town's name, or the file's stem when the file could not be read
    county: str = ""
    year: int | None = None
    error: str | None = None  # the Chinese message when the file could not be read, validated or composed
    exit_code: int = 0
    values: dict[str, Placed] = msgspec.field(default_factory=dict)  # indicator key → the town's number
    unplaced: list[Unplaced] = msgspec.field(default_factory=list)
    findings: list[Finding] = msgspec.field(default_factory=list)  # lint's errors and warnings (its hints are the passages)
    passages: list[Passage] = msgspec.field(default_factory=list)  # the standard passages the template wrote
    parts: dict[str, Share] = msgspec.field(default_factory=dict)  # part → share, in reading order
    places: dict[yoy.LocatedFact, Place] = msgspec.field(default_factory=dict)  # where each fact stands in the file
    signed: str = ""  # ISO date of the document (成文日期, else 31 December), for the workbook's properties

    @property
    def valid(self) -> bool:
        return self.error is None

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    @property
    def codes(self) -> list[str]:
        """The lint check ids that found an error or a warning, each once, errors first."""
        ranked = sorted(self.findings, key=lambda f: f.severity != ERROR)
        return list(dict.fromkeys(f.check for f in ranked))

    @property
    def area_passages(self) -> Counter[str]:
        """Standard passages per area (topic.disputes.text → disputes)."""
        return Counter(p.key.split(".")[1] for p in self.passages
                       if p.key.split(".")[0] in _AREA_PASSAGES and p.key.count(".") >= 1)


def county_of(data: dict) -> str:
    """The town's county: `town.county`, else what its issuer says before the town's name (启东市寅阳镇人民政府)."""
    town = data.get("town") if isinstance(data.get("town"), dict) else {}
    county, name, issuer = town.get("county"), town.get("name"), town.get("issuer")
    if isinstance(county, str) and county.strip():
        return county.strip()
    if isinstance(name, str) and isinstance(issuer, str) and name and name in issuer:
        return issuer.split(name, 1)[0].strip()
    return ""


def shares(blocks: list[Block]) -> dict[str, Share]:
    """Each part's characters and standard characters, from the composed blocks' `std` spans: the pipeline's own
    record of what it wrote for the town (the same that `build -v` lists and `build --mark` highlights)."""
    out: dict[str, Share] = {}
    part = OPENING
    for b in blocks:
        if b.kind == "heading" and b.level == 1 and b.part:
            part = b.part
        if b.kind not in ("heading", "body"):
            continue
        have = out.get(part, Share())
        chars = len(b.plain) - len(b.number)
        standard = sum(end - start for start, end, _ in b.std)
        out[part] = Share(have.chars + chars, have.standard + standard)
    return out


def _identity(report: TownReport, loaded: Loaded) -> None:
    data = loaded.data if isinstance(loaded.data, dict) else {}
    town = data.get("town") if isinstance(data.get("town"), dict) else {}
    if isinstance(town.get("name"), str) and town["name"].strip():
        report.name = town["name"].strip()
    report.county = county_of(data)
    year = data.get("year")
    report.year = year if isinstance(year, int) and not isinstance(year, bool) else None


def _bug(report: TownReport, what: str, err: Exception, debug: bool) -> None:
    """Our own failure on this town (not the clerk's): the row says so, with the traceback under --debug."""
    bug = InternalError(f"{what} {report.source} 时出现了意外错误（{type(err).__name__}）。")
    report.error = bug.format_message() + (f"\n{traceback.format_exc()}" if debug else "")
    report.exit_code = bug.exit_code


def read_town(path: str, decl: Declaration, region: str | None = None, workdir: Path | None = None,
              debug: bool = False) -> TownReport:
    """Everything the workbook shows for one file. An invalid town keeps its row: name, county and year when the
    file could be read at all, its error, and lint's findings; its numbers are not counted."""
    report = TownReport(path, Path(path).stem)
    try:
        _read(report, path, decl, region, workdir)
    except ReportgenError as err:
        report.error, report.exit_code = err.format_message(), err.exit_code
    except Exception as err:  # a bug met by this town alone: the other towns are still summarised
        _bug(report, "汇总", err, debug)
    try:
        report.findings = [f for f in lint_file(path, Options(workdir=workdir)) if f.severity in (ERROR, WARNING)]
    except Exception as err:  # lint's own bug: the row says so rather than show a count of zero
        if report.error is None:
            _bug(report, "检查", err, debug)
    return report


def _read(report: TownReport, path: str, decl: Declaration, region: str | None, workdir: Path | None) -> None:
    loaded = load(Path(path))
    _identity(report, loaded)
    validate(loaded)
    data = loaded.data
    blocks = compose(derive.context(data), region or data.get("region") or "base", workdir)
    located = yoy.located_facts(data)
    report.values, report.unplaced = place(located, decl)
    report.places = {f: place_of(loaded, f) for f in located}
    report.passages = standard_passages(blocks)
    report.parts = shares(blocks)
    report.signed = document_date(data).date().isoformat()
