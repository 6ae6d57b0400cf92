"""Which data column fills what: the dialog, a template variable, or nothing (ignored).

:func:`map_columns` asks the core's own row renderer (the one a run uses), so
what the setup pane shows is what a run will do: columns matched to variables
ignoring case, the dialog column or expression, variables left to their
defaults. It reads the file's header only (the first row for JSONL), so it is
cheap enough to run in a worker each time the path or the template changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from b24notify.core.service import Service

DIALOG = "\x00dialog"
IGNORED = ""


@dataclass(frozen=True)
class ColumnMap:
    """A data file's columns against a template: each column's use, and what is left over.

    ``uses`` maps each column to a variable name, :data:`DIALOG` or
    :data:`IGNORED`; ``dialog`` is the dialog column or expression as typed;
    ``defaults`` are the template's variables no column fills; ``problem`` is
    the sentence of a mismatch that stops a run (a required variable or the
    dialog column missing), with the columns still listed.
    """

    data_format: str
    uses: tuple[tuple[str, str], ...]
    dialog: str
    expression: bool = False
    defaults: tuple[str, ...] = ()
    problem: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(column for column, _use in self.uses)


def map_columns(
    service: Service,
    *,
    template: str,
    data: Path,
    to: str,
    profile: str | None,
    columns: Iterable[str] | None = None,
) -> ColumnMap:
    """How ``template`` would read ``data`` (header only); ``columns`` overrides the header.

    Raises what opening the file or the template raises (DataFileError,
    TemplateNotFound, ConfigError); a mismatch the run would refuse is kept
    in ``problem`` so the columns can still be shown.
    """
    from b24notify.core.bulk_check import BulkSpec, RowRenderer
    from b24notify.core.bulk_data import open_data
    from b24notify.core.errors import DataFileError

    file = open_data(data)
    found = tuple(c for c in (columns if columns is not None else file.columns) if c)
    spec = BulkSpec(template=template, data=data, to=to)
    chosen = service.profile(profile)
    try:
        renderer = RowRenderer(service, spec, chosen, chosen.api, file)
    except DataFileError as err:
        return _without_renderer(service, file.describe(), found, template, to, str(err))
    ignored = set(renderer.ignored_columns(found))
    dialog_column = renderer.dialogs.column
    uses: list[tuple[str, str]] = []
    for column in found:
        if column == dialog_column:
            uses.append((column, DIALOG))
        elif column in ignored:
            uses.append((column, IGNORED))
        else:
            uses.append((column, renderer.renames.get(column, column)))
    filled = {use for _c, use in uses}
    defaults = tuple(name for name in renderer.variables if name not in filled)
    expression = renderer.dialogs.expression is not None
    return ColumnMap(
        data_format=file.describe(),
        uses=tuple(uses),
        dialog=renderer.dialogs.label,
        expression=expression,
        defaults=defaults,
    )


def _without_renderer(
    service: Service,
    data_format: str,
    columns: tuple[str, ...],
    template: str,
    to: str,
    problem: str,
) -> ColumnMap:
    """The columns by plain name match when the renderer refused the file (a column missing)."""
    names = [v.name for v in service.template(template).variables]
    folded = {name.casefold(): name for name in names}
    text = to.strip()
    uses: list[tuple[str, str]] = []
    for column in columns:
        if column.casefold() == text.casefold():
            uses.append((column, DIALOG))
        else:
            uses.append((column, folded.get(column.casefold(), IGNORED)))
    filled = {use for _c, use in uses}
    return ColumnMap(
        data_format=data_format,
        uses=tuple(uses),
        dialog=text,
        expression="{{" in text or "{%" in text,
        defaults=tuple(n for n in names if n not in filled),
        problem=problem,
    )


def columns_text(found: ColumnMap, *, width: int = 14) -> Text:
    """The mapping as the setup pane lists it: one column a line, then the leftovers."""
    text = Text()
    text.append(f"Columns ({found.data_format})", "bold")
    for column, use in found.uses:
        shown = column if len(column) <= width else column[: width - 1] + "…"
        text.append(f"\n {shown:<{width}} ")
        if use == DIALOG:
            text.append("→ dialog", "bold cyan")
        elif use == IGNORED:
            text.append("ignored", "dim")
        elif use == column:
            text.append(f"→ {use}", "green")
        else:
            text.append(f"→ {use}", "green")
            text.append(" (case)", "dim")
    if found.expression:
        text.append("\n dialog from ", "")
        text.append(found.dialog, "bold cyan")
    if found.defaults:
        text.append("\n defaults: ", "dim")
        text.append(", ".join(found.defaults), "dim")
    if found.problem:
        text.append(f"\n{found.problem}", "red")
    return text
