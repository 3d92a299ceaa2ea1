"""Resolve a run's or paragraph's effective property the way Word does: direct → style chain → docDefaults."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def q(name: str) -> str:
    return f"{{{W}}}{name}"


class Effective:
    def __init__(self, docx: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(docx)) as z:
            self.document = etree.fromstring(z.read("word/document.xml"))
            self.styles = etree.fromstring(z.read("word/styles.xml"))
            self.settings = etree.fromstring(z.read("word/settings.xml"))
            self.parts = {n: z.read(n) for n in z.namelist()}
        self.by_id = {s.get(q("styleId")): s for s in self.styles.iter(q("style"))}

    def paragraphs(self):
        return self.document.findall(".//w:body/w:p", NS)

    def _chain(self, style_id: str | None):
        while style_id:
            style = self.by_id[style_id]
            yield style
            based = style.find("w:basedOn", NS)
            style_id = based.get(q("val")) if based is not None else None

    def _lookup(self, holders, tag: str, attr: str):
        for holder in holders:
            if holder is None:
                continue
            node = holder.find(tag, NS)
            if node is not None and node.get(q(attr)) is not None:
                return node.get(q(attr))
        return None

    def ppr(self, p, tag: str, attr: str):
        ppr = p.find("w:pPr", NS)
        style = ppr.find("w:pStyle", NS).get(q("val")) if ppr is not None and ppr.find("w:pStyle", NS) is not None else None
        holders = [ppr, *(s.find("w:pPr", NS) for s in self._chain(style)),
                   self.styles.find("w:docDefaults/w:pPrDefault/w:pPr", NS)]
        return self._lookup(holders, f"w:{tag}", attr)

    def rpr(self, p, r, tag: str, attr: str):
        """Run properties: the run, its character style chain, the paragraph style chain, docDefaults."""
        rpr = r.find("w:rPr", NS)
        rstyle = rpr.find("w:rStyle", NS).get(q("val")) if rpr is not None and rpr.find("w:rStyle", NS) is not None else None
        ppr = p.find("w:pPr", NS)
        pstyle = ppr.find("w:pStyle", NS).get(q("val")) if ppr is not None and ppr.find("w:pStyle", NS) is not None else None
        holders = [rpr, *(s.find("w:rPr", NS) for s in self._chain(rstyle)),
                   *(s.find("w:rPr", NS) for s in self._chain(pstyle)),
                   self.styles.find("w:docDefaults/w:rPrDefault/w:rPr", NS)]
        return self._lookup(holders, f"w:{tag}", attr)
