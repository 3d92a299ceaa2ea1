"""Which files `build --format` writes for one report, and where: one stem, one suffix per format."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from reportgen.errors import UsageError

FORMATS = ("docx", "pdf", "html")  # what `build --format` accepts, in the order a report's files are listed
DEFAULT = ("docx",)
SUFFIXES = tuple(f".{f}" for f in FORMATS)  # a single input's -o may name any of them: the stem is what counts


def parse(text: str) -> tuple[str, ...]:
    """`--format docx,pdf,html` → ("docx", "pdf", "html"): any subset, any order, case and spaces ignored."""
    asked = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in asked if f not in FORMATS]
    if unknown or not asked:
        shown = "、".join(unknown) if unknown else "（空）"
        raise UsageError(f"--format 中的 {shown} 不是可用的格式：可用 {'、'.join(FORMATS)}，用逗号组合，"
                         f"如 --format docx,pdf,html（默认 {','.join(DEFAULT)}）。")
    return tuple(f for f in FORMATS if f in asked)


def paths(out: Path, formats: Iterable[str]) -> dict[str, Path]:
    """Each format's file for a report written to `out`: `out` itself for its own format, else the same stem with
    the format's suffix in the same folder (报告.docx → 报告.pdf, 报告.html)."""
    out = Path(out)
    return {f: out if out.suffix.lower() == f".{f}" else out.with_suffix(f".{f}") for f in formats}
