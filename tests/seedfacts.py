"""Extract the checkable facts of a published report: numbers with their measure words, 《documents》, “initiatives”.

Used by the tests against ../shared/seeds/ at run time; the seeds are never copied into the repository.
"""

from __future__ import annotations

import re

# Measure words and units that follow an Arabic number in these reports (longest first).
UNITS = ("人次", "件次", "场次", "学时", "万元", "亿元", "余份", "余人", "%以上", "%",
         "次", "件", "份", "条", "名", "场", "面", "个", "宗", "起", "户", "人", "元", "年", "月", "日", "号",
         "项", "家", "所", "处", "批", "篇", "期", "届", "支", "轮", "天", "小时", "户")
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(余)?(" + "|".join(map(re.escape, sorted(set(UNITS), key=len, reverse=True)))
                     + r")(以上)?")
_DOC = re.compile(r"《[^《》]+》")
_INIT = re.compile(r"“[^“”]+”")


def normalise(text: str) -> str:
    """Drop extraction artefacts: whitespace and line breaks (the seeds break lines mid-sentence)."""
    text = re.sub(r"\[bookmark:[^\]]*\]", "", text)
    return re.sub(r"\s+", "", text)


def facts(text: str) -> list[str]:
    """Numbers with their units (zeros left to zero_facts), 《documents》 and “initiatives”, each once."""
    text = normalise(text)
    found = ["".join(g or "" for g in m.groups()) for m in _NUMBER.finditer(text) if m.group(1) != "0"]
    found += _DOC.findall(text) + _INIT.findall(text)
    return list(dict.fromkeys(found))


def zero_facts(text: str) -> list[str]:
    """The nouns a report counts as zero (行政复议案件0件 → 行政复议案件): a drafter writes these as
    未发生…… or 无……, never as 0件, so they are checked as words, not as a number."""
    text = normalise(text)
    out = []
    for m in _NUMBER.finditer(text):
        if m.group(1) == "0":
            before = re.split(r"[，。；、：\d年]", text[:m.start()])[-1]
            out.append(before[-6:])
    return out


def has_zero(report: str, noun: str) -> bool:
    """Whether `report` says there was none of `noun` (未发生/无/没有 … noun, in one clause)."""
    return re.search(r"(未发生|无|没有)[^，。；]{0,8}" + re.escape(noun), normalise(report)) is not None
