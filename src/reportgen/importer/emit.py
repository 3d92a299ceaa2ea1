"""An outline → the YAML a clerk would have written: fields by meaning, numbers typed, comments for the rest.

The YAML is written by hand (block style, one field per line, paragraphs as literal blocks, Chinese as is) so a
clerk can read and edit it; what could not be placed is kept in `# 未能归入：` comments, never dropped. Before it
is returned, the text is loaded and validated by reportgen itself and compared with the data it was meant to
hold: a file the importer cannot vouch for is an internal error, not an output.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import yaml

from reportgen.errors import InputError, InternalError, Problem
from reportgen.importer import typed
from reportgen.importer.outline import HEADING_MAX, Node, Outline, classify

UNPLACED = "未能归入"
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_PLACE = re.compile(r"^(.{2,}?(?:自治区|自治州|自治县|省|地区|盟|市|区|县|旗))(?=.{2,})")
_GOVERNMENT = re.compile(r"(人民政府|办事处|管理委员会|管委会|政府)$")
_ISSUER = re.compile(r"^(.{2,40}?(?:人民政府|办事处|管理委员会|管委会|政府))关于")
_SHI = re.compile(r"(?:^|(?<=[。；;：:，,\n]))([一二三四五六七八九十]{1,3}是)")
_PLACEHOLDER_AREA = "study"
_TOWN_IN_TEXT = re.compile(r"(?:^|[，。；：\n])([\u4e00-\u9fff]{2,3}(?:镇|乡|街道))")


class Comment(msgspec.Struct):
    """Comment lines standing in a list (emitted, not data)."""

    lines: list[str]


class Stats(msgspec.Struct):
    numbers: int = 0  # inline facts typed plus zero facts
    unplaced: int = 0  # lines kept only in `# 未能归入` comments
    notes: list[str] = msgspec.field(default_factory=list)


class _Builder:
    """Maps an Outline onto schema fields; remembers what it typed and what it could not place."""

    def __init__(self, outline: Outline, name: str) -> None:
        self.o = outline
        self.name = name
        self.stats = Stats()

    # ---- text -------------------------------------------------------------------------------------------

    def prose(self, paragraphs: list[str], sink: list[tuple[dict[str, Any], str]] | None) -> str:
        """Paragraphs as one text value (a line each), numbers typed; zero counts go to `sink` when the
        field can hold facts (their clause taken out of the sentence when that reads cleanly)."""
        out = []
        for par in paragraphs:
            if sink is not None:
                par, found = typed.zeros(par)
                for z in found:
                    sink.append(({"label": typed.zero_label(z.noun), "count": 0, "unit": z.unit}, z.clause))
                    self.stats.numbers += 1
            text, n = typed.type_text(par)
            self.stats.numbers += n
            if text:
                out.append(text)
        return "\n".join(out)

    def unplaced(self, why: str, lines: list[str]) -> list[str]:
        self.stats.unplaced += len(lines)
        return [f"{UNPLACED}：{why}", *(f"  {line}" for line in lines)]

    @staticmethod
    def with_facts(target: dict[str, Any], sink: list[tuple[dict[str, Any], str]]) -> None:
        if sink:
            target["#facts"] = [f"原文：{clause}（零值写成事实，报告印为“未发生……”或“无……”）" for _, clause in sink]
            target["facts"] = [_Flow(f) for f, _ in sink]

    def heading_of(self, node: Node, where: str) -> tuple[str, list[str]]:
        """A node's heading, or (when the line had none short enough) the start of its first sentence; a
        heading cut short is kept whole in a comment."""
        if node.heading and len(node.heading) <= HEADING_MAX:
            return node.heading, []
        source = node.heading or (node.text or [""])[0]
        cut = re.split(r"[，。；：,;:]", source, maxsplit=1)[0]
        if 2 <= len(cut) <= HEADING_MAX:
            notes = [f"注意：{where}原文没有简短的小标题，取首句开头作标题，请核对。"]
        else:
            cut = source[:HEADING_MAX - 1].rstrip("，、；：") + "…"
            notes = [f"注意：{where}原文没有小标题，取首句前段作标题，请改写。"]
        if node.heading:
            notes += self.unplaced(f"{where}的标题超过 {HEADING_MAX} 字，上面截短后作标题，原标题", [node.heading])
        return cut, notes

    # ---- parts ------------------------------------------------------------------------------------------

    def part_head(self, part: Node) -> dict[str, Any]:
        """The town's own part heading; a note where its line had none short enough to cut."""
        if part.heading:
            return {"heading": part.heading}
        return {"#heading": [f"注意：“{part.number}”这一部分原文没有简短的标题，报告里用标准标题。"]}

    def headed(self, node: Node, where: str, key: str = "heading") -> dict[str, Any]:
        """A node's heading under `key`, with a note where its line had none short enough to cut."""
        out: dict[str, Any] = {}
        heading, notes = self.heading_of(node, where)
        if notes:
            out["#note"] = notes
        out[key] = heading
        return out

    def filled(self, out: dict[str, Any], paragraphs: list[str], children: list[Node] | None = None) -> dict[str, Any]:
        """`out` with the text of `paragraphs`, the items of `children` and the zero facts taken from the text."""
        sink: list[tuple[dict[str, Any], str]] = []
        text = self.prose(paragraphs, sink)
        if text:
            out["text"] = text
        if children:
            out["items"] = [self.item(c) for c in children]
        self.with_facts(out, sink)
        return out

    def item(self, node: Node, key: str = "heading") -> dict[str, Any]:
        """An item (or plan) with its heading, text and zero facts; deeper levels stay in its text as written."""
        return self.filled(self.headed(node, f"“{node.number}”这一条", key), node.body())

    def topic(self, node: Node) -> dict[str, Any]:
        return self.filled(self.headed(node, f"“{node.number}”这一方面"), node.text, node.children)

    def listed(self, paragraphs: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
        """Paragraphs holding a 一是……；二是…… list → (the text before it, [(first clause, rest) …])."""
        joined = "\n".join(paragraphs)
        marks = list(_SHI.finditer(joined))
        if len(marks) < 2 or marks[0].group(1) != "一是":
            return paragraphs, []
        intro = [p for p in joined[:marks[0].start()].split("\n") if p.strip()]
        pairs = []
        for m, nxt in zip(marks, [*marks[1:], None], strict=True):
            seg = joined[m.end(): nxt.start() if nxt else len(joined)].strip()
            cut = re.search(r"[，。；：,;:]", seg)
            head, rest = (seg[:cut.start()], seg[cut.end():].strip()) if cut else (seg, "")
            rest = re.sub(r"[；;，,]$", "。", rest)
            pairs.append((head.strip(), rest))
        return intro, pairs

    def shortcomings(self, part: Node) -> dict[str, Any]:
        out: dict[str, Any] = self.part_head(part)
        items: list[Any] = []
        if part.children:
            if part.text:
                out["intro"] = self.prose(part.text, None)
            for c in part.children:
                problem, notes = self.heading_of(c, f"“{c.number}”这一条")
                s: dict[str, Any] = {"#note": notes} if notes else {}
                s["problem"] = problem
                sink: list[tuple[dict[str, Any], str]] = []
                cause = self.prose(c.body(), sink)
                if cause:
                    s["cause"] = cause
                else:
                    s["#cause"] = ["原文这一条没有写原因；可在此写 cause: 原因。"]
                self.with_facts(s, sink)
                items.append(s)
        else:
            intro, pairs = self.listed(part.text)
            if pairs and all(2 <= len(h) <= HEADING_MAX for h, _ in pairs):
                if intro:
                    out["intro"] = self.prose(intro, None)
                for head, rest in pairs:
                    s = {"problem": head}
                    if rest:
                        s["cause"] = self.prose([rest], None)
                    else:
                        s["#cause"] = ["原文这一条没有写原因；可在此写 cause: 原因。"]
                    items.append(s)
            elif part.text:
                items.append({"#note": ["原文这一部分没有分条：以部分标题作“不足”，全文作“原因”，请核对。"],
                              "problem": part.heading or "存在的不足", "cause": self.prose(part.text, None)})
        out["items"] = items
        return out

    def plans(self, part: Node) -> dict[str, Any]:
        out: dict[str, Any] = self.part_head(part)
        items: list[Any] = []
        if part.children:
            if part.text:
                out["intro"] = self.prose(part.text, None)
            items = [self.item(c) for c in part.children]
        else:
            intro, pairs = self.listed(part.text)
            if pairs and all(2 <= len(h) <= HEADING_MAX for h, _ in pairs):
                if intro:
                    out["intro"] = self.prose(intro, None)
                items = [{"heading": h, **({"text": self.prose([r], None)} if r else {})} for h, r in pairs]
            elif part.text:
                heading, notes = self.heading_of(part, "这一部分")
                items.append({"#note": ["原文这一部分没有分条：以部分标题作标题，全文作正文，请核对。", *notes],
                              "heading": heading, "text": self.prose(part.text, None)})
        out["items"] = items
        return out

    def leaders(self, part: Node) -> dict[str, Any]:
        return self.filled(self.part_head(part), part.text, part.children)

    def measures(self, part: Node) -> dict[str, Any]:
        out: dict[str, Any] = self.part_head(part)
        if part.children:
            if part.text:
                out["intro"] = self.prose(part.text, None)
            out["topics"] = [self.topic(c) for c in part.children]
        else:
            heading, notes = self.heading_of(part, "这一部分")
            out["topics"] = [{"#note": ["原文这一部分没有分方面：以部分标题作为唯一一个方面的标题，请核对。", *notes],
                              "heading": heading, "text": self.prose(part.text, None) or part.heading}]
        return out

    # ---- the whole file ---------------------------------------------------------------------------------

    def town(self) -> dict[str, Any]:
        o = self.o
        title = o.title
        m = _ISSUER.match(title)
        issuer = m[1] if m else o.signer
        place = issuer or re.split(r"(?:19|20)\d{2}|关于", title)[0]
        place = _GOVERNMENT.sub("", place)
        segments: list[str] = []
        rest = place
        while (m2 := _PLACE.match(rest)) and not re.search(r"(镇|乡|街道)$", m2[1]):
            segments.append(m2[1])
            rest = rest[m2.end():]
        if (not re.search(r"(镇|乡|街道)$", rest) or len(rest) < 2) and not issuer:
            found = _TOWN_IN_TEXT.search("\n".join(o.opening))
            if found and found[1][0] not in "我本全该各每城乡":
                self.stats.notes.append(f"注意：标题里没有乡镇名称，取自开头的“{found[1]}”，请核对 town。")
                segments, rest, place = [], found[1], found[1]
        if not re.search(r"(镇|乡|街道)$", rest) or len(rest) < 2:
            raise InputError([Problem(self.name, "看不出这份报告是哪个乡镇（街道）的：标题和署名里都没有找到“××镇”“××乡”或“××街道”。",
                                      1, hint="在文件第一行写上报告标题，如“××县××镇人民政府关于2023年法治政府建设情况的报告”，再导入。")])
        out: dict[str, Any] = {}
        if segments and (segments[0].endswith(("省", "自治区")) or segments[0] in _MUNICIPALITIES):
            out["province"] = segments.pop(0)
        if len(segments) >= 2:
            out["city"] = segments[0]
        if segments:
            out["county"] = segments[-1]
        out["name"] = rest
        out["issuer"] = issuer or f"{place}{'办事处' if rest.endswith('街道') else '人民政府'}"
        return out

    def build(self) -> dict[str, Any]:
        o = self.o
        if o.year is None:
            raise InputError([Problem(self.name, "看不出报告的年度：标题、开头和成文日期里都没有“2023年”这样的年份。", 1,
                                      hint="在标题里写明年度，如“关于2023年法治政府建设情况的报告”，再导入。")])
        if not o.parts:
            raise InputError([Problem(self.name, "没有找到“一、”“二、”或“（一）”这样编号的部分标题，看不出报告的结构。", None,
                                      hint="导入需要按《法治政府建设与责任落实督察工作规定》分部分编号的报告；"
                                           "请确认选的是年度报告，且各部分标题单独成行或以“一、”开头。")])
        data: dict[str, Any] = {"year": o.year, "town": self.town()}
        if o.mark and o.docno:
            header = {"mark": o.mark, "number": o.docno}
            if o.recipient:
                header["recipient"] = o.recipient
            data["header"] = header
        else:
            lost = [x for x in (o.mark, o.docno_raw, o.recipient and o.recipient + "：") if x]
            if lost:
                data["#header"] = self.unplaced("版头（发文机关标志、发文字号、主送机关）要三者配合使用，原文不全", lost)
        if 4 <= len(o.title) <= 80:
            data["title"] = o.title
            if len(o.title_lines) > 1 and all(len(line) <= 20 for line in o.title_lines):
                data["title_lines"] = list(o.title_lines)
        elif o.title:
            data["#title"] = self.unplaced("标题长度不在 4–80 字之间", o.title_lines)
        if o.date:
            data["signature"] = {"name": o.signer, "date": o.date} if o.signer else {"date": o.date}
        elif o.signer:
            data["#signature"] = self.unplaced("署名后没有成文日期", [o.signer])
        opening = list(o.opening)  # the town's own 现将……报告如下： stays: the template then adds none
        if opening:
            data["opening"] = {"text": self.prose(opening, None)}
        parts: dict[str, dict[str, Any]] = {}
        notes: list[str] = []
        for n, part in enumerate(o.parts, 1):
            kind = classify(part.heading, o.year) if part.level == 1 else ""
            label = f"第{n}部分“{part.number}{part.heading}”"
            if not kind:
                kind = "measures"
                notes.append(f"注意：看不出{label}是规定的哪一部分，已作为第一部分的一个方面，请核对。")
            if kind in parts:
                self.merge(parts[kind], kind, part, label, notes)
                continue
            if kind == "background":
                parts[kind] = {"text": self.prose(part.body(), None) or part.heading}
            else:
                parts[kind] = getattr(self, kind)(part)
            if kind == "background" and part.heading and part.heading != "基本情况":
                notes.append(f"注意：{label}作为“基本情况”导入，标题改用“基本情况”。")
        for kind in ("shortcomings", "plans"):
            if kind in parts and not parts[kind]["items"]:
                del parts[kind]["items"]
                parts[kind]["#items"] = ["原文这一部分只有标题：下面一项由模板写出标准表述，请按实际情况改写。"]
                parts[kind]["items"] = [{"area": _PLACEHOLDER_AREA}]
        for kind in ("measures", "shortcomings", "plans"):
            if kind not in parts:
                field_name = "topics" if kind == "measures" else "items"
                parts[kind] = {"#missing": ["原报告没有这一部分：下面一项由模板写出标准表述，请按实际情况改写或补充。"],
                               field_name: [{"area": _PLACEHOLDER_AREA}]}
        parts.setdefault("leaders", {"#missing": ["原报告没有这一部分：报告里由模板写出标准表述，请按实际情况补充 text。"]})
        if "background" in parts:
            data["background"] = parts["background"]
        for kind in ("measures", "shortcomings", "leaders", "plans", "other"):
            if kind in parts:
                data[kind] = parts[kind]
        notes = self.stats.notes = self.stats.notes + notes
        if notes:
            data["#notes"] = notes
        return data

    def other(self, part: Node) -> Any:
        text = self.prose(part.body(), None)
        out: dict[str, Any] = {"heading": part.heading} if part.heading else {}
        if text:
            out["text"] = text
        return out or "无。"

    def merge(self, into: dict[str, Any], kind: str, part: Node, label: str, notes: list[str]) -> None:
        """A second part of a kind already seen: its content joins the first, its heading is kept as a comment."""
        if kind == "measures":
            topic = self.topic(part)
            topic.setdefault("#note", []).append(f"注意：{label}与第一部分同属“主要举措和成效”，作为其中一个方面导入。")
            into["topics"].append(topic)
            return
        lines = [f"{part.number}{part.heading}"]
        if kind in ("shortcomings", "plans"):
            more = getattr(self, kind)(part)["items"]
            into["items"].extend(more)
        elif kind == "leaders":
            more = self.leaders(part)
            into.setdefault("items", []).extend(more.get("items", []))
            if more.get("text"):
                into["text"] = (into.get("text", "") + "\n" + more["text"]).strip("\n")
        else:
            lines += part.body()
        into.setdefault("#merged", []).extend(self.unplaced(f"{label}与前面的部分同属一部分，内容已并入", lines))


# ---- writing YAML by hand ------------------------------------------------------------------------------

class _Flow(dict):
    """A mapping written on one line: {label: …, count: 0, unit: 件}."""


def _scalar(value: Any) -> str:
    """A scalar as YAML writes it, quoted only when it must be (a number-like string, a leading *, …)."""
    text = yaml.safe_dump([value], allow_unicode=True, default_flow_style=True, width=10**9).strip()
    return text[1:-1]


def _block_ok(text: str) -> bool:
    return all(line and line == line.strip() for line in text.split("\n"))


_PROSE_KEYS = ("text", "intro", "cause")


def _value(value: Any, indent: int, key: str = "") -> list[str]:
    """The lines after `key:` for a value: empty for a scalar written on the key's line. Paragraph text is a
    literal block, one paragraph a line (derive reads each line as a paragraph); a one-line field stays inline."""
    pad = " " * indent
    if isinstance(value, str) and ("\n" in value or (len(value) > 30 and key in _PROSE_KEYS)) and _block_ok(value):
        return [f"{pad}{line}" for line in value.split("\n")]
    if isinstance(value, dict) and not isinstance(value, _Flow):
        return _mapping(value, indent)
    if isinstance(value, list):
        return _sequence(value, indent)
    return []


def _mapping(data: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in data.items():
        if key.startswith("#"):
            lines += [f"{pad}# {c}" for c in value]
            continue
        below = _value(value, indent + 2, key)
        if below and all(line.lstrip().startswith("#") for line in below):  # only comments: an empty mapping
            lines += [line[2:] for line in below]
            below = []
        if isinstance(value, str) and below:
            lines.append(f"{pad}{key}: |-")
            lines += below
        elif below:
            lines.append(f"{pad}{key}:")
            lines += below
        elif isinstance(value, (list, dict)) and not isinstance(value, _Flow):
            lines.append(f"{pad}{key}: {'[]' if isinstance(value, list) else '{}'}")
        else:
            lines.append(f"{pad}{key}: {_flow(value) if isinstance(value, _Flow) else _scalar(value)}")
    return lines


def _sequence(items: list[Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for item in items:
        if isinstance(item, Comment):
            lines += [f"{pad}# {c}" for c in item.lines]
        elif isinstance(item, _Flow):
            lines.append(f"{pad}- {_flow(item)}")
        elif isinstance(item, dict):
            inner = _mapping(item, indent + 2)
            first = next(i for i, line in enumerate(inner) if not line.lstrip().startswith("#"))
            lines += [f"{pad}{c.lstrip()}" for c in inner[:first]]  # comments stand above the item
            lines.append(f"{pad}- {inner[first].lstrip()}")
            lines += inner[first + 1:]
        elif isinstance(item, str) and _value(item, indent + 2):
            lines.append(f"{pad}- |-")
            lines += _value(item, indent + 2)
        else:
            lines.append(f"{pad}- {_scalar(item)}")
    return lines


def _flow(data: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in data.items()) + "}"


def _plain(value: Any) -> Any:
    """The data without comments, as the YAML should load."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("#")}
    if isinstance(value, list):
        return [_plain(v) for v in value if not isinstance(v, Comment)]
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def emit(outline: Outline, name: str, source: str = "", shown: str = "") -> tuple[str, Stats, list[Problem]]:
    """The YAML text for `outline`, what it counted, and reportgen's warnings about it. Raises InputError
    when the report lacks what every YAML needs (year, town, parts), InternalError when the YAML written
    would not load back as built or not validate."""
    from reportgen.load import load_text
    from reportgen.schema.validate import validate

    builder = _Builder(outline, name)
    data = builder.build()
    head = [f"# 由 reportgen import 从 {source or name} 导入：句子是原报告的原文，数字已写成【】中的事实。",
            "# 请逐项核对：标题、各部分的归类、带“注意”和“未能归入”的注释；改好后运行 reportgen validate 检查。"]
    text = "\n".join([*head, *_mapping(data, 0)]) + "\n"
    try:
        loaded = load_text(text, shown or name)
        warnings = validate(loaded)
    except InputError as err:
        raise InternalError(f"导入 {name} 得到的 YAML 没有通过检查，未写出文件：\n{err.format_message()}\n") from err
    if not _same(loaded.data, _plain(data)):
        raise InternalError(f"导入 {name} 得到的 YAML 读回后与导入的内容不一致，未写出文件。")
    return text, builder.stats, warnings
