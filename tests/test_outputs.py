"""Outputs: no two inputs write one file, an input is never overwritten, modes are kept, only regular files are
replaced, and a run stopped by Ctrl-C, SIGTERM or SIGKILL leaves no temporary file and no worker behind."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MINIMAL

from reportgen.cli import main


def _town(folder: Path, name: str, i: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(MINIMAL.replace("试点镇", f"试点{i}镇"), encoding="utf-8")
    return path


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _leftovers(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if name.endswith(".tmp")] if folder.exists() else []


# ---- which file each input writes -----------------------------------------------------------------------

@pytest.mark.parametrize("names", [("a/town.yaml", "b/town.yaml"), ("in/x.yaml", "in/x.yml")])
def test_two_inputs_writing_one_report_are_refused_before_anything_is_written(tmp_path, names):
    for i, name in enumerate(names):
        _town(tmp_path / Path(name).parent, Path(name).name, i)
    _town(tmp_path / "c", "other.yaml")
    out = tmp_path / "out"
    paths = sorted({str(tmp_path / Path(name).parent) for name in names} | {str(tmp_path / "c")})
    result = _invoke("build", *paths, "-o", str(out))
    assert result.exit_code == 2
    assert all(str(tmp_path / name) in result.output for name in names)
    assert "同名" in result.output and "没有生成任何报告" in result.output
    assert not out.exists()


def test_the_output_is_never_an_input(tmp_path):
    town = _town(tmp_path, "m.yaml")
    before = town.read_bytes()
    result = _invoke("build", str(town), "-o", str(town))
    assert result.exit_code == 2 and "输出不能覆盖输入" in result.output
    assert town.read_bytes() == before
    folder = tmp_path / "in"
    for i in range(2):
        _town(folder, f"t{i}.yaml", i)
    result = _invoke("build", str(folder), "-o", str(folder / "t1.yaml"))
    assert result.exit_code == 2 and f"-o {folder / 't1.yaml'} 是要读取的输入文件" in result.output
    assert (folder / "t1.yaml").is_file() and sorted(os.listdir(folder)) == ["t0.yaml", "t1.yaml"]


def test_an_existing_file_is_not_taken_for_the_output_folder(tmp_path):
    folder = tmp_path / "in"
    for i in range(2):
        _town(folder, f"t{i}.yaml", i)
    notes = tmp_path / "notes.txt"
    notes.write_text("keep", encoding="utf-8")
    result = _invoke("build", str(folder), "-o", str(notes))
    assert result.exit_code == 2 and "是已有的文件，不是文件夹" in result.output
    assert notes.read_text(encoding="utf-8") == "keep"


# ---- modes and file kinds -----------------------------------------------------------------------------------

def test_an_existing_reports_mode_is_kept_and_new_ones_follow_the_umask(tmp_path):
    town = _town(tmp_path, "town.yaml")
    kept = tmp_path / "kept.docx"
    kept.write_bytes(b"old")
    kept.chmod(0o600)
    old = os.umask(0o027)
    try:
        assert _invoke("build", str(town), "-o", str(kept)).exit_code == 0
        assert _invoke("build", str(town), "-o", str(tmp_path / "new.docx")).exit_code == 0
        os.umask(0o002)
        assert _invoke("build", str(town), "-o", str(tmp_path / "shared.docx")).exit_code == 0
    finally:
        os.umask(old)
    assert kept.read_bytes()[:2] == b"PK"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "new.docx").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "shared.docx").stat().st_mode) == 0o664


def test_a_fifo_at_the_output_path_is_left_alone(tmp_path):
    town = _town(tmp_path, "town.yaml")
    fifo = tmp_path / "report.docx"
    os.mkfifo(fifo)
    result = _invoke("build", str(town), "-o", str(fifo))
    assert result.exit_code == 2
    assert f"{fifo} 是命名管道（FIFO），不是普通文件" in result.output and "没有写入任何内容" in result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and not _leftovers(tmp_path)


def test_a_folder_at_one_output_path_fails_that_input_only(tmp_path):
    folder = tmp_path / "in"
    for i in range(3):
        _town(folder, f"t{i}.yaml", i)
    out = tmp_path / "out"
    (out / "t1.docx").mkdir(parents=True)
    result = _invoke("build", str(folder), "-o", str(out), "-j", "2")
    assert result.exit_code == 2
    assert f"✗ {folder / 't1.yaml'}\n{out / 't1.docx'} 是文件夹，不是普通文件" in result.output
    assert (out / "t0.docx").is_file() and (out / "t2.docx").is_file() and (out / "t1.docx").is_dir()
    assert "成功 2 份，失败 1 份" in result.output and not _leftovers(out)


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_init_force_replaces_only_a_regular_file(tmp_path, kind):
    target = tmp_path / "town.yaml"
    os.mkfifo(target) if kind == "fifo" else target.mkdir()
    result = _invoke("init", str(target), "--force")
    assert result.exit_code == 2 and "不是普通文件" in result.output
    assert (stat.S_ISFIFO if kind == "fifo" else stat.S_ISDIR)(target.lstat().st_mode)
    assert not _leftovers(tmp_path)


@pytest.mark.parametrize("name", ["base", "document", "abc\n", "a/b"])
def test_regions_new_refuses_shipped_and_invalid_names(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    result = _invoke("regions", "new", name)
    assert result.exit_code == 2
    assert ("随程序提供的地区模板" if name.isalpha() and name.islower() else "不合法") in result.output
    assert not (tmp_path / "templates").exists() or not os.listdir(tmp_path / "templates")


# ---- stopped runs -------------------------------------------------------------------------------------------

# Runs `reportgen build` with every report stuck after its temporary file is written, so a signal always finds
# temporary files to clean up; each stuck process leaves its pid in MARKS.
DRIVER = """
import os, sys, time
from pathlib import Path

marks = Path(sys.argv[1])

def stuck(fd):
    (marks / str(os.getpid())).touch()
    time.sleep(600)

os.fsync = stuck
os.sync = lambda: stuck(None)  # a group of files is made durable by one sync (write.grouped)
from reportgen.cli import main
main(sys.argv[2:], prog_name="reportgen")
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(condition, what: str, limit: float = 60.0) -> None:
    """Poll until `condition()`; the limit only turns a hang into a failure, it measures nothing."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.fixture
def stuck_build(tmp_path):
    """Start the stuck build with the given jobs; yields (process, marks, out); kills whatever it left."""
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(jobs: int):
        folder = tmp_path / "in"
        for i in range(6):
            _town(folder, f"t{i}.yaml", i)
        marks = tmp_path / "marks"
        marks.mkdir()
        out = tmp_path / "out"
        proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(marks), "build", str(folder), "-o", str(out),
                                 "-j", str(jobs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        started.append((proc, marks))
        _wait_for(lambda: len(os.listdir(marks)) >= jobs or proc.poll() is not None, "every process to get stuck")
        assert proc.poll() is None, proc.communicate()
        assert _leftovers(out)  # the temporary files a careless stop would leave
        return proc, marks, out

    yield start
    for proc, marks in started:
        for pid in {proc.pid, *map(int, os.listdir(marks))}:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.communicate()


def _workers(proc, marks: Path) -> list[int]:
    return [pid for pid in map(int, os.listdir(marks)) if pid != proc.pid]


@pytest.mark.parametrize("jobs", [1, 2])
def test_sigterm_removes_temporary_files_and_stops_the_workers(stuck_build, jobs):
    proc, marks, out = stuck_build(jobs)
    workers = _workers(proc, marks)
    assert len(workers) == (jobs if jobs > 1 else 0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err.decode()
    assert "收到终止信号（SIGTERM），已中止" in err.decode() and "Traceback" not in err.decode()
    assert not _leftovers(out)
    assert not [pid for pid in workers if _alive(pid)]  # stopped before the parent exits, not orphaned


def test_ctrl_c_exits_130_with_a_short_message_and_cleans_up(stuck_build):
    proc, marks, out = stuck_build(2)
    workers = _workers(proc, marks)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert "已中止（Ctrl-C）" in err.decode() and "Traceback" not in err.decode() and "Aborted" not in err.decode()
    assert not _leftovers(out) and not [pid for pid in workers if _alive(pid)]


def test_workers_die_with_their_parent_even_when_it_is_killed(stuck_build):
    proc, marks, out = stuck_build(2)
    workers = _workers(proc, marks)
    proc.kill()
    proc.communicate(timeout=60)
    _wait_for(lambda: not [pid for pid in workers if _alive(pid)], "the orphaned workers to exit")
    assert not _leftovers(out)


def test_a_group_commit_syncs_once_and_renames_every_file(tmp_path, monkeypatch):
    """write.grouped: the files of a group are made durable by one sync, then renamed; none is visible before."""
    from reportgen import write

    syncs = []
    monkeypatch.setattr(write.os, "sync", lambda: syncs.append(1))
    (tmp_path / "old.docx").write_bytes(b"old")
    with write.grouped():
        for name in ("a.docx", "b.docx", "old.docx"):
            write.atomic_write(tmp_path / name, name.encode())
        assert (tmp_path / "old.docx").read_bytes() == b"old" and not (tmp_path / "a.docx").exists()
    assert syncs == [1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.docx", "b.docx", "old.docx"]
    assert (tmp_path / "old.docx").read_bytes() == b"old.docx"


def test_a_failed_group_leaves_old_files_and_no_temporary_ones(tmp_path):
    from reportgen import write

    (tmp_path / "old.docx").write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), write.grouped():
        write.atomic_write(tmp_path / "old.docx", b"new")
        write.atomic_write(tmp_path / "a.docx", b"a")
        raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.docx"]
    assert (tmp_path / "old.docx").read_bytes() == b"old" and not write._PENDING
