"""Mapping template problems to file lines (and the editor marking them), finding Jinja tags."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tui_support import SIZE, ready, wait_for

from b24notify.core import paths
from b24notify.core.service import Service
from b24notify.core.template_save import dumps_template
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.editor import EditorScreen
from b24notify.tui.widgets.editor_lines import (
    byte_offset,
    file_line,
    jinja_spans,
    key_line,
    part_start_line,
)

FILE = """\
name = "Demo"

[vars.who]
sample = "Ann"

[body]
message = '''
line one
line two
'''
attach = '''{"BLOCKS": [
  {"MESSAGE": "x"}
]}'''
keyboard = \"\"\"
[{"TEXT": "Go"}]
\"\"\"
menu = '[{"TEXT": "M"}]'
"""


@pytest.mark.parametrize(
    ("part", "line", "expected"),
    [
        ("file", 4, 4),  # file lines are file lines
        ("message", 1, 8),  # the newline after ''' is not part of the string
        ("message", 2, 9),
        ("attach", 1, 11),  # content starts on the key's own line
        ("attach", 3, 13),
        ("keyboard", 1, 15),  # basic multi-line strings behave the same
        ("menu", 1, 17),  # single-line strings
        ("message", None, 8),  # no line: the part's first line
        ("partials/signature.j2", 3, None),  # not in this file
        (None, 3, None),
    ],
)
def test_file_line(part: str | None, line: int | None, expected: int | None) -> None:
    assert file_line(FILE, part, line) == expected


def test_a_missing_part_has_no_line() -> None:
    assert part_start_line('name = "x"\n[body]\nmessage = "hi"\n', "attach") is None
    assert file_line('name = "x"\n', "message", 2) is None


def test_a_part_line_points_at_its_text() -> None:
    lines = FILE.splitlines()
    assert lines[file_line(FILE, "message", 2) - 1] == "line two"  # type: ignore[operator]
    assert lines[file_line(FILE, "attach", 2) - 1] == '  {"MESSAGE": "x"}'  # type: ignore[operator]


# Layouts a line-by-line scanner gets wrong: escapes, line-ending backslashes, dotted keys.
ONE_LINE = """\
name = "One line"
[body]
message = "Hi {{ who }},\\nthe service is {{ state.nope }}."
attach = '[{"MESSAGE": "x"}]'
"""

CONTINUED = '''\
name = "Continued"
[body]
message = """\\
Incident {{ id }}: \\
  {{ service }} is down.
Updates follow.
"""
attach = """\\
  [{"MESSAGE": "x"},
   {"MESSAGE": "{{ who | nosuchfilter }}"}]"""
'''

DOTTED = """\
name = "Buttons"
body.message = "Pick one, {{ who }}"
body.keyboard = '''
[{"TEXT": "Go", "COMMAND": "go"},
 {"TEXT": "{{ who }}", "COMMAND": "who"}]
'''
body.menu = '''
[{"TEXT": "Help", "LINK": "https://example.com"}]
'''

[vars]
who.label = "Who"
who.sample = "Ann"
"""


@pytest.mark.parametrize(
    ("text", "part", "line", "needle"),
    [
        # An escaped newline starts a part line, not a file line.
        pytest.param(ONE_LINE, "message", 2, "message = ", id="escaped-newline"),
        # Line-ending backslashes join file lines into one part line.
        pytest.param(CONTINUED, "message", 1, "Incident", id="continued-first"),
        pytest.param(CONTINUED, "message", 2, "Updates follow.", id="continued-second"),
        # An error in attach after a multi-line message: the attach text starts
        # on the line after its backslash.
        pytest.param(CONTINUED, "attach", 1, '[{"MESSAGE": "x"},', id="attach-first"),
        pytest.param(CONTINUED, "attach", 2, "nosuchfilter", id="attach-after-message"),
        # Parts written as dotted keys, without a [body] table.
        pytest.param(DOTTED, "keyboard", 2, '"COMMAND": "who"', id="dotted-keyboard"),
        pytest.param(DOTTED, "menu", 1, '"LINK"', id="dotted-menu"),
    ],
)
def test_a_part_line_is_the_line_of_its_text(text: str, part: str, line: int, needle: str) -> None:
    tomllib.loads(text)  # the layouts are valid TOML
    found = file_line(text, part, line)
    assert found is not None
    assert needle in text.split("\n")[found - 1]


@pytest.mark.parametrize(
    ("text", "key", "needle"),
    [
        # A key after a multi-line keyboard string written with a dotted key.
        pytest.param(DOTTED, "body.menu", "body.menu = ", id="menu-after-keyboard"),
        pytest.param(DOTTED, "vars.who", "who.label", id="dotted-variable"),
        pytest.param(CONTINUED, "body.attach", "attach = ", id="attach-after-continued"),
        pytest.param(FILE, "body.keyboard", "keyboard = ", id="keyboard"),
        pytest.param(FILE, "body.menu", "menu = ", id="after-keyboard"),
        pytest.param(FILE, "vars.who", "[vars.who]", id="table"),
        pytest.param(FILE, "body", "[body]", id="body"),
    ],
)
def test_key_line_finds_the_key(text: str, key: str, needle: str) -> None:
    found = key_line(text, key)
    assert found is not None
    assert text.split("\n")[found - 1].startswith(needle)


def test_a_part_line_past_the_end_is_the_parts_last_line() -> None:
    assert file_line(FILE, "message", 9) == 10  # the closing line of message
    assert file_line(FILE, "menu", 4) == 17


# Text that tomli-w keeps as a literal multi-line string: no quotes, backslashes or controls.
SAFE = st.text(
    st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters="'\"\\"
    ),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(
    part=st.sampled_from(["message", "attach", "keyboard", "menu"]),
    lines=st.lists(SAFE, min_size=1, max_size=8),
    data=st.data(),
)
def test_any_saved_part_maps_each_line_to_itself(
    part: str, lines: list[str], data: st.DataObject
) -> None:
    """Whatever a part holds, line N of the part is line file_line(N) of the saved file."""
    content = "\n".join(lines) + "\n"
    text = dumps_template({"name": "P", "body": {part: content}})
    number = data.draw(st.integers(min_value=1, max_value=len(lines)))
    found = file_line(text, part, number)
    assert found is not None
    assert text.splitlines()[found - 1] == lines[number - 1]


@pytest.mark.parametrize(
    ("line", "spans"),
    [
        ("plain text", []),
        ("Hello {{ who }}!", [(6, 15, "expr")]),
        ("{% if x %}a{% endif %}", [(0, 10, "stmt"), (11, 22, "stmt")]),
        ("{# note #} {{ a }}", [(0, 10, "comment"), (11, 18, "expr")]),
        ('{"A": "{{ v }}"}', [(7, 14, "expr")]),
        ("{{ unclosed", []),
        ("{ {not} }", []),
    ],
)
def test_jinja_spans(line: str, spans: list[tuple[int, int, str]]) -> None:
    assert list(jinja_spans(line)) == spans


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_jinja_spans_never_overlap_and_stay_in_the_line(line: str) -> None:
    previous_end = 0
    for start, end, kind in jinja_spans(line):
        assert previous_end <= start < end <= len(line)
        assert line[start] == "{" and line[end - 1] == "}"
        assert kind in ("expr", "stmt", "comment")
        previous_end = end


@given(st.text(max_size=40), st.data())
@settings(max_examples=200, deadline=None)
def test_byte_offset_counts_utf8_bytes(line: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(line)))
    encoded = line.encode("utf-8")
    assert encoded[: byte_offset(line, index)].decode("utf-8") == line[:index]


# ---- in the real editor ----------------------------------------------------------

EDITED = '''\
name = "Outage"

[vars.who]
label = "Who"
sample = "Ann"

[body]
message = """\\
Hello {{ who }}: \\
  the service is down.\\nUpdates follow.
"""
attach = """\\
  [{"MESSAGE": "Status"},
   {"MESSAGE": "{{ who }}"}]"""
'''


@pytest.mark.parametrize(
    ("old", "new", "marker"),
    [
        # attach line 2 is the second file line after `attach = """\`.
        pytest.param('"{{ who }}"}]', '"{{ who | nosuchfilter }}"}]', "nosuchfilter", id="attach"),
        # message line 2 starts after the escaped newline, on the line it shares with line 1.
        pytest.param("Updates follow.", "Updates {{ who.nope.deeper }}", "who.nope", id="message"),
    ],
)
async def test_the_editor_marks_the_exact_line(
    service: Service, old: str, new: str, marker: str
) -> None:
    path = paths.user_templates_dir() / "team" / "outage.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(EDITED, encoding="utf-8")
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = EditorScreen(service, template_name="team/outage")
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.source is not None and screen.preview is not None)
        assert screen.area.error_line is None
        area = screen.area
        area.replace(area.text.replace(old, new, 1), (0, 0), area.document.end)
        await wait_for(pilot, lambda: screen.area.error_line is not None)
        rows = [number for number, line in enumerate(area.document.lines, 1) if marker in line]
        assert screen.area.error_line == rows[0]
        status = str(screen.query_one("#editor-status").render())
        assert status.startswith(f"✖ line {rows[0]}:")
