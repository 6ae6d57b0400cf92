"""The Chat tab: the message as the chat will show it, kept on screen while the draft is broken.

The message is rendered to lines once per change and painted from those lines
(a ``ScrollView``), so a keystroke repaints the tab without a screen-wide
layout pass unless the message's height changed: that is what keeps the
preview within a frame of the key press.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import messages
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from b24notify.tui.widgets.chat_render import chat_message

if TYPE_CHECKING:
    from textual import events

    from b24notify.core.models import Rendered


def portal_view(rendered: Rendered, bot_id: int | None = None) -> tuple[Any, Any, Any]:
    """Attach, keyboard and menu reduced to what the portal keeps (it drops bad parts silently)."""
    from b24notify.core import payload

    attach = keyboard = menu = None
    if rendered.attach is not None:
        attach = payload.effective_attach(rendered.attach)
    if rendered.keyboard is not None:
        keyboard = payload.effective_keyboard(rendered.keyboard, bot_id=bot_id)
    if rendered.menu is not None:
        menu = payload.effective_menu(rendered.menu, bot_id=bot_id)
    return attach, keyboard, menu


class ChatView(ScrollView, can_focus=True):
    """Paints one Rich renderable from pre-rendered lines; scrolls when it is taller."""

    DEFAULT_CSS = """
    ChatView {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.renderable: RenderableType = ""
        self.lines: list[Strip] = []
        self._width = 0
        self._painted: dict[tuple[int, int, int, Style], Strip] = {}

    def show(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._layout_lines()

    def _layout_lines(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            return  # not sized yet: on_resize renders
        self._width = width
        console = self.app.console
        options = console.options.update_width(width)
        segments = console.render(self.renderable, options)
        self.lines = [
            strip.adjust_cell_length(width)
            for strip in Strip.from_lines(list(Segment.split_lines(segments)))
        ]
        self._painted.clear()
        size = Size(width, len(self.lines))
        if self.virtual_size != size:
            self.virtual_size = size  # only a change of height costs a layout pass
        self.refresh()
        # Tell the screen now rather than when this widget next idles: the update
        # then reaches the screen before the typed field's own, and both are drawn
        # in one frame (otherwise the chat follows two frames later). This is the
        # message refresh() would send a moment later.
        self.screen.post_message(messages.Update(self))

    def on_resize(self, event: events.Resize) -> None:
        if self.scrollable_content_region.width != self._width:
            self._layout_lines()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        index = scroll_y + y
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        style = self.rich_style
        key = (index, scroll_x, width, style)
        strip = self._painted.get(key)
        if strip is None:
            strip = self.lines[index].crop_extend(scroll_x, scroll_x + width, style)
            strip = self._painted[key] = strip.apply_style(style)
        return strip


class ChatPreview(Vertical):
    """A faithful, scrollable rendering of one message, with a banner when the draft is broken."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.renders = 0
        """How many times the message was re-rendered (benchmarks and tests wait on it)."""
        self.message: RenderableType | None = None
        self._problem: str | None = None
        self._stale = False

    def compose(self) -> ComposeResult:
        yield Static(id="chat-banner", markup=False)
        yield ChatView(id="chat-body")

    def on_mount(self) -> None:
        self.query_one("#chat-banner").display = False
        self.query_one(ChatView).show(
            Text("Pick a template on the left to see the message here.", "dim italic")
        )

    def show(
        self,
        rendered: Rendered | None,
        *,
        sender: str = "Bot",
        system: bool = False,
        bot_id: int | None = None,
        problem: str | None = None,
    ) -> None:
        """Render ``rendered``; with None keep the last good message, dimmed, under ``problem``."""
        if problem != self._problem:
            self._problem = problem
            banner = self.query_one("#chat-banner", Static)
            banner.display = problem is not None
            banner.update(problem or "")
        body = self.query_one(ChatView)
        stale = rendered is None
        if stale != self._stale:
            self._stale = stale
            body.set_class(stale, "-stale")
        if rendered is None:
            return
        attach, keyboard, menu = portal_view(rendered, bot_id)
        self.message = chat_message(
            rendered.message,
            attach=attach,
            keyboard=keyboard,
            menu=menu,
            sender=sender,
            system=system,
        )
        body.show(self.message)
        self.renders += 1

    def plain(self, width: int = 80) -> str:
        """The shown message as plain text (what a reader sees, without colours)."""
        if self.message is None:
            return ""
        console = Console(width=width, color_system=None, file=io.StringIO(), legacy_windows=False)
        with console.capture() as capture:
            console.print(self.message)
        return capture.get()

    def clear(self, note: str) -> None:
        self.message = None
        self.show(None, problem=None)
        self.query_one(ChatView).show(Text(note, "dim italic"))
