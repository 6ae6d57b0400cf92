"""JSON in the attach, keyboard and menu strings of a template is coloured like JSON."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from tui_support import SIZE, open_editor

from b24notify.core import paths
from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.widgets.editor_area import TemplateTextArea
from b24notify.tui.widgets.editor_lines import byte_offset, json_spans

FILE = """\
name = "Demo"

[body]
message = '''{"NOT": "json here"}'''
attach = '''
{"COLOR": "{{ colour }}", "BLOCKS": [
  {"GRID": [{"WIDTH": 120, "SHOW": true, "GONE": null, "NAME": "Price: {{ price }}"}]}
]}'''
keyboard = \"\"\"
[{"TEXT": "Go", "BG_COLOR": "#29619b"}]
\"\"\"
"""


def tokens(text: str) -> list[tuple[int, str, str]]:
    lines = text.split("\n")
    return [(row + 1, kind, lines[row][a:b]) for row, a, b, kind in json_spans(text)]


def test_keys_strings_numbers_and_literals_of_the_json_parts_are_found() -> None:
    assert tokens(FILE) == [
        (6, "json.label", '"COLOR"'),
        (6, "string", '"{{ colour }}"'),
        (6, "json.label", '"BLOCKS"'),
        (7, "json.label", '"GRID"'),
        (7, "json.label", '"WIDTH"'),
        (7, "number", "120"),
        (7, "json.label", '"SHOW"'),
        (7, "boolean", "true"),
        (7, "json.label", '"GONE"'),
        (7, "json.null", "null"),
        (7, "json.label", '"NAME"'),
        (7, "string", '"Price: {{ price }}"'),
        (10, "json.label", '"TEXT"'),
        (10, "string", '"Go"'),
        (10, "json.label", '"BG_COLOR"'),
        (10, "string", '"#29619b"'),
    ]


def test_the_message_and_parts_that_are_not_strings_are_left_to_toml() -> None:
    text = 'name = "x"\n[body]\nmessage = \'{"A": 1}\'\nattach = {BLOCKS = [{MESSAGE = "hi"}]}\n'
    assert tokens(text) == []


def test_numbers_inside_names_and_jinja_are_not_numbers() -> None:
    text = "[body]\nattach = '''{\"W\": {{ width + 10 }}, \"V2\": 3.5e2, \"X\": -4}'''\n"
    assert tokens(text) == [
        (2, "json.label", '"W"'),
        (2, "json.label", '"V2"'),
        (2, "number", "3.5e2"),
        (2, "json.label", '"X"'),
        (2, "number", "-4"),
    ]


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(st.characters(blacklist_characters="{}'\"\\", blacklist_categories=["Cs"])),
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(st.characters(whitelist_categories=["Lu", "Nd"])), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@given(documents)
def test_every_token_of_any_json_document_is_found_with_its_kind(document: Any) -> None:
    written = json.dumps(document, indent=1)  # ASCII, several lines
    text = f"[body]\nattach = '''\n{written}\n'''\n"
    found = tokens(text)
    for _, kind, token in found:
        value = json.loads(token)
        expected = {
            "json.label": str,
            "string": str,
            "number": (int, float),
            "boolean": bool,
            "json.null": type(None),
        }[kind]
        assert isinstance(value, expected), (kind, token)
    keys: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                keys.append(key)
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    assert [json.loads(t) for _, k, t in found if k == "json.label"] == keys


async def test_the_editor_colours_the_json_of_a_part(service: Service) -> None:
    user = paths.user_templates_dir()
    user.mkdir(parents=True, exist_ok=True)
    (user / "demo.toml").write_text(FILE, encoding="utf-8")
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "demo")
        area = screen.query_one(TemplateTextArea)
        assert "COLOR" in area.text
        line = area.document.lines[6]  # row 7: the GRID line
        marks = {(a, b, kind) for a, b, kind in area._highlights[6]}
        start = line.index('"WIDTH"')
        label = (byte_offset(line, start), byte_offset(line, start + 7), "json.label")
        assert label in marks
        # The Jinja tag inside a JSON string keeps its own colour, drawn over the string's.
        tag = line.index("{{ price }}")
        at = byte_offset(line, tag)
        kinds = [k for a, b, k in area._highlights[6] if a <= at and (b is None or at < b)]
        assert kinds[-1] == "b24notify.jinja.expr"
