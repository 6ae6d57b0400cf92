"""The History table: one row per send, cells as ready Rich text, columns sized to their values.

Every column has a fixed width, chosen here from the rows being shown rather
than measured cell by cell by ``DataTable`` (auto width renders each cell to
measure it). Time, status and message id have known widths; template and
dialog get what their longest value needs, shrunk to share the table's width
when it is known, so a row fits without scrolling sideways at 80 columns.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from textual import events
    from textual._types import SegmentLines

    from b24notify.core.history import SendRecord

STATUS_STYLES = {
    "sent": "green",
    "failed": "bold red",
    "unknown": "bold yellow",
    "pending": "cyan",
}
EDITED = " ✎"
DELETED = " ✗del"


class Column(NamedTuple):
    """One column: key, header, and the narrowest and widest it may be drawn (cells)."""

    key: str
    label: str
    least: int
    most: int


TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
TIME = Column("time", "Time", 19, 19)
STATUS = Column(
    "status",
    "Status",
    *[max(len(s) + len(m) for s in STATUS_STYLES for m in ("", EDITED, DELETED))] * 2,
)
TEMPLATE = Column("template", "Template", len("Template"), 32)
DIALOG = Column("dialog", "Dialog", len("Dialog"), 20)
MESSAGE_ID = Column("message_id", "Message id", len("Message id"), 20)
COLUMNS = (TIME, STATUS, TEMPLATE, DIALOG, MESSAGE_ID)
FLEXIBLE = (TEMPLATE, DIALOG)
"""The columns that give up width when the table is narrow (the one with most to spare first)."""


def local_time(stamp: str) -> str:
    """A stored ISO time as local ``YYYY-MM-DD HH:MM:SS`` (the text itself if it is not one)."""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime(TIME_FORMAT)
    except ValueError:
        return stamp


def status_text(record: SendRecord) -> Text:
    """The status in its colour, marked when the message was edited or deleted on the portal."""
    text = Text(record.status, STATUS_STYLES.get(record.status, ""))
    if record.deleted_at:
        text.append(DELETED, "dim")
    elif record.edited_at:
        text.append(EDITED, "dim")
    return text


_CONTROLS = dict.fromkeys([*range(32), 127], " ")


def _plain(value: str) -> Text:
    # Text, not str: DataTable parses a str cell as markup ("[b]" in a dialog or a
    # template name would vanish) and again each time it measures or draws it.
    # A control character (a newline, a tab) would break the row's one line.
    return Text(value.translate(_CONTROLS), no_wrap=True, overflow="ellipsis", end="")


def cell_values(record: SendRecord) -> dict[str, str]:
    """What each column shows for ``record``, as plain text (control characters as spaces)."""
    return {
        TIME.key: local_time(record.created_at),
        STATUS.key: status_text(record).plain,
        TEMPLATE.key: (record.template or "").translate(_CONTROLS),
        DIALOG.key: (record.dialog_id or "").translate(_CONTROLS),
        MESSAGE_ID.key: str(record.message_id) if record.message_id is not None else "",
    }


def row_cells(record: SendRecord) -> tuple[Text, ...]:
    """The row's cells, in column order."""
    status = status_text(record)
    status.no_wrap, status.overflow, status.end = True, "ellipsis", ""
    values = cell_values(record)
    return tuple(status if c is STATUS else _plain(values[c.key]) for c in COLUMNS)


def fit_widths(
    records: Iterable[SendRecord], available: int | None, *, padding: int = 1
) -> dict[str, int]:
    """Column key → width: each column as wide as its longest value (within its bounds).

    ``available`` is the table's width in cells, when known: the template and
    dialog columns then shrink (never below their header) until the row fits.
    ``padding`` is the table's cell padding on each side of every column.
    """
    wants = {c.key: c.least for c in COLUMNS}
    for record in records:  # only the columns whose width depends on the values
        measured = (
            (TEMPLATE.key, (record.template or "").translate(_CONTROLS)),
            (DIALOG.key, (record.dialog_id or "").translate(_CONTROLS)),
            (MESSAGE_ID.key, "" if record.message_id is None else str(record.message_id)),
        )
        for key, value in measured:
            width = cell_len(value)
            if width > wants[key]:
                wants[key] = width
    widths = {c.key: min(max(wants[c.key], c.least), c.most) for c in COLUMNS}
    if available is None:
        return widths
    over = sum(widths.values()) + 2 * padding * len(COLUMNS) - available
    # Take the excess from the widest flexible column first, one cell at a time:
    # the two end up sharing the room rather than one of them losing everything.
    while over > 0:
        column = max(FLEXIBLE, key=lambda c: widths[c.key] - c.least)
        if widths[column.key] <= column.least:
            break
        widths[column.key] -= 1
        over -= 1
    return widths


class HistoryTable(DataTable[Text]):
    """The sends shown on the History screen, newest first, keyed by history id."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row")
        self.records: list[SendRecord] = []
        """The rows in the table, in order."""

    def _ensure_columns(self) -> None:
        if not self.columns:
            for column in COLUMNS:
                # Text, not str: a str label goes through Rich's markup parser, whose
                # first use imports its emoji table (~20 ms on a first visit).
                self.add_column(Text(column.label), key=column.key, width=column.least)

    def on_mount(self) -> None:
        self._ensure_columns()

    def _available(self) -> int | None:
        """The width rows can use, leaving room for the vertical scrollbar; None before layout."""
        width = self.size.width  # the scrollbar's columns included
        if width <= 0:
            return None
        return width - self.styles.scrollbar_size_vertical

    def _set_widths(self, widths: dict[str, int]) -> bool:
        """Give the columns these widths; whether any changed."""
        changed = False
        for key, width in widths.items():
            column = self.columns[key]  # type: ignore[index]  # ColumnKey equals its str
            if column.width != width:
                column.width = width
                changed = True
        return changed

    def show(self, records: Sequence[SendRecord], *, reset: bool) -> None:
        """Start over with ``records`` (``reset``) or append them after the rows shown."""
        self._ensure_columns()
        if reset:
            self.clear()
            self.records = []
            # Widths change only with a clear: the table caches drawn cells by row
            # and column, not by width.
            self._set_widths(fit_widths(records, self._available(), padding=self.cell_padding))
        for record in records:
            self.add_row(*row_cells(record), key=str(record.id))
        self.records.extend(records)

    def _on_resize(self, event: events.Resize) -> None:
        # Instead of DataTable's own handler, which forgets every drawn cell on any
        # resize (the first one comes right after the first frame, so the rows were
        # drawn twice): cells here change only with the column widths, and those
        # change only below, with a clear that forgets them.
        event.prevent_default()
        widths = fit_widths(self.records, self._available(), padding=self.cell_padding)
        if all(self.columns[k].width == w for k, w in widths.items()):  # type: ignore[index]
            return
        records, row = list(self.records), self.cursor_row
        self.show(records, reset=True)
        if records:
            self.move_cursor(row=min(row, len(records) - 1), animate=False)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """A body cell drawn straight from its one-line Text, as DataTable would draw it.

        DataTable renders every cell through Rich's console (padding, wrapping,
        line splitting): most of the time a screen of rows takes to draw. Our
        cells are single-line, unwrapped Text, so the same segments come from
        cropping the text and applying the same styles. Header cells, and any
        cell this does not describe, go the stock way. Cached as DataTable does.
        """
        stock = row_index < self.fixed_rows or column_index < max(self.fixed_columns, 0)
        row_key = None if stock else self._row_locations.get_key(row_index)
        column_key = None if stock else self._column_locations.get_key(column_index)
        row = self.rows.get(row_key) if row_key is not None else None
        if row_key is None or column_key is None or row is None or row.height != 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cache = self._cell_render_cache
        if cache_key in cache:
            return cache[cache_key]
        cell = self._data[row_key].get(column_key)
        if not isinstance(cell, Text) or "\n" in cell.plain or "\t" in cell.plain:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index})
        pre_style += component_style
        padding = self.cell_padding
        room = max(width - 2 * padding, 0)
        text = cell
        if cell.cell_len > room:
            text = cell.copy()
            text.truncate(room, overflow=cell.overflow or "fold")  # as Rich crops a no_wrap line
        # The space after the text is unstyled, as Rich pads a rendered line.
        console = self.app.console
        drawn = text.render(console, end="")  # the spans' styles; the Text's own comes next
        if text.style:
            drawn = Segment.apply_style(drawn, console.get_style(text.style))
        segments = [
            Segment(" " * padding),
            *drawn,
            Segment(" " * (room - text.cell_len + padding)),
        ]
        lines = [list(Segment.apply_style(segments, pre_style, post_style))]
        cache[cache_key] = lines
        return lines

    def prerender(self) -> None:
        """Draw the rows in view into the table's line cache now, rather than in the next frame.

        Rows often arrive while nothing can be shown: Textual holds the screen
        back for 50 ms after a switch, and frames come at most every 1/60 s. The
        frame that shows them then only copies the drawn lines. The cache is the
        one DataTable draws from, with the same keys (pseudo-classes as
        ``render_lines`` sets them), so a frame never shows other lines than it
        would have drawn.
        """
        height = self.size.height
        if not height or not self.screen.is_current:
            return  # not laid out yet, or not on screen
        self._pseudo_class_state = self.get_pseudo_class_state()
        for y in range(height):
            self.render_line(y)

    def column_widths(self) -> dict[str, int]:
        """Column key → width in cells, as drawn now."""
        return {str(k.value): c.width for k, c in self.columns.items()}

    def selected_id(self) -> int | None:
        """The history id of the row under the cursor (None: no rows)."""
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def show_id(self, history_id: Any) -> bool:
        """Put the cursor on the row of ``history_id``; whether it is in the table."""
        try:
            index = self.get_row_index(str(history_id))
        except Exception:  # RowDoesNotExist: not among the rows shown
            return False
        self.move_cursor(row=index, animate=False)
        return True
