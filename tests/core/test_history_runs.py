"""History of bulk runs: progress by latest attempt per data row, for resuming."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from b24notify.core.history import History


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with History(tmp_path / "history.sqlite3") as h:
        yield h


def _run(h: History, run_id: str, outcomes: list[str | None], **extra: str) -> list[int]:
    """Record one attempt per data row (row numbers from 1) and finish it as given."""
    ids = h.record_pending_many(
        {"run_id": run_id, "row_number": n, "dialog_id": f"chat{n}", **extra}
        for n in range(1, len(outcomes) + 1)
    )
    for id_, outcome in zip(ids, outcomes, strict=True):
        if outcome is not None:
            h.finish(id_, outcome)  # type: ignore[arg-type]
    return ids


def test_run_status_counts_each_data_row_by_its_latest_attempt(history: History) -> None:
    first = _run(history, "r1", ["sent", "failed", "failed", "unknown", None], template="t1")
    assert history.run_status("r1") == {"pending": 1, "sent": 1, "failed": 2, "unknown": 1}
    # Resume: the failed rows 2 and 3 are tried again as new sends of the same run.
    retry = history.record_pending_many(
        [{"run_id": "r1", "row_number": 2}, {"run_id": "r1", "row_number": 3}]
    )
    history.finish(retry[0], "sent")
    history.finish(retry[1], "failed")
    assert history.run_status("r1") == {"pending": 1, "sent": 2, "failed": 1, "unknown": 1}

    latest = history.run_rows("r1")
    assert [r.row_number for r in latest] == [1, 2, 3, 4, 5]
    assert [r.id for r in latest] == [first[0], retry[0], retry[1], first[3], first[4]]
    every = history.run_rows("r1", latest=False)
    assert [(r.row_number, r.id) for r in every] == sorted(
        [(n, id_) for n, id_ in zip([1, 2, 3, 4, 5], first, strict=True)]
        + [(2, retry[0]), (3, retry[1])]
    )
    # What a resume skips: rows whose latest attempt is sent or unknown.
    assert [r.row_number for r in latest if r.status in ("sent", "unknown")] == [1, 2, 4]


def test_rows_without_a_number_each_count_once(history: History) -> None:
    ids = history.record_pending_many([{"run_id": "r"}, {"run_id": "r"}, {"run_id": "r"}])
    history.finish(ids[0], "sent")
    assert history.run_status("r") == {"pending": 2, "sent": 1, "failed": 0, "unknown": 0}
    assert [r.id for r in history.run_rows("r")] == ids


def test_runs_lists_the_newest_first_with_their_progress(history: History) -> None:
    _run(history, "older", ["sent", "sent"], template="maintenance", profile="main")
    history.record_pending(dialog_id="chat9")  # a single send belongs to no run
    _run(history, "newer", ["failed"], template="incident/opened", profile="sandbox")
    runs = history.runs()
    assert [r.run_id for r in runs] == ["newer", "older"]
    assert (runs[0].template, runs[0].profile, runs[0].total) == ("incident/opened", "sandbox", 1)
    assert runs[0].counts["failed"] == 1
    assert runs[1].counts["sent"] == 2 and runs[1].total == 2
    assert [r.run_id for r in history.runs(limit=1)] == ["newer"]
    assert history.run_status("missing") == {"pending": 0, "sent": 0, "failed": 0, "unknown": 0}
    assert history.run_rows("missing") == []


def test_a_run_disappears_with_its_last_row(history: History) -> None:
    ids = _run(history, "gone", ["sent", "failed"])
    history.delete(ids[:1])
    assert [r.run_id for r in history.runs()] == ["gone"]
    history.delete(ids[1:])
    assert history.runs() == []


def test_search_within_a_run(history: History) -> None:
    ids = _run(history, "r1", ["sent", "failed", "sent"])
    history.record_pending(message_text="outside the run")
    assert [r.id for r in history.search(run_id="r1")] == ids[::-1]
    assert [r.id for r in history.search(run_id="r1", status="failed")] == [ids[1]]
    assert [r.id for r in history.search(run_id="r1", text="chat2")] == [ids[1]]
    assert history.count(run_id="r1") == 3
