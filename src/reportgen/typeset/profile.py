"""LayoutProfile: every GB/T 9704-2012 number (../shared/gbt9704.md), in one place, as Length values."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from docx.shared import Length, Mm, Pt, Twips


@dataclass(frozen=True)
class Fonts:
    """Face names, East Asian and Latin. Offices differ (仿宋 vs 仿宋_GB2312): a region may change them."""

    body: str = "仿宋_GB2312"
    title: str = "方正小标宋简体"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    heading3: str = "仿宋_GB2312"
    heading4: str = "仿宋_GB2312"
    page_number: str = "宋体"
    latin: str = "Times New Roman"


@dataclass(frozen=True)
class LayoutProfile:
    # Page (§5.2.1, §5.2.2): A4, 版心 156 × 225 mm.
    page_width: Length = Mm(210)
    page_height: Length = Mm(297)
    margin_top: Length = Mm(37)  # 天头
    margin_bottom: Length = Mm(35)
    margin_left: Length = Mm(28)  # 订口
    margin_right: Length = Mm(26)
    header_distance: Length = Mm(15)
    # Puts the page-number line's centre 7 mm below the 版心 (§7.5), as measured on LibreOffice's PDF:
    # 22 mm (gbt9704.md's figure) measured 10.1 mm below; each mm of footer distance moves it one mm up.
    footer_distance: Length = Mm(25)
    page_number_below_text: Length = Mm(7)  # the target the tests measure against

    # Grid (§5.2.3): 22 lines × 28 characters.
    lines_per_page: int = 22
    chars_per_line: int = 28
    line_pitch: Length = Twips(579)  # 225 mm / 22 = 28.95 pt, exact
    body_size: Length = Pt(16)  # 3号
    char_spacing: Length = Twips(-5)  # −0.25 pt: 28 × 15.75 pt fills the 156 mm line (16 pt gives only 27)

    # Text (§7.3): sizes and faces.
    title_size: Length = Pt(22)  # 2号
    page_number_size: Length = Pt(14)  # 4号
    fonts: Fonts = field(default_factory=Fonts)
    heading3_bold: bool = False  # local custom in some offices
    title_max_chars: int = 20
    body_indent_chars: int = 2  # 首行缩进二字
    language: str = "zh-CN"

    # Red header (§7.2): 发文机关标志, 发文字号, red rule.
    red: str = "FF0000"
    # `build --mark`: standard passages (wording the town did not write) highlighted for review, not for print.
    standard_highlight: str = "yellow"
    # A number carried over from last year and not yet updated (`reportgen next`): always highlighted, with its marker.
    stale_highlight: str = "cyan"
    mark_top: Length = Mm(35)  # top of the 标志 below the top of the 版心
    mark_max_size: Length = Pt(36)  # 小初; shrunk to fit a long name in the 版心 width
    docno_lines_below_mark: int = 2
    rule_below_docno: Length = Mm(4)
    rule_width: Length = Pt(1.5)
    title_lines_below_rule: int = 2

    # Signature and date (§7.3.5).
    sealed: bool = False
    unsealed_signature_right_chars: int = 2  # 署名右空二字
    unsealed_date_shift_chars: int = 2  # 日期首字比署名首字右移二字
    sealed_date_right_chars: int = 4  # 印章版：成文日期右空四字
    lines_before_signature: int = 1

    # Page numbers (§7.5): "— n —", odd right / even left with one character's space.
    page_number_dash: str = "—"
    page_number_side_chars: int = 1

    @property
    def text_width(self) -> Length:
        return Length(self.page_width - self.margin_left - self.margin_right)

    @property
    def text_height(self) -> Length:
        return Length(self.page_height - self.margin_top - self.margin_bottom)

    @property
    def char_advance(self) -> Length:
        """One full-width character of body text, with the condensed spacing: 15.75 pt."""
        return Length(self.body_size + self.char_spacing)

    def chars(self, n: float) -> Length:
        """The width of n body characters."""
        return Length(round(self.char_advance * n))

    def with_overrides(self, values: dict[str, Any]) -> LayoutProfile:
        """A copy with some values changed (a region's layout file); fonts merge field by field."""
        values = dict(values)
        fonts = values.pop("fonts", None)
        profile = replace(self, **values)
        return replace(profile, fonts=replace(self.fonts, **fonts)) if fonts else profile


DEFAULT = LayoutProfile()
