"""LibreOffice renders .docx to PDF (one start per batch) with free look-alike fonts; poppler makes PNGs."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.errors import InputError, PreviewError, Problem, ReportgenError, UsageError

if TYPE_CHECKING:
    from PIL import Image

FONTS_CONF = Path(__file__).with_name("fonts.conf")
APT_LINE = ("apt-get install libreoffice-writer-nogui poppler-utils fonts-noto-cjk fonts-arphic-ukai "
            "fonts-liberation")
# What fonts.conf maps the official faces to; a PDF face outside these is a fallback.
FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC", "AR PL UKai CN", "Liberation Serif")
_ALLOWED_FACE = re.compile(r"(NotoSerifCJK|NotoSansCJK|UKai|LiberationSerif)")


class RendererMissing(ReportgenError):
    """Raised when soffice, poppler or the preview fonts are not installed; the message has the install line."""


def _tool(*names: str, what: str, purpose: str = "生成预览") -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise RendererMissing(f"没有找到 {what}，无法{purpose}。请先安装：\n    sudo {APT_LINE}")


def render_env() -> dict[str, str]:
    return {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}


def check_fonts() -> None:
    """Refuse before rendering when a look-alike family is missing: the PDF would silently fall back."""
    fc_list = _tool("fc-list", what="fontconfig（fc-list）")
    listed = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, env=render_env(), check=False).stdout
    missing = [f for f in FAMILIES if f not in listed]
    if missing:
        raise RendererMissing(f"缺少预览用的字体：{'、'.join(missing)}。请先安装：\n    sudo {APT_LINE}")


# A .docx is a zip: refused before LibreOffice inflates it if it unpacks to more than this (our reports unpack
# to a few hundred KB; a photo-heavy document to some tens of MB) or one large part is compressed more than deflate
# ever compresses a document (a zip bomb: a few MB that inflate to gigabytes).
MAX_UNPACKED = 256 * 2**20
MAX_RATIO = 200  # uncompressed / compressed size of one part …
RATIO_FROM = 16 * 2**20  # … of this size or more


def _refused(path: Path, message: str, hint: str) -> InputError:
    return InputError([Problem(str(path), message, hint=hint)])


def check_docx(path: Path) -> None:
    """Refuse, before LibreOffice (or python-docx) opens it, a file that is not a .docx or would unpack to more than
    MAX_UNPACKED: the sizes the zip declares and its compression ratio first (no inflating), then the parts
    inflated with a running count, since declared sizes can lie."""
    mb = 2**20
    try:
        with zipfile.ZipFile(path) as docx:
            parts = docx.infolist()
            declared = sum(p.file_size for p in parts)
            if declared > MAX_UNPACKED:
                raise _refused(path, f"这个 .docx 解压后有 {declared // mb:,} MB，超过 {MAX_UNPACKED // mb} MB 的上限，"
                                     "可能是“压缩炸弹”，没有交给 LibreOffice。",
                               "请确认文件来源；一份报告解压后只有几百 KB。")
            for part in parts:
                if part.file_size >= RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
                    raise _refused(path, f"这个 .docx 中的 {part.filename} 压缩了 {part.file_size // max(part.compress_size, 1):,} 倍"
                                         f"（解压后 {part.file_size // mb:,} MB），可能是“压缩炸弹”，没有交给 LibreOffice。",
                                   "请确认文件来源；正常的文档不会压缩这么多倍。")
            if "word/document.xml" not in docx.namelist():
                raise zipfile.BadZipFile("no word/document.xml")
            unpacked = 0
            for part in parts:
                with docx.open(part) as data:
                    while chunk := data.read(mb):
                        unpacked += len(chunk)
                        if unpacked > MAX_UNPACKED:
                            raise _refused(path, f"这个 .docx 解压后超过 {MAX_UNPACKED // mb} MB 的上限，"
                                                 "可能是“压缩炸弹”，没有交给 LibreOffice。",
                                           "请确认文件来源；一份报告解压后只有几百 KB。")
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError,
            RuntimeError, ValueError) as err:
        raise _refused(path, "这不是有效的 Word 文档（.docx），无法预览。",
                       "用 Word 或 WPS 打开它，另存为 .docx 后再预览。") from err


def _pdf_made(pdf: Path) -> bool:
    try:
        with pdf.open("rb") as f:
            return f.read(5) == b"%PDF-"
    except OSError:
        return False


# Blank pages LibreOffice inserts (a 版记 section starting on an even page) are printed too: skipping them would
# put the 版记 on an odd sheet side.
PDF_EXPORT = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'


def _soffice(soffice: str, docs: list[Path], outdir: Path, timeout: float,
             fmt: str = PDF_EXPORT, infilter: str | None = None) -> tuple[int | None, str]:
    """One LibreOffice run over `docs` (absolute paths: a file named -p.docx is a file, not an option), in its own
    profile and process group, so a timeout stops soffice.bin as well as its launcher. (exit code or None, stderr)"""
    with tempfile.TemporaryDirectory(prefix="reportgen-lo-") as profile:
        cmd = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               *([f"--infilter={infilter}"] if infilter else []), "--convert-to", fmt, "--outdir", str(outdir.resolve()),
               *(str(p.resolve()) for p in docs)]
        with subprocess.Popen(cmd, env=render_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True) as proc:
            try:
                _, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                return None, f"超过 {timeout:g} 秒仍未完成"
            except BaseException:  # Ctrl-C, SIGTERM (Interrupted): stop LibreOffice now, not after its conversion
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                raise
            return proc.returncode, err


def _forget(outdir: Path, stem: str) -> None:
    """Remove an earlier run's PDF and pages of a file that failed now: they show a document that no longer is."""
    ours = re.compile(rf"{re.escape(stem)}(\.pdf|-pages\.png|-\d+\.png)")
    for name in os.listdir(outdir):
        if ours.fullmatch(name):
            (outdir / name).unlink(missing_ok=True)


def convert(docx_files: list[Path], outdir: Path, timeout: float = 900,
            fmt: str = PDF_EXPORT) -> tuple[list[Path], list[tuple[Path, ReportgenError]]]:
    """A PDF in `outdir` for each .docx, in one LibreOffice start (its start-up dominates); each file's failure is
    its own. Returns (the PDFs made, in order; (file, error) for each file that failed).

    LibreOffice writes into an empty folder and each PDF is moved into `outdir` only once it is there: a PDF left
    by an earlier run never passes for this one's. A file missing before the last PDF made failed on its own; the
    first missing after it failed or stopped LibreOffice, and the ones after that are converted in another run.
    `fmt` is the export filter with its options (build --format pdf adds PDF/A)."""
    soffice = _tool("soffice", "libreoffice", what="LibreOffice（soffice）")
    stems = [p.stem for p in docx_files]
    if len(set(stems)) < len(stems):
        raise UsageError(f"有多个 .docx 同名（{'、'.join(sorted({s for s in stems if stems.count(s) > 1}))}），"
                         "PDF 会互相覆盖；请分开预览或改名。")
    outdir.mkdir(parents=True, exist_ok=True)
    failed: dict[Path, ReportgenError] = {}
    for doc in docx_files:
        try:
            check_docx(doc)
        except InputError as err:
            failed[doc] = err
    with tempfile.TemporaryDirectory(prefix="reportgen-pdf-", dir=outdir) as fresh:
        made = Path(fresh)
        todo = [d for d in docx_files if d not in failed]
        while todo:  # LibreOffice takes the files in order, skipping one it cannot load, or stopping at it
            code, stderr = _soffice(soffice, todo, made, timeout, fmt)
            done = [i for i, d in enumerate(todo) if _pdf_made(made / f"{d.stem}.pdf")]
            after = done[-1] + 1 if done else 0
            skipped, stopped = [d for i, d in enumerate(todo[:after]) if i not in done], todo[after:]
            for doc in skipped + stopped[:1]:  # a file after the last one made may just not have been reached
                said = "；".join(line for line in stderr.splitlines() if line.strip() and "javaldx" not in line)
                why = f"退出码 {code}，{said[:300] or '没有说明原因'}" if code is not None else stderr
                failed[doc] = PreviewError(f"{doc}：LibreOffice 没能把它转换为 PDF（{why}）。"
                                           "请用 Word 或 WPS 打开检查，另存为 .docx 后再预览。")
            todo = stopped[1:]
        pdfs = []
        for doc in docx_files:
            if doc in failed:
                _forget(outdir, doc.stem)
                continue
            os.replace(made / f"{doc.stem}.pdf", outdir / f"{doc.stem}.pdf")
            pdfs.append(outdir / f"{doc.stem}.pdf")
    return pdfs, [(doc, failed[doc]) for doc in docx_files if doc in failed]


def convert_one(src: Path, fmt: str, outdir: Path, purpose: str, infilter: str | None = None,
                timeout: float = 300) -> tuple[Path | None, str]:
    """`src` converted by LibreOffice to `fmt` ("docx:MS Word 2007 XML") in `outdir`, with the preview's soffice,
    profile and timeout handling (the importer reads .doc and .wps this way). `infilter` names the import filter:
    without it LibreOffice opens a file it cannot parse as plain text. (the file made or None, why not)"""
    soffice = _tool("soffice", "libreoffice", what="LibreOffice（soffice）", purpose=purpose)
    made = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    code, stderr = _soffice(soffice, [src], outdir, timeout, fmt=fmt, infilter=infilter)
    if made.is_file() and made.stat().st_size > 0:
        return made, ""
    said = "；".join(line for line in stderr.splitlines() if line.strip() and "javaldx" not in line)
    return None, (f"退出码 {code}，{said[:300] or '没有说明原因'}" if code is not None else stderr)


def to_pdf(docx_files: list[Path], outdir: Path, timeout: float = 900) -> list[Path]:
    """convert(), raising the first failure (after the other files were converted) instead of returning it."""
    pdfs, failed = convert(docx_files, outdir, timeout)
    if failed:
        raise failed[0][1]
    return pdfs


def pdf_fonts(pdf: Path) -> list[str]:
    """The embedded faces' names, subset prefix removed (pdffonts)."""
    out = subprocess.run([_tool("pdffonts", what="poppler（pdffonts）"), str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    return sorted({line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()})


def fallback_faces(pdfs: list[Path]) -> dict[Path, list[str]]:
    """For each PDF, the faces outside the look-alikes fonts.conf maps to (run side by side: pdffonts waits on
    its own start-up)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        found = pool.map(lambda pdf: [f for f in pdf_fonts(pdf) if not _ALLOWED_FACE.search(f)], pdfs)
        return dict(zip(pdfs, found, strict=True))


def page_count(pdf: Path) -> int:
    """The number of pages (pdfinfo)."""
    out = subprocess.run([_tool("pdfinfo", what="poppler（pdfinfo）"), str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def _draw(pdf: Path, first: int, last: int, dpi: int, pages: list[Path], height: int) -> list[Image.Image]:
    """Pages first..last of `pdf` drawn by pdftoppm as PPM, encoded by Pillow as PNG (pdftoppm's own PNG encoder
    took 0.16 s a page, nine tenths of a preview); returns each page scaled to `height` for the contact sheet."""
    from PIL import Image

    thumbs = []
    with tempfile.TemporaryDirectory(prefix=".pages-", dir=pages[0].parent) as raw:
        subprocess.run([_tool("pdftoppm", what="poppler（pdftoppm）"), "-r", str(dpi), "-f", str(first), "-l", str(last),
                        str(pdf), str(Path(raw, "p"))], check=True, capture_output=True)
        drawn = sorted(Path(raw).glob("p-*.ppm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))  # padded numbers
        for ppm, png in zip(drawn, pages[first - 1:last], strict=True):
            with Image.open(ppm) as im:
                im.save(png, compress_level=3)
                if height:
                    thumbs.append(im.convert("RGB").resize((round(im.width * height / im.height), height),
                                                          Image.Resampling.LANCZOS))
    return thumbs


def rasterise(pdfs: list[Path], outdir: Path, dpi: int, sheet_height: int = 600,
              jobs: int | None = None) -> dict[Path, list[Path]]:
    """Every page of every PDF as <stem>-<n>.png in `outdir` (stale pages of an earlier, longer render removed)
    and, with a `sheet_height`, each PDF's contact sheet <stem>-pages.png. The pages are drawn in runs spread over
    the cores: pdftoppm and Pillow's encoder and scaler work outside the GIL, so threads are enough."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = jobs or os.cpu_count() or 1
    counts = {pdf: page_count(pdf) for pdf in pdfs}
    pages: dict[Path, list[Path]] = {}
    for pdf, count in counts.items():
        stem = pdf.stem
        for old in outdir.glob(f"{stem}-*.png"):
            if re.fullmatch(rf"{re.escape(stem)}-\d+\.png", old.name):
                old.unlink()
        pages[pdf] = [outdir / f"{stem}-{n}.png" for n in range(1, count + 1)]
    runs = []  # (pdf, first, last): a PDF split into as many runs as leaves no core idle, each pdftoppm start ~20 ms
    for pdf, count in counts.items():
        parts = max(1, min(count, jobs // max(1, len(pdfs))))
        bounds = [round(i * count / parts) for i in range(parts + 1)]
        runs += [(pdf, a + 1, b) for a, b in itertools.pairwise(bounds) if b > a]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        drawn = list(pool.map(lambda run: _draw(*run, dpi, pages[run[0]], sheet_height), runs))
    if sheet_height:
        thumbs: dict[Path, list[Image.Image]] = {pdf: [] for pdf in pdfs}
        for (pdf, _, _), images in zip(runs, drawn, strict=True):
            thumbs[pdf] += images
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(lambda pdf: _sheet(thumbs[pdf], outdir / f"{pdf.stem}-pages.png"), pdfs))
    return pages


def to_png(pdf: Path, outdir: Path, dpi: int) -> list[Path]:
    """One PNG per page of one PDF, named <stem>-<n>.png (no contact sheet)."""
    return rasterise([pdf], outdir, dpi, sheet_height=0)[pdf]


def _sheet(thumbs: list[Image.Image], out: Path, gap: int = 16) -> Path:
    from PIL import Image

    height = thumbs[0].height if thumbs else 0
    width = sum(t.width for t in thumbs) + gap * (len(thumbs) + 1)
    sheet = Image.new("RGB", (width, height + 2 * gap), (200, 200, 200))
    x = gap
    for thumb in thumbs:
        sheet.paste(thumb, (x, gap))
        x += thumb.width + gap
    sheet.save(out, compress_level=1)  # optimize=True took 9 of 14 s for 20 reports, for a file ~30 % smaller
    return out
