"""Benchmark reportgen against docxtpl and a raw-XML floor, like for like: `python bench/run.py`.

Measures, in one run, each as min / median / max: reportgen per report in-process; a raw XML + zip floor; docxtpl
rendering the same paragraphs with the same styles; a cold `reportgen build` of one input (first run with an empty
cache, then 10); batches of N synthetic towns by reportgen (`build DIR -j J`) and by docxtpl (bench/docxtpl_batch.py:
the same YAML read, the same paragraphs rendered, files written) on the same number of processes, J and 1, each run
--runs times as a fresh process, with the peak memory of its whole process tree (RSS and PSS summed). Everything runs
on this interpreter (sys.executable), whatever `reportgen` is on PATH. docxtpl: `pip install '.[bench]'`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from html import escape
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "guangyang-2023.yaml"
sys.path.insert(0, str(ROOT / "bench"))

from reportgen.api import render  # noqa: E402
from reportgen.typeset.document import CORE, DOCUMENT, scaffold  # noqa: E402
from reportgen.typeset.profile import DEFAULT  # noqa: E402
from reportgen.typeset.styles import IDS  # noqa: E402
from reportgen.write import package  # noqa: E402


def per_call(fn, n: int) -> list[float]:
    """`n` timings of fn() in ms, after one unmeasured call."""
    fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times


def distinct_towns(n: int) -> list[float]:
    """`n` timings of render() in ms, each of a different synthetic town (bench/synth.py, the example's size):
    what a batch does. Rendering one file again would find its paragraphs' facts and labels already parsed."""
    import synth

    with tempfile.TemporaryDirectory() as tmp:
        synth.main(n + 10, Path(tmp))
        towns = sorted(Path(tmp).glob("*.yaml"))
        for town in towns[:10]:  # unmeasured: the first calls load templates and data
            render(town)
        times = []
        for town in towns[10:]:
            t = time.perf_counter()
            render(town)
            times.append((time.perf_counter() - t) * 1000)
        return times


def style_of(block) -> str:
    if block.kind == "heading":
        return IDS.runin(block.level) if block.runin else IDS.heading(block.level)
    return {"title": IDS.title, "sign": IDS.signature, "date": IDS.date, "recipient": IDS.recipient,
            "mark": IDS.mark, "docno": IDS.docno}.get(block.kind, IDS.body)


def paragraphs(path: Path) -> list[tuple[str, str]]:
    return [(style_of(b), b.plain) for b in render(path).blocks]


def floor(paras: list[tuple[str, str]]) -> bytes:
    """Raw XML strings into the scaffold's document.xml, zipped: what any generator must at least do."""
    doc = scaffold(DEFAULT).document_xml.decode()
    head, tail = doc.split("<w:sectPr", 1)
    body = "".join(f'<w:p><w:pPr><w:pStyle w:val="{s}"/></w:pPr><w:r><w:t>{escape(t)}</w:t></w:r></w:p>'
                   for s, t in paras)
    return package(scaffold(DEFAULT).parts, {DOCUMENT: (head + body + "<w:sectPr" + tail).encode(), CORE: b""})


def _descendants(root: int) -> list[int]:
    """`root` and every process below it, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _memory(pids: list[int]) -> tuple[int, int]:
    """(RSS, PSS) in kB summed over `pids`; PSS counts a page shared by forked workers once, split among them."""
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


def _steal() -> float:
    """CPU seconds this VM's vCPUs have waited for the host since boot (/proc/stat `steal`), 0 where unknown: on a
    busy host the same run takes 3× as long, and the steal during a run says whether it was measured or waited."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            return int(f.readline().split()[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class Run(NamedTuple):
    seconds: float
    rss_mb: float
    pss_mb: float
    steal: float  # seconds of CPU the host took away during the run, summed over the vCPUs

    @property
    def quiet(self) -> bool:
        """Stolen under 5 % of the run's CPU time on this machine's cores."""
        return self.steal < 0.05 * self.seconds * (os.cpu_count() or 1)


def tree_run(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """`cmd`'s wall time, memory summed over its whole process tree (sampled every 20 ms) and the steal meanwhile."""
    peak = [0, 0]
    stolen = _steal()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss = _memory(_descendants(proc.pid))
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            done.wait(0.02)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - t
    done.set()
    watcher.join()
    if proc.returncode:
        raise RuntimeError(f"{cmd[:4]} failed: {err.decode()[-500:]}")
    return Run(seconds, peak[0] / 1024, peak[1] / 1024, _steal() - stolen)


def _env(cache: Path) -> dict[str, str]:
    """This interpreter's environment with its own cache folder, and bytecode written as an installed package has."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["REPORTGEN_CACHE"] = str(cache)
    return env


REPORTGEN = [sys.executable, "-m", "reportgen"]  # the project's interpreter, whatever `reportgen` PATH finds


def cold_build(runs: int = 10) -> tuple[Run, list[Run]]:
    """(first run with an empty cache, the `runs` after it) of `reportgen build one.yaml -o one.docx`."""
    with tempfile.TemporaryDirectory() as tmp:
        env, out = _env(Path(tmp) / "cache"), Path(tmp) / "one.docx"
        cmd = [*REPORTGEN, "build", str(EXAMPLE), "-o", str(out)]
        first = tree_run(cmd, env)
        return first, [tree_run(cmd, env) for _ in range(runs)]


def stolen(runs: list[Run]) -> str:
    quiet = [r.seconds for r in runs if r.quiet]
    text = f"steal {sum(r.steal for r in runs) / sum(r.seconds for r in runs) * 100:.0f} % of wall"
    if quiet:
        text += f"; the {len(quiet)} quiet run(s): median {statistics.median(quiet):.3f} s"
    return text


def make_template(paras: list[tuple[str, str]], folder: Path) -> Path | None:
    """A docxtpl template from our own scaffold (the same styles), one conditional paragraph per style inside a
    `{%p for %}` loop, as a docxtpl user would write it; None without docxtpl."""
    try:
        import docxtpl  # noqa: F401
    except ImportError:
        return None
    import docx

    template = folder / "tpl.docx"
    template.write_bytes(package(scaffold(DEFAULT).parts, {}))
    doc = docx.Document(str(template))
    for s in sorted({s for s, _ in paras}):
        doc.add_paragraph("{%p if p.style == '" + s + "' %}", style=doc.styles.get_by_id(s, 1))
        doc.add_paragraph("{{ p.text }}", style=doc.styles.get_by_id(s, 1))
        doc.add_paragraph("{%p endif %}", style=doc.styles.get_by_id(s, 1))
    body = doc.element.body
    first, last = body[0], body[-2]
    loop_open = doc.add_paragraph("{%p for p in paras %}")._p
    loop_close = doc.add_paragraph("{%p endfor %}")._p
    first.addprevious(loop_open)
    last.addnext(loop_close)
    doc.save(str(template))
    return template


def docxtpl_ms(template: Path, paras: list[tuple[str, str]], n: int) -> list[float]:
    from docxtpl import DocxTemplate

    context = {"paras": [{"style": s, "text": t} for s, t in paras]}

    def run() -> bytes:
        tpl = DocxTemplate(str(template))
        tpl.render(context)
        out = io.BytesIO()
        tpl.save(out)
        return out.getvalue()

    import docx

    text = "".join(p.text for p in docx.Document(io.BytesIO(run())).paragraphs)
    assert all(t in text for _, t in paras[:5]), "docxtpl did not render the same text"
    return per_call(run, n)


def spread(values: list[float], unit: str, scale: float = 1.0, digits: int = 2) -> str:
    v = [x * scale for x in values]
    return f"min {min(v):.{digits}f} / median {statistics.median(v):.{digits}f} / max {max(v):.{digits}f} {unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=50, help="repetitions for per-report timings")
    parser.add_argument("--batch", type=int, default=400, help="towns in the batch runs")
    parser.add_argument("--runs", type=int, default=5, help="runs of each batch (min/median/max)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--per-report", action="store_true",
                        help="only the per-report lines: a second look in a quieter minute, without the batches")
    args = parser.parse_args()

    paras = paragraphs(EXAMPLE)
    print(f"machine: {os.cpu_count()} cores; interpreter: {sys.executable}; content: {EXAMPLE.name}, "
          f"{len(paras)} paragraphs")
    began, stolen_before = time.perf_counter(), _steal()
    towns = distinct_towns(args.n)
    share = (_steal() - stolen_before) / (time.perf_counter() - began) * 100
    print(f"reportgen in-process, per report (load→bytes):   {spread(towns, 'ms')} (steal {share:.0f} % of wall)")
    print(f"raw XML + zip floor, per report:                 {spread(per_call(lambda: floor(paras), args.n), 'ms')}")
    if args.per_report:
        return
    first, warm = cold_build()
    print(f"cold `reportgen build` of one input:             first (empty cache) {first.seconds:.3f} s; then "
          f"{spread([r.seconds for r in warm], 's', digits=3)} over {len(warm)} runs ({stolen(warm)})")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        import synth

        src = tmp_path / "in"
        synth.main(args.batch, src)
        town_paras = {p.stem: [{"style": s, "text": t} for s, t in paragraphs(p)] for p in sorted(src.glob("*.yaml"))}
        used = {(d["style"], "") for town in town_paras.values() for d in town}
        template = make_template([*paras, *used], tmp_path)  # a branch for each style the reports use
        if template is not None:
            print(f"docxtpl render + save, per report:               {spread(docxtpl_ms(template, paras, args.n), 'ms')}")
        else:
            print("docxtpl: not installed (pip install '.[bench]') — comparison skipped")
        (tmp_path / "paras.json").write_text(json.dumps(town_paras, ensure_ascii=False), encoding="utf-8")
        tools = ["reportgen"] + (["docxtpl"] if template is not None else [])
        for jobs in sorted({args.jobs, 1}, reverse=True):
            runs: dict[str, list[Run]] = {tool: [] for tool in tools}
            for run in range(args.runs):  # the tools take turns, so a busy minute on the host falls on both
                for tool in tools:
                    out = tmp_path / f"out-{tool}-{jobs}-{run}"
                    cmd = ([*REPORTGEN, "build", str(src), "-o", str(out), "-j", str(jobs)] if tool == "reportgen" else
                           [sys.executable, str(ROOT / "bench" / "docxtpl_batch.py"), str(template),
                            str(tmp_path / "paras.json"), str(src), str(out), "-j", str(jobs)])
                    runs[tool].append(tree_run(cmd, _env(tmp_path / "cache")))
                    assert len(list(out.glob("*.docx"))) == args.batch
                    shutil.rmtree(out)
            for tool in tools:
                seconds = [r.seconds for r in runs[tool]]
                print(f"{tool:9s} batch of {args.batch}, {jobs} process{'es' if jobs > 1 else '  '}:   "
                      f"{spread(seconds, 's')} ({args.batch / statistics.median(seconds):.0f} reports/s at the median); "
                      f"peak tree memory RSS {max(r.rss_mb for r in runs[tool]):.0f} MB, "
                      f"PSS {max(r.pss_mb for r in runs[tool]):.0f} MB; {stolen(runs[tool])}")
            if "docxtpl" in runs:
                ours, theirs = runs["reportgen"], runs["docxtpl"]
                median = statistics.median(r.seconds for r in theirs) / statistics.median(r.seconds for r in ours)
                best = min(r.seconds for r in theirs) / min(r.seconds for r in ours)
                print(f"like for like, {jobs} process{'es' if jobs > 1 else ''} each: reportgen / docxtpl = "
                      f"{median:.2f}× (median rates), {best:.2f}× (best runs)")

if __name__ == "__main__":
    main()
