"""A region's `layout:` (region.yaml) in the units people write — 三号, 小二号, 16pt, 5.6mm, 0.8cm — read into
LayoutProfile values. Each bad value raises ValueError with a Chinese message; regions.py places it at its line."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reportgen.typeset.length import Cm, Length, Mm, Pt
from reportgen.typeset.profile import ZIHAO, Fonts, LayoutProfile

_UNITS: dict[str, Callable[[float], Length]] = {"pt": Pt, "mm": Mm, "cm": Cm, "磅": Pt, "毫米": Mm, "厘米": Cm}
_AMOUNT = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*([a-z磅毫厘米]*)\s*$", re.IGNORECASE)
_NAMES = "、".join(ZIHAO)


def _zihao(text: str) -> float | None:
    """The points of a 字号 name, with or without 号 (三号, 三, 小二号, 小二); None if it is not one."""
    name = text.strip().removesuffix("号")
    for known, points in ZIHAO.items():
        if name == known.removesuffix("号"):
            return points
    return None


def _amount(value: Any, what: str, bare_pt: bool) -> Length:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{what}应写成带单位的数值（如 16pt、5.6mm），这里是 {value!r}。")
    if isinstance(value, (int, float)):
        if not bare_pt:
            raise ValueError(f"{what}没有写单位：写成 {value}mm 或 {value}pt。")
        number, unit = float(value), "pt"
    else:
        match = _AMOUNT.match(value)
        if not match:
            raise ValueError(f"{what}“{value}”不是可用的数值：应写成 16pt、5.6mm 或 0.8cm"
                             + ("，或字号名称（如 三号、小二）" if bare_pt else "") + "。")
        number, unit = float(match[1]), match[2].lower() or ("pt" if bare_pt else "")
        if not unit:
            raise ValueError(f"{what}“{value}”没有写单位：写成 {match[1]}mm 或 {match[1]}pt。")
        if unit not in _UNITS:
            raise ValueError(f"{what}“{value}”的单位“{match[2]}”不认识：可用 pt、mm、cm。")
    if number <= 0:
        raise ValueError(f"{what}必须大于零，这里是 {value}。")
    return Length(round(_UNITS[unit](number)))


def size(value: Any, what: str = "字号") -> Length:
    """A type size: a 字号 name (三号, 小二号), `16pt`, `5.6mm`, or a bare number meaning points."""
    if isinstance(value, str) and not _AMOUNT.match(value):
        points = _zihao(value)
        if points is None:
            raise ValueError(f"{what}“{value}”不是字号名称：可用 {_NAMES}（“号”字可省），或写成 16pt、5.6mm。")
        return Pt(points)
    return _amount(value, what, bare_pt=True)


def length(value: Any, what: str = "长度") -> Length:
    """A distance: `37mm`, `10.5pt`, `0.8cm` — a unit is required (a bare 37 could mean mm or pt)."""
    return _amount(value, what, bare_pt=False)


def count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{what}应为正整数，这里是 {value!r}。")
    return value


def flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what}应为 true 或 false，这里是 {value!r}。")
    return value


def dash(value: Any, what: str) -> str:
    """The page number's dash: "—" (the standard), "-", or none (null or "")."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value.strip()) > 2:
        raise ValueError(f"{what}应为一个字符（如 — 或 -），或 none（不加横线），这里是 {value!r}。")
    return value.strip()


SIDES = {"outer": "outer", "center": "center", "单页右双页左": "outer", "居中": "center"}


def sides(value: Any, what: str) -> str:
    if not isinstance(value, str) or value.strip() not in SIDES:
        raise ValueError(f"{what}应为 outer（单页居右、双页居左）或 center（居中），这里是 {value!r}。")
    return SIDES[value.strip()]


# key → (reader, what it is in the message). Only these keys may stand under `layout:`; docs/regions.md lists them.
KEYS: dict[str, tuple[Callable[[Any, str], Any], str]] = {
    "body_size": (size, "正文字号"),
    "title_size": (size, "标题字号"),
    "page_number_size": (size, "页码字号"),
    "mark_max_size": (size, "发文机关标志的最大字号"),
    "imprint_size": (size, "版记字号"),
    "margin_top": (length, "天头（上边距）"),
    "margin_bottom": (length, "下边距"),
    "margin_left": (length, "订口（左边距）"),
    "margin_right": (length, "右边距"),
    "header_distance": (length, "页眉距边界"),
    "footer_distance": (length, "页脚距边界"),
    "mark_top": (length, "发文机关标志距版心上边缘"),
    "rule_below_docno": (length, "红色分隔线距发文字号"),
    "rule_width": (length, "红色分隔线粗细"),
    "imprint_rule_thick": (length, "版记首末分隔线粗细"),
    "imprint_rule_thin": (length, "版记中间分隔线粗细"),
    "lines_per_page": (count, "每页行数"),
    "chars_per_line": (count, "每行字数"),
    "title_max_chars": (count, "标题每行最多字数"),
    "body_indent_chars": (count, "正文首行缩进字数"),
    "page_number_side_chars": (count, "页码距版心边缘的字数"),
    "page_number_dash": (dash, "页码两侧的横线"),
    "page_number_sides": (sides, "页码位置"),
    "heading3_bold": (flag, "三级标题是否加粗"),
    "sealed": (flag, "是否按加盖印章的版式"),
}
FONT_KEYS = Fonts.__struct_fields__
_PROFILE_FIELDS = set(LayoutProfile.__struct_fields__)


def known_keys() -> list[str]:
    """The layout keys this build understands (a 版记 key only once the profile has the field)."""
    return [key for key in KEYS if key in _PROFILE_FIELDS] + ["fonts"]


def fit_problem(profile: LayoutProfile) -> tuple[str, str] | None:
    """(key, message) when the values, each fine alone, leave no grid: lines overlapping, characters squeezed."""
    if profile.text_width <= 0 or profile.text_height <= 0:
        return "margin_left", "页边距太大，版心没有剩下空间。"
    if profile.line_pitch < profile.body_size:
        return "lines_per_page", (f"每页 {profile.lines_per_page} 行时行距只有 {profile.line_pitch.pt:.1f}pt，"
                                  f"小于正文字号 {profile.body_size.pt:g}pt，上下行会重叠。")
    if profile.char_advance < profile.body_size * 0.75:
        return "chars_per_line", (f"每行 {profile.chars_per_line} 字、正文 {profile.body_size.pt:g}pt 时字距要压缩"
                                  f" {-profile.char_spacing.pt:.2f}pt，字会挤在一起。")
    return None
