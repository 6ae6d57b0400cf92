"""The History screen: every send, searchable, a page at a time, with the actions of §7.

Only ever one page (``PAGE`` rows) is read per query, newest first, by keyset
(``before_id``), so the screen opens as fast on a million rows as on ten.
Reads run in thread jobs; the table and the detail pane are filled by the
handlers of the messages those jobs post.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Select, Static

from b24notify.tui.app import OpenDraft
from b24notify.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from b24notify.core.history import SendRecord
    from b24notify.core.service import SendOutcome, Service
    from b24notify.tui.app import B24NotifyApp, PaletteCommand

PAGE = 100
COUNT_CAP = 1000
"""A filtered count stops here ("1,000+"): counting every match of a search costs."""
STATUS_STYLES = {
    "sent": "green",
    "failed": "bold red",
    "unknown": "bold yellow",
    "pending": "cyan",
}
STATUS_CHOICES = [("any status", ""), *((s, s) for s in ("sent", "failed", "unknown", "pending"))]


def local_time(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return stamp


def status_text(record: SendRecord) -> Text:
    text = Text(record.status, STATUS_STYLES.get(record.status, ""))
    if record.deleted_at:
        text.append(" ✗del", "dim")
    elif record.edited_at:
        text.append(" ✎", "dim")
    return text


def message_parts(record: SendRecord) -> tuple[str, Any, Any, Any]:
    """Message, attach, keyboard and menu from the stored (masked) params, v1 or v2."""
    params = record.params or {}
    fields = params.get("fields")
    if isinstance(fields, dict):
        return (
            str(fields.get("message") or ""),
            fields.get("attach"),
            fields.get("keyboard"),
            fields.get("menu"),
        )
    return (
        str(params.get("MESSAGE") or ""),
        params.get("ATTACH"),
        params.get("KEYBOARD"),
        params.get("MENU"),
    )


def detail(record: SendRecord) -> RenderableType:
    """Everything about one send: outcome, where, the message as sent, values, params."""
    from b24notify.tui.widgets.chat_render import chat_message

    head = Text()
    head.append(f"#{record.id}  ", "bold")
    head.append_text(status_text(record))
    if record.message_id is not None:
        head.append(f"   message id {record.message_id}", "bold")
    rows = [
        ("When", local_time(record.created_at)),
        ("Template", record.template or "—"),
        ("Dialog", record.dialog_id or "—"),
        ("Bot", str(record.bot_id) if record.bot_id is not None else "profile default"),
        ("Profile", f"{record.profile} · {record.portal}"),
        ("Method", f"{record.method} ({record.api})"),
        ("Attempts", f"{record.attempts}, {record.duration_ms or 0:.0f} ms"),
    ]
    if record.http_status is not None:
        rows.append(("HTTP", str(record.http_status)))
    if record.run_id:
        rows.append(("Run", f"{record.run_id} row {record.row_number}"))
    if record.edited_at:
        rows.append(("Edited", local_time(record.edited_at)))
    if record.deleted_at:
        rows.append(("Deleted", local_time(record.deleted_at)))
    info = Text()
    for key, value in rows:
        info.append(f"\n{key:<9}", "dim")
        info.append(value)
    parts: list[RenderableType] = [head, info]
    if record.error_code or record.error_description:
        error = Text("\n")
        error.append(record.error_code or "Error", "bold red")
        if record.error_description:
            error.append(f": {record.error_description}", "red")
        parts.append(error)
    if record.note:
        parts.append(Text(f"\n{record.note}", "italic yellow"))
    message, attach, keyboard, menu = message_parts(record)
    parts.append(Text("\nAs sent", "bold underline"))
    parts.append(
        chat_message(
            message,
            attach=_json_part(attach),
            keyboard=_json_part(keyboard),
            menu=_json_part(menu),
            sender=f"Bot #{record.bot_id or '?'} → {record.dialog_id}",
            when=local_time(record.created_at),
        )
    )
    if record.values:
        parts.append(Text("\nValues", "bold underline"))
        parts.append(Text(json.dumps(record.values, ensure_ascii=False, indent=2)))
    parts.append(Text("\nRequest params (secrets masked)", "bold underline"))
    parts.append(Text(json.dumps(record.params, ensure_ascii=False, indent=2)))
    return Group(*parts)


def _json_part(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


class HistoryScreen(Screen[None]):
    """Table of sends, search and status filter, detail pane, row actions."""

    SCREEN_TITLE = "History"
    BINDINGS: ClassVar[list[Any]] = [
        Binding("ctrl+f", "focus_search", "Search", id="history.search"),
        Binding("o", "open_draft", "Open as draft", id="history.open_draft"),
        Binding("r", "resend", "Resend", id="history.resend"),
        Binding("e", "edit", "Edit", id="history.edit"),
        Binding("d", "delete", "Delete on portal", id="history.delete"),
        Binding("c", "copy_curl", "Copy as curl", id="history.copy_curl"),
        Binding("x", "export('csv')", "Export", id="history.export"),
        Binding("ctrl+r", "reload", "Refresh", show=False, id="history.reload"),
    ]

    class PageLoaded(Message):
        def __init__(
            self, generation: int, rows: list[SendRecord], *, reset: bool, failed: bool = False
        ) -> None:
            super().__init__()
            self.generation = generation
            self.rows = rows
            self.reset = reset
            self.failed = failed

    class CountLoaded(Message):
        def __init__(self, generation: int, total: str) -> None:
            super().__init__()
            self.generation = generation
            self.total = total

    class ActionDone(Message):
        def __init__(self, what: str, outcome: SendOutcome | None) -> None:
            super().__init__()
            self.what = what
            self.outcome = outcome

    def __init__(self, service: Service) -> None:
        super().__init__()
        self.service = service
        self.records: dict[int, SendRecord] = {}
        self.order: list[int] = []
        self.exhausted = False
        self._busy = False
        self.total: str | None = None
        self._generation = 0
        self.detail_view: RenderableType | None = None
        self._table_ready = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="history-bar"):
            yield Input(
                placeholder="Search message text, template, dialog, error code…",
                id="history-search",
            )
            yield Select(STATUS_CHOICES, value="", allow_blank=False, id="history-status")
        with Horizontal(id="history-main"):
            table: DataTable[Any] = DataTable(id="history-table", cursor_type="row")
            yield table
            with VerticalScroll(id="history-detail"):
                yield Static(Text("Select a send to see it here.", "dim"), id="detail-body")
        yield Static("", id="history-count")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Time", key="time", width=19)
        table.add_column("Status", key="status", width=10)
        table.add_column("Template", key="template")
        table.add_column("Dialog", key="dialog")
        table.add_column("Message id", key="message_id")
        table.focus()
        self.watch(table, "scroll_y", self._scrolled, init=False)
        self._table_ready = True
        self.reload()

    def _scrolled(self, _old: float, new: float) -> None:
        """Mouse scrolling near the end asks for the next page too."""
        table = self.query_one(DataTable)
        if new >= table.max_scroll_y - 3:
            self.load_more()

    def on_screen_resume(self) -> None:
        # Coming back (after a send, a resend…) shows the newest rows; the first
        # visit loads from on_mount, once the table exists.
        if self._table_ready and not self._busy:
            self.reload()

    @property
    def _app(self) -> B24NotifyApp:
        return cast("B24NotifyApp", self.app)

    # ---- loading pages ------------------------------------------------------

    def filters(self) -> dict[str, Any]:
        text = self.query_one("#history-search", Input).value.strip()
        status = self.query_one("#history-status", Select).value
        out: dict[str, Any] = {}
        if text:
            out["text"] = text
        if isinstance(status, str) and status:
            out["status"] = status
        return out

    def reload(self) -> None:
        """Start again from the newest row under the current filters."""
        self._generation += 1
        self.exhausted = False
        self.total = None
        self._load(reset=True)

    def load_more(self) -> None:
        if self.exhausted or self._busy or not self.order:
            return
        self._load(reset=False)

    def _load(self, *, reset: bool) -> None:
        self._busy = True
        generation = self._generation
        filters = self.filters()
        before = None if reset or not self.order else self.order[-1]
        history = self.service.history

        def job() -> None:
            rows: list[SendRecord] = []
            failed = True
            try:
                rows = history.search(**filters, limit=PAGE, before_id=before)
                failed = False
            finally:
                # Also on failure (the error modal explains it): the screen must not
                # stay "busy" and refuse to load again.
                self.post_message(self.PageLoaded(generation, rows, reset=reset, failed=failed))
            if reset:
                # After the page, so the rows show first. Without a text, template or
                # dialog filter the count comes from counters; with one it stops early.
                narrow = any(key in filters for key in ("text", "template", "dialog"))
                count = history.count(**filters, at_most=COUNT_CAP) if narrow else None
                if count is None:
                    count = history.count(**filters)
                total = f"{count:,}" if not narrow or count < COUNT_CAP else f"{COUNT_CAP:,}+"
                self.post_message(self.CountLoaded(generation, total))

        self._app.run_job(job, name="history-page", group="history-page", thread=True)

    def on_history_screen_page_loaded(self, message: PageLoaded) -> None:
        if message.generation != self._generation:
            return  # an older query answered late
        self._busy = False
        if message.failed or not self.query("#detail-body"):
            return  # a failed read (shown as an error) or the app is closing
        table = self.query_one(DataTable)
        keep = self.selected_id()
        if message.reset:
            table.clear()
            self.records.clear()
            self.order.clear()
        for record in message.rows:
            if record.id in self.records:
                continue
            self.records[record.id] = record
            self.order.append(record.id)
            table.add_row(
                local_time(record.created_at),
                status_text(record),
                record.template,
                record.dialog_id,
                str(record.message_id) if record.message_id is not None else "",
                key=str(record.id),
            )
        self.exhausted = len(message.rows) < PAGE
        if message.reset and keep in self.records:
            table.move_cursor(row=table.get_row_index(str(keep)))
        self._show_count()
        if message.reset:
            self._show_detail()

    def on_history_screen_count_loaded(self, message: CountLoaded) -> None:
        if message.generation == self._generation and self.query("#history-count"):
            self.total = message.total
            self._show_count()

    def _show_count(self) -> None:
        shown = len(self.order)
        total = self.total or "?"
        more = "" if self.exhausted else " — scroll down for more"
        filt = " matching" if self.filters() else ""
        self.query_one("#history-count", Static).update(
            f"{shown:,} of {total}{filt} sends shown{more}"
        )

    # ---- selection ----------------------------------------------------------

    def selected_id(self) -> int | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def selected(self) -> SendRecord | None:
        sid = self.selected_id()
        return self.records.get(sid) if sid is not None else None

    @on(DataTable.RowHighlighted, "#history-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        if event.cursor_row >= len(self.order) - 10:
            self.load_more()

    def _show_detail(self) -> None:
        record = self.selected()
        body = self.query_one("#detail-body", Static)
        if record is None:
            self.detail_view = None
            body.update(Text("No sends match." if self.filters() else "No sends yet.", "dim"))
            return
        self.detail_view = detail(record)
        body.update(self.detail_view)

    @on(Input.Changed, "#history-search")
    @on(Select.Changed, "#history-status")
    def _filter(self, event: Message) -> None:
        event.stop()
        self.reload()

    @on(Input.Submitted, "#history-search")
    def _to_table(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(DataTable).focus()

    # ---- actions ------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#history-search", Input).focus()

    def action_reload(self) -> None:
        self.reload()

    def _need(self) -> SendRecord | None:
        record = self.selected()
        if record is None:
            self.notify("Select a send first.", severity="warning")
        return record

    def action_open_draft(self) -> None:
        record = self._need()
        if record is None:
            return
        draft = self.service.draft_from_history(record.id)
        self.post_message(OpenDraft(draft))

    def action_edit(self) -> None:
        record = self._need()
        if record is None:
            return
        if record.message_id is None or record.deleted_at:
            self.notify("Only a delivered, not deleted message can be edited.", severity="warning")
            return
        draft = self.service.draft_from_history(record.id)
        self.post_message(OpenDraft(draft, edit_of=record.id))

    def action_resend(self) -> None:
        record = self._need()
        if record is None:
            return
        self._confirm(
            f"Send #{record.id} again as a new message?",
            record,
            "Resend",
            lambda: self.service.resend(record.id),
            "Resent",
        )

    def action_delete(self) -> None:
        record = self._need()
        if record is None:
            return
        if record.message_id is None or record.deleted_at:
            self.notify("This send has no message on the portal to delete.", severity="warning")
            return
        self._confirm(
            f"Delete message {record.message_id} from the chat?",
            record,
            "Delete",
            lambda: self.service.delete_message(record.id),
            "Deleted",
            danger=True,
        )

    def _confirm(
        self,
        title: str,
        record: SendRecord,
        label: str,
        call: Any,
        what: str,
        *,
        danger: bool = False,
    ) -> None:
        from b24notify.tui.screens.dialogs import ConfirmDialog

        rows = [
            ("Dialog", record.dialog_id),
            ("Bot", str(record.bot_id or "profile default")),
            ("Profile", record.profile),
            ("Template", record.template),
        ]

        async def job() -> None:
            outcome: SendOutcome | None = None
            try:
                outcome = await call()
            finally:
                self.post_message(self.ActionDone(what, outcome))

        def answered(yes: bool | None) -> None:
            if yes:
                self._app.run_job(job, name=f"history-{label.lower()}", group="history-action")

        if not self.service.config.confirm_send:
            answered(True)
            return
        self.app.push_screen(
            ConfirmDialog(title, rows, confirm_label=label, danger=danger), answered
        )

    def on_history_screen_action_done(self, message: ActionDone) -> None:
        outcome = message.outcome
        if outcome is not None:
            ok = outcome.status == "sent"
            text = outcome.describe() if message.what == "Resent" or not ok else message.what
            self.notify(
                text,
                title=message.what if ok else outcome.status.capitalize(),
                severity="information"
                if ok
                else "warning"
                if outcome.status == "unknown"
                else "error",
            )
        self.reload()

    def action_copy_curl(self) -> None:
        record = self._need()
        if record is None:
            return
        from b24notify.core.errors import B24NotifyError
        from b24notify.core.service import Preview

        preview = Preview(
            template=record.template,
            api=cast(Any, record.api),
            method=record.method,
            params=record.params,
        )
        try:
            profile = self.service.profile(record.profile)
        except B24NotifyError:
            profile = None
        code = self.service.export(preview, "curl", profile=profile)
        self.app.copy_to_clipboard(code)
        self.notify(f"Copied send #{record.id} as curl (secrets masked).")

    def action_export(self, fmt: str = "csv") -> None:
        from b24notify.core import paths

        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = paths.data_dir() / "exports" / f"history-{stamp}.{fmt}"
        filters = self.filters()
        history = self.service.history

        def job() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            count = history.export(target, cast(Any, fmt), **filters)
            self.app.call_from_thread(
                self.notify, f"Exported {count:,} sends to {target}", title="Export"
            )

        self._app.run_job(job, name="history-export", thread=True)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            (
                "Export history as JSON",
                "Writes the rows matching the search to a file",
                lambda: self.action_export("json"),
            ),
            (
                "Export history as CSV",
                "Writes the rows matching the search to a file",
                lambda: self.action_export("csv"),
            ),
        ]
