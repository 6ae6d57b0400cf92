"""The History table: cells as plain text (never markup), column widths that fit the values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from tui_support import ready, wait_for

from b24notify.core.history import History, SendRecord
from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.history import HistoryScreen
from b24notify.tui.widgets.history_table import (
    COLUMNS,
    DIALOG,
    MESSAGE_ID,
    STATUS,
    TEMPLATE,
    TIME,
    HistoryTable,
    cell_values,
    fit_widths,
    local_time,
    row_cells,
)

LONG_TEMPLATE = "support/incidents/escalation-to-duty-engineer"  # 46 cells, over the cap
LONG_DIALOG = "chat1234567890123456789"  # 23 cells, over the cap


@pytest.fixture(scope="session")
def base(tmp_path_factory: pytest.TempPathFactory) -> SendRecord:
    """A finished send read back from a real history; tests vary the fields the table shows."""
    with History(tmp_path_factory.mktemp("history-table") / "h.sqlite3") as history:
        hid = history.record_pending(
            profile="sandbox",
            api="v1",
            method="imbot.message.add",
            dialog_id="chat4",
            template="notice/short",
            params={"DIALOG_ID": "chat4", "MESSAGE": "hello"},
            message_text="hello",
        )
        return history.finish(hid, "sent", message_id=5001)


def record(base: SendRecord, **fields: Any) -> SendRecord:
    return replace(base, **fields)


def test_status_column_fits_every_status_with_its_mark(base: SendRecord) -> None:
    longest = max(
        cell_len(cell_values(record(base, status=s, **extra))[STATUS.key])
        for s in ("sent", "failed", "unknown", "pending")
        for extra in ({}, {"edited_at": "2025-03-14T10:00:00+00:00"}, {"deleted_at": "x"})
    )
    assert STATUS.least == STATUS.most == longest


@pytest.mark.parametrize(
    ("rows", "available", "expected"),
    [
        pytest.param(
            [{}], None, {"template": 12, "dialog": 6, "message_id": 10}, id="short values: headers"
        ),
        pytest.param(
            [{"template": "a/b", "dialog_id": "1", "message_id": None}],
            None,
            {"template": 8, "dialog": 6, "message_id": 10},
            id="never narrower than the header",
        ),
        pytest.param(
            [{"template": LONG_TEMPLATE, "dialog_id": LONG_DIALOG, "message_id": 123456789012345}],
            None,
            {"template": TEMPLATE.most, "dialog": DIALOG.most, "message_id": 15},
            id="long values: capped; message id whole",
        ),
        pytest.param(
            [{"template": LONG_TEMPLATE, "dialog_id": LONG_DIALOG}],
            200,
            {"template": TEMPLATE.most, "dialog": DIALOG.most, "message_id": 10},
            id="room to spare: caps only",
        ),
        pytest.param(
            [{"template": LONG_TEMPLATE, "dialog_id": LONG_DIALOG}],
            78,
            {"template": 14, "dialog": 13, "message_id": 10},
            id="narrow table: template and dialog share the room",
        ),
        pytest.param(
            [{"template": LONG_TEMPLATE, "dialog_id": LONG_DIALOG}],
            40,
            {"template": TEMPLATE.least, "dialog": DIALOG.least, "message_id": 10},
            id="too narrow: down to the headers, no further",
        ),
        pytest.param(
            [{"template": "notice/short", "dialog_id": "chat4"}, {"dialog_id": "chat12345"}],
            78,
            {"template": 12, "dialog": 9, "message_id": 10},
            id="fits: each as wide as its longest value",
        ),
    ],
)
def test_fit_widths(
    base: SendRecord, rows: list[dict[str, Any]], available: int | None, expected: dict[str, int]
) -> None:
    widths = fit_widths([record(base, **r) for r in rows], available)
    assert widths == {TIME.key: 19, STATUS.key: STATUS.least, **expected}
    if available is not None and widths[TEMPLATE.key] > TEMPLATE.least:
        assert sum(widths.values()) + 2 * len(COLUMNS) <= available


@settings(max_examples=200, deadline=None)
@given(
    template=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40),
    dialog=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30),
)
def test_cells_show_values_verbatim_never_as_markup(
    base: SendRecord, template: str, dialog: str
) -> None:
    cells = row_cells(record(base, template=template, dialog_id=dialog))
    by_key = {c.key: cell.plain for c, cell in zip(COLUMNS, cells, strict=True)}
    one_line = dict.fromkeys([*range(32), 127], " ")
    assert by_key[TEMPLATE.key].translate(one_line) == template.translate(one_line)
    assert by_key[DIALOG.key].translate(one_line) == dialog.translate(one_line)
    for value in (by_key[TEMPLATE.key], by_key[DIALOG.key]):
        assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in value)  # one line, always


def test_cells_in_column_order(base: SendRecord) -> None:
    cells = row_cells(record(base, message_id=None, status="failed", dialog_id="[b]chat1[/b]"))
    assert [c.plain for c in cells] == [
        local_time(base.created_at),
        "failed",
        "notice/short",
        "[b]chat1[/b]",
        "",
    ]
    assert all(c.no_wrap for c in cells)


# ---- in the app ---------------------------------------------------------------------------


def fill(history: History, dialogs: list[str], templates: list[str]) -> list[int]:
    ids = []
    for n, (dialog, template) in enumerate(zip(dialogs, templates, strict=True)):
        hid = history.record_pending(
            profile="sandbox",
            api="v1",
            method="imbot.message.add",
            dialog_id=dialog,
            template=template,
            params={"DIALOG_ID": dialog, "MESSAGE": f"m{n}"},
            message_text=f"m{n}",
        )
        history.finish(hid, "sent", message_id=900_000_000 + n)
        ids.append(hid)
    return ids


async def open_history(pilot: Any) -> HistoryScreen:
    await ready(pilot)
    await pilot.press("f3")
    screen = await wait_for(
        pilot, lambda: pilot.app.screen if isinstance(pilot.app.screen, HistoryScreen) else None
    )
    await wait_for(pilot, lambda: screen.total is not None and not screen._busy)
    await pilot.pause()
    return screen


def drawn_row(table: HistoryTable, index: int) -> str:
    """Row ``index`` as the table draws it (line 0 is the header)."""
    return table.render_line(index + 1).text


@pytest.mark.parametrize(
    ("size", "dialogs", "templates"),
    [
        pytest.param((80, 24), ["chat4", "chat12345", "17"], ["notice/short"] * 3, id="80 short"),
        pytest.param((160, 48), ["chat4", "chat12345", "17"], ["notice/short"] * 3, id="160 short"),
        pytest.param(
            (160, 48),
            ["chat4", "chat123456789012"],
            ["notice/short", "support/incident-escalated"],
            id="160 long",
        ),
    ],
)
async def test_columns_fit_their_values_on_screen(
    make_service: Callable[..., Service],
    tmp_path: Path,
    size: tuple[int, int],
    dialogs: list[str],
    templates: list[str],
) -> None:
    history = History(tmp_path / "h.sqlite3")
    fill(history, dialogs, templates)
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=size) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one(HistoryTable)
        widths = table.column_widths()
        for rec in table.records:
            for key, value in cell_values(rec).items():
                assert cell_len(value) <= widths[key], (key, value, widths)
        # The whole row fits: nothing hides past the right edge.
        drawn = sum(widths.values()) + 2 * table.cell_padding * len(widths)
        assert drawn <= table.scrollable_content_region.width
        for index, rec in enumerate(table.records):
            line = drawn_row(table, index)
            for value in cell_values(rec).values():
                assert value in line, (value, line)


async def test_narrow_terminal_shares_the_room_and_widens_on_resize(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = History(tmp_path / "h.sqlite3")
    fill(history, ["chat123456789012345"], ["support/incident-escalation"])
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one(HistoryTable)
        narrow = table.column_widths()
        drawn = sum(narrow.values()) + 2 * table.cell_padding * len(narrow)
        assert drawn <= table.scrollable_content_region.width
        assert narrow[TEMPLATE.key] < len("support/incident-escalation")
        assert narrow[TIME.key] == 19 and narrow[MESSAGE_ID.key] == 10
        await pilot.resize_terminal(200, 48)
        await wait_for(pilot, lambda: table.column_widths()[TEMPLATE.key] > narrow[TEMPLATE.key])
        wide = table.column_widths()
        assert wide[TEMPLATE.key] == len("support/incident-escalation")
        assert wide[DIALOG.key] == len("chat123456789012345")
        assert table.row_count == 1 and screen.selected() is not None


TRICKY = [
    "",
    "a",
    "notice/short",
    "[b]chat1[/b]",
    LONG_TEMPLATE,
    "中文模板名称很长很长很长很长很长",
    "emoji 🎉 wide 🎉🎉🎉🎉🎉🎉🎉🎉",
    "e\u0301 combining",
]


async def test_fast_cells_draw_exactly_as_datatable_does(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    """HistoryTable draws body cells itself; the characters and styles must be DataTable's."""
    from textual.widgets import DataTable

    history = History(tmp_path / "h.sqlite3")
    fill(history, [f"chat{n}" for n in range(len(TRICKY))], TRICKY)
    history.mark_deleted(history.search(limit=1)[0].id)  # a status with a dim mark
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one(HistoryTable)
        await pilot.pause()
        base_style = table.rich_style
        cache = table._cell_render_cache

        def cells(render: Callable[..., Any], **flags: bool) -> list[list[tuple[str, Any]]]:
            out = []
            for row in range(table.row_count):
                for column, spec in enumerate(table.ordered_columns):
                    width = spec.get_render_width(table)
                    for narrow in (width, max(width - 5, 3)):
                        cache.clear()
                        lines = render(table, row, column, base_style, narrow, **flags)
                        assert len(lines) == 1
                        out.append([(ch, seg.style) for seg in lines[0] for ch in seg.text])
            return out

        for flags in ({}, {"cursor": True}, {"hover": True}, {"cursor": True, "hover": True}):
            mine = cells(HistoryTable._render_cell, **flags)
            stock = cells(DataTable._render_cell, **flags)
            for drawn, expected in zip(mine, stock, strict=True):
                assert drawn == expected, (flags, "".join(ch for ch, _ in expected))


async def test_prerendered_rows_are_the_rows_a_frame_draws(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    """Rows drawn ahead of the frame (``prerender``) are what the frame itself would draw."""
    history = History(tmp_path / "h.sqlite3")
    fill(history, [f"chat{n}" for n in range(len(TRICKY))], TRICKY)
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one(HistoryTable)
        table._line_cache.clear()
        table.prerender()
        assert len(table._line_cache) >= table.row_count  # drawn ahead, into the cache

        def drawn() -> list[list[tuple[str, Any]]]:
            return [[(seg.text, seg.style) for seg in table.render_line(y)] for y in range(12)]

        ahead = drawn()
        table._line_cache.clear()
        table._row_render_cache.clear()
        table._cell_render_cache.clear()
        fresh = drawn()
        assert ahead == fresh
        fresh_text = ["".join(text for text, _ in line) for line in fresh]
        assert any("中文" in line for line in fresh_text)
