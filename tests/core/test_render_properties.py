"""Properties of rendering: any value keeps the JSON parts valid and the BB-code inert."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24notify.core import bbcode
from b24notify.core.templates import Template, TemplateLibrary, parse_values, render

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Text that leans on the characters that matter here, plus anything at all.
MARKUP = st.sampled_from(
    ["[", "]", "/", "=", "b", "url", "user", "#BR#", "#br#", ">>", "--", "\n", '"', "\\", "{", "}"]
)
NASTY = st.lists(st.one_of(MARKUP, st.text(max_size=5)), max_size=12).map("".join)
VALUES = st.one_of(st.text(), NASTY)


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> TemplateLibrary:
    root = tmp_path_factory.mktemp("tpl")
    (root / "partials").mkdir()
    (root / "partials" / "row.j2").write_text(
        '{% macro row(n, v) %}{"DISPLAY": "ROW", "NAME": "{{ n }}", "VALUE": "{{ v }}"}'
        "{% endmacro %}"
    )
    return TemplateLibrary([root], user_dir=root / "u", shipped_dir=root / "s")


@pytest.fixture(scope="module")
def card(lib: TemplateLibrary) -> Template:
    return lib.from_data(
        {
            "vars": {"n": {"type": "int"}},
            "body": {
                "message": (
                    "[b]Ticket {{ n }}[/b] {{ a }}\n"
                    ">>{{ b }}\n"
                    "{{ a }}[i]{{ b }}[/i]#BR#[url=https://x.io]{{ a }}[/url]\n"
                    "{% for item in items %}{{ item }}\n{% endfor %}"
                ),
                "attach": (
                    '{% import "partials/row.j2" as r %}'
                    '{"COLOR_TOKEN": "alert", "BLOCKS": [\n'
                    '  {"MESSAGE": "{{ a }} and {{ b }}"},\n'
                    '  {"GRID": [{{ r.row(a, b) }}, {"DISPLAY": "LINE", "NAME": "{{ b }}",'
                    ' "VALUE": {{ n }}}]},\n'
                    '  {"LINK": {"NAME": "{{ a }}", "LINK": "https://x.io/{{ b }}"}},\n'
                    '  {"GRID": [{% for item in items %}{"NAME": "{{ item }}"}'
                    "{% if not loop.last %},{% endif %}{% endfor %}]}\n"
                    "]}"
                ),
                "keyboard": (
                    '[{"TEXT": "{{ a }}", "COMMAND": "rate", "COMMAND_PARAMS": "{{ n }} {{ b }}"},'
                    ' {"TYPE": "NEWLINE"},'
                    ' {"TEXT": "x", "ACTION": "PUT", "ACTION_VALUE": "{{ b }}"}]'
                ),
                "menu": (
                    '{"ITEMS": [{"TEXT": "{{ a }}", "LINK": "/p/{{ b }}"}], "X": {"{{ a }}": 1}}'
                ),
            },
        },
        "prop/card",
    )


def shape(value: Any) -> Any:
    """The structure of parsed JSON: containers and value types, keys by position only.

    Fixed keys are compared separately (``keys``); a key printed from a value may be
    anything, including the name of a fixed key.
    """
    if isinstance(value, dict):
        return ("object", [shape(v) for v in value.values()])
    if isinstance(value, list):
        return ("array", [shape(v) for v in value])
    return type(value).__name__


def keys(value: Any) -> set[str]:
    """Every fixed (template-written) key in parsed JSON."""
    if isinstance(value, dict):
        found = {k for k in value if k in FIXED_KEYS}
        return found.union(*(keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys(v) for v in value))
    return set()


FIXED_KEYS = {
    "COLOR_TOKEN", "BLOCKS", "MESSAGE", "GRID", "DISPLAY", "NAME", "VALUE", "LINK",
    "TEXT", "COMMAND", "COMMAND_PARAMS", "TYPE", "ACTION", "ACTION_VALUE", "ITEMS", "X",
}  # fmt: skip


def markup(text: str) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for node in bbcode.walk(bbcode.parse(text)):
        if isinstance(node, bbcode.Tag):
            found.append((node.name, node.value))
        elif isinstance(node, bbcode.LineBreak):
            found.append(("br", None))
        elif isinstance(node, bbcode.QuoteLine):
            found.append((">>", None))
    return found


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def neutral(card: Template, items: int) -> Any:
    return render(card, {"a": "x", "b": "y", "n": 1, "items": ["z"] * items})


@SETTINGS
@given(a=VALUES, b=VALUES, n=st.integers(), items=st.lists(VALUES, max_size=4))
def test_any_values_keep_json_valid_and_structure_unchanged(
    card: Template, a: str, b: str, n: int, items: list[str]
) -> None:
    out = render(card, {"a": a, "b": b, "n": n, "items": items})
    base = neutral(card, len(items))
    for part in ("attach", "keyboard", "menu"):
        assert shape(getattr(out, part)) == shape(getattr(base, part))
        assert keys(getattr(out, part)) == keys(getattr(base, part))
    assert out.menu["X"] == {bbcode.escape(a): 1}
    assert out.attach["BLOCKS"][0]["MESSAGE"] == f"{bbcode.escape(a)} and {bbcode.escape(b)}"
    assert out.attach["BLOCKS"][1]["GRID"][1]["VALUE"] == n
    assert out.keyboard[0]["COMMAND_PARAMS"] == f"{n} {bbcode.escape(b)}"
    # No string anywhere in the JSON holds markup that came from a value.
    for text in strings(out.attach) + strings(out.keyboard) + strings(out.menu):
        assert markup(text) == [], text
    json.dumps([out.attach, out.keyboard, out.menu])  # plain JSON types only


@SETTINGS
@given(a=VALUES, b=VALUES, items=st.lists(VALUES, max_size=4))
def test_any_values_leave_the_message_markup_as_the_template_wrote_it(
    card: Template, a: str, b: str, items: list[str]
) -> None:
    out = render(card, {"a": a, "b": b, "n": 7, "items": items})
    base = render(card, {"a": "x", "b": "y", "n": 7, "items": ["z"] * len(items)})
    assert markup(out.message) == markup(base.message)


@SETTINGS
@given(value=VALUES)
def test_escaped_values_read_as_typed(lib: TemplateLibrary, value: str) -> None:
    text = render(lib.from_data({"body": {"message": "<{{ v }}>"}}, "p"), {"v": value})
    # plain_text drops every zero-width space, the value's own ones too.
    assert bbcode.plain_text(bbcode.parse(text.message)) == f"<{value}>".replace(bbcode.ZWSP, "")


@SETTINGS
@given(
    n=st.integers(),
    f=st.floats(allow_nan=False, allow_infinity=False),
    flag=st.booleans(),
)
def test_numbers_are_json_literals_bare_and_strings_quoted(
    lib: TemplateLibrary, n: int, f: float, flag: bool
) -> None:
    t = lib.from_data(
        {"body": {"attach": '{"N": {{ n }}, "F": {{ f }}, "B": {{ b }}, "S": "{{ n }}"}'}}, "p"
    )
    assert render(t, {"n": n, "f": f, "b": flag}).attach == {"N": n, "F": f, "B": flag, "S": str(n)}


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | VALUES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


def escaped_tree(value: Any) -> Any:
    if isinstance(value, str):
        return bbcode.escape(value)
    if isinstance(value, list):
        return [escaped_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: escaped_tree(v) for k, v in value.items()}
    return value


@SETTINGS
@given(value=JSONISH)
def test_tojson_passes_any_structure_through_with_strings_escaped(
    lib: TemplateLibrary, value: Any
) -> None:
    t = lib.from_data({"body": {"attach": '{"V": {{ v|tojson }}}'}}, "p")
    assert render(t, {"v": value}).attach == {"V": escaped_tree(value)}


@SETTINGS
@given(
    raw=st.text(max_size=30),
    kind=st.sampled_from(["int", "float", "bool", "date", "url", "dialog", "user", "list"]),
)
def test_parse_values_never_crashes(lib: TemplateLibrary, raw: str, kind: str) -> None:
    from b24notify.core.errors import FieldErrors

    t = lib.from_data({"vars": {"v": {"type": kind}}, "body": {"message": "{{ v }}"}}, "p")
    try:
        values = parse_values(t, {"v": raw})
    except FieldErrors as exc:
        assert set(exc.errors) == {"v"}
    else:
        assert parse_values(t, values) == values
        render(t, values)
