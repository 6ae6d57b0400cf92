"""Rich renderables for a chat message as Bitrix24 shows it: BB-code text, ATTACH, KEYBOARD, MENU.

Pure functions over the core's data (BB-code tree, the effective attach /
keyboard / menu the portal keeps): no widgets, so the preview, the history
detail and the sandbox inbox can all use them, and tests can render them to
plain text without a terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from b24notify.core.bbcode import ZWSP, LineBreak, Node, QuoteLine, Tag

# Bitrix24's colour tokens, approximated for a terminal.
TOKEN_COLORS = {
    "primary": "#2fc6f6",
    "secondary": "#a8adb4",
    "alert": "#ff5752",
    "base": "#7a8591",
}
LINK_STYLE = Style(color="#5aa9ff", underline=True)
MENTION_STYLE = Style(color="#ffffff", bgcolor="#2067b0", bold=True)
CHAT_STYLE = Style(color="#ffffff", bgcolor="#5a6b7d", bold=True)
ACTION_STYLE = Style(color="#7fd1ae", underline=True)
PLACEHOLDER_STYLE = Style(color="#c9a0ff", italic=True)
CODE_STYLE = Style(color="#e6e6e6", bgcolor="#2b2f36")
QUOTE_BAR = Style(color="#8a94a0")
DIM = Style(dim=True)

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_URL_IN_TEXT = re.compile(r"(?:https?://|www\.)[^\s\[\]<>\"']+")

_ACTION_GLYPHS = {"put": "✎ ", "send": "➤ ", "call": "✆ "}


def hex_color(value: Any) -> str | None:
    """A ``#rrggbb`` colour from ``#rgb``/``#rrggbb`` input, or None when invalid."""
    if not isinstance(value, str) or not _HEX.match(value):
        return None
    digits = value[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return "#" + digits.lower()


def token_color(token: Any, default: str = "base") -> str:
    return TOKEN_COLORS.get(str(token).lower() if token else default, TOKEN_COLORS[default])


def contrast_text(bg: str) -> str:
    """Black or white, whichever reads better on ``bg`` (``#rrggbb``)."""

    def channel(i: int) -> float:
        c = int(bg[i : i + 2], 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    # WCAG relative luminance: above ~0.18 black text has the better contrast.
    luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    return "#000000" if luminance > 0.179 else "#ffffff"


# ---- BB-code text ---------------------------------------------------------------


def bb_text(source: str, *, style: Style | None = None) -> Text:
    """The message text as the chat shows it, with BB-codes turned into Rich styles."""
    from b24notify.core.bbcode import parse

    text = Text(style=style or Style())
    _emit(parse(source), text, Style())
    return text


def _emit(nodes: Sequence[Node], out: Text, style: Style) -> None:
    for node in nodes:
        if isinstance(node, LineBreak):
            out.append("\n")
        elif isinstance(node, QuoteLine):
            out.append("▍", QUOTE_BAR)
            _emit(node.children, out, style + Style(italic=True, color="#b8c0c8"))
        elif isinstance(node, Tag):
            _emit_tag(node, out, style)
        else:
            # Escaped values carry zero-width spaces; the chat shows nothing for them.
            _append_linked(out, node.text.replace(ZWSP, ""), style)


def _plain(nodes: Sequence[Node]) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, LineBreak):
            parts.append("\n")
        elif isinstance(node, Tag | QuoteLine):
            parts.append(_plain(node.children))
        else:
            parts.append(node.text.replace(ZWSP, ""))
    return "".join(parts)


def _size_style(value: str | None) -> Style:
    """``[size=N]``: a terminal has one font size, so big is bold and small is dim."""
    try:
        size = int(str(value).rstrip("px"))
    except ValueError:
        return Style()
    if size >= 18:
        return Style(bold=True)
    if size <= 11:
        return Style(dim=True)
    return Style()


def _emit_tag(tag: Tag, out: Text, style: Style) -> None:
    name = tag.name
    if not tag.closed:
        # The chat prints an unclosed tag as written.
        out.append(tag.raw.replace(ZWSP, ""), style)
        _emit(tag.children, out, style)
        return
    simple = {
        "b": Style(bold=True),
        "i": Style(italic=True),
        "u": Style(underline=True),
        "s": Style(strike=True),
    }
    if name in simple:
        _emit(tag.children, out, style + simple[name])
    elif name == "color":
        color = hex_color(tag.value)
        _emit(tag.children, out, style + Style(color=color) if color else style)
    elif name == "size":
        _emit(tag.children, out, style + _size_style(tag.value))
    elif name == "url":
        inner = _plain(tag.children).strip()
        url = (tag.value or inner).strip()
        label = inner or url
        out.append(label, style + LINK_STYLE + Style(link=url or None))
        if tag.value and inner and inner != url:
            out.append(f" ({url})", style + DIM)
    elif name in ("user", "chat"):
        label = _plain(tag.children).strip()
        if name == "user":
            shown = "@" + (label or ("all" if tag.value == "all" else f"user {tag.value}"))
        else:
            shown = "#" + (label or f"chat {tag.value}")
        out.append(f" {shown} ", MENTION_STYLE if name == "user" else CHAT_STYLE)
    elif name == "context":
        label = _plain(tag.children).strip() or f"message {tag.value}"
        out.append(label, style + LINK_STYLE)
    elif name in _ACTION_GLYPHS:
        label = _plain(tag.children)
        if name == "call" and not label:
            label = tag.value or ""
        out.append(_ACTION_GLYPHS[name] + (label or tag.value or ""), style + ACTION_STYLE)
    elif name == "code":
        body = _plain(tag.children).strip("\n")
        if out.plain and not out.plain.endswith("\n"):
            out.append("\n")
        width = max((len(line) for line in body.split("\n")), default=0)
        for line in body.split("\n"):
            out.append(f" {line.ljust(width)} ", CODE_STYLE)
            out.append("\n")
    elif name == "img":
        url = _plain(tag.children).strip()
        size = tag.attrs.get("size", "")
        out.append(f"[image{' ' + size if size else ''}: {url}]", PLACEHOLDER_STYLE)
    elif name == "icon":
        title = tag.attrs.get("title") or tag.value or ""
        out.append(f"[icon: {title}]", PLACEHOLDER_STYLE)
    elif name == "timestamp":
        out.append(_timestamp(tag.value), style + Style(underline=True))
    elif name == "disk":
        out.append(f"[file: disk #{tag.value}]", PLACEHOLDER_STYLE)
    elif name == "br":
        out.append("\n")
    elif name == "quote":
        _quote_block(tag, out, style)
    else:
        # The chat prints tags it does not know as they were written.
        out.append(tag.raw or f"[{name}]", style)
        _emit(tag.children, out, style)
        if tag.closed and tag.children:
            out.append(f"[/{name}]", style)


def _quote_block(tag: Tag, out: Text, style: Style) -> None:
    """A full quote (between dash lines): author header, then the quoted lines with a bar."""
    if out.plain and not out.plain.endswith("\n"):
        out.append("\n")
    author = tag.attrs.get("author")
    if author:
        out.append("▍ ", QUOTE_BAR)
        out.append(f"{author}  {tag.attrs.get('date', '')}".rstrip(), Style(bold=True, dim=True))
        out.append("\n")
    inner = Text()
    _emit(tag.children, inner, style + Style(italic=True, color="#b8c0c8"))
    lines = inner.split("\n", allow_blank=True)
    while lines and not lines[-1].plain.strip():
        lines.pop()
    for line in lines:
        out.append("▍ ", QUOTE_BAR)
        out.append_text(line)
        out.append("\n")


def _timestamp(value: str | None) -> str:
    try:
        return datetime.fromtimestamp(int(str(value))).strftime("%Y-%m-%d %H:%M")
    except (ValueError, OverflowError, OSError):
        return str(value or "")


def _append_linked(out: Text, text: str, style: Style) -> None:
    """Plain-text links become clickable in the chat: underline them the same way."""
    pos = 0
    for match in _URL_IN_TEXT.finditer(text):
        url = match.group(0).rstrip(".,;:!?)")
        out.append(text[pos : match.start()], style)
        out.append(url, style + LINK_STYLE + Style(link=url))
        pos = match.start() + len(url)
    out.append(text[pos:], style)


# ---- layout helpers -------------------------------------------------------------


class LeftBar:
    """A renderable drawn with a coloured bar down its left side (the attach colour)."""

    def __init__(self, renderable: RenderableType, color: str | None) -> None:
        self.renderable = renderable
        self.style = Style(color=color) if color else Style(dim=True)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width - 2, 4)
        lines = console.render_lines(self.renderable, options.update_width(width), pad=False)
        bar = Segment("▎ ", self.style)
        for line in lines:
            yield bar
            yield from line
            yield Segment.line()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def human_size(size: Any) -> str:
    try:
        n = float(size)
    except (TypeError, ValueError):
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


# ---- ATTACH ---------------------------------------------------------------------


def attach_parts(attach: Any) -> tuple[list[Any], str | None]:
    """The blocks and the bar colour of an attach in any accepted root form."""
    if isinstance(attach, Mapping):
        if "BLOCKS" in attach:
            blocks = _as_list(attach.get("BLOCKS"))
            raw = attach.get("COLOR")
            if isinstance(raw, str) and raw.upper() == "TRANSPARENT":
                return blocks, None
            color = hex_color(raw) or token_color(attach.get("COLOR_TOKEN"))
            return blocks, color
        return [attach], token_color(None)
    return _as_list(attach), token_color(None)


def attach_card(attach: Any) -> RenderableType | None:
    """The ATTACH card: a colour bar beside its blocks, in order."""
    if attach is None:
        return None
    blocks, color = attach_parts(attach)
    parts: list[RenderableType] = []
    for block in blocks:
        if isinstance(block, Mapping):
            parts.extend(_block(block))
    if not parts:
        return None
    return LeftBar(Group(*parts), color)


ATTACH_CHUNKS = 16
"""At most this many chat blocks for one card: a card of hundreds of blocks is drawn in
runs of consecutive blocks, each block of its own costing more than it saves."""


def attach_blocks(attach: Any) -> list[ChatBlock]:
    """``attach_card`` after its blank line, as chat blocks of one or a few attach blocks each.

    Each chat block is keyed by its attach blocks and the bar colour: typing
    into a value shown in one block redraws that block only (a card's GRID
    tables are the costliest part of most messages).
    """
    if attach is None:
        return []
    blocks, color = attach_parts(attach)
    shown = [block for block in blocks if isinstance(block, Mapping) and _block_items(block)]
    if not shown:
        return []
    out = [ChatBlock(("attach-gap",), partial(Text, ""))]
    size = -(-len(shown) // ATTACH_CHUNKS)
    for start in range(0, len(shown), size):
        run = shown[start : start + size]
        key = ("attach-blocks", color, repr(run))
        out.append(ChatBlock(key, partial(_barred_blocks, run, color)))
    return out


def _barred_blocks(blocks: list[Mapping[str, Any]], color: str | None) -> RenderableType:
    return LeftBar(Group(*(part for block in blocks for part in _block(block))), color)


def _block_items(block: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """What one attach block shows, in order: (kind, value) for each part drawn."""
    items: list[tuple[str, Any]] = []
    for kind, value in block.items():
        kind = str(kind).upper()
        if kind in ("MESSAGE", "DELIMITER"):
            items.append((kind, value))
        elif kind in ("LINK", "RICH_LINK", "USER", "IMAGE", "FILE"):
            items.extend((kind, item) for item in _as_list(value) if isinstance(item, Mapping))
        elif kind == "GRID":
            grid = [item for item in _as_list(value) if isinstance(item, Mapping)]
            if grid:
                items.append((kind, grid))
    return items


def _block(block: Mapping[str, Any]) -> Iterator[RenderableType]:
    for kind, value in _block_items(block):
        if kind == "MESSAGE":
            text = value.get("TEXT", "") if isinstance(value, Mapping) else value
            yield bb_text(str(text).replace("#BR#", "\n").strip())
        elif kind in ("LINK", "RICH_LINK"):
            yield _link(value)
        elif kind == "USER":
            yield _user(value)
        elif kind == "GRID":
            yield from _grid(value)
        elif kind == "IMAGE":
            yield _image(value)
        elif kind == "FILE":
            yield _file(value)
        elif kind == "DELIMITER":
            yield _delimiter(value)


def _link(item: Mapping[str, Any]) -> Text:
    url = str(item.get("LINK") or "")
    name = str(item.get("NAME") or url)
    text = Text()
    text.append(name.replace(ZWSP, ""), LINK_STYLE + Style(link=url or None, bold=True))
    desc = item.get("DESC") or item.get("HTML")
    if desc:
        text.append("\n" + str(desc).replace(ZWSP, ""))
    if url and url != name:
        text.append("\n" + url, DIM)
    if item.get("PREVIEW"):
        text.append("\n")
        text.append(_image_label(item, "preview"), PLACEHOLDER_STYLE)
    return text


def _user(item: Mapping[str, Any]) -> Text:
    name = str(item.get("NAME") or "").replace("\n", " ").replace(ZWSP, "")
    kind = str(item.get("AVATAR_TYPE") or "USER").upper()
    glyph = {"CHAT": "◎", "BOT": "◈"}.get(kind, "◉")
    text = Text()
    text.append(f"{glyph} ", Style(color="#2fc6f6"))
    link = item.get("LINK")
    text.append(name, Style(bold=True) + (LINK_STYLE + Style(link=str(link)) if link else Style()))
    return text


def _image_label(item: Mapping[str, Any], what: str = "image") -> str:
    name = str(item.get("NAME") or "").replace(ZWSP, "")
    size = ""
    if item.get("WIDTH") and item.get("HEIGHT"):
        size = f" {item['WIDTH']}×{item['HEIGHT']}"
    label = name or str(item.get("PREVIEW") or item.get("LINK") or "")
    return f"[{what}{size}: {label}]"


def _image(item: Mapping[str, Any]) -> Text:
    text = Text(_image_label(item), PLACEHOLDER_STYLE)
    if item.get("NAME") and item.get("LINK"):
        text.append("\n" + str(item["LINK"]), DIM)
    return text


def _file(item: Mapping[str, Any]) -> Text:
    name = str(item.get("NAME") or item.get("LINK") or "file").replace(ZWSP, "")
    text = Text()
    text.append("▤ ", PLACEHOLDER_STYLE)
    text.append(name, LINK_STYLE + Style(link=str(item.get("LINK") or "") or None))
    size = human_size(item.get("SIZE"))
    if size:
        text.append(f"  {size}", DIM)
    return text


def _delimiter(value: Any) -> Text:
    size = 200
    color = None
    if isinstance(value, Mapping):
        try:
            size = int(value.get("SIZE") or 200)
        except (TypeError, ValueError):
            size = 200
        color = hex_color(value.get("COLOR"))
    # Roughly 8 px per terminal cell; the card clips anything wider.
    return Text("─" * max(3, min(size // 8, 60)), Style(color=color or "#c6c6c6"))


class RowGrid:
    """GRID items in ROW mode: NAME | VALUE in two columns, values wrapped beside their name.

    Laid out by hand rather than with a Rich Table: a card can hold hundreds of
    rows and this is redrawn on every keystroke.
    """

    GAP = 2
    MAX_NAME = 24

    def __init__(self, rows: list[tuple[Text, Text]]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        longest = max((n.cell_len for n, _v in self.rows), default=0)
        name_width = max(1, min(longest, self.MAX_NAME, width // 3))
        value_width = max(1, width - name_width - self.GAP)
        gap = Segment(" " * self.GAP)
        for name, value in self.rows:
            if not name.plain or not value.plain:
                # Either one alone spans the whole width (since REST v22).
                yield from console.render(value if value.plain else name, options)
                continue
            names = _wrapped(console, name, name_width)
            values = _wrapped(console, value, value_width)
            for n in range(max(len(names), len(values))):
                left = names[n] if n < len(names) else Text()
                right = values[n] if n < len(values) else Text()
                left.truncate(name_width, pad=True)
                yield from left.render(console)
                yield gap
                yield from right.render(console)
                yield Segment.line()


def _wrapped(console: Console, text: Text, width: int) -> list[Text]:
    """Lines of ``text`` at ``width``; most values fit on one line and skip the wrapper."""
    if text.cell_len <= width and "\n" not in text.plain:
        return [text.copy()]
    return list(text.wrap(console, width))


def _display(item: Mapping[str, Any]) -> str:
    display = str(item.get("DISPLAY") or "BLOCK").upper()
    return {"COLUMN": "ROW", "CARD": "LINE"}.get(display, display)


def _grid(items: list[Mapping[str, Any]]) -> Iterator[RenderableType]:
    """Consecutive items of one DISPLAY mode are laid out together."""
    run: list[Mapping[str, Any]] = []
    mode = ""
    for item in items:
        item_mode = _display(item)
        if item_mode not in ("BLOCK", "LINE", "ROW", "TABLE"):
            item_mode = "BLOCK"
        if run and item_mode != mode:
            yield _grid_run(mode, run)
            run = []
        mode = item_mode
        run.append(item)
    if run:
        yield _grid_run(mode, run)


def _grid_value(item: Mapping[str, Any]) -> Text:
    value = bb_text(str(item.get("VALUE") or "").replace("#BR#", "\n"))
    color = hex_color(item.get("COLOR"))
    if color is None and item.get("COLOR_TOKEN"):
        color = token_color(item.get("COLOR_TOKEN"))
    if color:
        value.stylize(Style(color=color))
    link = item.get("LINK")
    if link:
        value.stylize(LINK_STYLE + Style(link=str(link)))
    return value


def _grid_name(item: Mapping[str, Any]) -> Text:
    return Text(str(item.get("NAME") or "").replace(ZWSP, ""), Style(color="#9aa4ae"))


def _grid_run(mode: str, items: list[Mapping[str, Any]]) -> RenderableType:
    if mode == "ROW":
        return RowGrid([(_grid_name(item), _grid_value(item)) for item in items])
    if mode == "TABLE":
        from rich import box

        table = Table(box=box.SQUARE, show_header=False, padding=(0, 1), border_style="#5d6670")
        table.add_column(style=Style(color="#9aa4ae"), max_width=24)
        table.add_column(ratio=1)
        for item in items:
            table.add_row(_grid_name(item), _grid_value(item))
        return table
    if mode == "LINE":
        # Inline cards that wrap, like the desktop client.
        line = Text()
        for n, item in enumerate(items):
            if n:
                line.append("  ")
            card = Text(" ", Style(bgcolor="#2b3138"))
            name = _grid_name(item)
            if name.plain:
                card.append_text(name)
                card.append(" ")
            card.append_text(_grid_value(item))
            card.append(" ")
            card.stylize(Style(bgcolor="#2b3138"))
            line.append_text(card)
        return line
    blocks = Text()
    for n, item in enumerate(items):
        if n:
            blocks.append("\n")
        name = _grid_name(item)
        if name.plain:
            blocks.append_text(name)
            blocks.append("\n")
        blocks.append_text(_grid_value(item))
    return blocks


# ---- KEYBOARD and MENU ----------------------------------------------------------


def keyboard_buttons(keyboard: Any) -> list[Any]:
    if isinstance(keyboard, Mapping):
        return _as_list(keyboard.get("BUTTONS")) if "BUTTONS" in keyboard else [keyboard]
    return _as_list(keyboard)


def menu_items(menu: Any) -> list[Any]:
    if isinstance(menu, Mapping):
        return _as_list(menu.get("ITEMS")) if "ITEMS" in menu else [menu]
    return _as_list(menu)


def _button_rows(buttons: Iterable[Any]) -> list[list[Mapping[str, Any]]]:
    """Rows as the chat lays them out: NEWLINE breaks, BLOCK buttons take a row alone."""
    rows: list[list[Mapping[str, Any]]] = [[]]
    for button in buttons:
        if not isinstance(button, Mapping):
            continue
        if str(button.get("TYPE", "")).upper() == "NEWLINE":
            rows.append([])
            continue
        if str(button.get("DISPLAY") or "BLOCK").upper() == "LINE":
            if rows[-1] and str(rows[-1][-1].get("DISPLAY") or "BLOCK").upper() != "LINE":
                rows.append([])
            rows[-1].append(button)
        else:
            if rows[-1]:
                rows.append([])
            rows[-1].append(button)
            rows.append([])
    return [row for row in rows if row]


def _action_hint(item: Mapping[str, Any]) -> str:
    if item.get("LINK"):
        return "↗"
    if item.get("ACTION"):
        return {"PUT": "✎", "SEND": "➤", "COPY": "⧉", "CALL": "✆", "DIALOG": "◎"}.get(
            str(item["ACTION"]).upper(), "•"
        )
    if item.get("COMMAND"):
        return "/"
    return ""


def _button(button: Mapping[str, Any]) -> RenderableType:
    bg = hex_color(button.get("BG_COLOR")) or token_color(button.get("BG_COLOR_TOKEN"))
    fg = hex_color(button.get("TEXT_COLOR")) or contrast_text(bg)
    disabled = str(button.get("DISABLED", "N")).upper() == "Y" or button.get("DISABLED") is True
    if disabled:
        bg = hex_color(button.get("OFF_BG_COLOR")) or "#3a3f45"
        fg = hex_color(button.get("OFF_TEXT_COLOR")) or "#808890"
    label = Text(str(button.get("TEXT") or "").replace(ZWSP, ""), justify="center")
    hint = _action_hint(button)
    if hint:
        label.append(f" {hint}")
    style = Style(color=fg, bgcolor=bg, bold=not disabled, dim=disabled)
    return Padding(label, (0, 1), style=style, expand=True)


def keyboard_view(keyboard: Any) -> RenderableType | None:
    """The keyboard under the message: buttons in rows, with their colours."""
    rows = _button_rows(keyboard_buttons(keyboard))
    if not rows:
        return None
    tables: list[RenderableType] = []
    for row in rows:
        table = Table.grid(expand=True, padding=(0, 1))
        for _ in row:
            table.add_column(ratio=1)
        table.add_row(*(_button(b) for b in row))
        tables.append(table)
    return Group(*tables)


def menu_view(menu: Any) -> RenderableType | None:
    """The message's context menu as a list."""
    items = [i for i in menu_items(menu) if isinstance(i, Mapping)]
    if not items:
        return None
    text = Text()
    text.append("⋮ menu", Style(color="#9aa4ae", bold=True))
    for item in items:
        disabled = str(item.get("DISABLED", "N")).upper() == "Y"
        text.append("\n  • ")
        text.append(str(item.get("TEXT") or "").replace(ZWSP, ""), DIM if disabled else Style())
        target = item.get("LINK") or item.get("ACTION_VALUE") or item.get("COMMAND")
        hint = _action_hint(item)
        if target:
            text.append(f"  {hint} {target}", DIM)
    return text


# ---- the whole message ----------------------------------------------------------


class ChatBlock(NamedTuple):
    """One part of a message bubble and the input it is drawn from.

    Blocks drawn one after another give the same lines as the whole bubble; a
    view keeps each block's lines by ``key`` and redraws only the blocks whose
    key changed (typing in one field seldom changes every part).
    """

    key: Hashable | None
    """Equal keys draw equal lines at one width; None: never reused."""
    build: Callable[[], RenderableType | None]


def message_header(sender: str = "Bot", *, system: bool = False, when: str = "now") -> Text:
    """The bubble's first line: who sends, when, and whether it is a system message."""
    header = Text()
    header.append(sender, Style(bold=True, color="#2fc6f6"))
    header.append(f"  {when}", DIM)
    if system:
        header.append("  · system message", Style(italic=True, dim=True))
    return header


def message_body(message: str, *, system: bool = False) -> Text:
    """The message text with its BB-codes; a system message is set in italics."""
    body = bb_text(message.strip())
    if system:
        body.stylize(Style(italic=True))
    return body


def spaced(renderable: RenderableType | None) -> RenderableType | None:
    """``renderable`` after the blank line that separates the bubble's parts."""
    if renderable is None:
        return None
    return Group(Text(""), renderable)


def chat_blocks(
    message: str,
    *,
    attach: Any = None,
    keyboard: Any = None,
    menu: Any = None,
    sender: str = "Bot",
    system: bool = False,
    when: str = "now",
) -> list[ChatBlock]:
    """The message bubble as blocks, keyed by what each one shows (``chat_message`` draws them)."""
    blocks = [
        ChatBlock(
            ("header", sender, system, when),
            partial(message_header, sender, system=system, when=when),
        ),
        ChatBlock(("body", message, system), partial(message_body, message, system=system)),
    ]
    for name, value, view in (
        ("attach", attach, attach_card),
        ("keyboard", keyboard, keyboard_view),
        ("menu", menu, menu_view),
    ):
        if value is not None:
            # repr tells 1, 1.0, True and "1" apart, which the views show differently.
            blocks.append(ChatBlock((name, repr(value)), partial(_spaced_view, view, value)))
    return blocks


def _spaced_view(view: Callable[[Any], RenderableType | None], value: Any) -> RenderableType | None:
    return spaced(view(value))


def chat_message(
    message: str,
    *,
    attach: Any = None,
    keyboard: Any = None,
    menu: Any = None,
    sender: str = "Bot",
    system: bool = False,
    when: str = "now",
) -> RenderableType:
    """The message bubble: sender line, text, attach card, keyboard, menu (its blocks, drawn)."""
    blocks = chat_blocks(
        message,
        attach=attach,
        keyboard=keyboard,
        menu=menu,
        sender=sender,
        system=system,
        when=when,
    )
    return Group(*(part for block in blocks if (part := block.build()) is not None))
