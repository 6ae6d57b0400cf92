"""The key bar: the screen's shown bindings on the bottom line, as one widget.

Textual's ``Footer`` builds a widget per key and recomposes them all whenever
the bindings change (every focus move and screen switch); that restyling was a
sixth of the time to the first frame, and the replaced key widgets are not all
released (Textualize/textual#6666). This bar draws the same line as text, is
refreshed in place, and remembers where each key was drawn so a click on it
presses the key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.text import Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen

SEPARATOR = "▏"


class Shown(NamedTuple):
    """One key as the bar shows it."""

    key: str
    display: str
    description: str
    enabled: bool


class KeySpan(NamedTuple):
    """Where one key was drawn: columns [start, end) and what a click does."""

    start: int
    end: int
    key: str
    enabled: bool


class KeyBar(Widget, can_focus=False):
    """One line: `` key description`` for each shown binding, the palette key on the right."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--disabled",
    }
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-foreground;
        text-wrap: nowrap;
        text-overflow: clip;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--disabled {
            text-style: dim;
        }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._spans: list[KeySpan] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.refresh()

    def shown(self) -> tuple[list[Shown], Shown | None]:
        """The keys the bar shows, in order, and the palette key shown on the right.

        One entry per action (the first key bound to it), as Textual's footer does.
        """
        app = self.app
        palette_key = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else None
        seen: set[str] = set()
        keys: list[Shown] = []
        palette: Shown | None = None
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if key == palette_key:
                palette = Shown(key, app.get_key_display(binding), "palette", active.enabled)
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            display = app.get_key_display(binding)
            keys.append(Shown(key, display, binding.description, active.enabled))
        return keys, palette

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        text_style = self.get_component_rich_style("key-bar--description", partial=True)
        dim = self.get_component_rich_style("key-bar--disabled", partial=True)
        keys, palette = self.shown()
        palette_width = 0
        if palette is not None:
            palette_width = len(SEPARATOR) + len(palette.display) + len(palette.description) + 2
            if width < palette_width:
                palette, palette_width = None, 0
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[KeySpan] = []
        for shown in keys:
            key_label = f" {shown.display} "
            description = f"{shown.description} "
            if line.cell_len + len(key_label) + len(description) > width - palette_width:
                break  # the keys that fit; the help screen (f1) lists them all
            start = line.cell_len
            line.append(key_label, key_style if shown.enabled else key_style + dim)
            line.append(description, text_style if shown.enabled else text_style + dim)
            spans.append(KeySpan(start, line.cell_len, shown.key, shown.enabled))
        if palette is not None:
            line.append(" " * (width - palette_width - line.cell_len))
            start = line.cell_len
            line.append(SEPARATOR, "dim")
            line.append(f"{palette.display} ", key_style)
            line.append(f"{palette.description} ", text_style)
            spans.append(KeySpan(start, line.cell_len, palette.key, palette.enabled))
        self._spans = spans
        return line

    def key_at(self, x: int) -> KeySpan | None:
        """The key drawn at column ``x``, if any."""
        for span in self._spans:
            if span.start <= x < span.end:
                return span
        return None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        span = self.key_at(event.x)
        if span is None:
            return
        event.stop()
        if span.enabled:
            self.app.simulate_key(span.key)
        else:
            self.app.bell()
