"""A batch of hundreds with every kind of bad input, and workers that crash or are killed: nothing is lost, every
failure is named (with its line where it has one), and the summary counts the reports on disk."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

import reportgen.api
from reportgen.cli import main

QINGHE = (ROOT / "inputs" / "qinghe-2025.yaml").read_text(encoding="utf-8")
GOOD = 184


def _swap(text: str, old: str, new: str) -> tuple[str, int]:
    """`text` with the one occurrence of `old` replaced by `new`, and the number of the line it is on."""
    assert text.count(old) == 1, old
    return text.replace(old, new), text[:text.index(old)].count("\n") + 1


RATE = "rate: 100, of: [86, 86]"
TOPIC = "    - area: study\n"

# kind → how to spoil a town's input; each returns the text and the line of the mistake
BAD = {
    "syntax": lambda t: _swap(t, "county: 示例县\n", "county: 示例县: 多了冒号\n"),
    "unknown-key": lambda t: _swap(t, "city: 示例市\n", "ctiy: 示例市\n"),
    "rate": lambda t: _swap(t, RATE, "rate: 50, of: [86, 86]"),
    "date": lambda t: _swap(t, "date: 2026年1月12日\n", "date: 2023-02-29\n"),
    "nan": lambda t: _swap(t, RATE, "rate: .nan, of: [86, 86]"),
    "control": lambda t: _swap(t, "province: 示例省\n", "province: 示例\x07省\n"),
    "deep": lambda t: _swap(t, "villages: 12\n", "villages: " + "[" * 1000 + "]" * 1000 + "\n"),
    "inline": lambda t: _swap(t, TOPIC, "      text: 全年办理案件【２１８件】。\n" + TOPIC),  # the first topic's text
}
COPIES = 3  # of each bad kind: 24 bad inputs, 8 kinds with a line, plus the injected ones below


def _town(i: int) -> str:
    return QINGHE.replace("青禾镇", f"青禾{i}镇")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """≥ 200 inputs: good towns, bad ones of every kind (name → line of the mistake), and a few that the tests
    make crash or kill their worker (named crash-*, kill-*, flaky-*)."""
    src = tmp_path_factory.mktemp("batch") / "in"
    src.mkdir()
    for i in range(GOOD):
        (src / f"town-{i:03}.yaml").write_text(_town(i), encoding="utf-8")
    bad: dict[str, int] = {}
    for n, (kind, spoil) in enumerate(BAD.items()):
        for copy in range(COPIES):
            text, line = spoil(_town(1000 + n * COPIES + copy))
            name = f"bad-{kind}-{copy}.yaml"
            (src / name).write_text(text, encoding="utf-8")
            bad[name] = line
    for name in ("crash-0.yaml", "crash-1.yaml", "kill-0.yaml", "flaky-0.yaml"):
        (src / name).write_text(_town(len(name)), encoding="utf-8")
    return src, bad


def _inject(monkeypatch, marks: Path) -> None:
    """Build as usual, except: crash-* raise inside the worker, kill-* SIGKILL their own worker every time,
    flaky-* SIGKILL it the first time only (as the OOM killer might). Forked workers inherit the patch."""
    build = reportgen.api.build

    def injected(src, *args, **kwargs):
        name = Path(src).name
        if name.startswith("crash-"):
            raise RuntimeError("injected")
        if name.startswith("kill-") or (name.startswith("flaky-") and not (marks / name).exists()):
            (marks / name).touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return build(src, *args, **kwargs)

    monkeypatch.setattr(reportgen.api, "build", injected)


def _run(folder, tmp_path, monkeypatch, skip: tuple[str, ...]):
    src, bad = folder
    marks = tmp_path / "marks"
    marks.mkdir()
    _inject(monkeypatch, marks)
    inputs = [p for p in src.iterdir() if not p.name.startswith(skip)]
    run = tmp_path / "run"
    run.mkdir()
    for p in inputs:
        os.symlink(p, run / p.name)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(run), "-j", "2", "-o", str(out)], catch_exceptions=False)
    return result, inputs, out, bad


def _check_common(result, inputs, out, bad) -> None:
    on_disk = {p.name for p in out.glob("*.docx")}
    good = {p.stem for p in inputs if p.name.startswith(("town-", "flaky-"))}
    assert on_disk == {f"{stem}.docx" for stem in good}
    for name, line in bad.items():
        assert f"✗ {out.parent / 'run' / name}\n" in result.output, name
        assert re.search(rf"{re.escape(name)}:{line}\b", result.output), f"{name} without its line {line}"
    assert f"共 {len(inputs)} 份：成功 {len(on_disk)} 份，失败 {len(inputs) - len(on_disk)} 份" in result.output
    assert "✗ ?" not in result.output and "Traceback" not in result.output
    assert result.exit_code == 3


def test_every_input_gets_its_own_result_and_the_summary_counts_the_files(folder, tmp_path, monkeypatch):
    result, inputs, out, bad = _run(folder, tmp_path, monkeypatch, skip=("kill-", "flaky-"))
    assert len(inputs) >= 200 and len(bad) >= 20
    _check_common(result, inputs, out, bad)
    for name in ("crash-0.yaml", "crash-1.yaml"):  # a bug inside one input: that input only, with the apology
        assert re.search(rf"✗ \S*{name}\n生成时出现了意外错误（RuntimeError）。这是 reportgen 自身的问题", result.output)
    assert result.output.count("出现了意外错误") == 2


def test_a_killed_worker_loses_no_input_and_the_one_that_kills_it_is_named(folder, tmp_path, monkeypatch):
    result, inputs, out, bad = _run(folder, tmp_path, monkeypatch, skip=("crash-",))
    _check_common(result, inputs, out, bad)  # flaky-0 killed its worker once, was retried and built
    assert re.search(r"✗ \S*kill-0\.yaml\n生成这一份时工作进程异常退出", result.output)
    assert "出现了意外错误" not in result.output and "并行生成时" not in result.output


def test_a_segfault_in_a_worker_is_that_inputs_failure(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(12):
        (src / f"town-{i:02}.yaml").write_text(_town(i), encoding="utf-8")
    build = reportgen.api.build

    def segfault(path, *args, **kwargs):
        if Path(path).name == "town-05.yaml":
            import ctypes
            import faulthandler

            faulthandler.disable()  # pytest's dump would only add noise
            ctypes.string_at(0)  # a real SIGSEGV, like libyaml's C loader on a hostile input
        return build(path, *args, **kwargs)

    monkeypatch.setattr(reportgen.api, "build", segfault)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["--debug", "build", str(src), "-j", "2", "-o", str(out)], catch_exceptions=False)
    assert sorted(p.name for p in out.iterdir()) == [f"town-{i:02}.docx" for i in range(12) if i != 5], result.output
    assert re.search(r"✗ \S*town-05\.yaml\n生成这一份时工作进程异常退出", result.output)
    assert "共 12 份：成功 11 份，失败 1 份" in result.output and result.exit_code == 1


def test_validate_checks_every_file_of_a_folder(folder, tmp_path, monkeypatch):
    src, bad = folder
    check = reportgen.api.check

    def crashing(path, *args, **kwargs):
        if Path(path).name.startswith("crash-"):
            raise RuntimeError("injected")
        return check(path, *args, **kwargs)

    monkeypatch.setattr(reportgen.api, "check", crashing)
    result = CliRunner().invoke(main, ["validate", str(src)], catch_exceptions=False)
    for name, line in bad.items():
        assert f"✗ {src / name}\n" in result.output and re.search(rf"{re.escape(name)}:{line}\b", result.output)
    assert f"✗ {src / 'crash-0.yaml'}\n检查时出现了意外错误（RuntimeError）" in result.output
    assert result.output.count("✓ ") == GOOD + 2  # the good towns, kill-0 and flaky-0
    assert result.exit_code == 3 and "Traceback" not in result.output


def test_debug_shows_the_cause_of_a_bug_met_by_one_input(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("crash-0.yaml", "town-0.yaml"):
        (src / name).write_text(_town(0 if name.startswith("crash") else 1), encoding="utf-8")
    _inject(monkeypatch, tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["--debug", "build", str(src), "-j", "1", "-o", str(out)],
                                catch_exceptions=False)
    assert f"✗ {src / 'crash-0.yaml'}\n生成时出现了意外错误（RuntimeError）" in result.output
    assert "Traceback" in result.output and "RuntimeError: injected" in result.output
    assert sorted(os.listdir(out)) == ["town-0.docx"] and result.exit_code == 1
