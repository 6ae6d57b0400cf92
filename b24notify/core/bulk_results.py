"""What bulk runs report: progress while they go, the end report, and a run's state in history.

Plain data shared by the run logic (``bulk``, ``bulk_send``), the CLI and the
UI's Bulk screen: :class:`BulkProgress` (what a progress bar shows),
:class:`BulkReport` (how a run went), :class:`UnknownRow` (a row to check by
hand) and :class:`RunState` (every row's latest status, one byte per row, read
from history by :func:`load_run_state`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from b24notify.core.bulk_check import BulkCheck

if TYPE_CHECKING:
    from b24notify.core.history import History

Phase = Literal["checking", "sending", "waiting", "done"]

_CODES = {"pending": 1, "sent": 2, "failed": 3, "unknown": 4}
_NAMES = {code: name for name, code in _CODES.items()}


@dataclass(frozen=True)
class BulkProgress:
    """Where a bulk pass is: what the progress bar shows.

    ``total`` is the number of rows this run sends (after skips); ``skipped``
    rows were sent or left unknown by an earlier attempt. ``eta`` (seconds)
    accounts for the rate limit; ``note`` says what a wait is for.
    """

    phase: Phase
    run_id: str | None = None
    checked: int = 0
    total: int = 0
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    elapsed: float = 0.0
    eta: float | None = None
    note: str = ""

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.unknown

    @property
    def rate(self) -> float:
        """Messages per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


@dataclass(frozen=True)
class UnknownRow:
    """A row whose message may or may not have arrived: check the chat before sending it again."""

    row: int
    dialog: str
    history_id: int
    error: str = ""


@dataclass
class BulkReport:
    """How a run went: this session's counts, the run's state, and where the problem rows are.

    ``refused`` means the check found bad rows and nothing was sent
    (``check.problems`` says why). ``not_sent`` rows were meant for this
    session but not reached (cancelled or stopped); ``run_counts`` are the
    latest statuses over the whole run, earlier sessions included.
    """

    check: BulkCheck
    run_id: str | None = None
    resumed: bool = False
    refused: bool = False
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    not_sent: int = 0
    skipped_sent: int = 0
    skipped_unknown: int = 0
    unknown_rows: list[UnknownRow] = field(default_factory=list)
    report_path: Path | None = None
    reported_rows: int = 0
    run_counts: dict[str, int] = field(default_factory=dict)
    duration: float = 0.0
    cancelled: bool = False
    stopped: str | None = None
    template_changed: bool = False

    @property
    def messages_per_second(self) -> float:
        return self.sent / self.duration if self.duration > 0 else 0.0

    @property
    def complete(self) -> bool:
        """True when every row of the run is sent (and nothing failed or is unknown)."""
        if self.refused or self.run_id is None:
            return False
        return self.run_counts.get("sent", 0) == self.check.rows and not any(
            self.run_counts.get(s, 0) for s in ("failed", "unknown", "pending")
        )

    @property
    def exit_code(self) -> int:
        """0 when every row is sent, 1 when any row failed, is unknown or was not sent."""
        return 0 if self.complete else 1


@dataclass
class RunState:
    """The latest status of every row of a run, read from history (one byte per row)."""

    codes: bytearray = field(default_factory=bytearray)
    counts: dict[str, int] = field(default_factory=dict)
    unknown: dict[int, UnknownRow] = field(default_factory=dict)

    def status(self, row: int) -> str | None:
        """``sent``/``failed``/``unknown``/``pending`` for a row of the run, None if never tried."""
        if 0 <= row < len(self.codes):
            return _NAMES.get(self.codes[row])
        return None

    def _set(self, row: int, status: str) -> None:
        if row >= len(self.codes):
            self.codes.extend(bytes(row + 1 - len(self.codes)))
        self.codes[row] = _CODES.get(status, 0)


def load_run_state(history: History, run_id: str) -> RunState:
    """Every row's latest attempt in ``run_id``, streamed from history (newest first)."""
    state = RunState(counts=dict.fromkeys(("pending", "sent", "failed", "unknown"), 0))
    seen = bytearray()
    for record in history.iter_search(run_id=run_id):
        row = record.row_number
        if row is None or row < 0:
            continue
        if row < len(seen) and seen[row]:
            continue  # an older attempt at a row already seen
        if row >= len(seen):
            seen.extend(bytes(row + 1 - len(seen)))
        seen[row] = 1
        state._set(row, record.status)
        state.counts[record.status] = state.counts.get(record.status, 0) + 1
        if record.status == "unknown":
            error = record.error_code or ""
            if record.error_description:
                error = (
                    f"{error}: {record.error_description}" if error else record.error_description
                )
            state.unknown[row] = UnknownRow(row, record.dialog_id, record.id, error)
    return state
