"""Properties of key and value lines: random TOML documents, each key at the line it was written.

Documents are written piece by piece (keys and scalar values formatted by
tomli-w, tables, arrays of tables, inline tables, spanning arrays and
multi-line strings laid out here, with comments and blank lines between), so
the line of every key is known from how the text was built; tomllib checks
that the text is valid TOML and holds exactly those keys.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st
from test_template_lines import paths_of

from b24notify.core.template_lines import KeyPath, key_lines, value_line
from b24notify.core.template_save import dumps_template

# Pieces that trip line-based scanning: quote runs, escapes, things that look
# like keys, headers, comments and line breaks (TOML breaks lines on \n only).
TRICKY = st.sampled_from(
    ['"', '"""', "'''", "'", "\\", "\\n", "\n", "\n\n", "=", "# c", "[t]", "[[a]]", "x = 1",
     "{", "}", "[", "]", ",", " ", "\t", "é", "\u2028", "\r\n", "\x0c", "ключ"]
)  # fmt: skip
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=5)), max_size=8).map("".join)
KEY = st.one_of(
    st.text("abcxyz_-0123456789", min_size=1, max_size=6),
    st.lists(
        st.sampled_from(["a", ".", " ", '"', "'", "\\", "=", "#", "]", "é", "\t"]), max_size=5
    ).map("".join),
)

FILLER = st.sampled_from(
    ["", "   ", "# plain", "# x = 1", "#[body]", '# """ opens nothing', "# '''",
     '\t# key = "value"', "# [[variables]]", "  # ] } ,"]
)  # fmt: skip
TRAILING = st.sampled_from(["", "  # trailing", ' # = """', " #[x]", "\t# '''"])
INDENT = st.sampled_from(["", "  ", "\t"])
# What goes before an array element: spaces, or line breaks with comments.
ELEMENT_GAP = st.sampled_from([" ", "", "\n  ", '\n  # ] , = "\n  ', "\n\n    # [a]\n"])
ARRAY_END = st.sampled_from(["]", "\n]", ",\n]", ", ]", "  # ]\n]"])
DOT = st.sampled_from([".", " . ", "\t.\t"])

SCALAR = st.one_of(
    st.tuples(st.just("str"), TEXT, st.sampled_from(["tomli_w", "literal", "basic"])),
    st.tuples(
        st.just("plain"),
        st.one_of(
            st.integers(),
            st.booleans(),
            st.floats(allow_nan=False, allow_infinity=False),
            st.dates(),
            st.datetimes(),
        ),
    ),
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.tuples(
            st.just("array"),
            st.lists(st.tuples(inner, ELEMENT_GAP), max_size=4),
            ARRAY_END,
        ),
        st.tuples(st.just("inline"), st.dictionaries(KEY, inner, max_size=3)),
    ),
    max_leaves=6,
)
PAIR = st.one_of(
    st.tuples(st.just("value"), VALUE),
    st.tuples(st.just("dotted"), st.lists(KEY, min_size=1, max_size=2), VALUE),
)
# Filler lines, indentation and a trailing comment for every statement.
LAYOUT = st.tuples(st.lists(FILLER, max_size=2), INDENT, TRAILING, DOT)


def _tables(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    entry = st.one_of(
        st.tuples(st.just("value"), VALUE),
        st.tuples(st.just("dotted"), st.lists(KEY, min_size=1, max_size=2), VALUE),
        st.tuples(st.just("table"), children, st.booleans()),
        st.tuples(st.just("aot"), st.lists(children, min_size=1, max_size=3)),
    )
    return st.dictionaries(KEY, st.tuples(entry, LAYOUT), max_size=4)


TABLE = st.recursive(
    st.dictionaries(KEY, st.tuples(PAIR, LAYOUT), max_size=4), _tables, max_leaves=12
)


def fmt_key(key: str) -> str:
    """The key as tomli-w writes it (bare, or a quoted string)."""
    return tomli_w.dumps({key: 0})[: -len(" = 0\n")]


def fmt_scalar(value: Any) -> str:
    return tomli_w.dumps({"v": value}, multiline_strings=True)[len("v = ") : -1]


def literal_ok(text: str) -> bool:
    """Whether ``text`` can be a literal string (no escapes there)."""
    controls = any((ord(c) < 0x20 and c not in "\t\n") or c == "\x7f" for c in text)
    return not controls and "'''" not in text and "\r" not in text


def ml_basic(text: str) -> str:
    """A multi-line basic string keeping quotes raw where TOML allows (tomli-w escapes them).

    A third quote in a row is escaped, so the content may end in one or two
    raw quotes that run into the closing delimiter (\"\"\"a\"\"\"\" is a").
    """
    out: list[str] = []
    run = 0
    for char in text:
        if char == '"':
            out.append('\\"' if run == 2 else '"')
            run = 0 if run == 2 else run + 1
            continue
        run = 0
        if char == "\\":
            out.append("\\\\")
        elif (ord(char) < 0x20 and char not in "\t\n") or char == "\x7f":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    # The line break after the opening quotes is dropped by TOML.
    return '"""\n' + "".join(out) + '"""'


@dataclass
class Writer:
    """Builds a TOML text and the line where each key path was written."""

    parts: list[str] = field(default_factory=list)
    line: int = 1
    expected: dict[KeyPath, int] = field(default_factory=dict)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.line += text.count("\n")

    def mark(self, path: KeyPath) -> None:
        self.expected.setdefault(path, self.line)

    def text(self) -> str:
        return "".join(self.parts)

    def value(self, path: KeyPath, node: Any) -> None:
        kind = node[0]
        if kind == "str":
            _, text, style = node
            if style == "basic":
                self.add(ml_basic(text))
                return
            if style == "literal" and literal_ok(text):
                if "\n" in text:
                    self.add("'''\n" + text + "'''")  # the first newline is dropped by TOML
                    return
                if "'" not in text:
                    self.add(f"'{text}'")
                    return
            self.add(fmt_scalar(text))
        elif kind == "plain":
            self.add(fmt_scalar(node[1]))
        elif kind == "array":
            _, elements, end = node
            self.add("[")
            for index, (element, gap) in enumerate(elements):
                if index:
                    self.add(",")
                self.add(gap)
                self.mark((*path, index))
                self.value((*path, index), element)
            self.add(end if elements else "]")
        else:
            self.add("{ ")
            for index, (key, item) in enumerate(node[1].items()):
                if index:
                    self.add(", ")
                self.mark((*path, key))
                self.add(fmt_key(key) + " = ")
                self.value((*path, key), item)
            self.add(" }")

    def header(self, path: KeyPath, dot: str, indent: str, trailing: str, double: bool) -> None:
        for end in range(1, len(path) + 1):
            self.mark(path[:end])
        names = dot.join(fmt_key(p) for p in path if isinstance(p, str))
        self.add(indent + ("[[" if double else "[") + names + ("]]" if double else "]"))
        self.add(trailing + "\n")

    def table(self, path: KeyPath, table: dict[str, Any]) -> None:
        pairs = [(k, e, lay) for k, (e, lay) in table.items() if e[0] in ("value", "dotted")]
        subs = [(k, e, lay) for k, (e, lay) in table.items() if e[0] in ("table", "aot")]
        for key, entry, (filler, indent, trailing, dot) in pairs:
            self.add("".join(line + "\n" for line in filler))
            names = [key, *entry[1]] if entry[0] == "dotted" else [key]
            for end in range(1, len(names) + 1):
                self.mark((*path, *names[:end]))
            self.add(indent + dot.join(fmt_key(n) for n in names) + " = ")
            self.value((*path, *names), entry[-1])
            self.add(trailing + "\n")
        for key, entry, (filler, indent, trailing, dot) in subs:
            self.add("".join(line + "\n" for line in filler))
            child = (*path, key)
            if entry[0] == "table":
                _, sub, explicit = entry
                kinds = {e[0] for e, _ in sub.values()}
                # A table holding only tables may be left to its children's headers.
                if explicit or not kinds or kinds & {"value", "dotted"}:
                    self.header(child, dot, indent, trailing, double=False)
                self.table(child, sub)
            else:
                for index, sub in enumerate(entry[1]):
                    self.header((*child, index), dot, indent, trailing, double=True)
                    self.table((*child, index), sub)


@settings(max_examples=200, deadline=None)
@given(TABLE)
def test_every_key_is_found_at_the_line_it_was_written(table: dict[str, Any]) -> None:
    writer = Writer()
    writer.table((), table)
    text = writer.text()
    # The document is valid TOML and holds exactly the keys written.
    assert paths_of(tomllib.loads(text)) == set(writer.expected)
    assert key_lines(text) == writer.expected


# One line of a string's content: anything but line breaks (any \n makes a new line).
CONTENT_LINE = st.lists(st.one_of(TRICKY, st.text(max_size=4)), max_size=6).map(
    lambda parts: "".join(parts).replace("\n", "").replace("\r", "")
)


def basic_unit(char: str) -> str:
    """One character inside a multi-line basic string, escaped when TOML wants it."""
    if char in '"\\':
        return "\\" + char
    if (ord(char) < 0x20 and char != "\t") or char == "\x7f":
        return f"\\u{ord(char):04x}"
    return char


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(CONTENT_LINE, min_size=1, max_size=6),
    literal=st.booleans(),
    leading_newline=st.booleans(),
    data=st.data(),
)
def test_each_string_line_is_found_at_the_file_line_it_was_written(
    lines: list[str], literal: bool, leading_newline: bool, data: st.DataObject
) -> None:
    if literal:
        lines = [line.replace("'", "") for line in lines]
        lines = [line if literal_ok(line) else "plain" for line in lines]
    # A line break right after the opening quotes is dropped by TOML: lead with one
    # whenever the first line is empty, so that the written text is the content.
    leading_newline = leading_newline or lines[0] == ""
    writer = Writer()
    writer.add('name = """\nnot = "a key"\n"""\n# [body]\n[body]\n')
    writer.add("message = " + ("'''" if literal else '"""') + ("\n" if leading_newline else ""))
    starts: list[int] = []
    for number, line in enumerate(lines):
        if number:
            # Between lines: a raw line break, or (basic strings) a \n escape.
            escaped = not literal and data.draw(st.booleans(), label="escaped newline")
            writer.add("\\n" if escaped else "\n")
        starts.append(writer.line)
        for index, char in enumerate(line):
            unit = char if literal else basic_unit(char)
            if not literal and char not in " \t" and data.draw(st.booleans(), label="joined"):
                # A line-ending backslash: TOML drops it with the whitespace that follows.
                writer.add("\\\n" + data.draw(st.sampled_from(["", "  ", "\n\t"])))
                if index == 0:
                    starts[-1] = writer.line
            writer.add(unit)
    writer.add(("'''" if literal else '"""') + "\nmenu = 'after'\n")
    text = writer.text()
    assert tomllib.loads(text)["body"]["message"] == "\n".join(lines)
    for number, start in enumerate(starts, start=1):
        assert value_line(text, "body.message", number) == start
    assert value_line(text, "body.menu") == text.count("\n")


# Text that tomli-w keeps as a literal multi-line string: no quotes, backslashes or controls.
SAFE = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters="'\"\\"),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(
    part=st.sampled_from(["message", "attach", "keyboard", "menu"]),
    lines=st.lists(SAFE, min_size=1, max_size=8),
    data=st.data(),
)
def test_a_saved_part_maps_each_line_to_its_text(
    part: str, lines: list[str], data: st.DataObject
) -> None:
    """Whatever a saved part holds, line N of the part is at value_line(N) of the file."""
    content = "\n".join(lines) + "\n"
    text = dumps_template({"name": "P", "body": {part: content}})
    number = data.draw(st.integers(min_value=1, max_value=len(lines)))
    found = value_line(text, ("body", part), number)
    assert found is not None
    assert text.split("\n")[found - 1] == lines[number - 1]


# Fragments of TOML in any order: mostly not valid TOML at all.
FRAGMENTS = st.sampled_from(
    ['"', '"""', "'", "'''", "\\", "[", "[[", "]", "]]", "{", "}", "=", ",", ".", "#", "\n",
     "\r\n", " ", "a", "b.c", "1", "true", '"k"', "'k'", "\ufeff"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(FRAGMENTS, max_size=40).map("".join), st.integers(min_value=1, max_value=5))
def test_any_text_gets_lines_inside_it_and_never_an_error(text: str, line: int) -> None:
    last = text.count("\n") + 1
    lines = key_lines(text)
    assert all(1 <= number <= last for number in lines.values())
    for path in list(lines)[:5]:
        found = value_line(text, path, line)
        assert found is not None and 1 <= found <= last
