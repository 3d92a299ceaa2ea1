"""GB/T 9704 in the .docx itself: every rule asserted on effective properties read back from the XML."""

from __future__ import annotations

import re

import pytest
from conftest import EXAMPLES
from effective import NS, Effective, q

from reportgen.api import render
from reportgen.typeset.profile import DEFAULT as P
from reportgen.typeset.styles import IDS

FONTS = P.fonts
# The OOXML schema's order for rPr children that we may write (CT_RPr).
RPR_ORDER = ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow",
             "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern",
             "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs",
             "em", "lang", "eastAsianLayout", "specVanish", "oMath"]
PPR_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
             "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
             "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
             "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
             "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"]


@pytest.fixture(scope="module", params=["gongchuan-2023", "guangyang-2023"])
def eff(request):
    return Effective(render(EXAMPLES / f"{request.param}.yaml").docx)


def _style(p) -> str:
    return p.find("w:pPr/w:pStyle", NS).get(q("val"))


def _role_runs(eff, style_id):
    for p in eff.paragraphs():
        if _style(p) == style_id:
            for r in p.findall("w:r", NS):
                yield p, r


def test_every_paragraph_has_a_role_style_and_every_run_a_chinese_face(eff):
    for p in eff.paragraphs():
        assert _style(p) in eff.by_id
        for r in p.findall("w:r", NS):
            assert eff.rpr(p, r, "rFonts", "eastAsia"), "no East Asian face"
            assert eff.rpr(p, r, "rFonts", "ascii") and eff.rpr(p, r, "rFonts", "hAnsi")
            assert eff.rpr(p, r, "lang", "eastAsia") == "zh-CN"


def test_no_theme_fonts_anywhere(eff):
    for name in ("word/styles.xml", "word/document.xml", "word/footer1.xml", "word/footer2.xml"):
        xml = eff.parts.get(name, b"").decode()
        assert not re.search(r"w:(ascii|hAnsi|eastAsia|cs)Theme=", xml), name


@pytest.mark.parametrize(("role", "face", "size", "jc"), [
    (IDS.body, FONTS.body, P.body_size, "both"),
    (IDS.title, FONTS.title, P.title_size, "center"),
    (IDS.heading(1), FONTS.heading1, P.body_size, "both"),
    (IDS.heading(2), FONTS.heading2, P.body_size, "both"),
])
def test_faces_sizes_alignment_by_role(eff, role, face, size, jc):
    runs = list(_role_runs(eff, role))
    if not runs:
        pytest.skip(f"no {role} paragraph in this example")
    for p, r in runs:
        assert eff.rpr(p, r, "rFonts", "eastAsia") == face
        assert eff.rpr(p, r, "sz", "val") == str(round(size.pt * 2))
        assert eff.ppr(p, "jc", "val") == jc


def test_body_grid_line_pitch_indent_and_condensed_spacing(eff):
    for p, r in _role_runs(eff, IDS.body):
        assert eff.ppr(p, "spacing", "line") == "579" and eff.ppr(p, "spacing", "lineRule") == "exact"
        assert eff.ppr(p, "ind", "firstLine") == str(round(2 * P.char_advance.twips))  # 首行缩进二字
        assert eff.rpr(p, r, "spacing", "val") == "-5"  # −0.25 pt: 28 characters a line
        assert eff.rpr(p, r, "color", "val") in (None, "000000", "auto")


def test_headings_have_outline_levels_and_run_in_headings_keep_their_face_for_the_heading_only(eff):
    levels = {}
    for p in eff.paragraphs():
        style = _style(p)
        lvl = eff.ppr(p, "outlineLvl", "val")
        if style.startswith("RGHeading") or style.startswith("RGRunIn"):
            levels[style] = lvl
            assert lvl == str(int(style[-1]) - 1)
        else:
            assert lvl is None
        if style.startswith("RGRunIn"):
            head, *rest = p.findall("w:r", NS)
            level = int(style[-1])
            assert eff.rpr(p, head, "rFonts", "eastAsia") == getattr(FONTS, f"heading{level}")
            assert rest and all(eff.rpr(p, r, "rFonts", "eastAsia") == FONTS.body for r in rest)
    assert levels


def test_page_setup_grid_and_footers(eff):
    sect = eff.document.find(".//w:body/w:sectPr", NS)
    size, mar, grid = sect.find("w:pgSz", NS), sect.find("w:pgMar", NS), sect.find("w:docGrid", NS)
    assert (size.get(q("w")), size.get(q("h"))) == ("11906", "16838")
    assert {k: mar.get(q(k)) for k in ("top", "bottom", "left", "right")} == {
        "top": "2098", "bottom": "1984", "left": "1587", "right": "1474"}
    assert grid.get(q("type")) == "lines" and grid.get(q("linePitch")) == "579"
    assert eff.settings.find("w:evenAndOddHeaders", NS) is not None
    kinds = {ref.get(q("type")): ref.get(f"{{{NS['w'].replace('wordprocessingml/2006/main', 'officeDocument/2006/relationships')}}}id")
             for ref in sect.findall("w:footerReference", NS)}
    assert set(kinds) >= {"default", "even"}


@pytest.mark.parametrize("part", ["word/footer1.xml", "word/footer2.xml"])
def test_page_number_is_a_real_page_field_in_4hao_songti(eff, part):
    from lxml import etree

    root = etree.fromstring(eff.parts[part])
    p = root.find("w:p", NS)
    runs = p.findall("w:r", NS)
    chars = [r.find("w:fldChar", NS).get(q("fldCharType")) for r in runs if r.find("w:fldChar", NS) is not None]
    assert chars == ["begin", "separate", "end"]
    assert any((r.findtext("w:instrText", namespaces=NS) or "").strip() == "PAGE" for r in runs)
    text = "".join(r.findtext("w:t", default="", namespaces=NS) for r in runs)
    assert text == "— 1 —"  # the field's placeholder between the dashes
    jc = eff.ppr(p, "jc", "val")
    ind = p.find("w:pPr/w:ind", NS)
    side = str(round(P.page_number_size.twips))
    assert (jc, ind.get(q("right" if jc == "right" else "left"))) in (("right", side), ("left", side))
    for r in runs:
        assert eff.rpr(p, r, "rFonts", "eastAsia") == FONTS.page_number
        assert eff.rpr(p, r, "sz", "val") == "28"


def test_property_children_are_in_schema_order(eff):
    for root in (eff.document, eff.styles):
        for container, order in (("rPr", RPR_ORDER), ("pPr", PPR_ORDER)):
            for node in root.iter(q(container)):
                names = [etree_local(c) for c in node]
                positions = [order.index(n) for n in names]
                assert positions == sorted(positions), names


def etree_local(node) -> str:
    return node.tag.rsplit("}", 1)[1]


def test_red_header_and_signature_in_the_document():
    eff = Effective(render(EXAMPLES / "gongchuan-2023.yaml").docx)
    paras = eff.paragraphs()
    mark, docno = paras[0], paras[1]
    assert _style(mark) == IDS.mark and _style(docno) == IDS.docno
    assert eff.rpr(mark, mark.find("w:r", NS), "color", "val") == P.red
    border = docno.find("w:pPr/w:pBdr/w:bottom", NS)
    assert border.get(q("color")) == P.red and border.get(q("space")) == str(round(P.rule_below_docno.pt))
    sign, date = paras[-2], paras[-1]
    assert _style(sign) == IDS.signature and _style(date) == IDS.date
    assert "".join(sign.itertext()) == "永安市贡川镇人民政府" and "".join(date.itertext()) == "2023年12月26日"
    assert eff.ppr(sign, "ind", "right") == str(round(2 * P.char_advance.twips))  # 署名右空二字


def test_only_oxml_builds_w_elements():
    """styles.py, document.py and title.py call oxml's builders; no element is made anywhere else in typeset."""
    import ast
    from pathlib import Path

    import reportgen.typeset as pkg

    makers = {"el", "Element", "SubElement", "OxmlElement", "makeelement"}
    for path in Path(pkg.__file__).parent.glob("*.py"):
        if path.name == "oxml.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                assert name not in makers, f"{path.name}:{node.lineno} builds an element: move it to oxml.py"
