"""Benchmark reportgen against docxtpl and a raw-XML floor, on the same content: `python bench/run.py`.

Measures, in one run: reportgen per report in-process; reportgen as a batch (`reportgen build DIR -j N`, cold
processes included); docxtpl rendering the same paragraphs with the same styles; a raw XML + zipfile floor;
a cold `reportgen build` of one input. `--scale N` adds a run over N synthetic towns with peak memory.
Requires `pip install docxtpl` for the comparison (skipped, and said so, without it).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "guangyang-2023.yaml"
sys.path.insert(0, str(ROOT / "bench"))

from reportgen.api import render  # noqa: E402
from reportgen.typeset.document import CORE, DOCUMENT, scaffold  # noqa: E402
from reportgen.typeset.profile import DEFAULT  # noqa: E402
from reportgen.typeset.styles import IDS  # noqa: E402
from reportgen.write import package  # noqa: E402


def per_call_ms(fn, n: int) -> float:
    fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def style_of(block) -> str:
    if block.kind == "heading":
        return IDS.runin(block.level) if block.runin else IDS.heading(block.level)
    return {"title": IDS.title, "sign": IDS.signature, "date": IDS.date, "recipient": IDS.recipient,
            "mark": IDS.mark, "docno": IDS.docno}.get(block.kind, IDS.body)


def paragraphs() -> list[tuple[str, str]]:
    return [(style_of(b), b.plain) for b in render(EXAMPLE).blocks]


def floor_ms(paras: list[tuple[str, str]], n: int) -> float:
    """Raw XML strings into the scaffold's document.xml, zipped: what any generator must at least do."""
    parts = scaffold(DEFAULT).parts
    doc = scaffold(DEFAULT).document_xml.decode()
    head, tail = doc.split("<w:sectPr", 1)

    def run() -> bytes:
        body = "".join(f'<w:p><w:pPr><w:pStyle w:val="{s}"/></w:pPr><w:r><w:t>{escape(t)}</w:t></w:r></w:p>'
                       for s, t in paras)
        return package(parts, {DOCUMENT: (head + body + "<w:sectPr" + tail).encode(), CORE: b""})

    return per_call_ms(run, n)


def docxtpl_ms(paras: list[tuple[str, str]], n: int) -> float | None:
    try:
        from docxtpl import DocxTemplate
    except ImportError:
        return None
    import docx

    template = Path(tempfile.mkdtemp()) / "tpl.docx"
    with open(template, "wb") as f:
        f.write(package(scaffold(DEFAULT).parts, {}))
    doc = docx.Document(str(template))
    styles = sorted({s for s, _ in paras})
    for s in styles:  # one conditional paragraph per style, as a docxtpl user would write it
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
    context = {"paras": [{"style": s, "text": t} for s, t in paras]}

    def run() -> bytes:
        tpl = DocxTemplate(str(template))
        tpl.render(context)
        out = io.BytesIO()
        tpl.save(out)
        return out.getvalue()

    text = "".join(p.text for p in docx.Document(io.BytesIO(run())).paragraphs)
    assert all(t in text for _, t in paras[:5]), "docxtpl did not render the same text"
    return per_call_ms(run, n)


def cold_build_s(n: int = 5) -> float:
    out = Path(tempfile.mkdtemp()) / "one.docx"
    walls = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(["reportgen", "build", str(EXAMPLE), "-o", str(out)], check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
    return statistics.median(walls)


def batch(n: int, jobs: int) -> tuple[float, float]:
    """(seconds, peak RSS in MB of the largest process of that run) for `reportgen build` over n synthetic towns.

    A small wrapper process runs the build, so its RUSAGE_CHILDREN peak covers exactly this run's reportgen
    process and its workers."""
    import synth

    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
               "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in", Path(tmp) / "out"
        synth.main(n, src)
        line = subprocess.run([sys.executable, "-c", wrapper, "reportgen", "build", str(src), "-o", str(out), "-j",
                               str(jobs)], check=True, capture_output=True, text=True).stdout
        seconds, peak_kb = line.split()
        assert len(list(out.glob("*.docx"))) == n
    return float(seconds), int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=50, help="repetitions for per-report timings")
    parser.add_argument("--batch", type=int, default=400, help="towns in the batch run")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--scale", type=int, nargs="*", default=[], help="also build these many synthetic towns")
    args = parser.parse_args()

    paras = paragraphs()
    ours = per_call_ms(lambda: render(EXAMPLE), args.n)
    floor = floor_ms(paras, args.n)
    tpl = docxtpl_ms(paras, args.n)
    cold = cold_build_s()
    seconds, peak = batch(args.batch, args.jobs)
    rate = args.batch / seconds
    print(f"content: {EXAMPLE.name}, {len(paras)} paragraphs; machine: {os.cpu_count()} cores; jobs: {args.jobs}")
    print(f"reportgen in-process, per report (load→write bytes): {ours:7.2f} ms  ({1000 / ours:6.1f} reports/s/core)")
    print(f"raw XML + zipfile floor, per report:                {floor:7.2f} ms")
    if tpl is None:
        print("docxtpl: not installed (pip install docxtpl) — comparison skipped")
    else:
        print(f"docxtpl render + save, per report:                  {tpl:7.2f} ms  ({1000 / tpl:6.1f} reports/s)")
    print(f"reportgen batch of {args.batch}, cold processes:            {seconds:7.2f} s   ({rate:6.1f} reports/s, "
          f"peak {peak:.0f} MB)")
    print(f"cold `reportgen build` of one input (median of 5):  {cold:7.3f} s")
    print("ratios:")
    print(f"  reportgen in-process / floor:   {ours / floor:5.1f}×")
    if tpl is not None:
        print(f"  docxtpl / reportgen in-process: {tpl / ours:5.1f}×  (reportgen faster per report, one core each)")
        print(f"  batch rate / docxtpl rate:      {rate / (1000 / tpl):5.1f}×")
    for n in args.scale:
        seconds, peak = batch(n, args.jobs)
        print(f"scale: {n} towns in {seconds:.1f} s ({n / seconds:.1f} reports/s), peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
