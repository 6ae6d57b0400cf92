"""Where a template problem sits in the TOML file being edited, and where Jinja tags are on a line.

Errors from rendering carry the part (``message``, ``attach`` …) and a line
inside that part's string; the editor shows the whole file, so those lines
are mapped to file lines here. Pure functions over text: no widgets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from b24notify.core.template_schema import PARTS

# One Jinja tag on one line: {{ expr }}, {% stmt %} or {# comment #}.
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*(["']?)([A-Za-z0-9_-]+)\1\s*=\s*(.*)$""")
_MULTILINE = ("'''", '"""')


def key_line(text: str, dotted: str) -> int | None:
    """The 1-based line of a key (``body.attach``) or table (``vars.who``) in TOML text.

    Lines inside multi-line strings are skipped, so a keyboard line such as
    ``[{"TEXT": "Go"}]`` is never taken for a table header.
    """
    *table, key = dotted.split(".")
    header: list[str] = []
    closing: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if closing is not None:
            if closing in line:
                closing = None
            continue
        found = _TABLE.match(line)
        if found:
            header = [part.strip().strip("\"'") for part in found.group(1).split(".")]
            if header == [*table, key]:
                return number
            continue
        pair = _KEY.match(line)
        if pair is None:
            continue
        if header == table and pair.group(2) == key:
            return number
        value = pair.group(3)
        for delimiter in _MULTILINE:
            if value.startswith(delimiter) and delimiter not in value[3:]:
                closing = delimiter
                break
    return None


def part_start_line(text: str, part: str) -> int | None:
    """The 1-based file line holding line 1 of ``[body] part``'s string; None when absent."""
    number = key_line(text, f"body.{part}")
    if number is None:
        return None
    line = text.splitlines()[number - 1]
    _, equals, value = line.partition("=")
    if not equals:
        return number
    value = value.lstrip()
    for opener in _MULTILINE:
        if value.startswith(opener):
            # TOML drops a newline right after the opening delimiter of a multi-line string.
            return number + 1 if value[3:] == "" else number
    return number


def file_line(text: str, part: str | None, line: int | None) -> int | None:
    """The file line of a problem reported at ``line`` of ``part`` ("file" lines are file lines).

    None when the problem is not in this file (a partial) or has no line.
    """
    if part is None:
        return None
    if part == "file":
        return line
    if part not in PARTS:
        return None
    start = part_start_line(text, part)
    if start is None:
        return None
    return start + (line or 1) - 1


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
