"""Read geometry back from a PDF with `pdftotext -bbox-layout`: lines with their boxes, in millimetres."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

MM = 72 / 25.4  # points per millimetre


@dataclass(frozen=True)
class Line:
    page: int
    text: str
    x0: float  # mm from the left edge
    x1: float
    y0: float  # mm from the top edge
    y1: float

    @property
    def y_centre(self) -> float:
        return (self.y0 + self.y1) / 2


def lines(pdf: Path) -> list[list[Line]]:
    """Every page's text lines, top to bottom."""
    html = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    html = html[html.index("<doc"):html.index("</doc>") + 6].replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    pages = []
    for n, page in enumerate(ET.fromstring(html).iter("page"), 1):
        out = []
        for line in page.iter("line"):
            text = "".join(w.text or "" for w in line.iter("word"))
            box = [float(line.get(k)) / MM for k in ("xMin", "xMax", "yMin", "yMax")]
            out.append(Line(n, text, *box))
        pages.append(sorted(out, key=lambda ln: ln.y0))
    return pages
