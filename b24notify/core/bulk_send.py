"""The send pass of a bulk run: rows paced through the portal's limits, each outcome recorded.

:class:`SendPass` streams the data file a second time (after the check),
renders each row again, writes every batch ahead to history as ``pending``,
waits until the shared leaky bucket and the method's operating-time budget let
the request go, sends it (``batch`` of up to 50 for v1, one request per
message for v2) and records each row's outcome. The rules it follows are in
the docstring of :mod:`b24notify.core.bulk`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from b24notify.core.bulk_check import BulkCheck, CancelToken, RowRejected, RowRenderer
from b24notify.core.bulk_data import DataRow
from b24notify.core.bulk_report import RowsReport
from b24notify.core.bulk_results import BulkProgress, BulkReport, Phase, RunState, UnknownRow
from b24notify.core.bulk_runs import RunRecord, runs_dir
from b24notify.core.errors import B24NotifyError
from b24notify.core.models import ApiVersion

if TYPE_CHECKING:
    from b24notify.core.api_errors import ApiError
    from b24notify.core.client import B24Client
    from b24notify.core.client_types import BatchResult
    from b24notify.core.config import Profile
    from b24notify.core.service import PreparedSend, Service

MAX_REQUEUES = 30
"""Times one row may be refused for limits and queued again before it counts as failed."""
MAX_UNKNOWN_STREAK = 5
"""Requests in a row whose answer was lost before a run stops (the portal is in trouble)."""
MAX_UNKNOWN_LISTED = 1000

# Refusals that every other row would meet too: stop the run instead of failing each row.
_FATAL_CODES = frozenset(
    {
        "ACCESS_DENIED",
        "APPLICATION_NOT_FOUND",
        "APP_ID_ERROR",
        "BOT_ID_ERROR",
        "BOT_ID_REQUIRED",
        "BOT_NOT_FOUND",
        "BOT_OWNERSHIP_ERROR",
        "BOT_TOKEN_INVALID_LENGTH",
        "BOT_TOKEN_NOT_SPECIFIED",
        "CLIENT_ID_NOT_SPECIFIED",
        "ERROR_BATCH_LENGTH_EXCEEDED",
        "ERROR_BATCH_METHOD_NOT_ALLOWED",
        "ERROR_METHOD_NOT_FOUND",
        "INSUFFICIENT_SCOPE",
        "INVALID_CREDENTIALS",
        "INVALID_REQUEST",
        "METHOD_CONFIRM_DENIED",
        "METHOD_CONFIRM_WAITING",
        "NOT_INSTALLED",
        "NO_AUTH_FOUND",
        "OVERLOAD_LIMIT",
        "PAYMENT_REQUIRED",
        "PORTAL_DELETED",
        "USER_ACCESS_ERROR",
        "WRONG_AUTH_TYPE",
    }
)
# v2 answers ACCESS_DENIED when the bot is not in that one chat: a row's problem.
_ROW_CODES_V2 = frozenset({"ACCESS_DENIED"})


@dataclass
class _Item:
    row: DataRow
    prepared: PreparedSend
    history_id: int | None = None
    requeued: int = 0


@dataclass
class RowOutcome:
    """What became of one row's request: a final status, or ``retry`` (refused for limits)."""

    status: Literal["sent", "failed", "unknown", "retry"]
    message_id: int | None = None
    code: str | None = None
    description: str | None = None
    hint: str | None = None
    http_status: int | None = None
    attempts: int = 1
    duration_ms: float = 0.0
    retry_at: float | None = None

    def error_text(self) -> str:
        detail = self.description or self.hint or ""
        text = f"{self.status}: {self.code}" if self.code else self.status
        return f"{text}: {detail}" if detail else text


class _Stop(Exception):
    """The run cannot go on (the reason is one sentence)."""


@dataclass
class _Context:
    record: RunRecord
    renderer: RowRenderer
    check: BulkCheck
    profile: Profile
    client: B24Client
    api: ApiVersion
    method: str
    batch_size: int
    state: RunState | None
    resend: frozenset[int]
    report: RowsReport
    result: BulkReport
    started: float = 0.0
    not_before: float = 0.0
    unknown_streak: int = 0
    halted: bool = False

    def halt(self, reason: str) -> None:
        """Stop the run after this request: every other row would fail the same way."""
        self.result.stopped = reason
        self.halted = True


class SendPass:
    """Sends the rows of one run session and reports how it went."""

    def __init__(
        self,
        service: Service,
        *,
        batch_size: int,
        on_progress: Callable[[BulkProgress], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        self.service = service
        self.batch_size = batch_size
        self.on_progress = on_progress
        self.cancel = cancel

    async def run(
        self,
        record: RunRecord,
        renderer: RowRenderer,
        check: BulkCheck,
        profile: Profile,
        state: RunState | None,
        resend: frozenset[int],
        report: Path | None,
    ) -> BulkReport:
        api = renderer.api
        result = BulkReport(check=check, run_id=record.run_id, resumed=state is not None)
        default_name = (
            f"{record.run_id}-failed.{'jsonl' if renderer.data.kind == 'jsonl' else 'csv'}"
        )
        writer = RowsReport(
            report if report is not None else runs_dir() / default_name,
            renderer.data,
            columns=check.columns if renderer.data.kind == "jsonl" else None,
            always=report is not None,
        )
        ctx = _Context(
            record=record,
            renderer=renderer,
            check=check,
            profile=profile,
            client=self.service.client(profile),
            api=api,
            method=check.method,
            batch_size=self.batch_size if api == "v1" else 1,
            state=state,
            resend=resend,
            report=writer,
            result=result,
            started=time.monotonic(),
        )
        try:
            await self._send_all(ctx)
        finally:
            result.duration = time.monotonic() - ctx.started
            result.report_path = writer.close()
            result.reported_rows = writer.count
            result.not_sent = max(0, check.to_send - result.sent - result.failed - result.unknown)
            result.run_counts = self.service.history.run_status(record.run_id)
        self._emit(self._progress(ctx, "done"))
        return result

    async def _send_all(self, ctx: _Context) -> None:
        items = self._items(ctx)
        retry: deque[_Item] = deque()
        exhausted = False
        batch: list[_Item] = []
        try:
            self._emit(self._progress(ctx, "sending"))
            while True:
                if self._cancelled():
                    ctx.result.cancelled = True
                    break
                batch = [retry.popleft() for _ in range(min(len(retry), ctx.batch_size))]
                while not exhausted and ctx.result.stopped is None and len(batch) < ctx.batch_size:
                    try:
                        batch.append(next(items))
                    except StopIteration:
                        exhausted = True
                    except _Stop as stop:
                        ctx.result.stopped = str(stop)
                        exhausted = True
                if not batch:
                    break
                if not await self._until_ready(ctx):
                    ctx.result.cancelled = True
                    break
                await self._send_batch(ctx, batch, retry)
                batch = []
                self._emit(self._progress(ctx, "sending"))
                if ctx.halted:
                    break
        finally:
            # Rows refused for limits and waiting their turn were not processed by
            # the portal: they failed, and a resume sends them.
            leftover = [item for item in (*retry, *batch) if item.history_id is not None]
            reason = "stopped" if ctx.result.stopped else "cancelled"
            for item in leftover:
                self._finish(
                    ctx,
                    item,
                    RowOutcome(
                        "failed",
                        code="NOT_SENT",
                        description=f"not sent: the run was {reason} while this row waited "
                        "for the portal's limits; resume the run to send it",
                    ),
                )

    def _items(self, ctx: _Context) -> Iterator[_Item]:
        """The rows this session sends, rendered one at a time; skipped rows are counted."""
        expected = ctx.check.template_hash
        for row in ctx.renderer.data.rows(ctx.record.limit):
            status = ctx.state.status(row.number) if ctx.state is not None else None
            if status == "sent":
                ctx.result.skipped_sent += 1
                continue
            if status == "unknown" and row.number not in ctx.resend:
                ctx.result.skipped_unknown += 1
                assert ctx.state is not None
                known = ctx.state.unknown.get(row.number)
                if known is not None:
                    self._list_unknown(ctx, known)
                ctx.report.add(
                    row,
                    "unknown: an earlier attempt may have arrived"
                    + (f" ({known.error})" if known is not None and known.error else "")
                    + "; check the chat before sending it again",
                )
                continue
            try:
                prepared = ctx.renderer.prepare(row)
            except RowRejected as err:
                raise _Stop(
                    f"row {row.number} no longer passes the check (did the data file or the "
                    f"template change during the run?): {err.problems[0]}"
                ) from None
            if prepared.template_hash != expected:
                raise _Stop(
                    f"the template {ctx.record.template} changed on disk during the run; rows "
                    "from here on were not sent; check it and resume the run"
                )
            yield _Item(row, prepared)

    async def _until_ready(self, ctx: _Context) -> bool:
        """Wait until a request may go without tripping a limit; False when cancelled meanwhile."""
        client = ctx.client
        announced = 0.0
        while True:
            now = time.monotonic()
            waits = {
                "rate": client.bucket.time_until_available(),
                "operating": client.operating.wait_needed(ctx.method),
                "retry": ctx.not_before - now,
            }
            why = max(waits, key=lambda k: waits[k])
            wait = waits[why]
            if wait <= 0:
                return True
            if self._cancelled():
                return False
            if wait >= 1.0 and now - announced >= 1.0:
                announced = now
                note = {
                    "rate": "waiting for the portal's request limit",
                    "operating": "waiting for the method's operating-time budget to reset",
                    "retry": "the portal refused for its limits; waiting before sending again",
                }[why]
                self._emit(self._progress(ctx, "waiting", note=f"{note} ({wait:.0f} s)"))
            await asyncio.sleep(min(wait, 0.2))

    async def _send_batch(self, ctx: _Context, batch: list[_Item], retry: deque[_Item]) -> None:
        history = self.service.history
        new = [item for item in batch if item.history_id is None]
        if new:
            ids = history.record_pending_many(
                item.prepared.history_fields(
                    ctx.profile, run_id=ctx.record.run_id, row_number=item.row.number
                )
                for item in new
            )
            for item, history_id in zip(new, ids, strict=True):
                item.history_id = history_id
        try:
            if ctx.api == "v1":
                outcomes = await self._call_batch(ctx, batch)
            else:
                outcomes = [await self._call_single(ctx, batch[0])]
        except BaseException as err:
            # Stopped while the request was out: it may have been processed.
            for item in batch:
                self._finish(
                    ctx,
                    item,
                    RowOutcome(
                        "unknown",
                        code="INTERRUPTED",
                        description=f"b24notify was stopped ({type(err).__name__}) while the "
                        "request was in flight",
                    ),
                )
            batch.clear()
            raise
        for item, outcome in zip(batch, outcomes, strict=True):
            if outcome.status == "retry":
                item.requeued += 1
                if item.requeued <= MAX_REQUEUES:
                    retry.append(item)
                    wait = _retry_wait(outcome.retry_at, item.requeued)
                    ctx.not_before = max(ctx.not_before, time.monotonic() + wait)
                    continue
                outcome = dataclasses.replace(outcome, status="failed")
            self._finish(ctx, item, outcome)

    async def _call_batch(self, ctx: _Context, batch: list[_Item]) -> list[RowOutcome]:
        from b24notify.core.api_errors import ApiError

        commands = {f"r{item.row.number}": (ctx.method, item.prepared.params) for item in batch}
        try:
            result = await ctx.client.batch(commands)
        except ApiError as err:
            outcome = self._whole_request(ctx, err, per_row=False)
            return [outcome] * len(batch)
        except B24NotifyError as err:
            ctx.halt(str(err))
            return [RowOutcome("failed", code="CLIENT_ERROR", description=str(err))] * len(batch)
        ctx.unknown_streak = 0
        outcomes = batch_outcomes(result, list(commands))
        failed = [o for o in outcomes if o.status == "failed"]
        codes = {(o.code or "").upper() for o in failed}
        if len(failed) == len(outcomes) and len(codes) == 1 and codes <= _FATAL_CODES:
            first = failed[0]
            ctx.halt(
                f"the portal refused every message of a batch with {first.code}"
                + (f": {first.hint}" if first.hint else "")
            )
        return outcomes

    async def _call_single(self, ctx: _Context, item: _Item) -> RowOutcome:
        from b24notify.core.api_errors import ApiError

        try:
            result = await ctx.client.send(ctx.method, item.prepared.params)
        except ApiError as err:
            return self._whole_request(ctx, err, per_row=True)
        except B24NotifyError as err:
            ctx.halt(str(err))
            return RowOutcome("failed", code="CLIENT_ERROR", description=str(err))
        ctx.unknown_streak = 0
        return RowOutcome(
            "sent",
            message_id=result.message_id,
            http_status=result.http_status,
            attempts=result.attempts,
            duration_ms=result.duration * 1000,
        )

    def _whole_request(self, ctx: _Context, err: ApiError, *, per_row: bool) -> RowOutcome:
        """The outcome of every row of a request that failed as a whole; may stop the run."""
        outcome = _error_outcome(
            err, {"http_status": err.http_status, "attempts": getattr(err, "attempts", 1)}
        )
        if outcome.status == "unknown":
            ctx.unknown_streak += 1
            if ctx.unknown_streak >= MAX_UNKNOWN_STREAK:
                ctx.halt(
                    f"{ctx.unknown_streak} requests in a row got no usable answer ({err.code}); "
                    "stopped so that no more messages end up unknown; resume the run later"
                )
            return outcome
        ctx.unknown_streak = 0
        if outcome.status == "failed" and stops_run(err, per_row=per_row):
            ctx.halt(str(err))
        return outcome

    # ---- bookkeeping -----------------------------------------------------------------------

    def _finish(self, ctx: _Context, item: _Item, outcome: RowOutcome) -> None:
        assert item.history_id is not None
        self.service.history.finish(
            item.history_id,
            "failed" if outcome.status == "retry" else outcome.status,
            message_id=outcome.message_id,
            error_code=outcome.code,
            error_description=outcome.description or outcome.hint,
            http_status=outcome.http_status,
            attempts=outcome.attempts,
            duration_ms=outcome.duration_ms,
        )
        result = ctx.result
        if outcome.status == "sent":
            result.sent += 1
            return
        if outcome.status == "unknown":
            result.unknown += 1
            self._list_unknown(
                ctx,
                UnknownRow(
                    item.row.number,
                    item.prepared.options.dialog_id or "",
                    item.history_id,
                    f"{outcome.code}: {outcome.description or outcome.hint or ''}".rstrip(": "),
                ),
            )
            ctx.report.add(item.row, outcome.error_text() + "; check the chat before resending")
        else:
            result.failed += 1
            ctx.report.add(item.row, outcome.error_text())

    @staticmethod
    def _list_unknown(ctx: _Context, row: UnknownRow) -> None:
        if len(ctx.result.unknown_rows) < MAX_UNKNOWN_LISTED:
            ctx.result.unknown_rows.append(row)

    def _progress(self, ctx: _Context, phase: Phase, *, note: str = "") -> BulkProgress:
        result = ctx.result
        elapsed = time.monotonic() - ctx.started
        done = result.sent + result.failed + result.unknown
        remaining = max(0, ctx.check.to_send - done)
        eta: float | None = None
        if phase != "done":
            bucket = ctx.client.bucket
            requests = -(-remaining // ctx.batch_size)
            free = max(0.0, bucket.capacity - bucket.level)
            eta = max(0.0, requests - free) / bucket.drain
            if done and elapsed > 0:
                eta = max(eta, remaining / (done / elapsed) if remaining else 0.0)
        return BulkProgress(
            phase,
            run_id=ctx.record.run_id,
            checked=ctx.check.rows,
            total=ctx.check.to_send,
            sent=result.sent,
            failed=result.failed,
            unknown=result.unknown,
            skipped=result.skipped_sent + result.skipped_unknown,
            elapsed=elapsed,
            eta=eta,
            note=note,
        )

    def _emit(self, progress: BulkProgress) -> None:
        if self.on_progress is not None:
            self.on_progress(progress)

    def _cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()


def stops_run(err: ApiError, *, per_row: bool) -> bool:
    """True when every other row would meet this refusal too, so the run should stop.

    Credentials, the bot, the portal (blocked, moved, unreachable) and the
    method are the same for every row. ``per_row`` marks a v2 single send, where
    ``ACCESS_DENIED`` means the bot is not in that one chat.
    """
    from b24notify.core.api_errors import AuthError, PortalMovedError, RateLimited, TransportError

    if err.outcome == "unknown" or isinstance(err, RateLimited):
        return False
    code = err.code.upper()
    if per_row and code in _ROW_CODES_V2:
        return False
    return isinstance(err, AuthError | TransportError | PortalMovedError) or code in _FATAL_CODES


def batch_outcomes(result: BatchResult, keys: list[str]) -> list[RowOutcome]:
    """Each command's outcome in a batch answer, in ``keys`` order.

    A result is ``sent`` with its message id; a command error is ``failed``
    with the portal's code, ``unknown`` when the code leaves the effect open,
    or ``retry`` when the portal refused it for its limits (nothing was done);
    a command the answer does not mention is ``unknown``.
    """
    from b24notify.core.rest import message_id_of

    call = result.call
    common: dict[str, Any] = {
        "http_status": call.http_status,
        "attempts": call.attempts,
        "duration_ms": call.duration * 1000,
    }
    outcomes = []
    for key in keys:
        status = result.status(key)
        error = result.errors.get(key)
        if status == "sent":
            outcomes.append(
                RowOutcome("sent", message_id=message_id_of(result.results[key]), **common)
            )
        elif error is not None:
            outcomes.append(_error_outcome(error, common))
        else:
            outcomes.append(
                RowOutcome(
                    status,
                    code="NO_ANSWER",
                    description="the portal's batch answer has no result for this message",
                    **common,
                )
            )
    return outcomes


def _error_outcome(err: ApiError, common: dict[str, Any]) -> RowOutcome:
    from b24notify.core.api_errors import RateLimited

    fields = {
        "code": err.code,
        "description": err.description or None,
        "hint": err.hint,
        **common,
    }
    if isinstance(err, RateLimited) and err.retryable:
        return RowOutcome("retry", retry_at=err.retry_at, **fields)
    return RowOutcome("unknown" if err.outcome == "unknown" else "failed", **fields)


def _retry_wait(retry_at: float | None, round_: int) -> float:
    """Seconds before rows refused for limits go again: the portal's time, else a backoff."""
    if retry_at is not None:
        return max(0.5, retry_at - time.time())
    return min(60.0, 2.0 * 2 ** (round_ - 1))
