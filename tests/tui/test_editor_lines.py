"""Mapping template problems to file lines, and finding Jinja tags on a line (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.core.template_save import dumps_template
from b24notify.tui.widgets.editor_lines import byte_offset, file_line, jinja_spans, part_start_line

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
