"""The shipped templates' environment (compose._trusted) calls macros and plain functions straight, skipping
Jinja's Context.call and Macro.__call__, and its filters without their async wrappers: for every way a template can
call something, the text (or the error) must be what Jinja itself gives."""

from __future__ import annotations

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reportgen import compose

MACROS = """
{%- macro two(a, b="B") -%}[{{ a }}|{{ b }}]{%- endmacro -%}
{%- macro empty() -%}(empty){%- endmacro -%}
{%- macro with_caller(x) -%}<{{ caller(x) }}>{%- endmacro -%}
{%- macro rest(a) -%}{{ a }}{{ varargs|join(",") }}{{ kwargs|dictsort|join(";") }}{%- endmacro -%}
{%- macro loud(a) -%}{{ a }}{%- endmacro -%}
"""

CALLS = [
    "{{ two(1) }}", "{{ two(1, 2) }}", "{{ two(a=3) }}", "{{ two(4, b=5) }}", "{{ empty() }}",
    "{% for i in xs %}{{ two(i) }}{{ two(i, loop.index) }}{% endfor %}",
    "{% call(v) with_caller(7) %}c{{ v }}{% endcall %}", "{{ rest(1, 2, 3, k=4) }}", "{{ rest(1) }}",
    "{% autoescape true %}{{ loud('<b>') }}{% endautoescape %}{{ loud('<i>') }}",
    "{% autoescape on %}{{ loud('<b>') }}{{ loud('<b>')|length }}{% endautoescape %}{{ loud('<i>') }}",
    "{{ d.get('k') }}{{ d.get('z', 'dflt') }}", "{{ plain(2, y=3) }}", "{{ with_ctx('q') }}",
    "{% for x in xs %}{{ with_ctx(x) }}{% endfor %}", "{{ ns(a=1).a }}",
    "{% for x in xs %}{% set marker = x * 2 %}{{ with_ctx(x) }}{% endfor %}{{ with_ctx(0) }}",
    "{% set marker %}blk{% endset %}{{ with_ctx(1) }}", "{% filter upper %}{{ with_ctx(2) }}{% endfilter %}",
    "{{ xs|select|list|join(',') }}{{ xs|map('string')|join }}{{ xs|first if xs }}{{ xs|sum }}{{ xs|unique|list }}",
]
FAILING = {"{{ two(1, 2, 3) }}": "TypeError", "{{ two(1, c=2) }}": "TypeError", "{{ empty(1) }}": "TypeError",
           "{{ two(1, a=2) }}": "TypeError", "{{ two() }}": "UndefinedError", "{{ stopper() }}|": "UndefinedError"}


def plain(x: int, y: int = 0) -> int:
    return x * 10 + y


@jinja2.pass_context
def with_ctx(ctx: jinja2.runtime.Context, x: object) -> str:
    return f"{x}@{ctx['marker']}"


def stopper() -> None:
    raise StopIteration


def _render(source: str, fast: bool, values: list[int]) -> tuple[str, str]:
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    if fast:
        compose._trusted(env)
    env.globals.update(plain=plain, with_ctx=with_ctx, stopper=stopper, ns=jinja2.utils.Namespace, d={"k": "v"},
                       marker="M")
    try:
        return "ok", env.from_string(MACROS + source).render(xs=values, on=True)
    except Exception as err:  # the same error either way is the point
        return type(err).__name__, str(err)


@pytest.mark.parametrize("source", CALLS)
def test_a_call_gives_what_jinja_gives(source: str) -> None:
    assert _render(source, True, [1, 2]) == _render(source, False, [1, 2])
    assert _render(source, True, [1, 2])[0] == "ok"


@pytest.mark.parametrize("source", FAILING)
def test_a_wrong_call_fails_as_jinja_fails(source: str) -> None:
    assert _render(source, True, []) == _render(source, False, [])
    assert _render(source, True, [])[0] == FAILING[source]


@given(st.lists(st.sampled_from(CALLS), min_size=1, max_size=6),
       st.lists(st.integers(-5, 99), max_size=4))
def test_any_mix_of_calls_gives_what_jinja_gives(sources: list[str], values: list[int]) -> None:
    source = "".join(sources)
    assert _render(source, True, values) == _render(source, False, values)


def test_the_shipped_templates_use_the_fast_context() -> None:
    """Otherwise the tests above test nothing the reports go through."""
    from reportgen import resources

    env = compose.environment("base", (compose._resolved(resources.templates_dir()),))
    assert env.context_class is compose._Context
    assert env.filters["join"] is jinja2.filters.sync_do_join and env.filters["select"] is jinja2.filters.sync_do_select


def test_a_render_leaves_nothing_for_the_cyclic_collector() -> None:
    """Each report's `import … with context` makes macros whose functions keep their module's context, which holds
    them; compose empties the contexts after the render, so the report's data is freed by reference counting
    rather than by a collection in most reports (and a pass over the whole process every hundred or so)."""
    import gc
    from collections import Counter
    from pathlib import Path

    from reportgen.api import render

    root = Path(__file__).resolve().parents[1]
    inputs = sorted((root / "examples").glob("*.yaml")) + sorted((root / "inputs").glob("*.yaml"))
    regions = ("base", "document", "regulation", "runin")
    render(inputs[0])  # templates compiled, caches filled
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for path in inputs:
            for region in regions:
                render(path, region)
        gc.collect()
        # ours and Jinja's objects only (a Macro, a Context, a Section …, a function of ours): a thread another test
        # left running must not make this fail
        left = Counter(type(o).__name__ for o in gc.garbage
                       if (getattr(o, "__module__", None) or type(o).__module__ or "").startswith(("reportgen", "jinja2"))
                       or type(o).__module__.startswith(("reportgen", "jinja2")))
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert not left, left.most_common(8)
