"""The Template editor: the whole template file with highlighting, and its live preview beside it.

One TOML text area holds the file exactly as it is shared and versioned
(name, description, tags, ``[send]``, ``[vars]`` and every ``[body]`` part),
so TOML, schema, Jinja and JSON errors all point at a line of that one text.
Each edit re-parses the text (``TemplateLibrary.from_toml``) and previews it
with the template's sample values through ``Service.preview`` — nothing is
written until ctrl+s. Saving goes through the library: atomic, never over a
shipped template (that becomes the user's own copy), never over a file that
changed on disk without asking.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, TextArea

from b24notify.core.errors import B24NotifyError, TemplateError
from b24notify.core.models import Draft
from b24notify.tui.widgets import editor_files
from b24notify.tui.widgets.chat_preview import ChatPreview
from b24notify.tui.widgets.editor_area import TemplateTextArea
from b24notify.tui.widgets.editor_dialogs import (
    DISCARD,
    OVERWRITE,
    RELOAD,
    SAVE,
    ChangedOnDiskDialog,
    UnsavedChangesDialog,
)
from b24notify.tui.widgets.editor_lines import file_line, key_line, part_start_line
from b24notify.tui.widgets.editor_source import (
    Source,
    clean_name,
    disk_state,
    from_template,
    new_source,
    open_source,
)
from b24notify.tui.widgets.editor_status import EditorStatus, EditorTitle
from b24notify.tui.widgets.key_bar import KeyBar
from b24notify.tui.widgets.preview_pane import ChatContext, PreviewPane
from b24notify.tui.widgets.problems_list import Finding, ProblemsList

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from b24notify.core.config import Profile
    from b24notify.core.service import Preview, Service
    from b24notify.core.templates import Template
    from b24notify.tui.app import PaletteCommand

DISK_CHECK_SECONDS = 2.0
_DIALOG_PATHS = ("DIALOG_ID", "dialogId")


class EditorScreen(Screen[None]):
    """Template file on the left, its preview (chat, request, code, problems) on the right."""

    SCREEN_TITLE = "Template editor"
    BINDINGS: ClassVar[list[Any]] = [
        Binding("ctrl+s", "save", "Save", id="editor.save", priority=True),
        Binding("f12", "save_as", "Save as", id="editor.save_as"),
        Binding("ctrl+o", "open", "Open", id="editor.open"),
        Binding("ctrl+n", "new", "New", id="editor.new"),
        Binding("ctrl+l", "go_to_error", "Go to error", id="editor.go_to_error"),
        # Priority: the text area would take the first escape just to lose focus.
        Binding("escape", "close", "Close", id="editor.close", priority=True),
    ]
    DEFAULT_CSS = """
    EditorScreen #editor-title {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    EditorScreen #editor-title.-modified { background: $warning-muted; }
    EditorScreen #editor-main { height: 1fr; }
    EditorScreen #editor-pane { width: 1.2fr; height: 1fr; }
    EditorScreen #editor-area { height: 1fr; border: none; }
    EditorScreen #editor-status {
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $panel;
        color: $text-success;
    }
    EditorScreen #editor-status.-bad { color: $text-error; }
    EditorScreen #editor-status.-warn { color: $text-warning; }
    EditorScreen #editor-preview {
        width: 1fr;
        height: 1fr;
        border-left: vkey $panel-lighten-1;
    }
    EditorScreen.-wide #editor-pane { width: 1.4fr; }
    """

    class TemplateSaved(Message):
        """A template file was written or deleted (lists of templates should reload)."""

        def __init__(self, name: str, path: Path | None, *, deleted: bool = False) -> None:
            super().__init__()
            self.name = name
            self.path = path
            self.deleted = deleted

    def __init__(
        self,
        service: Service,
        *,
        template_name: str | None = None,
        profile_name: str | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.source: Source | None = None
        """The file being edited as last read or saved; None when nothing is open."""
        self.template: Template | None = None
        """The last text that parsed, as a template (None while the TOML is broken)."""
        self.preview: Preview | None = None
        self.problem: TemplateError | None = None
        """The error shown in the status line (TOML, schema, Jinja or JSON), if any."""
        self._initial = template_name
        self._profile_name = profile_name
        self._seen_selection: str | None = None
        self._force_save = False
        self._asking = False
        self._dismissed: tuple[int, int] | None = None

    # ---- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield EditorTitle(id="editor-title")
        with Horizontal(id="editor-main"):
            with Vertical(id="editor-pane"):
                yield TemplateTextArea(id="editor-area")
                yield EditorStatus(id="editor-status")
            yield PreviewPane(id="editor-preview")
        yield KeyBar()

    def on_mount(self) -> None:
        if self.source is None:
            self.close_template()
        if self._initial is not None:
            # Opened for a given template: follow Compose only once its choice changes.
            self._seen_selection = self._compose_selection()
            self.open_template(self._initial)
        self.set_interval(DISK_CHECK_SECONDS, self.check_disk)

    def on_screen_resume(self) -> None:
        self._follow_compose()
        self.check_disk()

    @property
    def area(self) -> TemplateTextArea:
        return self.query_one(TemplateTextArea)

    @property
    def modified(self) -> bool:
        """True when the text differs from the file (a new template always counts)."""
        source = self.source
        if source is None:
            return False
        return source.is_new or self.area.text != source.text

    has_unsaved_changes = modified

    def quit_warning(self) -> str | None:
        """What quitting now would lose (None: nothing)."""
        if self.source is None or not self.modified:
            return None
        return f"The template {self.source.name} has unsaved changes."

    # ---- opening ------------------------------------------------------------

    def open_template(self, name: str) -> bool:
        """Load template ``name`` into the editor (a broken file opens as text to fix)."""
        try:
            source = open_source(self.service.library, name)
        except B24NotifyError as err:
            self.notify(str(err), title=err.title, severity="error")
            return False
        self.load_source(source)
        if source.broken:
            self.notify(
                f"{source.broken}. Fix it here and save.",
                title="This template does not load",
                severity="warning",
            )
        return True

    def new_template(self, name: str) -> None:
        """Start a new, unsaved template ``name`` from the starter content."""
        self.load_source(new_source(clean_name(name)))
        self.notify(f"New template {clean_name(name)}: ctrl+s writes it to your templates.")

    def load_source(self, source: Source, *, keep_cursor: bool = False) -> None:
        """Put ``source`` in the editor and preview it."""
        area = self.area
        where = area.cursor_location
        self.source = source
        self._force_save = False
        area.read_only = False
        area.load_text(source.text)
        if keep_cursor:
            row = min(where[0], max(area.document.line_count - 1, 0))
            area.move_cursor((row, 0))
        area.focus()
        self.refresh_preview()

    def close_template(self) -> None:
        """Close the open file (no questions asked) and show the empty editor."""
        self.source = None
        self.template = None
        self.preview = None
        self.problem = None
        area = self.area
        area.load_text("")
        area.read_only = True
        area.mark_error(None)
        area.placeholder = "No template open: ctrl+o opens one, ctrl+n starts a new one."
        self.query_one(ChatPreview).clear("The preview of the template you open shows here.")
        self._show_title()
        self.query_one(EditorStatus).say("")

    def _compose_selection(self) -> str | None:
        screen_of = getattr(self.app, "screen_of", None)
        compose = screen_of("compose") if callable(screen_of) else None
        name = getattr(compose, "template_name", None)
        return name if isinstance(name, str) else None

    def _follow_compose(self) -> None:
        """Open the template chosen in Compose when it changed since last time (f4 = edit it)."""
        name = self._compose_selection()
        if name is None or name == self._seen_selection:
            return
        self._seen_selection = name
        if self.source is not None and self.source.name == name:
            return
        self.when_left(f"opening {name}", lambda: self.open_template(name))

    # ---- leaving with unsaved changes ---------------------------------------

    def when_left(self, action: str, then: Callable[[], Any]) -> None:
        """Run ``then`` once the open template may be left: saved, discarded, or not modified."""
        if not self.modified or self.source is None:
            then()
            return
        if self._asking:
            return
        self._asking = True

        def answered(choice: str | None) -> None:
            self._asking = False
            if choice == SAVE:
                self._save(after=then)
            elif choice == DISCARD:
                then()

        self.app.push_screen(UnsavedChangesDialog(self.source.name, action=action), answered)

    # ---- preview ------------------------------------------------------------

    @on(TextArea.Changed, "#editor-area")
    def _text_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if self.source is not None:
            self.refresh_preview()

    def refresh_preview(self) -> Preview | None:
        """Parse the text, preview it with sample values, mark the error line (synchronous)."""
        source = self.source
        self._show_title()
        if source is None:
            return None
        from b24notify.core.service import Preview
        from b24notify.core.templates import sample_values

        profile = self._profile()
        api = profile.api if profile is not None else "v1"
        text = self.area.text
        template: Template | None = None
        try:
            template = self.service.library.from_toml(
                text, source.name, path=source.path, stamp=source.stamp
            )
            values = sample_values(template)
        except TemplateError as err:
            self.template = template
            from b24notify.core.payload import method_for

            preview = Preview(template=source.name, api=api, method=method_for(api), error=err)
            self._show(preview, profile, template)
            return preview
        self.template = template
        draft = Draft(template=source.name, values=values, options=template.send_options())
        try:
            preview = self.service.preview(draft, profile=profile, api=api, template=template)
        except Exception as err:  # a bug must not take the editor down while typing
            self.log.error("preview failed", err)
            self.query_one(EditorStatus).say(
                f"The preview failed: {type(err).__name__}: {err}", "bad"
            )
            return None
        if draft.options.dialog_id is None:
            # Compose picks the dialog; a template without one is not a problem here.
            preview.problems = [
                p for p in preview.problems if p.path.split(".")[0] not in _DIALOG_PATHS
            ]
        self._show(preview, profile, template)
        return preview

    def _show(self, preview: Preview, profile: Profile | None, template: Template | None) -> None:
        self.preview = preview
        self.problem = preview.error
        text = self.area.text
        error = preview.error
        line = file_line(text, error.part, error.line) if error is not None else None
        self.area.mark_error(line)
        options = template.send_options() if template is not None else None
        bot_id = (options.bot_id if options else None) or (profile.bot_id if profile else None)
        dialog = (options.dialog_id if options else None) or "the dialog chosen in Compose"
        context = ChatContext(
            sender=f"{f'Bot #{bot_id}' if bot_id else 'Bot'} → {dialog}",
            system=bool(options and options.system),
            bot_id=bot_id,
        )
        labels: dict[str, str] = {}
        if template is not None and error is None:
            labels = {spec.name: spec.title for spec in template.variables}
        self.query_one(PreviewPane).show(
            preview,
            context,
            code=lambda fmt: self.service.export(preview, fmt, profile=profile),
            labels=labels,
        )
        self.query_one(EditorStatus).show(preview, line)

    def _show_title(self) -> None:
        self.query_one(EditorTitle).show(self.source, modified=self.modified)

    def _profile(self) -> Profile | None:
        name = self._profile_name or getattr(self.app, "profile_name", None)
        try:
            return self.service.profile(name)
        except B24NotifyError:
            return None

    # ---- saving -------------------------------------------------------------

    def action_save(self) -> None:
        self._save()

    def _save(self, *, after: Callable[[], Any] | None = None) -> None:
        source = self.source
        if source is None:
            self.notify("Nothing to save: no template is open.", severity="warning")
            return
        template = self.parsed_or_explain(source, "Not saved")
        if template is None:
            return
        preview = self.refresh_preview()
        error = preview.error if preview is not None else None
        if error is None:
            self.write(template, force=self._force_save, after=after)
            return
        from b24notify.tui.screens.dialogs import ConfirmDialog

        line = self.area.error_line

        def answered(save: bool | None) -> None:
            if save:
                self.write(template, force=self._force_save, after=after)

        where = f" at line {line}" if line is not None else ""
        self.app.push_screen(
            ConfirmDialog(
                f"Save {source.name} with an error?",
                message=(
                    f"The template has an error{where}: {error}\n\nSaved like this, it cannot "
                    "render or send until it is fixed (ctrl+l goes to the error)."
                ),
                confirm_label="Save anyway",
                danger=True,
            ),
            answered,
        )

    def parsed_or_explain(self, source: Source, what: str) -> Template | None:
        """The text as a template, or None after saying what is wrong and where."""
        try:
            return self.service.library.from_toml(
                self.area.text, source.name, path=source.path, stamp=source.stamp
            )
        except TemplateError as err:
            self.notify(str(err), title=f"{what}: the file has an error", severity="error")
            self.action_go_to_error()
            return None

    def write(
        self,
        template: Template,
        *,
        force: bool = False,
        after: Callable[[], Any] | None = None,
    ) -> None:
        from b24notify.core.template_save import TemplateConflict

        source = self.source
        was_shipped = template.shipped
        try:
            saved = self.service.library.save(template, force=force)
        except TemplateConflict as err:
            self._conflict(template, err, after)
            return
        except B24NotifyError as err:
            self.notify(str(err), title="Not saved", severity="error")
            return
        self._adopt(saved, keep_text=True)
        if was_shipped:
            self.notify(
                f"{saved.name} is shipped with b24notify, so your own copy was saved to "
                f"{saved.path}; it takes the shipped one's place.",
                title="Saved as your copy",
                timeout=10,
            )
        elif source is not None and source.name != saved.name:
            self.notify(f"Saved as {saved.name} ({saved.path}).", title="Saved")
        else:
            self.notify(f"Saved {saved.name}.", title="Saved")
        self.app.post_message(self.TemplateSaved(saved.name, saved.path))
        if after is not None:
            after()

    def _adopt(self, saved: Template, *, keep_text: bool) -> None:
        """Make ``saved`` the file being edited; show its text as written (normalised TOML)."""
        source = from_template(saved)
        self.source = source
        self._force_save = False
        if self.area.text != source.text:
            self.load_source(source, keep_cursor=keep_text)
        else:
            self.refresh_preview()

    def _conflict(
        self, template: Template, err: B24NotifyError, after: Callable[[], Any] | None
    ) -> None:
        source = self.source
        target = getattr(err, "path", None)
        if source is not None and source.path is not None and target == source.path:
            self._ask_changed(then_save=(template, after))
            return
        from b24notify.tui.screens.dialogs import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self.write(template, force=True, after=after)

        self.app.push_screen(
            ConfirmDialog(
                f"Overwrite {template.name}?",
                message=f"{target} already exists. Replace it with this template?",
                confirm_label="Overwrite",
                danger=True,
            ),
            answered,
        )

    # ---- changes on disk ----------------------------------------------------

    def check_disk(self) -> None:
        """Notice when the open file was changed or removed by something else."""
        source = self.source
        # Only while in view: a dialog must not pop up over another screen.
        if source is None or source.path is None or self._asking or not self.is_current:
            return
        state, text, stamp = disk_state(source)
        if state == "same":
            if stamp is not None:  # touched, same bytes
                self.source = replace(source, stamp=stamp)
            return
        if state == "missing":
            if source.stamp is None:
                return  # already said so
            self.source = replace(source, stamp=None)
            self._force_save = True
            self.notify(
                f"{source.path} was removed on disk; ctrl+s writes it again.",
                title=f"{source.name} was deleted",
                severity="warning",
                timeout=10,
            )
            return
        if stamp is not None and (stamp.mtime_ns, stamp.size) == self._dismissed:
            return
        if not self.modified and text is not None and stamp is not None:
            self.load_source(source.with_disk(text, stamp), keep_cursor=True)
            self.notify(f"{source.name} changed on disk; reloaded it.", title="Reloaded")
            return
        self._ask_changed()

    def _ask_changed(
        self, *, then_save: tuple[Template, Callable[[], Any] | None] | None = None
    ) -> None:
        source = self.source
        if source is None or self._asking:
            return
        self._asking = True
        _, _, stamp = disk_state(source)

        def answered(choice: str | None) -> None:
            self._asking = False
            current = self.source
            if current is None:
                return
            if choice == RELOAD:
                self.reload_from_disk()
            elif choice == OVERWRITE:
                self._force_save = True
                if stamp is not None:
                    self.source = replace(current, stamp=stamp)
                if then_save is not None:
                    template, after = then_save
                    self.write(template, force=True, after=after)
            elif stamp is not None:
                # Stop asking about this version; saving still notices and asks again.
                self._dismissed = (stamp.mtime_ns, stamp.size)

        self.app.push_screen(
            ChangedOnDiskDialog(source.name, str(source.path), edited=self.modified), answered
        )

    def reload_from_disk(self) -> None:
        """Throw away the edits and load the file as it is now on disk."""
        source = self.source
        if source is None or source.is_new:
            return
        self.open_template(source.name)

    # ---- other actions ------------------------------------------------------

    def action_open(self) -> None:
        editor_files.open_other(self)

    def action_new(self) -> None:
        editor_files.new(self)

    def action_save_as(self) -> None:
        editor_files.save_as(self)

    def action_duplicate(self) -> None:
        editor_files.duplicate(self)

    def action_delete(self) -> None:
        editor_files.delete(self)

    def action_close(self) -> None:
        if self.source is None:
            self._leave()
            return

        def close() -> None:
            self.close_template()
            self._leave()

        self.when_left("closing it", close)

    def _leave(self) -> None:
        open_screen = getattr(self.app, "open_screen", None)
        if callable(open_screen) and getattr(self.app, "current_mode", None) != "compose":
            open_screen("compose")

    def action_go_to_error(self) -> None:
        line = self.area.error_line
        if line is None:
            self.notify("No error to go to.", severity="information")
            return
        self.area.go_to_line(line)

    def go_to_part(self, key: str) -> None:
        """Put the cursor on ``key`` of the file (``body.attach``, ``vars``, ``send`` …)."""
        text = self.area.text
        line = key_line(text, key)
        if line is None:
            part = key.removeprefix("body.")
            self.notify(f"This template has no {part} yet.", severity="information")
            return
        self.area.go_to_line(line)

    @on(ProblemsList.Selected)
    def _problem_selected(self, event: ProblemsList.Selected) -> None:
        event.stop()
        self.go_to(event.finding)

    def go_to(self, finding: Finding) -> None:
        """Put the cursor where a finding points: its line, its part, or the variable."""
        text = self.area.text
        line: int | None = None
        if finding.part is not None:
            line = file_line(text, finding.part, finding.line) if finding.line else None
            line = line or part_start_line(text, finding.part)
        elif finding.target and finding.target.startswith("var:"):
            line = key_line(text, f"vars.{finding.target[4:]}")
        elif finding.target and finding.target.startswith("option:"):
            line = key_line(text, "send")
        if line is None:
            self.notify(finding.message, title=finding.where, severity="warning")
            return
        self.area.go_to_line(line)

    def palette_commands(self) -> list[PaletteCommand]:
        """Palette-only entries: duplicate, delete, reload, and jumps to each part."""
        out: list[PaletteCommand] = [
            (
                "Duplicate template…",
                "Copy the open template under a new name",
                self.action_duplicate,
            ),
            ("Delete template…", "Delete the open template (your own only)", self.action_delete),
            (
                "Reload template from disk",
                "Throw away the edits and read the file again",
                lambda: self.when_left("reloading it", self.reload_from_disk),
            ),
        ]
        for title, key in (
            ("message", "body.message"),
            ("attach", "body.attach"),
            ("keyboard", "body.keyboard"),
            ("menu", "body.menu"),
            ("variables", "vars"),
            ("send options", "send"),
        ):
            out.append((f"Go to {title}", f"Cursor to [{key}] of the file", _jump(self, key)))
        return out


def _jump(screen: EditorScreen, key: str) -> Callable[[], None]:
    return lambda: screen.go_to_part(key)
