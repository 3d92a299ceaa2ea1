"""reportgen serve through Flask's test client: the form follows the schema, files round-trip through it unchanged,
saves keep comments and refuse stale versions, and paths, sizes and origins outside the rules are refused."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import html5lib
import pytest
from click.testing import CliRunner
from conftest import MINIMAL

from reportgen import resources
from reportgen.cli import main
from reportgen.load import load_text
from reportgen.serve.app import create_app, ui
from reportgen.serve.yamlfile import same

ROOT = Path(__file__).resolve().parent.parent
INPUTS = sorted([*ROOT.glob("examples/*.yaml"), *ROOT.glob("inputs/*.yaml")])


def client(root: Path, **kwargs: Any):
    return create_app(root, ROOT, **kwargs).test_client()


def page(c, name: str):
    response = c.get(f"/edit?file={name}")
    assert response.status_code == 200, response.data.decode()
    html = response.data.decode("utf-8")
    token = re.search(r'name="reportgen-token" content="([^"]+)"', html).group(1)
    version = re.search(r'<form id="report"[^>]* data-version="([^"]*)"', html).group(1)
    return html, token, version


def post(c, url: str, token: str, body: dict, **headers: str):
    return c.post(url, data=json.dumps(body), content_type="application/json",
                  headers={"X-Reportgen-Token": token, **headers})


# ---- the form's data, read from the HTML as serve.js reads it -----------------------------------------------

def form_data(html: str) -> dict[str, Any]:
    """serve.js's collect(), over the served HTML: what the page would send back without an edit."""
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    form = doc.find(".//form[@id='report']")
    widgets: dict[int, list] = {id(form): []}  # each value-holding element's own, visible, value-holding children

    def walk(node, owner, hidden: bool) -> None:
        for child in node:
            shut = hidden or child.get("hidden") is not None
            if child.get("data-w"):
                if not shut:
                    widgets[id(owner)].append(child)
                widgets[id(child)] = []
                walk(child, child, False)
            else:
                walk(child, owner, shut)

    walk(form, form, False)

    def kids(el):
        return widgets[id(el)]

    def ctl(el):
        return next(c for c in el.iter() if "ctl" in (c.get("class") or "").split())

    def control_value(c) -> str:
        if c.tag == "select":
            chosen = [o for o in c.iter("option") if o.get("selected") is not None] or list(c.iter("option"))[:1]
            return chosen[0].get("value", "") if chosen else ""
        if c.tag == "textarea":
            return c.text or ""
        return c.get("value", "")

    def collect(el):
        w = el.get("data-w")
        if w in ("object", "named"):
            out = {}
            for c in kids(el):
                v = collect(c)
                if v is not None:
                    out[c.get("data-key")] = v
            if w == "named":
                if not out:
                    return None
                return out["name"] if list(out) == ["name"] and el.get("data-shape") != "object" else out
            keep = any(el.get(a) is not None for a in ("data-required", "data-present", "data-item"))
            return out if out or keep else None
        if w == "array":
            out = [v for v in (collect(c) for c in kids(el)) if v is not None]
            return out if out or el.get("data-present") is not None else None
        if w == "choice":
            branch = kids(el)
            return collect(branch[0]) if branch else None
        if w == "tuple":
            values = [control_value(c).strip() for c in el.iter() if "ctl" in (c.get("class") or "").split()]
            return values if any(values) else None
        text = control_value(ctl(el))
        if w in ("paragraphs", "lines"):
            lines = [ln for ln in text.split("\n") if ln.strip()]
            if not lines:
                return None
            return lines[0] if w == "paragraphs" and len(lines) == 1 and ctl(el).get("data-shape") != "list" else lines
        if w == "boolean":
            return None if text == "" else text == "true"
        return None if text.strip() == "" else text

    return {c.get("data-key"): v for c in kids(form) if (v := collect(c)) is not None}


# ---- the form is generated from the schema ------------------------------------------------------------------

def schema_keys(schema: dict) -> set[str]:
    keys: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            keys.update(node.get("properties", {}))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return keys


def test_every_schema_key_has_an_input(tmp_path: Path) -> None:
    html, _, _ = page(client(tmp_path), "new.yaml")
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    shown = {el.get("data-key") for el in doc.iter() if el.get("data-key")}
    assert schema_keys(resources.schema()) <= shown
    for label in doc.iter("label"):  # every label is bound to an input of the page
        assert doc.find(f".//*[@id='{label.get('for')}']") is not None


def test_everything_is_served_from_the_package(tmp_path: Path) -> None:
    """Offline: the page loads nothing from elsewhere (no CDN, no web fonts), only what the package ships."""
    c = client(tmp_path)
    html, _, _ = page(c, "town.yaml")
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    linked = [el.get("src") or el.get("href") for el in doc.iter() if el.tag in ("script", "link", "img", "iframe")
              if el.get("src") or el.get("href")]
    assert sorted(linked) == ["/static/serve.css", "/static/serve.js"]
    package = Path(create_app.__code__.co_filename).parent / "static"
    for name in ("serve.css", "serve.js"):
        served = c.get(f"/static/{name}")
        assert served.status_code == 200 and served.data == (package / name).read_bytes()
        assert not re.search(rb"https?://|@import|url\(|@font-face", served.data)


def test_a_new_schema_property_shows_up_in_the_form(tmp_path: Path) -> None:
    schema = copy.deepcopy(resources.schema())
    schema["$defs"]["town"]["properties"]["code"] = {"description": "乡镇区划代码，如 320681101", "type": "string"}
    schema["$defs"]["topic"]["properties"]["budget"] = {"description": "本方面的经费（万元）", "type": "number"}
    before, _, _ = page(client(tmp_path), "new.yaml")
    after, _, _ = page(client(tmp_path, schema=schema), "new.yaml")
    assert 'data-key="code"' not in before and "乡镇区划代码" not in before
    doc = html5lib.parse(after, namespaceHTMLElements=False)
    field = doc.find(".//*[@data-key='town']//*[@data-key='code']")
    assert field is not None and field.get("data-w") == "string"
    assert "乡镇区划代码" in "".join(field.find("label").itertext())
    topic = doc.find(".//template//*[@data-key='budget']")  # in the template a new topic is cloned from
    assert topic is not None and topic.get("data-w") == "number"


def test_fact_kinds_have_their_own_inputs(tmp_path: Path) -> None:
    from reportgen import facts

    (tmp_path / "town.yaml").write_text(MINIMAL, encoding="utf-8")
    html, _, _ = page(client(tmp_path), "town.yaml")
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    fact = doc.find(".//*[@data-key='measures']//*[@data-key='facts']//fieldset")
    groups = {g.get("data-kind"): g for g in fact.iter("div") if g.get("data-kind")}
    assert list(groups) == [k.name for k in facts.KINDS]
    for k in facts.KINDS:
        keys = {el.get("data-key") for el in groups[k.name].iter() if el.get("data-key")}
        assert k.field in keys and ("unit" in keys) == k.needs_unit and ("of" in keys) == k.with_of
    amount_units = [o.get("value") for o in groups["amount"].iter("option") if o.get("value")]
    assert amount_units == list(facts.BY_NAME["amount"].units)


# ---- opened and saved without an edit: the same file --------------------------------------------------------

@pytest.mark.parametrize("source", INPUTS, ids=lambda p: p.name)
def test_open_and_save_gives_the_file_back(tmp_path: Path, source: Path) -> None:
    shutil.copy(source, tmp_path)
    original = source.read_text(encoding="utf-8")
    c = client(tmp_path)
    html, token, version = page(c, source.name)
    sent = form_data(html)
    response = post(c, "/api/save", token, {"file": source.name, "data": sent, "version": version})
    assert response.status_code == 200, response.json
    saved = (tmp_path / source.name).read_text(encoding="utf-8")
    assert same(load_text(saved, "saved").data, load_text(original, "original").data)
    comments = [ln.strip() for ln in original.splitlines() if ln.lstrip().startswith("#")]
    assert comments == [ln.strip() for ln in saved.splitlines() if ln.lstrip().startswith("#")]
    assert saved == original
    assert not [p for p in response.json["problems"] if p["severity"] == "error"]


def test_an_edit_changes_only_its_lines(tmp_path: Path) -> None:
    """A title filled in takes the place of init's `#- title:` line; a fact removed takes only its line."""
    shutil.copy(ROOT / "inputs" / "qinghe-2025.yaml", tmp_path)
    original = (tmp_path / "qinghe-2025.yaml").read_text(encoding="utf-8")
    c = client(tmp_path)
    html, token, version = page(c, "qinghe-2025.yaml")
    data = form_data(html)
    data["title"] = "示例县青禾镇人民政府关于2025年法治政府建设情况的报告"
    del data["town"]["city"]  # the comment above it stays
    del data["measures"]["topics"][1]["facts"][1]
    data["measures"]["topics"][0]["facts"][0]["count"] = "7"
    response = post(c, "/api/save", token, {"file": "qinghe-2025.yaml", "data": data, "version": version})
    assert response.status_code == 200
    saved = (tmp_path / "qinghe-2025.yaml").read_text(encoding="utf-8").splitlines()
    old = original.splitlines()
    removed = [ln for ln in old if ln not in saved]
    added = [ln for ln in saved if ln not in old]
    assert removed == ["  city: 示例市", next(ln for ln in old if ln.startswith("#- title:")),
                       "        - {label: 召开党委会议、镇长办公会议专题研究法治工作, count: 6, unit: 次}",
                       "        - {label: 组织干部职工学法考试, count: 2, unit: 次}"]
    assert added == ["title: 示例县青禾镇人民政府关于2025年法治政府建设情况的报告",
                     "        - {label: 召开党委会议、镇长办公会议专题研究法治工作, count: 7, unit: 次}"]
    assert saved.index(added[0]) == old.index(removed[1]) - 1  # in the place init offered (a line up: city)


HAND_WRITTEN = """\
# 手写的文件：四格缩进，列表不缩进，Windows 换行
year: 2024   # 年度
town:
    name: 试点镇
    issuer: 试点县试点镇人民政府
measures:
    topics:
    - area: enforcement
      facts:
      - {label: 开展行政检查, count: 10, unit: 次}
shortcomings:
    items: [{area: publicity}]
leaders: {}
plans:
    items:
    - area: publicity
""".replace("\n", "\r\n")


def test_a_hand_written_file_keeps_its_layout(tmp_path: Path) -> None:
    (tmp_path / "town.yaml").write_bytes(HAND_WRITTEN.encode("utf-8"))
    c = client(tmp_path)
    html, token, version = page(c, "town.yaml")
    data = form_data(html)
    assert post(c, "/api/save", token, {"file": "town.yaml", "data": data, "version": version}).status_code == 200
    assert (tmp_path / "town.yaml").read_bytes() == HAND_WRITTEN.encode("utf-8")
    html, token, version = page(c, "town.yaml")
    data = form_data(html)
    data["year"] = "2025"
    data["measures"]["topics"].append({"area": "disputes"})
    assert post(c, "/api/save", token, {"file": "town.yaml", "data": data, "version": version}).status_code == 200
    expected = HAND_WRITTEN.replace("year: 2024", "year: 2025").replace(
        "次}\r\n", "次}\r\n    - {area: disputes}\r\n")
    assert (tmp_path / "town.yaml").read_bytes() == expected.encode("utf-8")


def test_a_new_file_gets_init_order_and_validates(tmp_path: Path) -> None:
    c = client(tmp_path)
    _, token, version = page(c, "town.yaml")
    assert version == ""
    data = {"plans": {"items": [{"area": "publicity"}]}, "leaders": {}, "year": "2025",
            "shortcomings": {"items": [{"area": "publicity"}]},
            "measures": {"topics": [{"facts": [{"unit": "次", "count": "10", "label": "开展行政检查"}],
                                     "area": "enforcement"}]},
            "town": {"issuer": "试点县试点镇人民政府", "name": "试点镇"}}
    response = post(c, "/api/save", token, {"file": "town.yaml", "data": data, "version": ""})
    assert response.status_code == 200 and not response.json["problems"]
    text = (tmp_path / "town.yaml").read_text(encoding="utf-8")
    keys = [ln.split(":")[0] for ln in text.splitlines() if re.match(r"^[a-z]", ln)]
    assert keys == ["year", "town", "measures", "shortcomings", "leaders", "plans"]  # schema (init) order
    assert "  name: 试点镇\n  issuer: 试点县试点镇人民政府" in text
    assert "- {label: 开展行政检查, count: 10, unit: 次}" in text
    assert text.startswith("# yaml-language-server: $schema=")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "town.yaml")])
    assert result.exit_code == 0, result.output


def test_numbers_keep_their_spelling(tmp_path: Path) -> None:
    """546.50 stays 546.50 where nothing changed, and a typed 96.50 is written as typed."""
    (tmp_path / "town.yaml").write_text(MINIMAL.replace("facts: [{label: 开展行政检查, count: 10, unit: 件}]",
                                                        "facts: [{label: 投入经费, amount: 546.50, unit: 万元}]"),
                                        encoding="utf-8")
    c = client(tmp_path)
    html, token, version = page(c, "town.yaml")
    data = form_data(html)
    assert data["measures"]["topics"][0]["facts"][0]["amount"] == "546.50"
    data["year"] = "2025"
    data["measures"]["topics"].append({"area": "disputes", "facts": [{"label": "调解成功率", "rate": "96.50"}]})
    assert post(c, "/api/save", token, {"file": "town.yaml", "data": data, "version": version}).status_code == 200
    text = (tmp_path / "town.yaml").read_text(encoding="utf-8")
    assert "{label: 投入经费, amount: 546.50, unit: 万元}" in text and "rate: 96.50" in text and "year: 2025" in text


# ---- two tabs on one file ------------------------------------------------------------------------------------

def test_a_stale_save_is_refused(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "gongchuan-2023.yaml", tmp_path)
    c = client(tmp_path)
    html, token, version = page(c, "gongchuan-2023.yaml")
    first, second = form_data(html), form_data(html)
    first["title"] = "第一个标签页的标题"
    second["title"] = "第二个标签页的标题"
    assert post(c, "/api/save", token, {"file": "gongchuan-2023.yaml", "data": first, "version": version}).status_code == 200
    response = post(c, "/api/save", token, {"file": "gongchuan-2023.yaml", "data": second, "version": version})
    assert response.status_code == 409
    assert response.json["error"] == ui()["errors"]["stale"].format(name="gongchuan-2023.yaml")
    assert "title: 第一个标签页的标题" in (tmp_path / "gongchuan-2023.yaml").read_text(encoding="utf-8")


def test_a_new_file_does_not_overwrite_one_made_meanwhile(tmp_path: Path) -> None:
    c = client(tmp_path)
    _, token, version = page(c, "town.yaml")
    (tmp_path / "town.yaml").write_text("year: 2024\n", encoding="utf-8")
    response = post(c, "/api/save", token, {"file": "town.yaml", "data": {"year": "2025"}, "version": version})
    assert response.status_code == 409 and "已经存在" in response.json["error"]
    assert (tmp_path / "town.yaml").read_text(encoding="utf-8") == "year: 2024\n"


# ---- the pipeline's own messages, at their fields -------------------------------------------------------------

def test_messages_are_the_clis_at_their_json_path(tmp_path: Path) -> None:
    c = client(tmp_path)
    _, token, _ = page(c, "town.yaml")
    data = {"year": "２０２５", "town": {"name": "试点镇", "issuer": "试点县试点镇人民政府"},
            "measures": {"topics": [{"area": "enforcement", "facts": [{"label": "开展检查", "count": "10", "unit": "次"},
                                                                       {"label": "办结率", "rate": "96.92", "of": ["63", "65"]}]}]},
            "shortcomings": {"items": [{"area": "publicity"}]}, "leaders": {}, "plans": {"items": [{"area": "publicity"}]}}
    missing = post(c, "/api/check", token, {"file": "town.yaml", "data": {**data, "town": {"name": "试点镇"}}})
    assert [(p["path"], p["place"]) for p in missing.json["problems"] if "issuer" in p["message"]] == [
        ("town", "town.issuer")]  # shown at the missing key's own input
    response = post(c, "/api/check", token, {"file": "town.yaml", "data": data})
    problems = {p["path"]: p for p in response.json["problems"]}
    assert set(problems) == {"year"}
    (tmp_path / "same.yaml").write_text(response.json["yaml"], encoding="utf-8")
    cli = CliRunner().invoke(main, ["validate", str(tmp_path / "same.yaml")])
    assert cli.exit_code == 3
    assert f"字段 year：{problems['year']['message']}" in cli.output and problems["year"]["hint"] in cli.output
    data["year"] = "2025"
    data["measures"]["topics"][0]["facts"][1]["rate"] = "90"
    problems = post(c, "/api/check", token, {"file": "town.yaml", "data": data}).json["problems"]
    assert [p["path"] for p in problems] == ["measures.topics[0].facts[1].rate"]  # 63÷65 is not 90%
    assert "63 ÷ 65" in problems[0]["message"]


def test_preview_and_download_are_the_clis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(ROOT / "inputs" / "qinghe-2025.yaml", tmp_path)
    c = client(tmp_path)
    html, token, _ = page(c, "qinghe-2025.yaml")
    checked = post(c, "/api/check", token, {"file": "qinghe-2025.yaml", "data": form_data(html)}).json
    monkeypatch.chdir(tmp_path)
    text = CliRunner().invoke(main, ["preview", "--format", "txt", "qinghe-2025.yaml"])
    assert checked["preview"] and "".join(checked["preview"].split()) in "".join(text.output.split())
    download = post(c, "/api/docx", token, {"file": "qinghe-2025.yaml"})
    assert download.status_code == 200 and "qinghe-2025.docx" in download.headers["Content-Disposition"]
    built = CliRunner().invoke(main, ["build", "qinghe-2025.yaml", "-o", "built.docx"])
    assert built.exit_code == 0, built.output
    assert download.data == (tmp_path / "built.docx").read_bytes()


def test_page_images(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page images are the built .docx through preview's LibreOffice and poppler steps (tested with
    test_preview.py; stubbed here, so this test needs neither): what serve hands them and what it returns."""
    from PIL import Image

    from reportgen.preview import render as lo

    shutil.copy(ROOT / "inputs" / "qinghe-2025.yaml", tmp_path)
    given: list[bytes] = []

    def to_pdf(docs: list[Path], outdir: Path) -> list[Path]:
        given.extend(d.read_bytes() for d in docs)
        outdir.mkdir()
        return [outdir / "qinghe-2025.pdf"]

    def to_png(pdf: Path, outdir: Path, dpi: int) -> list[Path]:
        pages = [outdir / f"{pdf.stem}-{n}.png" for n in (1, 2)]
        for n, png in enumerate(pages):
            Image.new("RGB", (40 + n, 60)).save(png)
        return pages

    monkeypatch.setattr(lo, "check_fonts", lambda: None)
    monkeypatch.setattr(lo, "to_pdf", to_pdf)
    monkeypatch.setattr(lo, "to_png", to_png)
    c = client(tmp_path)
    _, token, _ = page(c, "qinghe-2025.yaml")
    response = post(c, "/api/pages", token, {"file": "qinghe-2025.yaml"})
    assert response.status_code == 200, response.json
    import base64
    import io

    images = [Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))) for src in response.json["pages"]]
    assert [im.size for im in images] == [(40, 60), (41, 60)]
    from reportgen.api import render

    assert given == [render(tmp_path / "qinghe-2025.yaml", None, ROOT).docx]

    def missing() -> None:
        raise lo.RendererMissing("没有找到 LibreOffice（soffice），无法生成预览。")

    monkeypatch.setattr(lo, "check_fonts", missing)
    response = post(c, "/api/pages", token, {"file": "qinghe-2025.yaml"})
    assert response.status_code == 422 and "没有找到 LibreOffice" in response.json["error"]


# ---- refused: outside the folder, too big, from another site ---------------------------------------------------

@pytest.fixture
def fenced(tmp_path: Path) -> tuple[Path, Path]:
    """A working folder, a YAML outside it, and a link inside pointing out."""
    root, outside = tmp_path / "work", tmp_path / "secret"
    root.mkdir()
    outside.mkdir()
    (outside / "other.yaml").write_text("year: 2024\n", encoding="utf-8")
    (root / "link.yaml").symlink_to(outside / "other.yaml")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    (root / "town.yaml").write_text(MINIMAL, encoding="utf-8")
    return root, outside


@pytest.mark.parametrize("name", ["../secret/other.yaml", "sub/../../secret/other.yaml", "link.yaml",
                                  "linkdir/other.yaml", "linkdir/new.yaml", "/tmp/x.yaml", "//tmp/x.yaml"])
def test_paths_outside_the_folder_are_refused(fenced: tuple[Path, Path], name: str) -> None:
    root, outside = fenced
    absolute = name.replace("/tmp/x.yaml", str(outside / "other.yaml"))
    c = client(root)
    read = c.get("/edit", query_string={"file": absolute})
    assert read.status_code == 403 and "不在工作文件夹" in read.data.decode("utf-8")
    _, token, _ = page(c, "town.yaml")
    for url, body in (("/api/save", {"file": absolute, "data": {"year": "2000"}, "version": ""}),
                      ("/api/check", {"file": absolute, "data": {}}), ("/api/docx", {"file": absolute})):
        response = post(c, url, token, body)
        assert response.status_code == 403 and "不在工作文件夹" in response.json["error"]
    assert (outside / "other.yaml").read_text(encoding="utf-8") == "year: 2024\n"
    assert sorted(p.name for p in outside.iterdir()) == ["other.yaml"]


def test_previous_outside_the_folder_is_not_read(fenced: tuple[Path, Path]) -> None:
    root, _ = fenced
    c = client(root)
    html, token, _ = page(c, "town.yaml")
    data = form_data(html)
    data["previous"] = "../secret/other.yaml"
    problems = post(c, "/api/check", token, {"file": "town.yaml", "data": data}).json["problems"]
    assert problems[0]["path"] == "previous" and "不在工作文件夹" in problems[0]["message"]
    (root / "town.yaml").write_text(MINIMAL.replace("year: 2024", "year: 2024\nprevious: ../secret/other.yaml"),
                                    encoding="utf-8")
    response = post(c, "/api/docx", token, {"file": "town.yaml"})
    assert response.status_code == 422 and "不在工作文件夹" in response.json["error"]


def test_only_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    response = client(tmp_path).get("/edit?file=notes.txt")
    assert response.status_code == 400 and "不是 .yaml 文件" in response.data.decode("utf-8")


def test_an_oversized_post_is_refused(tmp_path: Path) -> None:
    c = client(tmp_path)
    _, token, _ = page(c, "town.yaml")
    response = c.post("/api/save", data=b'{"data": "' + b"x" * (4 * 2**20) + b'"}', content_type="application/json",
                      headers={"X-Reportgen-Token": token})
    assert response.status_code == 413
    assert response.json["error"] == ui()["errors"]["too_big"].format(mb=4)
    assert not (tmp_path / "town.yaml").exists()


def test_bodies_not_from_the_form_are_refused(tmp_path: Path) -> None:
    c = client(tmp_path)
    _, token, _ = page(c, "town.yaml")
    for body in (b"not json", b"[1, 2]", b'{"file": "town.yaml", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"):
        response = c.post("/api/check", data=body, content_type="application/json", headers={"X-Reportgen-Token": token})
        assert response.status_code == 400 and response.json["error"] in (ui()["errors"]["bad_request"],
                                                                          ui()["errors"]["too_deep"])


@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"X-Reportgen-Token": "guessed"}], ids=["origin", "fetch-site", "token"])
def test_a_cross_site_post_is_refused(tmp_path: Path, headers: dict[str, str]) -> None:
    c = client(tmp_path)
    _, token, _ = page(c, "town.yaml")
    response = post(c, "/api/save", token, {"file": "town.yaml", "version": "", "data": {"year": "2025"}}, **headers)
    assert response.status_code == 403 and response.json["error"] == ui()["errors"]["cross_site"]
    assert not (tmp_path / "town.yaml").exists()
    same_site = post(c, "/api/check", token, {"file": "town.yaml", "data": {}},
                     Origin="http://localhost", **{"Sec-Fetch-Site": "same-origin"})
    assert same_site.status_code == 200


def test_another_host_name_is_refused(tmp_path: Path) -> None:
    """A page on another site whose name was rebound to 127.0.0.1 (DNS rebinding) names its own host."""
    response = client(tmp_path).get("/edit?file=town.yaml", headers={"Host": "evil.example:8765"})
    assert response.status_code == 400 and "evil.example" in response.data.decode("utf-8")


# ---- the command ----------------------------------------------------------------------------------------------

def test_cli_import_stays_light() -> None:
    """`reportgen --help` imports no Flask: the command imports it when it runs."""
    code = "import sys, reportgen.cli; print(sorted(m for m in ('flask', 'ruamel.yaml', 'werkzeug') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cli_refuses_what_it_cannot_serve(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", str(tmp_path / "notes.txt")])
    assert result.exit_code == 2 and "不是 .yaml 文件" in result.output
    result = CliRunner().invoke(main, ["serve", str(tmp_path / "nowhere" / "town.yaml")])
    assert result.exit_code == 2 and "找不到" in result.output
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", str(tmp_path), "--port", str(port)])
    assert result.exit_code == 2 and f"端口 {port} 已被占用" in result.output


def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    """The URL is printed in Chinese; Ctrl-C ends with build's message and exit 130, without a traceback."""
    from urllib.request import urlopen

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen([sys.executable, "-m", "reportgen", "serve", str(tmp_path), "--port", "0"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        banner = ""
        while "http://" not in banner:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            banner += line
        url = re.search(r"http://\S+", banner).group(0)
        assert "请在浏览器中打开" in banner
        with urlopen(url) as response:
            assert "选择要填写的报告" in response.read().decode("utf-8")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "已中止（Ctrl-C）" in err and "Traceback" not in err
