"""A published report's paragraphs → its outline: header, title, opening, numbered parts, signature.

Reports reach a clerk as website text or Word files: lines broken mid-sentence, blank lines between halves of a
sentence, extraction artefacts, headings on their own line or run into their paragraph (（一）标题。正文…). This
module only finds the shape; which of the regulation's five parts each numbered part is, and where its text
goes in the YAML, is decided by meaning in `classify` and by emit.py.
"""

from __future__ import annotations

import re

import msgspec

# Heading numbers by level, as the outline of a 公文 uses them: 一、 （一） 1. （1）
_NUMBERING = (
    (1, re.compile(r"^([一二三四五六七八九十]{1,3})\s*[、.．]\s*")),
    (2, re.compile(r"^[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)]\s*")),
    (3, re.compile(r"^(\d{1,2})\s*[.．、](?!\d)\s*")),
    (4, re.compile(r"^[（(]\s*(\d{1,2})\s*[）)]\s*")),
)
_ARTEFACT = re.compile(r"\[bookmark:[^\]]*\]|\[(?:image|picture):[^\]]*\]", re.I)
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u200b\ufeff]+")
_TERMINAL = "。！？；：:;!?…"
_CLOSERS = "”’」』）)》"
_DOCNO = re.compile(r"^([^\s〔〕\[\]()（）]{1,20})\s*[〔\[(（［]\s*(\d{4})\s*[〕\])）］]\s*第?\s*0*([1-9]\d*)\s*号$")
_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_CN_DATE = re.compile(r"^([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日$")
_SIGNER = re.compile(r"(人民政府|政府|办事处|委员会|党委|管委会|管理委员会|镇|乡|街道)$")
HEADING_MAX = 60  # schema: a topic, item or plan heading
PART_HEADING_MAX = 80  # schema: a part heading


class Node(msgspec.Struct):
    """A numbered heading and what stands under it. `text` holds the paragraphs directly under the heading
    (a run-in heading's body first); `source` the node's own paragraphs as written, numbering included."""

    level: int
    number: str
    heading: str
    text: list[str] = msgspec.field(default_factory=list)
    children: list[Node] = msgspec.field(default_factory=list)
    source: list[str] = msgspec.field(default_factory=list)

    def flat(self) -> list[str]:
        """The node and everything under it as the paragraphs they were, numbers included."""
        return [*self.source, *(p for c in self.children for p in c.flat())]

    def body(self) -> list[str]:
        """The node's text and its children's paragraphs as written: for a field that cannot nest further."""
        return [*self.text, *(p for c in self.children for p in c.flat())]


class Outline(msgspec.Struct):
    """What a report is made of, before it is mapped onto the YAML's fields."""

    title_lines: list[str] = msgspec.field(default_factory=list)
    mark: str = ""  # 发文机关标志
    docno: str = ""  # 发文字号, normalised to 〔〕
    docno_raw: str = ""
    recipient: str = ""  # 主送机关, without the colon
    signer: str = ""
    date: str = ""  # 2023年12月26日
    year: int | None = None
    opening: list[str] = msgspec.field(default_factory=list)
    parts: list[Node] = msgspec.field(default_factory=list)
    unplaced: list[tuple[str, str]] = msgspec.field(default_factory=list)  # (why, text as written)

    @property
    def title(self) -> str:
        return "".join(self.title_lines)


def clean(line: str) -> str:
    """One line without extraction artefacts; spaces dropped except between Latin words (a 公文 has none)."""
    line = _ARTEFACT.sub("", line)

    def space(m: re.Match[str]) -> str:
        s = m.string
        before = s[m.start() - 1] if m.start() else ""
        after = s[m.end()] if m.end() < len(s) else ""
        latin = re.compile(r"[A-Za-z]")
        return " " if before and after and (latin.match(before) or latin.match(after)) else ""

    return _SPACES.sub(space, line).strip()


def numbering(line: str) -> tuple[int, str, str]:
    """(level, the number as written, the rest) of a numbered line; level 0 when it is not numbered."""
    for level, pattern in _NUMBERING:
        m = pattern.match(line)
        if m and m.end() < len(line):
            return level, line[:m.end()].strip(), line[m.end():]
    return 0, "", line


def split_heading(rest: str, limit: int = HEADING_MAX) -> tuple[str, str]:
    """A numbered line's heading and the body run into it: up to the first 。 when short, the whole line when it
    is a heading alone; ('', rest) when no heading can be cut without rewording."""
    rest = rest.strip()
    if "。" in rest:
        head, body = rest.split("。", 1)
        if 2 <= len(head) <= limit:
            return head.strip(), body.strip()
        return "", rest
    head = rest.rstrip("：:；;，,")
    if 2 <= len(head) <= limit and not re.search(r"[；;]", head):
        return head, ""
    return "", rest


def _complete(par: str) -> bool:
    """Whether a paragraph ends a sentence, or is a heading standing alone: the next line is then new."""
    if not par:
        return True
    end = par.rstrip(_CLOSERS)
    if par[-1] in _TERMINAL or (end != par and end and end[-1] in _TERMINAL):
        return True
    level, _, rest = numbering(par)
    if level and "。" not in rest and len(rest) <= HEADING_MAX:
        return True
    return len(par) <= 20 and par[-1] not in "，、,"  # a short unpunctuated line is a heading of its own


def join_broken(lines: list[str]) -> list[str]:
    """Join lines broken mid-sentence (the seeds break them, with blank lines between the halves)."""
    out: list[str] = []
    for line in lines:
        if out and not _complete(out[-1]) and not numbering(line)[0]:
            out[-1] += line
        else:
            out.append(line)
    return out


def _cn_digit(text: str) -> int:
    digits = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
    if len(text) == 4:
        return int("".join(str(digits[c]) for c in text))
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + digits[text[1]]
    if text.endswith("十"):
        return digits[text[0]] * 10
    if "十" in text:
        return digits[text[0]] * 10 + digits[text[2]]
    return digits[text]


def as_date(line: str) -> str:
    """'2023年12月26日' (also written with spaces or in Chinese numerals), or '' when not a date."""
    m = _DATE.match(line)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _CN_DATE.match(line)
        if not m:
            return ""
        y, mo, d = (_cn_digit(g) for g in m.groups())
    return f"{y}年{mo}月{d}日" if 1 <= mo <= 12 and 1 <= d <= 31 else ""


def _head(lines: list[str], out: Outline) -> int:
    """Read 发文机关标志, 发文字号, title and 主送机关 from the top; the index where the body starts."""
    i = 0
    for _ in range(3):
        if i >= len(lines):
            break
        line = lines[i]
        if not out.mark and line.endswith("文件") and len(line) <= 30 and not re.search(r"[，。；：]", line):
            out.mark, i = line, i + 1
        elif not out.docno and (m := _DOCNO.match(line)):
            out.docno, out.docno_raw, i = f"{m[1]}〔{m[2]}〕{m[3]}号", line, i + 1
        else:
            break
    while i < len(lines) and len(out.title_lines) < 4:
        line = lines[i]
        if numbering(line)[0] or re.search(r"[，。；,;]", line) or len(line) > 40 or line.endswith(("：", ":")):
            break
        out.title_lines.append(line)
        i += 1
        if "报告" in line or "总结" in line:
            break
    if i < len(lines) and lines[i].endswith(("：", ":")) and len(lines[i]) <= 40 \
            and not re.search(r"[，。；]|如下", lines[i]) and not numbering(lines[i])[0]:
        out.recipient, i = lines[i].rstrip("：:").strip(), i + 1
    return i


def _tail(lines: list[str], start: int, out: Outline) -> int:
    """Read 署名 and 成文日期 from the bottom (notes after the date are kept as unplaced); where the body ends."""
    end = len(lines)
    notes: list[str] = []
    while end > start and re.fullmatch(r"[（(][^（）()]{1,40}[）)]", lines[end - 1]):
        end -= 1
        notes.insert(0, lines[end])
    if end > start and (date := as_date(lines[end - 1])):
        out.date, end = date, end - 1
        if end > start and len(lines[end - 1]) <= 40 and _SIGNER.search(lines[end - 1]) \
                and not re.search(r"[，。；：]", lines[end - 1]):
            out.signer, end = lines[end - 1], end - 1
        out.unplaced += [("文末的附注", n) for n in notes]
    else:
        end = len(lines)
    return end


def parse(paragraphs: list[str]) -> Outline:
    """The outline of a report given as paragraphs (or lines) of text."""
    lines = [c for c in (clean(p) for p in paragraphs) if c]
    out = Outline()
    start = _head(lines, out)
    end = _tail(lines, start, out)
    body = join_broken(lines[start:end])
    first_part = next((p for p in body if numbering(p)[0] == 1), "")
    opening = " ".join(body[:3])
    for source in (out.title, first_part, opening, out.date):
        m = re.search(r"(?<![\d—\-－~～至到])((?:19|20)\d{2})\s*年", source)
        if m:
            out.year = int(m[1])
            break
    root = Node(0, "", "")
    stack = [root]
    for par in body:
        level, number, rest = numbering(par)
        if not level:
            stack[-1].text.append(par)
            stack[-1].source.append(par)
            continue
        heading, first = split_heading(rest, PART_HEADING_MAX if level == 1 else HEADING_MAX)
        node = Node(level, number, heading, [first] if first else [], [], [par])
        while stack[-1].level >= level:
            stack.pop()
        stack[-1].children.append(node)
        stack.append(node)
    out.opening = root.text
    out.parts = root.children
    return out


# ---- which of the regulation's parts a numbered part is, by what its heading says --------------------------

_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("other", ("其他需要报告", "其他情况", "其他事项")),
    ("shortcomings", ("不足", "问题", "差距", "短板", "薄弱")),
    ("leaders", ("第一责任人", "主要负责人", "述法", "加强法治政府建设的有关情况", "加强法治建设的有关情况")),
    ("plans", ("下一年度", "下一步", "下阶段", "下步", "工作思路", "工作计划", "工作安排", "主要安排", "打算", "计划",
               "安排", "展望", "思路")),
    ("background", ("基本情况", "基本概况", "概况")),
    ("measures", ("举措", "成效", "主要工作", "做法", "措施", "成绩", "工作情况", "开展情况", "推进情况")),
)


def classify(heading: str, year: int | None) -> str:
    """measures, shortcomings, leaders, plans, other or background for a part heading; '' when none fits."""
    if year and f"{year + 1}年" in heading and not any(w in heading for w in ("不足", "问题")):
        return "plans"
    for kind, words in _KIND_WORDS:
        if any(w in heading for w in words):
            return kind
    return ""
