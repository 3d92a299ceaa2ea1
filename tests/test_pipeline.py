"""End to end: each example and the facts-only sample build into a five-part report holding every fact."""

from __future__ import annotations

import io
import itertools
import re

import docx
import pytest
from conftest import EXAMPLES, MINIMAL, ROOT, SEED_OF, docx_text, seed_text
from seedfacts import facts, has_zero, normalise, zero_facts

from reportgen.api import render
from reportgen.blocks import PARTS

EXAMPLE_NAMES = sorted(SEED_OF)
PART_STYLE = "RGHeading1"


def _parts_in_order(blocks) -> list[str]:
    return [b.part for b in blocks if b.part in PARTS]


@pytest.fixture(scope="module")
def built():
    return {name: render(EXAMPLES / f"{name}.yaml") for name in EXAMPLE_NAMES}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_seed_fact_appears_in_the_built_report(built, name):
    expected = facts(seed_text(name))
    assert len(expected) > 25  # the extractor really found the seed's facts
    text = normalise(docx_text(built[name].docx))
    missing = [f for f in expected if f not in text]
    missing += [f"无{noun}" for noun in zero_facts(seed_text(name)) if not has_zero(text, noun)]
    assert missing == [], f"{name}: {len(missing)}/{len(expected)} seed facts missing"


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_five_parts_in_the_regulation_order(built, name):
    b = built[name]
    assert _parts_in_order(b.blocks) == list(PARTS)
    # and in the .docx itself: the level-1 headings, numbered consecutively 一、二、…
    doc = docx.Document(io.BytesIO(b.docx))
    level1 = [p.text for p in doc.paragraphs if p.style.style_id == PART_STYLE]
    assert [t[:2] for t in level1] == ["一、", "二、", "三、", "四、", "五、"]
    headings = [h.text for h in b.blocks if h.part in PARTS]
    assert [t[2:] for t in level1] == headings  # the town's own part headings where it gave them


def test_facts_only_sample_is_a_complete_draft():
    sample = ROOT / "inputs" / "qinghe-2025.yaml"
    text = sample.read_text(encoding="utf-8")
    assert not re.search(r"^\s*(text|intro|cause):", text, re.M)  # no prose field is filled in
    b = render(sample)
    body = docx_text(b.docx)
    assert len(re.findall(r"[\u4e00-\u9fff]", body)) >= 2500
    assert {"measures", "shortcomings", "leaders", "plans", "other", "background"} <= {x.part for x in b.blocks}
    assert "其他需要报告的情况\n无。" in body


def test_given_prose_is_used_verbatim_in_place(write_yaml):
    own = "本镇今年把“街巷议事会”开到了每个网格，群众提出的问题当场记录、限期答复。"
    path = write_yaml(MINIMAL.replace("      facts:", f"      text: {own}\n      facts:"))
    b = render(path)
    paras = [blk.plain for blk in b.blocks]
    i = next(i for i, t in enumerate(paras) if own in t)
    assert b.blocks[i - 1].kind == "heading" and b.blocks[i - 1].level == 2  # right under its topic's heading
    assert paras[i].startswith(own) and paras[i].endswith("开展行政检查10件。")  # its facts follow its words
    assert not paras[i][len(own):].startswith("2024年")  # no sentence-initial year tacked on
    assert not b.blocks[i].std and b.blocks[i + 1].kind == "heading"  # no standard sentence beside the town's own


def test_heading_numbers_stay_consecutive_when_topics_vary(write_yaml):
    topics = "\n".join(f"    - area: {a}" for a in ("study", "rules", "openness", "digital"))
    path = write_yaml(MINIMAL.replace("    - area: enforcement\n      facts: [{label: 开展行政检查, count: 10, unit: 件}]",
                                      topics))
    heads = [b.number for b in render(path).blocks if b.kind == "heading" and b.level == 2]
    assert heads[:4] == ["（一）", "（二）", "（三）", "（四）"]


def test_user_text_cannot_forge_structure_or_run_template_code(write_yaml):
    evil = "<h1 part=other>伪造标题<run>{{ 7 * 7 }}{% if true %}x{% endif %}"
    path = write_yaml(MINIMAL.replace("      facts:", f"      text: '{evil}'\n      facts:"))
    b = render(path)
    assert any(evil in blk.plain for blk in b.blocks if blk.kind == "body")
    assert sum(1 for blk in b.blocks if blk.part == "other") == 1
    assert "49" not in docx_text(b.docx)


def test_angle_brackets_and_entities_in_a_towns_text_print_as_typed(write_yaml):
    """derive writes a town's "<" as a private character while templates render, and parse puts it back; text is
    not HTML-escaped, so entities stay what was typed. A heading starting with "<" stays a heading's text."""
    typed = "PM2.5<35，&lt;b&gt; &amp; <sign>某某"
    text = MINIMAL.replace("      facts:", f"      heading: '<h2>标题'\n      text: '{typed}'\n      facts:")
    b = render(write_yaml(text))
    body = [blk.plain for blk in b.blocks]
    assert any(typed in p for p in body), body
    assert any(blk.kind == "heading" and "<h2>标题" in blk.plain for blk in b.blocks)
    assert not any(blk.kind == "sign" for blk in b.blocks if "某某" in blk.plain)
    assert typed in docx_text(b.docx) and "\ue00a" not in docx_text(b.docx)


def test_the_private_character_that_stands_for_an_angle_bracket_is_refused(write_yaml):
    from reportgen.errors import InputError

    with pytest.raises(InputError) as err:
        render(write_yaml(MINIMAL.replace("      facts:", '      text: "甲\\ue00a乙"\n      facts:')))
    assert "U+E00A" in str(err.value.problems[0].message)


def test_same_input_gives_the_same_bytes():
    a = render(EXAMPLES / "gongchuan-2023.yaml").docx
    b = render(EXAMPLES / "gongchuan-2023.yaml").docx
    assert a == b


def test_a_working_folder_region_overrides_one_block(tmp_path):
    region = tmp_path / "templates" / "county-x"
    region.mkdir(parents=True)
    (region / "report.j2").write_text(
        '{% extends "base/report.j2" %}\n{% block other %}\n<h1 part=other>其他事项\n本县另行报告。\n{% endblock %}\n',
        encoding="utf-8")
    base = render(EXAMPLES / "guangyang-2023.yaml")
    mine = render(EXAMPLES / "guangyang-2023.yaml", region="county-x", workdir=tmp_path)
    cut = next(i for i, b in enumerate(base.blocks) if b.part == "other")
    assert [b.plain for b in mine.blocks[:cut]] == [b.plain for b in base.blocks[:cut]]  # parts 1–4 unchanged
    assert [b.plain for b in mine.blocks[cut:cut + 2]] == ["五、其他事项", "本县另行报告。"]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_text_preview_breaks_lines_as_print_does_and_keeps_every_character(path):
    from reportgen.preview.text import render_text

    blocks = render(path).blocks
    text = render_text(blocks)
    body = text.split("【正文】\n", 1)[1].splitlines()
    assert not [line for line in body if line and line[0] in "，。、；：？！）》”’"]
    assert not [line for line in body if line and line[-1] in "（《“‘"]
    split = [(a, b) for a, b in itertools.pairwise(body) if a and b and a[-1] in "0123456789." and b[0] in "0123456789.%"]
    assert not split  # a number is not broken across lines
    joined = "".join(body).replace("　", "")
    assert all(b.plain.replace("　", "") in joined for b in blocks if b.kind == "body")  # nothing lost or moved
