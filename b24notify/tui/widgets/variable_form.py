"""The variable form: one typed field per template variable, with help, defaults and errors.

The form only collects raw values (strings, booleans, lists of lines); the
core types and checks them (``parse_values``) and the screen hands the
resulting field errors back through ``show_errors``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch, TextArea

from b24notify.tui.widgets.variable_inputs import FieldArea, FieldInput
from b24notify.tui.widgets.when_input import WhenInput

_PLACEHOLDERS = {
    "int": "a whole number",
    "float": "a number",
    "date": "YYYY-MM-DD",
    "datetime": "YYYY-MM-DD HH:MM",
    "url": "https://…",
    "dialog": "42 (a user) or chat123 (a chat)",
    "user": "a user id, e.g. 42",
    "list": "one item per line",
}
_INPUT_TYPES = {"int": "integer", "float": "number"}

if TYPE_CHECKING:
    from b24notify.core.template_vars import VarSpec as VariableSpec


def _text_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "\n".join(_text_value(v) for v in value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat())
    return str(value)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "on")
    return bool(value)


class Field(Vertical):
    """One labelled input with its help text and its error message."""

    def __init__(self, spec: VariableSpec) -> None:
        super().__init__(classes="field", id=f"field-{spec.name}")
        self.spec = spec
        self._error: str | None = None
        self._wanted: str | None = None
        self.touched = False
        """Edited by the user (values loaded into the form do not count)."""
        self._input_widget = self._input()
        """Built once: the form reads it on every keystroke, without a DOM query."""

    @property
    def kind(self) -> str:
        return str(getattr(self.spec, "type", "text") or "text")

    def compose(self) -> ComposeResult:
        spec = self.spec
        label = str(getattr(spec, "title", None) or getattr(spec, "label", None) or spec.name)
        mark = " *" if getattr(spec, "required", False) else ""
        yield Label(f"{label}{mark}", classes="field-label")
        yield self._input_widget
        if isinstance(self._input_widget, WhenInput):
            yield self._input_widget.make_hint()
        help_text = getattr(spec, "help", None)
        if help_text:
            yield Static(str(help_text), classes="field-help", markup=False)
        yield Static("", classes="field-error", markup=False)

    def _input(self) -> Widget:
        spec, kind = self.spec, self.kind
        wid = f"var-{spec.name}"
        default = getattr(spec, "default", None)
        if kind == "bool":
            return Switch(value=_truthy(default), id=wid, classes="field-input")
        if kind == "choice":
            choices = [str(c) for c in (getattr(spec, "choices", None) or [])]
            required = bool(getattr(spec, "required", False))
            value = str(default) if default is not None and str(default) in choices else None
            return Select(
                [(c, c) for c in choices],
                value=value if value is not None else Select.NULL,
                allow_blank=not required or value is None,
                prompt="choose…",
                id=wid,
                classes="field-input",
            )
        if kind in ("multiline", "list"):
            area = FieldArea(
                _text_value(default),
                id=wid,
                classes="field-input",
                soft_wrap=True,
                # A list numbers its lines: each line is one item.
                show_line_numbers=kind == "list",
                tab_behavior="focus",
            )
            area.placeholder = _PLACEHOLDERS.get(kind, "")
            return area
        placeholder = _PLACEHOLDERS.get(kind, "")
        if default not in (None, ""):
            placeholder = f"default: {_text_value(default)}"
        if kind in ("date", "datetime"):
            return WhenInput(
                _text_value(default),
                kind="date" if kind == "date" else "datetime",
                placeholder=placeholder,
                id=wid,
                classes="field-input",
            )
        return FieldInput(
            _text_value(default),
            placeholder=placeholder,
            type=_INPUT_TYPES.get(kind, "text"),  # type: ignore[arg-type]
            id=wid,
            classes="field-input",
        )

    @property
    def input(self) -> Widget:
        return self._input_widget

    def value(self) -> Any:
        """The raw value, or None when the field is empty (so defaults and required apply)."""
        widget = self.input
        if isinstance(widget, Switch):
            return widget.value
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        if isinstance(widget, TextArea):
            if self.kind == "list":
                items = [line.strip() for line in widget.text.splitlines()]
                return [item for item in items if item] or None
            return widget.text if widget.text.strip() else None
        if isinstance(widget, WhenInput):  # "tomorrow 10:00" reads as the moment it names
            return widget.absolute if widget.value.strip() else None
        if isinstance(widget, Input):
            return widget.value if widget.value.strip() else None
        return None

    def set_value(self, value: Any) -> None:
        widget = self.input
        if isinstance(widget, Switch):
            widget.value = _truthy(value)
        elif isinstance(widget, Select):
            text = None if value is None else str(value)
            choices = {str(c) for c in (getattr(self.spec, "choices", None) or [])}
            widget.value = text if text in choices else Select.NULL
        elif isinstance(widget, TextArea):
            widget.load_text(_text_value(value))
        elif isinstance(widget, Input):
            widget.value = _text_value(value)
            if isinstance(widget, WhenInput):  # its Changed is held back while a form loads
                widget.show_hint()

    @property
    def label(self) -> str:
        spec = self.spec
        return str(getattr(spec, "title", None) or getattr(spec, "label", None) or spec.name)

    def show_error(self, message: str | None) -> None:
        """Show ``message`` on the field, unless it is empty and nobody has touched it yet.

        A form opened with its defaults starts with every required field empty:
        marking them all red before anything is typed says nothing useful. Errors
        show once the field was edited, holds a value, or a send asked for them.
        """
        self._wanted = message
        if message is not None and not self.touched and self.value() is None:
            message = None
        # Called on every keystroke: touch the widgets only when the error changes
        # (an update costs a layout pass).
        if message == self._error:
            return
        self._error = message
        self.set_class(message is not None, "-invalid")
        self.query_one(".field-error", Static).update(self.error_text(message))

    def error_text(self, message: str | None) -> str:
        """``Incident is required``: the field's label starts a sentence the core left open."""
        if not message:
            return ""
        if message.startswith(("is ", "must ", "has ", "should ", "needs ")):
            return f"{self.label} {message}"
        return message[:1].upper() + message[1:]

    def reveal_error(self) -> None:
        """Count the field as touched and show its error, if it has one."""
        self.touched = True
        self.show_error(self._wanted)


class VariableForm(Vertical):
    """A form generated from a template's variables; posts ``Changed`` on every edit."""

    class Changed(Message):
        """A value changed; ``form.values()`` has the new raw values."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.specs: list[VariableSpec] = []
        self._suggestions: list[str] = []
        self.live: Callable[[], object] | None = None
        """Called synchronously on each edit of a text field (the screen's live preview)."""
        self.building = False
        """True while fields are being replaced: values are not readable then."""
        self._fields: list[Field] = []

    async def build(self, specs: Iterable[VariableSpec], values: Mapping[str, Any]) -> None:
        """Replace the fields with those of ``specs``, filled from ``values``."""
        self.specs = list(specs)
        self.building = True
        try:
            await self._build(values)
        finally:
            self.building = False

    async def _build(self, values: Mapping[str, Any]) -> None:
        self._fields = []
        await self.remove_children()
        if not self.specs:
            await self.mount(Static("This template has no variables.", id="form-empty"))
            return
        fields = [Field(spec) for spec in self.specs]
        await self.mount_all(fields)
        self._fields = fields
        for field in fields:
            if isinstance(field.input, FieldInput | FieldArea):
                field.input.live = self.live
        self.load(values)
        self.set_dialog_suggestions(self._suggestions)

    def fields(self) -> list[Field]:
        """The fields in form order (kept, not queried: the preview reads them per keystroke)."""
        return list(self._fields)

    def field(self, name: str) -> Field | None:
        return next((f for f in self._fields if f.spec.name == name), None)

    def load(self, values: Mapping[str, Any]) -> None:
        """Set field values without each one announcing a change."""
        with self.prevent(Input.Changed, TextArea.Changed, Switch.Changed, Select.Changed):
            for field in self.fields():
                if field.spec.name in values:
                    field.set_value(values[field.spec.name])

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in self.fields():
            value = field.value()
            if value is not None:
                out[field.spec.name] = value
        return out

    def show_errors(self, errors: Mapping[str, str]) -> None:
        for field in self.fields():
            field.show_error(errors.get(field.spec.name))

    def reveal_errors(self) -> None:
        """Show every field's error, touched or not (a send was asked for)."""
        for field in self.fields():
            field.reveal_error()

    def focus_field(self, name: str) -> bool:
        field = self.field(name)
        if field is None:
            return False
        field.input.focus()
        field.scroll_visible()
        return True

    def set_dialog_suggestions(self, dialogs: Sequence[str]) -> None:
        """Completion for dialog/user fields from the dialogs recently sent to."""
        self._suggestions = list(dialogs)
        suggester = SuggestFromList(self._suggestions, case_sensitive=False)
        for field in self.fields():
            if field.kind in ("dialog", "user") and isinstance(field.input, Input):
                field.input.suggester = suggester

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Switch.Changed)
    @on(Select.Changed)
    def _changed(self, event: Message) -> None:
        event.stop()
        sender = getattr(event, "control", None) or getattr(event, "input", None)
        for field in self._fields:
            if field.input is sender:
                field.touched = True
                break
        self.post_message(self.Changed())
