"""The History screen: every send, searchable, a page at a time, with the actions of §7.

Only ever one page (``PAGE`` rows) is read per query, newest first, by keyset
(``before_id``), so the screen opens as fast on a million rows as on ten.
Reads run in thread jobs; the table and the detail pane are filled by the
handlers of the messages those jobs post. ``show_run`` narrows the screen to
one bulk run's sends (Bulk's "Show in History"), shown as a chip that clears.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Input, Select, Static

from b24notify.tui.app import OpenDraft
from b24notify.tui.widgets.history_filters import FilterChip
from b24notify.tui.widgets.history_table import HistoryTable
from b24notify.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import RenderableType
    from textual import events

    from b24notify.core.errors import B24NotifyError
    from b24notify.core.history import SendRecord
    from b24notify.core.models import Draft
    from b24notify.core.service import SendOutcome, Service
    from b24notify.tui.app import B24NotifyApp, PaletteCommand

PAGE = 100
COUNT_CAP = 1000
"""A filtered count stops here ("1,000+"): counting every match of a search costs."""
STATUS_CHOICES = [("any status", ""), *((s, s) for s in ("sent", "failed", "unknown", "pending"))]


class RunChip(Static):
    """``Run <id> ×``: the run the table is narrowed to; a click clears it."""

    class Cleared(Message):
        """The user asked to see every send again."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        # Inline styles, not CSS: a new stylesheet source makes Textual parse every
        # source again on the screen's first open.
        self.styles.width = "auto"
        self.styles.height = 3
        self.styles.padding = (1, 1)
        self.display = False

    def show(self, run_id: str | None) -> None:
        """Show the chip for ``run_id``, or hide it (None)."""
        self.display = run_id is not None
        if run_id is not None:
            self.update(Text(f" Run {run_id} × ", style="bold reverse"))
            self.tooltip = "Only this bulk run's sends. Click or press Esc to show every send."

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Cleared())


class HistoryScreen(Screen[None]):
    """Table of sends, search and status filter, detail pane, row actions."""

    SCREEN_TITLE = "History"
    BINDINGS: ClassVar[list[Any]] = [
        Binding("ctrl+f", "focus_search", "Search", id="history.search"),
        Binding("o", "open_draft", "Open as draft", id="history.open_draft"),
        Binding("r", "resend", "Resend", id="history.resend"),
        Binding("e", "edit", "Edit", id="history.edit"),
        Binding("d", "delete", "Delete on portal", id="history.delete"),
        Binding("s", "mark('sent')", "Mark as sent", id="history.mark_sent"),
        Binding("f", "mark('failed')", "Mark as failed", id="history.mark_failed"),
        Binding("c", "copy_curl", "Copy as curl", id="history.copy_curl"),
        Binding("x", "export('csv')", "Export", id="history.export"),
        Binding("ctrl+l", "filter", "Filter", id="history.filter"),
        Binding("ctrl+r", "reload", "Refresh", show=False, id="history.reload"),
        Binding("escape", "clear_run", "Clear filters", id="history.clear_run"),
    ]

    class PageLoaded(Message):
        def __init__(
            self,
            generation: int,
            rows: list[SendRecord],
            *,
            reset: bool,
            failed: bool = False,
            error: B24NotifyError | None = None,
        ) -> None:
            super().__init__()
            self.generation = generation
            self.rows = rows
            self.reset = reset
            self.failed = failed
            self.error = error

    class CountLoaded(Message):
        def __init__(self, generation: int, total: str) -> None:
            super().__init__()
            self.generation = generation
            self.total = total

    class ActionDone(Message):
        def __init__(
            self, what: str, outcome: SendOutcome | None, done: str = "", *, ok: bool = True
        ) -> None:
            super().__init__()
            self.what = what
            self.outcome = outcome
            self.done = done or what
            """What the success notification says."""
            self.ok = ok
            """False when the call raised (the error modal tells why)."""

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
        self._detail_of: SendRecord | None = None
        self.run_id: str | None = None
        """The bulk run the table is narrowed to (``show_run``), or None for every send."""
        self._table_ready = False
        self._stale = False
        self._loaded_filters: dict[str, Any] | None = None
        self._select: int | None = None
        self.load_error: str | None = None
        """Why the history could not be read on the last load, or None."""
        self._errors_shown: set[str] = set()
        self._unknown_selected = False
        self.extra: dict[str, str] = {}
        """Template, dialog, since and until filters (``History.search`` keywords) as typed."""

    def compose(self) -> ComposeResult:
        # The first page is asked for now, while the widgets are being built, so
        # that it is in the table when the screen is first drawn. Its answer is
        # handled after the screen has mounted (Textual's Compose and Mount come
        # before any message), and this is the only load of the first visit.
        self.reload()
        yield Header()
        with Horizontal(id="history-bar"):
            yield Input(
                placeholder="Search message text, template, dialog, error code…",
                id="history-search",
            )
            yield RunChip(id="history-run")
            yield Horizontal(id="history-chips")
            yield Select(STATUS_CHOICES, value="", allow_blank=False, id="history-status")
        with Horizontal(id="history-main"):
            yield HistoryTable(id="history-table")
            with VerticalScroll(id="history-detail"):
                yield Static(Text("Select a send to see it here.", "dim"), id="detail-body")
        yield Static("", id="history-count")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self._table()
        # Focused now rather than after the first frame (as `focus()` would): a focused
        # table is drawn in other colours, so the rows would be drawn a second time.
        self.set_focus(table, scroll_visible=False)
        self.watch(table, "scroll_y", self._scrolled, init=False)
        self.query_one(RunChip).show(self.run_id)
        self._table_ready = True
        if self.extra:
            self._show_chips()

    def _table(self) -> HistoryTable:
        return self.query_one(HistoryTable)

    def _scrolled(self, _old: float, new: float) -> None:
        """Mouse scrolling near the end asks for the next page too."""
        table = self._table()
        if new >= table.max_scroll_y - 3:
            self.load_more()

    def on_screen_suspend(self) -> None:
        self._stale = True

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._stale:
            # Not suspended since it was built: its widgets were styled as they
            # mounted, from the stylesheet as it is, and the first page is on its
            # way. Textual would restyle the whole screen once per resume (a first
            # switch sends two), a sixth of the first open.
            event.refresh_styles = False
            return
        # Coming back (after a send, a resend…) shows the newest rows.
        self._stale = False
        if self._table_ready:
            self.reload()

    @property
    def _app(self) -> B24NotifyApp:
        return cast("B24NotifyApp", self.app)

    # ---- the run filter -----------------------------------------------------

    def show_run(self, run_id: str) -> None:
        """Show only the sends of bulk run ``run_id``, newest first, until the filter is cleared.

        The search text and status filter are cleared too, so the table holds
        exactly that run's rows; both can then narrow it further.
        """
        self.run_id = run_id or None
        self.extra = {}
        if self._table_ready:
            self.query_one("#history-search", Input).value = ""
            self.query_one("#history-status", Select).value = ""
            self.query_one(RunChip).show(self.run_id)  # else on_mount shows it
            self._show_chips()
        self._restart()
        self.refresh_bindings()

    def show_send(self, history_id: int) -> None:
        """Put the cursor on send ``history_id`` (a recent one, e.g. just sent), every send shown.

        The search text, status and run filters are cleared so that the send is
        among the rows; the cursor goes to it once the newest page has loaded.
        """
        self._select = history_id
        self.run_id = None
        self.extra = {}
        if self._table_ready:
            self.query_one("#history-search", Input).value = ""
            self.query_one("#history-status", Select).value = ""
            self.query_one(RunChip).show(None)
            self._show_chips()
        self._restart()
        self.refresh_bindings()

    def clear_run(self) -> None:
        """Back to every send (the search text and status filter stay)."""
        if self.run_id is None:
            return
        self.run_id = None
        if self._table_ready:
            self.query_one(RunChip).show(None)
        self._restart()
        self.refresh_bindings()

    def set_filters(self, values: dict[str, str]) -> None:
        """Narrow by template, dialog, since and until (YYYY-MM-DD); empty values drop out.

        They combine with the search text, the status and the run.
        """
        extra = {key: str(value).strip() for key, value in values.items() if str(value).strip()}
        if extra == self.extra:
            return
        self.extra = extra
        if self._table_ready:
            self._show_chips()
        self._restart()
        self.refresh_bindings()

    def _show_chips(self) -> None:
        from b24notify.tui.widgets.history_filters import FilterChip

        box = self.query_one("#history-chips", Horizontal)
        box.remove_children()
        box.mount_all(FilterChip(key, value) for key, value in self.extra.items())

    def action_filter(self) -> None:
        from b24notify.core.errors import B24NotifyError
        from b24notify.tui.widgets.history_filters import FilterDialog

        try:
            names = [info.name for info in self.service.templates()]
        except B24NotifyError:
            names = []  # no completion; the filter still works

        def answered(values: dict[str, str] | None) -> None:
            if values is not None:
                self.set_filters(values)

        self.app.push_screen(FilterDialog(self.extra, names), answered)

    def _restart(self) -> None:
        """Load again under the filters as they are now, once the first load has started.

        Before that, compose's load will read them; after it (even before the
        screen has mounted) its answer is for the old filters and is dropped.
        """
        if self._generation:
            self.reload()

    def action_clear_run(self) -> None:
        """Esc: drop the run and the extra filters (the search text and status stay)."""
        if not self.extra:
            self.clear_run()
            return
        self.run_id = None
        if self._table_ready:
            self.query_one(RunChip).show(None)
        self.set_filters({})

    @on(FilterChip.Cleared)
    def _filter_chip_cleared(self, event: FilterChip.Cleared) -> None:
        event.stop()
        self.set_filters({k: v for k, v in self.extra.items() if k != event.key})

    @on(RunChip.Cleared)
    def _chip_cleared(self, event: RunChip.Cleared) -> None:
        event.stop()
        self.clear_run()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_run":
            # Esc is free for others without a run or extra filter.
            return self.run_id is not None or bool(self.extra)
        if action == "mark":
            return self._unknown_selected  # offered (keys, palette) for an unknown send only
        return True

    # ---- loading pages ------------------------------------------------------

    def filters(self) -> dict[str, Any]:
        """The current filters, as keyword arguments of ``History.search``."""
        text, status = "", cast(object, "")
        if self._table_ready:  # the fields exist (before, they hold their first values)
            text = self.query_one("#history-search", Input).value.strip()
            status = self.query_one("#history-status", Select).value
        out: dict[str, Any] = {}
        if text:
            out["text"] = text
        if isinstance(status, str) and status:
            out["status"] = status
        out.update(self.extra)
        if self.run_id:
            out["run_id"] = self.run_id
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
        if reset:
            self._loaded_filters = filters
        before = None if reset or not self.order else self.order[-1]
        service = self.service

        def job() -> None:
            from b24notify.core.errors import B24NotifyError

            rows: list[SendRecord] = []
            failed = True
            error: B24NotifyError | None = None
            try:
                # Opened here, off the UI thread: an unreadable file raises while opening.
                history = service.history
                rows = history.search(**filters, limit=PAGE, before_id=before)
                failed = False
            except B24NotifyError as exc:
                error = exc
            finally:
                # Also on failure: the screen must not stay "busy" and refuse to load again.
                self.post_message(
                    self.PageLoaded(generation, rows, reset=reset, failed=failed, error=error)
                )
            if failed:
                return
            if reset:
                # After the page, so the rows show first. Without a text, template or
                # dialog filter the count comes from counters (or, for a run, from its
                # index); with one it stops early.
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
        if not self.query("#detail-body"):
            return  # the app is closing
        if message.failed:
            if message.error is not None:
                self._unreadable(message.error)
            return  # any other failure is shown as an error by the job
        self.load_error = None
        table = self._table()
        keep = table.selected_id()
        if message.reset and self._select is not None:
            keep, self._select = self._select, None  # asked for by show_send
        if message.reset:
            self.records.clear()
            self.order.clear()
        rows = [r for r in message.rows if r.id not in self.records]
        for record in rows:
            self.records[record.id] = record
            self.order.append(record.id)
        table.show(rows, reset=message.reset)
        self.exhausted = len(message.rows) < PAGE
        if message.reset and keep in self.records:
            table.show_id(keep)
        table.prerender()  # while the screen is held back, or before the next frame
        self._show_count()
        if message.reset:
            self._show_detail()

    def _unreadable(self, error: B24NotifyError) -> None:
        """The history cannot be read: say so once, and show an empty table saying why."""
        reason = str(error)
        if reason not in self._errors_shown:
            self._errors_shown.add(reason)
            self._app.show_error(error)
        self.load_error = reason
        self.records.clear()
        self.order.clear()
        self.exhausted = True
        self._table().show([], reset=True)
        self._detail_of = None
        self.detail_view = None
        self.query_one("#detail-body", Static).update(Text(reason, "red"))
        self.query_one("#history-count", Static).update(
            Text("No sends shown: the history could not be read.", "red")
        )

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
        return self._table().selected_id()

    def selected(self) -> SendRecord | None:
        sid = self.selected_id()
        return self.records.get(sid) if sid is not None else None

    @on(HistoryTable.RowHighlighted, "#history-table")
    def _highlighted(self, event: HistoryTable.RowHighlighted) -> None:
        self._show_detail()
        if event.cursor_row >= len(self.order) - 10:
            self.load_more()

    def _show_detail(self) -> None:
        from b24notify.tui.widgets.history_detail import detail

        record = self.selected()
        if record is not None and record is self._detail_of:
            return  # already shown: a refilled table highlights its first row again
        self._detail_of = record
        unknown = record is not None and record.status == "unknown"
        if unknown != self._unknown_selected:
            self._unknown_selected = unknown
            self.refresh_bindings()  # the mark actions come and go with an unknown send
        body = self.query_one("#detail-body", Static)
        if record is None:
            self.detail_view = None
            if self.load_error is not None:
                body.update(Text(self.load_error, "red"))
                return
            body.update(Text("No sends match." if self.filters() else "No sends yet.", "dim"))
            return
        self.detail_view = detail(record)
        body.update(self.detail_view)

    @on(Input.Changed, "#history-search")
    @on(Select.Changed, "#history-status")
    def _filter(self, event: Message) -> None:
        event.stop()
        # The status Select announces its first value once mounted, and show_run
        # resets both fields after loading: neither changes what is shown.
        if self.filters() != self._loaded_filters:
            self.reload()

    @on(Input.Submitted, "#history-search")
    def _to_table(self, event: Input.Submitted) -> None:
        event.stop()
        self._table().focus()

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
        draft = self._draft(record)
        if draft is not None:
            self.post_message(OpenDraft(draft))

    def _draft(self, record: SendRecord) -> Draft | None:
        """The send as a draft; an unreadable history is shown as an error, not raised."""
        from b24notify.core.errors import B24NotifyError

        try:
            return self.service.draft_from_history(record.id)
        except B24NotifyError as exc:
            self._app.show_error(exc)
            return None

    def action_edit(self) -> None:
        record = self._need()
        if record is None:
            return
        if record.message_id is None or record.deleted_at:
            self.notify("Only a delivered, not deleted message can be edited.", severity="warning")
            return
        draft = self._draft(record)
        if draft is not None:
            self.post_message(OpenDraft(draft, edit_of=record.id))

    def action_resend(self) -> None:
        record = self._need()
        if record is None:
            return
        warning = ""
        if record.status == "unknown":
            warning = (
                f"No answer came back for send #{record.id}: the first message may already "
                "be in the chat. Look there first, and mark the send as sent (s) if it is."
            )
        self._confirm(
            f"Send #{record.id} again as a new message?",
            record,
            "Resend",
            lambda: self.service.resend(record.id),
            "Resent",
            message=warning,
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
            done=f"Deleted message {record.message_id} in {record.dialog_id} on the portal.",
        )

    def action_mark(self, status: str) -> None:
        """Settle an unknown send by hand, once the user has looked at the chat."""
        record = self._need()
        if record is None:
            return
        if record.status != "unknown":
            self.notify(
                f"Send #{record.id} is {record.status}: only an unknown send can be marked.",
                severity="warning",
            )
            return
        if status == "sent":
            title = f"Mark send #{record.id} as sent?"
            message = "Do this once you have seen the message in the chat: it will not be resent."
        else:
            title = f"Mark send #{record.id} as failed?"
            message = "Do this once you have checked that the message is not in the chat."
        service = self.service

        async def call() -> None:
            service.mark_outcome(record.id, cast(Any, status))

        self._confirm(
            title,
            record,
            f"Mark as {status}",
            call,
            f"Marked as {status}",
            message=message,
            done=f"Send #{record.id} is marked as {status}.",
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
        message: str = "",
        done: str = "",
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
            ok = False
            try:
                outcome = await call()
                ok = True
            finally:
                self.post_message(self.ActionDone(what, outcome, done, ok=ok))

        def answered(yes: bool | None) -> None:
            if yes:
                self._app.run_job(
                    job, name=f"history-{label.lower().replace(' ', '-')}", group="history-action"
                )

        # Always asked, whatever confirm_send says: that setting is about Compose's
        # sends; a delete cannot be undone and a resend reaches the customer.
        self.app.push_screen(
            ConfirmDialog(title, rows, message=message, confirm_label=label, danger=danger),
            answered,
        )

    def on_history_screen_action_done(self, message: ActionDone) -> None:
        outcome = message.outcome
        if outcome is None and message.ok and message.what.startswith("Marked"):
            self.notify(message.done, title=message.what)
        if outcome is not None:
            ok = outcome.status == "sent"
            text = outcome.describe() if message.what == "Resent" or not ok else message.done
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
        """Ask where (default: the current folder) and in which format, then write the rows."""
        from b24notify.tui.widgets.history_export import ExportDialog

        def answered(choice: tuple[Path, str] | None) -> None:
            if choice is not None:
                self.export_to(*choice)

        self.app.push_screen(ExportDialog(fmt, self.total or ""), answered)

    def export_to(self, target: Path, fmt: str) -> None:
        """Write the rows matching the current filters to ``target`` in a job; say where."""
        filters = self.filters()
        service = self.service

        def job() -> None:
            try:
                count = service.history.export(target, cast(Any, fmt), **filters)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                self.app.call_from_thread(
                    self.notify,
                    f"Could not write {target}: {reason}.",
                    title="Export",
                    severity="error",
                )
                return
            self.app.call_from_thread(
                self.notify, f"Exported {count:,} sends to {target}.", title="Export"
            )

        self._app.run_job(job, name="history-export", thread=True)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            (
                "Export history as JSON",
                "Writes the rows shown (every filter applies) to a file you choose",
                lambda: self.action_export("json"),
            ),
            (
                "Export history as CSV",
                "Writes the rows shown (every filter applies) to a file you choose",
                lambda: self.action_export("csv"),
            ),
        ]
