"""The PDF for publication: the preview's LibreOffice conversion (same fonts, same pages) with PDF/A-2b, one start
per batch."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from reportgen.errors import OutputError, ReportgenError
from reportgen.preview import render as lo
from reportgen.write import atomic_move, atomic_write

# The preview's export options plus PDF/A-2b (SelectPdfVersion 2, LibreOffice 7.4 measured: pdfaid:part 2,
# conformance B in the XMP, every font embedded, the same pages and text as the preview's PDF).
_FILTER, _, _OPTIONS = lo.PDF_EXPORT.partition(":{")
PDF_A = "2"
EXPORT = _FILTER + ":" + json.dumps({**json.loads("{" + _OPTIONS), "SelectPdfVersion": {"type": "long", "value": PDF_A}},
                                    ensure_ascii=False, separators=(",", ":"))


def require() -> None:
    """Refuse `build --format pdf` before anything is built or written when LibreOffice or the fonts its PDFs
    embed are missing: a batch that stopped after its .docx files would look done."""
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        raise lo.RendererMissing("生成 PDF 需要 LibreOffice，但没有找到它（soffice 命令），因此没有生成、也没有写出任何文件。"
                                 f"请先安装：\n    sudo {lo.APT_LINE}\n"
                                 "或者去掉 --format 中的 pdf（.docx 和 .html 不需要 LibreOffice）。")
    lo.check_fonts()


def export(pairs: list[tuple[Path, Path]], timeout: float | None = None) -> dict[Path, ReportgenError]:
    """Each (.docx, target .pdf): converted in one LibreOffice start into a temporary folder beside the first
    target, then renamed over its target (write.atomic_move). Returns each .docx whose PDF was not written, with
    why; an earlier PDF at its target is left as it was."""
    if not pairs:
        return {}
    folder = pairs[0][1].parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        made = Path(tempfile.mkdtemp(prefix=".reportgen-pdf-", dir=folder))
    except OSError as err:
        failure = OutputError(f"无法在 {folder} 中写入 PDF：{err.strerror}。请检查文件夹是否存在、是否有写入权限。")
        return {docx: failure for docx, _ in pairs}
    try:
        _, failed = lo.convert([docx for docx, _ in pairs], made, timeout or 300 + 30 * len(pairs), fmt=EXPORT)
        errors: dict[Path, ReportgenError] = dict(failed)
        for docx, target in pairs:
            if docx in errors:
                continue
            pdf = made / f"{docx.stem}.pdf"
            try:
                if target.parent == folder:
                    atomic_move(pdf, target)
                else:  # another file system, maybe: a copy, still atomic
                    atomic_write(target, pdf.read_bytes())
            except ReportgenError as err:
                errors[docx] = err
        return errors
    finally:
        shutil.rmtree(made, ignore_errors=True)
