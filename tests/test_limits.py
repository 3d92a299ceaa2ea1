"""Bounds on what a region template may cost (the sandbox budget), region files that are not UTF-8, and title
balancing on long titles: each over-limit case a message naming its file and line, never the apology."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner
from conftest import MINIMAL, ROOT

from reportgen import compose, sandbox
from reportgen.cli import main
from reportgen.typeset.title import balance, width

EXTENDS = '{% extends "base/report.j2" %}\n{% block other %}\n<h1 part=other>其他\n'
END = "\n{% endblock %}\n"

# Each hostile template body (on line 4 of its report.j2) and words its message must hold.
HOSTILE = {
    "range of a billion": ("{{ range(10**9)|length }}", "range() 最多生成 10,000 项"),
    "a gigabyte string": ("{{ ('x' * 10**9)|length }}", "乘法（*）得到的字符串或列表超过"),
    "ten million lorem ipsum": ("{{ lipsum(n=10**7)|length }}", "lipsum() 最多生成"),
    "a macro calling itself": ("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}", "嵌套（宏调用或 include）太深"),
    "a macro calling itself twice": ("{% macro r(n) %}{% if n < 40 %}{{ r(n + 1) }}{{ r(n + 1) }}{% endif %}x"
                                     "{% endmacro %}{{ r(0) }}", "循环和调用超过"),
    "nested loops of text": ("{% for i in range(10000) %}{% for j in range(10000) %}" + "字" * 40 +
                             "{% endfor %}{% endfor %}", "生成的文字超过"),
    "a long value written often": ("{% set s = 'x' * 900000 %}{% for i in range(10000) %}{{ s }}{% endfor %}",
                                   "生成的文字超过"),
    "empty loops three deep": ("{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}"
                               "{% endfor %}{% endfor %}{% endfor %}", "循环和调用超过"),
    "a string doubled in a loop": ("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
                                   "{% endfor %}{{ ns.s|length }}", "拼接（~）的结果超过"),
    "a list doubled in a loop": ("{% set l = [1] %}{% for i in range(40) %}{{ l.extend(l) }}{% endfor %}",
                                 "不允许的操作"),
    "a huge power": ("{{ 2 ** 1000000000 }}", "乘方（**）得到的整数超过"),
    "a gigabyte-wide format": ("{{ '%1000000000d' % 1 }}", "格式串"),
    "a gigabyte-wide str.format": ("{{ '{:>{}}'.format(1, 10**9) }}", "格式串"),
    "a gigabyte-wide center filter": ("{{ 'x'|center(10**9) }}", "“center” 的结果会超过"),
    "a gigabyte-wide center method": ("{{ 'x'.center(10**9) }}", "“center” 的结果会超过"),
    "a join that multiplies": ("{{ range(10000)|join('x' * 100000) }}", "“join” 的结果会超过"),
    "a replace that multiplies": ("{{ ('x' * 100000).replace('x', 'y' * 100) }}", "“replace” 的结果会超过"),
    "a division by zero": ("{{ 1 / 0 }}", "ZeroDivisionError"),
    "a filter given nothing": ("{{ none|join('，') }}", "模板中的运算出错（TypeError"),
}


def _build(tmp_path, monkeypatch, name: str, files: dict[str, bytes | str], region: str | None = None):
    """Build MINIMAL with the region folder templates/<name> holding `files`; the earlier output must survive."""
    folder = tmp_path / "templates" / name
    folder.mkdir(parents=True)
    for file, content in files.items():
        (folder / file).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    (tmp_path / "town.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "town.docx").write_bytes(b"earlier")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", "town.yaml", "-o", "town.docx", "--region", region or name],
                                catch_exceptions=False)
    assert "Traceback" not in result.output and "非常抱歉" not in result.output, result.output
    assert (tmp_path / "town.docx").read_bytes() == b"earlier"
    return result


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_template_stops_at_its_line_with_the_limit_named(tmp_path, monkeypatch, case):
    body, words = HOSTILE[case]
    result = _build(tmp_path, monkeypatch, "hostile", {"report.j2": EXTENDS + body + END})
    assert result.exit_code == 4, result.output
    assert f"{tmp_path / 'templates' / 'hostile' / 'report.j2'}:4:" in result.output, result.output
    assert words in result.output, result.output
    if "运算出错" not in words and "ZeroDivision" not in words and "不允许" not in words:
        assert "超出了模板的运行上限" in result.output and "提示：" in result.output


def test_a_template_that_runs_past_the_time_limit_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.0)  # every look at the clock finds the time up: no waiting here
    body = "{# a region of its own, so the first look at the clock falls in this loop #}\n\n" \
           "{% for i in range(5000) %}{% endfor %}\n"
    result = _build(tmp_path, monkeypatch, "slow", {"report.j2": body})
    assert result.exit_code == 4 and "report.j2:3:" in result.output and "模板运行超过 0 秒" in result.output


def test_memory_backstop_catches_what_the_checks_miss(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_STR", 10**12)  # as if the string checks knew nothing of this operator
    monkeypatch.setattr(sandbox, "MAX_MEMORY", 64 * 2**20)
    result = _build(tmp_path, monkeypatch, "greedy", {"report.j2": EXTENDS + "{{ ('x' * 10**9)|length }}" + END})
    assert result.exit_code == 4 and "report.j2:4:" in result.output and "内存超过 64 MB" in result.output


def test_shipped_templates_copied_into_a_working_folder_build_the_same_bytes_under_the_budget(tmp_path):
    """The budget (a working folder's templates/) must not change a report: same text, same .docx bytes."""
    from reportgen.api import render

    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    for region in ("base", "runin", "regulation", "document"):
        for example in sorted((ROOT / "examples").glob("*.yaml")):
            assert render(example, region, tmp_path).docx == render(example, region).docx, (region, example)
    assert isinstance(compose.environment("base", tuple(compose.template_roots(tmp_path))), sandbox.BudgetedSandbox)
    assert not isinstance(compose.environment("base", tuple(compose.template_roots(None))), sandbox.BudgetedSandbox)


def test_the_budget_grows_with_a_large_accepted_input(tmp_path):
    """A long input is not a hostile template: 600,000 characters of 其他 text build under the budget."""
    from reportgen.api import render

    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    paragraph = "镇政府坚持依法行政，" * 2000  # 20,000 characters
    text = MINIMAL.replace("shortcomings:", "other: |\n" + "".join(f"  {paragraph}\n\n" for _ in range(30))
                           + "shortcomings:", 1)
    src = tmp_path / "big.yaml"
    src.write_text(text, encoding="utf-8")
    built = render(src, "base", tmp_path)
    assert sum(len(b.text) for b in built.blocks) > 600_000


# ---- region files that are not UTF-8 ------------------------------------------------------------------

GBK_CASES = {
    "report.j2": ({"report.j2": (EXTENDS + "其他情况。" + END).encode("gbk")}, "report.j2", 3),  # <h1 part=other>其他
    "phrases.yaml": ({"report.j2": '{% extends "base/report.j2" %}\n',
                      "phrases.yaml": "# 标准表述\ntopic:\n  说明: 中文\n".encode("gbk")}, "phrases.yaml", 1),
    "region.yaml": ({"report.j2": '{% extends "base/report.j2" %}\n',
                     "region.yaml": "description: 中文说明\n".encode("gbk")}, "region.yaml", 1),
    "a partial it includes": ({"report.j2": EXTENDS + '{% include "gbkpart/part.j2" %}' + END,
                               "part.j2": "部分内容\n".encode("gbk")}, "part.j2", 1),
}


@pytest.mark.parametrize("case", sorted(GBK_CASES))
def test_region_file_saved_as_gbk_is_named_with_the_save_as_utf8_hint(tmp_path, monkeypatch, case):
    files, name, line = GBK_CASES[case]
    result = _build(tmp_path, monkeypatch, "gbkpart", files)
    assert result.exit_code == 4, result.output
    assert f"{tmp_path / 'templates' / 'gbkpart' / name}:{line}:" in result.output, result.output
    assert "不是 UTF-8 编码" in result.output and "另存为" in result.output and "UTF-8 后保存" in result.output


def test_template_check_names_a_gbk_template_too(tmp_path, monkeypatch):
    folder = tmp_path / "templates" / "gbk"
    folder.mkdir(parents=True)
    (folder / "report.j2").write_bytes((EXTENDS + "其他情况。" + END).encode("gbk"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "--templates", "--region", "gbk"], catch_exceptions=False)
    assert result.exit_code == 4, result.output
    assert "report.j2:3:" in result.output and "另存为" in result.output and "非常抱歉" not in result.output


# ---- title balancing -------------------------------------------------------------------------------

# 80 full-width characters that do not fit in four lines of 20 (法治政府建设 spans the 20th): five lines, which the
# exhaustive search took seconds to minutes to find.
TITLE_80 = ("某某县某某镇人民政府关于深入推进法治政府建设全面落实党政主要负责人履行推进法治建设第一责任人职责的"
            "工作情况及下一步工作打算和重点任务安排等有关事项情况的专题报告")
NAMES = ("某某县", "某某镇", "某某县某某镇人民政府")
PROTECTED = ("某某县", "某某镇", "人民政府", "法治政府建设", "法治建设", "工作", "情况", "报告", "关于")


@pytest.mark.parametrize("length", [80, 200])
def test_long_titles_balance_into_the_fewest_even_lines_without_splitting_a_word(length):
    title = (TITLE_80 * 3)[:length]
    lines = balance(title, 20, NAMES)
    assert "".join(lines) == title
    widths = [width(line) for line in lines]
    assert max(widths) <= 20
    assert len(lines) <= -(-width(title) // 20) + 1  # the fewest lines, or one more where words force it
    cuts = [sum(len(x) for x in lines[:i]) for i in range(1, len(lines))]
    for word in PROTECTED:
        for m in re.finditer(re.escape(word), title):
            assert not any(m.start() < cut < m.end() for cut in cuts), (word, lines)
    assert all(title[cut] not in "，。、）》”的" for cut in cuts)
    assert max(widths) - min(widths) <= 6, widths  # even (the 200 characters need ten full lines: one is short)


def test_an_eighty_character_title_builds(tmp_path):
    from reportgen.api import render

    src = tmp_path / "town.yaml"
    src.write_text(MINIMAL.replace("year: 2024\n", f"year: 2024\ntitle: {TITLE_80}\n", 1), encoding="utf-8")
    built = render(src)
    title = next(b for b in built.blocks if b.kind == "title")
    assert title.text == TITLE_80
