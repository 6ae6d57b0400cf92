"""The Request tab: method, masked URL, part sizes against the 30 KB limit, the JSON body.

The view is an empty box until it is first shown: its editor (a TextArea with
a tree-sitter grammar) is imported and mounted then, so the preview pane
mounts fast and importing this module stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual import messages
from textual.containers import Vertical

if TYPE_CHECKING:
    from b24notify.core.service import Preview

SIZE_LIMIT = 30 * 1024
HIGHLIGHT_LIMIT = 20_000
"""Characters of JSON above which the body is shown plain: re-highlighting a 30 KB
body on every keystroke took longer than a frame (27 ms against 11 ms plain)."""
NOTHING_TO_SEND = "// Nothing to send yet: fix the problems shown in the Problems tab."


def size_line(sizes: dict[str, int], limit: int = SIZE_LIMIT) -> Text:
    """``ATTACH 1.2 KB / 30 KB`` for each part, coloured as it nears the limit."""
    text = Text()
    for n, (part, size) in enumerate(sizes.items()):
        if n:
            text.append("   ")
        share = size / limit
        style = "bold red" if share > 1 else "yellow" if share > 0.8 else "green"
        text.append(f"{part.upper()} ", "bold")
        text.append(f"{size / 1024:.1f} KB", style)
        text.append(f" / {limit // 1024} KB", "dim")
    return text


def body_json(params: Any) -> str:
    """The params as the indented JSON the tab shows."""
    import json

    return json.dumps(params, ensure_ascii=False, indent=2)


def request_head(preview: Preview, *, large: bool = False) -> Text:
    """``POST <url>``, the method and API, and the part sizes."""
    head = Text()
    head.append("POST ", "bold")
    head.append(preview.url or f"https://<portal>/rest/…/{preview.method}", "cyan")
    head.append(f"\n{preview.method}  ·  API {preview.api}", "dim")
    if large:
        head.append("  ·  not highlighted: a large body", "dim italic")
    if preview.sizes:
        head.append("\n")
        head.append_text(size_line(preview.sizes))
    return head


def _lines_fit(text: Text, width: int) -> int | None:
    """How many lines ``text`` takes at ``width``; None when one would wrap."""
    lines = text.plain.split("\n")
    if any(cell_len(line) > width for line in lines):
        return None
    return len(lines)


class RequestView(Vertical):
    """The exact params that will be sent (secrets already masked by the service)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._head = Text()
        self._body = ""
        self._built = False

    @property
    def text(self) -> str:
        """The JSON body shown (or the note in its place)."""
        return self._body

    @property
    def built(self) -> bool:
        """Whether the head and the editor are mounted (they are from the first ``show``)."""
        return self._built

    def show(self, preview: Preview) -> None:
        """Show ``preview``'s request; the first call builds the view."""
        body = NOTHING_TO_SEND if preview.params is None else body_json(preview.params)
        large = len(body) > HIGHLIGHT_LIMIT
        head = request_head(preview, large=large)
        language = None if large else "json"
        if not self._built:
            self._build(head, body, language, large)
            return
        from textual.widgets import Static, TextArea

        from b24notify.tui.widgets.code_view import set_bracket_matching, set_language

        if head != self._head:
            header = self.query_one("#request-head", Static)
            # A layout pass re-arranges the whole screen: only when the head's height may
            # change (the sizes in it change with almost every keystroke, its lines seldom).
            width = header.content_size.width
            lines = _lines_fit(head, width)
            same_height = lines is not None and lines == _lines_fit(self._head, width)
            self._head = head
            header.update(head, layout=not same_height)
        area = self.query_one("#request-body", TextArea)
        set_language(area, language)
        set_bracket_matching(area, not large)
        if body != self._body:
            self._body = body
            area.load_text(body)
            # Reach the screen before the typed field's own update, as the chat does (see
            # ChatView): the body is then drawn in the same frame as the character.
            self.screen.post_message(messages.Update(area))

    def _build(self, head: Text, body: str, language: str | None, large: bool) -> None:
        from textual.widgets import Static

        from b24notify.tui.widgets.code_view import code_area

        self._built = True
        self._head = head
        self._body = body
        area = code_area(
            body,
            language,
            match_brackets=not large,
            id="request-body",
            show_line_numbers=False,
            soft_wrap=False,
        )
        header: Static = Static(head, id="request-head")
        self.mount(header, area)
