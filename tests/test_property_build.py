"""Property: every schema-valid input, hostile strings included, builds a .docx that holds its strings."""

from __future__ import annotations

import io
import re

import docx
import yaml
from hypothesis import HealthCheck, given, settings
from strategies import town_years

from reportgen import facts
from reportgen.api import render
from reportgen.load import load_text
from reportgen.schema.validate import schema_problems

CASES = 200
_WS = re.compile(r"\s+")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


SKIP_KEYS = {"region", "area", "approx", "unit", "date", "province", "city", "county", "issuer", "by", "kind", "key"}  # enums, ids; names: below


def _rendered_strings(data):
    for key, value in data.items() if isinstance(data, dict) else enumerate(data):
        if key in SKIP_KEYS:
            continue
        if isinstance(value, (dict, list)):
            yield from _rendered_strings(value)
        elif isinstance(value, str):
            yield value


@settings(max_examples=CASES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(town_years())
def test_schema_valid_input_builds_and_keeps_its_strings(tmp_path_factory, data):
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    loaded = load_text(text, "gen.yaml")
    assert schema_problems(loaded) == []  # the strategy really produces schema-valid input
    path = tmp_path_factory.mktemp("p") / "gen.yaml"
    path.write_text(text, encoding="utf-8")
    built = render(path)
    doc = docx.Document(io.BytesIO(built.docx))
    body = _WS.sub("", "".join(p.text for p in doc.paragraphs))
    town = data["town"]
    assert doc.core_properties.author == town["issuer"]
    assert all(town[k] in doc.core_properties.keywords for k in ("province", "city", "county", "name") if k in town)
    for s in _rendered_strings({k: v for k, v in data.items() if k != "town"}):  # town: the properties above
        if "title" in data and s == data.get("title") and data.get("title_lines"):
            continue  # explicit title lines replace the title text
        assert _WS.sub("", facts.plain(s)) in body, f"{s!r} missing; input:\n{text}"
        for fact in facts.inline_facts(s):  # an inline fact prints as its number, never with its brackets
            assert fact.shown in body and "【" not in body
