"""What the inbox knows between polls: merged answers, order, rows, the chat view of a message."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.tui.widgets.inbox_feed import InboxFeed, rendered, row, sender, state_of


def message(id: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": id,
        "bot_id": 7,
        "dialog_id": "chat42",
        "method": "imbot.message.add",
        "message": f"text {id}",
        "attach": None,
        "keyboard": None,
        "menu": None,
        "created_at": 1_800_000_000.0 + id,
        "updated": False,
        "updated_at": None,
        "deleted": False,
        **extra,
    }


def test_incremental_answers_merge_and_full_ones_replace() -> None:
    feed = InboxFeed()
    assert feed.take([message(1), message(2)], full=True) == [1, 2]
    assert feed.take([message(3)], full=False) == [3]
    assert feed.last_id == 3
    assert [m["id"] for m in feed.newest_first()] == [3, 2, 1]
    # A full answer is everything there is: a reset sandbox empties the inbox.
    assert feed.take([], full=True) == []
    assert feed.messages == {}


def test_the_signature_changes_on_edit_and_delete() -> None:
    feed = InboxFeed()
    feed.take([message(1)], full=True)
    before = feed.signature()
    feed.take([message(1, updated=True, updated_at=5.0)], full=False)
    edited = feed.signature()
    feed.take([message(1, deleted=True, updated_at=5.0)], full=False)
    assert len({before, edited, feed.signature()}) == 3


def test_entries_that_are_not_messages_are_skipped() -> None:
    feed = InboxFeed()
    assert feed.take([{"no": "id"}, {"id": "x"}, message(4)], full=True) == [4]


@pytest.mark.parametrize(
    ("extra", "state"),
    [({}, "new"), ({"updated": True}, "edited"), ({"deleted": True, "updated": True}, "deleted")],
)
def test_state_of(extra: dict[str, Any], state: str) -> None:
    assert state_of(message(1, **extra)) == state


def test_row_and_sender_name_the_bot_when_known() -> None:
    cells = row(message(5), {7: "Support Bot"})
    assert (
        cells[0] == "5"
        and cells[2] == "7 Support Bot"
        and cells[3:]
        == (
            "chat42",
            "imbot.message.add",
            "new",
        )
    )
    assert row(message(5))[2] == "7"
    assert sender(message(5, updated=True), {7: "Support Bot"}) == (
        "Support Bot (#7) → chat42 · edited"
    )


def test_rendered_takes_the_stored_parts() -> None:
    attach = {"BLOCKS": [{"MESSAGE": "card"}]}
    keyboard = [{"TEXT": "Open", "LINK": "https://x.example.com"}]
    out = rendered(message(1, attach=attach, keyboard=keyboard))
    assert (out.message, out.attach, out.keyboard, out.menu) == ("text 1", attach, keyboard, None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=1, max_value=50), max_size=10), max_size=8))
def test_newest_first_is_always_sorted_and_complete(batches: list[list[int]]) -> None:
    feed = InboxFeed()
    seen: set[int] = set()
    for ids in batches:
        new = feed.take([message(i) for i in ids], full=False)
        assert set(new) == set(ids) - seen
        seen |= set(ids)
    order = [m["id"] for m in feed.newest_first()]
    assert order == sorted(seen, reverse=True)
