"""The Request tab: method, masked URL, part sizes against the 30 KB limit, the JSON body."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TextArea

if TYPE_CHECKING:
    from b24notify.core.service import Preview

SIZE_LIMIT = 30 * 1024
HIGHLIGHT_LIMIT = 20_000
"""Characters of JSON above which the body is shown plain: re-highlighting a 30 KB
body on every keystroke took longer than a frame (27 ms against 11 ms plain)."""


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
    return json.dumps(params, ensure_ascii=False, indent=2)


class RequestView(Vertical):
    """The exact params that will be sent (secrets already masked by the service)."""

    def compose(self) -> ComposeResult:
        yield Static(id="request-head")
        area = TextArea(
            "", read_only=True, id="request-body", show_line_numbers=False, soft_wrap=False
        )
        yield area

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._head: Text | None = None

    def show(self, preview: Preview) -> None:
        from b24notify.tui.widgets.code_view import set_language

        body = body_json(preview.params) if preview.params is not None else ""
        if preview.params is None:
            body = "// Nothing to send yet: fix the problems shown in the Problems tab."
        large = len(body) > HIGHLIGHT_LIMIT
        head = Text()
        head.append("POST ", "bold")
        head.append(preview.url or f"https://<portal>/rest/…/{preview.method}", "cyan")
        head.append(f"\n{preview.method}  ·  API {preview.api}", "dim")
        if large:
            head.append("  ·  not highlighted: a large body", "dim italic")
        if preview.sizes:
            head.append("\n")
            head.append_text(size_line(preview.sizes))
        if head != self._head:  # each update costs a layout pass
            self._head = head
            self.query_one("#request-head", Static).update(head)
        area = self.query_one(TextArea)
        set_language(area, None if large else "json")
        if area.text != body:
            area.load_text(body)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text
