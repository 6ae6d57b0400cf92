"""The Bulk screen's run controls: pause, cancel, continue, resume, failed rows, History.

:class:`RunActions` is the part of the Bulk screen that acts on runs once
they exist: it stops a run after the batch in flight (or at once, after a
second Cancel and a confirmation), continues a paused run, plans a resume in
a worker and asks about its unknown rows (``ResumeDialog``), lists a run's
failed rows, opens History on a run, and loads a failed-rows file as the next
data file. ``BulkScreen`` derives from it and supplies the setup, the check
and ``start_run``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal, cast

from textual import on
from textual.screen import Screen
from textual.widgets import Button, Static, TabbedContent

from b24notify.tui.app import OpenDraft
from b24notify.tui.widgets.bulk_check_view import CheckView
from b24notify.tui.widgets.bulk_jobs import Planned, RowsLoaded
from b24notify.tui.widgets.bulk_progress import RunPanel
from b24notify.tui.widgets.bulk_runs import RunsList
from b24notify.tui.widgets.bulk_setup import BulkSetup
from b24notify.tui.widgets.bulk_text import count

if TYPE_CHECKING:
    import threading

    from textual.worker import Worker

    from b24notify.core.bulk import BulkReport, BulkRunner, ResumePlan
    from b24notify.core.service import Service
    from b24notify.tui.app import B24NotifyApp
    from b24notify.tui.widgets.bulk_dialogs import RowsAnswer
    from b24notify.tui.widgets.bulk_jobs import BulkJobs

Tab = Literal["check", "previews", "run", "runs"]
State = Literal["idle", "checking", "planning", "running", "stopping"]


class RunActions(Screen[None]):
    """Pause, cancel, continue and resume runs; show a run's failures; open it in History."""

    service: Service
    jobs: BulkJobs
    state: State
    run_id: str | None
    paused: bool
    report: BulkReport | None
    _seq: int
    _cancel: threading.Event | None
    _worker: Worker[Any] | None
    _hard_stop: bool

    # ---- what the screen supplies ---------------------------------------------

    def start_run(
        self,
        title: str,
        total: int,
        seconds: float | None,
        call: Callable[[BulkRunner], Awaitable[BulkReport]],
    ) -> None:
        raise NotImplementedError

    def _show_buttons(self) -> None:
        raise NotImplementedError

    def _show_ready(self) -> None:
        raise NotImplementedError

    def _runner(self) -> BulkRunner:
        raise NotImplementedError

    # ---- shared helpers -----------------------------------------------------------

    @property
    def _app(self) -> B24NotifyApp:
        return cast("B24NotifyApp", self.app)

    @property
    def setup(self) -> BulkSetup:
        return self.query_one(BulkSetup)

    @property
    def panel(self) -> RunPanel:
        return self.query_one(RunPanel)

    def show_tab(self, tab: Tab) -> None:
        """Bring ``tab`` to the front; focus follows when it was in another tab."""
        tabs = self.query_one(TabbedContent)
        tabs.active = f"tab-{tab}"
        focused = self.focused
        # A focused widget in another pane would pull its tab back to the front.
        pane = tabs.active_pane
        if focused is not None and tabs in focused.ancestors and pane not in focused.ancestors:
            tabs.query_one("Tabs").focus()

    @property
    def tab(self) -> str:
        return self.query_one(TabbedContent).active.removeprefix("tab-")

    def _status(self, text: str, *, ok: bool = False, bad: bool = False) -> None:
        from rich.text import Text

        status = self.query_one("#bulk-status", Static)
        status.update(Text(text))
        status.set_class(ok, "-ok")
        status.set_class(bad, "-bad")

    def load_runs(self) -> None:
        """Read the recent runs from history (a worker) into the Runs tab."""
        self._app.run_job(self.jobs.runs, name="bulk-runs", thread=True)

    # ---- pause, cancel, continue ----------------------------------------------

    def action_pause(self) -> None:
        """Pause a run (after the batch in flight), or continue a paused one."""
        if self.state == "running" and self._cancel is not None:
            self.paused = True
            self._cancel.set()
            self.state = "stopping"
            self.panel.stopping("Pausing")
            self._status("Pausing after the batch in flight…")
            self._show_buttons()
        elif self.state == "idle" and self.paused and self.run_id:
            self.resume_run(self.run_id, direct=True)

    def action_cancel_run(self) -> None:
        """Stop a check; stop a run after the batch in flight, or, a second time, at once."""
        if self.state == "checking" and self._cancel is not None:
            self._cancel.set()
            self._status("Stopping the check…")
        elif self.state == "running" and self._cancel is not None:
            self.paused = False
            self._cancel.set()
            self.state = "stopping"
            self.panel.stopping("Stopping")
            self._status("Stopping after the batch in flight…")
            self._show_buttons()
        elif self.state == "stopping":
            self._confirm_hard_stop()

    def _confirm_hard_stop(self) -> None:
        from b24notify.tui.screens.dialogs import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes and self._worker is not None and self.state == "stopping":
                self._hard_stop = True
                self._worker.cancel()

        self.app.push_screen(
            ConfirmDialog(
                "Stop at once?",
                message=(
                    "The batch in flight may already have reached the portal: its rows are "
                    "recorded as unknown, and a resume lists them for you to check."
                ),
                confirm_label="Stop now",
                danger=True,
            ),
            answered,
        )

    @on(Button.Pressed, "#br-pause")
    def _pause_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_pause()

    @on(Button.Pressed, "#br-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel_run()

    @on(Button.Pressed, "#br-continue")
    def _continue_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self.run_id and self.state == "idle":
            self.resume_run(self.run_id, direct=self.paused)

    # ---- resuming ---------------------------------------------------------------

    @on(RunsList.Picked)
    def _run_picked(self, event: RunsList.Picked) -> None:
        event.stop()
        self.resume_run(event.run_id)

    @on(Button.Pressed, "#runs-resume")
    def _resume_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        run_id = self.query_one(RunsList).selected
        if run_id is not None:
            self.resume_run(run_id)

    def resume_run(self, run_id: str, *, direct: bool = False) -> None:
        """Plan a resume of ``run_id`` (a worker), then ask about it (or go on, when ``direct``).

        ``direct`` continues a run this screen paused: no question unless the
        plan has unknown rows or the template changed since.
        """
        if self.state != "idle":
            self.notify("A check or run is under way.", severity="warning")
            return
        runner = self._runner()
        self.state = "planning"
        self._status(f"Checking what run {run_id} has left to send…")
        self._show_buttons()
        self._app.run_job(
            self.jobs.plan(runner, run_id, direct=direct), name="bulk-plan", thread=True
        )

    @on(Planned)
    def _planned(self, message: Planned) -> None:
        self.state = "idle"
        self._show_buttons()
        plan = message.plan
        if plan is None:
            self._status(f"Run {message.run_id} cannot be resumed (see the error).", bad=True)
            return
        run_id = plan.record.run_id
        if plan.busy:
            self._status(f"Run {run_id} is being sent by another process.", bad=True)
            self.notify(
                f"Run {run_id} is being sent by another b24notify process; wait for it to "
                "finish before resuming.",
                title="Run busy",
                severity="error",
            )
            return
        if not plan.check.ok:
            self.query_one(CheckView).show(plan.check)
            self.show_tab("check")
            self._status(f"Run {run_id}: its rows no longer pass the check.", bad=True)
            return
        if plan.check.to_send == 0 and not plan.state.unknown:
            self.paused = False
            self._status(f"Run {run_id}: nothing is left to send.", ok=True)
            self.notify(f"Every row of run {run_id} was sent.", title="Nothing to resume")
            return
        if message.direct and not plan.state.unknown and not plan.template_changed:
            self._start_resume(plan, [])
            return
        from b24notify.tui.widgets.bulk_dialogs import ResumeDialog

        def answered(ticked: list[int] | None) -> None:
            if ticked is None:
                self._show_ready()
            elif self.state == "idle":
                self._start_resume(plan, ticked)

        self.app.push_screen(ResumeDialog(plan), answered)

    def _start_resume(self, plan: ResumePlan, ticked: list[int]) -> None:
        run_id = plan.record.run_id
        total = plan.check.to_send + len(ticked)
        self.run_id = run_id
        self.start_run(
            f"Resuming run {run_id}: {count(total, 'row')} left",
            total,
            plan.check.estimate_seconds,
            # A plan is only reused when nothing was ticked: ticked rows need a new one.
            lambda runner: runner.resume(
                run_id, resend_unknown=ticked, plan=None if ticked else plan
            ),
        )

    # ---- failures, History, the failed-rows file ----------------------------------

    @on(Button.Pressed, "#br-failures")
    @on(Button.Pressed, "#runs-failures")
    def _failures_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        run_id = self._button_run(event)
        if run_id is not None:
            self.show_failures(run_id)

    @on(Button.Pressed, "#br-history")
    @on(Button.Pressed, "#runs-history")
    async def _history_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        run_id = self._button_run(event)
        if run_id is not None:
            await self.show_in_history(run_id)

    def _button_run(self, event: Button.Pressed) -> str | None:
        if (event.button.id or "").startswith("runs-"):
            return self.query_one(RunsList).selected
        return self.run_id

    def show_failures(self, run_id: str) -> None:
        """List the run's failed and unknown rows (read in a worker) in a dialog."""
        self._app.run_job(self.jobs.rows(run_id), name="bulk-rows", thread=True)

    @on(RowsLoaded)
    def _rows_loaded(self, message: RowsLoaded) -> None:
        from b24notify.tui.widgets.bulk_dialogs import RunRowsDialog

        async def answered(answer: RowsAnswer | None) -> None:
            if answer is None:
                return
            what, history_id = answer
            if what == "draft" and history_id is not None:
                self.post_message(OpenDraft(self.service.draft_from_history(history_id)))
            elif what == "history":
                await self.show_in_history(message.run_id)

        self.app.push_screen(RunRowsDialog(message.run_id, message.records), answered)

    async def show_in_history(self, run_id: str) -> None:
        """Open History on the run's sends (filtered by run where History offers it)."""
        app = self._app
        await app.switch_mode("history")
        show_run = getattr(app.screen_of("history"), "show_run", None)
        if callable(show_run):
            show_run(run_id)
            return
        app.copy_to_clipboard(run_id)
        app.notify(
            f"Sends of run {run_id} carry its id (copied to the clipboard); its failed "
            "rows are listed under Bulk › Runs › Failed rows.",
            title="History",
        )

    @on(Button.Pressed, "#br-reuse")
    def _reuse_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        report = self.report
        if report is None or report.report_path is None:
            return
        self.setup.load(template=report.check.spec.template, data=str(report.report_path))
        self.setup.focus_field("data")
        self.notify(
            "The failed and unknown rows are now the data file: fix them (its row and error "
            "columns are ignored), check, and send them as a new run.",
            title="Failed rows loaded",
            timeout=10,
        )
