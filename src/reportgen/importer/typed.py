"""Type the numbers of a town's own sentences as inline facts (218件 → 【218件】), keeping every word.

An imported report should be checked like a hand-written YAML: each count, rate and amount becomes a fact the
validator and `reportgen next` can see, while the sentence prints exactly as before (facts.plain). Only a number
followed by a measure word is a fact; years, dates, 文号, ordinals and names (“3.15”) stay text, and a bracket
facts.scan would refuse (2.5小时 is no whole count) is not written at all.
"""

from __future__ import annotations

import re

import msgspec

from reportgen import facts

# Measure words and units that follow a counted number in these reports, longest first so 人次 beats 人.
# No 年/月/日/号/季度: those are dates and numbers of documents, never facts.
UNITS = ("平方千米", "平方公里", "个月", "人次", "件次", "场次", "户次", "家次", "学时", "课时", "周岁", "小时", "万人", "万元",
         "亿元", "万份", "%", "次", "件", "份", "条", "名", "场", "面", "个", "宗", "起", "户", "人", "元", "项", "家",
         "所", "处", "批", "篇", "期", "届", "支", "轮", "天", "册", "堂", "幅", "块", "部", "卷", "本", "张", "座", "间",
         "台", "辆", "套", "位", "组", "队", "类", "封", "单", "株", "亩", "米", "公里", "千米", "吨", "周", "分钟", "页")
_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
# Not after a digit, point, 第 (ordinal), 〔 (文号), a Latin letter, + or - (“1+6+N”), nor a dotted name.
_NUMBER = re.compile(
    r"(?<![\d.．第〔\[A-Za-z+\-/·])(?P<before>约|近|超过)?(?P<value>\d+(?:\.\d+)?)(?P<between>余)?"
    r"(?P<unit>" + _UNIT + r")(?P<after>以上)?")
# Spans whose numbers are part of a name: 《文件》 and “品牌”.
_NAMED = re.compile(r"《[^《》]*》|“[^“”]*”")
_DELIMS = "，。；：、！？,;:（）()\n"
# Words that open a clause before its subject: 2023年行政复议案件0件 → 行政复议案件.
_LEAD = re.compile(r"^(?:\d{4}年(?:度)?|全年|今年|本年度|年内|当年|同期|其中|且)+")


class Zero(msgspec.Struct, frozen=True):
    """A zero count found in a sentence (行政复议案件0件): what is counted, the clause as written, and the
    text with that clause taken out (or the text unchanged when it cannot be taken out cleanly)."""

    noun: str
    unit: str
    clause: str
    dropped: bool


def _accepts(bracket: str, shown: str) -> bool:
    """Whether facts.scan reads `bracket` as one fact that prints exactly `shown`."""
    found = list(facts.scan(bracket))
    return len(found) == 1 and isinstance(found[0], facts.Inline) and found[0].shown == shown


def type_text(text: str) -> tuple[str, int]:
    """`text` with every countable number in 【】; how many were typed. facts.plain(result) == text."""
    if "【" in text or "】" in text:  # the town's own brackets: leave the paragraph as written
        return text, 0
    named = [m.span() for m in _NAMED.finditer(text)]
    out: list[str] = []
    at = typed = 0
    for m in _NUMBER.finditer(text):
        if any(a <= m.start() < b for a, b in named):
            continue
        if m["value"] == "0" or re.fullmatch(r"0\d+", m["value"]):
            continue  # zeros are structured facts (see zeros); 010 is no count
        shown = m.group()
        if not _accepts(f"【{shown}】", shown):
            continue
        out += [text[at:m.start()], f"【{shown}】"]
        at = m.end()
        typed += 1
    out.append(text[at:])
    result = "".join(out)
    assert facts.plain(result) == text, (text, result)
    return result, typed


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    i = start
    while i > 0 and text[i - 1] not in _DELIMS:
        i -= 1
    j = end
    while j < len(text) and text[j] not in _DELIMS:
        j += 1
    return i, j


def zeros(text: str) -> tuple[str, list[Zero]]:
    """Take the zero counts out of `text`: 「2023年行政复议案件0件，行政诉讼案件1件」 → 「2023年行政诉讼案件1件」
    and a Zero for 行政复议案件. A zero clause is taken out only when it is nothing but (lead words) noun 0 unit
    and a comma joins it to a neighbour; otherwise the text stays and the Zero is still reported."""
    found: list[Zero] = []
    for m in reversed(list(_NUMBER.finditer(text))):
        if m["value"] != "0" or m["before"] or m["between"] or m["after"] or m["unit"] == "%":
            continue
        a, b = _clause_bounds(text, m.start(), m.end())
        clause = text[a:b]
        lead = _LEAD.match(clause)
        body_start = a + (lead.end() if lead else 0)
        noun = text[body_start:m.start()]
        clean = b == m.end() and 2 <= len(noun) <= 20 and re.fullmatch(r"[\u4e00-\u9fff]+", noun) is not None
        if not noun or not re.search(r"[\u4e00-\u9fff]{2}", noun):
            continue
        dropped = False
        if clean and b < len(text) and text[b] in "，,":  # 「…0件，下一分句」: drop 「noun0件，」, keep the lead words
            text = text[:body_start] + text[b + 1:]
            dropped = True
        elif clean and a > 0 and text[a - 1] in "，," and not lead:  # 「前一分句，noun0件。」
            text = text[:a - 1] + text[b:]
            dropped = True
        found.append(Zero(noun[-12:], m["unit"], clause, dropped))
    found.reverse()
    return text, found


def zero_label(noun: str) -> str:
    """A label with a verb for a zero fact: 行政复议案件 → 发生行政复议案件 (printed 未发生行政复议案件)."""
    if facts.split_label(noun)[2]:
        return noun
    events = facts.lexicon()["zero_events"]
    return f"发生{noun}" if any(noun.endswith(w) for w in events) else noun
