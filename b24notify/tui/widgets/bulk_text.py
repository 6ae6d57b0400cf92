"""What the Bulk screen says: the dry run's totals, live progress, the end report, a preview.

Pure functions from the core's bulk results to Rich ``Text`` (no widgets, no
I/O), so the screen stays about layout and state and tests can read the
sentences without a terminal. The wording follows ``b24notify bulk`` on the
command line, so both say the same thing about the same run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from b24notify.core.humanize import count, duration
from b24notify.core.models import Rendered

if TYPE_CHECKING:
    from b24notify.core.bulk_check import BulkCheck
    from b24notify.core.bulk_results import BulkProgress, BulkReport

SENT_STYLE = "green"
FAILED_STYLE = "bold red"
UNKNOWN_STYLE = "bold yellow"


def calls_word(check: BulkCheck) -> str:
    """What one request of the run is: a ``batch`` call (v1) or a single request (v2)."""
    return "batch call" if check.api == "v1" else "request"


def estimate(check: BulkCheck) -> str:
    """How long the portal's limits make sending the rows the check found ready."""
    if not check.to_send:
        return "nothing to send"
    return (
        f"{count(check.requests, calls_word(check))} at {check.drain:g}/s with a burst of "
        f"{check.burst}: at least {duration(check.estimate_seconds)}"
    )


def check_summary(check: BulkCheck) -> Text:
    """The dry run in a few lines: what was checked, the totals, warnings, the time it will take."""
    spec = check.spec
    text = Text()
    text.append(f"{spec.template} × {Path(spec.data).name}", "bold")
    text.append(f" · {check.data_format} · profile {check.profile} ({check.api})\n")
    text.append(count(check.rows, "row"), "bold")
    text.append(": ")
    text.append(f"{check.ready:,} ready", SENT_STYLE if check.ready else "")
    text.append(", ")
    text.append(f"{check.bad:,} with problems", FAILED_STYLE if check.bad else "")
    if check.skipped:
        text.append(f", {check.skipped:,} skipped (sent or unknown earlier)")
    if check.duration >= 1:  # a big file: say what the check cost
        text.append(f" · checked in {duration(check.duration)}")
    if check.cancelled:
        text.append(" · stopped before the end", UNKNOWN_STYLE)
    if check.ignored_columns:
        text.append("\nIgnored columns (not template variables): ", "dim")
        text.append(", ".join(check.ignored_columns), "dim")
    for code, seen in check.warnings.items():
        text.append("\nWarning ", UNKNOWN_STYLE)
        text.append(f"{code} ×{seen.count:,}", "bold")
        text.append(f", first at {seen.first}")
    text.append("\n")
    if check.cancelled:
        text.append("The check was stopped: check again to see every row.", UNKNOWN_STYLE)
    elif check.ok:
        text.append(f"Ready: {count(check.to_send, 'message')}, ", SENT_STYLE)
        text.append(estimate(check), SENT_STYLE)
        text.append(". Nothing was sent yet: ctrl+s sends.", SENT_STYLE)
    elif check.bad:
        text.append("Nothing can be sent: fix the rows below and check again.", FAILED_STYLE)
    else:
        text.append("The file has no rows to send.", FAILED_STYLE)
    return text


def counts_text(sent: int, failed: int, unknown: int) -> Text:
    """``12 sent · 1 failed · 0 unknown`` in the status colours."""
    text = Text()
    text.append(f"{sent:,} sent", SENT_STYLE)
    text.append(" · ")
    text.append(f"{failed:,} failed", FAILED_STYLE if failed else "")
    text.append(" · ")
    text.append(f"{unknown:,} unknown", UNKNOWN_STYLE if unknown else "")
    return text


def progress_text(progress: BulkProgress) -> Text:
    """The line under the progress bar: counts, rate and time left (by the portal's limits)."""
    if progress.phase == "checking":
        return Text(f"Checking rows… {progress.checked:,} read", "italic")
    text = counts_text(progress.sent, progress.failed, progress.unknown)
    text.append(f" of {progress.total:,}")
    if progress.skipped:
        text.append(f" ({progress.skipped:,} skipped)", "dim")
    if progress.elapsed > 0:
        text.append(f" · {progress.rate:,.1f} msg/s")
    if progress.eta is not None and progress.phase != "done":
        text.append(f" · ETA {duration(progress.eta)}")
    text.append(f" · {duration(progress.elapsed)} elapsed", "dim")
    if progress.note:
        text.append(f"\n{progress.note}", "italic")
    return text


def report_text(report: BulkReport) -> Text:
    """How a run ended: counts, duration, rate, what was stopped or skipped, what to do next."""
    check = report.check
    text = Text()
    if report.refused:
        text.append("Nothing was sent: ", FAILED_STYLE)
        text.append("some rows do not pass the check (see Dry run).")
        return text
    head = "Resumed run " if report.resumed else "Run "
    text.append(f"{head}{report.run_id}", "bold")
    if report.complete:
        text.append(" · complete", SENT_STYLE)
    elif report.stopped:
        text.append(" · stopped", FAILED_STYLE)
    elif report.cancelled:
        text.append(" · stopped by you", UNKNOWN_STYLE)
    text.append("\n")
    text.append_text(counts_text(report.sent, report.failed, report.unknown))
    text.append(
        f" of {count(check.to_send, 'row')} in {duration(report.duration)} "
        f"({report.messages_per_second:,.1f} messages/s)"
    )
    if report.skipped_sent or report.skipped_unknown:
        text.append(
            f"\nSkipped {report.skipped_sent:,} rows sent earlier and "
            f"{report.skipped_unknown:,} left unknown earlier.",
            "dim",
        )
    if report.stopped:
        text.append(f"\nStopped: {report.stopped}.", FAILED_STYLE)
    if report.not_sent:
        text.append(
            f"\n{count(report.not_sent, 'row')} not sent yet: resume the run to send them.",
            UNKNOWN_STYLE,
        )
    if report.template_changed:
        text.append("\nThe template changed since the run started.", UNKNOWN_STYLE)
    counts = report.run_counts
    if report.resumed or report.not_sent:
        text.append("\nThe run now: ")
        text.append_text(
            counts_text(counts.get("sent", 0), counts.get("failed", 0), counts.get("unknown", 0))
        )
        text.append(f" of {count(check.rows, 'row')}")
    unknown = report.unknown + report.skipped_unknown
    if unknown:
        text.append(
            f"\n{count(unknown, 'row')} unknown: the message may or may not have arrived. "
            "Check those chats; they are never sent again unless you choose them on resume.",
            UNKNOWN_STYLE,
        )
    if report.report_path is not None and report.reported_rows:
        text.append("\nFailed and unknown rows: ", "bold")
        text.append(str(report.report_path))
        text.append(" (fix them and send that file as a new run)", "dim")
    return text


def rendered_of(params: dict[str, Any]) -> Rendered:
    """The message parts of a v1 or v2 request, as the chat preview takes them."""
    fields = params.get("fields")
    if isinstance(fields, dict):
        return Rendered(
            message=str(fields.get("message") or ""),
            attach=fields.get("attach"),
            keyboard=fields.get("keyboard"),
            menu=fields.get("menu"),
        )
    return Rendered(
        message=str(params.get("MESSAGE") or ""),
        attach=params.get("ATTACH"),
        keyboard=params.get("KEYBOARD"),
        menu=params.get("MENU"),
    )


def bot_of(params: dict[str, Any]) -> int | None:
    """The bot a request sends as (``BOT_ID`` / ``botId``), when it names one."""
    value = params.get("BOT_ID", params.get("botId"))
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def confirm_rows(
    check: BulkCheck, portal: str, earlier: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """What the send confirmation names: count, template, profile, requests, time, warnings."""
    rows = [
        ("Messages", f"{check.to_send:,} (a row each, from {Path(check.spec.data).name})"),
        ("Template", check.spec.template),
        ("Profile", f"{check.profile} ({portal})"),
        ("Method", f"{check.method} ({check.api})"),
        ("Requests", count(check.requests, calls_word(check))),
        (
            "Time",
            f"at least {duration(check.estimate_seconds)} ({check.drain:g}/s, burst {check.burst})",
        ),
    ]
    if check.warnings:
        warned = sum(w.count for w in check.warnings.values())
        rows.append(("Warnings", f"{warned:,} (see Dry run)"))
    if earlier:
        more = f" and {len(earlier) - 1:,} more" if len(earlier) > 1 else ""
        rows.append(("Sent before", f"this file went out as run {earlier[0]}{more}"))
    return rows
