"""The commands as a clerk uses them: exit codes, Chinese messages, files written (or not)."""

from __future__ import annotations

import json
import re
import shutil

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, MINIMAL, ROOT, docx_text

from reportgen.cli import main
from reportgen.initfile import render_init


def run(*args, cwd=None):
    runner = CliRunner()
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_schema_prints_schema_json():
    result = run("schema")
    assert result.exit_code == 0
    printed = json.loads(result.output)
    assert printed == json.loads((ROOT / "schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(printed)


def test_every_schema_field_has_a_chinese_description():
    schema = json.loads((ROOT / "schema.json").read_text(encoding="utf-8"))

    def walk(node, path):
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                target = sub
                if "$ref" in sub:
                    target = schema["$defs"][sub["$ref"].rsplit("/", 1)[1]]
                desc = sub.get("description") or target.get("description")
                assert desc and any("\u4e00" <= ch <= "\u9fff" for ch in desc), f"{path}.{key} has no Chinese description"
                walk(sub, f"{path}.{key}")
            for d in node.get("$defs", {}).values():
                walk(d, path + ".$defs")

    walk(schema, "")


def test_validate_accepts_the_examples():
    result = run("validate", *(str(p) for p in sorted(EXAMPLES.glob("*.yaml"))))
    assert result.exit_code == 0, result.output
    assert result.output.count("✓") == 5


def test_validate_rejects_an_unknown_key_and_names_it(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("leaders: {}", "leaders: {}\nplan:\n  items: []"), encoding="utf-8")
    result = run("validate", str(bad))
    assert result.exit_code == 3
    assert f"{bad}:10:1" in result.output  # the line of the misspelt key
    assert "未知的键 “plan”" in result.output and "是不是想写 “plans”" in result.output
    assert "Traceback" not in result.output


def test_unknown_key_deep_inside_is_an_error_too(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("count: 10", "count: 10, unti: 件"), encoding="utf-8")
    result = run("validate", str(bad))
    assert result.exit_code == 3
    assert "measures.topics[0].facts[0].unti" in result.output


def test_init_writes_the_shipped_sample_and_refuses_to_clobber(tmp_path):
    shipped = ROOT / "inputs" / "qinghe-2025.yaml"
    assert render_init(shipped) == shipped.read_text(encoding="utf-8")
    target = tmp_path / "new.yaml"
    assert run("init", str(target)).exit_code == 0
    # the editor's schema line points at a schema that exists from where the file is
    ref = re.search(r"^# yaml-language-server: \$schema=(.+)$", target.read_text(encoding="utf-8"), re.M)[1]
    assert json.loads((target.parent / ref).read_text(encoding="utf-8")) == json.loads(
        (ROOT / "schema.json").read_text(encoding="utf-8"))
    assert run("validate", str(target)).exit_code == 0
    target.write_text("mine", encoding="utf-8")
    result = run("init", str(target))
    assert result.exit_code == 2 and target.read_text(encoding="utf-8") == "mine"


def test_build_without_paths_builds_inputs_into_build(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    monkeypatch.chdir(tmp_path)
    result = run("build")
    assert result.exit_code == 0, result.output
    out = tmp_path / "build" / "qinghe-2025.docx"
    assert "青禾镇" in docx_text(out)


def test_build_several_inputs_into_a_folder_and_one_into_a_file(tmp_path):
    result = run("build", str(EXAMPLES), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "changsha-2023.docx", "gongchuan-2023.docx", "guangyang-2023.docx", "joint-2024.docx", "yinyang-2023.docx"]
    one = tmp_path / "one.docx"
    assert run("build", str(EXAMPLES / "guangyang-2023.yaml"), "-o", str(one)).exit_code == 0
    assert "广阳镇" in docx_text(one)


def test_help_is_in_chinese():
    result = run("--help")
    assert result.exit_code == 0 and "生成报告" in result.output


def test_the_cli_module_imports_no_heavy_library():
    """`reportgen --help` and argument errors start fast: the pipeline is imported inside each command."""
    import subprocess
    import sys

    code = "import sys, reportgen.cli; print(sorted(m for m in ('docx', 'jinja2', 'jsonschema', 'lxml', 'yaml', " \
           "'fastjsonschema', 'PIL') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_command_leaves_without_teardown_yet_with_its_output_and_status(tmp_path):
    """`reportgen` ends with os._exit (cli.run): what it printed must still arrive through a pipe, the file be
    whole, and each exit status be the command's."""
    import subprocess
    import sys
    import zipfile

    def reportgen(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "reportgen", *args], capture_output=True, text=True,
                              cwd=tmp_path)

    out = tmp_path / "g.docx"
    done = reportgen("build", str(EXAMPLES / "guangyang-2023.yaml"), "-o", str(out), "-v")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"✓ {EXAMPLES / 'guangyang-2023.yaml'} → {out}")
    assert "标准表述" in done.stdout.splitlines()[1]  # -v's list, written after the first line
    assert zipfile.ZipFile(out).testzip() is None
    missing = reportgen("build", "nowhere.yaml")
    assert missing.returncode == 2 and "找不到 nowhere.yaml" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 二〇二三\n", encoding="utf-8")
    invalid = reportgen("validate", str(bad))
    assert invalid.returncode == 3 and "bad.yaml" in invalid.stderr
    assert "Traceback" not in missing.stderr + invalid.stderr


def test_run_passes_on_the_exit_status_and_a_message(monkeypatch, capsys):
    import reportgen.cli as cli

    left: list[int] = []
    monkeypatch.setattr(cli.os, "_exit", left.append)
    for raised, status in ((SystemExit(4), 4), (SystemExit(None), 0), (SystemExit("出错了"), 1)):
        def fail(raised: SystemExit = raised) -> None:
            raise raised
        monkeypatch.setattr(cli, "main", fail)
        cli.run()
        assert left.pop() == status
    assert "出错了" in capsys.readouterr().err
    monkeypatch.setattr(cli, "main", lambda: None)
    monkeypatch.setattr(cli.threading, "active_count", lambda: 2)  # another thread: the normal exit, which joins it
    with pytest.raises(SystemExit) as normal:
        cli.run()
    assert normal.value.code == 0 and not left
