"""The ``b24notify bulk`` command: a dry run unless ``--send``; ``--resume RUN`` goes on with a run.

A dry run prints the check: totals, every problem with its row, line and
column (the first 20; ``--report`` writes them all), the validator's warnings,
the first requests (secrets masked) and the time the rate limit sets. A real
run shows a progress bar on a terminal (sent / failed / unknown, rate, ETA)
and ends with the report: counts, duration, messages per second, the unknown
rows to check by hand and the file of failed and unknown rows.

Ctrl+C once stops after the batch in flight (resume later); twice aborts at
once, and the batch in flight is recorded as unknown. Exit codes: 0 every row
sent (or a dry run without problems), 1 a bad, failed, unknown or unsent row,
2 usage or configuration errors.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b24notify.core.errors import UsageError
from b24notify.core.humanize import count as _count
from b24notify.core.humanize import duration as _duration

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from b24notify.core.bulk import BulkCheck, BulkProgress, BulkReport, ResumePlan
    from b24notify.core.service import Service

PROBLEMS_SHOWN = 20
UNKNOWN_SHOWN = 20


def run_bulk(args: Any, service: Service) -> int:
    """Run ``b24notify bulk`` with parsed ``args``; returns the exit code."""
    if args.limit is not None and args.limit < 1:
        raise UsageError(f"--limit must be at least 1, not {args.limit}.")
    if args.resend_unknown and not args.resume:
        raise UsageError("--resend-unknown goes with --resume RUN.")
    service.recover()
    view = _View()
    try:
        if args.resume:
            return _resume(args, service, view)
        return _new_run(args, service, view)
    finally:
        view.stop()


# ---- a new run -----------------------------------------------------------------------------


def _new_run(args: Any, service: Service, view: _View) -> int:
    from b24notify.core.bulk import BulkRunner, BulkSpec

    if not args.template or not args.data:
        raise UsageError("bulk needs a TEMPLATE and a DATA file (or --resume RUN).")
    spec = BulkSpec(
        template=args.template,
        data=Path(args.data),
        to=args.to_column,
        profile=args.profile,
        api=args.api,
        limit=args.limit,
    )
    runner = BulkRunner(service, on_progress=view.progress, cancel=view.cancel)
    report_path = Path(args.report).expanduser() if args.report else None
    check = runner.check(spec, report=report_path)
    view.stop()
    _print_check(check)
    if not check.ok:
        print("Nothing was sent: fix the rows above and run again.", file=sys.stderr)
        return 1
    if not args.send:
        print(f"Dry run: nothing was sent. Add --send to send {_count(check.to_send, 'message')}.")
        return 0
    question = (
        f"Send {_count(check.to_send, 'message')} from {check.spec.template} "
        f"via profile {check.profile!r} ({check.api})?"
    )
    if not _confirm(args, question):
        print("Nothing was sent.")
        return 1
    report = _drive(
        service, view, lambda: runner.send(spec, checked=check, report=report_path), check
    )
    if report is None:
        return 130
    _print_report(report)
    return report.exit_code


# ---- resuming ------------------------------------------------------------------------------


def _resume(args: Any, service: Service, view: _View) -> int:
    from b24notify.core.bulk import BulkRunner

    runner = BulkRunner(service, on_progress=view.progress, cancel=view.cancel)
    resend = tuple(args.resend_unknown)
    plan = runner.plan_resume(args.resume, resend_unknown=resend)
    view.stop()
    _check_same_run(args, plan)
    _print_plan(plan)
    if plan.busy:
        raise UsageError(
            f"Run {plan.record.run_id} is being sent by another b24notify process; "
            "wait for it to finish before resuming."
        )
    if not plan.check.ok:
        _print_check(plan.check)
        print("Nothing was sent: the run's rows no longer pass the check.", file=sys.stderr)
        return 1
    if plan.check.to_send == 0:
        print(
            "Nothing is left to send."
            + (" Check the unknown rows above." if plan.state.unknown else "")
        )
        return 0 if not plan.state.unknown else 1
    if not args.send:
        print(
            f"Dry run: nothing was sent. Add --send to send the "
            f"{_count(plan.check.to_send, 'row')} left."
        )
        return 0
    if not _confirm(
        args, f"Send the {_count(plan.check.to_send, 'row')} left of run {plan.record.run_id}?"
    ):
        print("Nothing was sent.")
        return 1
    report_path = Path(args.report).expanduser() if args.report else None
    report = _drive(
        service,
        view,
        lambda: runner.resume(
            plan.record.run_id, resend_unknown=resend, report=report_path, plan=plan
        ),
        plan.check,
    )
    if report is None:
        return 130
    _print_report(report)
    return report.exit_code


def _check_same_run(args: Any, plan: ResumePlan) -> None:
    """Positional TEMPLATE/DATA are optional with --resume; given, they must be the run's."""
    record = plan.record
    if args.template and args.template != record.template:
        raise UsageError(
            f"Run {record.run_id} sends template {record.template!r}, not {args.template!r}; "
            "--resume needs no template or data."
        )
    if args.data and Path(args.data).expanduser().resolve() != Path(record.data):
        raise UsageError(
            f"Run {record.run_id} reads {record.data}, not {args.data}; "
            "--resume needs no template or data."
        )


# ---- sending: signals, progress ----------------------------------------------------------


def _drive(
    service: Service,
    view: _View,
    start: Callable[[], Awaitable[BulkReport]],
    check: BulkCheck,
) -> BulkReport | None:
    """Run the send coroutine with Ctrl+C wired to a clean stop; None when aborted."""

    async def main() -> BulkReport:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        presses = 0

        def interrupt() -> None:
            nonlocal presses
            presses += 1
            if presses == 1:
                view.cancel.set()
                view.say("Stopping after the batch in flight… (Ctrl+C again to abort at once)")
            elif task is not None:
                task.cancel()

        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, interrupt)
                installed.append(sig)
            except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
                pass
        view.start_sending(check.to_send)
        try:
            return await start()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
            await service.aclose()

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        view.stop()
        print(
            "b24notify: aborted; the batch in flight is recorded as unknown. "
            "See `b24notify history` and resume the run for the rest.",
            file=sys.stderr,
        )
        return None
    finally:
        view.stop()


class _View:
    """The live part of the output: a rich progress bar on a terminal, nothing otherwise."""

    def __init__(self) -> None:
        self.cancel = threading.Event()
        self._console: Console | None = None
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._sending = False

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)
        return self._console

    def _ensure(self, description: str, total: int | None) -> None:
        if not self.console.is_terminal:
            return
        if self._progress is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
            )

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TextColumn("{task.fields[rate]}"),
                TextColumn("{task.fields[eta]}"),
                console=self.console,
                transient=False,
            )
            self._progress.start()
        if self._task is None:
            self._task = self._progress.add_task(
                description, total=total, counts="", rate="", eta=""
            )
        else:
            self._progress.update(self._task, description=description, total=total)

    def start_sending(self, total: int) -> None:
        self._sending = True
        self._ensure("Sending", total)

    def progress(self, p: BulkProgress) -> None:
        if p.phase == "checking":
            if not self._sending:
                self._ensure("Checking rows", None)
                if self._progress is not None and self._task is not None:
                    self._progress.update(
                        self._task, completed=p.checked, counts="", rate="", eta=""
                    )
            return
        self._sending = True
        description = {"sending": "Sending", "waiting": "Waiting", "done": "Done"}[p.phase]
        if p.phase == "done" and p.done < p.total:
            description = "Stopped"
        self._ensure(description, p.total)
        if self._progress is None or self._task is None:
            return
        counts = (
            f"[green]{p.sent:,} sent[/] · [red]{p.failed:,} failed[/] · "
            f"[yellow]{p.unknown:,} unknown[/]"
        )
        rate = f"{p.rate:,.1f} msg/s" if p.elapsed > 0 else ""
        eta = f"ETA {_duration(p.eta)}" if p.eta is not None else ""
        if p.note:
            eta = f"{eta} · {p.note}" if eta else p.note
        self._progress.update(
            self._task, completed=p.done, counts=counts, rate=rate, eta=eta, description=description
        )

    def say(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text)
        else:
            print(text, file=sys.stderr)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._task = None


# ---- printing ----------------------------------------------------------------------------------


def _print_check(check: BulkCheck) -> None:
    spec = check.spec
    print(
        f"Checked {spec.template} × {Path(spec.data).name} ({check.data_format}): "
        f"{_count(check.rows, 'row')}, {check.ready:,} ready, {check.bad:,} with problems "
        f"({check.duration:.1f} s)."
    )
    print(f"Profile {check.profile!r}, API {check.api} ({check.method}).")
    if check.ignored_columns:
        print(
            "Columns that are not template variables (ignored): " + ", ".join(check.ignored_columns)
        )
    if check.problems:
        print("Problems:")
        for problem in check.problems[:PROBLEMS_SHOWN]:
            print(f"  {problem}")
        more = check.bad - len({p.row for p in check.problems[:PROBLEMS_SHOWN]})
        if more > 0:
            print(f"  … and {_count(more, 'more row')} with problems.")
    if check.report_path is not None and check.bad:
        print(f"Rows with problems, each with its error: {check.report_path}")
    elif check.bad:
        print("Add --report FILE to get the rows with problems in a file, ready to fix.")
    if check.warnings:
        print("Warnings (the portal would change these messages):")
        for code, seen in check.warnings.items():
            print(f"  {code} ×{seen.count:,}, first at {seen.first}")
    if check.previews:
        print("First requests (secrets masked):")
        for index, preview in enumerate(check.previews):
            print(f"  row {preview.row} → {preview.dialog}: {preview.method}")
            if index == 0:
                body = json.dumps(preview.params, ensure_ascii=False, indent=2)
                print("    " + body.replace("\n", "\n    "))
            else:
                print("    " + json.dumps(preview.params, ensure_ascii=False))
    if check.to_send:
        calls = _count(check.requests, "batch call" if check.api == "v1" else "request")
        pace = (
            f"at {check.drain:g}/s with a burst of {check.burst} that takes at least "
            f"{_duration(check.estimate_seconds)}"
            if check.estimate_seconds > 0
            else f"they fit in the portal's burst of {check.burst}"
        )
        print(f"Sending {_count(check.to_send, 'message')} takes {calls}; {pace}.")


def _print_plan(plan: ResumePlan) -> None:
    record, check, counts = plan.record, plan.check, plan.state.counts
    print(
        f"Run {record.run_id}: {record.template} × {record.data} "
        f"(profile {record.profile!r}, {record.api}, started {record.created_at[:19]})."
    )
    never = max(0, check.ready - sum(counts.get(s, 0) for s in ("sent", "failed", "unknown")))
    print(
        f"  {counts.get('sent', 0):,} sent earlier (skipped), "
        f"{counts.get('unknown', 0):,} unknown (skipped), "
        f"{counts.get('failed', 0):,} failed (sent again), {never:,} never tried (sent)."
    )
    if plan.template_changed:
        print(f"  Note: the template {record.template} changed since the run started.")
    _print_unknown(plan.unknown_rows, len(plan.state.unknown))


def _print_unknown(rows: list[Any], total: int) -> None:
    if not total:
        return
    print(
        "Unknown rows: they may or may not have arrived. Check these chats; "
        "b24notify does not send them again:"
    )
    for row in rows[:UNKNOWN_SHOWN]:
        detail = f": {row.error}" if row.error else ""
        print(f"  row {row.row} → {row.dialog} (history #{row.history_id}){detail}")
    if total > UNKNOWN_SHOWN:
        print(f"  … and {total - UNKNOWN_SHOWN:,} more.")


def _print_report(report: BulkReport) -> None:
    check = report.check
    print(
        f"Run {report.run_id}: {report.sent:,} sent, {report.failed:,} failed, "
        f"{report.unknown:,} unknown of {_count(check.to_send, 'row')} in "
        f"{_duration(report.duration)} ({report.messages_per_second:,.1f} messages/s)."
    )
    skipped = [
        text
        for n, text in (
            (report.skipped_sent, f"{_count(report.skipped_sent, 'row')} sent earlier"),
            (report.skipped_unknown, f"{_count(report.skipped_unknown, 'row')} left unknown"),
        )
        if n
    ]
    if skipped:
        print("  Skipped " + " and ".join(skipped) + ".")
    if report.stopped:
        print(f"  Stopped: {report.stopped}.")
    elif report.cancelled:
        print("  Cancelled.")
    if report.not_sent:
        print(f"  {_count(report.not_sent, 'row')} not sent.")
    counts = report.run_counts
    if report.resumed or report.not_sent:
        print(
            f"  The run now: {counts.get('sent', 0):,} sent, {counts.get('failed', 0):,} failed, "
            f"{counts.get('unknown', 0):,} unknown of {_count(check.rows, 'row')}."
        )
    _print_unknown(report.unknown_rows, report.unknown + report.skipped_unknown)
    if report.report_path is not None and report.reported_rows:
        print(
            f"Failed and unknown rows: {report.report_path} "
            "(fix them and send that file as a new run)."
        )
    if report.not_sent or (report.failed and not report.stopped):
        print(f"Resume: b24notify bulk --resume {report.run_id} --send")
    elif report.stopped and (report.failed or report.not_sent):
        print(f"Once that is fixed: b24notify bulk --resume {report.run_id} --send")


def _confirm(args: Any, question: str) -> bool:
    if args.yes or not sys.stdin.isatty():
        return True
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")
