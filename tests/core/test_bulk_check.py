"""The dry run: every row rendered and validated, problems named by row, line and column."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bulk_support import CLIENT_ID, assert_no_secrets, install_template

from b24notify.core import paths
from b24notify.core.bulk import BulkRunner, BulkSpec
from b24notify.core.bulk_check import MAX_PROBLEMS_KEPT
from b24notify.core.bulk_data import open_data
from b24notify.core.config import Config, Profile
from b24notify.core.errors import ConfigError, DataFileError, TemplateNotFound, UsageError
from b24notify.core.history import History
from b24notify.core.service import Service

# Nothing listens here: a dry run never calls the portal.
NOWHERE = "http://127.0.0.1:9/rest/1/never-called/"


def runner(**profile: object) -> BulkRunner:
    values: dict[str, object] = {
        "name": "main",
        "webhook": NOWHERE,
        "api": "v1",
        "bot_id": 7,
        "client_id": CLIENT_ID,
        "bot_token": "token-for-v2",
    }
    values.update(profile)
    prof = Profile(**values)  # type: ignore[arg-type]
    config = Config(profiles={prof.name: prof}, default_profile=prof.name)
    return BulkRunner(Service(config, history=History(paths.history_file())))


def csv_file(tmp_path: Path, *lines: str, name: str = "rows.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = ("dialog_id,n,name", "chat1,1,Ann", "BAD", "42,3,Cy")

# the second data row → (column, a phrase of the reason)
BAD_ROWS = [
    ("chat2,two,Bob", "n", "must be a whole number (got 'two')"),
    ("chat2,2,", "name", "is required"),
    ("chat2,2,   ", "name", "is required"),
    (",2,Bob", "dialog_id", "no dialog"),
    ("team 2,2,Bob", "dialog_id", "'team 2' is not a user id like 42 or a chat id like chat42"),
    ("chat-2,2,Bob", "dialog_id", "is not a user id"),
    ("-5,2,Bob", "dialog_id", "is not a user id"),
]


@pytest.mark.parametrize(("row", "column", "reason"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_bad_rows_are_named_with_row_line_column_and_reason(
    tmp_path: Path, row: str, column: str, reason: str
) -> None:
    template = install_template()
    data = csv_file(tmp_path, *(row if line == "BAD" else line for line in GOOD))
    check = runner().check(BulkSpec(template, data))
    assert (check.rows, check.ready, check.bad, check.ok) == (3, 2, 1, False)
    [problem] = check.problems
    assert (problem.row, problem.line, problem.column) == (2, 3, column)
    assert reason in problem.reason
    assert str(problem).startswith(f"row 2 (line 3), column '{column}': ")


def test_every_problem_of_a_row_is_listed(tmp_path: Path) -> None:
    template = install_template()
    data = csv_file(tmp_path, "dialog_id,n,name", "nobody,x,")
    check = runner().check(BulkSpec(template, data))
    assert sorted(p.column or "" for p in check.problems) == ["dialog_id", "n", "name"]


def test_a_good_file_is_ready_with_previews_and_an_estimate(tmp_path: Path) -> None:
    template = install_template()
    lines = ["dialog_id,n,name"] + [f"chat{i},{i},Name {i}" for i in range(1, 121)]
    check = runner().check(BulkSpec(template, csv_file(tmp_path, *lines)))
    assert check.ok and (check.rows, check.ready, check.to_send) == (120, 120, 120)
    assert (check.method, check.api, check.profile) == ("imbot.message.add", "v1", "main")
    assert check.data_format == "CSV, comma-separated"
    assert [p.row for p in check.previews] == [1, 2, 3]
    first = check.previews[0]
    assert first.dialog == "chat1"
    assert first.params["MESSAGE"] == "Row 1 for Name 1"
    assert first.params["CLIENT_ID"] == "<client-id>"
    assert_no_secrets(repr(check))
    assert (check.requests, check.estimate_seconds) == (3, 0.0)


def test_v2_estimate_counts_one_request_per_message(tmp_path: Path) -> None:
    template = install_template()
    lines = ["dialog_id,n,name"] + [f"chat{i},{i},N" for i in range(1, 61)]
    check = runner(api="v2").check(BulkSpec(template, csv_file(tmp_path, *lines)))
    assert check.method == "imbot.v2.Chat.Message.send"
    assert check.requests == 60
    assert check.estimate_seconds == (60 - 50) / 2


def test_limit_keeps_the_first_rows(tmp_path: Path) -> None:
    template = install_template()
    lines = ["dialog_id,n,name"] + [f"chat{i},{i},N" for i in range(1, 11)]
    check = runner().check(BulkSpec(template, csv_file(tmp_path, *lines), limit=4))
    assert (check.rows, check.to_send) == (4, 4)
    with pytest.raises(UsageError, match="at least 1"):
        runner().check(BulkSpec(template, csv_file(tmp_path, *lines), limit=0))


def test_missing_dialog_column_is_a_clear_file_error(tmp_path: Path) -> None:
    template = install_template()
    data = csv_file(tmp_path, "chat,n,name", "chat1,1,Ann")
    with pytest.raises(DataFileError) as caught:
        runner().check(BulkSpec(template, data))
    assert str(caught.value) == (
        "rows.csv has no dialog column 'dialog_id' (columns: chat, n, name); name the column "
        "that holds the dialog (e.g. --to-column chat)."
    )
    check = runner().check(BulkSpec(template, data, to="chat"))
    assert check.ok


def test_missing_column_for_a_required_variable(tmp_path: Path) -> None:
    template = install_template()
    data = csv_file(tmp_path, "dialog_id,name", "chat1,Ann")
    with pytest.raises(DataFileError, match="no column for the required variable 'n'"):
        runner().check(BulkSpec(template, data))


def test_columns_match_variables_ignoring_case_and_extra_columns_are_reported(
    tmp_path: Path,
) -> None:
    template = install_template()
    data = csv_file(tmp_path, "Dialog_ID;N;Name;comment", "Chat5;5;Eve;call back")
    check = runner().check(BulkSpec(template, data))
    assert check.ok
    assert check.ignored_columns == ("comment",)
    assert check.previews[0].dialog == "chat5"
    assert check.previews[0].params["MESSAGE"] == "Row 5 for Eve"


def test_a_dialog_expression_builds_the_dialog_from_columns(tmp_path: Path) -> None:
    template = install_template()
    data = csv_file(tmp_path, "room,n,name", "12,1,Ann", ",2,Bob")
    check = runner().check(BulkSpec(template, data, to="chat{{ room }}"))
    assert check.previews[0].dialog == "chat12"
    [problem] = check.problems
    assert (problem.row, problem.column) == (2, "chat{{ room }}")
    assert "'chat' is not a user id" in problem.reason
    missing = runner().check(BulkSpec(template, data, to="chat{{ nope }}"))
    assert missing.bad == 2 and "the dialog expression failed" in missing.problems[0].reason
    with pytest.raises(DataFileError, match="is not valid"):
        runner().check(BulkSpec(template, data, to="chat{{ room "))


def test_jsonl_rows_keep_their_types(tmp_path: Path) -> None:
    template = install_template()
    data = tmp_path / "rows.jsonl"
    data.write_text(
        '{"dialog_id": 42, "n": 7, "name": "Ann", "extra": [1]}\n'
        '{"dialog_id": "chat8", "n": "eight", "name": "Bob"}\n'
        '{"n": 9, "name": "Cy"}\n',
        encoding="utf-8",
    )
    check = runner().check(BulkSpec(template, data))
    assert check.previews[0].params["DIALOG_ID"] == "42"
    assert check.ignored_columns == ("extra",)
    assert [(p.row, p.column) for p in check.problems] == [(2, "n"), (3, "dialog_id")]


def test_validator_warnings_are_counted_by_code(tmp_path: Path) -> None:
    template = install_template(
        "bulk/sized",
        """
[vars.name]
type = "text"
required = true
[body]
message = "[size=50]{{ name }}[/size]"
""",
    )
    lines = ["dialog_id,name"] + [f"chat{i},N{i}" for i in range(1, 6)]
    check = runner().check(BulkSpec(template, csv_file(tmp_path, *lines)))
    assert check.ok
    assert list(check.warnings) == ["W_BB_SIZE"]
    assert check.warnings["W_BB_SIZE"].count == 5
    assert check.warnings["W_BB_SIZE"].first.row == 1


def test_problems_kept_are_capped_but_all_counted(tmp_path: Path) -> None:
    template = install_template()
    lines = ["dialog_id,n,name"] + [f"chat{i},x,N" for i in range(1, 301)]
    check = runner().check(BulkSpec(template, csv_file(tmp_path, *lines)))
    assert (check.bad, len(check.problems)) == (300, MAX_PROBLEMS_KEPT)


def test_bad_rows_report_is_ready_to_fix_and_check_again(tmp_path: Path) -> None:
    template = install_template()
    data = csv_file(tmp_path, "dialog_id;n;name", "chat1;1;Ann", "chat2;two;Bob", "x y;3;Cy")
    report = tmp_path / "bad.csv"
    check = runner().check(BulkSpec(template, data), report=report)
    assert check.report_path == report and check.bad == 2
    bad = open_data(report)
    assert bad.delimiter == ";"
    assert bad.columns == ("dialog_id", "n", "name", "row", "error")
    rows = [r.values for r in bad.rows()]
    assert [r["row"] for r in rows] == ["2", "3"]
    assert rows[0]["error"].startswith("n: must be a whole number")
    assert rows[1]["n"] == "3" and "dialog_id:" in rows[1]["error"]
    # Fixed in place, the report itself is a good data file (row/error are ignored).
    text = report.read_text(encoding="utf-8-sig").replace("two", "2").replace("x y", "chat3")
    report.write_text(text, encoding="utf-8")
    again = runner().check(BulkSpec(template, report))
    assert again.ok and again.ignored_columns == ("row", "error")


def test_configuration_problems_come_before_any_row(tmp_path: Path) -> None:
    template = install_template()
    data = csv_file(tmp_path, "dialog_id,n,name", "chat1,1,Ann")
    with pytest.raises(ConfigError, match="client_id"):
        runner(client_id=None).check(BulkSpec(template, data))
    with pytest.raises(ConfigError, match="No profile named 'other'"):
        runner().check(BulkSpec(template, data, profile="other"))
    with pytest.raises(TemplateNotFound):
        runner().check(BulkSpec("bulk/none", data))


def test_check_memory_does_not_grow_with_rows(tmp_path: Path) -> None:
    template = install_template()

    def used(rows: int) -> tuple[int, int]:
        """(memory held with the result in hand, peak) of a check pass over ``rows`` rows."""
        lines = ["dialog_id,n,name"] + [
            f"chat{i},{i if i % 2 else 'x'},Name {i}" for i in range(1, rows + 1)
        ]
        data = csv_file(tmp_path, *lines, name=f"rows{rows}.csv")
        check_runner = runner()
        # A first pass fills the bounded caches of rendering (escaped values).
        check_runner.check(BulkSpec(template, data))
        tracemalloc.start()
        try:
            check = check_runner.check(BulkSpec(template, data))
            held, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert check.rows == rows
        return held, peak

    # Five times the rows, half of them bad and far past the problem cap: the
    # same memory held (kept problems alone would add some 300 KB), and a peak
    # bounded by read buffers.
    (small_held, small_peak), (big_held, big_peak) = used(500), used(2500)
    assert big_held < small_held + 30_000
    assert big_peak < small_peak + 200_000


_cell = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(st.tuples(_cell, _cell, _cell), min_size=1, max_size=4))
def test_any_cell_text_gives_a_ready_row_or_a_named_problem(
    tmp_path: Path, cells: list[tuple[str, str, str]]
) -> None:
    import csv

    template = install_template()
    path = tmp_path / "prop.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["dialog_id", "n", "name"])
        writer.writerows(
            ["chat1" if i == 0 else d, n, name] for i, (d, n, name) in enumerate(cells)
        )
    try:
        data_rows = sum(1 for _ in open_data(path).rows())
    except DataFileError:
        return  # a file of blank rows: refused before any row is read
    check = runner().check(BulkSpec(template, path))
    assert check.rows == data_rows
    assert check.ready + check.bad == data_rows
    for problem in check.problems:
        assert 1 <= problem.row <= data_rows
        assert problem.reason and "\n" not in problem.reason.strip()
