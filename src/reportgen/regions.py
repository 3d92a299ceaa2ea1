"""Regions: folders under templates/ that change wording, order and a few layout habits — never Python."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import msgspec
from jinja2 import nodes

from reportgen.compose import (
    RECORDS,
    REGION_NAME,
    check_region,
    check_region_name,
    environment,
    read_text,
    template_roots,
)
from reportgen.errors import InputError, LayoutError, Problem, TemplateError, UsageError
from reportgen.load import SourceMap, load
from reportgen.schema.validate import conforms, problems_for
from reportgen.typeset import units
from reportgen.typeset.profile import DEFAULT, LayoutProfile

META = "region.yaml"
_SCHEMA = Path(__file__).parent / "schema" / "region.json"


class Region(msgspec.Struct, frozen=True):
    name: str
    path: Path
    description: str = ""
    layout: dict[str, Any] = msgspec.field(default_factory=dict)


def _read_meta(name: str, folder: Path) -> Region:
    meta = folder / META
    if not meta.exists():
        return Region(name, folder)
    read_text(meta)  # a region's files are UTF-8, like its templates: a GBK region.yaml is refused, not guessed
    loaded = load(meta)
    if not conforms(loaded.data, _SCHEMA):  # jsonschema only to explain what is wrong
        import jsonschema

        validator = jsonschema.Draft202012Validator(json.loads(_SCHEMA.read_text(encoding="utf-8")))
        raise InputError([p for err in validator.iter_errors(loaded.data) for p in problems_for(err, loaded.source)])
    return Region(name, folder, loaded.data["description"], _layout(loaded.data.get("layout") or {}, loaded.source))


def _layout(raw: dict[str, Any], source: SourceMap) -> dict[str, Any]:
    """region.yaml's `layout:` as LayoutProfile values (三号 → 16 pt, 5.6mm → a Length); every bad value, and a
    combination that leaves no grid, refused at its line in region.yaml (LayoutError, exit 4)."""
    problems: list[Problem] = []
    first: ValueError | None = None
    values: dict[str, Any] = {}
    known = units.known_keys()
    for key, value in raw.items():
        try:
            if key == "fonts":
                values["fonts"] = _fonts(value, source)
            elif key in known:
                reader, what = units.KEYS[key]
                values[key] = reader(value, what)
            else:
                import difflib  # only an unknown key needs it

                near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
                raise ValueError(f"未知的版式键 “{key}”。" + (f"是不是想写 “{near[0]}”？" if near else
                                                           f"可用的键有：{'、'.join(known)}。"))
        except ValueError as err:
            first = first or err
            problems.append(source.problem(("layout", key), str(err), "版式键、单位和写法见 docs/regions.md 第六节。"))
    if not problems:
        misfit = units.fit_problem(DEFAULT.with_overrides(values))
        if misfit:
            key, message = misfit
            problems.append(source.problem(("layout", key) if key in raw else ("layout",), message))
    if problems:
        raise LayoutError(problems) from first
    return values


def _fonts(value: Any, source: SourceMap) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError("fonts 下应逐项写字体名称，如 {body: 仿宋, heading2: 楷体}。")
    for key, face in value.items():
        if key not in units.FONT_KEYS:
            raise ValueError(f"fonts 下未知的键 “{key}”：可用 {'、'.join(units.FONT_KEYS)}。")
        if not isinstance(face, str) or not face.strip():
            raise ValueError(f"fonts.{key} 应为字体名称（如 仿宋），这里是 {face!r}。")
    return dict(value)


def find(region: str, workdir: Path | None = None) -> Region:
    roots = template_roots(workdir)
    check_region(region, roots)
    folder = next(root / region for root in roots if (root / region).is_dir())
    return _read_meta(region, folder)


def all_regions(workdir: Path | None = None) -> list[Region]:
    """Every region on the search path, a working folder's own shadowing a shipped one of the same name."""
    seen: dict[str, Region] = {}
    for root in template_roots(workdir):
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and REGION_NAME.fullmatch(p.name)):
            seen.setdefault(folder.name, _read_meta(folder.name, folder))
    return sorted(seen.values(), key=lambda r: (r.name != "base", r.name))


@cache
def _profile(region: str, roots: tuple[Path, ...], workdir: Path | None) -> LayoutProfile:
    layout = find(region, workdir).layout
    return DEFAULT.with_overrides(layout) if layout else DEFAULT


def profile(region: str, workdir: Path | None = None) -> LayoutProfile:
    """The layout profile for `region`: GB/T 9704 defaults with the region's region.yaml `layout` applied."""
    return _profile(region, tuple(template_roots(workdir)), workdir)


NEW_REGION = Path(__file__).parent / "newregion"  # what `regions new` writes: a commented report.j2, region.yaml


def scaffold(name: str, workdir: Path) -> Path:
    """A new region folder under workdir/templates/: never one that would shadow a shipped region for every build
    run from this folder (a `base` here replaces the base all regions extend)."""
    from reportgen import resources

    check_region_name(name)
    if (resources.templates_dir() / name).is_dir():
        raise UsageError(f"“{name}” 是随程序提供的地区模板，新建同名模板会替换它，从这个文件夹运行的生成都会受影响。"
                         f"请换一个名称，如 {name}-local；要改它的措辞，新建后在 report.j2 里 {{% extends \"{name}/report.j2\" %}}。")
    folder = workdir / "templates" / name
    if folder.exists():
        raise UsageError(f"{folder} 已经存在，未改动。")
    folder.mkdir(parents=True)
    for template in sorted(NEW_REGION.iterdir()):
        text = template.read_text(encoding="utf-8").replace("__NAME__", name)
        (folder / template.name).write_text(text, encoding="utf-8")
    return folder


# ---- what templates may name -------------------------------------------------------------------------

def _known_names() -> set[str]:
    """Field names a template may read: the context's records (derive) and the schema's properties."""
    from reportgen import resources

    names = {"loop", "index", "index0", "first", "last", "length", "revindex", "get", "items", "values", "keys",
             "startswith", "endswith"}
    for record in RECORDS:
        names |= set(record.__struct_fields__)
    names |= {name for record in RECORDS for name, attr in vars(record).items() if isinstance(attr, property)}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(resources.schema())
    return names


def _keys(node: Any) -> set[str]:
    """Every mapping key of the standard phrasing (phrases.yaml): templates read them as p.topic, p.titles…"""
    if isinstance(node, dict):
        return set(map(str, node)) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


def check_templates(region: str = "base", workdir: Path | None = None) -> list[Problem]:
    """Every `x.name` a region's templates read must be a field the context has: a typo is reported with its
    template file and line, before any clerk's build meets it."""
    from reportgen.derive import TOP_LEVEL

    roots = tuple(template_roots(workdir))
    check_region(region, roots)
    env = environment(region, roots)
    top_level = set(TOP_LEVEL) | set(env.globals)
    known = _known_names() | _keys(env.globals["p"])
    folders = [root / region for root in roots] + [root / "base" for root in roots]
    problems: list[Problem] = []
    blocks = {b.name for folder in folders if folder.is_dir() for path in folder.glob("*.j2")
              for b in _parsed(env, path).find_all(nodes.Block)}  # self.NAME() calls a block of the hierarchy
    known |= blocks
    for folder in dict.fromkeys(f for f in folders if f.is_dir()):
        for path in sorted(folder.glob("*.j2")):
            try:
                tree = env.parse(read_text(path), path.name, str(path))
            except jinja2.TemplateSyntaxError as err:
                problems.append(Problem(str(path), f"模板语法错误：{err.message}", err.lineno))
                continue
            except TemplateError as err:  # not UTF-8
                problems.append(Problem(str(path), err.detail, err.line))
                continue
            exported = _exported_names(env, tree)
            for node in tree.find_all(nodes.Getattr):
                if node.attr not in known and node.attr not in exported:
                    problems.append(Problem(str(path), f"模板读取了字段 “{node.attr}”，输入和上下文中都没有这个字段。",
                                            node.lineno, hint="检查拼写；可用的字段见 reportgen schema 和 docs/regions.md。"))
            assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
            macros = {m.name for m in tree.find_all(nodes.Macro)}
            macros |= {i.target for i in tree.find_all(nodes.Import)}
            macros |= {n if isinstance(n, str) else n[1] for i in tree.find_all(nodes.FromImport) for n in i.names}
            for node in tree.find_all(nodes.Name):
                if node.ctx == "load" and node.name not in top_level | assigned | macros | {"loop", "caller", "self", "super", "varargs", "kwargs", "true",
                                                                                          "false", "none", "range"}:
                    problems.append(Problem(str(path), f"模板使用了未定义的变量 “{node.name}”。", node.lineno,
                                            hint="顶层可用的变量：" + "、".join(sorted(top_level)) + "。"))
    return problems


def _parsed(env: jinja2.Environment, path: Path) -> nodes.Template:
    try:
        return env.parse(read_text(path), path.name, str(path))
    except (jinja2.TemplateSyntaxError, TemplateError):
        return nodes.Template([])  # reported with its line by the loop below


def _exported_names(env: jinja2.Environment, tree: nodes.Template) -> set[str]:
    """Names imported templates export (macros and top-level sets): `p.heading`, `m.topic`."""
    out: set[str] = set()
    for imp in tree.find_all((nodes.Import, nodes.FromImport)):
        if isinstance(imp.template, nodes.Const):
            try:
                source = env.loader.get_source(env, imp.template.value)[0]
            except (jinja2.TemplateNotFound, TemplateError):  # a file not UTF-8 is reported on its own
                continue
            sub = env.parse(source)
            out |= {m.name for m in sub.find_all(nodes.Macro)}
            out |= {t.name for a in sub.body if isinstance(a, nodes.Assign) for t in a.find_all(nodes.Name)}
    return out
