"""value_line in multi-line basic strings: escapes, raw newlines and line-ending backslashes."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.core.template_lines import value_line

# One line-ending backslash trims every blank after it, up to the next backslash
# that may end its line too; the text shows only after the last one.
TWO_CONTINUATIONS = 'm = """\\\n\\\n  text\nsecond\\\n   \\\n  more"""\n'


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        (TWO_CONTINUATIONS, 1, 3),
        (TWO_CONTINUATIONS, 2, 4),
        ('m = """\\\n  \\\n\n  \\  \n  text"""\n', 1, 5),  # blank lines between the backslashes
        ('m = """\\\n  text"""\n', 1, 2),
        ('m = """\n\\\n\\\nx\\ny"""\n', 1, 4),  # after the trimmed opening newline
        ('m = """\n\\\n\\\nx\\ny"""\n', 2, 4),  # an escaped newline stays on the file line
    ],
)
def test_every_line_ending_backslash_is_skipped(text: str, line: int, expected: int) -> None:
    assert tomllib.loads(text)["m"]  # the layouts are valid TOML
    assert value_line(text, "m", line) == expected


# (TOML text, what it decodes to); None for a line-ending backslash (a continuation).
TOKENS: list[tuple[str, str | None]] = [
    ("ab", "ab"),
    ("é", "é"),
    (" ", " "),
    ("\n", "\n"),
    ("\r\n", "\n"),
    ("\\n", "\n"),
    ("\\u000a", "\n"),
    ("\\t", "\t"),
    ("\\\\", "\\"),
    ('\\"', '"'),
    ('"x', '"x'),
    ("\\\n", None),
    ("\\  \n  \n ", None),
]
BLANK = frozenset({" ", "\n", "\r\n"})


def reference(tokens: list[tuple[str, str | None]]) -> tuple[str, list[int]]:
    """What the string decodes to, and the offset in its body where each decoded line starts."""
    decoded = ""
    starts = [0]
    offset = 0
    trimming = False
    line_has_text = False
    for raw, value in tokens:
        offset += len(raw)
        if value is None:
            trimming = True
        elif not (trimming and raw in BLANK):  # blanks after a continuation are dropped
            trimming = False
            decoded += value
            if value == "\n":
                starts.append(offset)
                line_has_text = False
            else:
                line_has_text = True
            continue
        if not line_has_text:
            starts[-1] = offset  # the line shows its text after the trim
    return decoded, starts


@settings(max_examples=200, deadline=None)
@given(
    lead=st.sampled_from(["", "\n", "\r\n"]),
    tokens=st.lists(st.sampled_from(TOKENS), max_size=10),
)
def test_each_decoded_line_starts_on_its_file_line(
    lead: str, tokens: list[tuple[str, str | None]]
) -> None:
    """Line N of a multi-line basic string maps to the file line where its text begins."""
    if not lead and tokens and tokens[0][0] in ("\n", "\r\n"):
        lead = tokens.pop(0)[0]  # a newline right after the opening quotes is dropped
    body = lead + "".join(raw for raw, _ in tokens)
    text = f'x = 1\nm = """{body}"""\ny = 2\n'
    opening = text.index('"""') + 3
    decoded, starts = reference(tokens)
    assert tomllib.loads(text)["m"] == decoded  # the reference decodes as TOML does
    for number, start in enumerate(starts, start=1):
        expected = text.count("\n", 0, opening + len(lead) + start) + 1
        assert value_line(text, "m", number) == expected
