"""The Chat tab's view: lines wrap at the room left beside the scrollbar, only changed rows repaint.

Driven through a Pilot on the real ``ChatPreview`` in a small app, and (for the
split into blocks) on plain Rich consoles: the blocks drawn one under the other
must give exactly the lines of the whole bubble, for any message and parts.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console, RenderableType
from rich.text import Text
from textual.app import App, ComposeResult
from textual.strip import Strip

from b24notify.core.models import Rendered
from b24notify.core.paths import shipped_templates_dir
from b24notify.core.service import Service
from b24notify.tui.widgets.chat_preview import ChatPreview, ChatView, message_blocks, portal_view
from b24notify.tui.widgets.chat_render import ATTACH_CHUNKS, ChatBlock, chat_message

# Long words, each ending in a "Z": a clipped column would cut the Z off.
WORDS = [f"w{n:02d}" + "x" * (10 + n % 13) + "Z" for n in range(36)]
LONG = " ".join(WORDS)


class ChatApp(App[None]):
    """The chat view alone, in a narrow column."""

    CSS = "ChatPreview { width: 32; height: 14; }"

    def compose(self) -> ComposeResult:
        yield ChatPreview(id="chat")


async def shown_lines(pilot: Any, view: ChatView) -> list[str]:
    """Every row of the message as painted, scrolling the view down page by page."""
    rows: dict[int, str] = {}
    height = view.scrollable_content_region.height
    while len(rows) < len(view.lines):
        view.scroll_to(y=min(rows, default=0) + len(rows), animate=False)
        await pilot.pause()
        top = view.scroll_offset.y
        for y in range(min(height, len(view.lines) - top)):
            rows[top + y] = view.render_line(y).text
    view.scroll_home(animate=False)
    await pilot.pause()
    return [rows[n] for n in sorted(rows)]


async def test_a_long_message_wraps_at_the_width_left_beside_the_scrollbar() -> None:
    app = ChatApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chat = app.query_one(ChatPreview)
        chat.show(Rendered(message=LONG))
        await pilot.pause()
        view = chat.query_one(ChatView)
        assert view.show_vertical_scrollbar, "the message is taller than the view"
        assert not view.show_horizontal_scrollbar
        room = view.scrollable_content_region.width
        assert room < view.content_size.width  # the scrollbar took its columns
        assert view.wrap_width == room
        assert max(line.cell_length for line in view.lines) <= room
        painted = await shown_lines(pilot, view)
        for word in WORDS:  # whole, last character included, on the rows as painted
            assert any(word in row for row in painted), f"{word} is clipped"


async def test_the_full_width_comes_back_when_the_message_fits_again() -> None:
    app = ChatApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chat = app.query_one(ChatPreview)
        view = chat.query_one(ChatView)
        chat.show(Rendered(message=LONG))
        await pilot.pause()
        assert view.show_vertical_scrollbar
        chat.show(Rendered(message=" ".join(WORDS[:3])))
        await pilot.pause()
        assert not view.show_vertical_scrollbar
        assert view.wrap_width == view.content_size.width == view.scrollable_content_region.width
        painted = await shown_lines(pilot, view)
        assert any(WORDS[0] in row for row in painted)


async def test_a_banner_taking_rows_makes_the_message_wrap_beside_a_scrollbar() -> None:
    """The view's height shrinks under the banner: the same message may now overflow."""
    app = ChatApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chat = app.query_one(ChatPreview)
        view = chat.query_one(ChatView)
        chat.show(Rendered(message=" ".join(WORDS[:12])))
        await pilot.pause()
        fits = len(view.lines) <= view.content_size.height
        chat.show(None, problem="Template error — a long explanation " * 3)
        await pilot.pause()
        await pilot.pause()
        room = view.scrollable_content_region.width
        assert view.wrap_width == room
        assert max(line.cell_length for line in view.lines) <= room
        assert fits or view.show_vertical_scrollbar


async def test_a_change_repaints_only_the_rows_that_changed() -> None:
    app = ChatApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chat = app.query_one(ChatPreview)
        view = chat.query_one(ChatView)
        lines = [f"line {n}" for n in range(10)]
        chat.show(Rendered(message="\n".join(lines)))
        await pilot.pause()
        painted: list[int] = []
        original = view.render_line

        def counting(y: int) -> Strip:
            painted.append(y)
            return original(y)

        view.render_line = counting  # type: ignore[method-assign]
        lines[4] = "line four, changed"
        chat.show(Rendered(message="\n".join(lines)))
        await pilot.pause()
        assert "line four, changed" in "\n".join(line.text for line in view.lines)
        # Row 0 is the sender, row 1 the first line: the fifth line is row 5.
        assert painted == [5]
        painted.clear()
        chat.show(Rendered(message="\n".join(lines)))  # nothing changed: nothing repaints
        await pilot.pause()
        assert painted == []


async def test_unchanged_blocks_are_not_drawn_again() -> None:
    app = ChatApp()
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ChatView)
        built: list[str] = []

        def block(key: str, text: str) -> ChatBlock:
            def build() -> RenderableType:
                built.append(key)
                return Text(text)

            return ChatBlock((key, text), build)

        view.show_blocks([block("a", "first"), block("b", "second")])
        assert built == ["a", "b"]
        view.show_blocks([block("a", "first"), block("b", "second, edited")])
        assert built == ["a", "b", "b"]
        assert [line.text.rstrip() for line in view.lines] == ["first", "second, edited"]
        app.query_one(ChatPreview).styles.width = 24  # a new width draws everything again
        await pilot.pause()
        await pilot.pause()
        assert built.count("a") == 2
        assert view.wrap_width == view.content_size.width < 30


# ---- blocks drawn one under the other == the whole bubble --------------------------


def rows(renderable: RenderableType | None, width: int) -> list[str]:
    """The lines Rich draws for ``renderable`` at ``width``, styles included."""
    if renderable is None:
        return []
    console = Console(width=width, color_system="truecolor", file=io.StringIO())
    options = console.options.update_width(width)
    return [
        "".join(f"{seg.text}\x00{seg.style}" for seg in line)
        for line in console.render_lines(renderable, options, pad=True)
    ]


def drawn(blocks: list[ChatBlock], width: int) -> list[str]:
    return [row for block in blocks for row in rows(block.build(), width)]


def whole(rendered: Rendered, bot_id: int | None, **header: Any) -> Callable[[int], list[str]]:
    attach, keyboard, menu = portal_view(rendered, bot_id)
    bubble = chat_message(rendered.message, attach=attach, keyboard=keyboard, menu=menu, **header)
    return lambda width: rows(bubble, width)


def shipped_samples(service: Service) -> list[Rendered]:
    out = []
    for path in sorted(shipped_templates_dir().rglob("*.toml")):
        name = str(path.relative_to(shipped_templates_dir()).with_suffix(""))
        rendered = service.preview(service.draft_for(name, samples=True)).rendered
        assert rendered is not None, name
        out.append(rendered)
    return out


@pytest.mark.parametrize("width", [12, 33, 60, 119])
def test_every_shipped_template_draws_the_same_in_blocks(service: Service, width: int) -> None:
    for rendered in shipped_samples(service):
        for bot_id in (None, 7):
            blocks = message_blocks(rendered, sender="Support Bot", bot_id=bot_id)
            assert drawn(blocks, width) == whole(rendered, bot_id, sender="Support Bot")(width)


def card(count: int, *, changed: int | None = None) -> dict[str, Any]:
    """An attach of ``count`` blocks, a GRID table and a text each; ``changed`` edits one."""
    blocks: list[dict[str, Any]] = []
    for n in range(count):
        value = "edited" if n == changed else f"value {n}"
        blocks.append({"GRID": [{"DISPLAY": "TABLE", "NAME": f"Row {n}", "VALUE": value}]})
        blocks.append({"MESSAGE": f"[b]note {n}[/b]"})
    return {"COLOR_TOKEN": "primary", "BLOCKS": blocks}


@pytest.mark.parametrize("count", [1, 3, 9, 40, 150])
def test_a_card_is_split_into_few_blocks_that_draw_as_the_whole(count: int) -> None:
    rendered = Rendered(message="m", attach=card(count))
    blocks = message_blocks(rendered, sender="Bot")
    assert len(blocks) <= 2 + 1 + ATTACH_CHUNKS  # header, text, blank line, the card's runs
    for width in (20, 57):
        assert drawn(blocks, width) == whole(rendered, None, sender="Bot")(width)


def test_editing_one_block_of_a_card_changes_one_key() -> None:
    before = message_blocks(Rendered(message="m", attach=card(6)))
    after = message_blocks(Rendered(message="m", attach=card(6, changed=4)))
    changed = [a.key for a, b in zip(before, after, strict=True) if a.key != b.key]
    assert len(changed) == 1


_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 300) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "BLOCKS", "MESSAGE", "GRID", "LINK", "NAME", "VALUE", "DISPLAY", "COLOR",
                    "COLOR_TOKEN", "TEXT", "TYPE", "BUTTONS", "ITEMS", "USER", "FILE", "IMAGE",
                    "DELIMITER", "SIZE", "DISABLED", "BG_COLOR", "ACTION", "ACTION_VALUE",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)  # fmt: skip
_MESSAGE = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cc", "Cs")), st.sampled_from("[]/=#>\n ")
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(
    message=_MESSAGE,
    attach=_VALUE,
    keyboard=_VALUE,
    menu=_VALUE,
    system=st.booleans(),
    bot_id=st.sampled_from([None, 7]),
    width=st.integers(8, 70),
)
def test_any_message_draws_the_same_in_blocks(
    message: str,
    attach: Any,
    keyboard: Any,
    menu: Any,
    system: bool,
    bot_id: int | None,
    width: int,
) -> None:
    rendered = Rendered(message=message, attach=attach, keyboard=keyboard, menu=menu)
    blocks = message_blocks(rendered, sender="Bot", system=system, bot_id=bot_id)
    assert drawn(blocks, width) == whole(rendered, bot_id, sender="Bot", system=system)(width)


@settings(max_examples=100, deadline=None)
@given(first=_VALUE, second=_VALUE)
def test_block_keys_tell_apart_values_the_chat_shows_differently(first: Any, second: Any) -> None:
    """Equal keys must mean equal lines: a key may only be shared by parts drawn alike."""
    one = message_blocks(Rendered(message="m", attach=first, keyboard=first), bot_id=7)
    two = message_blocks(Rendered(message="m", attach=second, keyboard=second), bot_id=7)
    for a, b in zip(one, two, strict=False):
        if a.key == b.key:
            assert rows(a.build(), 40) == rows(b.build(), 40)
