"""What the bounds of issue 11 cost: `python bench/limits.py`.

- title balancing (typeset/title.py) on titles of 80, 200 and 1,000 characters: the exhaustive search it replaced
  took seconds to minutes on 80 characters that need five lines;
- the template budget (sandbox.py): a build with the shipped templates (trusted, unsandboxed) against the same templates
  copied into a working folder's templates/ (metered, as a province's own region is), interleaved in one
  process so that other load on the machine falls on both alike.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
REGIONS = ("base", "runin", "regulation", "document")
TITLE = ("某某县某某镇人民政府关于深入推进法治政府建设全面落实党政主要负责人履行推进法治建设第一责任人职责的"
         "工作情况及下一步工作打算和重点任务安排等有关事项情况的专题报告")


def titles() -> None:
    from reportgen.typeset.title import balance

    for length in (80, 200, 1000):
        text = (TITLE * (length // len(TITLE) + 1))[:length]
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            lines = balance(text, 20, ("某某县", "某某镇"))
            runs.append(time.perf_counter() - start)
        print(f"title of {length:5} characters → {len(lines):3} lines in {min(runs) * 1000:8.2f} ms")


def budget(rounds: int) -> None:
    from reportgen.api import render

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        shutil.copytree(ROOT / "templates", workdir / "templates")

        def one(folder: Path | None) -> float:
            start = time.process_time()
            for example in EXAMPLES:
                for region in REGIONS:
                    render(example, region, folder)
            return (time.process_time() - start) / (len(EXAMPLES) * len(REGIONS))

        one(None), one(workdir)
        shipped, metered = [], []
        for i in range(rounds):
            order = ((None, shipped), (workdir, metered)) if i % 2 else ((workdir, metered), (None, shipped))
            for folder, runs in order:
                runs.append(one(folder))
    diff = statistics.median(m - s for m, s in zip(metered, shipped, strict=True))
    base = statistics.median(shipped)
    print(f"build per report: shipped templates {base * 1000:.2f} ms, working-folder copy (budgeted) "
          f"{statistics.median(metered) * 1000:.2f} ms; paired difference {diff * 1000:+.2f} ms ({diff / base:+.1%})")


if __name__ == "__main__":
    titles()
    budget(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
