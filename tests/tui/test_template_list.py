"""Template search: every word must match, tags may be typed as shown (``#tag``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.tui.widgets.template_list import Entry

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
