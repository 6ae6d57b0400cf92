"""Key and value lines in TOML text: tricky layouts, and every key of random documents."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from b24notify.core.template_lines import KeyPath, key_line, key_lines, value_line
from b24notify.core.template_schema import find_key_line


def paths_of(value: Any, path: KeyPath = ()) -> set[KeyPath]:
    """Every key path tomllib sees in parsed data (array positions as ints)."""
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return set()
    found: set[KeyPath] = set()
    for key, item in items:
        found |= {(*path, key)} | paths_of(item, (*path, key))
    return found


AFTER_KEYBOARD = '''\
name = "x"
[body]
keyboard = """
[vars.zz]
mesage = 1
"""
mesage = "x"
'''

AFTER_LITERAL = """\
[body]
message = '''
keyboard = \"\"\"
[send]
'''
keyboard = "k"
[send]
bot_id = 1
"""

ESCAPED_QUOTES = r'''[body]
message = """He said \"""hi\""" = [vars.x]
and \\\""" still open: \\ then \""" and \"
"""
attach = """ends with quotes"""""
keyboard = """\
  continued \
  bot_id = 2
"""
menu = "m"
'''

SPANNING_ARRAYS = """\
tags = [
  "a]",  # ] = "
  'b[',
  # name = "not a key"
  [1, [2,
    3]],
  { x = "}", y = [ "]" ] },
]
name = "n"
"""

INLINE_TABLES = """\
[vars]
who = { label = "Who = ?", type = "text", choices = [ "{", "}" ] }
when = { type = "date", sample = 2024-01-02 }
n.type = "int"
n . required = true
"""

COMMENTS = """\
# name = "comment"
# [body]
# message = \"\"\"
name = "x" # description = '''
description = 'd' # [vars]
[send] # [body]
dialog_id = "chat1" # bot_id = "\\"
  # ] bot_id = 3
bot_id = 7
"""

ARRAYS_OF_TABLES = """\
[[variables]]
name = "a"
[variables.extra]
x = 1
[[variables.options]]
label = "one"
[[variables.options]]
label = "two"

[[variables]]
name = "b"
[[variables.options]]
label = "three"
"""

QUOTED_AND_DOTTED = """\
"my key" = 1
'lit.key' = 2
"a\\u0062c" = 3
site."google.com" = true
[ vars . "who" ]  # comment [body]
label = "Who"
[vars.'a.b']
type = "text"
"""

SINGLE_LINE_TRAPS = """\
a = "'''"
b = '\"\"\"'
c = ""
d = ''
e = \"\"\"\"\"\"
f = ''''''
g = "x = 1"
when = 1979-05-27 07:32:00Z
h = 1
"""

# Up to two quotes before a closing delimiter belong to the string (~ stands for ").
QUOTE_RUNS = """\
q = { a = ~~~say ~hi~~~~, b = '''it's''''', c = 1 }
r = [
  '''y'''', ~a~, ~~~x~~~~~, ~b~,
  ~z~,
]
s = 1
""".replace("~", '"')

SAME_NAME_IN_TABLES = """\
[a]
name = 1
[b]
name = 2
[a.c]
name = 3
"""


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        (AFTER_KEYBOARD, "body.mesage", 7),
        (AFTER_KEYBOARD, "body.keyboard", 3),
        (AFTER_KEYBOARD, "body", 2),
        (AFTER_KEYBOARD, "vars.zz", None),  # only inside the string
        (AFTER_LITERAL, "body.keyboard", 6),
        (AFTER_LITERAL, "send", 7),
        (AFTER_LITERAL, "send.bot_id", 8),
        (ESCAPED_QUOTES, "body.attach", 5),
        (ESCAPED_QUOTES, "body.keyboard", 6),
        (ESCAPED_QUOTES, "body.menu", 10),
        (ESCAPED_QUOTES, "send.bot_id", None),
        (SPANNING_ARRAYS, "tags", 1),
        (SPANNING_ARRAYS, ("tags", 1), 3),
        (SPANNING_ARRAYS, ("tags", 2, 1, 1), 6),
        (SPANNING_ARRAYS, ("tags", 3, "y"), 7),
        (SPANNING_ARRAYS, "name", 9),
        (INLINE_TABLES, "vars.who.type", 2),
        (INLINE_TABLES, "vars.when.sample", 3),
        (INLINE_TABLES, "vars.n", 4),
        (INLINE_TABLES, "vars.n.required", 5),
        (COMMENTS, "name", 4),
        (COMMENTS, "description", 5),
        (COMMENTS, "vars", None),
        (COMMENTS, "send", 6),
        (COMMENTS, "send.bot_id", 9),
        (ARRAYS_OF_TABLES, "variables", 1),
        (ARRAYS_OF_TABLES, ("variables", 1, "name"), 11),
        (ARRAYS_OF_TABLES, "variables.1.name", 11),
        (ARRAYS_OF_TABLES, ("variables", 0, "extra", "x"), 4),
        (ARRAYS_OF_TABLES, ("variables", 0, "options", 1, "label"), 8),
        (ARRAYS_OF_TABLES, ("variables", 1, "options", 0, "label"), 13),
        (ARRAYS_OF_TABLES, ("variables", 1, "options", 1), None),
        (QUOTED_AND_DOTTED, ("my key",), 1),
        (QUOTED_AND_DOTTED, ("lit.key",), 2),
        (QUOTED_AND_DOTTED, ("abc",), 3),
        (QUOTED_AND_DOTTED, ("site", "google.com"), 4),
        (QUOTED_AND_DOTTED, "vars.who.label", 6),
        (QUOTED_AND_DOTTED, ("vars", "a.b", "type"), 8),
        (SINGLE_LINE_TRAPS, "c", 3),
        (SINGLE_LINE_TRAPS, "f", 6),
        (SINGLE_LINE_TRAPS, "h", 9),
        (QUOTE_RUNS, "q.c", 1),
        (QUOTE_RUNS, ("r", 3), 3),
        (QUOTE_RUNS, ("r", 4), 4),
        (QUOTE_RUNS, "s", 6),
        (SAME_NAME_IN_TABLES, "b.name", 4),
        (SAME_NAME_IN_TABLES, "a.c.name", 6),
        (AFTER_KEYBOARD.replace("\n", "\r\n"), "body.mesage", 7),
        ('a = "x\u2028y\u2029z\x85"\nb = 1\n', "b", 2),  # not line breaks in TOML
    ],
)
def test_key_line(text: str, key: str | KeyPath, line: int | None) -> None:
    tomllib.loads(text)  # every layout here is valid TOML
    assert key_line(text, key) == line


@pytest.mark.parametrize(
    "text",
    [
        AFTER_KEYBOARD,
        AFTER_LITERAL,
        ESCAPED_QUOTES,
        SPANNING_ARRAYS,
        INLINE_TABLES,
        COMMENTS,
        ARRAYS_OF_TABLES,
        QUOTED_AND_DOTTED,
        SINGLE_LINE_TRAPS,
        QUOTE_RUNS,
        SAME_NAME_IN_TABLES,
    ],
)
def test_every_key_tomllib_sees_is_found_and_nothing_else(text: str) -> None:
    assert set(key_lines(text)) == paths_of(tomllib.loads(text))


def test_a_table_defined_after_a_deeper_header_points_at_its_own_header() -> None:
    text = "[a.b.c]\nx = 1\n[a.b]\ny = 2\n"
    assert key_line(text, "a.b") == 3
    assert key_line(text, "a") == 1  # only ever mentioned: its first mention


def test_schema_find_key_line_is_the_same_lookup() -> None:
    assert find_key_line(AFTER_KEYBOARD, "body.mesage") == 7
    assert find_key_line(ARRAYS_OF_TABLES, ("variables", 1, "name")) == 11


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[",
        "[[",
        "a = ",
        'a = """never closed\nb = 1',
        "a = [1, 2\nb = 3",
        "a = {x = 1\n[b]\nc = 2",
        "= 1\n]]]\n{\n",
        "\ufeffa = 1",
        'k = "\\',
        'a = ["""x\\',
        "a = [" + "'''x",
        "a = [{b = " + "'''",
        "[a.'b",
        'a."b',
    ],
)
def test_text_that_is_not_toml_never_raises(text: str) -> None:
    lines = key_lines(text)
    assert all(1 <= line <= text.count("\n") + 1 for line in lines.values())
    found = value_line(text, "a", 3)
    assert found is None or 1 <= found <= text.count("\n") + 1


VALUES = '''\
[body]
message = """
first
second \\
  still second
third\\nfourth
"""
attach = """{
  "A": 1
}"""
keyboard = \'\'\'
k1

k3\'\'\'
menu = "one\\ntwo"
other = 5
'''


@pytest.mark.parametrize(
    ("key", "line", "expected"),
    [
        ("body.message", 1, 3),  # the newline after the opener is not part of the string
        ("body.message", 2, 4),
        ("body.message", 3, 6),  # "still second" was joined onto line 2
        ("body.message", 4, 6),  # \n escape: a new string line on the same file line
        ("body.message", 5, 7),  # the empty line before the closing delimiter
        ("body.message", 99, 7),
        ("body.attach", 1, 8),  # content on the key's own line
        ("body.attach", 3, 10),
        ("body.keyboard", 1, 12),
        ("body.keyboard", 2, 13),
        ("body.keyboard", 3, 14),
        ("body.menu", 2, 15),  # single-line strings stay on their line
        ("body.other", 1, 16),
        ("body", 1, 1),
        ("body.nothing", 1, None),
    ],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_value_line(key: str, line: int, expected: int | None, newline: str) -> None:
    text = VALUES.replace("\n", newline)
    tomllib.loads(text)
    assert value_line(text, key, line) == expected
