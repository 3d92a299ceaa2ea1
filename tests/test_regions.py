"""Regions: shipped ones build every example and differ as intended; a new one takes minutes, no Python."""

from __future__ import annotations

import io

import docx
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, MINIMAL, SEED_OF
from effective import NS, Effective, q

from reportgen.api import render
from reportgen.blocks import PARTS
from reportgen.cli import main
from reportgen.typeset.profile import DEFAULT as P

REGIONS = ["regulation", "runin", "document"]
# The regulation's five parts (第二十五条), 上一年度/下一年度 written as the report's years.
REGULATION_HEADINGS = [
    "{y}年推进法治政府建设的主要举措和成效",
    "{y}年推进法治政府建设存在的不足和原因",
    "{y}年党政主要负责人履行推进法治建设第一责任人职责，加强法治政府建设的有关情况",
    "{n}年推进法治政府建设的主要安排",
    "其他需要报告的情况",
]


def _own_headings(example: str) -> tuple[int, dict[str, str | None]]:
    """The example's year and its own heading of each part (None where it uses the region's)."""
    import yaml

    data = yaml.safe_load((EXAMPLES / f"{example}.yaml").read_text(encoding="utf-8"))
    other = data.get("other")
    return data["year"], {part: (other.get("heading") if isinstance(other, dict) else None) if part == "other"
                          else data[part].get("heading") for part in PARTS}


def _expected_headings(example: str) -> list[str]:
    """The regulation's headings for the example's year, or the town's own heading of a part where it gave one."""
    year, own = _own_headings(example)
    return [own[part] or h.format(y=year, n=year + 1) for part, h in zip(PARTS, REGULATION_HEADINGS, strict=True)]


@pytest.fixture(scope="module")
def built():
    return {(r, e): render(EXAMPLES / f"{e}.yaml", region=r) for r in ["base", *REGIONS] for e in SEED_OF}


def _paras(built_or_bytes):
    data = built_or_bytes if isinstance(built_or_bytes, bytes) else built_or_bytes.docx
    return [(p.style.style_id, p.text) for p in docx.Document(io.BytesIO(data)).paragraphs]


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("example", sorted(SEED_OF))
def test_every_region_builds_every_example_with_all_five_parts(built, region, example):
    b = built[(region, example)]
    assert {x.part for x in b.blocks} >= set(PARTS)
    level1 = [t for s, t in _paras(b) if s == "RGHeading1"]
    assert [t[:2] for t in level1] == ["一、", "二、", "三、", "四、", "五、"]  # consecutive whatever the order
    assert b.text != built[("base", example)].text


@pytest.mark.parametrize("example", sorted(SEED_OF))
def test_regulation_uses_the_regulations_headings_and_numbers_every_item(built, example):
    b = built[("regulation", example)]
    assert [x.text for x in b.blocks if x.kind == "heading" and x.level == 1] == _expected_headings(example)
    assert not any(x.part == "background" for x in b.blocks)  # 基本情况 is folded into the opening
    numbered = [x for x in b.blocks if x.kind == "heading" and x.level == 3]
    unheaded = [x for x in numbered if not x.text]
    if example == "changsha-2023":  # its items have no headings: still numbered 1. 2. 3.
        assert unheaded and all(x.number[:-1].isdigit() for x in unheaded)
        assert [x.number for x in numbered[:3]] == ["1.", "2.", "3."]


@pytest.mark.parametrize("example", sorted(SEED_OF))
def test_runin_puts_leaders_second_and_writes_topics_as_one_paragraph(built, example):
    b = built[("runin", example)]
    assert [x.part for x in b.blocks if x.part in PARTS] == ["measures", "leaders", "shortcomings", "plans", "other"]
    styles = _paras(b)
    assert not [t for s, t in styles if s == "RGHeading2"]  # every level-2 heading is run-in
    assert any(s == "RGRunIn2" for s, _ in styles)
    if example == "changsha-2023":  # topics with several items become 一是……；二是……。
        first_topic = next(t for s, t in styles if s == "RGRunIn2")
        assert "一是" in first_topic and "；二是" in first_topic and first_topic.endswith("。")
    level1 = {x.part: x.text for x in b.blocks if x.kind == "heading" and x.level == 1}
    own = _own_headings(example)[1]  # the town's own part headings win over the region's
    assert level1["shortcomings"] == (own["shortcomings"] or "存在的问题与不足")
    assert level1["plans"] == (own["plans"] or "下一年度工作安排")
    eff = Effective(b.docx)
    assert eff.by_id["RGHeading3Char"].find("w:rPr/w:b", NS).get(q("val")) == "1"  # layout: heading3_bold


def test_document_region_has_red_header_recipient_and_sealed_signature(built):
    b = built[("document", "yinyang-2023")]
    paras = _paras(b)
    assert paras[0] == ("RGMark", "启东市寅阳镇人民政府文件")  # from the issuer: this example has no header
    assert ("RGRecipient", "启东市人民政府：") in paras
    assert paras[-2] == ("RGSignature", "启东市寅阳镇人民政府")
    eff = Effective(b.docx)
    date = eff.paragraphs()[-1]
    assert eff.ppr(date, "ind", "right") == str(round(4 * P.char_advance.twips))  # sealed: 右空四字
    normal = eff.by_id["Normal"].find("w:rPr/w:rFonts", NS)
    assert normal.get(q("eastAsia")) == "仿宋"  # layout: the office writes 仿宋, not 仿宋_GB2312
    g = built[("document", "gongchuan-2023")]
    assert _paras(g)[:2] == [("RGMark", "永安市贡川镇人民政府文件"), ("RGDocNo", "永贡政〔2023〕69号")]


def test_a_new_region_overriding_other_changes_only_part_five(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["regions", "new", "my-county"], catch_exceptions=False).exit_code == 0
    (tmp_path / "templates" / "my-county" / "report.j2").write_text(
        '{% extends "base/report.j2" %}\n{% block other %}\n<h1 part=other>其他需要报告的情况\n'
        "本镇无其他需要报告的事项，特此报告。\n{% endblock %}\n", encoding="utf-8")
    listing = runner.invoke(main, ["regions"], catch_exceptions=False).output
    assert "my-county" in listing and "regulation" in listing
    out = tmp_path / "x.docx"
    assert runner.invoke(main, ["build", str(EXAMPLES / "guangyang-2023.yaml"), "-o", str(out), "--region",
                                "my-county"], catch_exceptions=False).exit_code == 0
    mine = [t for _, t in _paras(out.read_bytes())]
    base = [t for _, t in _paras(render(EXAMPLES / "guangyang-2023.yaml"))]
    cut = base.index("五、其他需要报告的情况")
    assert mine[:cut] == base[:cut]  # parts one to four unchanged
    assert mine[cut:] == ["五、其他需要报告的情况", "本镇无其他需要报告的事项，特此报告。"]


def test_scaffolded_region_builds_as_is_and_refuses_an_existing_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    runner.invoke(main, ["regions", "new", "county-y"], catch_exceptions=False)
    assert runner.invoke(main, ["validate", "--templates", "--region", "county-y"]).exit_code == 0
    again = runner.invoke(main, ["regions", "new", "county-y"], catch_exceptions=False)
    assert again.exit_code == 2 and "已经存在" in again.output


def test_template_naming_a_field_the_schema_lacks_is_reported_with_file_and_line(tmp_path, monkeypatch):
    folder = tmp_path / "templates" / "typo"
    folder.mkdir(parents=True)
    (folder / "report.j2").write_text('{% extends "base/report.j2" %}\n{% block title %}\n<title>{{ town.nmae }}\n'
                                      "{% endblock %}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "--templates", "--region", "typo"], catch_exceptions=False)
    assert result.exit_code == 4
    assert f"{folder / 'report.j2'}:3" in result.output and "“nmae”" in result.output


def test_shipped_templates_name_only_known_fields():
    result = CliRunner().invoke(main, ["validate", "--templates"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.count("✓ 模板") == 1 + len(REGIONS)


def test_region_layout_file_is_validated_like_input(tmp_path, monkeypatch):
    folder = tmp_path / "templates" / "odd"
    folder.mkdir(parents=True)
    (folder / "region.yaml").write_text("description: 试试\nlayout:\n  fonts: {body: 仿宋}\n  margin_top: 10\n",
                                        encoding="utf-8")
    src = tmp_path / "town.yaml"
    src.write_text(MINIMAL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", str(src), "--region", "odd", "-o", "x.docx"], catch_exceptions=False)
    assert result.exit_code == 4 and "region.yaml:4:3" in result.output and "margin_top" in result.output  # no unit


def test_region_flag_wins_over_the_yaml_key(tmp_path):
    src = tmp_path / "town.yaml"
    src.write_text(MINIMAL + "region: runin\n", encoding="utf-8")
    from_key = render(src)
    from_flag = render(src, region="regulation")
    assert from_key.region == "runin" and from_flag.region == "regulation"
    assert "2024年推进法治政府建设的主要举措和成效" in from_flag.text and "基本情况" not in from_flag.text
