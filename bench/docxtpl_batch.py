"""docxtpl's side of the like-for-like batch (bench/run.py): `python bench/docxtpl_batch.py TEMPLATE PARAS SRC OUT -j N`.

Started as a fresh process like `reportgen build`, it reads every town's YAML (the same parse), renders that town's
paragraphs (composed by reportgen beforehand, outside the timing: docxtpl cannot word a report) with a docxtpl
template of the same styles, and writes <stem>.docx, on N processes.
"""

from __future__ import annotations

import json
import sys
from multiprocessing import get_context
from pathlib import Path

_TEMPLATE: str = ""
_PARAS: dict[str, list[dict[str, str]]] = {}
_OUT: Path = Path()


def _init(template: str, paras: str, out: str) -> None:
    global _TEMPLATE, _PARAS, _OUT
    _TEMPLATE, _OUT = template, Path(out)
    _PARAS = json.loads(Path(paras).read_text(encoding="utf-8"))


def _one(src: str) -> None:
    import yaml
    from docxtpl import DocxTemplate

    yaml.load(Path(src).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    tpl = DocxTemplate(_TEMPLATE)
    tpl.render({"paras": _PARAS[Path(src).stem]})
    tpl.save(str(_OUT / f"{Path(src).stem}.docx"))


def main() -> None:
    template, paras, src, out = sys.argv[1:5]
    jobs = int(sys.argv[sys.argv.index("-j") + 1]) if "-j" in sys.argv else 1
    Path(out).mkdir(parents=True, exist_ok=True)
    files = sorted(str(p) for p in Path(src).glob("*.yaml"))
    if jobs <= 1:
        _init(template, paras, out)
        for f in files:
            _one(f)
        return
    with get_context("fork").Pool(jobs, initializer=_init, initargs=(template, paras, out)) as pool:
        pool.map(_one, files, chunksize=max(1, len(files) // (jobs * 16)))


if __name__ == "__main__":
    main()
