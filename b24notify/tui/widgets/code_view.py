"""The Code tab: the request as curl / JavaScript / PHP / Python, with a copy button."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Select, TextArea

FORMATS: list[tuple[str, str]] = [
    ("curl", "curl"),
    ("JavaScript", "js"),
    ("PHP", "php"),
    ("Python", "python"),
]
_LANGUAGES = {"curl": "bash", "js": "javascript", "php": None, "python": "python"}


def set_language(area: TextArea, language: str | None) -> None:
    """Highlight as ``language`` when its grammar is installed, else show plain text."""
    from textual.widgets.text_area import LanguageDoesNotExist

    if area.language == language:
        return
    try:
        area.language = language if language in area.available_languages else None
    except LanguageDoesNotExist:
        area.language = None


class CodeView(Vertical):
    """Shows code the screen renders for ``fmt``; asks for a new rendering when it changes."""

    class FormatChanged(Message):
        def __init__(self, fmt: str) -> None:
            super().__init__()
            self.fmt = fmt

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fmt = "curl"

    def compose(self) -> ComposeResult:
        with Horizontal(id="code-bar"):
            yield Select(FORMATS, value="curl", allow_blank=False, id="code-format")
            yield Button("Copy", id="code-copy", variant="primary")
        yield TextArea("", read_only=True, id="code-body", show_line_numbers=False)

    def set_format(self, fmt: str) -> None:
        """Switch the format from outside (palette); the owner re-renders the code."""
        self.fmt = fmt
        with self.prevent(Select.Changed):
            self.query_one("#code-format", Select).value = fmt

    @property
    def text(self) -> str:
        return self.query_one("#code-body", TextArea).text

    def show(self, code: str) -> None:
        area = self.query_one("#code-body", TextArea)
        set_language(area, _LANGUAGES.get(self.fmt))
        if area.text != code:
            area.load_text(code)

    @on(Select.Changed, "#code-format")
    def _format(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and event.value != self.fmt:
            self.fmt = event.value
            self.post_message(self.FormatChanged(self.fmt))

    @on(Button.Pressed, "#code-copy")
    def copy(self) -> None:
        text = self.text
        if not text.strip():
            self.notify("Nothing to copy yet.", severity="warning")
            return
        self.app.copy_to_clipboard(text)
        label = dict((v, k) for k, v in FORMATS).get(self.fmt, self.fmt)
        self.notify(f"Copied the request as {label}.")
