"""write.package writes its own zip headers (to compress the scaffold's parts once per process): the bytes must
be exactly those zipfile writes for the same parts, and any reader must open them."""

from __future__ import annotations

import io
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.typeset.document import scaffold
from reportgen.typeset.profile import DEFAULT
from reportgen.write import package

_EPOCH = (1980, 1, 1, 0, 0, 0)


def zipfile_package(parts: list[tuple[str, bytes]], replace: dict[str, bytes]) -> bytes:
    """What package() wrote before, with zipfile."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts:
            fixed = zipfile.ZipInfo(name, date_time=_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 0
            zout.writestr(fixed, replace.get(name, data), compresslevel=1)
    return out.getvalue()


names = st.text(st.sampled_from("abc/._[]文档"), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(names, st.binary(max_size=3000)), max_size=6, unique_by=lambda p: p[0]), st.data())
def test_same_bytes_as_zipfile_and_readable(parts, data):
    replace = {name: data.draw(st.binary(max_size=500)) for name, _ in parts if data.draw(st.booleans())}
    made = package(parts, replace)
    assert made == zipfile_package(parts, replace)
    with zipfile.ZipFile(io.BytesIO(made)) as z:
        assert z.testzip() is None
        assert [(i.filename, z.read(i)) for i in z.infolist()] == [(n, replace.get(n, d)) for n, d in parts]


def test_a_report_package_twice_is_the_same_as_zipfile():
    parts = list(scaffold(DEFAULT).parts)
    mine = {"word/document.xml": "<w:document>正文</w:document>".encode() * 200, "docProps/core.xml": b"<core/>"}
    assert package(parts, mine) == package(parts, mine) == zipfile_package(parts, mine)
