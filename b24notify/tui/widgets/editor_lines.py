"""Where a template problem sits in the TOML file being edited; where Jinja tags and JSON are.

Errors from rendering carry the part (``message``, ``attach`` …) and a line
inside that part's string; the editor shows the whole file, so those lines
are mapped to file lines here, with core.template_lines (the one scanner
that knows TOML's strings, escapes, dotted keys and tables). The same scanner
finds the strings of the JSON parts (attach, keyboard, menu), whose keys,
strings, numbers and literals are coloured like JSON. Pure functions over
text: no widgets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from b24notify.core.template_lines import key_line, spots, value_line
from b24notify.core.template_schema import JSON_PARTS, PARTS

__all__ = [
    "JINJA_TAG",
    "byte_offset",
    "file_line",
    "jinja_spans",
    "json_spans",
    "key_line",
    "part_start_line",
]

# One Jinja tag on one line: {{ expr }}, {% stmt %} or {# comment #}.
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
# JSON tokens on one line of a part: a Jinja tag (skipped: it has its own
# colour), a string (a key when a colon follows), a number, a literal.
_JSON_TOKEN = re.compile(
    r"(?P<jinja>\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})"
    r'|(?P<string>"(?:[^"\\\n]|\\.)*")(?P<key>[ \t]*:)?'
    r"|(?P<number>(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.]))"
    r"|(?P<literal>\b(?:true|false|null)\b)"
)
_JSON_KINDS = {"number": "number", "literal": "boolean"}


def part_start_line(text: str, part: str) -> int | None:
    """The 1-based file line holding line 1 of ``[body] part``'s string; None when absent."""
    return value_line(text, ("body", part))


def file_line(text: str, part: str | None, line: int | None) -> int | None:
    """The file line of a problem reported at ``line`` of ``part`` ("file" lines are file lines).

    None when the problem is not in this file (a partial) or has no line in
    it. A part's line past the end of its string gives the string's last line.
    """
    if part is None:
        return None
    if part == "file":
        return line
    if part not in PARTS:
        return None
    return value_line(text, ("body", part), line or 1)


def jinja_spans(line: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) character spans of Jinja tags on one line.

    ``kind`` is ``"expr"`` for ``{{ … }}``, ``"stmt"`` for ``{% … %}`` and
    ``"comment"`` for ``{# … #}``.
    """
    if "{" not in line:
        return
    for match in JINJA_TAG.finditer(line):
        opener = match.group()[1]
        kind = {"{": "expr", "%": "stmt", "#": "comment"}[opener]
        yield match.start(), match.end(), kind


def byte_offset(line: str, index: int) -> int:
    """The UTF-8 byte offset of character ``index`` in ``line`` (TextArea highlights use bytes)."""
    return len(line[:index].encode("utf-8"))


def json_spans(text: str) -> Iterator[tuple[int, int, int, str]]:
    """(row, start, end, kind) character spans of JSON tokens in the file's JSON parts.

    Rows are 0-based file lines. ``kind`` is a TextArea theme name: ``json.label``
    for keys, ``string``, ``number``, ``boolean`` or ``json.null``. Only parts
    written as literal or multi-line strings are read (the usual way; a JSON
    part in a one-line basic string has its quotes escaped and is left as TOML).
    """
    found = spots(text)
    for part in JSON_PARTS:
        spot = found.get(("body", part))
        if spot is None or spot.value is None:
            continue
        start, end = spot.value
        opener = text[start : start + 3]
        if opener in ("'''", '"""'):
            start, end = start + 3, end - 3
        elif text[start : start + 1] == "'":
            start, end = start + 1, end - 1
        else:
            continue
        row = text.count("\n", 0, start)
        line_start = text.rfind("\n", 0, start) + 1
        while start < end:
            line_end = text.find("\n", start, end)
            stop = end if line_end < 0 else line_end
            for match in _JSON_TOKEN.finditer(text, start, stop):
                kind = match.lastgroup
                if kind == "jinja":
                    continue
                if kind == "key":  # a string followed by a colon: lastgroup is the colon
                    span, name = match.span("string"), "json.label"
                elif kind == "string":
                    span, name = match.span(), "string"
                elif kind == "literal" and match.group() == "null":
                    span, name = match.span(), "json.null"
                else:
                    span, name = match.span(), _JSON_KINDS[str(kind)]
                yield row, span[0] - line_start, span[1] - line_start, name
            if line_end < 0:
                break
            row += 1
            start = line_start = line_end + 1
