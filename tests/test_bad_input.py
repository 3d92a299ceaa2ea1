"""Bad input ends with exit 3 (or 2), a Chinese message naming the line, no traceback, and no clobbered output.

A start on issue 4's corpus: each case here exercises load.py, schema/ or compose.py as they stand.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import MINIMAL

from reportgen.cli import main

CASES = {
    "duplicate key": (MINIMAL + "year: 2025\n", 3, ":12:1", "重复"),
    "tab indent": (MINIMAL.replace("  topics:", "\ttopics:"), 3, ":4:1", "Tab"),
    "unknown key": (MINIMAL.replace("leaders: {}", "leader: {}"), 3, ":9:1", "leaders"),
    "missing required": (MINIMAL.replace("leaders: {}\n", ""), 3, ":1:1", "缺少必填的键 “leaders”"),
    "wrong type": (MINIMAL.replace("year: 2024", "year: 二〇二四"), 3, ":1:1", "应当是整数"),
    "negative count": (MINIMAL.replace("count: 10", "count: -3"), 3, ":6:", "不能小于 0"),
    "rate above 100": (MINIMAL.replace("count: 10, unit: 件", "rate: 120"), 3, ":6:", "不能大于 100"),
    "rate contradicts counts": (MINIMAL.replace("count: 10, unit: 件", "rate: 90, of: [63, 65]"), 3, ":6:",
                                "63 ÷ 65 = 97%"),
    "impossible date": (MINIMAL + "signature: {date: 2024年2月30日}\n", 3, ":12:", "不是日历上存在的日期"),
    "leading zero date": (MINIMAL + "signature: {date: 2024年02月03日}\n", 3, ":12:", "写法不符合要求"),
    "bad document number": (MINIMAL + "header:\n  mark: 试点镇人民政府文件\n  number: 试政[2024]第01号\n", 3,
                            ":14:", "写法不符合要求"),
    "control character": (MINIMAL.replace("开展行政检查", "开展行政\x01检查").replace("\x01", "\\x01").replace(
        "{label: 开展行政\\x01检查", '{label: "开展行政\\x01检查"'), 3, ":6:", "控制字符"),
    "empty file": ("", 3, ":1", "空的"),
    "top-level list": ("- year: 2024\n", 3, ":1", "最外层是列表"),
    "syntax error": (MINIMAL.replace("leaders: {}", "leaders: {"), 3, ":", "YAML 格式错误"),
    "full-width digits": (MINIMAL.replace("count: 10", "count: １２"), 3, ":6:", "改成半角数字：12"),
    "count and rate together": (MINIMAL.replace("count: 10", "count: 10, rate: 50"), 3, ":6:", "恰好选一种"),
    "count without unit": (MINIMAL.replace("count: 10, unit: 件", "count: 10"), 3, ":6:", "恰好选一种"),
    "part above whole": (MINIMAL.replace("count: 10, unit: 件", "rate: 50, of: [70, 65]"), 3, ":6:", "大于总数"),
    "date before the year": (MINIMAL + "signature: {date: 2023年5月1日}\n", 3, ":12:", "早于报告年度"),
    "unknown area": (MINIMAL.replace("area: enforcement", "area: enforcment"), 3, ":5:", "不是可选的值"),
    "title line too long": (MINIMAL + "title_lines: [一二三四五六七八九十一二三四五六七八九十一]\n", 3, ":12:", "最多 20 个字"),
    "top-level scalar": ("just a sentence\n", 3, ":1", "最外层是单个值"),
    "misspelt fact key": (MINIMAL.replace("unit: 件", "unti: 件"), 3, ":6:", "是不是想写 “unit”"),
    "line break in a one-line field": (MINIMAL.replace("{label: 开展行政检查,", '{label: "开展\\n行政检查",'), 3, ":6:",
                                       "只能写一行"),
    "billion laughs": ("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)), 3, ":1", "超过"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_in_chinese_and_leaves_the_old_output(tmp_path, case):
    text, code, where, words = CASES[case]
    src = tmp_path / "town.yaml"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "town.docx"
    out.write_bytes(b"an earlier good report")
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert f"{src}{where}" in result.output and words in result.output, result.output
    assert out.read_bytes() == b"an earlier good report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["town.docx", "town.yaml"]  # no temporary left over


def test_all_errors_of_a_file_are_reported_at_once(tmp_path):
    src = tmp_path / "town.yaml"
    src.write_text(MINIMAL.replace("year: 2024", "year: 1900").replace("count: 10", "count: -1").replace(
        "leaders: {}", "leader: {}"), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(src)], catch_exceptions=False)
    assert result.exit_code == 3
    assert "输入文件有 4 处错误" in result.output  # year, count, unknown key, missing leaders
    lines = [ln for ln in result.output.splitlines() if ln.startswith(str(src) + ":")]
    assert [ln.split(":")[1] for ln in lines] == sorted((ln.split(":")[1] for ln in lines), key=int)


def test_undecodable_file_is_refused_with_how_to_resave(tmp_path):
    src = tmp_path / "town.yaml"
    src.write_bytes(MINIMAL.encode() + b"other: \xff\xff\xff\n")
    result = CliRunner().invoke(main, ["validate", str(src)], catch_exceptions=False)
    assert result.exit_code == 3 and f"{src}:12" in result.output and "另存为" in result.output


def test_utf8_bom_is_fine(tmp_path):
    src = tmp_path / "town.yaml"
    src.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert CliRunner().invoke(main, ["validate", str(src)], catch_exceptions=False).exit_code == 0


def test_gbk_file_is_read_with_a_notice(tmp_path):
    src = tmp_path / "gbk.yaml"
    src.write_bytes(MINIMAL.encode("gb18030"))
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(tmp_path / "gbk.docx")], catch_exceptions=False)
    assert result.exit_code == 0 and "GBK/GB18030" in result.output


@pytest.mark.parametrize("region", ["../../etc", "Base", "a/b"])
def test_region_cannot_leave_templates(tmp_path, region):
    src = tmp_path / "town.yaml"
    src.write_text(MINIMAL, encoding="utf-8")
    out = tmp_path / "x.docx"
    out.write_bytes(b"earlier")
    result = CliRunner().invoke(main, ["build", str(src), "--region", region, "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 2 and "不合法" in result.output and "Traceback" not in result.output
    assert out.read_bytes() == b"earlier"


@pytest.mark.parametrize("case", sorted(c for c in CASES if CASES[c][3] not in (
    "重复", "Tab", "空的", "最外层是列表", "最外层是单个值", "YAML 格式错误", "超过", "控制字符", "大于总数",
    "不是日历上存在的日期", "早于报告年度", "63 ÷ 65 = 97%")))
def test_the_fast_validator_rejects_what_jsonschema_rejects(case):
    """The compiled fast path must never wave through input that jsonschema would refuse."""
    import yaml

    from reportgen.schema.validate import is_valid

    assert not is_valid(yaml.safe_load(CASES[case][0]))
