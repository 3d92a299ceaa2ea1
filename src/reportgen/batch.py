"""Many inputs at once: worker processes forked after the caches are warm, failures collected, never fatal."""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.errors import EXIT_BUILD, ReportgenError


@dataclass(frozen=True)
class Result:
    source: Path
    output: Path
    error: str | None = None  # the Chinese message; None when built
    exit_code: int = 0
    warnings: list[str] = field(default_factory=list)
    standard: list[str] = field(default_factory=list)  # the standard passages used, one line each


# What every task of a batch shares, set in each worker by _init.
_REGION: str | None = None
_WORKDIR: Path | None = None
_OUTDIR: str | None = None  # a folder for <stem>.docx; None when each task names its output
_MARK = False  # highlight standard passages


def _init(region: str | None, workdir: Path | None, outdir: str | None = None, mark: bool = False) -> None:
    global _REGION, _WORKDIR, _OUTDIR, _MARK
    _REGION, _WORKDIR, _OUTDIR, _MARK = region, workdir, outdir, mark


def _one(task: str | tuple[str, str]) -> Result:
    """Build one input. A task is a source path (output <stem>.docx in the batch's folder) or (source, output):
    plain strings, so a batch of 38,000 holds megabytes, not a Path object per file in every process."""
    from reportgen.api import build

    if isinstance(task, str):
        src = Path(task)
        dst = Path(_OUTDIR or ".") / f"{src.stem}.docx"
    else:
        src, dst = Path(task[0]), Path(task[1])
    try:
        built = build(src, dst, _REGION, _WORKDIR, _MARK)
    except ReportgenError as err:
        return Result(src, dst, err.format_message(), err.exit_code)
    return Result(src, dst, warnings=[w.format() for w in built.warnings],
                  standard=[f"{p.where}  {p.text}" for p in built.standard])


def _many(chunk: list[str | tuple[str, str]]) -> list[Result]:
    return [_one(task) for task in chunk]


def _warm(region: str | None, workdir: Path | None) -> None:
    """Import the pipeline and fill the per-process caches (schema validator, Jinja environment, scaffold) before
    forking, so every worker starts with them instead of building its own; then freeze them out of the garbage
    collector's reach, so workers do not copy those pages just by scanning them."""
    import gc

    from reportgen import regions
    from reportgen.compose import environment, template_roots
    from reportgen.schema.validate import _fast
    from reportgen.typeset.document import scaffold

    _fast()
    roots = tuple(template_roots(workdir))
    for name in {region or "base", "base"}:
        try:
            environment(name, roots).get_template("report.j2")
            scaffold(regions.profile(name, workdir))
        except ReportgenError:
            pass  # a bad region is reported per input, with its message
    gc.freeze()


def build_all(tasks: Sequence[str | tuple[str, str]], region: str | None, workdir: Path | None,
              jobs: int | None = None, outdir: str | None = None, mark: bool = False) -> Iterator[Result]:
    """Results in input order. One input, or -j 1, builds in this process: nothing to gain from workers."""
    _init(region, workdir, outdir, mark)
    jobs = min(jobs or os.cpu_count() or 1, len(tasks))
    if jobs <= 1:
        yield from map(_one, tasks)
        return
    _warm(region, workdir)
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    size = max(1, min(8, len(tasks) // (jobs * 16)))  # small chunks: both workers finish together
    chunks = (tasks[i:i + size] for i in range(0, len(tasks), size))
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init,
                             initargs=(region, workdir, outdir, mark)) as pool:
        # A bounded window of chunks in flight: memory stays flat however many inputs there are.
        window = deque(pool.submit(_many, c) for c in itertools.islice(chunks, jobs * 4))
        while window:
            future = window.popleft()
            try:
                yield from future.result()
            except Exception as err:  # a worker died: our fault, said for the inputs it had
                yield Result(Path("?"), Path("?"), f"并行生成时工作进程异常退出（{err}）。", EXIT_BUILD)
            following = next(chunks, None)
            if following is not None:
                window.append(pool.submit(_many, following))
