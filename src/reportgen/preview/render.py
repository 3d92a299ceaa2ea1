"""One LibreOffice start converts a whole batch of .docx files to PDF, with the preview font mapping."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from reportgen.errors import ReportgenError

FONTS_CONF = Path(__file__).with_name("fonts.conf")
APT_LINE = "apt-get install libreoffice-writer-nogui poppler-utils fonts-noto-cjk fonts-arphic-ukai fonts-liberation"


class RendererMissing(ReportgenError):
    """Raised when soffice or poppler is not installed; the message carries the install line."""


def soffice() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise RendererMissing(f"没有找到 LibreOffice（soffice），无法生成 PDF 预览。请先安装：\n    sudo {APT_LINE}")


def render_env() -> dict[str, str]:
    return {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}


def to_pdf(docx_files: list[Path], outdir: Path, timeout: float = 600) -> list[Path]:
    """Convert every file in one soffice run (its start-up dominates); returns the PDF paths in order."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reportgen-lo-") as profile:
        cmd = [soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir), *map(str, docx_files)]
        proc = subprocess.run(cmd, env=render_env(), capture_output=True, text=True, timeout=timeout, check=False)
    pdfs = [outdir / f"{p.stem}.pdf" for p in docx_files]
    missing = [p for p in pdfs if not p.exists()]
    if proc.returncode != 0 or missing:
        raise ReportgenError(f"LibreOffice 转换 PDF 失败（退出码 {proc.returncode}）：{proc.stderr.strip()[:500]}")
    return pdfs
