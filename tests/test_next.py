"""`reportgen next`: next year's file keeps every number, marked, and the built report shows each one marked."""

from __future__ import annotations

import io
import re
import shutil

import docx
import pytest
from conftest import EXAMPLES, ROOT
from docx.enum.text import WD_COLOR_INDEX

from reportgen import derive, yoy
from reportgen.api import check, render
from reportgen.errors import UsageError
from reportgen.load import format_path, load
from reportgen.nextyear import default_output, next_year, roll_years

MARKER = "〔待更新〕"
SOURCES = [*sorted(EXAMPLES.glob("*.yaml")), ROOT / "inputs" / "qinghe-2025.yaml"]


@pytest.fixture(scope="module")
def rolled(tmp_path_factory):
    """(old file, new file, built report) for each shipped input."""
    out = {}
    for source in SOURCES:
        folder = tmp_path_factory.mktemp(source.stem)
        old = folder / source.name
        shutil.copy(source, old)
        new = next_year(old)
        out[source.stem] = (old, new, render(new))
    return out


def _marked_runs(built) -> list[str]:
    """The text of each highlighted stretch of the .docx (adjacent highlighted runs joined)."""
    spans = []
    for p in docx.Document(io.BytesIO(built.docx)).paragraphs:
        current = ""
        for r in p.runs:
            if r.font.highlight_color == WD_COLOR_INDEX.TURQUOISE:
                current += r.text
            elif current:
                spans.append(current)
                current = ""
        if current:
            spans.append(current)
    return spans


@pytest.mark.parametrize("name", [s.stem for s in SOURCES])
def test_every_fact_of_last_year_is_printed_marked(rolled, name):
    old, _, built = rolled[name]
    before = yoy.located_facts(load(old).data)
    spans = _marked_runs(built)
    background = load(old).data.get("background") or {}
    numbers = sum(1 for k, v in background.items() if k != "text" and isinstance(v, (int, float)))
    assert len(spans) == len(before) + numbers  # one highlighted span a number: none lost, none doubled
    assert all(s.endswith(MARKER) and len(s) > len(MARKER) for s in spans)
    text = built.text
    for f in before:
        shown = derive.shown(f.value, f.unit, f.approx)
        for m in re.finditer(r"(?<![\d.])" + re.escape(shown), text):
            assert text.startswith(MARKER, m.end()), f"{name}: {shown} printed unmarked"
    assert len(built.stale) == len(spans)  # build -v lists the same


@pytest.mark.parametrize("name", [s.stem for s in SOURCES])
def test_the_new_file_validates_and_is_one_year_on(rolled, name):
    old, new, built = rolled[name]
    was, now = load(old).data, check(new)[0].data
    assert now["year"] == was["year"] + 1
    assert (new.parent / now["previous"]).resolve() == old.resolve()
    assert "date" not in (now.get("signature") or {}) and "number" not in (now.get("header") or {})
    assert all(f.stale for f in yoy.located_facts(now))
    if was.get("title"):
        assert now["title"] == roll_years(was["title"], was["year"]) and str(was["year"] + 1) in now["title"]
    heads = [b.plain for b in built.blocks if b.kind == "heading" and b.part]
    assert not any(str(was["year"]) in h for h in heads)
    if was.get("signature"):
        assert [b.text for b in built.blocks if b.kind == "date"] == ["年　　月　　日"]  # parse strips the leading spaces (as for the document region)
    if was.get("header"):
        assert [b.text for b in built.blocks if b.kind == "docno"] == [f"机关代字〔{was['year'] + 2}〕　号"]
    old_lines = [ln for ln in old.read_text(encoding="utf-8").splitlines() if ln.lstrip().startswith("#")
                 and not ln.startswith("#- previous:")]  # the hint for previous becomes the field
    assert set(old_lines) <= set(new.read_text(encoding="utf-8").splitlines())  # the clerk's comments kept


def test_years_roll_in_one_pass():
    assert roll_years("2023年工作总结和2024年工作计划（二〇二三年）", 2023) == "2024年工作总结和2025年工作计划（二〇二四年）"
    assert roll_years("12023号", 2023) == "12023号"


def test_never_clobbers_and_names_the_output(tmp_path):
    source = tmp_path / "qinghe-2025.yaml"
    shutil.copy(ROOT / "inputs" / "qinghe-2025.yaml", source)
    assert default_output(source, 2025) == tmp_path / "qinghe-2026.yaml"
    assert default_output(tmp_path / "town.yaml", 2025) == tmp_path / "town-2026.yaml"
    first = next_year(source)
    made = first.read_bytes()
    with pytest.raises(UsageError, match="已存在"):
        next_year(source)
    assert first.read_bytes() == made
    next_year(source, force=True)
    with pytest.raises(UsageError):
        next_year(source, source, force=True)
    rolled_twice = next_year(first)  # a file never updated rolls again: its numbers stay marked, once
    assert "待更新待更新" not in rolled_twice.read_text(encoding="utf-8")
    assert check(rolled_twice)[0].data["previous"] == "qinghe-2026.yaml"


def test_the_commands_next_build_previous_and_lint_work_together(tmp_path, monkeypatch):
    """The clerk's year, through the CLI: next, update two numbers, build with 同比, lint lists what is left."""
    from click.testing import CliRunner

    from reportgen.cli import main

    shutil.copy(EXAMPLES / "guangyang-2023.yaml", tmp_path / "guangyang-2023.yaml")
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke
    assert run(main, ["next", "guangyang-2023.yaml"]).exit_code == 0
    new = tmp_path / "guangyang-2024.yaml"
    lint = run(main, ["lint", str(new)])
    stale = len(re.findall(r"错误 \[stale\.marked\]", lint.output))
    assert lint.exit_code != 0 and stale == len(yoy.located_facts(load(new).data))
    text = re.sub(r"【待更新68件(\|[a-z._]+)?】", r"【75件\1】", new.read_text(encoding="utf-8"))  # its key kept
    text = re.sub(r"【待更新484起(\|[a-z._]+)?】", r"【450起\1】", text)
    assert "75件" in text and "450起" in text
    new.write_text(text, encoding="utf-8")
    lint = run(main, ["lint", str(new)])
    assert len(re.findall(r"错误 \[stale\.marked\]", lint.output)) == stale - 2
    assert run(main, ["build", str(new), "-o", "a.docx"]).exit_code == 0
    body = "".join(p.text for p in docx.Document(str(tmp_path / "a.docx")).paragraphs)
    assert "审核合同文件75件（同比增加7件、增长10.3%）" in body
    assert "450起（同比减少34起、下降7%）" in body
    # --previous names last year's file explicitly: the same report
    assert run(main, ["build", str(new), "-o", "b.docx", "--previous", "guangyang-2023.yaml"]).exit_code == 0
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()


@pytest.mark.parametrize("name", [s.stem for s in SOURCES])
def test_lint_lists_every_carried_over_number_at_its_line(rolled, name):
    """After next, lint names each of last year's numbers once, at the line it stands on, as an error."""
    from reportgen import lint

    _, new, _ = rolled[name]
    loaded = load(new)
    found = [f for f in lint.lint_file(new) if f.check == "stale.marked"]
    assert found and all(f.severity == lint.ERROR for f in found)
    lines = sorted(f.problem.line for f in found)
    expected = []
    for fact in yoy.located_facts(loaded.data):
        line, _ = loaded.source.locate(fact.path)
        if fact.inline:  # an inline fact stands on the line of its text, or inside its block
            line = next(f.problem.line for f in found if f.problem.path.startswith(format_path(fact.path))
                        and f.problem.line >= line)
        expected.append(line)
    background = loaded.data.get("background", {}).get("stale")
    assert len(found) == len(expected) + (1 if background else 0)
    assert set(expected) <= set(lines)
