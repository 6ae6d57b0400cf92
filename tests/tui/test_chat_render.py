"""The chat rendering: BB-codes to styles, ATTACH / KEYBOARD / MENU to cards, never a crash."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from b24notify.core import payload
from b24notify.core.bbcode import escape
from b24notify.tui.widgets.chat_render import (
    TOKEN_COLORS,
    attach_card,
    bb_text,
    chat_message,
    hex_color,
    human_size,
    keyboard_view,
    menu_view,
)


def plain(renderable: RenderableType, width: int = 60) -> str:
    console = Console(width=width, color_system=None, legacy_windows=False)
    with console.capture() as out:
        console.print(renderable)
    return out.get()


def segments(renderable: RenderableType, width: int = 60) -> list[Segment]:
    console = Console(width=width, color_system="truecolor", legacy_windows=False)
    return list(console.render(renderable, console.options))


def style_at(text: Text, needle: str) -> Style:
    start = text.plain.index(needle)
    return text.get_style_at_offset(Console(), start)


# ---- BB-code text -------------------------------------------------------------

BB_PLAIN = [
    ("[b]x[/b]", "x"),
    ("[B]x[/B]", "x"),
    ("[url=https://a.b]site[/url]", "site (https://a.b)"),
    ("[url]https://a.b[/url]", "https://a.b"),
    ("[user=5]Ann[/user] hi", " @Ann  hi"),
    ("[user=all][/user]", " @all "),
    ("[chat=12]Ops[/chat]", " #Ops "),
    (">> quoted", "▍ quoted"),
    ("a[br]b", "a\nb"),
    ("a#BR#b", "a\nb"),
    ("[put=/help]Help[/put]", "✎ Help"),
    ("[send=Done]OK[/send]", "➤ OK"),
    ("[call=+1999]Call[/call]", "✆ Call"),
    ("[call]+1999[/call]", "✆ +1999"),
    ("[img size=small]https://i.example/p.png [/img]", "[image small: https://i.example/p.png]"),
    ("[icon=https://i.example/i.png size=20 title=Star]", "[icon: Star]"),
    ("[b]never closed", "[b]never closed"),
    ("[code]x = 1[/code]", " x = 1 \n"),
    ("no markup at all", "no markup at all"),
]


@pytest.mark.parametrize(("source", "shown"), BB_PLAIN)
def test_bb_text_shows_what_the_chat_shows(source: str, shown: str) -> None:
    assert bb_text(source).plain == shown


STYLED = [
    ("[b]x[/b]", "x", lambda s: s.bold),
    ("[i]x[/i]", "x", lambda s: s.italic),
    ("[u]x[/u]", "x", lambda s: s.underline),
    ("[s]x[/s]", "x", lambda s: s.strike),
    ("[color=#f00]x[/color]", "x", lambda s: s.color.triplet.hex == "#ff0000"),
    ("[color=red]x[/color]", "x", lambda s: s.color is None),  # not a hex: ignored
    ("[size=24]x[/size]", "x", lambda s: s.bold),
    ("[size=9]x[/size]", "x", lambda s: s.dim),
    ("[url=https://a.b]site[/url]", "site", lambda s: s.underline and s.link == "https://a.b"),
    ("see https://a.b/c.", "https://a.b/c", lambda s: s.link == "https://a.b/c"),
    ("[b][i]both[/i][/b]", "both", lambda s: s.bold and s.italic),
    ("[user=5]Ann[/user]", "@Ann", lambda s: s.bgcolor is not None),
]


@pytest.mark.parametrize(("source", "needle", "check"), STYLED)
def test_bb_styles(source: str, needle: str, check: Any) -> None:
    assert check(style_at(bb_text(source), needle))


def test_escaped_values_look_the_same_and_stay_inert() -> None:
    hostile = "[b]bold?[/b] [url=https://evil]x[/url] #BR# [user=all]all[/user]\n>> not a quote"
    text = bb_text(escape(hostile))
    assert text.plain == hostile
    assert not any(span.style and Style.parse(str(span.style)).bold for span in text.spans)


_VISIBLE = st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u200b")
_TEXT = st.text(alphabet=st.one_of(_VISIBLE, st.sampled_from("[]/=#>-\n ")), max_size=200)


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_any_escaped_text_renders_exactly_as_typed(value: str) -> None:
    assert bb_text(escape(value)).plain == value


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_renders_without_error(value: str) -> None:
    plain(chat_message(value), width=40)


# ---- ATTACH ---------------------------------------------------------------------


def test_attach_bar_colour_from_color_then_token() -> None:
    card = attach_card({"COLOR": "#29619b", "COLOR_TOKEN": "alert", "BLOCKS": [{"MESSAGE": "m"}]})
    assert card is not None
    bar = next(s for s in segments(card) if s.text == "▎ ")
    assert bar.style is not None and bar.style.color is not None
    assert bar.style.color.triplet is not None and bar.style.color.triplet.hex == "#29619b"
    card = attach_card({"COLOR_TOKEN": "alert", "BLOCKS": [{"MESSAGE": "m"}]})
    assert card is not None
    bar = next(s for s in segments(card) if s.text == "▎ ")
    assert bar.style is not None and bar.style.color is not None
    assert bar.style.color.triplet is not None
    assert bar.style.color.triplet.hex == TOKEN_COLORS["alert"]


GRIDS = [
    ("ROW", "Status   Open"),
    ("BLOCK", "Status\n▎ Open"),
    ("LINE", " Status Open "),
    ("TABLE", "│ Status │ Open │"),
]


@pytest.mark.parametrize(("display", "expected"), GRIDS)
def test_grid_display_modes(display: str, expected: str) -> None:
    attach = [{"GRID": [{"DISPLAY": display, "NAME": "Status", "VALUE": "Open"}]}]
    shown = plain(attach_card(payload.effective_attach(attach)) or "")
    assert expected.replace("   ", "  ") in shown or expected in shown


def test_blocks_render_in_order_with_placeholders() -> None:
    attach = {
        "BLOCKS": [
            {"MESSAGE": "Request #142"},
            {"DELIMITER": {"SIZE": 200, "COLOR": "#c6c6c6"}},
            {"LINK": {"NAME": "Open", "LINK": "/crm/deal/142/", "DESC": "the deal"}},
            {"USER": {"NAME": "John Smith", "AVATAR": "https://x.example/a.png"}},
            {"IMAGE": {"LINK": "https://x.example/y.jpg", "NAME": "win", "WIDTH": 10, "HEIGHT": 5}},
            {"FILE": {"LINK": "https://x.example/f.zip", "NAME": "f.zip", "SIZE": 1500000}},
        ]
    }
    shown = plain(attach_card(payload.effective_attach(attach)) or "")
    order = [
        "Request #142",
        "─────",
        "Open",
        "the deal",
        "John Smith",
        "[image 10×5: win]",
        "f.zip",
    ]
    positions = [shown.index(part) for part in order]
    assert positions == sorted(positions)
    assert "1.4 MB" in shown


def test_portal_dropped_parts_are_not_shown() -> None:
    attach = [{"LINK": {"NAME": "bad", "LINK": "ftp://x"}}, {"MESSAGE": "kept"}]
    shown = plain(attach_card(payload.effective_attach(attach)) or "")
    assert "kept" in shown and "bad" not in shown


# ---- KEYBOARD and MENU -------------------------------------------------------


def test_keyboard_rows_newline_block_and_disabled() -> None:
    keyboard = [
        {"TEXT": "One", "LINK": "https://a.example", "DISPLAY": "LINE"},
        {"TEXT": "Two", "COMMAND": "two", "DISPLAY": "LINE"},
        {"TYPE": "NEWLINE"},
        {"TEXT": "Wide", "ACTION": "SEND", "ACTION_VALUE": "x"},
        {"TEXT": "Off", "ACTION": "PUT", "ACTION_VALUE": "y", "DISABLED": "Y", "DISPLAY": "LINE"},
    ]
    view = keyboard_view(payload.effective_keyboard(keyboard, bot_id=7))
    assert view is not None
    lines = [line for line in plain(view).splitlines() if line.strip()]
    assert len(lines) == 3
    assert "One" in lines[0] and "Two" in lines[0]
    assert "Wide" in lines[1] and "Off" in lines[2]
    off = [s for s in segments(view) if "Off" in s.text]
    assert off and off[0].style is not None and off[0].style.dim


def test_button_colours() -> None:
    view = keyboard_view([{"TEXT": "Go", "LINK": "https://a.example", "BG_COLOR": "#00ff00"}])
    go = next(s for s in segments(view or "") if "Go" in s.text)
    assert go.style is not None and go.style.bgcolor is not None
    assert go.style.bgcolor.triplet is not None and go.style.bgcolor.triplet.hex == "#00ff00"
    assert go.style.color is not None and go.style.color.triplet is not None
    assert go.style.color.triplet.hex == "#000000"  # readable on a light background


def test_menu_lists_items_with_their_action() -> None:
    menu = {
        "ITEMS": [
            {"TEXT": "Open Website", "LINK": "https://www.example.com/"},
            {"TEXT": "Send Text", "ACTION": "SEND", "ACTION_VALUE": "Done"},
        ]
    }
    shown = plain(menu_view(payload.effective_menu(menu)) or "")
    assert "• Open Website" in shown and "https://www.example.com/" in shown
    assert "• Send Text" in shown and "Done" in shown


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "BLOCKS",
                    "MESSAGE",
                    "GRID",
                    "LINK",
                    "NAME",
                    "VALUE",
                    "DISPLAY",
                    "COLOR",
                    "TEXT",
                    "TYPE",
                    "BUTTONS",
                    "ITEMS",
                    "USER",
                    "FILE",
                    "IMAGE",
                    "DELIMITER",
                    "SIZE",
                    "DISABLED",
                    "BG_COLOR",
                    "ACTION",
                    "ACTION_VALUE",
                    "COLOR_TOKEN",
                    "WIDTH",
                    "HEIGHT",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_JSON, _JSON, _JSON)
def test_any_structure_renders_raw_or_as_the_portal_keeps_it(
    attach: Any, keyboard: Any, menu: Any
) -> None:
    plain(chat_message("m", attach=attach, keyboard=keyboard, menu=menu), width=40)
    plain(
        chat_message(
            "m",
            attach=payload.effective_attach(attach),
            keyboard=payload.effective_keyboard(keyboard),
            menu=payload.effective_menu(menu),
        ),
        width=40,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("#abc", "#aabbcc"), ("#A1B2C3", "#a1b2c3"), ("abc", None), ("#abcd", None), (5, None)],
)
def test_hex_color(value: Any, expected: str | None) -> None:
    assert hex_color(value) == expected


@pytest.mark.parametrize(
    ("size", "expected"), [(10, "10 B"), (2048, "2.0 KB"), (1500000, "1.4 MB"), ("x", "")]
)
def test_human_size(size: Any, expected: str) -> None:
    assert human_size(size) == expected
