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
    text = normalise(text)
    found = ["".join(g or "" for g in m.groups()) for m in _NUMBER.finditer(text)]
    found += _DOC.findall(text) + _INIT.findall(text)
    return list(dict.fromkeys(found))
