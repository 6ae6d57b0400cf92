"""Where a template problem sits in the TOML file being edited, and where Jinja tags are on a line.

Errors from rendering carry the part (``message``, ``attach`` …) and a line
inside that part's string; the editor shows the whole file, so those lines
are mapped to file lines here, with core.template_lines (the one scanner
that knows TOML's strings, escapes, dotted keys and tables). Pure functions
over text: no widgets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from b24notify.core.template_lines import key_line, value_line
from b24notify.core.template_schema import PARTS

__all__ = ["JINJA_TAG", "byte_offset", "file_line", "jinja_spans", "key_line", "part_start_line"]

# One Jinja tag on one line: {{ expr }}, {% stmt %} or {# comment #}.
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")


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
