"""Bulk sends ("mail merge"): one template, a data file, many dialogs; checked, paced, resumable.

How the CLI's ``bulk`` command and the UI's Bulk screen drive a run::

    runner = BulkRunner(service, on_progress=show, cancel=stop_event)
    check = runner.check(spec)                       # dry run: every row rendered and validated
    report = await runner.send(spec, checked=check)  # a new run; refused if any row is bad
    plan = runner.plan_resume(run_id)                # what a resume would skip, list and send
    report = await runner.resume(run_id, plan=plan, resend_unknown=rows_the_user_chose)

``check`` is synchronous (file reading and rendering; run it in a worker
thread from a UI). ``send``/``resume`` are coroutines; their own check pass
(skipped when given a still-valid ``checked`` / ``plan``) runs in a worker
thread (``asyncio.to_thread``) so the event loop stays free. ``BulkReport``
has the counts, the unknown rows (``UnknownRow``: row, dialog, history id)
and the path of the failed-rows file; ``exit_code`` is 0 only when every row
of the run is sent. Runs are remembered in ``<data dir>/runs/<run id>.json``
(see :mod:`b24notify.core.bulk_runs`), so a resume needs only the run id.

Progress: ``on_progress(BulkProgress)`` is called every 500 rows of a check
pass, after every batch (v1) or message (v2), and about once a second while a
run waits for the portal's limits. It runs in the thread doing the work: the
caller's for ``check``, a worker thread for the check pass of ``send`` /
``resume``, the event loop's while sending. A Textual screen posts a message
from it; the CLI updates a rich progress bar.

Cancel: ``cancel`` is anything with ``is_set()`` (a ``threading.Event`` set from
any thread, or an ``asyncio.Event``). It is looked at before each batch and
during every wait: the batch in flight finishes and is recorded, rows not
reached get no history row, and ``resume`` sends them later. Cancelling the
task itself (a hard stop) records the batch in flight as ``unknown``.

What a run guarantees:

- every row is rendered and validated before anything is sent;
- every row sent is a history row with the run id and row number, committed
  as ``pending`` before its request leaves (one transaction per batch);
- v1 sends go in ``batch`` calls of up to 50 commands, v2 sends one request
  each (batching v2 is not verified against the docs); each request waits on
  the portal's shared leaky bucket and operating-time budget first, so a run
  goes at the limit without tripping it, and a refusal for limits (another
  client sharing the portal, ``OPERATION_TIME_LIMIT``) is waited out and the
  same rows sent again, which is safe because the portal did not process them;
- a batch whose answer is lost makes all its rows ``unknown``; a batch refused
  as a whole makes them ``failed`` with the code; per-command errors fail just
  their row; a refusal that would hit every row (credentials, bot, portal
  blocked) stops the run;
- ``unknown`` rows are never resent automatically: a resume skips them and
  lists them, and sends them again only when the caller names them;
- the data file's fingerprint is kept in the run record, and a changed file is
  not resumed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from b24notify.core.bulk_check import (
    MAX_BATCH,
    BulkCheck,
    BulkSpec,
    CancelToken,
    RowProblem,
    RowRenderer,
    check_rows,
)
from b24notify.core.bulk_data import open_data
from b24notify.core.bulk_report import RowsReport
from b24notify.core.bulk_results import (
    BulkProgress,
    BulkReport,
    RunState,
    UnknownRow,
    load_run_state,
)
from b24notify.core.bulk_runs import RunLock, RunRecord, new_run_id
from b24notify.core.bulk_send import SendPass
from b24notify.core.errors import DataFileError, UsageError
from b24notify.core.models import ApiVersion

if TYPE_CHECKING:
    from b24notify.core.config import Profile
    from b24notify.core.service import Service

__all__ = [
    "BulkCheck",
    "BulkProgress",
    "BulkReport",
    "BulkRunner",
    "BulkSpec",
    "CancelToken",
    "ResumePlan",
    "RowProblem",
    "RunState",
    "UnknownRow",
    "load_run_state",
]

ProgressCallback = Callable[[BulkProgress], None]


@dataclass
class ResumePlan:
    """What resuming a run would do: the check with skips, and the rows left unknown."""

    record: RunRecord
    check: BulkCheck
    state: RunState
    busy: bool = False
    template_changed: bool = False

    @property
    def unknown_rows(self) -> list[UnknownRow]:
        return sorted(self.state.unknown.values(), key=lambda u: u.row)


class BulkRunner:
    """Checks, sends and resumes bulk runs over one :class:`Service` (see the module docstring)."""

    def __init__(
        self,
        service: Service,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        batch_size: int = MAX_BATCH,
        preview_rows: int = 3,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise UsageError(f"A batch holds 1 to {MAX_BATCH} messages, not {batch_size}.")
        self.service = service
        self.on_progress = on_progress
        self.cancel = cancel
        self.batch_size = batch_size
        self.preview_rows = preview_rows

    # ---- the check pass (dry run) -------------------------------------------------

    def check(
        self,
        spec: BulkSpec,
        *,
        report: Path | None = None,
        skip: Callable[[int], bool] | None = None,
    ) -> BulkCheck:
        """Render and validate every row; send nothing. Bad rows go to ``report`` if given.

        Raises DataFileError (unreadable file, missing column), TemplateNotFound,
        ConfigError (profile); row problems are in the result.
        """
        if spec.limit is not None and spec.limit < 1:
            raise UsageError(f"--limit must be at least 1, not {spec.limit}.")
        profile, api = self._profile_api(spec)
        data = open_data(spec.data)
        renderer = RowRenderer(self.service, spec, profile, api, data)
        writer = RowsReport(report, data, always=True) if report is not None else None
        batch = self.batch_size if api == "v1" else 1

        def on_row(count: int) -> None:
            self._emit(BulkProgress("checking", checked=count))

        try:
            check = check_rows(
                renderer,
                batch_size=batch,
                skip=skip,
                report=writer,
                on_row=on_row,
                cancel=self.cancel,
                preview_rows=self.preview_rows,
            )
        except BaseException:
            if writer is not None:
                writer.discard()
            raise
        if writer is not None:
            check.report_path = writer.close()
        return check

    def _profile_api(self, spec: BulkSpec) -> tuple[Profile, ApiVersion]:
        from b24notify.core.errors import ConfigError

        profile = self.service.profile(spec.profile)
        api: ApiVersion = spec.api or profile.api
        if api != profile.api:
            profile = dataclasses.replace(profile, api=api)
        gaps = profile.problems()
        if gaps:
            raise ConfigError(gaps[0][:1].upper() + gaps[0][1:] + ".", key=profile.name)
        return profile, api

    # ---- a new run ----------------------------------------------------------------------

    async def send(
        self,
        spec: BulkSpec,
        *,
        checked: BulkCheck | None = None,
        report: Path | None = None,
    ) -> BulkReport:
        """Start a new run: check (unless ``checked`` is this spec's check), then send every row.

        Nothing is sent when any row is bad (``refused``). Failed and unknown
        rows go to ``report`` (default: ``<run id>-failed.csv`` in the runs
        folder, written only when there are such rows).
        """
        if checked is None or checked.spec != spec:
            checked = await asyncio.to_thread(self.check, spec)
        if not checked.ok:
            return BulkReport(
                check=checked, refused=not checked.cancelled, cancelled=checked.cancelled
            )
        profile, api = self._profile_api(spec)
        data = open_data(spec.data)
        if data.fingerprint() != checked.fingerprint:
            raise DataFileError(
                f"{data.name} changed after it was checked; check it again before sending."
            )
        renderer = RowRenderer(self.service, spec, profile, api, data)
        if renderer.template_hash != checked.template_hash:
            raise UsageError(
                f"The template {spec.template} changed after the check; check again before sending."
            )
        record = RunRecord(
            run_id=new_run_id(),
            template=renderer.template_name,
            data=str(Path(spec.data).expanduser().resolve()),
            profile=profile.name,
            api=api,
            to=spec.to,
            limit=spec.limit,
            data_fingerprint=checked.fingerprint,
            template_hash=checked.template_hash,
            rows=checked.rows,
        )
        with RunLock(record.run_id):
            record.save()
            return await self._run(record, renderer, checked, profile, None, frozenset(), report)

    # ---- resuming -------------------------------------------------------------------------

    def plan_resume(self, run_id: str, *, resend_unknown: Collection[int] = ()) -> ResumePlan:
        """What ``resume(run_id)`` would do, without sending: skips, unknown rows, rows to send.

        ``resend_unknown`` names unknown rows the user chose to send again.
        """
        record = RunRecord.load(run_id)
        busy = False
        try:
            RunLock(record.run_id).acquire().release()
        except UsageError:
            busy = True
        return self._plan(record, frozenset(int(r) for r in resend_unknown), busy=busy)

    def _plan(self, record: RunRecord, resend: frozenset[int], *, busy: bool) -> ResumePlan:
        self.service.recover()
        state = load_run_state(self.service.history, record.run_id)
        if state.counts.get("pending") and not busy:
            busy = True
        unknown = set(state.unknown)
        stray = sorted(resend - unknown)
        if stray:
            raise UsageError(
                f"Row {stray[0]} of run {record.run_id} is not unknown; only unknown rows "
                "can be chosen to send again."
            )
        spec = _spec_of(record)
        try:
            data = open_data(spec.data)
        except DataFileError as err:
            raise DataFileError(f"Run {record.run_id} cannot resume: {err}") from None
        if data.fingerprint() != record.data_fingerprint:
            raise DataFileError(
                f"Run {record.run_id} cannot resume: {data.path} changed since the run started, "
                "so its row numbers may now point at other rows. Send the rows that are left "
                "as a new run instead."
            )

        def skip(row: int) -> bool:
            status = state.status(row)
            return status == "sent" or (status == "unknown" and row not in resend)

        check = self.check(spec, skip=skip)
        return ResumePlan(
            record,
            check,
            state,
            busy=busy,
            template_changed=check.template_hash != record.template_hash,
        )

    async def resume(
        self,
        run_id: str,
        *,
        resend_unknown: Collection[int] = (),
        report: Path | None = None,
        plan: ResumePlan | None = None,
    ) -> BulkReport:
        """Send what a run has not sent: rows never tried and rows that failed.

        Rows already sent are skipped; unknown rows are skipped and listed unless
        their numbers are in ``resend_unknown`` (the user checked the chats).
        Works after a crash or a kill: rows left pending become unknown first.
        A ``plan`` from :meth:`plan_resume` saves a check pass when nothing
        changed since (the run's rows in history and the data file).
        """
        record = RunRecord.load(run_id)
        resend = frozenset(int(r) for r in resend_unknown)
        with RunLock(record.run_id):
            if plan is None or resend or not self._still_valid(plan):
                plan = await asyncio.to_thread(self._plan, record, resend, busy=False)
            if plan.state.counts.get("pending"):
                raise UsageError(
                    f"Run {record.run_id} still has rows in flight in another process; "
                    "wait for it to finish before resuming."
                )
            if not plan.check.ok:
                return BulkReport(
                    check=plan.check,
                    run_id=record.run_id,
                    resumed=True,
                    refused=not plan.check.cancelled,
                    cancelled=plan.check.cancelled,
                    template_changed=plan.template_changed,
                )
            profile, api = self._profile_api(plan.check.spec)
            data = open_data(plan.check.spec.data)
            renderer = RowRenderer(self.service, plan.check.spec, profile, api, data)
            report_ = await self._run(
                record, renderer, plan.check, profile, plan.state, resend, report
            )
            report_.template_changed = plan.template_changed
            return report_

    def _still_valid(self, plan: ResumePlan) -> bool:
        """True when history and the data file are as they were when ``plan`` was made."""
        self.service.recover()
        state = load_run_state(self.service.history, plan.record.run_id)
        if state.codes != plan.state.codes or state.counts != plan.state.counts:
            return False
        try:
            return open_data(plan.check.spec.data).fingerprint() == plan.check.fingerprint
        except DataFileError:
            return False

    async def _run(
        self,
        record: RunRecord,
        renderer: RowRenderer,
        check: BulkCheck,
        profile: Profile,
        state: RunState | None,
        resend: frozenset[int],
        report: Path | None,
    ) -> BulkReport:
        sender = SendPass(
            self.service,
            batch_size=self.batch_size,
            on_progress=self.on_progress,
            cancel=self.cancel,
        )
        return await sender.run(record, renderer, check, profile, state, resend, report)

    def _emit(self, progress: BulkProgress) -> None:
        if self.on_progress is not None:
            self.on_progress(progress)


def _spec_of(record: RunRecord) -> BulkSpec:
    return BulkSpec(
        template=record.template,
        data=Path(record.data),
        to=record.to,
        profile=record.profile,
        api=record.api,
        limit=record.limit,
    )
