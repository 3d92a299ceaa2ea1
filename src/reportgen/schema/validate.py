"""All schema errors of a file at once, sorted by line, each in Chinese with its field path and a hint."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen import cachedir, facts, resources
from reportgen.errors import InputError, Problem
from reportgen.load import Loaded, PathKey, SourceMap
from reportgen.schema.checks import character_problems, semantic_problems

if TYPE_CHECKING:  # jsonschema is imported only when an input is invalid: it costs 40 ms at start-up
    import jsonschema
    from jsonschema.exceptions import ValidationError

_TYPES = {"string": "文字", "integer": "整数", "number": "数字", "boolean": "true 或 false", "array": "列表（以 - 开头的多行）",
          "object": "“键: 值”的映射", "null": "空值"}


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every `$ref` replaced by its definition (schema.json has no recursive ones): the
    same errors, without reference resolution on every value (about a fifth of validation time)."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = defs[node["$ref"].rsplit("/", 1)[1]]
                return walk({**target, **{k: v for k, v in node.items() if k != "$ref"}})
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    """Draft 2020-12, except that an integer is typed without a decimal point: JSON counts 3.0 as an integer,
    but a clerk's `villages: 3.0` would print as 辖3.0个."""
    import jsonschema
    from jsonschema import validators

    schema = resources.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    checker = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
    strict = validators.extend(jsonschema.Draft202012Validator, type_checker=checker)
    return strict(inline_refs(schema))


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, list):
        return "列表"
    if value is None:
        return "空值"
    text = str(value)
    return f"“{text[:30]}…”" if len(text) > 30 else f"“{text}”"


def problems_for(err: ValidationError, source: SourceMap) -> list[Problem]:
    """Translate one jsonschema error into located Chinese problems (an unknown-key error may name several)."""
    path: PathKey = tuple(err.absolute_path)
    kind, value, schema = err.validator, err.validator_value, err.schema
    hint = schema.get("description", "") if isinstance(schema, dict) else ""
    if kind == "additionalProperties":
        import difflib  # here: only an unknown key needs it

        known = sorted(schema.get("properties", {}))
        out = []
        for key in sorted(set(err.instance) - set(known), key=str):
            near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
            tip = f"是不是想写 “{near[0]}”？" if near else f"这里可用的键有：{', '.join(known)}。"
            out.append(source.problem((*path, key), f"未知的键 “{key}”，不会被使用。", tip))
        return out
    if kind == "required":
        missing = [k for k in value if k not in err.instance]
        props = schema.get("properties", {})
        return [source.problem(path, f"缺少必填的键 “{k}”。", props.get(k, {}).get("description", "")) for k in missing]
    if kind == "type":
        types = value if isinstance(value, list) else [value]
        want = "或".join(_TYPES.get(t, t) for t in types)
        if "string" in types and isinstance(err.instance, (int, float, bool)):
            hint = f"YAML 把它当成了数字或真假值；用英文引号括起来，写成 \"{err.instance}\"。"
        elif "integer" in types and isinstance(err.instance, float) and err.instance.is_integer():
            hint = f"整数不带小数点：写成 {int(err.instance)}。"
        elif {"integer", "number"} & set(types) and isinstance(err.instance, str):
            half = unicodedata.normalize("NFKC", err.instance).strip().replace(",", "")
            if re.fullmatch(r"-?0\d{1,20}", half):  # 08: text to YAML 1.1, as 010 would be octal
                hint = f"整数不能以 0 开头：写成 {int(half)}（不加引号）。"
            elif re.fullmatch(r"-?\d+(\.\d+)?", half) and len(half) <= 30:
                hint = f"这是全角数字或带了引号、逗号，请改成半角数字：{half}（不加引号）。"
            elif re.fullmatch(r"[-+]?0[oxb][0-9a-f_]+|[-+]?[0-9.]+e[-+]?[0-9]+", half.lower()):
                hint = "请写成普通的十进制数字，如 218 或 96.5（不用进制前缀、科学计数法）。"
        return [source.problem(path, f"应当是{want}，现在是{_describe(err.instance)}。", hint)]
    if kind == "enum":
        return [source.problem(path, f"{_describe(err.instance)} 不是可选的值，应为以下之一：{'、'.join(map(str, value))}。",
                               hint)]
    if kind == "pattern":
        if isinstance(err.instance, str) and ("\n" in err.instance or "\r" in err.instance):
            return [source.problem(path, "这里只能写一行，不能换行。", "把几行合成一行；需要分段的内容请写在 text 里。")]
        iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", err.instance) if isinstance(err.instance, str) else None
        if iso and "年" in str(value):  # 2023-12-26 typed where the schema wants 2023年12月26日
            year, month, day = map(int, iso.groups())
            try:
                dt.date(year, month, day)
            except ValueError:
                return [source.problem(path, f"{err.instance} 不是日历上存在的日期。", "核对月份的天数（如 2 月、小月没有 31 日）。")]
            return [source.problem(path, f"日期 {err.instance} 的写法不符合要求。", f"写成 {year}年{month}月{day}日。")]
        return [source.problem(path, f"{_describe(err.instance)} 的写法不符合要求。", hint)]
    if kind in ("minimum", "exclusiveMinimum"):
        rel = "不能小于" if kind == "minimum" else "应当大于"
        return [source.problem(path, f"{_describe(err.instance)} {rel} {value}。", hint)]
    if kind in ("maximum", "exclusiveMaximum"):
        rel = "不能大于" if kind == "maximum" else "应当小于"
        return [source.problem(path, f"{_describe(err.instance)} {rel} {value}。", hint)]
    if kind in ("minLength", "maxLength"):
        rel = "至少" if kind == "minLength" else "最多"
        return [source.problem(path, f"{_describe(err.instance)} 太{'短' if kind == 'minLength' else '长'}，{rel} {value} 个字。",
                               hint)]
    if kind in ("minItems", "maxItems"):
        rel = "至少" if kind == "minItems" else "最多"
        return [source.problem(path, f"这个列表{rel}要有 {value} 项。", hint)]
    if kind == "minProperties":
        return [source.problem(path, "这里是空的，至少要填写一个键。", hint)]
    if kind == "oneOf" and isinstance(err.instance, dict) and "label" in schema.get("properties", {}):
        return [source.problem(path, f"一个数字事实要在 {facts.kinds_sentence()} 中恰好选一种。", facts.kinds_hint())]
    if kind == "oneOf" and isinstance(err.instance, (int, float, bool)) and any(
            isinstance(b, dict) and b.get("type") == "string" for b in value):
        return [source.problem(path, f"应当是文字，现在是{_describe(err.instance)}。",
                               f"YAML 把它当成了数字或真假值；用英文引号括起来，写成 \"{err.instance}\"。")]
    if kind == "oneOf":
        return [source.problem(path, f"{_describe(err.instance)} 的写法不符合要求。", hint)]
    return [source.problem(path, f"不符合要求（{err.message}）。", hint)]


def draft7(schema: Any) -> Any:
    """schema.json (2020-12) in draft-07 terms for fastjsonschema: $defs → definitions, prefixItems → items."""
    if isinstance(schema, dict):
        out = {}
        for key, value in schema.items():
            if key == "$defs":
                out["definitions"] = draft7(value)
            elif key == "$ref":
                out[key] = value.replace("#/$defs/", "#/definitions/")
            elif key == "prefixItems":
                out["items"] = draft7(value)
            elif key == "$schema":
                out[key] = "http://json-schema.org/draft-07/schema#"
            else:
                out[key] = draft7(value)
        return out
    if isinstance(schema, list):
        return [draft7(v) for v in schema]
    return schema


# Keywords that constrain values of one JSON type only (a value of another type passes them), by type.
_ONLY_FOR = {
    "string": frozenset({"minLength", "maxLength", "pattern", "format"}),
    "array": frozenset({"items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"}),
    "object": frozenset({"properties", "required", "additionalProperties", "minProperties", "maxProperties",
                         "patternProperties", "propertyNames", "dependentRequired"}),
}
_NOTES = frozenset({"description", "title", "examples", "default", "$comment"})


def one_type_each(schema: Any, defs: dict[str, Any] | None = None) -> Any:
    """The schema with each `oneOf` whose branches admit one JSON type each (string, array or object, no two the
    same) and constrain nothing else written as one schema with a list of types: the same values pass (a value can
    meet only the branch of its own type), and the generated validator tries no branch a value cannot meet. It
    tried each in turn and counted, one raise for every branch missed: forty in a valid report. For the fast
    yes/no only; jsonschema explains refusals from schema.json as written."""
    defs = schema.get("$defs", {}) if defs is None and isinstance(schema, dict) else defs or {}
    if isinstance(schema, list):
        return [one_type_each(v, defs) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: one_type_each(v, defs) for k, v in schema.items()}
    merged = _one_schema(out.get("oneOf"), defs)
    if merged is not None and not (set(out) - {"oneOf"} - _NOTES):
        return merged
    return out


def _one_schema(branches: Any, defs: dict[str, Any]) -> dict[str, Any] | None:
    if not isinstance(branches, list) or len(branches) < 2:
        return None
    types: list[str] = []
    merged: dict[str, Any] = {}
    for branch in branches:
        if isinstance(branch, dict) and set(branch) == {"$ref"} and branch["$ref"].startswith("#/$defs/"):
            branch = defs.get(branch["$ref"].removeprefix("#/$defs/"))
        if not isinstance(branch, dict) or branch.get("type") not in _ONLY_FOR or branch["type"] in types:
            return None
        keys = set(branch) - {"type"} - _NOTES
        if not keys <= _ONLY_FOR[branch["type"]]:
            return None
        types.append(branch["type"])
        merged.update({k: branch[k] for k in keys})
    return {"type": types, **merged}


# fastjsonschema names each list item for its messages with str.format(**locals()), a copy of the function's locals
# for every item of every list; the same text as an f-string.
_FORMAT = re.compile(r'"((?:[^"\\{}]|\{\w+\})*)"\.format\(\*\*locals\(\)\)')


class _Refused(Exception):
    """What the cached validator raises for data the schema refuses. The generated code imports fastjsonschema's
    error classes; they are given this one instead, so that a valid build does not import fastjsonschema at all
    (its package loads every draft's code generator: ~5 ms of a 0.25 s start). jsonschema explains the refusal.
    Without detailed exceptions the generated code raises it with the message alone."""


_ERRORS = re.compile(r"^from fastjsonschema import (.*)$", re.M)
# Only yes or no is asked of it: without the schema excerpt in every refusal the code is a quarter the size (128 KB
# of Python, not 482), compiles in a third of the time on the first run, and each refusal a valid input's oneOf
# makes inside it is cheaper. The options are part of the cache entry's name.
_OPTIONS: dict[str, Any] = {"detailed_exceptions": False}
_FORM = "one type each, f-strings"  # what is done to the schema and the generated code here: in the entry's name


def _fastjsonschema_version() -> bytes:
    """fastjsonschema's version.py, read where the package is installed, without importing the package."""
    from importlib.util import find_spec

    spec = find_spec("fastjsonschema")
    return Path(spec.origin).with_name("version.py").read_bytes() if spec and spec.origin else b""


@cache
def compiled(path: Path) -> Any:
    """The JSON schema at `path` as a function that says yes (returns) or no (raises _Refused):
    fastjsonschema's generated Python, about 6× faster than jsonschema on a valid report; jsonschema, run when it
    says no, finds and explains every error. The input schema's code (half a megabyte) takes longer to compile
    than a build takes, so compiled code is kept in the user's cache, named by the schema's bytes and
    fastjsonschema's version (cachedir.py)."""
    import marshal

    text = path.read_bytes()
    name = cachedir.key("validator", _fastjsonschema_version(), repr(_OPTIONS), _FORM, text) + ".marshal"
    entry = code = names = None
    if (data := cachedir.read("validator", name)) is not None:
        with contextlib.suppress(EOFError, ValueError, TypeError):
            entry, names, code = marshal.loads(data)
    if code is None:
        import fastjsonschema

        source = fastjsonschema.compile_to_code(draft7(one_type_each(json.loads(text))), **_OPTIONS)
        entry = re.search(r"^def (\w+)\(", source, re.M)[1]  # the schema's own function comes first
        names = [n.strip() for m in _ERRORS.finditer(source) for n in m[1].split(",")]
        code = compile(_FORMAT.sub(r'f"\1"', _ERRORS.sub("", source)), f"<{path.name} validator>", "exec")
        cachedir.write("validator", name, marshal.dumps((entry, names, code)))
    namespace: dict[str, Any] = dict.fromkeys(names, _Refused)
    exec(code, namespace)
    return namespace[entry]


def conforms(data: Any, path: Path) -> bool:
    """Whether `data` is valid against the schema at `path` (the fast yes/no)."""
    try:
        compiled(path)(data)
    except _Refused:
        return False
    return True


def is_valid(data: Any) -> bool:
    return conforms(data, resources.schema_path())


def schema_problems(loaded: Loaded) -> list[Problem]:
    if is_valid(loaded.data) and not loaded.whole_floats:  # fastjsonschema, too, takes 3.0 for an integer
        return []
    out: list[Problem] = []
    for err in _validator().iter_errors(loaded.data):
        out.extend(problems_for(err, loaded.source))
    return out


def validate(loaded: Loaded) -> list[Problem]:
    """Raise InputError with every problem of the file; return the warnings that do not stop a build."""
    problems = schema_problems(loaded)
    warnings: list[Problem] = []
    if not problems:  # semantic checks read the data's shape, which the schema has just vouched for
        problems, warnings = semantic_problems(loaded)
    problems += character_problems(loaded)  # any string, whatever its shape
    if problems:
        unique = list(dict.fromkeys(problems))
        unique.sort(key=lambda p: (p.line or 0, p.column or 0, p.path))
        raise InputError(unique)
    return [*loaded.warnings, *warnings]
