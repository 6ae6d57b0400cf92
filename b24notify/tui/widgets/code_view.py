"""The Code tab: the request as curl / JavaScript / PHP / Python, with a copy button.

The view holds the code as text and builds its format picker and editor the
first time it is shown: the preview pane mounts without them, and this module
imports no TextArea (nor its tree-sitter grammars) until then.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from textual import messages
from textual.containers import Horizontal, Vertical
from textual.message import Message

if TYPE_CHECKING:
    from textual.widgets import Button, Select, TextArea
    from textual.widgets.text_area import Location

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


@cache
def _code_area_class() -> type[TextArea]:
    """TextArea, less the bracket matching on bodies too large for it (imported on first use)."""
    from textual.geometry import Size
    from textual.reactive import Reactive
    from textual.widgets import TextArea

    from b24notify.tui.widgets.chat_preview import steady_virtual_size

    class CodeArea(TextArea):
        virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
        """Its box fills the tab whatever it holds: see ``steady_virtual_size``."""

        match_brackets = True
        """False for large bodies: loading one puts the cursor on its opening brace, and
        finding the match scanned the whole 30 KB body on every keystroke."""

        def watch_virtual_size(self, size: Size) -> None:
            steady_virtual_size(self, size)

        def find_matching_bracket(self, bracket: str, search_from: Location) -> Location | None:
            if not self.match_brackets:
                return None
            return super().find_matching_bracket(bracket, search_from)

    return CodeArea


def code_area(
    text: str, language: str | None, *, match_brackets: bool = True, **options: Any
) -> TextArea:
    """A read-only TextArea holding ``text``, highlighted as ``language`` when it can be."""
    from textual.widgets.text_area import LanguageDoesNotExist

    area_class = _code_area_class()
    try:
        area = area_class(text, language=language, read_only=True, **options)
    except LanguageDoesNotExist:  # the grammar is not installed
        area = area_class(text, language=None, read_only=True, **options)
    set_bracket_matching(area, match_brackets)
    return area


def set_bracket_matching(area: TextArea, on: bool) -> None:
    """Turn the cursor's bracket matching on or off (off for bodies too large to scan)."""
    area.match_cursor_bracket = on
    if hasattr(area, "match_brackets"):
        area.match_brackets = on


class CodeView(Vertical):
    """Shows code the screen renders for ``fmt``; asks for a new rendering when it changes."""

    class FormatChanged(Message):
        def __init__(self, fmt: str) -> None:
            super().__init__()
            self.fmt = fmt

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fmt = "curl"
        self._code = ""
        self._built = False

    @property
    def text(self) -> str:
        """The code shown (what Copy puts on the clipboard)."""
        return self._code

    @property
    def built(self) -> bool:
        """Whether the picker and the editor are mounted (they are from the first ``show``)."""
        return self._built

    def set_format(self, fmt: str) -> None:
        """Switch the format from outside (palette); the owner re-renders the code."""
        self.fmt = fmt
        if self._built:
            from textual.widgets import Select

            with self.prevent(Select.Changed):
                self.query_one("#code-format", Select).value = fmt

    def show(self, code: str) -> None:
        """Show ``code`` (in ``fmt``); the first call builds the view."""
        if not self._built:
            self._build(code)
            return
        from textual.widgets import TextArea

        area = self.query_one("#code-body", TextArea)
        set_language(area, _LANGUAGES.get(self.fmt))
        if code != self._code:
            self._code = code
            area.load_text(code)
            self.screen.post_message(messages.Update(area))  # same frame as the key: see ChatView

    def _build(self, code: str) -> None:
        from textual.widgets import Button, Select

        self._built = True
        self._code = code
        picker: Select[str] = Select(FORMATS, value=self.fmt, allow_blank=False, id="code-format")
        copy: Button = Button("Copy", id="code-copy", variant="primary")
        area = code_area(code, _LANGUAGES.get(self.fmt), id="code-body", show_line_numbers=False)
        self.mount(Horizontal(picker, copy, id="code-bar"), area)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "code-format":
            return
        event.stop()
        if isinstance(event.value, str) and event.value != self.fmt:
            self.fmt = event.value
            self.post_message(self.FormatChanged(self.fmt))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "code-copy":
            event.stop()
            self.copy()

    def copy(self) -> None:
        """Put the code on the clipboard and say so."""
        text = self.text
        if not text.strip():
            self.notify("Nothing to copy yet.", severity="warning")
            return
        self.app.copy_to_clipboard(text)
        label = dict((v, k) for k, v in FORMATS).get(self.fmt, self.fmt)
        self.notify(f"Copied the request as {label}.")
