"""Many inputs at once: worker processes forked after the caches are warm, one result per input, never fatal."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from reportgen.errors import InternalError, ReportgenError
from reportgen.publish import formats as publish
from reportgen.write import discard_pending, grouped

if TYPE_CHECKING:  # the pool's modules load only when a batch runs in workers: a single build never needs them
    from concurrent.futures import Future

Task = str | tuple[str, str]  # a source path (output <stem>.docx in the batch's folder), or (source, output)


class Result(msgspec.Struct, frozen=True):
    source: Path
    output: Path
    error: str | None = None  # the Chinese message; None when built
    exit_code: int = 0
    warnings: list[str] = msgspec.field(default_factory=list)
    standard: list[str] = msgspec.field(default_factory=list)  # the standard passages used, one line each
    stale: list[str] = msgspec.field(default_factory=list)  # numbers carried over from last year, not yet updated
    outputs: tuple[Path, ...] = ()  # every file of the report (build --format), in FORMATS order; () when failed
    pdf_source: Path | None = None  # the .docx its PDF is to be made from, while that is still to do (add_pdfs)


# What every task of a batch shares, set in each worker by _init.
_REGION: str | None = None
_WORKDIR: Path | None = None
_OUTDIR: str | None = None  # a folder for <stem>.docx; None when each task names its output
_MARK = False  # highlight standard passages
_DEBUG = False  # a bug's message carries its traceback
_PREVIOUS: str | None = None  # build --previous: last year's file (one input only)
_FORMATS: tuple[str, ...] = publish.DEFAULT  # build --format
_GROUP_SIZE = 16  # inputs built in this process whose files are synced together
_STAGE: str | None = None  # a folder for the .docx a PDF is made from when no .docx is wanted


def _init(region: str | None, workdir: Path | None, outdir: str | None = None, mark: bool = False,
          debug: bool = False, previous: str | None = None, formats: tuple[str, ...] = publish.DEFAULT,
          stage: str | None = None) -> None:
    global _REGION, _WORKDIR, _OUTDIR, _MARK, _DEBUG, _PREVIOUS, _FORMATS, _STAGE
    _REGION, _WORKDIR, _OUTDIR, _MARK, _DEBUG, _PREVIOUS = region, workdir, outdir, mark, debug, previous
    _FORMATS, _STAGE = formats, stage


def _die(signum: int, frame: object) -> None:
    """A worker told to stop (SIGTERM from the batch, or its parent's death) removes its half-written file first."""
    discard_pending()
    os._exit(128 + signum)


def _start_worker(parent: int, *shared: object) -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it stops the workers), SIGTERM cleans up and exits,
    and on Linux the kernel sends SIGTERM when the parent dies, even by SIGKILL, so no worker outlives its batch."""
    _init(*shared)  # type: ignore[arg-type]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _die)
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the parent still stops its workers on every way out it sees
    if os.getppid() != parent:  # the parent died before the request above was made
        _die(signal.SIGTERM, None)


def _one(task: Task) -> Result:
    """Build one input; whatever goes wrong is this input's failure, with its message. A task holds plain strings,
    so a batch of 38,000 holds megabytes, not a Path object per file in every process."""
    from reportgen.api import build

    src, dst = _paths(task)
    pdf_source = None
    if "pdf" in _FORMATS:  # LibreOffice reads the .docx written, else a copy in the stage (or beside, if none)
        docx = publish.paths(dst, ("docx",))["docx"]
        pdf_source = docx if "docx" in _FORMATS or _STAGE is None else Path(_STAGE) / docx.name
    try:
        built = build(src, dst, _REGION, _WORKDIR, _MARK, Path(_PREVIOUS) if _PREVIOUS else None, _FORMATS,
                      pdf_source)
    except ReportgenError as err:
        return Result(src, dst, err.format_message(), err.exit_code)
    except (Exception, SystemExit) as err:  # a bug met by this input alone: the others are still built
        bug = InternalError(f"生成时出现了意外错误（{type(err).__name__}）。")
        import traceback

        detail = f"\n{traceback.format_exc()}" if _DEBUG else ""
        return Result(src, dst, bug.format_message() + detail, bug.exit_code)
    return Result(src, dst, warnings=[w.format() for w in built.warnings],
                  standard=[f"{p.where}  {p.text}" for p in built.standard],
                  stale=[f"{p.where}  {p.text}" for p in built.stale],
                  outputs=tuple(publish.paths(dst, _FORMATS).values()), pdf_source=pdf_source)


def _paths(task: Task) -> tuple[Path, Path]:
    if isinstance(task, str):
        return Path(task), Path(_OUTDIR or ".") / f"{Path(task).stem}.docx"
    return Path(task[0]), Path(task[1])


def _many(chunk: list[Task]) -> list[Result]:
    """A chunk's results, its files made durable by one sync and renamed together (write.grouped)."""
    with grouped():
        return [_one(task) for task in chunk]


def _lost(task: Task) -> Result:
    """The result for an input whose worker died even when it was built alone."""
    bug = InternalError("生成这一份时工作进程异常退出（被系统终止或程序崩溃），单独重试仍然如此；其余各份不受影响。"
                        "可能是内存不足，或这份输入触发了解析库的缺陷。")
    return Result(*_paths(task), bug.format_message(), bug.exit_code)


def _warm(region: str | None, workdir: Path | None) -> None:
    """Import the pipeline and fill the per-process caches (schema validator, Jinja environment, scaffold) before
    forking, so every worker starts with them instead of building its own; then freeze them out of the garbage
    collector's reach, so workers do not copy those pages just by scanning them."""
    import gc

    from reportgen import regions
    from reportgen.compose import environment, template_roots
    from reportgen.schema.validate import is_valid
    from reportgen.typeset.document import scaffold

    is_valid({})  # compiles (or loads) the validator
    roots = tuple(template_roots(workdir))
    for name in {region or "base", "base"}:
        try:
            environment(name, roots).get_template("report.j2")
            scaffold(regions.profile(name, workdir))
        except ReportgenError:
            pass  # a bad region is reported per input, with its message
    gc.freeze()


Window = list[tuple[list[Task], list[Result] | None]]  # chunks and their results, None for the lost


def _done(future: Future | None) -> list[Result] | None:
    ok = future is not None and future.done() and not future.cancelled() and future.exception() is None
    return future.result() if ok else None  # type: ignore[union-attr]


def _stop_children(grace: float = 5.0) -> None:
    """SIGTERM every worker (each removes its half-written file), then SIGKILL any still alive after `grace`
    seconds, so the pool's shutdown that follows never waits on a worker's work."""
    import multiprocessing

    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    deadline = time.monotonic() + grace
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            child.kill()


def _pooled(chunks: Iterator[list[Task]], workers: int, window: int, start: tuple) -> Iterator[Window]:
    """Run chunks in forked workers, `window` in flight so memory stays flat. Yields groups of (chunk, results)
    in input order: one chunk a group, except when a worker dies: then the whole window is one group, results
    None for every chunk lost with it, and the rest goes on in a fresh pool."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context, shared = start
    while True:
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                   initargs=(os.getpid(), *shared))
        broken: list[tuple[list[Task], Future | None]] = []
        try:
            inflight = deque((c, pool.submit(_many, c)) for c in itertools.islice(chunks, window))
            while inflight:
                chunk, future = inflight.popleft()
                try:
                    results = future.result()
                except Exception:  # BrokenProcessPool: a worker died (or, never seen, a result could not come back)
                    broken = [(chunk, None), *inflight]
                    break
                yield [(chunk, results)]
                following = next(chunks, None)
                if following is not None:
                    try:
                        inflight.append((following, pool.submit(_many, following)))
                    except BrokenProcessPool:  # a worker died since the last result: this chunk was never sent
                        broken = [*inflight, (following, None)]
                        break
        except BaseException:  # Ctrl-C, SIGTERM, or the caller gone: stop the workers now, not after their work
            _stop_children()
            raise
        finally:
            # Always wait=True: shutdown(wait=False) forgets the pool's manager thread, which then races the
            # interpreter's exit hook over a closed pipe ("Exception ignored … Bad file descriptor" after Ctrl-C).
            pool.shutdown(wait=True, cancel_futures=True)
        if not broken:
            return
        yield [(chunk, _done(future)) for chunk, future in broken]  # the pool is down: every future has settled


def _settle(group: Window, jobs: int, start: tuple) -> Iterator[Result]:
    """A group's results in order, its lost inputs rebuilt first: each alone in a fresh pool, then any lost again
    alone in a pool of one, so an input that kills its worker every time is found and named, and no other input
    is blamed for it."""
    lost = [task for chunk, results in group if results is None for task in chunk]
    again: dict[Task, Result] = {}
    retried = _pooled(([task] for task in lost), min(jobs, len(lost)), jobs, start) if lost else iter(())
    for (task,), results in itertools.chain.from_iterable(retried):
        if results is None:
            alone = [r for w in _pooled(iter([[task]]), 1, 1, start) for _, r in w]
            results = alone[0] or [_lost(task)]
        again[task] = results[0]
    for chunk, results in group:
        yield from results if results is not None else (again[task] for task in chunk)


def build_all(tasks: Sequence[Task], region: str | None, workdir: Path | None, jobs: int | None = None,
              outdir: str | None = None, mark: bool = False, debug: bool = False,
              previous: str | None = None, formats: tuple[str, ...] = publish.DEFAULT,
              on_pdf: Callable[[int], None] | None = None) -> Iterator[Result]:
    """One result per task, whatever happens to an input or a worker, in input order; with "pdf" in `formats`
    (build --format) the failures come as they happen and the built ones after their PDFs, which are made in one
    LibreOffice start once every .docx is written (`on_pdf` is told how many, before). The .docx LibreOffice reads
    when none is wanted lives in a temporary folder that goes with the batch."""
    if "pdf" not in formats:
        yield from _build_all(tasks, region, workdir, jobs, outdir, mark, debug, previous, formats, None)
        return
    with tempfile.TemporaryDirectory(prefix="reportgen-docx-") as stage:
        waiting: list[Result] = []
        with contextlib.closing(_build_all(tasks, region, workdir, jobs, outdir, mark, debug, previous, formats,
                                           stage)) as results:
            for result in results:
                if result.error is None and result.pdf_source is not None:
                    waiting.append(result)
                else:
                    yield result
        if waiting and on_pdf is not None:
            on_pdf(len(waiting))
        yield from add_pdfs(waiting)


def _build_all(tasks: Sequence[Task], region: str | None, workdir: Path | None, jobs: int | None,
               outdir: str | None, mark: bool, debug: bool, previous: str | None, formats: tuple[str, ...],
               stage: str | None) -> Iterator[Result]:
    """One result per task, in input order. One input, or -j 1, builds in this process: nothing to gain from
    workers."""
    _init(region, workdir, outdir, mark, debug, previous, formats, stage)
    jobs = min(jobs or os.cpu_count() or 1, len(tasks))
    if jobs <= 1:
        for i in range(0, len(tasks), _GROUP_SIZE):  # one sync per group of files, not one per file
            yield from _many(list(tasks[i:i + _GROUP_SIZE]))
        return
    _warm(region, workdir)
    import multiprocessing

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    start = (context, (region, workdir, outdir, mark, debug, previous, formats, stage))
    size = max(1, min(8, len(tasks) // (jobs * 16)))  # small chunks: both workers finish together
    chunks: Iterable[list[Task]] = (list(tasks[i:i + size]) for i in range(0, len(tasks), size))
    for group in _pooled(iter(chunks), jobs, jobs * 4, start):
        yield from _settle(group, jobs, start)


def add_pdfs(results: Sequence[Result], timeout: float | None = None) -> list[Result]:
    """The PDF of each built result (build --format pdf), all in one LibreOffice start, since its start-up is most
    of the time; written atomically like the other files. A result whose PDF fails becomes a failure that names
    what was written all the same; the others lose their `pdf_source`."""
    from reportgen.publish import pdf

    todo = [r for r in results if r.error is None and r.pdf_source is not None]
    failed = pdf.export([(r.pdf_source, publish.paths(r.output, ("pdf",))["pdf"]) for r in todo], timeout)
    out = []
    for r in results:
        err = failed.get(r.pdf_source) if r.error is None and r.pdf_source is not None else None
        if err is None:
            out.append(msgspec.structs.replace(r, pdf_source=None))
            continue
        kept = [str(p) for p in r.outputs if p.suffix.lower() != ".pdf"]
        note = f"\n已写出：{'、'.join(kept)}；PDF 没有生成。" if kept else ""
        out.append(msgspec.structs.replace(r, error=err.format_message() + note, exit_code=err.exit_code, outputs=(), pdf_source=None))
    return out
