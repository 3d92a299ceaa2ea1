"""Issue 11, input side: numbers mean what was typed, YAML mistakes are named where they are, in Chinese,
and no input — odd characters, deep nesting, huge lists, aliases, FIFOs — ends in the apology (exit 1).

Each case runs `reportgen validate` or `build` and asserts exit 3, the file:line of the mistake, the words
of the message, and that neither the apology nor PyYAML's English reaches the clerk.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner
from conftest import MINIMAL, docx_text

from reportgen.cli import main
from reportgen.load import MAX_BYTES, MAX_DEPTH, MAX_ITEMS

APOLOGY = "意外错误"
FACT = "count: 10, unit: 件"


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _refused(path, where: str, *words: str, command: str = "validate") -> str:
    """Run `command` on `path`; it must exit 3 naming `path` + `where` and every one of `words`."""
    result = _run(command, str(path))
    out = result.output
    assert result.exit_code == 3, out
    assert APOLOGY not in out and "Traceback" not in out, out
    assert f"{path}{where}" in out, out
    for word in words:
        assert word in out, out
    return out


# ---- numbers are decimal as typed ------------------------------------------------------------------------

NUMBERS = {  # case → (what replaces `count: 10, unit: 件` in MINIMAL's line 6, words of the message)
    "leading zero is not octal": ("count: 010, unit: 件", ("八进制", "写成 10")),
    "hex": ("count: 0x10, unit: 件", ("十六进制", "读成 16")),
    "binary": ("count: 0b101, unit: 件", ("二进制",)),
    "octal 0o": ("count: 0o17, unit: 件", ("十进制",)),
    "leading zero YAML 1.1 keeps as text": ("count: 08, unit: 件", ("应当是数字", "写成 8")),
    "sexagesimal count": ("count: 1:20, unit: 件", ("六十进制", "读成 80", '"1:20"')),
    "sexagesimal amount": ("amount: 1:30.5, unit: 万元", ("六十进制", "90.5")),
    "underscore": ("count: 1_000, unit: 件", ("下划线", "写成 1000")),
    "nan rate": ("rate: .nan", ("不是一个数",)),
    "infinite count": ("count: .inf, unit: 件", ("不是一个数",)),
    "exponent": ("amount: 1.5e+3, unit: 万元", ("科学计数法", "写成 1500")),
    "more digits than a float holds": ("rate: 96.123456789012345678", ("15 位有效数字",)),
    "more digits than int() takes": ("count: 1" + "0" * 5000 + ", unit: 件", ("15 位有效数字",)),
    "whole float where of wants integers": ("rate: 50, of: [5.0, 10]", ("应当是整数", "写成 5")),
}


@pytest.mark.parametrize("case", sorted(NUMBERS))
def test_a_number_yaml_would_misread_is_refused_at_its_line(write_yaml, case):
    fact, words = NUMBERS[case]
    path = write_yaml(MINIMAL.replace(FACT, fact))
    _refused(path, ":6:", *words)


def test_a_whole_float_where_an_integer_is_wanted_is_refused_with_the_integer(write_yaml):
    path = write_yaml(MINIMAL + "background: {villages: 3.0}\n")
    _refused(path, ":12:", "应当是整数", "写成 3")
    path = write_yaml(MINIMAL.replace("year: 2024", "year: 2024.0"))
    _refused(path, ":1:", "应当是整数", "写成 2024", command="build")


def test_plain_decimals_and_whole_floats_in_number_fields_still_build(tmp_path, write_yaml):
    """The decimal forms stay numbers: +5 is 5; a decimal prints exactly as typed, so 546.50 (what a clerk
    types for money) prints as 546.50万元 and 100.0 as 100.0%, never as a float's digits."""
    text = (MINIMAL.replace(FACT, "count: +5, unit: 次")
            .replace("      facts: [", "      facts: [{label: 投入法治经费, amount: 546.50, unit: 万元}, "
                                       "{label: 行政复议纠错率, rate: 100.0}, "))
    out = tmp_path / "out.docx"
    result = _run("build", str(write_yaml(text)), "-o", str(out))
    assert result.exit_code == 0, result.output
    body = docx_text(out)
    assert "5次" in body and "546.50万元" in body and "100.0%" in body, body


# ---- YAML syntax errors: where the bracket or quote began, in Chinese ---------------------------------------

SYNTAX = {  # case → (MINIMAL edited, file:line the message must name, words)
    "unclosed [ named where it opened": (
        MINIMAL.replace(f"{FACT}}}]", f"{FACT}}}"), ":6:", ("第 6 行的 “[” 没有配对的 “]”",)),
    "unclosed { far from where the parser stops": (
        MINIMAL.replace("issuer: 试点县试点镇人民政府}", "issuer: 试点县试点镇人民政府"), ":2:",
        ("第 2 行的 “{” 没有配对的 “}”",)),
    "unclosed quote": (MINIMAL.replace("{label: 开展行政检查,", '{label: "开展行政检查,'), ":6:",
                       ("双引号", "没有配对")),
    "missing colon": (MINIMAL.replace("leaders: {}", "leaders {}"), ":9:", ("缺少英文冒号",)),
    "colon inside a value": (MINIMAL + "title: 关于2024年: 法治政府建设情况的报告\n", ":12:", ("多了一个冒号",)),
    "character that cannot start a value": (MINIMAL + "title: @试点镇报告\n", ":12:", ("“@” 不能放在值的开头",)),
    "key out of line": (MINIMAL.replace("leaders: {}", " leaders: {}"), ":9:", ("缩进",)),
}
ENGLISH = ("could not find", "did not find", "mapping values", "found character", "expected", "end of stream",
           "while scanning", "while parsing")


@pytest.mark.parametrize("case", sorted(SYNTAX))
def test_a_yaml_syntax_error_is_named_in_chinese_where_it_began(write_yaml, case):
    text, where, words = SYNTAX[case]
    out = _refused(write_yaml(text), where, "YAML 格式错误", *words)
    assert not any(english in out for english in ENGLISH), out


# ---- separators and control characters ---------------------------------------------------------------------

@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_separator_in_a_one_line_field_is_refused_at_its_line(write_yaml, separator):
    path = write_yaml(MINIMAL + f"title: 关于2024年{separator}法治政府建设情况的报告\n")
    _refused(path, ":12:", f"U+{ord(separator):04X}", "只能写一行")
    quoted = write_yaml(MINIMAL.replace("area: publicity}]\nleaders", f'area: publicity, problem: "宣传{separator}不足"}}]\nleaders'))
    _refused(quoted, ":8:", f"U+{ord(separator):04X}", "shortcomings.items[0].problem")


def test_a_separator_in_paragraph_text_breaks_the_paragraph_like_a_new_line(tmp_path, write_yaml):
    """Decided: in text fields U+2028, U+2029 and U+0085 are paragraph breaks, as a line of a `|` block is;
    the lines after such a character keep the numbers an editor shows."""
    text = MINIMAL.replace("      facts:", "      text: 第一段写执法。\u2028第二段写检查。\u2029第三段写培训。\n      facts:")
    path = write_yaml(text + "title: [不是一行]\n")
    _refused(path, ":13:", "应当是文字")  # line 13 as the editor counts, not 15 as YAML 1.1 would
    out = tmp_path / "out.docx"
    result = _run("build", str(write_yaml(text)), "-o", str(out))
    assert result.exit_code == 0, result.output
    paragraphs = docx_text(out).splitlines()
    assert {"第一段写执法。", "第二段写检查。"} <= set(paragraphs), paragraphs
    assert any(p.startswith("第三段写培训。") for p in paragraphs), paragraphs


@pytest.mark.parametrize("char", ["\x01", "\x0b", "\x1e", "\x7f", "\x9f"])
def test_a_raw_control_character_is_named_with_its_line(write_yaml, char):
    path = write_yaml(MINIMAL.replace("开展行政检查", f"开展行政{char}检查"))
    out = _refused(path, ":6:27", f"U+{ord(char):04X}", "控制字符")
    assert "Tab" not in out


def test_every_control_character_of_a_file_is_listed(write_yaml):
    path = write_yaml(MINIMAL.replace("开展行政检查", "开展行政\x0b检查") + "title: 关于\x0c报告\n")
    _refused(path, ":12:", "U+000B（Word 的手动换行符）", "U+000C", "2 处错误")


# ---- dates, tags, timestamps ---------------------------------------------------------------------------------

def test_an_impossible_iso_date_is_refused_at_its_line(write_yaml):
    _refused(write_yaml(MINIMAL + "signature: {date: 2023-02-29}\n"), ":12:", "不是日历上存在的日期")


def test_an_iso_date_where_text_is_wanted_says_how_to_write_it(write_yaml):
    _refused(write_yaml(MINIMAL + "signature: {date: 2024-12-26}\n"), ":12:", "写成 2024年12月26日")


def test_an_explicit_yaml_tag_is_refused_at_its_line(write_yaml):
    _refused(write_yaml(MINIMAL + "signature: {date: !!timestamp 2024-02-30}\n"), ":12:", "!!timestamp")


# ---- bounds ----------------------------------------------------------------------------------------------------

def test_deep_nesting_is_refused_with_the_bound(write_yaml):
    path = write_yaml(MINIMAL + "other: " + "[" * 1000 + "x" + "]" * 1000 + "\n")
    _refused(path, ":12:", f"嵌套超过 {MAX_DEPTH} 层")


def test_nesting_deep_enough_to_crash_libyaml_is_refused_before_parsing(write_yaml):
    """libyaml's C composer recurses without a stack check: 100,000 levels kill the process (a worker, or
    `validate` itself). Run in a child process, so the old code fails this test rather than the test run."""
    path = write_yaml(MINIMAL + "other: " + "[" * 100_000 + "]" * 100_000 + "\n")
    done = subprocess.run([sys.executable, "-m", "reportgen", "validate", str(path)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 3, (done.returncode, done.stderr[-500:])
    assert f"{path}:12:" in done.stderr and f"嵌套超过 {MAX_DEPTH} 层" in done.stderr and APOLOGY not in done.stderr


def test_a_thousand_topics_are_refused_at_the_first_over_the_bound(write_yaml):
    topics = "".join("    - area: enforcement\n" for _ in range(1000))
    path = write_yaml(MINIMAL.replace("    - area: enforcement\n      facts: [{label: 开展行政检查, count: 10, unit: 件}]\n",
                                      topics))
    _refused(path, f":{5 + MAX_ITEMS}:", f"超过上限 {MAX_ITEMS} 项", "measures.topics[200]", command="build")


def test_a_file_over_the_size_bound_is_refused_before_parsing(write_yaml):
    path = write_yaml(MINIMAL + "# " + "注" * (MAX_BYTES // 3 + 10) + "\n")
    _refused(path, ":", "超过输入文件的上限 2 MB")


@pytest.mark.parametrize("said", [0, 10])
def test_a_file_larger_than_its_size_said_is_read_whole_and_bounded(write_yaml, monkeypatch, said):
    """load reads the size fstat gives and one byte more: a file that grew since (or a file system reporting 0)
    is read on to the end, and refused past the bound all the same."""
    from reportgen import load as loader

    real = os.fstat

    def fstat(fd):
        found = real(fd)
        return os.stat_result((found.st_mode, *tuple(found)[1:6], said, *tuple(found)[7:]))

    monkeypatch.setattr(loader.os, "fstat", fstat)
    small = write_yaml(MINIMAL)
    assert loader._read(small) == small.read_bytes()
    _refused(write_yaml(MINIMAL + "# " + "注" * (MAX_BYTES // 3 + 10) + "\n"), ":", "超过输入文件的上限 2 MB")


def test_aliases_cannot_expand_a_small_file_into_a_huge_document(write_yaml):
    """300 KB of input: one 100,000-character paragraph and aliases repeating it (a 300 MB document.xml)."""
    text = MINIMAL + "opening:\n  text: &p \"" + "法" * 100_000 + "\"\n" + "  guidance: [" + ", ".join(["*p"] * 150) + "]\n"
    assert len(text.encode()) < 400_000
    _refused(write_yaml(text), ":1:", "文件展开后超过", "第 13 行的内容被反复引用")


# ---- what is not a regular file is refused before reading ------------------------------------------------------

def test_a_folder_fifo_or_device_among_the_inputs_is_refused_and_the_rest_checked(tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "a-good.yaml").write_text(MINIMAL, encoding="utf-8")
    (folder / "b-folder.yaml").mkdir()
    (folder / "c-device.yaml").symlink_to(os.devnull)
    fifo = folder / "d-fifo.yaml"
    os.mkfifo(fifo)

    def writer() -> None:  # the old code opened the FIFO and waited: give it something, so it fails, not hangs
        try:
            with open(fifo, "w", encoding="utf-8") as f:
                f.write(MINIMAL)
        except OSError:
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        result = _run("validate", str(folder))
    finally:
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # let the writer finish if nobody read
        thread.join(5)
    out = result.output
    assert result.exit_code == 3, out
    assert f"✓ {folder / 'a-good.yaml'}" in out and APOLOGY not in out, out
    assert f"{folder / 'b-folder.yaml'}: 这是一个文件夹" in out, out
    assert f"{folder / 'c-device.yaml'}: 这不是普通文件，而是设备" in out, out
    assert f"{folder / 'd-fifo.yaml'}: 这不是普通文件，而是管道" in out, out


# ---- the data load_text builds while it walks the nodes -----------------------------------------------------

BUILT_AS_PYYAML = {
    "aliases": "a: &x {b: 1, c: [1, 2.0, '3', 0.50]}\nd: *x\ne: [*x, *x]\n",
    "merge": "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n",
    "merge list": "base: &b {x: 1}\nm: {<<: [*b], z: 0.50}\n",
    "separators": "a: \"x\u2028y\"\nb: 'p\u2029q'\nc: plain\x85text\n",
    "keys": "1: a\nnull: c\n2.5: d\nno: e\n",
    "scalars": "a: yes\nb: No\nc: true\nd: FALSE\ne: on\nf: ~\ng: null\nh: -0.50\ni: +5\nj: 3.0\nk: 2023年\n",
    "explicit tags": "a: !!str 12\nb: !!int '7'\nc: !!float '2'\n",
}


@pytest.mark.parametrize("case", BUILT_AS_PYYAML)
def test_the_walk_builds_what_pyyamls_constructor_would(case):
    """load_text builds the data in the walk that records marks; it must equal, type for type and spelling for
    spelling, what the loader's own constructor (which a << merge key still uses) makes of the same text."""
    from reportgen.load import _HIDE, SEPARATORS, _Loader, load_text

    def typed(x):
        if isinstance(x, dict):
            return {typed(k): typed(v) for k, v in x.items()}
        if isinstance(x, list):
            return [typed(v) for v in x]
        return type(x), x, getattr(x, "typed", None)

    text = BUILT_AS_PYYAML[case]
    loader = _Loader(text.translate(_HIDE))
    loader.restore = any(s in text for s in SEPARATORS)
    try:
        expected = loader.get_single_data()
    finally:
        loader.dispose()
    got = load_text(text, "t.yaml").data
    assert typed(got) == typed(expected)
