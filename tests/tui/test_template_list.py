"""Template search: every word must match, tags may be typed as shown (``#tag``)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from b24notify.tui.widgets.template_list import Entry, TemplateList

TICKET = Entry(
    name="ticket/resolved",
    title="Ticket resolved",
    description="Tell a customer their ticket is resolved",
    tags=("ticket", "feedback"),
    shipped=True,
)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("", True),
        ("ticket", True),
        ("#feedback", True),
        ("#feed", True),
        ("FEEDBACK resolved", True),
        ("#feedback #incident", False),
        ("incident", False),
        ("ticket/res", True),
    ],
)
def test_search_words(query: str, found: bool) -> None:
    assert TICKET.matches(query.lower().split()) is found


@settings(max_examples=200)
@given(
    st.lists(st.sampled_from(["ticket", "feedback", "resolved", "customer", "tell"]), max_size=4)
)
def test_a_tag_typed_with_or_without_hash_matches_alike(words: list[str]) -> None:
    plain = TICKET.matches(words)
    hashed = TICKET.matches([f"#{w}" if w in TICKET.tags else w for w in words])
    assert plain and hashed


class ListApp(App[None]):
    """The template list alone, as Compose holds it before the templates have loaded."""

    def __init__(self) -> None:
        super().__init__()
        self.picked: list[str] = []

    def compose(self) -> ComposeResult:
        yield TemplateList(id="templates")

    def on_template_list_selected(self, message: TemplateList.Selected) -> None:
        self.picked.append(message.name)


async def test_enter_typed_before_the_templates_load_picks_once_they_do() -> None:
    app = ListApp()
    async with app.run_test() as pilot:
        templates = app.query_one(TemplateList)
        templates.focus_search()
        await pilot.press(*"short", "enter")
        await pilot.pause()
        assert app.picked == []  # nothing to pick yet, and nothing lost
        templates.set_templates([TICKET, replace(TICKET, name="notice/short", title="Short")])
        await pilot.pause()
        assert app.picked == ["notice/short"]
        templates.set_templates([TICKET])  # a reload later picks nothing by itself
        await pilot.pause()
        assert app.picked == ["notice/short"]
