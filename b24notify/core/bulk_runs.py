"""Bulk run records: run ids, the small JSON file that lets a run resume, and the run lock.

History keeps every send of a run (run id + row number) but its ``runs`` table
holds only the template and profile; resuming also needs the data file, the
API, the dialog column and the row limit. Those live in
``paths.data_dir()/runs/<run id>.json``, written once when the run starts,
with a fingerprint of the data file so a changed file is never resumed (its
row numbers would point at other people).

:class:`RunLock` holds ``<run id>.lock`` for as long as a process sends for the
run, so two processes never resume the same run at once. The OS releases it
when the process dies, even on SIGKILL.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from b24notify.core import paths
from b24notify.core.errors import HistoryError, UsageError
from b24notify.core.models import ApiVersion

RUN_ID_RE = re.compile(r"^r\d{8}-\d{6}-[0-9a-f]{4}$")
RECORD_VERSION = 1


def runs_dir() -> Path:
    """Where run records and locks live: ``<data dir>/runs``."""
    return paths.data_dir() / "runs"


def new_run_id(now: datetime | None = None) -> str:
    """A fresh run id such as ``r20261124-153012-ab12`` (local time plus 4 random hex digits)."""
    moment = now or datetime.now()
    return f"r{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def check_run_id(run_id: str) -> str:
    """The run id, stripped; UsageError when it cannot be one (it also names a file)."""
    clean = run_id.strip()
    if not RUN_ID_RE.match(clean):
        raise UsageError(
            f"{run_id!r} is not a run id: run ids look like r20261124-153012-ab12 "
            "(see `b24notify history` or the end of a bulk run)."
        )
    return clean


@dataclass
class RunRecord:
    """What a bulk run was started with: enough to resume it with no other arguments."""

    run_id: str
    template: str
    data: str
    profile: str
    api: ApiVersion
    to: str
    limit: int | None
    data_fingerprint: str
    template_hash: str
    rows: int
    created_at: str = field(default_factory=lambda: datetime.now().astimezone().isoformat())
    version: int = RECORD_VERSION

    @property
    def path(self) -> Path:
        return runs_dir() / f"{self.run_id}.json"

    def save(self) -> Path:
        """Write the record atomically (temp file, then rename)."""
        target = self.path
        temp = target.with_name(f".{target.name}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temp.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
            os.replace(temp, target)
        except OSError as err:
            temp.unlink(missing_ok=True)
            raise HistoryError(
                f"Could not write the run record {target}: {err.strerror or err}."
            ) from None
        return target

    @classmethod
    def load(cls, run_id: str) -> RunRecord:
        """The record of ``run_id``; UsageError naming the run when there is none or it is bad."""
        clean = check_run_id(run_id)
        path = runs_dir() / f"{clean}.json"
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"No bulk run {clean}: there is no run record at {path}.") from None
        except (OSError, ValueError) as err:
            raise UsageError(f"The run record {path} cannot be read ({err}).") from None
        if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
            raise UsageError(f"The run record {path} is not one this version of b24notify wrote.")
        try:
            record = cls(**data)
        except TypeError as err:
            raise UsageError(f"The run record {path} is incomplete ({err}).") from None
        if record.run_id != clean:
            raise UsageError(f"The run record {path} belongs to run {record.run_id}.")
        return record


class RunLock:
    """An exclusive lock on one run, held while a process sends for it (``with RunLock(id):``)."""

    def __init__(self, run_id: str) -> None:
        self.run_id = check_run_id(run_id)
        self.path = runs_dir() / f"{self.run_id}.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> RunLock:
        """Take the lock now or raise UsageError: another process is sending this run."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = self.path.open("a+", encoding="utf-8")
        try:
            _lock(file)
        except OSError:
            file.close()
            raise UsageError(
                f"Run {self.run_id} is being sent by another b24notify process; "
                "wait for it to finish (or stop it) before resuming."
            ) from None
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        self._file = file
        return self

    def release(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            _unlock(file)
            file.close()

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


if sys.platform == "win32":  # pragma: no cover - Windows only
    import msvcrt

    def _lock(file: IO[str]) -> None:
        file.seek(0)
        msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(file: IO[str]) -> None:
        file.seek(0)
        with contextlib.suppress(OSError):
            msvcrt.locking(file.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(file: IO[str]) -> None:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(file: IO[str]) -> None:
        fcntl.flock(file.fileno(), fcntl.LOCK_UN)
