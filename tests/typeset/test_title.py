"""Title breaking and signature placement: properties over many titles, and the standard's worked cases."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.typeset.document import signature_indents
from reportgen.typeset.profile import DEFAULT as P
from reportgen.typeset.title import balance, width

PLACES = st.sampled_from(["寅阳镇", "长沙镇", "贡川镇", "广阳镇", "青禾镇", "新安街道", "白马镇"])
COUNTIES = st.sampled_from(["启东市", "梅江区", "永安市", "南岸区", "示例县", "阿拉善左旗"])
DOCS = st.sampled_from(["", "贯彻落实《法治政府建设实施纲要（2021—2025年）》", "推进“八五”普法"])


@settings(max_examples=300)
@given(COUNTIES, PLACES, st.integers(2000, 2100), DOCS, st.sampled_from(["情况的报告", "工作报告", "年度报告"]))
def test_balanced_lines_fit_and_never_split_names_numbers_or_brackets(county, town, year, doc, tail):
    issuer = f"{county}{town}人民政府"
    title = f"{issuer}关于{year}年{doc}法治政府建设{tail}"
    lines = balance(title, 20, (county, town, issuer))
    assert "".join(lines) == title
    assert all(width(line) <= 20 for line in lines)
    joins = [sum(len(x) for x in lines[:i]) for i in range(1, len(lines))]
    for cut in joins:
        protected = re.findall(r"《[^》]+》|“[^”]+”", doc)
        for word in (county, town, f"{year}年", "人民政府", "法治政府建设", *protected):
            start = title.find(word)
            assert not (start < cut < start + len(word)), (title, lines, word)
        assert title[cut] not in "，。、）》”的"
    if len(lines) > 1 and not protected:  # balanced (a long 《…》 may force uneven lines)
        widths = [width(x) for x in lines]
        assert max(widths) - min(widths) <= 8


def test_short_titles_stay_on_one_line():
    assert balance("梅江区长沙镇2023年法治政府建设年度报告", 20) == ["梅江区长沙镇2023年法治政府建设年度报告"]


def test_unsealed_signature_and_date_follow_the_standard():
    sig, date = signature_indents(P, "永安市贡川镇人民政府", "2023年12月26日", sealed=False)
    assert sig == 2  # 署名右空二字
    sig_start = 28 - sig - width("永安市贡川镇人民政府")
    date_start = 28 - date - width("2023年12月26日")
    assert date_start - sig_start == 2  # 日期首字比署名首字右移二字
    # a date longer than the signature: the date keeps 右空二字 and the signature moves left
    sig, date = signature_indents(P, "某镇政府", "2023年12月26日", sealed=False)
    assert date == 2 and sig == date + width("2023年12月26日") + 2 - width("某镇政府")


def test_sealed_date_is_four_characters_from_the_right_with_the_signature_centred_over_it():
    sig, date = signature_indents(P, "永安市贡川镇人民政府", "2023年12月26日", sealed=True)
    assert date == 4
    centre_sig = sig + width("永安市贡川镇人民政府") / 2
    centre_date = date + width("2023年12月26日") / 2
    assert abs(centre_sig - centre_date) < 1e-9
