"""Year over year: the same fact in two years, compared in words the templates give, checked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

from reportgen import yoy
from reportgen.api import render
from reportgen.errors import InputError, UsageError
from reportgen.load import load

TOWN = """\
year: {year}
{previous}town: {{name: 试点镇, issuer: 试点县试点镇人民政府}}
measures:
  topics:
    - area: enforcement
      facts:
{facts}
    - area: disputes
      text: 全年排查矛盾纠纷【{inline}件】，调解成功率【{rate}%】。
shortcomings:
  items: [{{area: publicity}}]
leaders: {{}}
plans:
  items: [{{area: publicity}}]
"""


def _pair(tmp_path: Path, before: list[str], now: list[str], inline: tuple[str, str] = ("201", "218"),
          rate: tuple[str, str] = ("96.4", "96.8")) -> Path:
    def facts(lines: list[str]) -> str:
        return "\n".join(f"        - {line}" for line in lines)

    (tmp_path / "t-2023.yaml").write_text(TOWN.format(year=2023, previous="", facts=facts(before),
                                                      inline=inline[0], rate=rate[0]), encoding="utf-8")
    path = tmp_path / "t-2024.yaml"
    path.write_text(TOWN.format(year=2024, previous="previous: t-2023.yaml\n", facts=facts(now), inline=inline[1],
                                rate=rate[1]), encoding="utf-8")
    return path


def _text(path: Path) -> str:
    return render(path).text


@pytest.mark.parametrize(("before", "now", "said"), [
    ("{label: 开展行政检查, count: 201, unit: 次}", "{label: 开展行政检查, count: 218, unit: 次}",
     "开展行政检查218次（同比增加17次、增长8.5%）"),
    ("{label: 开展行政检查, count: 218, unit: 次}", "{label: 开展行政检查, count: 201, unit: 次}",
     "开展行政检查201次（同比减少17次、下降7.8%）"),
    ("{label: 开展行政检查, count: 30, unit: 次}", "{label: 开展行政检查, count: 30, unit: 次}",
     "开展行政检查30次（与上年持平）"),
    ("{label: 办理行政复议案件, count: 0, unit: 件}", "{label: 办理行政复议案件, count: 3, unit: 件}",
     "办理行政复议案件3件（上年为零）"),
    ("{label: 办理行政复议案件, count: 2, unit: 件}", "{label: 办理行政复议案件, count: 0, unit: 件}",
     "未发生行政复议案件（上年为2件）"),
    ("{label: 办理行政处罚案件, count: 3, unit: 件}", "{label: 办理行政处罚案件, count: 5, unit: 件}",
     "办理行政处罚案件5件（同比增加2件）"),  # a base under 10: no percentage
    ("{label: 执法人员持证率, rate: 96.4}", "{label: 执法人员持证率, rate: 96.8}", "执法人员持证率达96.8%（较上年提高0.4个百分点）"),
    ("{label: 执法人员持证率, rate: 98}", "{label: 执法人员持证率, rate: 95.5}", "执法人员持证率达95.5%（较上年下降2.5个百分点）"),
    ("{label: 收缴罚没款, amount: 40, unit: 万元}", "{label: 收缴罚没款, amount: 45.5, unit: 万元}",
     "收缴罚没款共45.5万元（同比增加5.5万元、增长13.8%）"),
    ("{label: 收缴罚没款, amount: 400000, unit: 元}", "{label: 收缴罚没款, amount: 45.5, unit: 万元}",
     "收缴罚没款共45.5万元（同比增加5.5万元、增长13.8%）"),  # 元 and 万元 are one measure
    ("{label: 发放宣传资料, count: 8000, unit: 份, approx: 余}", "{label: 发放宣传资料, count: 12000, unit: 份, approx: 余}",
     "发放宣传资料12000余份（较上年有所增加）"),  # approximate: the direction only
    ("{label: 调解成功率, rate: 95, approx: 以上}", "{label: 调解成功率, rate: 95, approx: 以上}",
     "调解成功率达95%以上（与上年基本持平）"),
])
def test_each_kind_of_change_reads_as_a_drafter_writes_it(tmp_path, before, now, said):
    assert said in _text(_pair(tmp_path, [before], [now]))


def test_inline_facts_get_the_comparison_right_after_the_number(tmp_path):
    text = _text(_pair(tmp_path, ["{label: 开展行政检查, count: 1, unit: 次}"], ["{label: 开展行政检查, count: 1, unit: 次}"]))
    assert "全年排查矛盾纠纷218件（同比增加17件、增长8.5%），调解成功率96.8%（较上年提高0.4个百分点）。" in text


def test_key_match_wins_over_a_changed_label_and_different_keys_never_match(tmp_path):
    keyed = _pair(tmp_path, ["{label: 开展行政执法检查, count: 100, unit: 次, key: enforcement.checks}"],
                  ["{label: 开展行政检查, count: 110, unit: 次, key: enforcement.checks}"])
    assert "开展行政检查110次（同比增加10次、增长10%）" in _text(keyed)
    other = _pair(tmp_path, ["{label: 开展行政检查, count: 100, unit: 次, key: enforcement.a}"],
                  ["{label: 开展行政检查, count: 110, unit: 次, key: enforcement.b}"])
    assert "开展行政检查110次。" in _text(other)


def test_label_match_normalises_lead_words_and_needs_the_same_measure():
    now = [yoy.LocatedFact(("a",), "全年共排查矛盾纠纷", "", "count", "218", "件")]
    same = [yoy.LocatedFact(("b",), "排查矛盾纠纷", "", "count", "201", "件")]
    other_unit = [yoy.LocatedFact(("b",), "排查矛盾纠纷", "", "count", "201", "次")]
    twice = [*same, yoy.LocatedFact(("c",), "排查矛盾纠纷", "", "count", "5", "件")]
    assert [(a.value, b.value) for a, b in yoy.match(now, same)] == [("218", "201")]
    assert yoy.match(now, other_unit) == []
    assert yoy.match(now, twice) == []  # ambiguous: one this year, two last year


def test_stale_facts_get_no_comparison(tmp_path):
    path = _pair(tmp_path, ["{label: 开展行政检查, count: 201, unit: 次}"],
                 ["{label: 开展行政检查, count: 201, unit: 次, stale: true}"])
    text = _text(path)
    assert "开展行政检查201次〔待更新〕。" in text


def test_without_previous_nothing_changes():
    for name in ("gongchuan-2023", "yinyang-2023"):
        loaded = load(EXAMPLES / f"{name}.yaml")
        assert yoy.load_previous(loaded) is None
    assert "同比" not in render(ROOT / "inputs" / "qinghe-2025.yaml").text


def test_a_missing_or_wrong_previous_names_both_files_and_the_line(tmp_path):
    path = _pair(tmp_path, ["{label: 开展行政检查, count: 1, unit: 次}"], ["{label: 开展行政检查, count: 1, unit: 次}"])
    (tmp_path / "t-2023.yaml").unlink()
    with pytest.raises(InputError) as err:
        render(path)
    message = err.value.format_message()
    assert f"{path}:2" in message and "t-2023.yaml" in message and "previous" in message
    (tmp_path / "t-2023.yaml").write_text("year: 2023\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        render(path)
    assert err.value.problems[0].line == 2 and any("t-2023.yaml" in p.file for p in err.value.problems[1:])
    with pytest.raises(UsageError):
        render(path, previous=tmp_path / "nowhere.yaml")
