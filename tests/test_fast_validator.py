"""The fast validator (fastjsonschema's code, generated from schema.json with each one-type-per-branch oneOf written
as one schema: validate.one_type_each) says yes exactly when jsonschema, reading schema.json as written, does."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen import resources
from reportgen.load import load
from reportgen.schema import validate

ROOT = Path(__file__).resolve().parents[1]
BASES = [load(p).data for p in sorted((ROOT / "examples").glob("*.yaml")) + sorted((ROOT / "inputs").glob("*.yaml"))]

# What a clerk's YAML can hold where a text, a name, a list or a mapping is expected: each kind of value the merged
# oneOf branches tell apart, and values near their bounds.
VALUE_LIST = [
    "", "x", "两个字", "《书名》", "“引号”", "a\nb", "字" * 61, "字" * 81, [], ["x"], [""], ["x", ""], ["x", 3], [["x"]],
    {}, {"name": "x"}, {"name": "法治"}, {"name": "x", "kind": "活动"}, {"name": "x", "kind": "坏"}, {"name": "x", "by": "own"},
    {"name": "x", "bogus": 1}, {"kind": "活动"}, {"subjective": ["x"]}, {"subjective": "x", "objective": ["y"]},
    {"subjective": ""}, {"text": ["x"]}, {"heading": "标题", "text": "x"}, 3, 0, -1, 3.5, True, None,
]
VALUES = st.sampled_from(VALUE_LIST)


def _places(value: Any, at: tuple = ()) -> list[tuple]:
    """Every path in `value` (mapping keys and list indexes), the root's children first."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += [(*at, k), *_places(v, (*at, k))]
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += [(*at, i), *_places(v, (*at, i))]
    return out


def _put(data: Any, path: tuple, value: Any) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


# Where the merged oneOfs stand (texts, names of initiatives and documents, causes, part five): most changes go there.
ONE_OF_PLACES = {"text", "intro", "cause", "other", "initiatives", "documents", "programmes"}


def _agree(data: Any) -> None:
    fast = validate.conforms(data, resources.schema_path())
    assert fast == validate._validator().is_valid(data), json.dumps(data, ensure_ascii=False)[:2000]


def test_each_kind_of_value_in_each_kind_of_place_is_judged_alike() -> None:
    """Every value of VALUE_LIST at one place of each shape (measures.topics[#].initiatives[#], …) holding a merged
    oneOf, in every example: 1,800 inputs, each judged by both validators."""
    for base in BASES:
        shapes: dict[tuple, tuple] = {}
        for place in _places(base):
            if ONE_OF_PLACES & set(map(str, place)):
                shapes.setdefault(tuple("#" if isinstance(k, int) else k for k in place), place)
        for place in shapes.values():
            for value in VALUE_LIST:
                data = copy.deepcopy(base)
                _put(data, place, copy.deepcopy(value))
                _agree(data)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(range(len(BASES))),
       st.lists(st.tuples(st.booleans(), st.integers(0, 10**6), VALUES), min_size=1, max_size=3))
def test_the_fast_validator_agrees_with_jsonschema(base: int, changes: list[tuple[bool, int, Any]]) -> None:
    data = copy.deepcopy(BASES[base])
    for anywhere, pick, value in changes:
        places = _places(data)
        if not anywhere:
            places = [p for p in places if ONE_OF_PLACES & set(map(str, p))] or places
        if places:
            _put(data, places[pick % len(places)], copy.deepcopy(value))
    _agree(data)


def test_the_oneofs_the_fast_validator_tries_branch_by_branch_are_only_the_facts() -> None:
    """Text or list, name or mapping, text or list or mapping: each is one schema for the fast validator (a valid
    report made forty raises trying the branches a value was not); the facts' oneOf tells mappings apart by their
    keys and stays."""
    schema = validate.one_type_each(json.loads(resources.schema_path().read_text(encoding="utf-8")))
    left = []

    def walk(node: Any, at: str) -> None:
        if isinstance(node, dict):
            if "oneOf" in node:
                left.append(at)
            for k, v in node.items():
                walk(v, f"{at}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{at}/{i}")

    walk(schema, "")
    assert left == ["/$defs/fact"]
