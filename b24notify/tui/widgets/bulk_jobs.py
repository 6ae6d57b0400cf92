"""The Bulk screen's background work: thin calls into the core that post their results.

Each method of :class:`BulkJobs` returns the body of one worker (a thread for
file reading, rendering and history; a coroutine for sending) and each body
ends by posting one of the messages below to the screen, whose handlers own
the state. Expected failures (a bad file, a missing template) travel in the
message as one sentence; anything else still posts its message (so the screen
is never left waiting) and then raises into the app's error modal.
``post_message`` is thread-safe, so the runner's progress callback posts
straight from whichever thread the core calls it in.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from b24notify.core.errors import B24NotifyError

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from b24notify.core.bulk import BulkCheck, BulkProgress, BulkReport, BulkRunner, ResumePlan
    from b24notify.core.bulk_check import BulkSpec
    from b24notify.core.history_schema import RunSummary, SendRecord
    from b24notify.core.service import Service
    from b24notify.tui.widgets.bulk_columns import ColumnMap

RUNS_LISTED = 30
EARLIER_LOOKED_AT = 200  # newest run records compared with a fresh check


class TemplatesLoaded(Message):
    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names


class ColumnsRead(Message):
    """The data file's header against the template, or why it cannot be read."""

    def __init__(self, seq: int, found: ColumnMap | None, error: str | None) -> None:
        super().__init__()
        self.seq = seq
        self.found = found
        self.error = error


class Progress(Message):
    """One progress report of the runner (posted from a worker thread or the loop)."""

    def __init__(self, seq: int, progress: BulkProgress) -> None:
        super().__init__()
        self.seq = seq
        self.progress = progress


class Checked(Message):
    """A dry run ended: the check, or why the file was not checked (``error``).

    ``earlier`` names runs that already sent this very file with this template.
    """

    def __init__(
        self,
        seq: int,
        check: BulkCheck | None,
        *,
        found: ColumnMap | None = None,
        error: B24NotifyError | None = None,
        earlier: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.seq = seq
        self.check = check
        self.found = found
        self.error = error
        self.earlier = earlier


class Planned(Message):
    """What resuming a run would do (None when planning failed: the error modal says why)."""

    def __init__(self, run_id: str, plan: ResumePlan | None, *, direct: bool) -> None:
        super().__init__()
        self.run_id = run_id
        self.plan = plan
        self.direct = direct


class RunEnded(Message):
    """A run or a resume ended; ``report`` is None when it raised or was stopped at once."""

    def __init__(self, report: BulkReport | None) -> None:
        super().__init__()
        self.report = report


class RunsLoaded(Message):
    def __init__(self, runs: list[RunSummary]) -> None:
        super().__init__()
        self.runs = runs


class RowsLoaded(Message):
    """A run's rows (the latest attempt of each), for the failed-rows dialog."""

    def __init__(self, run_id: str, records: list[SendRecord]) -> None:
        super().__init__()
        self.run_id = run_id
        self.records = records


class BulkJobs:
    """Worker bodies over one service, posting to ``target`` (the Bulk screen)."""

    def __init__(self, service: Service, target: MessagePump, *, preview_rows: int) -> None:
        self.service = service
        self.target = target
        self.preview_rows = preview_rows

    def runner(self, seq: int) -> tuple[BulkRunner, threading.Event]:
        """A runner whose progress is posted tagged ``seq``, and the token that stops it."""
        from b24notify.core.bulk import BulkRunner

        cancel = threading.Event()
        target = self.target

        def progress(report: BulkProgress) -> None:
            target.post_message(Progress(seq, report))

        runner = BulkRunner(
            self.service, on_progress=progress, cancel=cancel, preview_rows=self.preview_rows
        )
        return runner, cancel

    def templates(self) -> None:
        names = [info.name for info in self.service.templates() if info.error is None]
        self.target.post_message(TemplatesLoaded(names))

    def columns(
        self, seq: int, *, template: str, data: str, to: str, profile: str | None
    ) -> Callable[[], None]:
        """Read the header of ``data`` against ``template`` (the column map)."""

        def job() -> None:
            from b24notify.tui.widgets.bulk_columns import map_columns

            try:
                found = map_columns(
                    self.service,
                    template=template,
                    data=Path(data).expanduser(),
                    to=to or "dialog_id",
                    profile=profile,
                )
            except B24NotifyError as err:
                self.target.post_message(ColumnsRead(seq, None, str(err)))
                return
            self.target.post_message(ColumnsRead(seq, found, None))

        return job

    def check(self, seq: int, runner: BulkRunner, spec: BulkSpec) -> Callable[[], None]:
        """The dry run: every row rendered and validated; then the column map and earlier runs."""

        def job() -> None:
            from b24notify.tui.widgets.bulk_columns import map_columns

            try:
                check = runner.check(spec)
            except B24NotifyError as err:
                self.target.post_message(Checked(seq, None, error=err))
                return
            except BaseException:
                self.target.post_message(Checked(seq, None))
                raise
            try:
                found: ColumnMap | None = map_columns(
                    self.service,
                    template=spec.template,
                    data=spec.data,
                    to=spec.to,
                    profile=spec.profile,
                    columns=check.columns,
                )
            except B24NotifyError:
                found = None  # the check holds the facts; the map is a help
            earlier = runs_of_same_file(check)
            self.target.post_message(Checked(seq, check, found=found, earlier=earlier))

        return job

    def send(
        self, runner: BulkRunner, call: Callable[[BulkRunner], Awaitable[BulkReport]]
    ) -> Callable[[], Awaitable[None]]:
        """A run or a resume on the event loop; always posts ``RunEnded``."""

        async def job() -> None:
            report: BulkReport | None = None
            try:
                report = await call(runner)
            finally:
                self.target.post_message(RunEnded(report))

        return job

    def plan(self, runner: BulkRunner, run_id: str, *, direct: bool) -> Callable[[], None]:
        """What resuming ``run_id`` would do (reads history and checks the rows left)."""

        def job() -> None:
            plan = None
            try:
                plan = runner.plan_resume(run_id)
            finally:
                self.target.post_message(Planned(run_id, plan, direct=direct))

        return job

    def runs(self) -> None:
        self.target.post_message(RunsLoaded(list(self.service.history.runs(RUNS_LISTED))))

    def rows(self, run_id: str) -> Callable[[], None]:
        def job() -> None:
            self.target.post_message(RowsLoaded(run_id, self.service.history.run_rows(run_id)))

        return job


def runs_of_same_file(check: BulkCheck) -> tuple[str, ...]:
    """Recent runs that sent this exact data file (same bytes) with this template."""
    import json

    from b24notify.core.bulk_runs import runs_dir

    try:
        records = sorted(runs_dir().glob("r*.json"), reverse=True)[:EARLIER_LOOKED_AT]
    except OSError:
        return ()
    found: list[str] = []
    for path in records:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (
            isinstance(data, dict)
            and data.get("data_fingerprint") == check.fingerprint
            and data.get("template_hash") == check.template_hash
            and isinstance(data.get("run_id"), str)
        ):
            found.append(data["run_id"])
    return tuple(found)
