"""Lengths in EMU (914,400 an inch), as python-docx counts them, with the units typesetting speaks.

python-docx's own Length is this same int subclass, but importing `docx.shared` imports all of python-docx
(about 60 ms, most of a cold build), while a build needs it only to make the scaffold once (typeset/document.py,
then cached): so typesetting counts in this copy, equal to python-docx's value for value."""

from __future__ import annotations

_EMU_PER_INCH = 914_400
_EMU_PER_CM = 360_000
_EMU_PER_MM = 36_000
_EMU_PER_PT = 12_700
_EMU_PER_TWIP = 635


class Length(int):
    """A length in EMU; read it in the unit wanted."""

    @property
    def cm(self) -> float:
        return self / _EMU_PER_CM

    @property
    def emu(self) -> int:
        return int(self)

    @property
    def inches(self) -> float:
        return self / _EMU_PER_INCH

    @property
    def mm(self) -> float:
        return self / _EMU_PER_MM

    @property
    def pt(self) -> float:
        return self / _EMU_PER_PT

    @property
    def twips(self) -> int:
        return round(self / _EMU_PER_TWIP)


def Cm(value: float) -> Length:
    return Length(int(value * _EMU_PER_CM))  # truncated, as python-docx does


def Mm(value: float) -> Length:
    return Length(int(value * _EMU_PER_MM))  # truncated, as python-docx does


def Pt(value: float) -> Length:
    return Length(int(value * _EMU_PER_PT))  # truncated, as python-docx does


def Twips(value: float) -> Length:
    return Length(int(value * _EMU_PER_TWIP))  # truncated, as python-docx does
