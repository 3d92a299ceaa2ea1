"""Standard phrasing only where the town said nothing, every standard passage listed and markable; the town's own
headings, opening, leaders' duties and causes; last year's files still build."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from conftest import MINIMAL, ROOT

from reportgen.api import render
from reportgen.cli import main

SAMPLE = ROOT / "inputs" / "qinghe-2025.yaml"
LEGACY = sorted((Path(__file__).parent / "data" / "legacy").glob("*.yaml"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _under(built, heading_text: str):
    """The blocks from the heading with `heading_text` up to the next heading of the same or a higher level."""
    blocks = built.blocks
    i = next(i for i, b in enumerate(blocks) if b.kind == "heading" and b.text.startswith(heading_text))
    level = blocks[i].level
    out = [blocks[i]]
    for b in blocks[i + 1:]:
        if b.kind == "heading" and b.level <= level:
            break
        out.append(b)
    return out


def test_own_text_gets_no_standard_paragraph_beside_it(write_yaml):
    own = "本镇今年把“街巷议事会”开到了每个网格。"
    bare = render(write_yaml(MINIMAL))
    mine = render(write_yaml(MINIMAL.replace("      facts:", f"      heading: 规范执法\n      text: {own}\n      facts:")))
    assert any(b.std for b in _under(bare, bare.blocks[[b.part for b in bare.blocks].index("measures") + 1].text))
    topic = _under(mine, "规范执法")
    assert [b.std for b in topic] == [(), ()]  # heading and paragraph: the town's own, nothing added
    assert topic[1].plain.startswith(own)


def test_items_are_the_topics_words_no_standard_paragraph_above_them(write_yaml):
    text = MINIMAL.replace("      facts: [{label: 开展行政检查, count: 10, unit: 件}]",
                           "      items:\n        - text: 推行执法全过程记录。\n        - text: 完成执法证件清理。")
    built = render(write_yaml(text))
    part1 = [b for b in built.blocks if b.kind == "body" and ("推行执法" in b.text or "完成执法" in b.text)]
    assert len(part1) == 2
    i = built.blocks.index(part1[0])
    assert built.blocks[i - 1].kind == "heading"  # straight under the topic heading: no standard paragraph between


def test_every_standard_passage_is_listed_and_markable(tmp_path):
    built = render(SAMPLE)
    passages = built.standard
    assert len(passages) >= 20
    for p in passages:
        assert p.text and p.text in built.text and p.key and p.where
    marked = render(SAMPLE, mark=True)
    plain_doc, marked_doc = (docx.Document(io.BytesIO(b.docx)) for b in (built, marked))
    assert [p.text for p in plain_doc.paragraphs] == [p.text for p in marked_doc.paragraphs]  # same words
    assert not plain_doc.element.body.findall(f".//{W}highlight")
    highlighted = "".join(r.text for p in marked_doc.paragraphs for r in p.runs
                          if r._r.find(f"{W}rPr/{W}highlight") is not None)
    assert highlighted == "".join(p.text for p in passages)  # exactly the standard passages, nothing else

    out = tmp_path / "q.docx"
    result = CliRunner().invoke(main, ["build", str(SAMPLE), "-o", str(out), "-v"])
    assert result.exit_code == 0 and f"标准表述 {len(passages)} 处" in result.output
    assert all(p.text[:20] in result.output for p in passages)


def test_a_fact_the_input_lacks_is_never_stated_as_a_number():
    """Standard passages carry no numbers: every number in the report comes from the input."""
    for p in render(SAMPLE).standard:
        assert not re.search(r"\d", p.text.replace("2021—2025", "").replace("2025", "").replace("2026", "")), p


def test_own_part_headings_and_opening(write_yaml):
    text = MINIMAL.replace("measures:\n", "opening:\n  text: 一年来，试点镇坚持依法行政。\nmeasures:\n  heading: 主要做法和成效\n")
    text = text.replace("shortcomings:\n", "shortcomings:\n  heading: 存在的问题\n")
    text = text.replace("leaders: {}", "leaders: {heading: 主要负责人履职情况}")
    text = text.replace("plans:\n", "plans:\n  heading: 下一步打算\n") + "other: {heading: 需要说明的其他事项, text: 无其他事项。}\n"
    built = render(write_yaml(text))
    level1 = {b.part: b.text for b in built.blocks if b.kind == "heading" and b.level == 1}
    assert level1 == {"measures": "主要做法和成效", "shortcomings": "存在的问题", "leaders": "主要负责人履职情况",
                      "plans": "下一步打算", "other": "需要说明的其他事项"}
    first = next(b for b in built.blocks if b.kind == "body")
    assert first.text == "一年来，试点镇坚持依法行政。" and not first.std  # no standard opening beside it
    assert "无其他事项。" in built.text


def test_leaders_duties_of_secretary_and_head(write_yaml):
    text = MINIMAL.replace("leaders: {}", """leaders:
  secretary:
    name: 王明
    facts: [{label: 主持召开党委会议专题研究法治建设, count: 4, unit: 次}]
    law_report: true
  mayor:
    text: 镇长带头参加旁听庭审。""")
    built = render(write_yaml(text))
    part = "\n".join(b.plain for b in built.blocks if b.part == "leaders" or b.kind == "body")
    assert re.search(r"镇党委书记王明[^。]*主持召开党委会议专题研究法治建设4次[^。]*述法", part)
    assert "镇长带头参加旁听庭审。" in part


def test_township_titles_follow_the_kind_of_township(write_yaml):
    text = MINIMAL.replace("试点镇", "试点乡")
    built = render(write_yaml(text))
    assert "乡党委书记" in built.text and "乡长" in built.text and "镇党委书记" not in built.text


def test_leaders_part_carries_its_weight():
    built = render(SAMPLE)
    body = [b for b in built.blocks if b.kind in ("body", "heading")]
    share = sum(len(b.plain) for b in _under(built, next(b.text for b in body if b.part == "leaders")))
    assert share / sum(len(b.plain) for b in body) >= 0.08
    assert "镇党委书记" in built.text and "镇长" in built.text and "述法" in built.text


def test_causes_subjective_and_objective(write_yaml):
    text = MINIMAL.replace("  items: [{area: publicity}]\nleaders",
                           "  items: [{problem: 普法形式单一, cause: {subjective: 创新意识不强。, objective: 专业力量不足。}}]\nleaders")
    built = render(write_yaml(text))
    assert "普法形式单一。从主观上看，创新意识不强；从客观上看，专业力量不足。" in built.text


@pytest.mark.parametrize("path", LEGACY, ids=[p.stem for p in LEGACY])
def test_last_years_files_still_validate_and_build(path):
    """The YAML every town wrote before inline facts and the new fields still builds, all parts present."""
    built = render(path)
    assert {"measures", "shortcomings", "leaders", "plans", "other"} <= {b.part for b in built.blocks}
    assert "【" not in built.text
