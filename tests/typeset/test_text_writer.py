"""The body is written as text (oxml.run_xml, paragraph_xml, east_asian_punctuation) instead of lxml elements: the
text must be what lxml writes for the same elements, and the punctuation pass must split runs as Word needs them.
Read back with lxml, for any text a clerk may type."""

from __future__ import annotations

import copy
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from strategies import HOSTILE

from reportgen.typeset import oxml
from reportgen.typeset.length import Pt
from reportgen.typeset.profile import DEFAULT
from reportgen.typeset.styles import IDS, east_asian_faces

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PUNCT = DEFAULT.east_asian_punctuation
# XML-safe characters, with the punctuation, spaces and what XML escapes over-represented
_CHARS = st.one_of(st.characters(blacklist_categories=("Cs", "Cc", "Co"), blacklist_characters="\ufffe\uffff"),
                   st.sampled_from([*PUNCT, " ", "\t", "&", "<", ">", '"', "'", "1", "a"]))
TEXT = st.one_of(st.text(_CHARS, max_size=30), st.sampled_from(HOSTILE))
RPR = st.fixed_dictionaries({}, optional={"style": st.sampled_from([IDS.heading_char(2), IDS.heading_char(3)]),
                                          "highlight": st.sampled_from(["yellow", "green"]),
                                          "size": st.sampled_from([Pt(16), Pt(22)]),
                                          "east_asia": st.sampled_from(["楷体_GB2312", "A&B \"字体\""])})
PPR = st.fixed_dictionaries({"style": st.sampled_from([IDS.body, IDS.heading(1), IDS.runin(2), IDS.title])},
                            optional={"jc": st.sampled_from(["left", "right"]), "before": st.sampled_from([Pt(10)])})


@settings(max_examples=300, deadline=None)
@given(TEXT, RPR)
def test_a_run_written_as_text_is_what_lxml_writes(text, props):
    want = oxml.fragment(oxml.run(text, oxml.rpr_copy(**props) if props else None))
    assert oxml.run_xml(text, oxml.rpr_xml(**props) if props else "") == want


@settings(max_examples=200, deadline=None)
@given(PPR, st.lists(st.tuples(TEXT, RPR), max_size=3))
def test_a_paragraph_written_as_text_is_what_lxml_writes(ppr, runs):
    want = oxml.fragment(oxml.paragraph(oxml.ppr_copy(**ppr), *(oxml.run(t, oxml.rpr_copy(**r) if r else None)
                                                               for t, r in runs)))
    got = oxml.paragraph_xml(oxml.ppr_xml(**ppr), tuple(oxml.run_xml(t, oxml.rpr_xml(**r) if r else "")
                                                        for t, r in runs))
    assert got == want
    assert oxml.paragraph_xml(None) == oxml.fragment(oxml.paragraph(None))


def _body(paragraphs: list[str]) -> etree._Element:
    return oxml.parse_body(paragraphs)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(PPR, st.lists(st.tuples(TEXT, RPR), min_size=1, max_size=3)), min_size=1, max_size=4))
def test_punctuation_gets_runs_of_its_own_in_the_east_asian_face(paras):
    """Every “” ‘’ ： — … ends up in a run holding only such characters, whose four font slots name the East Asian
    face the text around it has (its own, its character style's, its paragraph style's); all else keeps its run's
    properties; the text reads the same."""
    faces = east_asian_faces(DEFAULT)
    written = [oxml.paragraph_xml(oxml.ppr_xml(**ppr), tuple(oxml.run_xml(t, oxml.rpr_xml(**r) if r else "")
                                                             for t, r in runs)) for ppr, runs in paras]
    before = _body(written)
    after = _body([oxml.east_asian_punctuation("".join(written), PUNCT, faces, DEFAULT.fonts.body)])
    for p_before, p_after, (ppr, runs) in zip(before, after, paras, strict=True):
        assert "".join(p_after.itertext()) == "".join(p_before.itertext())
        pieces = iter(p_after.findall(f"{W}r"))
        for text, props in runs:
            face = props.get("east_asia") or faces.get(props.get("style", ""), None) or faces[ppr["style"]]
            own = oxml.rpr_xml(**props) if props else ""
            split = [s for s in re.split(f"([{re.escape(PUNCT)}]+)", text) if s] if set(text) & set(PUNCT) else [text]
            for piece in split:
                r = next(pieces)
                assert r.findtext(f"{W}t") == piece
                fonts = r.find(f"{W}rPr/{W}rFonts")
                if piece.strip(PUNCT) or not piece:  # not punctuation: the run as it was written
                    props_now = r.find(f"{W}rPr")
                    assert (oxml.fragment(copy.deepcopy(props_now)) if props_now is not None else "") == own
                else:
                    assert {k.removeprefix(W): v for k, v in fonts.attrib.items()} == {
                        "ascii": face, "hAnsi": face, "eastAsia": face, "cs": face, "hint": "eastAsia"}
        assert next(pieces, None) is None
