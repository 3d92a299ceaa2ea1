"""`reportgen import`: last year's published report (.txt, .docx, .doc, .wps) → a YAML that rebuilds it.

read() gives a file's paragraphs (plain text here, Word files through word.py), outline.parse finds its shape,
emit.emit maps it onto the schema with numbers typed as facts and writes YAML that reportgen itself validates.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import msgspec

from reportgen.errors import InputError, Problem, UsageError

TEXT_SUFFIXES = (".txt",)
WORD_SUFFIXES = (".docx", ".doc", ".wps")
SUFFIXES = TEXT_SUFFIXES + WORD_SUFFIXES
MAX_BYTES = 20 * 1024 * 1024  # a report is tens of KB as text, a few MB as Word with pictures


class Imported(msgspec.Struct):
    """One converted report: the YAML text, how many numbers it typed, how many lines it could not place."""

    yaml: str
    numbers: int
    unplaced: int
    notes: int
    warnings: list[Problem]


def _decode_text(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Notepad's “Unicode”), else GB18030; a Chinese refusal
    when none reads, and when GB18030 only reads it as noise (no Chinese at all)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        utf8 = err
    refusal = Problem(name, "文件不是 UTF-8 编码，也不是 GBK/GB18030 编码，无法读取。",
                      raw[:utf8.start].count(b"\n") + 1,
                      hint="请用记事本或 WPS 打开该文件，选择“另存为”，编码选 UTF-8 后保存，再导入。")
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError as err:
        raise InputError([refusal]) from err
    chinese = sum("\u4e00" <= c <= "\u9fff" for c in text)
    if chinese < max(1, len(text) // 10):
        raise InputError([refusal]) from utf8
    return text


def _read_bytes(path: Path) -> bytes:
    name = str(path)
    try:
        info = os.stat(path)
    except OSError as err:
        raise InputError([Problem(name, f"无法读取文件（{err.strerror}）。", hint="检查文件路径是否正确、是否有读取权限。")]) from err
    if not stat.S_ISREG(info.st_mode):
        raise InputError([Problem(name, "这不是普通文件，不能导入。", hint="给出保存在磁盘上的 .txt、.docx、.doc 或 .wps 文件。")])
    if info.st_size > MAX_BYTES:
        raise InputError([Problem(name, f"文件有 {info.st_size / 1024 / 1024:.1f} MB，超过导入的上限 "
                                        f"{MAX_BYTES // 1024 // 1024} MB，不像是一份年度报告。", hint="检查是否选错了文件。")])
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError([Problem(name, f"无法读取文件（{err.strerror}）。", hint="检查是否有读取权限。")]) from err


def read(path: Path) -> list[str]:
    """The paragraphs of a report file: lines of a .txt, paragraphs of a Word file (numbers resolved)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in WORD_SUFFIXES:
        try:
            from reportgen.importer.word import read_paragraphs
        except ImportError as err:
            raise UsageError(f"{path}：这个版本还不能读取 {suffix} 文件，请另存为 .txt（UTF-8）后再导入。") from err
        paragraphs = read_paragraphs(path)
    elif suffix in TEXT_SUFFIXES:
        paragraphs = _decode_text(_read_bytes(path), str(path)).splitlines()
    else:
        raise UsageError(f"{path}：只能导入 .txt、.docx、.doc、.wps 文件。")
    if not any(p.strip() for p in paragraphs):
        raise InputError([Problem(str(path), "文件是空的，没有可以导入的文字。", hint="检查是否选错了文件。")])
    return paragraphs


def convert(paragraphs: list[str], name: str, source: str = "", shown: str = "") -> Imported:
    """Paragraphs of a report → its YAML (validated by reportgen before it is returned). `name` is the report
    named in messages about it; `shown` the YAML named in validation warnings (their lines are the YAML's)."""
    from reportgen.importer.emit import emit
    from reportgen.importer.outline import parse

    text, stats, warnings = emit(parse(paragraphs), name, source, shown)
    return Imported(text, stats.numbers, stats.unplaced, len(stats.notes), warnings)


def import_file(path: Path, shown: str = "") -> Imported:
    """One report file → its YAML; `shown` names the YAML in warnings (default: the report's stem .yaml)."""
    return convert(read(path), str(path), Path(path).name, shown or f"{Path(path).stem}.yaml")
