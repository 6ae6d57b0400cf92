"""The check pass of a bulk run: every row rendered and validated, problems named by row and column.

:class:`RowRenderer` turns one data row into the exact request (through
``Service.prepare``, so a bulk send is built exactly like a single send) or
into :class:`RowProblem` records; :func:`check_rows` streams a whole file
through it and sums up a :class:`BulkCheck`: totals, the first problems, the
validator's warnings by code, the first few rendered requests, and how long
the portal's rate limit makes the send.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from b24notify.core.bulk_data import DataFile, DataRow
from b24notify.core.errors import (
    B24NotifyError,
    DataFileError,
    FieldErrors,
    TemplateError,
    ValidationFailed,
)
from b24notify.core.models import ApiVersion, Draft

if TYPE_CHECKING:
    from b24notify.core.bulk_report import RowsReport
    from b24notify.core.config import Profile
    from b24notify.core.service import PreparedSend, Service

MAX_BATCH = 50
"""Commands per ``batch`` call: the portal's limit."""
MAX_PROBLEMS_KEPT = 200
PREVIEW_ROWS = 3
_DIALOG_PATHS = frozenset({"DIALOG_ID", "dialogId"})


class CancelToken(Protocol):
    """Anything with ``is_set()``: a ``threading.Event`` or an ``asyncio.Event``."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class BulkSpec:
    """What a bulk run sends: a template, a data file, and where the dialog comes from.

    ``to`` names the column holding the dialog (``dialog_id``), or is a Jinja
    expression over the row's columns (``chat{{ chat_no }}``). ``profile`` and
    ``api`` default to the configuration's; ``limit`` keeps the first N rows.
    """

    template: str
    data: Path
    to: str = "dialog_id"
    profile: str | None = None
    api: ApiVersion | None = None
    limit: int | None = None


@dataclass(frozen=True)
class RowProblem:
    """Why one row cannot be sent (or, as a warning, what the portal would change)."""

    row: int
    line: int
    column: str | None
    reason: str
    code: str | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"row {self.row} (line {self.line})"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class RowPreview:
    """One rendered request as the dry run shows it (secrets masked)."""

    row: int
    dialog: str
    method: str
    params: dict[str, Any]


@dataclass
class WarningCount:
    """How often the validator warned with one code, and the first row it did."""

    count: int
    first: RowProblem


@dataclass
class BulkCheck:
    """The result of the check pass (the dry run): nothing was sent.

    ``rows`` counts data rows read (within the limit); ``ready`` those that
    render and validate; ``bad`` those with problems (``problems`` keeps the
    first :data:`MAX_PROBLEMS_KEPT`). ``to_send`` is how many ready rows a run
    would send (a resume skips rows already sent or unknown: ``skipped``).
    """

    spec: BulkSpec
    profile: str
    api: ApiVersion
    method: str
    data_format: str
    columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    template_hash: str
    fingerprint: str
    drain: float
    burst: int
    batch_size: int
    rows: int = 0
    ready: int = 0
    bad: int = 0
    to_send: int = 0
    skipped: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    warnings: dict[str, WarningCount] = field(default_factory=dict)
    previews: list[RowPreview] = field(default_factory=list)
    report_path: Path | None = None
    duration: float = 0.0
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        """True when every row is ready (nothing bad, the pass complete)."""
        return self.bad == 0 and self.ready > 0 and not self.cancelled

    @property
    def requests(self) -> int:
        """HTTP requests the send needs: one per batch (v1) or per message (v2)."""
        return math.ceil(self.to_send / self.batch_size) if self.to_send else 0

    @property
    def estimate_seconds(self) -> float:
        """The least time the portal's leaky bucket allows for those requests (bucket empty)."""
        return max(0, self.requests - self.burst) / self.drain


class RowRenderer:
    """Builds the request of one data row, or raises :class:`RowRejected` with its problems."""

    def __init__(
        self,
        service: Service,
        spec: BulkSpec,
        profile: Profile,
        api: ApiVersion,
        data: DataFile,
    ) -> None:
        from b24notify.core.service import template_hash

        self.service = service
        self.spec = spec
        self.profile = profile
        self.api = api
        self.data = data
        template = service.template(spec.template)
        self.template = template
        self.template_name = template.name
        self.template_hash = template_hash(template)
        self.variables = {v.name: v for v in template.variables}
        self.options = template.send_options()
        self.dialogs = DialogSource(spec.to, data)
        self.renames = _column_renames(data.columns, self.variables)
        self._check_columns()

    def _check_columns(self) -> None:
        if self.data.kind != "csv":
            return
        from b24notify.core.template_vars import is_blank

        present = {self.renames.get(c, c) for c in self.data.columns}
        missing = [
            name
            for name, var in self.variables.items()
            if var.required and is_blank(var.default) and name not in present
        ]
        if missing:
            raise DataFileError(
                f"{self.data.name} has no column for the required variable "
                f"{missing[0]!r} of template {self.template_name} "
                f"(columns: {', '.join(c for c in self.data.columns if c)})."
            )

    def ignored_columns(self, columns: Iterable[str]) -> tuple[str, ...]:
        """Columns that are neither a variable nor the dialog column: their values go nowhere."""
        return tuple(
            c
            for c in columns
            if c and self.renames.get(c, c) not in self.variables and c != self.dialogs.column
        )

    def prepare(self, row: DataRow) -> PreparedSend:
        """The exact request for ``row``; RowRejected lists every problem found."""
        problems: list[RowProblem] = []
        try:
            dialog = self.dialogs.dialog(row)
        except _CellProblem as err:
            problems.append(RowProblem(row.number, row.line, err.column, err.reason))
            dialog = None
        values = {self.renames.get(k, k): v for k, v in row.values.items()}
        draft = Draft(
            template=self.template_name,
            values=values,
            options=replace(self.options, dialog_id=dialog or "1"),
        )
        try:
            prepared = self.service.prepare(
                draft, profile=self.profile, api=self.api, template=self.template
            )
        except FieldErrors as err:
            columns = {v: k for k, v in self.renames.items()}
            problems += [
                RowProblem(row.number, row.line, columns.get(name, name), reason)
                for name, reason in err.errors.items()
            ]
        except TemplateError as err:
            problems.append(RowProblem(row.number, row.line, None, str(err)))
        except ValidationFailed as err:
            problems += [
                RowProblem(
                    row.number,
                    row.line,
                    self.dialogs.label if p.path in _DIALOG_PATHS else None,
                    f"{p.code} at {p.path}: {p.message}",
                    code=p.code,
                )
                for p in err.problems
                if p.severity == "error" and not (dialog is None and p.path in _DIALOG_PATHS)
            ]
        else:
            if not problems:
                return prepared
        raise RowRejected(problems)

    def warnings(self, row: DataRow, prepared: PreparedSend) -> list[RowProblem]:
        """The validator's warnings for a ready row, as row problems."""
        return [
            RowProblem(
                row.number, row.line, None, f"{p.path}: {p.message}", p.code, severity="warning"
            )
            for p in prepared.warnings
            if p.severity == "warning"
        ]


class RowRejected(B24NotifyError):
    """A row that cannot be sent; ``problems`` says why (one or more)."""

    title = "Bad row"

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems) or "the row cannot be sent")


class _CellProblem(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


class DialogSource:
    """Where each row's dialog comes from: a column, or a Jinja expression over the columns."""

    def __init__(self, to: str, data: DataFile) -> None:
        self.expression: Any = None
        self.column: str | None = None
        text = to.strip()
        if not text:
            raise DataFileError("The dialog column name is empty: name the column with the dialog.")
        if "{{" in text or "{%" in text:
            self.label = text
            self.expression = _compile(text)
            return
        self.column = _find_column(text, data.columns)
        if self.column is None:
            if data.kind == "csv":
                listed = ", ".join(c for c in data.columns if c)
                raise DataFileError(
                    f"{data.name} has no dialog column {text!r} (columns: {listed}); "
                    "name the column that holds the dialog (e.g. --to-column chat)."
                )
            self.column = text  # JSONL keys vary by row: a row without it is a row problem
        self.label = self.column

    def dialog(self, row: DataRow) -> str:
        """The row's dialog: ``42`` or ``chat42`` (lower-cased, trimmed)."""
        from b24notify.core.template_vars import DIALOG_RE

        if self.expression is not None:
            try:
                value: Any = self.expression.render(**row.values)
            except Exception as err:  # any Jinja failure is this row's problem
                raise _CellProblem(self.label, f"the dialog expression failed: {err}") from None
        else:
            assert self.column is not None
            value = row.values.get(self.column)
        if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
            raise _CellProblem(self.label, "no dialog: every row needs a user id or a chat id")
        text = str(value).strip()
        if not DIALOG_RE.match(text):
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise _CellProblem(
                self.label, f"{shown!r} is not a user id like 42 or a chat id like chat42"
            )
        return text.lower()


def _compile(expression: str) -> Any:
    from jinja2 import StrictUndefined, TemplateSyntaxError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    try:
        return env.from_string(expression)
    except TemplateSyntaxError as err:
        raise DataFileError(f"The dialog expression {expression!r} is not valid: {err}.") from None


def _find_column(name: str, columns: Iterable[str]) -> str | None:
    listed = [c for c in columns if c]
    if name in listed:
        return name
    folded = [c for c in listed if c.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def _column_renames(columns: Iterable[str], variables: Mapping[str, Any]) -> dict[str, str]:
    """Columns that match a variable only when case is ignored (``Ticket`` → ``ticket``)."""
    by_fold: dict[str, list[str]] = {}
    for name in variables:
        by_fold.setdefault(name.casefold(), []).append(name)
    renames = {}
    for column in columns:
        if not column or column in variables:
            continue
        matches = by_fold.get(column.casefold(), [])
        if len(matches) == 1:
            renames[column] = matches[0]
    return renames


Progress = Callable[[int], None]


def check_rows(
    renderer: RowRenderer,
    *,
    batch_size: int,
    skip: Callable[[int], bool] | None = None,
    report: RowsReport | None = None,
    on_row: Progress | None = None,
    cancel: CancelToken | None = None,
    preview_rows: int = PREVIEW_ROWS,
) -> BulkCheck:
    """Read every row of the data file once, render and validate it; send nothing.

    ``skip(row_number)`` marks rows a resume would not send (still checked,
    counted in ``skipped``). Bad rows go to ``report`` with their problems.
    ``on_row(count)`` is called every 500 rows; ``cancel`` stops the pass
    (the result is then ``cancelled``).
    """
    from b24notify.core.export import mask_params

    started = time.monotonic()
    spec = renderer.spec
    data = renderer.data
    drain, burst = renderer.profile.rate()
    columns: dict[str, None] = dict.fromkeys(data.columns)
    check = BulkCheck(
        spec=spec,
        profile=renderer.profile.name,
        api=renderer.api,
        method="",
        data_format=data.describe(),
        columns=(),
        ignored_columns=(),
        template_hash=renderer.template_hash,
        fingerprint=data.fingerprint(),
        drain=drain,
        burst=burst,
        batch_size=batch_size,
    )
    for row in data.rows(spec.limit):
        if cancel is not None and cancel.is_set():
            check.cancelled = True
            break
        check.rows += 1
        if data.kind == "jsonl" and len(columns) < 1000:
            columns.update(dict.fromkeys(row.values))
        try:
            prepared = renderer.prepare(row)
        except RowRejected as err:
            check.bad += 1
            room = MAX_PROBLEMS_KEPT - len(check.problems)
            if room > 0:
                check.problems += err.problems[:room]
            if report is not None:
                report.add(row, "; ".join(_short(p) for p in err.problems))
        else:
            check.ready += 1
            check.method = prepared.method
            if skip is not None and skip(row.number):
                check.skipped += 1
            else:
                check.to_send += 1
            for warning in renderer.warnings(row, prepared):
                seen = check.warnings.get(warning.code or "")
                if seen is None:
                    check.warnings[warning.code or ""] = WarningCount(1, warning)
                else:
                    seen.count += 1
            if len(check.previews) < preview_rows:
                check.previews.append(
                    RowPreview(
                        row.number,
                        prepared.options.dialog_id or "",
                        prepared.method,
                        mask_params(prepared.params),
                    )
                )
        if on_row is not None and check.rows % 500 == 0:
            on_row(check.rows)
    if on_row is not None:
        on_row(check.rows)
    if not check.method:
        from b24notify.core.payload import method_for

        check.method = method_for(renderer.api)
    check.columns = tuple(c for c in columns if c)
    check.ignored_columns = renderer.ignored_columns(check.columns)
    check.duration = time.monotonic() - started
    return check


def _short(problem: RowProblem) -> str:
    return f"{problem.column}: {problem.reason}" if problem.column else problem.reason
