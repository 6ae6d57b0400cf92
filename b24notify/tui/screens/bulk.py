"""The Bulk screen: mail merge from the UI — check a data file, send it paced, pause, resume.

It drives the core's ``BulkRunner`` the way ``b24notify bulk`` does: a dry run
first (every row rendered and validated in a thread worker; totals, a table of
bad rows, the first rows drawn as chats), then a real run only after a
confirmation naming the count, template, profile and the time the portal's
limits need. Sending is an async worker calling the core; progress arrives as
messages (``bulk_jobs``), so the event loop never waits on a file, a render
or the network.

Pause and Cancel set the runner's cancel token: the batch in flight finishes
and is recorded, and the run stops. A paused run continues with the same key;
any stopped run can be resumed from the Runs tab (``bulk_resume``), which
shows a run's unknown rows for a decision before sending.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Header, Static, TabPane

from b24notify.core.errors import B24NotifyError, ConfigError, DataFileError, TemplateNotFound
from b24notify.tui.widgets.bulk_check_view import CheckView, PreviewsView
from b24notify.tui.widgets.bulk_jobs import (
    BulkJobs,
    Checked,
    ColumnsRead,
    Progress,
    RunEnded,
    RunsLoaded,
    TemplatesLoaded,
)
from b24notify.tui.widgets.bulk_progress import RunPanel
from b24notify.tui.widgets.bulk_resume import RunActions, State, Tab
from b24notify.tui.widgets.bulk_runs import RunsList
from b24notify.tui.widgets.bulk_setup import BulkSetup
from b24notify.tui.widgets.bulk_text import confirm_rows, count, duration, estimate
from b24notify.tui.widgets.key_bar import KeyBar
from b24notify.tui.widgets.steady_tabs import SteadyTabs

if TYPE_CHECKING:
    import threading

    from textual.timer import Timer
    from textual.worker import Worker

    from b24notify.core.bulk import BulkCheck, BulkReport, BulkRunner
    from b24notify.core.bulk_check import BulkSpec
    from b24notify.core.history_schema import RunSummary
    from b24notify.core.service import Service
    from b24notify.tui.app import PaletteCommand

PREVIEW_ROWS = 5
COLUMNS_DELAY = 0.3  # seconds of quiet typing before the data file's header is read


class BulkScreen(RunActions, Screen[None]):
    """Setup on the left; dry run, previews, the run and recent runs in tabs on the right."""

    SCREEN_TITLE = "Bulk send"
    BINDINGS: ClassVar[list[Any]] = [
        Binding("ctrl+r", "check", "Check", id="bulk.check", priority=True),
        Binding("ctrl+s", "send", "Send", id="bulk.send", priority=True),
        Binding("ctrl+o", "browse", "Pick data file", show=False, id="bulk.browse"),
        Binding("p", "pause", "Pause/continue", id="bulk.pause"),
        Binding("escape", "cancel_run", "Cancel run", id="bulk.cancel"),
    ]
    DEFAULT_CSS = """
    BulkScreen #bulk-main { height: 1fr; }
    BulkScreen #bulk-side {
        width: 46;
        height: 1fr;
        border-right: vkey $panel-lighten-1;
    }
    BulkScreen #bulk-actions { height: auto; padding: 0 1; background: $panel; }
    BulkScreen #bulk-actions Button { margin: 0 1 0 0; min-width: 10; }
    BulkScreen #bulk-status {
        height: auto;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    BulkScreen #bulk-status.-ok { color: $text-success; }
    BulkScreen #bulk-status.-bad { color: $text-error; }
    BulkScreen #bulk-tabs { width: 1fr; height: 1fr; }
    BulkScreen #bulk-tabs TabPane { padding: 0; }
    BulkScreen.-narrow #bulk-side { width: 36; }
    BulkScreen.-wide #bulk-side { width: 56; }
    """

    def __init__(self, service: Service, *, profile_name: str | None = None) -> None:
        super().__init__()
        self.service = service
        self.profile_name = profile_name or service.config.default_name
        self.jobs = BulkJobs(service, self, preview_rows=PREVIEW_ROWS)
        self.state: State = "idle"
        self.check: BulkCheck | None = None
        """The latest dry run (what Send confirms and sends, until a run used it)."""
        self.check_used = False
        """A run started from ``check``: sending again needs a fresh check."""
        self.earlier: tuple[str, ...] = ()
        """Runs that already sent the checked file with the checked template."""
        self.report: BulkReport | None = None
        """How the latest run ended."""
        self.run_id: str | None = None
        """The run under way or last shown (from its progress or its report)."""
        self.paused = False
        self.runs: list[RunSummary] = []
        self._seq = 0
        self._columns_seq = 0
        self._columns_timer: Timer | None = None
        self._cancel: threading.Event | None = None
        self._worker: Worker[Any] | None = None
        self._send_after_check = False
        self._hard_stop = False

    def templates_changed(self, name: str, *, deleted: bool = False) -> None:
        """A template was saved or deleted elsewhere: offer the list as it is now."""
        if self.is_mounted:
            self._app.run_job(self.jobs.templates, name="bulk-templates", thread=True)

    async def profiles_changed(self) -> None:
        """Profiles were saved: offer the new set, keep the choice when it still exists."""
        if not self.is_mounted:
            return
        config = self.service.config
        keep = self.setup.profile
        await self.setup.set_profiles(
            list(config.profiles), keep if keep in config.profiles else config.default_name
        )
        self._show_ready()

    def quit_warning(self) -> str | None:
        """What quitting now would lose (None: nothing)."""
        if self.state in ("running", "stopping"):
            return (
                "A bulk run is sending: quitting stops it (what went out is recorded; "
                "Bulk › Runs › Resume sends the rest)."
            )
        return None

    # ---- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        profiles = list(self.service.config.profiles)
        yield Header()
        with Horizontal(id="bulk-main"):
            with Vertical(id="bulk-side"):
                yield Static("Bulk send", classes="pane-title")
                yield BulkSetup(profiles, profile=self.profile_name, id="bulk-setup")
                with Horizontal(id="bulk-actions"):
                    yield Button("Check", id="bulk-check", variant="primary")
                    yield Button("Send…", id="bulk-send", disabled=True)
                yield Static("", id="bulk-status")
            with SteadyTabs(id="bulk-tabs", initial="tab-check"):
                with TabPane("Dry run", id="tab-check"):
                    yield CheckView(id="bulk-check-view")
                with TabPane("Previews", id="tab-previews"):
                    yield PreviewsView(id="bulk-previews")
                with TabPane("Run", id="tab-run"):
                    yield RunPanel(id="bulk-run")
                with TabPane("Runs", id="tab-runs"):
                    yield RunsList(id="bulk-runs")
        yield KeyBar()

    def on_mount(self) -> None:
        self._status("Pick a template and a data file, then Check (ctrl+r).")
        self._app.run_job(self.jobs.templates, name="bulk-templates", thread=True)
        self.load_runs()

    def on_screen_resume(self) -> None:
        if self.is_mounted and self.state == "idle":
            self.load_runs()

    def _runner(self) -> BulkRunner:
        """A runner for the next piece of work; older work's progress is ignored from now."""
        self._seq += 1
        runner, self._cancel = self.jobs.runner(self._seq)
        return runner

    # ---- the setup pane --------------------------------------------------------

    @on(TemplatesLoaded)
    def _templates_loaded(self, message: TemplatesLoaded) -> None:
        self.setup.set_templates(message.names)

    @on(BulkSetup.Changed)
    def _setup_changed(self, event: BulkSetup.Changed) -> None:
        event.stop()
        self._show_ready()
        if event.field != "limit":
            if self._columns_timer is not None:
                self._columns_timer.stop()
            self._columns_timer = self.set_timer(COLUMNS_DELAY, self.read_columns)

    def read_columns(self) -> None:
        """Read the data file's header against the template (a worker) for the column map."""
        setup = self.setup
        if setup.template is None or not setup.data:
            setup.set_columns(None, "Pick a data file to see which column fills what.")
            return
        self._columns_seq += 1
        job = self.jobs.columns(
            self._columns_seq,
            template=setup.template,
            data=setup.data,
            to=setup.to,
            profile=setup.profile,
        )
        self._app.run_job(job, name="bulk-columns", thread=True)

    @on(ColumnsRead)
    def _columns_read(self, message: ColumnsRead) -> None:
        if message.seq == self._columns_seq:  # else the fields changed again since
            self.setup.set_columns(message.found, message.error)

    @on(BulkSetup.Browse)
    def _browse(self, event: BulkSetup.Browse) -> None:
        event.stop()
        self.action_browse()

    def action_browse(self) -> None:
        """Pick the data file from a folder tree (starting where the typed path points)."""
        from b24notify.tui.widgets.bulk_dialogs import DataFilePicker

        typed = Path(self.setup.data).expanduser() if self.setup.data else Path.cwd()
        start = typed if typed.is_dir() else typed.parent
        if not start.is_dir():
            start = Path.cwd()

        def picked(path: Path | None) -> None:
            if path is not None:
                self.setup.load(data=str(path))

        self.app.push_screen(DataFilePicker(start), picked)

    # ---- the dry run ------------------------------------------------------------

    @on(Button.Pressed, "#bulk-check")
    def _check_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self.state == "checking":
            self.stop_check()
        else:
            self.action_check()

    def action_check(self) -> None:
        """Render and validate every row (a thread worker); send nothing."""
        if self.state != "idle":
            self.notify("Wait for the check or run under way to end.", severity="warning")
            return
        spec = self._spec()
        if spec is not None:
            self._start_check(spec)

    def _spec(self) -> BulkSpec | None:
        spec, problems = self.setup.spec()
        self.setup.clear_errors()
        for field, why in problems.items():
            self.setup.show_error(field, why)
        if problems:
            field, why = next(iter(problems.items()))
            self.setup.focus_field(field)
            self._status(why, bad=True)
        return spec

    def _start_check(self, spec: BulkSpec, *, then_send: bool = False) -> None:
        runner = self._runner()
        self.state = "checking"
        self._send_after_check = then_send
        self.query_one(CheckView).show_note("Checking every row… nothing is sent.")
        self.show_tab("check")
        self._status("Checking every row… (Stop ends the check)")
        self._show_buttons()
        self._app.run_job(self.jobs.check(self._seq, runner, spec), name="bulk-check", thread=True)

    def stop_check(self) -> None:
        if self.state == "checking" and self._cancel is not None:
            self._cancel.set()
            self._status("Stopping the check…")

    @on(Checked)
    def _checked(self, message: Checked) -> None:
        if message.seq != self._seq:
            return
        self.state = "idle"
        then_send, self._send_after_check = self._send_after_check, False
        if message.check is None:
            self.check = None
            if message.error is not None:
                self._show_input_error(message.error)
            else:
                self.query_one(CheckView).show_error("The check failed (see the error).")
                self._status("The check failed.", bad=True)
            self._show_buttons()
            return
        check = message.check
        self.check, self.check_used, self.earlier = check, False, message.earlier
        self.query_one(CheckView).show(check)
        self.query_one(PreviewsView).show(check.previews)
        if message.found is not None:
            self.setup.set_columns(message.found)
        self._show_ready()
        if then_send and check.ok:
            self._confirm_send(check)

    def _show_input_error(self, error: B24NotifyError) -> None:
        """An expected failure of the check, shown where it belongs: one sentence, no traceback."""
        sentence = str(error)
        field = "data"
        if isinstance(error, TemplateNotFound):
            field = "template"
        elif isinstance(error, ConfigError):
            field = "profile"
        elif isinstance(error, DataFileError) and (
            "dialog column" in sentence or "dialog expression" in sentence
        ):
            field = "to"
        self.setup.show_error(field, sentence)
        self.query_one(CheckView).show_error(sentence)
        self._status(f"Not checked: {sentence}", bad=True)

    def _fresh_check(self) -> BulkCheck | None:
        """The latest check while it still describes the fields and no run has used it."""
        spec, problems = self.setup.spec()
        check = self.check
        if check is None or self.check_used or problems or spec != check.spec or check.cancelled:
            return None
        return check

    def _show_ready(self) -> None:
        if self.state != "idle":
            return
        check = self._fresh_check()
        if check is None:
            if self.check is not None and not self.check_used:
                self._status("The setup changed since the check: check again (ctrl+r).")
            elif self.check is None:
                self._status("Check (ctrl+r) renders and validates every row; nothing is sent.")
        elif check.ok:
            self._status(
                f"Ready: ctrl+s sends {count(check.to_send, 'message')} ({estimate(check)}).",
                ok=True,
            )
        elif check.bad:
            self._status(
                f"{count(check.bad, 'row')} with problems: nothing can be sent until they "
                "are fixed.",
                bad=True,
            )
        else:
            self._status("Nothing to send.", bad=True)
        self._show_buttons()

    # ---- sending ----------------------------------------------------------------

    @on(Button.Pressed, "#bulk-send")
    def _send_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_send()

    def action_send(self) -> None:
        """Send the checked rows after a confirmation (checking first when needed)."""
        if self.state != "idle":
            self.notify("A check or run is under way.", severity="warning")
            return
        check = self._fresh_check()
        if check is None:
            spec = self._spec()
            if spec is not None:
                self._start_check(spec, then_send=True)
            return
        if not check.ok:
            self.show_tab("check")
            self.notify(
                "Fix the rows the dry run lists, then check again."
                if check.bad
                else "The file has no rows to send.",
                title="Nothing can be sent",
                severity="error",
            )
            return
        self._confirm_send(check)

    def _confirm_send(self, check: BulkCheck) -> None:
        from b24notify.tui.screens.dialogs import ConfirmDialog

        try:
            portal = self.service.profile(check.profile).portal_key
        except B24NotifyError:
            portal = "?"

        def answered(yes: bool | None) -> None:
            if yes and self.state == "idle":
                self._start_send(check)

        self.app.push_screen(
            ConfirmDialog(
                f"Send {count(check.to_send, 'message')}?",
                confirm_rows(check, portal, self.earlier),
                message=(
                    "Sent messages cannot be unsent. Pause and Cancel stop after the batch "
                    "in flight; a stopped run can be resumed."
                ),
                confirm_label=f"Send {check.to_send:,}",
            ),
            answered,
        )

    def _start_send(self, check: BulkCheck) -> None:
        self.check_used = True
        self.start_run(
            f"Sending {count(check.to_send, 'message')} from {check.spec.template}",
            check.to_send,
            check.estimate_seconds,
            lambda runner: runner.send(check.spec, checked=check),
        )

    def start_run(
        self,
        title: str,
        total: int,
        seconds: float | None,
        call: Callable[[BulkRunner], Awaitable[BulkReport]],
    ) -> None:
        """Run ``call`` (a send or a resume) as an async worker, with the Run tab showing it."""
        runner = self._runner()
        self.state = "running"
        self.paused = False
        self._hard_stop = False
        self.report = None
        self.panel.start(title, total, seconds)
        self.show_tab("run")
        self._status("Sending… p pauses, esc cancels (both after the batch in flight).")
        self._show_buttons()
        self._worker = self._app.run_job(
            self.jobs.send(runner, call), name="bulk-run", group="bulk-run"
        )
        self.query_one("#br-pause", Button).focus()

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        if message.seq != self._seq:
            return
        progress = message.progress
        if progress.run_id:
            self.run_id = progress.run_id
        if self.state == "checking":
            self.query_one(CheckView).show_note(
                f"Checking every row… {progress.checked:,} read; nothing is sent."
            )
        elif self.state == "planning":
            self._status(f"Checking the run's rows… {progress.checked:,} read.")
        elif self.state in ("running", "stopping"):
            self.panel.update_progress(progress)

    @on(RunEnded)
    def _run_ended(self, message: RunEnded) -> None:
        report = message.report
        self.state = "idle"
        self._worker = None
        self.report = report
        if report is not None and report.run_id:
            self.run_id = report.run_id
        self.paused = self.paused and report is not None and bool(report.not_sent)
        self.panel.finish(report, paused=self.paused)
        if report is None:
            if self._hard_stop:
                self.panel.query_one("#br-title", Static).update(
                    Text(
                        "Stopped at once: the batch in flight is recorded as unknown. "
                        "Resume the run from Runs to send the rest.",
                        "bold yellow",
                    )
                )
            self._status("The run ended early.", bad=True)
        elif report.refused:
            self.query_one(CheckView).show(report.check)
            self.show_tab("check")
            self._status("Nothing was sent: rows do not pass the check.", bad=True)
        else:
            self._announce(report)
        self._show_buttons()
        self.load_runs()

    def _announce(self, report: BulkReport) -> None:
        counts = (
            f"{report.sent:,} sent, {report.failed:,} failed, {report.unknown:,} unknown"
            f" in {duration(report.duration)}"
        )
        if self.paused:
            self._status(f"Paused: {count(report.not_sent, 'row')} left; p continues.")
            self.notify(counts, title=f"Paused run {report.run_id}")
        elif report.complete:
            self._status(f"Run {report.run_id}: every row sent.", ok=True)
            self.notify(counts, title=f"Run {report.run_id} done")
        else:
            self._status(f"Run {report.run_id}: {counts}.", bad=bool(report.failed))
            self.notify(
                counts,
                title=f"Run {report.run_id} " + ("stopped" if report.not_sent else "finished"),
                severity="warning"
                if report.unknown or report.not_sent
                else "error"
                if report.failed
                else "information",
                timeout=10,
            )

    # ---- small helpers ---------------------------------------------------------

    def _show_buttons(self) -> None:
        idle = self.state == "idle"
        check_button = self.query_one("#bulk-check", Button)
        check_button.label = "Stop" if self.state == "checking" else "Check"
        check_button.disabled = not (idle or self.state == "checking")
        fresh = self._fresh_check() if idle else None
        self.query_one("#bulk-send", Button).disabled = not idle or (
            fresh is not None and not fresh.ok
        )
        self.setup.disabled = self.state in ("running", "stopping", "planning")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pause":
            return self.state == "running" or (self.state == "idle" and self.paused)
        if action == "cancel_run":
            return self.state in ("checking", "running", "stopping")
        if action in ("check", "send"):
            return True if self.state == "idle" else None
        return True

    def palette_commands(self) -> list[PaletteCommand]:
        """Palette-only entries: each tab, and resuming a run."""
        tabs: list[tuple[Tab, str, str]] = [
            ("check", "the dry run", "Totals and the rows with problems"),
            ("previews", "the previews", "The first rows drawn as chats"),
            ("run", "the run", "Progress, or how the last run ended"),
            ("runs", "recent runs", "Runs from history, to resume"),
        ]
        out: list[PaletteCommand] = [
            (f"Bulk: show {label}", help_text, _tab_opener(self, tab))
            for tab, label, help_text in tabs
        ]
        out.append(
            (
                "Bulk: resume a run",
                "Pick a recent run on the Runs tab and send what it has left",
                _tab_opener(self, "runs"),
            )
        )
        return out

    @on(RunsLoaded)
    def _runs_loaded(self, message: RunsLoaded) -> None:
        self.runs = message.runs
        self.query_one(RunsList).set_runs(message.runs)


def _tab_opener(screen: BulkScreen, tab: Tab) -> Callable[[], None]:
    return lambda: screen.show_tab(tab)
