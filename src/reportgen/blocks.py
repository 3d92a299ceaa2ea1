"""Block: the one contract between compose (what the report says) and typeset (how it looks)."""

from __future__ import annotations

import msgspec

# The kinds a template line can produce; typeset has one function for each.
KINDS = ("mark", "docno", "title", "recipient", "heading", "body", "sign", "date", "blank",
         # 上行文 and 联合行文 (GB/T 9704 7.2.6, 7.3.3, 7.4): 签发人 beside the 发文字号, 附件说明, 版记
         "signer", "attach", "cc", "printed")
# Kinds whose template line holds pieces separated by <run> (label, names, number …): compose keeps them apart.
PIECED = ("attach", "cc", "printed")

# The regulation's five parts: every rendered report must declare each with `part=NAME` on a heading.
PARTS = ("measures", "shortcomings", "leaders", "plans", "other")


class Block(msgspec.Struct, frozen=True):
    """One paragraph of the report, with its role; numbering is already computed."""

    kind: str
    text: str = ""
    level: int = 0  # heading level 1–4; 0 for everything else
    number: str = ""  # computed heading number such as 一、 or （二）
    runin: str = ""  # body text following a run-in heading in the same paragraph
    part: str | None = None  # which of PARTS (or an extra part) a heading opens
    lines: tuple[str, ...] = ()  # title: explicit line breaks; mark: 联合行文's issuers; signer: names; attach: number, name
    flags: frozenset[str] = msgspec.field(default_factory=frozenset)  # e.g. {"sealed"} on a signature
    std: tuple[tuple[int, int, str], ...] = ()  # standard passages: (start, end, key) in `plain`
    stale: tuple[tuple[int, int], ...] = ()  # numbers carried over from last year, with their marker: (start, end)

    @property
    def heading_text(self) -> str:
        return f"{self.number}{self.text}"

    @property
    def plain(self) -> str:
        """The paragraph's text as a reader sees it."""
        if self.kind == "title":
            return "".join(self.lines) or self.text
        if self.lines:  # mark (issuers + 文件), signer (签发人： + names), attach (附件： + 1. + name)
            return f"{self.text}{''.join(self.lines)}{self.runin}"
        return f"{self.number}{self.text}{self.runin}"
