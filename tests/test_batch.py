"""Batches: parallel workers, every failure reported at the end, a summary line, the same bytes as one by one."""

from __future__ import annotations

import shutil

from click.testing import CliRunner
from conftest import EXAMPLES, MINIMAL

from reportgen.api import render
from reportgen.cli import main


def _folder(tmp_path, good: int = 6):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(good):
        (src / f"town-{i}.yaml").write_text(MINIMAL.replace("试点镇", f"试点{i}镇"), encoding="utf-8")
    (src / "broken-a.yaml").write_text(MINIMAL.replace("leaders: {}", "leader: {}"), encoding="utf-8")
    (src / "broken-b.yaml").write_text("year: [\n", encoding="utf-8")
    return src


def test_batch_continues_past_failures_and_reports_them_all(tmp_path):
    src, out = _folder(tmp_path), tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(out), "-j", "2"], catch_exceptions=False)
    assert result.exit_code == 3
    assert sorted(p.name for p in out.iterdir()) == [f"town-{i}.docx" for i in range(6)]
    assert "broken-a.yaml" in result.output and "未知的键 “leader”" in result.output
    assert "broken-b.yaml" in result.output and "YAML 格式错误" in result.output
    assert "共 8 份：成功 6 份，失败 2 份，用时" in result.output
    assert "Traceback" not in result.output


def test_parallel_output_is_byte_identical_to_in_process(tmp_path):
    src = tmp_path / "in"
    shutil.copytree(EXAMPLES, src)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(out), "-j", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for yaml_file in sorted(src.glob("*.yaml")):
        assert (out / f"{yaml_file.stem}.docx").read_bytes() == render(yaml_file, workdir=tmp_path).docx


def test_one_job_and_many_jobs_agree_and_summaries_count(tmp_path):
    src = _folder(tmp_path, good=3)
    for jobs in ("1", "3"):
        out = tmp_path / f"out{jobs}"
        result = CliRunner().invoke(main, ["build", str(src), "-o", str(out), "-j", jobs, "-v"], catch_exceptions=False)
        assert result.exit_code == 3
        assert result.output.count("✓ ") == 3 and "共 5 份：成功 3 份，失败 2 份" in result.output
    assert [p.read_bytes() for p in sorted((tmp_path / "out1").iterdir())] == [
        p.read_bytes() for p in sorted((tmp_path / "out3").iterdir())]
