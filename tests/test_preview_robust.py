"""Preview when things go wrong: a stale PDF never passes for a failed conversion, one bad .docx fails alone, a
file named like an option stays a file, and a zip bomb is refused before LibreOffice sees it."""

from __future__ import annotations

import io
import os
import shutil
import struct
import sys
import zipfile

import pytest
from click.testing import CliRunner
from conftest import MINIMAL

from reportgen.cli import main
from reportgen.errors import InputError, PreviewError
from reportgen.preview import render as lo

HAVE_RENDERER = bool(shutil.which("soffice") and shutil.which("pdftoppm"))
needs_renderer = pytest.mark.skipif(not HAVE_RENDERER and not os.environ.get("CI"),
                                    reason="LibreOffice/poppler not installed")


@pytest.fixture(scope="module")
def good_docx(tmp_path_factory) -> bytes:
    from reportgen.api import render

    src = tmp_path_factory.mktemp("src") / "town.yaml"
    src.write_text(MINIMAL, encoding="utf-8")
    return render(src).docx


def _rezip(docx: bytes, change) -> bytes:
    """The same package with each part passed through change(name, data)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for part in old.infolist():
            new.writestr(part, change(part.filename, old.read(part)))
    return out.getvalue()


def _unloadable(docx: bytes) -> bytes:
    """A valid zip that LibreOffice cannot load: word/document.xml cut in half."""
    return _rezip(docx, lambda name, data: data[:len(data) // 2] if name == "word/document.xml" else data)


def _declares(docx: bytes, part: str, size: int) -> bytes:
    """The package with `part` declaring `size` bytes unpacked, in its local and central headers (a bomb's
    headers: what LibreOffice would inflate), without the test having to compress gigabytes."""
    data = bytearray(docx)
    name = part.encode()
    local = data.find(b"PK\x03\x04")
    while local != -1:
        if data[local + 30:local + 30 + len(name)] == name:
            struct.pack_into("<I", data, local + 22, size)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        if data[central + 46:central + 46 + len(name)] == name:
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def _never_soffice(*args, **kwargs):
    raise AssertionError("LibreOffice must not be started for this file")


# ---- refused before LibreOffice ---------------------------------------------------------------------------

def test_zip_bomb_docx_is_refused_before_libreoffice(tmp_path, monkeypatch, good_docx):
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(_declares(good_docx, "word/document.xml", 3_500_000_000))  # 3.5 GB unpacked
    monkeypatch.setattr(lo, "_soffice", _never_soffice, raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["preview", "bomb.docx", "-o", "out"], catch_exceptions=False)
    assert result.exit_code == 3, result.output
    assert "bomb.docx" in result.output and "压缩炸弹" in result.output and "3,337 MB" in result.output
    assert "非常抱歉" not in result.output and not list((tmp_path / "out").glob("bomb*"))


def test_zip_bomb_is_refused_by_the_text_preview_too(tmp_path, monkeypatch, good_docx):
    """python-docx would inflate document.xml as well."""
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(_declares(good_docx, "word/document.xml", 3_500_000_000))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["preview", "bomb.docx", "--format", "txt"], catch_exceptions=False)
    assert result.exit_code == 3 and "bomb.docx" in result.output and "压缩炸弹" in result.output, result.output


def test_a_part_compressed_like_a_bomb_is_refused(tmp_path, good_docx):
    """Sizes declared truthfully: 32 MB of zeros deflate a thousandfold, which no document does."""
    padded = io.BytesIO(good_docx)
    with zipfile.ZipFile(padded, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/media/pad.bin", b"\0" * (32 * 2**20))
    path = tmp_path / "padded.docx"
    path.write_bytes(padded.getvalue())
    with pytest.raises(InputError) as err:
        lo.check_docx(path)
    assert "padded.docx" in err.value.format_message() and "倍" in err.value.format_message()


def test_sizes_that_lie_are_caught_while_inflating(tmp_path, monkeypatch, good_docx):
    """A header may declare a small size: the parts are inflated with a running count, up to the limit."""
    monkeypatch.setattr(lo, "MAX_UNPACKED", 20_000)  # smaller than our document.xml really is
    path = tmp_path / "liar.docx"
    path.write_bytes(_declares(good_docx, "word/document.xml", 100))
    with pytest.raises(InputError) as err:
        lo.check_docx(path)
    assert "liar.docx" in err.value.format_message()


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04 truncated"])
def test_a_file_that_is_not_a_docx_is_named(tmp_path, content):
    path = tmp_path / "notes.docx"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        lo.check_docx(path)
    assert "notes.docx" in err.value.format_message() and "不是有效的 Word 文档" in err.value.format_message()


# ---- LibreOffice ------------------------------------------------------------------------------------------

@needs_renderer
def test_stale_pdf_from_an_earlier_run_is_not_taken_for_success(tmp_path, monkeypatch, good_docx):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "town.docx").write_bytes(good_docx)
    earlier = CliRunner().invoke(main, ["preview", "town.docx", "-o", "out", "--dpi", "30"], catch_exceptions=False)
    assert earlier.exit_code == 0 and (tmp_path / "out" / "town.pdf").exists(), earlier.output
    (tmp_path / "town.docx").write_bytes(_unloadable(good_docx))  # edited since, and now LibreOffice fails on it
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["preview", "town.docx", "-o", "out"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "town.docx" in result.output and "LibreOffice 没能把它转换为 PDF" in result.output
    assert "✓" not in result.output and "非常抱歉" not in result.output
    assert sorted(os.listdir(out)) == []  # the stale preview is gone, not shown as this run's


@needs_renderer
def test_one_bad_docx_fails_alone_and_the_others_get_their_pages(tmp_path, good_docx):
    docs = [tmp_path / "a.docx", tmp_path / "bad.docx", tmp_path / "c.docx", tmp_path / "junk.docx"]
    docs[0].write_bytes(good_docx)
    docs[1].write_bytes(_unloadable(good_docx))
    docs[2].write_bytes(good_docx)
    docs[3].write_bytes(b"junk")
    out = tmp_path / "out"
    pdfs, failed = lo.convert(docs, out)
    assert pdfs == [out / "a.pdf", out / "c.pdf"]
    assert [(doc.name, type(err)) for doc, err in failed] == [("bad.docx", PreviewError), ("junk.docx", InputError)]
    assert "bad.docx" in failed[0][1].format_message() and "junk.docx" in failed[1][1].format_message()
    for pdf in pdfs:
        pages = lo.to_png(pdf, out, 30)
        assert pages and all(p.exists() for p in pages)
    assert not (out / "bad.pdf").exists() and not (out / "junk.pdf").exists()


@needs_renderer
def test_a_file_named_like_an_option_is_converted_as_a_file(tmp_path, monkeypatch, good_docx):
    (tmp_path / "-p.docx").write_bytes(good_docx)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["preview", "-o", "out", "--dpi", "30", "--", "-p.docx"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "-p.pdf").read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "out" / "-p-1.png").exists() and (tmp_path / "out" / "-p-pages.png").exists()


FAKE_SOFFICE = """\
import pathlib, sys
args = sys.argv[1:]
out = pathlib.Path(args[args.index("--outdir") + 1])
for name in args[args.index("--outdir") + 2:]:
    doc = pathlib.Path(name)
    assert doc.is_absolute(), name  # never a bare name that could read as an option
    if "crash" in doc.name:
        sys.exit("LibreOffice stopped")  # the files after this one are never reached
    if "bad" in doc.name:
        print("Error: source file could not be loaded", file=sys.stderr)
        continue
    (out / (doc.stem + ".pdf")).write_bytes(b"%PDF-1.4 converted")
"""


def test_a_file_that_stops_libreoffice_is_named_and_the_files_after_it_still_converted(tmp_path, monkeypatch,
                                                                                          good_docx):
    fake = tmp_path / "soffice"
    fake.write_text(f"#!{sys.executable}\n" + FAKE_SOFFICE, encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(lo, "_tool", lambda *names, what: str(fake))
    docs = [tmp_path / f"{name}.docx" for name in ("a", "crash", "b", "bad", "c")]
    for doc in docs:
        doc.write_bytes(good_docx)
    pdfs, failed = lo.convert(docs, tmp_path / "out")
    assert [p.name for p in pdfs] == ["a.pdf", "b.pdf", "c.pdf"]
    assert [(doc.name, type(err)) for doc, err in failed] == [("crash.docx", PreviewError), ("bad.docx", PreviewError)]
    assert "LibreOffice stopped" in failed[0][1].format_message()
    assert "could not be loaded" in failed[1][1].format_message()
    assert sorted(os.listdir(tmp_path / "out")) == ["a.pdf", "b.pdf", "c.pdf"]
