"""The Run tab of the Bulk screen: a progress bar with live counts, rate and ETA, then the report.

While a run goes, :class:`RunPanel` shows the bar, ``sent · failed · unknown``,
messages per second and the time left by the portal's limits, with Pause and
Cancel (both stop after the batch in flight: a batch already sent is always
recorded). When it ends, the report replaces the live line and the buttons
that follow from it appear: continue a paused run, list the failed rows,
open them in History, reuse the failed-rows file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, ProgressBar, Static

from b24notify.tui.widgets.bulk_text import count, duration, progress_text, report_text

if TYPE_CHECKING:
    from b24notify.core.bulk_results import BulkProgress, BulkReport

RunMode = Literal["idle", "running", "stopping", "ended"]

IDLE_NOTE = (
    "No run yet. Check the file, then send (ctrl+s): a confirmation names the count, "
    "template, profile and the time the portal's limits need. Pause and Cancel stop "
    "after the batch in flight; a stopped run can be resumed from Runs."
)


class RunPanel(Vertical):
    """Live progress of one run, then its report and what can be done next."""

    DEFAULT_CSS = """
    RunPanel { height: 1fr; padding: 0 1; }
    RunPanel #br-title { height: auto; text-style: bold; margin: 1 0 0 0; }
    RunPanel #br-bar { height: 1; margin: 1 0 0 0; }
    RunPanel #br-bar Bar { width: 1fr; }
    RunPanel #br-line { height: auto; margin: 1 0 0 0; }
    RunPanel #br-note { height: auto; color: $text-warning; }
    RunPanel .br-buttons { height: auto; margin: 1 0 0 0; }
    RunPanel .br-buttons Button { margin: 0 1 0 0; }
    RunPanel #br-report-box { height: 1fr; margin: 1 0 0 0; }
    RunPanel #br-report { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode: RunMode = "idle"
        self.progress: BulkProgress | None = None
        self.report: BulkReport | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(IDLE_NOTE, "dim italic"), id="br-title")
        yield ProgressBar(total=None, show_eta=False, id="br-bar")
        yield Static("", id="br-line")
        yield Static("", id="br-note")
        with Horizontal(classes="br-buttons", id="br-live"):
            yield Button("Pause", id="br-pause", tooltip="Stop after the batch in flight; p again")
            yield Button("Cancel", id="br-cancel", variant="error")
        with VerticalScroll(id="br-report-box"):
            yield Static("", id="br-report")
            with Horizontal(classes="br-buttons", id="br-after"):
                yield Button("Continue", id="br-continue", variant="primary")
                yield Button("Failed rows", id="br-failures")
                yield Button("Show in History", id="br-history")
                yield Button("Send failed rows file", id="br-reuse")

    def on_mount(self) -> None:
        self._show_parts()

    def _show_parts(self) -> None:
        live = self.mode in ("running", "stopping")
        self.query_one("#br-bar").display = self.mode != "idle"
        self.query_one("#br-live").display = live
        self.query_one("#br-note").display = self.mode == "stopping"
        # Once a run ends its report says everything the live line said.
        self.query_one("#br-line").display = self.mode != "ended" or self.report is None
        self.query_one("#br-after").display = self.mode == "ended" and self.report is not None
        if self.mode == "ended" and self.report is not None:
            report = self.report
            self.query_one("#br-continue").display = bool(report.not_sent) and not report.refused
            self.query_one("#br-failures").display = bool(report.failed or report.unknown)
            self.query_one("#br-history").display = report.run_id is not None
            self.query_one("#br-reuse").display = bool(
                report.report_path is not None and report.reported_rows
            )

    # ---- attributes down ----------------------------------------------------

    def start(self, title: str, total: int | None, estimate: float | None = None) -> None:
        """A run (or a resume's check pass) begins: ``total`` rows, ``estimate`` seconds."""
        self.mode = "running"
        self.report = None
        self.progress = None
        self.query_one("#br-title", Static).update(Text(title, "bold"))
        self.query_one(ProgressBar).update(total=total, progress=0)
        line = "Starting…"
        if estimate is not None and total:
            line = f"0 of {total:,} · at least {duration(estimate)} by the portal's limits"
        self.query_one("#br-line", Static).update(line)
        self.query_one("#br-report", Static).update("")
        self.query_one("#br-pause", Button).label = "Pause"
        self._show_parts()

    def update_progress(self, progress: BulkProgress) -> None:
        """One progress report from the runner (per batch, per wait second, per 500 checked)."""
        if self.mode not in ("running", "stopping"):
            return
        self.progress = progress
        bar = self.query_one(ProgressBar)
        if progress.phase == "checking":
            bar.update(total=None)
        else:
            bar.update(total=max(progress.total, 1), progress=progress.done)
        self.query_one("#br-line", Static).update(progress_text(progress))

    def stopping(self, how: str) -> None:
        """Pause or Cancel was pressed: say the run stops after the batch in flight."""
        self.mode = "stopping"
        self.query_one("#br-note", Static).update(
            f"{how} after the batch in flight: it is already on its way and will be recorded. "
            "Press Cancel again to stop at once (that batch is then recorded as unknown)."
        )
        self.query_one("#br-pause", Button).disabled = True
        self._show_parts()

    def finish(self, report: BulkReport | None, *, paused: bool = False) -> None:
        """The run ended: its report, or (None) a note that it ended without one."""
        self.mode = "ended"
        self.report = report
        self.query_one("#br-pause", Button).disabled = False
        bar = self.query_one(ProgressBar)
        title = self.query_one("#br-title", Static)
        if report is None:
            title.update(Text("The run stopped without a report (see the error).", "bold red"))
            bar.update(total=bar.total or 1)
        else:
            if report.refused:
                heading = "Nothing was sent"
            elif paused and report.not_sent:
                heading = f"Paused: {count(report.not_sent, 'row')} left; Continue sends them"
            elif report.complete:
                heading = "Done: every row sent"
            elif report.cancelled:
                heading = "Cancelled"
            else:
                heading = "Finished with problems"
            title.update(Text(heading, "bold"))
            done = report.sent + report.failed + report.unknown
            bar.update(total=max(report.check.to_send, 1), progress=done)
            self.query_one("#br-report", Static).update(report_text(report))
        self._show_parts()

    def reset(self) -> None:
        self.mode = "idle"
        self.report = None
        self.progress = None
        self.query_one("#br-title", Static).update(Text(IDLE_NOTE, "dim italic"))
        self.query_one("#br-line", Static).update("")
        self.query_one("#br-report", Static).update("")
        self._show_parts()
