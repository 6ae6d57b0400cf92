"""The template source editor: a TOML TextArea that also colours JSON, Jinja tags and errors.

tree-sitter has no Jinja grammar, so the file is highlighted as TOML; the
JSON inside the attach, keyboard and menu strings is coloured on top with the
theme's JSON colours, then the ``{{ … }}`` / ``{% … %}`` / ``{# … #}`` tags,
line by line. The line of the current error gets a red underline.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from textual.widgets import TextArea

from b24notify.tui.widgets.editor_lines import byte_offset, jinja_spans, json_spans

ERROR_HIGHLIGHT = "b24notify.error"
JINJA_HIGHLIGHTS = {
    "expr": "b24notify.jinja.expr",
    "stmt": "b24notify.jinja.stmt",
    "comment": "b24notify.jinja.comment",
}
# Added to whichever TextArea theme is active.
EXTRA_STYLES = {
    "b24notify.jinja.expr": Style(color="#4ec9b0", bold=True),
    "b24notify.jinja.stmt": Style(color="#c586c0", bold=True),
    "b24notify.jinja.comment": Style(color="#6a9955", italic=True),
    ERROR_HIGHLIGHT: Style(underline=True, color="#ff5f5f", bold=True),
}


class TemplateTextArea(TextArea):
    """The whole template file, TOML-highlighted, with Jinja tags and the error line marked."""

    _error_row: int | None = None

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(
            text,
            id=id,
            soft_wrap=True,
            tab_behavior="indent",
            show_line_numbers=True,
            highlight_cursor_line=True,
        )
        self.indent_width = 2
        if "toml" in self.available_languages:
            self.language = "toml"

    @property
    def error_line(self) -> int | None:
        """The 1-based line marked as wrong, or None."""
        return None if self._error_row is None else self._error_row + 1

    def mark_error(self, line: int | None) -> None:
        """Underline file line ``line`` (1-based); None clears the mark."""
        row = None if line is None or line < 1 else line - 1
        if row == self._error_row:
            return
        self._error_row = row
        self._build_highlight_map()
        self.refresh()

    def go_to_line(self, line: int) -> None:
        """Put the cursor at the start of file line ``line`` (1-based) and show it."""
        last = max(self.document.line_count - 1, 0)
        row = min(max(line - 1, 0), last)
        self.move_cursor((row, 0), center=True)
        self.focus()

    # Textual keeps highlights in ``_highlights`` (row → byte spans); these two
    # overrides add ours after tree-sitter's, so they win where they overlap.
    def _build_highlight_map(self) -> None:
        super()._build_highlight_map()
        highlights = self._highlights
        lines = self.document.lines
        # JSON before Jinja: a tag inside a JSON string keeps its own colour.
        for row, start, end, kind in json_spans(self.text):
            line = lines[row]
            highlights[row].append((byte_offset(line, start), byte_offset(line, end), kind))
        for row, line in enumerate(lines):
            for start, end, kind in jinja_spans(line):
                highlights[row].append(
                    (byte_offset(line, start), byte_offset(line, end), JINJA_HIGHLIGHTS[kind])
                )
        error_row = self._error_row
        if error_row is not None and error_row < self.document.line_count:
            highlights[error_row].append((0, None, ERROR_HIGHLIGHT))

    def _set_theme(self, theme: str) -> None:
        super()._set_theme(theme)
        styles: dict[str, Any] = dict(self._theme.syntax_styles)
        styles.update(EXTRA_STYLES)
        self._theme.syntax_styles = styles
