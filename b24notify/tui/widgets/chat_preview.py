"""The Chat tab: the message as the chat will show it, kept on screen while the draft is broken.

The message is drawn to lines once per change and painted from those lines
(a ``ScrollView``). A keystroke redraws only the parts of the bubble whose
input changed and repaints only the rows that differ, without a screen-wide
layout pass unless the scrollbar comes or goes: that keeps the preview within
a frame of the key press. Lines wrap at the width left beside the vertical
scrollbar whenever the message is taller than the view.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Hashable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group, RenderableType
from rich.style import Style
from rich.text import Text
from textual import messages
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from b24notify.tui.widgets.chat_render import (
    ChatBlock,
    attach_blocks,
    chat_blocks,
    keyboard_view,
    menu_view,
    spaced,
)

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


def _portal_part(part: str, value: Any, bot_id: int | None) -> RenderableType | None:
    """The keyboard or the menu as the portal keeps it, after its blank line."""
    from b24notify.core import payload

    if part == "keyboard":
        return spaced(keyboard_view(payload.effective_keyboard(value, bot_id=bot_id)))
    return spaced(menu_view(payload.effective_menu(value, bot_id=bot_id)))


class PortalAttach:
    """The portal's reduction of the last ATTACH seen, kept while that attach is unchanged."""

    def __init__(self) -> None:
        self._seen = ""
        self._kept: Any = None

    def __call__(self, attach: Any) -> Any:
        from b24notify.core import payload

        seen = repr(attach)
        if seen != self._seen:
            self._seen, self._kept = seen, payload.effective_attach(attach)
        return self._kept


def message_blocks(
    rendered: Rendered,
    *,
    sender: str = "Bot",
    system: bool = False,
    bot_id: int | None = None,
    portal_attach: Callable[[Any], Any] | None = None,
) -> list[ChatBlock]:
    """The chat bubble of ``rendered`` as the portal shows it, as blocks keyed by their input.

    The attach is reduced to what the portal keeps (``portal_attach``, by
    default ``payload.effective_attach``) and split into its blocks; keyboard
    and menu are keyed by their raw value and the bot (which decides which
    buttons survive), so the portal's reduction runs only for a part that changed.
    """
    blocks = chat_blocks(rendered.message, sender=sender, system=system)
    if rendered.attach is not None:
        blocks.extend(attach_blocks((portal_attach or PortalAttach())(rendered.attach)))
    for part, value in (("keyboard", rendered.keyboard), ("menu", rendered.menu)):
        if value is not None:
            key = (part, repr(value), bot_id)
            blocks.append(ChatBlock(key, partial(_portal_part, part, value, bot_id)))
    return blocks


def steady_virtual_size(view: Widget, size: Size) -> None:
    """Take a new virtual size without a layout pass unless a scrollbar comes or goes.

    For scrolling views whose box never depends on what they show: Widget
    declares ``virtual_size`` with ``layout=True``, so each change in the size
    of the content would re-arrange the whole screen. Such a view declares it
    with ``layout=False`` and calls this from ``watch_virtual_size``: the view
    is repainted and its scrollbars' thumbs resized; a layout pass runs only
    when a scrollbar appears or goes (the room for the content changes then).
    """
    if not view.is_mounted or not view.container_size:
        return
    styles = view.styles
    width, height = view.container_size
    vertical = _shows(styles.overflow_y, size.height, height)
    horizontal = _shows(styles.overflow_x, size.width, width)
    if vertical and not horizontal:  # the vertical bar takes columns from the content
        horizontal = _shows(styles.overflow_x, size.width, width - styles.scrollbar_size_vertical)
    if horizontal and not vertical:
        vertical = _shows(styles.overflow_y, size.height, height - styles.scrollbar_size_horizontal)
    if (horizontal, vertical) != (view.show_horizontal_scrollbar, view.show_vertical_scrollbar):
        view.refresh(layout=True)
        return
    if vertical:
        view.vertical_scrollbar.window_virtual_size = size.height
    if horizontal:
        view.horizontal_scrollbar.window_virtual_size = size.width
    view.scroll_x = view.validate_scroll_x(view.scroll_x)
    view.scroll_y = view.validate_scroll_y(view.scroll_y)
    view.refresh()


def _shows(overflow: str, content: int, room: int) -> bool:
    """Whether a scrollbar shows for ``content`` cells in ``room`` (Textual's rule)."""
    return overflow == "scroll" or (overflow == "auto" and content > room)


class ChatView(ScrollView, can_focus=True):
    """Paints a message from pre-drawn lines; scrolls when it is taller than the view."""

    DEFAULT_CSS = """
    ChatView {
        height: 1fr;
        overflow-x: hidden;
    }
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    """Its box is ``1fr`` whatever it shows: see ``steady_virtual_size``."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.blocks: list[ChatBlock] = []
        self.lines: list[Strip] = []
        self.wrap_width = 0
        """The width the lines were wrapped at: the view's, less the scrollbar when it shows."""
        self._box = Size(0, 0)
        self._drawn: dict[tuple[Hashable, int], list[Strip]] = {}
        self._painted: dict[tuple[int, int, int, Style], Strip] = {}
        self._style = Style()
        self._view_width = 0

    def watch_virtual_size(self, size: Size) -> None:
        steady_virtual_size(self, size)

    def show(self, renderable: RenderableType) -> None:
        """Show one renderable (a note, another kind of message)."""
        self.show_blocks([ChatBlock(None, lambda: renderable)])

    def show_blocks(self, blocks: Sequence[ChatBlock]) -> None:
        """Show ``blocks`` one under the other; unchanged blocks are not drawn again."""
        self.blocks = list(blocks)
        self._layout_lines()

    def _draw(self, width: int, drawn: dict[tuple[Hashable, int], list[Strip]]) -> list[Strip]:
        lines: list[Strip] = []
        console = self.app.console
        options = console.options.update_width(width)
        for block in self.blocks:
            key = (block.key, width)
            strips = None
            if block.key is not None:
                strips = drawn.get(key)
                if strips is None:
                    strips = self._drawn.get(key)
            if strips is None:
                renderable = block.build()
                strips = []
                if renderable is not None:
                    # Padded to the width by Rich, so each strip's length is known.
                    rows = console.render_lines(renderable, options, pad=True)
                    strips = [Strip(row, width) for row in rows]
            if block.key is not None:
                drawn[key] = strips
            lines.extend(strips)
        return lines

    def _wrap(self, box: Size) -> tuple[int, list[Strip]]:
        """The wrap width and the lines: narrower by the scrollbar when they overflow."""
        styles = self.styles
        bar = styles.scrollbar_size_vertical
        overflow = styles.overflow_y
        drawn: dict[tuple[Hashable, int], list[Strip]] = {}
        try:
            if overflow == "scroll" or (overflow == "auto" and styles.scrollbar_gutter == "stable"):
                width = max(1, box.width - bar)
                return width, self._draw(width, drawn)
            if overflow != "auto" or not bar or box.width <= bar:
                return box.width, self._draw(box.width, drawn)
            narrow = box.width - bar
            # Start from the last choice: the scrollbar seldom comes or goes on a keystroke.
            if self.wrap_width == narrow and self._box == box:
                lines = self._draw(narrow, drawn)
                if len(lines) > box.height:
                    return narrow, lines
            lines = self._draw(box.width, drawn)
            if len(lines) <= box.height:
                return box.width, lines
            return narrow, self._draw(narrow, drawn)
        finally:
            self._drawn = drawn

    def _layout_lines(self) -> None:
        box = self.content_size
        if box.width <= 0:
            return  # not sized yet: on_resize lays out
        width, lines = self._wrap(box)
        old = self.lines
        self.lines = lines
        self._painted.clear()
        full = width != self.wrap_width or box != self._box
        self.wrap_width = width
        self._box = box
        size = Size(width, len(lines))
        if self.virtual_size != size:
            self.virtual_size = size  # a layout pass only if the scrollbar comes or goes
        if full:
            self.refresh()
        elif not self._refresh_changed(old, lines):
            return  # nothing on screen changed
        # Tell the screen now rather than when this widget next idles: the update
        # then reaches the screen before the typed field's own, and both are drawn
        # in one frame (otherwise the chat follows two frames later). This is the
        # message refresh() would send a moment later.
        self.screen.post_message(messages.Update(self))

    def _refresh_changed(self, old: list[Strip], new: list[Strip]) -> bool:
        """Mark the rows in view whose line changed; False when none did."""
        top = self.scroll_offset.y
        bottom = top + self._box.height
        runs: list[tuple[int, int]] = []
        start: int | None = None
        for index in range(top, bottom):
            before = old[index] if index < len(old) else None
            after = new[index] if index < len(new) else None
            if before != after:
                if start is None:
                    start = index
            elif start is not None:
                runs.append((start, index))
                start = None
        if start is not None:
            runs.append((start, bottom))
        for first, end in runs:
            self.refresh(Region(0, first - top, self._box.width, end - first))
        return bool(runs)

    def on_resize(self, event: events.Resize) -> None:
        if self.content_size != self._box:
            self._layout_lines()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Once per paint rather than once per line: the style walks every ancestor.
        self._style = self.rich_style
        self._view_width = self.scrollable_content_region.width
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self._view_width
        style = self._style
        index = scroll_y + y
        if index >= len(self.lines):
            return Strip.blank(width, style)
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
        self._blocks: list[ChatBlock] | None = None
        self._portal_attach = PortalAttach()
        self._problem: str | None = None
        self._stale = False

    @property
    def message(self) -> RenderableType | None:
        """The shown message as one renderable (None before the first or after ``clear``)."""
        if self._blocks is None:
            return None
        return Group(*(r for block in self._blocks if (r := block.build()) is not None))

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
        self._blocks = message_blocks(
            rendered,
            sender=sender,
            system=system,
            bot_id=bot_id,
            portal_attach=self._portal_attach,
        )
        body.show_blocks(self._blocks)
        self.renders += 1

    def plain(self, width: int = 80) -> str:
        """The shown message as plain text (what a reader sees, without colours)."""
        message = self.message
        if message is None:
            return ""
        console = Console(width=width, color_system=None, file=io.StringIO(), legacy_windows=False)
        with console.capture() as capture:
            console.print(message)
        return capture.get()

    def clear(self, note: str) -> None:
        """Show ``note`` in place of a message."""
        self._blocks = None
        self.show(None, problem=None)
        self.query_one(ChatView).show(Text(note, "dim italic"))
