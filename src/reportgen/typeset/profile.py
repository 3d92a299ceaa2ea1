"""LayoutProfile: every GB/T 9704-2012 number (../shared/gbt9704.md), in one place, as Length values."""

from __future__ import annotations

import math
from typing import Any

import msgspec

from reportgen.typeset.length import Length, Mm, Pt, Twips

# 字号 → points, as Chinese typesetting and Word's 字号 list define them (GB/T 9704 names sizes this way: 3号, 2号…).
ZIHAO: dict[str, float] = {
    "初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18, "三号": 16, "小三": 15,
    "四号": 14, "小四": 12, "五号": 10.5, "小五": 9, "六号": 7.5, "小六": 6.5, "七号": 5.5, "八号": 5,
}


class Fonts(msgspec.Struct, frozen=True):
    """Face names, East Asian and Latin. Offices differ (仿宋 vs 仿宋_GB2312): a region may change them."""

    body: str = "仿宋_GB2312"
    title: str = "方正小标宋简体"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    heading3: str = "仿宋_GB2312"
    heading4: str = "仿宋_GB2312"
    page_number: str = "宋体"
    latin: str = "Times New Roman"


class LayoutProfile(msgspec.Struct, frozen=True):
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
    body_size: Length = Pt(16)  # 3号
    # line_pitch and char_spacing follow from these and the 版心 (properties below): a region that changes the
    # margins or the body size keeps 22 lines × 28 characters without recalibrating anything by hand.

    # Text (§7.3): sizes and faces.
    title_size: Length = Pt(22)  # 2号
    page_number_size: Length = Pt(14)  # 4号
    fonts: Fonts = msgspec.field(default_factory=Fonts)
    heading3_bold: bool = False  # local custom in some offices
    title_max_chars: int = 20
    body_indent_chars: int = 2  # 首行缩进二字
    # Full width in the Chinese face, as in Word: characters Unicode leaves without a script (oxml.east_asian_punctuation).
    east_asian_punctuation: str = "“”‘’：—…"
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
    page_number_dash: str = "—"  # "" for a bare number; "-" gives 「- 1 -」
    page_number_sides: str = "outer"  # "outer": odd pages right, even pages left; "center": every page centred
    page_number_side_chars: int = 1

    # ---- 上行文 and 联合行文 (§7.2.4, §7.2.6, §7.3.3, §7.3.5, §7.4) ----
    upward_side_chars: int = 1  # 上行文: 发文字号居左空一字, 签发人居右空一字
    signers_per_line: int = 2  # 多个签发人：一般每行排两个姓名
    joint_mark_file_gap_chars: float = 0.5  # 联合行文标志: between the names and 「文件」, in 标志 characters
    joint_mark_line_ratio: float = 1.2  # line height of each issuer's name, times the 标志's size
    joint_seal_pitch_chars: int = 10  # 联合行文加盖印章: centre to centre of two 署名 (a seal is about 42 mm, 7.6 characters)
    joint_seals_per_line: int = 3
    attachment_indent_chars: int = 2  # 附件说明：正文下空一行左空二字
    lines_before_attachments: int = 1
    imprint_size: Length = Pt(14)  # 版记：4号仿宋
    imprint_side_chars: int = 1  # 抄送、印发机关左空一字，印发日期右空一字 (in 4号 characters)
    imprint_rule_thick: Length = Mm(0.35)  # 首条和末条分隔线
    imprint_rule_thin: Length = Mm(0.25)  # 中间的分隔线
    imprint_line: Length = Twips(579)  # one line of the 版记, the body's pitch
    # A hair less than the 版心 above the 版记, so rounding never pushes it onto another page: the last rule
    # then sits within this distance of the 版心's lower edge.
    imprint_slack: Length = Mm(0.3)
    # Lines kept free between the body's last line, as the line model counts it, and a 版记 sharing its page:
    # the model can be a line short of what a renderer lays out.
    imprint_margin_lines: int = 1

    @property
    def text_width(self) -> Length:
        return Length(self.page_width - self.margin_left - self.margin_right)

    @property
    def text_height(self) -> Length:
        return Length(self.page_height - self.margin_top - self.margin_bottom)

    @property
    def line_pitch(self) -> Length:
        """The 版心 height over lines_per_page, in whole twips and never more (579 = 28.95 pt for 225 mm / 22):
        a pitch rounded up would leave the 22nd line no room."""
        return Twips(int(self.text_height.twips / self.lines_per_page))

    @property
    def char_spacing(self) -> Length:
        """Spacing added to each body character so chars_per_line of them fill the 版心 width: whole twips (what
        w:spacing holds), rounded down so the last one still fits. 156 mm / 28 − 16 pt = −0.207 pt → −5 twips
        (−0.25 pt); for 14 pt, +1.75 pt."""
        return Twips(math.floor(self.text_width.twips / self.chars_per_line - self.body_size.twips))

    @property
    def char_advance(self) -> Length:
        """One full-width character of body text, with the derived spacing: 15.75 pt."""
        return Length(self.body_size + self.char_spacing)

    def chars(self, n: float) -> Length:
        """The width of n body characters."""
        return Length(round(self.char_advance * n))

    def with_overrides(self, values: dict[str, Any]) -> LayoutProfile:
        """A copy with some values changed (a region's layout file); fonts merge field by field."""
        values = dict(values)
        fonts = values.pop("fonts", None)
        profile = msgspec.structs.replace(self, **values)
        return msgspec.structs.replace(profile, fonts=msgspec.structs.replace(self.fonts, **fonts)) if fonts else profile


DEFAULT = LayoutProfile()
