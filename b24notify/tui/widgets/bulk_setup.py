"""The Bulk screen's setup pane: template, data file, dialog column, profile, rows, column map.

The pane only collects what the user chose and shows what the screen sets on
it (templates, column map, field errors); it posts ``Changed`` on every edit
and ``Browse`` when the data file picker is wanted. :meth:`BulkSetup.spec`
turns the fields into the core's ``BulkSpec`` or names the field to fix.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static

from b24notify.tui.widgets.bulk_columns import ColumnMap, columns_text
from b24notify.tui.widgets.profile_select import (
    NO_PROFILE,
    profile_picker,
    refresh_profile_picker,
)

if TYPE_CHECKING:
    from b24notify.core.bulk_check import BulkSpec

DATA_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json"})
"""Files the path completion and the picker offer (the formats ``open_data`` reads)."""
MAX_LISTED = 2000  # entries looked at per directory while completing a path

FIELDS = ("template", "data", "to", "profile", "limit")


class PathSuggester(Suggester):
    """Completes a path in place: folders (with a trailing ``/``) and data files, ``~`` kept."""

    def __init__(self) -> None:
        # Paths are case-sensitive, and a folder's content changes: no folding, no cache.
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_path(value)


def complete_path(value: str) -> str | None:
    """The first folder or data file that ``value`` is the start of, written the same way."""
    if not value:
        return None
    head, sep, prefix = value.rpartition(os.sep)
    if sep:
        folder = Path(os.path.expanduser(head or os.sep))
    elif value.startswith("~"):
        return None  # "~" alone or "~user": the user completes that part
    else:
        folder = Path(".")
    folders: list[str] = []
    files: list[str] = []
    try:
        with os.scandir(folder) as found:
            for index, entry in enumerate(found):
                if index >= MAX_LISTED:
                    break
                name = entry.name
                if not name.startswith(prefix) or (name.startswith(".") and not prefix):
                    continue
                if _is_dir(entry):
                    folders.append(name)
                elif name != prefix and _is_data(name):
                    files.append(name)
    except OSError:
        return None
    if folders:
        return f"{head}{sep}{min(folders)}{os.sep}"
    if files:
        return f"{head}{sep}{min(files)}"
    return None


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_data(name: str) -> bool:
    return Path(name).suffix.lower() in DATA_SUFFIXES


class BulkSetup(VerticalScroll):
    """The fields of a bulk run and the map of the data file's columns."""

    DEFAULT_CSS = """
    BulkSetup { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
    BulkSetup .bs-field { height: auto; margin: 1 0 0 0; }
    BulkSetup .bs-row { height: 1; }
    BulkSetup .bs-label { width: 11; text-style: bold; }
    BulkSetup .bs-row Input, BulkSetup .bs-row Select { width: 1fr; }
    BulkSetup #bs-browse { min-width: 5; width: 5; height: 1; border: none; margin: 0 0 0 1; }
    BulkSetup .bs-help { color: $text-muted; text-style: italic; margin: 0 0 0 11; }
    BulkSetup .bs-error { display: none; color: $text-error; margin: 0 0 0 11; }
    BulkSetup .bs-field.-invalid .bs-error { display: block; }
    BulkSetup .bs-field.-invalid Input { background: $error 25%; }
    BulkSetup #bs-columns { height: auto; margin: 1 0 0 0; }
    BulkSetup .bs-help { display: none; }
    BulkSetup .bs-field:focus-within .bs-help { display: block; }
    """

    class Changed(Message):
        """A field was edited: the last check no longer matches what the fields say."""

        def __init__(self, field: str) -> None:
            super().__init__()
            self.field = field

    class Browse(Message):
        """The user wants to pick the data file from a folder tree."""

    def __init__(
        self,
        profiles: Sequence[str],
        *,
        profile: str | None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._profiles = list(profiles)
        self._profile = profile if profile in self._profiles else None
        self._templates: list[str] = []
        self._pending_template: str | None = None
        self.found: ColumnMap | None = None
        """The column map on show (None while there is none)."""

    def compose(self) -> ComposeResult:
        yield self._field(
            "template",
            "Template",
            Select([], prompt="loading templates…", compact=True, id="bs-template"),
            "The message every row sends",
        )
        with Vertical(classes="bs-field", id="field-data"):
            with Horizontal(classes="bs-row"):
                yield Label("Data file", classes="bs-label")
                yield Input(
                    placeholder="people.csv or rows.jsonl",
                    suggester=PathSuggester(),
                    compact=True,
                    id="bs-data",
                )
                yield Button("…", id="bs-browse", tooltip="Pick the file from a folder tree")
            yield Static(
                "CSV (any delimiter) or JSON Lines; one row per message. → completes.",
                classes="bs-help",
            )
            yield Static("", classes="bs-error", markup=False)
        yield self._field(
            "to",
            "Dialog",
            Input(value="dialog_id", compact=True, id="bs-to"),
            "The column with the dialog (42, chat7), or an expression: chat{{ chat_no }}",
        )
        profile_widget = profile_picker(
            self._profiles, self._profile, id="bs-profile", none_text=NO_PROFILE
        )
        yield self._field("profile", "Profile", profile_widget, "Who sends, and at what rate")
        yield self._field(
            "limit",
            "Rows",
            Input(placeholder="all", type="integer", compact=True, id="bs-limit"),
            "Send only the first N rows (a trial); empty sends them all",
        )
        yield Static(
            Text("Pick a data file to see which column fills what.", "dim italic"),
            id="bs-columns",
        )

    def _field(self, name: str, label: str, widget: Any, help_text: str) -> Vertical:
        return Vertical(
            Horizontal(Label(label, classes="bs-label"), widget, classes="bs-row"),
            Static(help_text, classes="bs-help", markup=False),
            Static("", classes="bs-error", markup=False),
            classes="bs-field",
            id=f"field-{name}",
        )

    # ---- attributes down ----------------------------------------------------

    async def set_profiles(self, profiles: Sequence[str], keep: str | None) -> None:
        """Offer ``profiles``, on ``keep`` when it is among them (posts no message)."""
        self._profiles = list(profiles)
        await refresh_profile_picker(self, profiles, keep, id="bs-profile", none_text=NO_PROFILE)

    def set_templates(self, names: Iterable[str], *, current: str | None = None) -> None:
        """Offer ``names``; keep the chosen one, or choose ``current`` when it is among them."""
        select: Select[str] = self.query_one("#bs-template", Select)
        keep = current or self._pending_template or self.template
        self._templates = list(names)
        with self.prevent(Select.Changed):
            select.set_options([(name, name) for name in self._templates])
            select.prompt = "pick a template"
            if keep in self._templates:
                select.value = keep
        self._pending_template = None if keep in self._templates else keep

    def set_columns(self, found: ColumnMap | None, note: str | None = None) -> None:
        """Show the column map (or ``note`` when there is none) and offer the columns for Dialog."""
        view = self.query_one("#bs-columns", Static)
        self.found = found
        if found is None:
            view.update(Text(note or "", "dim italic"))
            return
        view.update(columns_text(found))
        self.query_one("#bs-to", Input).suggester = SuggestFromList(
            found.columns, case_sensitive=True
        )

    def show_error(self, field: str, error: str | None) -> None:
        """Mark ``field`` invalid with ``error`` under it (None clears it)."""
        box = self.query(f"#field-{field}")
        if not box:
            return
        box.first().set_class(error is not None, "-invalid")
        box.first().query_one(".bs-error", Static).update(error or "")

    def clear_errors(self) -> None:
        for field in FIELDS:
            self.show_error(field, None)

    def load(self, *, template: str | None = None, data: str | None = None) -> None:
        """Fill the template and data file (e.g. a failed-rows file to send as a new run)."""
        if template is not None:
            if template in self._templates:
                self.query_one("#bs-template", Select).value = template
            else:
                self._pending_template = template
        if data is not None:
            self.query_one("#bs-data", Input).value = data

    def focus_field(self, field: str) -> None:
        ids = {"template": "#bs-template", "data": "#bs-data", "to": "#bs-to"}
        ids |= {"profile": "#bs-profile", "limit": "#bs-limit"}
        found = self.query(ids.get(field, "#bs-data"))
        if found:
            found.first().focus()

    # ---- what the fields say --------------------------------------------------

    @property
    def templates(self) -> list[str]:
        """The templates on offer (empty until the screen has loaded them)."""
        return list(self._templates)

    @property
    def template(self) -> str | None:
        value = self.query_one("#bs-template", Select).value
        return value if isinstance(value, str) else None

    @property
    def data(self) -> str:
        return self.query_one("#bs-data", Input).value.strip()

    @property
    def to(self) -> str:
        return self.query_one("#bs-to", Input).value.strip()

    @property
    def profile(self) -> str | None:
        found = self.query("#bs-profile")
        if not found:
            return None
        value = found.first(Select).value
        return value if isinstance(value, str) else None

    def spec(self) -> tuple[BulkSpec | None, dict[str, str]]:
        """The run the fields describe, or None and each field's problem."""
        from b24notify.core.bulk_check import BulkSpec

        problems: dict[str, str] = {}
        if self.template is None:
            problems["template"] = "Pick the template every row sends."
        if not self.data:
            problems["data"] = "Name the CSV or JSONL file with one row per message."
        if not self.to:
            problems["to"] = "Name the column that holds the dialog (or an expression)."
        if self.profile is None:
            problems["profile"] = "No profile: add one on the Profiles screen first."
        limit: int | None = None
        raw = self.query_one("#bs-limit", Input).value.strip()
        if raw:
            try:
                limit = int(raw)
            except ValueError:
                limit = 0
            if limit < 1:
                problems["limit"] = "A number of rows, 1 or more (empty sends every row)."
        if problems:
            return None, problems
        assert self.template is not None
        spec = BulkSpec(
            template=self.template,
            data=Path(self.data).expanduser(),
            to=self.to,
            profile=self.profile,
            limit=limit,
        )
        return spec, {}

    # ---- messages up --------------------------------------------------------

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        field = (event.input.id or "").removeprefix("bs-")
        self.show_error(field, None)
        self.post_message(self.Changed(field))

    @on(Input.Submitted, "#bs-data")
    def _data_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#bs-to", Input).focus()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        field = (event.select.id or "").removeprefix("bs-")
        self.show_error(field, None)
        self.post_message(self.Changed(field))

    @on(Button.Pressed, "#bs-browse")
    def _browse(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Browse())
