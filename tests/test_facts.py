"""Facts: the kinds declared once, the inline notation 【218件】, and how a fact reads in a sentence."""

from __future__ import annotations

import io
import json

import docx
import pytest
from click.testing import CliRunner
from conftest import MINIMAL, ROOT

from reportgen import derive, facts
from reportgen.api import render
from reportgen.cli import main

INLINE = MINIMAL.replace("""      facts: [{label: 开展行政检查, count: 10, unit: 件}]""",
                         """      text: 全年排查矛盾纠纷【218件】，成功调解【211件】，调解成功率【96.79%=211/218】，涉及金额【385.6万元】。
      facts: [{label: 开展行政检查, count: 10, unit: 次}]""")


def test_schema_fact_definition_is_generated_from_the_kinds():
    schema = json.loads((ROOT / "schema.json").read_text(encoding="utf-8"))
    assert schema["$defs"]["fact"] == facts.schema_def(), (
        "schema.json's fact definition drifted from facts.KINDS: regenerate it from facts.schema_def()")
    assert [b["required"][0] for b in schema["$defs"]["fact"]["oneOf"]] == [k.field for k in facts.KINDS]


@pytest.mark.parametrize("typed, shown, kind, unit, approx", [
    ("【218件】", "218件", "count", "件", ""),
    ("【96.79%=211/218】", "96.79%", "rate", "%", ""),
    ("【546.54万元】", "546.54万元", "amount", "万元", ""),
    ("【5.1万人】", "5.1万人", "count", "万人", ""),
    ("【30000余份】", "30000余份", "count", "份", "余"),
    ("【约8000份】", "约8000份", "count", "份", "约"),
    ("【95%以上】", "95%以上", "rate", "%", "以上"),
    ("【100余人次】", "100余人次", "count", "人次", "余"),
    ("【218件|disputes.found】", "218件", "count", "件", ""),
])
def test_inline_fact_prints_as_typed_and_stays_typed(typed, shown, kind, unit, approx):
    text = f"全年排查化解矛盾纠纷{typed}，成效明显。"
    assert facts.plain(text) == f"全年排查化解矛盾纠纷{shown}，成效明显。"
    (fact,) = derive.inline(text)
    assert (fact.kind, fact.unit, fact.approx, fact.shown) == (kind, unit, approx, shown)
    assert fact.label == "全年排查化解矛盾纠纷" and fact.verb == "排查"


def test_a_bracket_without_a_number_is_the_towns_own_text():
    assert facts.plain("开展【春风送法】主题活动") == "开展【春风送法】主题活动"
    assert derive.inline("开展【春风送法】主题活动") == []


def test_inline_facts_build_in_place_and_the_notation_never_shows(write_yaml):
    built = render(write_yaml(INLINE))
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(built.docx)).paragraphs)
    assert "全年排查矛盾纠纷218件，成功调解211件，调解成功率96.79%，涉及金额385.6万元。" in text
    assert "【" not in text and "=211/218" not in text


@pytest.mark.parametrize("typed, message", [
    ("【２１８件】", "全角"),
    ("【218】", "缺少量词"),
    ("【96.5%=110/115】", "110 ÷ 115"),
    ("【12.5件】", "整数"),
    ("【120%】", "超过了 100%"),
    ("【约30余份】", "不是能识别"),
    ("【218件=1/2】", "只有百分比"),
])
def test_bad_inline_facts_are_refused_at_their_line(write_yaml, typed, message):
    path = write_yaml(INLINE.replace("【218件】", typed))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 3, result.output
    assert f"{path}:6" in result.output and "measures.topics[0].text" in result.output and message in result.output


def test_inline_fact_in_a_heading_is_refused(write_yaml):
    path = write_yaml(INLINE.replace("- area: enforcement", "- area: enforcement\n      heading: 检查【12次】"))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 3 and "只能用在段落文字里" in result.output


def test_inline_fact_in_a_block_scalar_is_located_on_its_own_line(write_yaml):
    text = INLINE.replace("      text: 全年排查", "      text: |\n        第一段。\n        全年排查").replace("【218件】", "【218】")
    path = write_yaml(text)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 3 and f"{path}:8:" in result.output  # the second line of the block


@pytest.mark.parametrize("label, count, unit, reads", [
    ("开展行政检查", 146, "次", "开展行政检查146次"),
    ("办理行政复议案件", 0, "件", "未发生行政复议案件"),
    ("新增规范性文件", 0, "件", "未新增规范性文件"),
    ("镇政府发生行政应诉案件", 0, "件", "未发生行政应诉案件"),
    ("“法律明白人”队伍", 40, "人", "“法律明白人”队伍共40人"),
])
def test_a_fact_on_its_own_reads_with_a_verb(write_yaml, label, count, unit, reads):
    path = write_yaml(MINIMAL.replace("{label: 开展行政检查, count: 10, unit: 件}",
                                      f"{{label: {label}, count: {count}, unit: {unit}}}"))
    assert reads in render(path).text


def test_a_rate_reads_with_its_verb(write_yaml):
    path = write_yaml(MINIMAL.replace("{label: 开展行政检查, count: 10, unit: 件}",
                                      "{label: 开展行政检查, count: 10, unit: 次}, {label: 负责人出庭应诉率, rate: 100},"
                                      " {label: 参考率、合格率均为, rate: 100}"))
    text = render(path).text
    assert "负责人出庭应诉率达100%" in text and "参考率、合格率均为100%" in text and "均为达" not in text


def test_measure_word_and_verb_are_warned_with_the_fix(write_yaml):
    path = write_yaml(MINIMAL.replace("{label: 开展行政检查, count: 10, unit: 件}",
                                      "{label: 列席会议, count: 4, unit: 件}, {label: 行政复议案件, count: 3, unit: 件}"))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0
    assert "“会议”一般用“次”计量" in result.output and "把量词改为“次”" in result.output
    assert "不是以动词开头" in result.output and "facts[1].label" in result.output


@pytest.mark.parametrize("name, kind, reads", [
    ("领导干部走流程", "活动", "“领导干部走流程”活动"),
    ("枫桥经验", None, "新时代“枫桥经验”"),
    ("百千万工程", None, "“百千万工程”"),
    ("八五", None, "“八五”普法规划"),
    ("长沙夜访", None, "“长沙夜访”行动"),
])
def test_an_initiative_is_attached_to_what_it_names(write_yaml, name, kind, reads):
    item = f"{{name: {name}, kind: {kind}}}" if kind else name
    path = write_yaml(MINIMAL.replace("      facts: [{label: 开展行政检查, count: 10, unit: 件}]",
                                      f"      initiatives: [{item}]"))
    text = render(path).text
    assert reads in text
    sentence = next(s for s in text.split("。") if f"“{name}”" in s)
    assert len(sentence.split("，")) > 1  # never a bare 「推进“X”。」: a clause says what it serves


def test_an_initiative_of_unknown_kind_is_warned(write_yaml):
    path = write_yaml(MINIMAL.replace("      facts: [{label: 开展行政检查, count: 10, unit: 件}]",
                                      "      initiatives: [\"3.15\"]"))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert "看不出“3.15”是活动、机制还是品牌" in result.output and "kind: 活动" in result.output
    unquoted = CliRunner().invoke(main, ["validate", str(write_yaml(path.read_text().replace('"3.15"', "3.15")))])
    assert unquoted.exit_code == 3 and '写成 "3.15"' in unquoted.output


@pytest.mark.parametrize("doc, verb", [
    ("中华人民共和国行政处罚法", "认真贯彻实施《中华人民共和国行政处罚法》|严格执行《中华人民共和国行政处罚法》"),
    ("{name: 三明市创建全国法治政府建设示范市法律知识, by: own}", "制定印发《三明市|研究制定《三明市"),
    ("福建省行政执法条例释义", "认真贯彻落实《福建省|贯彻落实《福建省"),
    ("试点镇村规民约指导意见", "制定印发《试点镇|研究制定《试点镇"),
])
def test_a_document_gets_the_verb_for_whose_it_is(write_yaml, doc, verb):
    path = write_yaml(MINIMAL.replace("      facts: [{label: 开展行政检查, count: 10, unit: 件}]",
                                      f"      documents: [{doc}]"))
    text = render(path).text
    assert any(v in text for v in verb.split("|")), text


def test_adjacent_names_take_no_dunhao(write_yaml):
    path = write_yaml(MINIMAL.replace("      facts: [{label: 开展行政检查, count: 10, unit: 件}]",
                                      "      documents: [中华人民共和国宪法, 中华人民共和国民法典]"))
    assert "《中华人民共和国宪法》《中华人民共和国民法典》" in render(path).text
