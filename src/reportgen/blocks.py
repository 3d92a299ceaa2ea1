"""Block: the one contract between compose (what the report says) and typeset (how it looks)."""

from __future__ import annotations

from dataclasses import dataclass, field

# The kinds a template line can produce; typeset has one function for each.
KINDS = ("mark", "docno", "title", "recipient", "heading", "body", "sign", "date", "blank")

# The regulation's five parts: every rendered report must declare each with `part=NAME` on a heading.
PARTS = ("measures", "shortcomings", "leaders", "plans", "other")


@dataclass(frozen=True)
class Block:
    """One paragraph of the report, with its role; numbering is already computed."""

    kind: str
    text: str = ""
    level: int = 0  # heading level 1–4; 0 for everything else
    number: str = ""  # computed heading number such as 一、 or （二）
    runin: str = ""  # body text following a run-in heading in the same paragraph
    part: str | None = None  # which of PARTS (or an extra part) a heading opens
    lines: tuple[str, ...] = ()  # title only: explicit line breaks, empty for "balance automatically"
    flags: frozenset[str] = field(default_factory=frozenset)  # e.g. {"sealed"} on a signature
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
        return f"{self.number}{self.text}{self.runin}"
