"""Templates from a province's office: sandboxed, strict, and every failure named by template file and line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import MINIMAL

from reportgen.cli import main

EXTENDS = '{% extends "base/report.j2" %}\n'
CASES = {
    "python internals": (EXTENDS + "{% block other %}\n<h1 part=other>其他\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n"
                         "{% endblock %}\n", ":4", "不允许的操作"),
    "read a file": (EXTENDS + '{% block other %}\n<h1 part=other>其他\n{% include "../../../../../etc/passwd" %}\n'
                    "{% endblock %}\n", "", "找不到模板文件"),
    "undefined field": (EXTENDS + "{% block other %}\n<h1 part=other>其他\n{{ town.nmae }}\n{% endblock %}\n", ":4",
                        "没有的字段"),
    "syntax error": (EXTENDS + "{% block other %}\n<h1 part=other>其他\n{% if %}\n{% endblock %}\n", ":4", "语法错误"),
    "part left out": (EXTENDS + "{% block other %}{% endblock %}\n", "", "缺少以下部分：other"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_region_template_fails_with_its_file_and_line_and_keeps_the_output(tmp_path, monkeypatch, case):
    body, where, words = CASES[case]
    region = tmp_path / "templates" / "bad"
    region.mkdir(parents=True)
    (region / "report.j2").write_text(body, encoding="utf-8")
    (tmp_path / "town.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "town.docx").write_bytes(b"earlier")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", "town.yaml", "-o", "town.docx", "--region", "bad"],
                                catch_exceptions=False)
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output and "root:" not in result.output
    assert words in result.output, result.output
    if where:
        assert f"report.j2{where}" in result.output, result.output
    assert (tmp_path / "town.docx").read_bytes() == b"earlier"


def test_our_own_bug_gets_an_apology_not_a_traceback(tmp_path, monkeypatch):
    import reportgen.api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(reportgen.api, "typeset", broken)
    src = tmp_path / "town.yaml"
    src.write_text(MINIMAL, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(tmp_path / "x.docx")])
    assert result.exit_code == 1
    assert "非常抱歉" in result.output and "--debug" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.docx").exists()
