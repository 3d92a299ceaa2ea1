"""reportgen lint: each planted fault found once, at its line, under its check id, and nothing else; the
examples pass; --strict fails on warnings; an invalid file is reported, not a traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from reportgen import lint
from reportgen.cli import main
from reportgen.errors import EXIT_INPUT, EXIT_LINT, EXIT_OK

CLEAN = Path(__file__).parent / "data" / "lint" / "clean-2024.yaml"
BASE = CLEAN.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Fault:
    """Replace `old` (found once in the clean file) by `new`; the finding is expected on the line where `at`
    stands in the result (by default the first line of `new`)."""

    check: str
    old: str
    new: str
    at: str = ""

    def text(self) -> str:
        assert BASE.count(self.old) == 1, self.old
        return BASE.replace(self.old, self.new)

    def line(self) -> int:
        """The line of the first `at` from the line where the replacement begins, else of the only `at`."""
        text = self.text()
        anchor = self.at or self.new.strip().split("\n")[0]
        start = BASE.rfind("\n", 0, BASE.index(self.old)) + 1
        if anchor not in text[start:]:
            assert text.count(anchor) == 1, anchor
            start = 0
        return text[: text.index(anchor, start)].count("\n") + 1


FAULTS = [
    Fault("schema", "leaders:\n", "leader:\n  text: 多余的键\nleaders:\n"),
    Fault("facts", "【96.79%=211/218】", "【96.5%=211/218】", at="【96.5%"),
    Fault("parts.empty", "  intro: 2025年，清溪镇将针对上述不足，重点抓好以下几项工作。\n"
                         "  items:\n    - area: study\n      heading: 丰富机关学法形式\n"
                         "      text: 每季度组织一次以案释法，安排干部旁听庭审，把学法情况纳入年度考核。\n"
                         "    - area: enforcement\n      heading: 充实镇综合执法力量\n"
                         "      text: 组织符合条件的干部参加执法资格考试，逐步实现执法人员专岗专责。\n",
          "  items: [{area: study}, {area: enforcement}]\n", at="plans:"),
    Fault("shortcoming.cause", "      cause: 镇综合执法队持证人员偏少，部分执法人员身兼多职。\n", "",
          at="problem: 执法力量与执法任务不相适应"),
    Fault("shortcoming.plan", "    - area: enforcement\n      heading: 充实镇综合执法力量\n",
          "    - area: team\n      heading: 充实镇综合执法力量\n", at="area: enforcement\n      problem"),
    Fault("year.heading", "关于2024年法治政府", "关于2023年法治政府", at="title:"),
    Fault("year.previous", "镇党委把法治建设列入全年重点工作", "镇党委把法治建设列入2023年重点工作", at="2023年重点"),
    Fault("year.plans", "2025年，清溪镇将", "2026年，清溪镇将"),
    Fault("year.future", "执法文书统一规范。", "执法文书统一规范，2027年实现全覆盖。", at="2027年"),
    Fault("stale.marked", "【218件】", "【待更新218件】", at="【待更新"),
    Fault("stale.marked", "{label: 办理行政处罚案件, count: 23, unit: 件}",
          "{label: 办理行政处罚案件, count: 23, unit: 件, stale: true}"),
    Fault("placeholder", "坚持以习近平法治思想为指导", "坚持以××为指导", at="××"),
    Fault("placeholder", "镇党政主要负责人认真履行", "某某镇党政主要负责人认真履行", at="某某"),
    Fault("date.late", "2025年1月20日", "2025年3月10日"),
    Fault("date.unpublished", "2025年1月20日", "2025年4月10日"),
    Fault("date.early", "2025年1月20日", "2024年12月20日"),
    Fault("measure-word", "count: 146, unit: 次", "count: 146, unit: 件", at="{label: 开展行政检查"),
    Fault("label-verb", "{label: 办理行政处罚案件,", "{label: 行政处罚案件,"),
    Fault("zero-count", "调解成功【211件】", "调解成功【211件】，行政复议【0件】", at="【0件】"),
    Fault("zero-count", "执法文书统一规范。", "执法文书统一规范，发生执法过错0起。", at="0起"),
    Fault("initiative-kind", "      heading: 化解矛盾纠纷\n",
          "      heading: 化解矛盾纠纷\n      initiatives: [清溪红]\n", at="清溪红"),
    Fault("repeat.paragraph", "- 依托县级执法平台开展联合检查，执法全过程留痕，群众对执法工作的满意度明显提高。",
          "- 全面落实行政执法“三项制度”，执法人员持证上岗、亮证执法，执法文书统一规范。"),
    Fault("repeat.heading", "heading: 化解矛盾纠纷", "heading: 压实法治建设责任"),
    Fault("punct.halfwidth", "执法人员持证上岗、亮证执法", "执法人员持证上岗,亮证执法", at=",亮证"),
    Fault("punct.bracket", "坚持和发展新时代", "【重点】坚持和发展新时代", at="【重点】"),
    Fault("punct.unbalanced", "“三项制度”，执法人员", "“三项制度，执法人员", at="“三项制度，"),
    Fault("punct.docno", "执法文书统一规范。", "执法文书按照清政[2024]5号文件统一规范。", at="清政[2024]"),
]


def _ids(fault: Fault) -> str:
    return f"{fault.check}:{fault.new.strip()[:12]}"


@pytest.fixture
def plant(write_yaml):
    """conftest's write_yaml, named for the 2024 report the faults are planted in."""
    return lambda text, name="town-2024.yaml": write_yaml(text, name)


def _serious(findings: list[lint.Finding]) -> list[lint.Finding]:
    return [f for f in findings if lint.RANK[f.severity] >= lint.RANK[lint.WARNING]]


def test_the_clean_file_has_nothing_to_flag():
    assert _serious(lint.lint_file(CLEAN)) == []


def test_at_least_twelve_kinds_of_fault_are_planted():
    assert len({f.check for f in FAULTS}) >= 12
    assert {f.check for f in FAULTS} <= set(lint.BY_ID)


@pytest.mark.parametrize("fault", FAULTS, ids=_ids)
def test_a_planted_fault_is_found_once_at_its_line_and_nothing_else(fault: Fault, plant):
    findings = lint.lint_file(plant(fault.text()))
    mine = [f for f in findings if f.check == fault.check]
    assert len(mine) == 1, "\n".join(f.format() for f in findings)
    assert mine[0].problem.line == fault.line(), mine[0].format()
    assert mine[0].severity == lint.BY_ID[fault.check].severity
    others = [f.format() for f in _serious(findings) if f is not mine[0]]
    assert others == []


def test_a_missing_other_part_is_a_hint(plant):
    findings = lint.lint_file(plant(BASE.replace("other: 无。\n", "")))
    assert [(f.check, f.severity) for f in findings if f.check == "parts.other"] == [("parts.other", lint.HINT)]
    assert _serious(findings) == []


def test_a_column_is_given_where_the_fault_stands(plant):
    fault = Fault("placeholder", "坚持以习近平法治思想为指导", "坚持以××为指导", at="××")
    path = plant(fault.text())
    line = fault.text().splitlines()[fault.line() - 1]
    (found,) = [f for f in lint.lint_file(path) if f.check == "placeholder"]
    assert found.problem.column == line.index("××") + 1


def test_a_fault_in_a_block_scalar_is_found_at_its_own_line(plant):
    text = BASE.replace("      text: 镇党委把法治建设列入全年重点工作，与经济社会发展同部署、同推进、同考核，",
                        "      text: |\n        镇党委把法治建设列入全年重点工作，\n        与经济社会发展同部署、同推进、××，")
    (found,) = [f for f in lint.lint_file(plant(text)) if f.check == "placeholder"]
    assert text.splitlines()[found.problem.line - 1].strip().startswith("与经济社会发展")


def test_years_in_comparisons_names_and_spans_are_not_flagged(plant):
    text = BASE.replace("镇党委把法治建设列入全年重点工作",
                        "与2023年相比，自2023年以来，较2023年，对照《清溪镇2023年工作要点》和《纲要（2021—2026年）》，"
                        "2023年底以前的积案全部办结，镇党委把法治建设列入全年重点工作")
    assert _serious(lint.lint_file(plant(text))) == []


def test_chinese_numerals_and_a_real_docno_are_no_placeholders(plant):
    text = BASE.replace("执法文书统一规范。", "执法文书按照清政〔2024〕5号文件统一规范，二〇〇八年建成的执法站已改造。")
    assert _serious(lint.lint_file(plant(text))) == []


def test_every_check_is_declared_once_and_documented():
    assert len(lint.BY_ID) == len(lint.CHECKS)
    assert all(re.fullmatch(r"[a-z]+(?:[.-][a-z]+)*", c.id) for c in lint.CHECKS)
    assert {c.severity for c in lint.CHECKS} == {lint.ERROR, lint.WARNING, lint.HINT}
    docs = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    assert lint.table_markdown() in docs  # docs/lint.md carries the table as the code declares it


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_examples_and_inputs_pass(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run("lint", "examples", "inputs")
    assert result.exit_code == EXIT_OK, result.output
    assert "错误 0 处" in result.output


def test_strict_fails_on_a_warning(plant):
    path = plant(Fault("date.late", "2025年1月20日", "2025年3月10日").text())
    assert run("lint", str(path)).exit_code == EXIT_OK
    strict = run("lint", "--strict", str(path))
    assert strict.exit_code == EXIT_LINT
    assert f"{path}:9:3: 警告 [date.late]" in strict.output


def test_deadlines_are_options(plant):
    path = plant(Fault("date.late", "2025年1月20日", "2025年3月10日").text())
    assert run("lint", "--strict", "--deadline", "3-31", str(path)).exit_code == EXIT_OK
    assert run("lint", "--publish-by", "3-5", str(path)).exit_code == EXIT_LINT
    bad = run("lint", "--deadline", "13-1", str(path))
    assert bad.exit_code == 2 and "13-1" in bad.output


def test_a_lint_error_fails(plant):
    path = plant(BASE.replace("【218件】", "【待更新218件】"))
    result = run("lint", str(path))
    assert result.exit_code == EXIT_LINT
    assert "错误 [stale.marked]" in result.output and "错误 1 处" in result.output


@pytest.mark.parametrize("text", [
    BASE.replace("leaders:\n", "leader:\n  text: 多余的键\nleaders:\n"),
    BASE.replace("year: 2024", "year: 二〇二四"),
    BASE.replace("measures:\n  topics:", "measures:\n  topics: [\n"),
    "",
    "- 一个列表\n",
    BASE.replace("  name: 清溪镇", "  name: 清溪镇\n  name: 清溪"),
])
def test_an_invalid_file_gives_its_validation_errors_as_lint_errors(text: str, plant):
    path = plant(text)
    result = run("lint", str(path))
    assert result.exit_code == EXIT_INPUT, result.output
    assert "错误 [schema]" in result.output and "Traceback" not in result.output
    assert re.search(rf"{re.escape(str(path))}:\d+", result.output)


def test_a_folder_is_linted_file_by_file_in_order(plant, tmp_path):
    plant(BASE, "a.yaml")
    plant(BASE.replace("【218件】", "【待更新218件】"), "b.yaml")
    result = run("lint", str(tmp_path))
    lines = [ln for ln in result.output.splitlines() if "[stale.marked]" in ln]
    assert len(lines) == 1 and lines[0].startswith(str(tmp_path / "b.yaml"))
    assert result.output.strip().splitlines()[-1].startswith("共检查 2 份")


def test_findings_are_sorted_by_file_and_line(plant):
    text = BASE.replace("2025年1月20日", "2025年4月10日").replace("坚持以习近平法治思想", "坚持以××法治思想")
    lines = [f.problem.line or 0 for f in lint.lint_file(plant(text))]
    assert lines == sorted(lines)


def test_list_prints_the_table():
    result = run("lint", "--list")
    assert result.exit_code == EXIT_OK
    for check in lint.CHECKS:
        assert check.id in result.output


LAST_YEAR = [("year: 2024", "year: 2023"), ("关于2024年", "关于2023年"), ("2025年1月20日", "2024年1月20日"),
             ("opening:\n  text: 2024年", "opening:\n  text: 2023年"), ("比2023年", "比2022年"),
             ("2025年，清溪镇", "2024年，清溪镇"), ("【6次】", "【5次】"), ("【211件】", "【200件】"),
             ("96.79%=211/218", "91.74%=200/218"), ("count: 146", "count: 120"), ("count: 23", "count: 20"),
             ("count: 4,", "count: 3,")]


@pytest.fixture
def two_years(tmp_path):
    """Last year's file, whose numbers all differ from the clean file's but 218件; and a writer for this year's."""
    last = BASE
    for old, new in LAST_YEAR:
        assert last.count(old) == 1, old
        last = last.replace(old, new)
    (tmp_path / "town-2023.yaml").write_text(last, encoding="utf-8")

    def write(text: str) -> Path:
        path = tmp_path / "town-2024.yaml"
        path.write_text(text.replace("year: 2024\n", "year: 2024\nprevious: town-2023.yaml\n"), encoding="utf-8")
        return path

    return write


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    (n,) = [i for i, line in enumerate(lines, 1) if needle in line]
    return n


def test_a_number_unchanged_from_last_year_is_a_warning_at_its_line(two_years):
    path = two_years(BASE)
    findings = lint.lint_file(path)
    (found,) = [f for f in findings if f.check == "stale.unchanged"]
    assert (found.severity, found.problem.line) == (lint.WARNING, _line_of(path, "【218件】"))
    line = path.read_text(encoding="utf-8").splitlines()[found.problem.line - 1]
    assert found.problem.column == line.index("【218件】") + 1
    assert [f.check for f in _serious(findings)] == ["stale.unchanged"]


def test_a_stale_mark_is_an_error_at_its_line_and_not_also_unchanged(two_years):
    path = two_years(BASE.replace("【218件】", "【待更新218件】"))
    findings = _serious(lint.lint_file(path))
    assert [(f.check, f.severity, f.problem.line) for f in findings] == [
        ("stale.marked", lint.ERROR, _line_of(path, "【待更新218件】"))]
    assert run("lint", str(path)).exit_code == EXIT_LINT


def test_previous_on_the_command_line_and_a_missing_previous(two_years, tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text(BASE, encoding="utf-8")
    assert "[stale.unchanged]" not in run("lint", str(path)).output
    result = run("lint", "--previous", str(tmp_path / "town-2023.yaml"), str(path))
    assert "警告 [stale.unchanged]" in result.output and result.exit_code == EXIT_OK
    missing = two_years(BASE).read_text(encoding="utf-8").replace("town-2023.yaml", "town-2022.yaml")
    (tmp_path / "town-2024.yaml").write_text(missing, encoding="utf-8")
    result = run("lint", str(tmp_path / "town-2024.yaml"))
    assert result.exit_code == EXIT_INPUT and "错误 [previous]" in result.output
    assert "town-2024.yaml:3:" in result.output  # the line of previous:
