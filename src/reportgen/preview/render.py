"""LibreOffice renders .docx to PDF (one start per batch) with free look-alike fonts; poppler makes PNGs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from reportgen.errors import ReportgenError

FONTS_CONF = Path(__file__).with_name("fonts.conf")
APT_LINE = ("apt-get install libreoffice-writer-nogui poppler-utils fonts-noto-cjk fonts-arphic-ukai "
            "fonts-liberation")
# What fonts.conf maps the official faces to; a PDF face outside these is a fallback.
FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC", "AR PL UKai CN", "Liberation Serif")
_ALLOWED_FACE = re.compile(r"(NotoSerifCJK|NotoSansCJK|UKai|LiberationSerif)")


class RendererMissing(ReportgenError):
    """Raised when soffice, poppler or the preview fonts are not installed; the message has the install line."""


def _tool(*names: str, what: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise RendererMissing(f"没有找到 {what}，无法生成预览。请先安装：\n    sudo {APT_LINE}")


def render_env() -> dict[str, str]:
    return {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}


def check_fonts() -> None:
    """Refuse before rendering when a look-alike family is missing: the PDF would silently fall back."""
    fc_list = _tool("fc-list", what="fontconfig（fc-list）")
    listed = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, env=render_env(), check=False).stdout
    missing = [f for f in FAMILIES if f not in listed]
    if missing:
        raise RendererMissing(f"缺少预览用的字体：{'、'.join(missing)}。请先安装：\n    sudo {APT_LINE}")


def to_pdf(docx_files: list[Path], outdir: Path, timeout: float = 900) -> list[Path]:
    """Convert every file in one soffice run (its start-up dominates); returns the PDF paths in order."""
    soffice = _tool("soffice", "libreoffice", what="LibreOffice（soffice）")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reportgen-lo-") as profile:
        cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir), *map(str, docx_files)]
        proc = subprocess.run(cmd, env=render_env(), capture_output=True, text=True, timeout=timeout, check=False)
    pdfs = [outdir / f"{p.stem}.pdf" for p in docx_files]
    missing = [p.name for p in pdfs if not p.exists()]
    if proc.returncode != 0 or missing:
        raise ReportgenError(f"LibreOffice 转换 PDF 失败（退出码 {proc.returncode}，未生成：{'、'.join(missing)}）："
                             f"{proc.stderr.strip()[:500]}")
    return pdfs


def pdf_fonts(pdf: Path) -> list[str]:
    """The embedded faces' names, subset prefix removed (pdffonts)."""
    out = subprocess.run([_tool("pdffonts", what="poppler（pdffonts）"), str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    return sorted({line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()})


def fallback_faces(pdf: Path) -> list[str]:
    return [f for f in pdf_fonts(pdf) if not _ALLOWED_FACE.search(f)]


def to_png(pdf: Path, outdir: Path, dpi: int) -> list[Path]:
    """One PNG per page, named <stem>-<n>.png; stale pages of an earlier, longer render are removed."""
    stem = pdf.stem
    for old in outdir.glob(f"{stem}-*.png"):
        if re.fullmatch(rf"{re.escape(stem)}-\d+\.png", old.name):
            old.unlink()
    subprocess.run([_tool("pdftoppm", what="poppler（pdftoppm）"), "-r", str(dpi), "-png", str(pdf),
                    str(outdir / stem)], check=True, capture_output=True)
    pages = sorted((p for p in outdir.glob(f"{stem}-*.png") if re.fullmatch(rf"{re.escape(stem)}-\d+\.png", p.name)),
                   key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    for n, page in enumerate(pages, 1):  # pdftoppm pads numbers to the page count's width: drop the padding
        target = outdir / f"{stem}-{n}.png"
        if page != target:
            page.rename(target)
    return [outdir / f"{stem}-{n}.png" for n in range(1, len(pages) + 1)]


def contact_sheet(pages: list[Path], out: Path, height: int = 600, gap: int = 16) -> Path:
    """All pages side by side, scaled to one height, on a grey ground so page edges show."""
    from PIL import Image

    thumbs = []
    for page in pages:
        with Image.open(page) as im:
            scale = height / im.height
            thumbs.append(im.convert("RGB").resize((round(im.width * scale), height), Image.Resampling.LANCZOS))
    width = sum(t.width for t in thumbs) + gap * (len(thumbs) + 1)
    sheet = Image.new("RGB", (width, height + 2 * gap), (200, 200, 200))
    x = gap
    for thumb in thumbs:
        sheet.paste(thumb, (x, gap))
        x += thumb.width + gap
    sheet.save(out, optimize=True)
    return out
