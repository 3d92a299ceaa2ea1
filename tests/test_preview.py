"""`reportgen preview`: PDF, one PNG per page, a contact sheet, only CJK/Liberation faces; text preview offline."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES

from reportgen.cli import main

HAVE_RENDERER = bool(shutil.which("soffice") and shutil.which("pdftoppm"))
needs_renderer = pytest.mark.skipif(not HAVE_RENDERER and not os.environ.get("CI"),
                                    reason="LibreOffice/poppler not installed")


def _pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture(scope="module")
def previewed(tmp_path_factory):
    if not HAVE_RENDERER and not os.environ.get("CI"):
        pytest.skip("LibreOffice/poppler not installed")
    out = tmp_path_factory.mktemp("preview")
    (out / "gongchuan-2023-9.png").write_bytes(b"a stale page from a longer, earlier render")
    result = CliRunner().invoke(main, ["preview", str(EXAMPLES / "gongchuan-2023.yaml"),
                                       str(EXAMPLES / "guangyang-2023.yaml"), "-o", str(out), "--dpi", "40"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@needs_renderer
@pytest.mark.parametrize("stem", ["gongchuan-2023", "guangyang-2023"])
def test_pdf_pngs_and_contact_sheet(previewed, stem):
    from PIL import Image

    pdf = previewed / f"{stem}.pdf"
    n = _pages(pdf)
    assert 3 <= n <= 8  # a township report of this size: a handful of A4 pages
    pngs = sorted(previewed.glob(f"{stem}-[0-9]*.png"))
    assert [p.name for p in pngs] == sorted(f"{stem}-{i}.png" for i in range(1, n + 1))  # stale page 9 is gone
    with Image.open(pngs[0]) as page:
        assert abs(page.width / page.height - 210 / 297) < 0.01  # A4 portrait
    with Image.open(previewed / f"{stem}-pages.png") as sheet:
        thumb_w = round(600 * 210 / 297)
        assert abs(sheet.width - (n * thumb_w + (n + 1) * 16)) <= n  # all n pages, side by side
        assert sheet.height == 600 + 2 * 16


@needs_renderer
def test_only_cjk_and_liberation_faces_with_distinct_title_heading_and_body(previewed):
    out = subprocess.run(["pdffonts", str(previewed / "gongchuan-2023.pdf")], capture_output=True, text=True,
                         check=True).stdout
    faces = {line.split()[0].split("+")[-1] for line in out.splitlines()[2:]}
    assert all(("CJK" in f) or ("UKai" in f) or ("Liberation" in f) for f in faces), faces
    assert any("SerifCJK" in f and "Bold" in f for f in faces)  # title: 方正小标宋简体 → Noto Serif CJK SC Bold
    assert any("SansCJK" in f for f in faces)  # level 1: 黑体 → Noto Sans CJK SC
    assert any("SerifCJK" in f and "Regular" in f for f in faces)  # body: 仿宋_GB2312 → Noto Serif CJK SC
    assert any("UKai" in f for f in faces)  # level 2: 楷体_GB2312 → AR PL UKai CN


def test_text_preview_needs_no_libreoffice(monkeypatch, tmp_path):
    import reportgen.preview.render as lo

    monkeypatch.setattr(lo.shutil, "which", lambda name: None)
    result = CliRunner().invoke(main, ["preview", str(EXAMPLES / "guangyang-2023.yaml"), "--format", "txt"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    outline, text = result.output.split("【正文】")
    assert "  （二）依法有效化解社会矛盾纠纷" in outline and "五、其他需要报告的情况" in outline
    assert "546.54万元" in text.replace("\n", "").replace("　", "")


@needs_renderer
def test_missing_libreoffice_says_how_to_install(monkeypatch, tmp_path):
    import reportgen.preview.render as lo

    real_which = shutil.which
    monkeypatch.setattr(lo.shutil, "which", lambda name: None if name in ("soffice", "libreoffice") else real_which(name))
    result = CliRunner().invoke(main, ["preview", str(EXAMPLES / "guangyang-2023.yaml"), "-o", str(tmp_path)],
                                catch_exceptions=False)
    assert result.exit_code != 0 and "LibreOffice" in result.output
    assert "apt-get install libreoffice-writer-nogui" in result.output and "fonts-noto-cjk" in result.output
    assert "Traceback" not in result.output


def test_bad_format_is_a_usage_error():
    result = CliRunner().invoke(main, ["preview", str(EXAMPLES), "--format", "pdf,jpg"], catch_exceptions=False)
    assert result.exit_code == 2 and "--format" in result.output
