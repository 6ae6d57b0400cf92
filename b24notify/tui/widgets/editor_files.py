"""The editor's file commands: open, new, save as, duplicate, delete (a dialog, then the library).

Functions over the editor screen (it owns the open file and the leave-guard);
kept apart so the screen stays about editing and previewing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b24notify.core.errors import B24NotifyError, TemplateError
from b24notify.tui.widgets.editor_dialogs import NameDialog, OpenTemplateDialog
from b24notify.tui.widgets.editor_source import (
    Source,
    clean_name,
    from_template,
    is_inside,
    name_problem,
)

if TYPE_CHECKING:
    from b24notify.tui.screens.editor import EditorScreen


def open_other(screen: EditorScreen) -> None:
    """Pick a template from the list and open it (after the unsaved-changes question)."""
    current = screen.source.name if screen.source else None

    def chosen(name: str | None) -> None:
        if name:
            screen.when_left(f"opening {name}", lambda: screen.open_template(name))

    screen.app.push_screen(OpenTemplateDialog(screen.service.templates, current=current), chosen)


def new(screen: EditorScreen) -> None:
    """Ask for a name and start a new template from the starter content."""
    library = screen.service.library

    def chosen(name: str | None) -> None:
        if name:
            screen.when_left("starting a new template", lambda: screen.new_template(name))

    screen.app.push_screen(
        NameDialog(
            "New template",
            prompt="Name of the new template (folder/name, e.g. incident/db_down):",
            confirm_label="Create",
            check=lambda n: name_problem(library, n),
        ),
        chosen,
    )


def save_as(screen: EditorScreen) -> None:
    """Write the text as a new template of the user's; the editor then edits that one."""
    source = screen.source
    if source is None:
        screen.notify("Nothing to save: no template is open.", severity="warning")
        return
    if screen.parsed_or_explain(source, "Not saved") is None:
        return
    library = screen.service.library
    suggestion = source.name if source.shipped else f"{source.name}-copy"

    def chosen(name: str | None) -> None:
        if not name or screen.source is None:
            return
        try:
            template = library.from_toml(screen.area.text, clean_name(name))
        except TemplateError as err:
            screen.notify(str(err), title="Not saved", severity="error")
            return
        screen.write(template)

    screen.app.push_screen(
        NameDialog(
            "Save as",
            prompt="Name of the new template in your templates folder (folder/name):",
            value=suggestion,
            confirm_label="Save",
            check=lambda n: name_problem(library, n, new=False),
        ),
        chosen,
    )


def duplicate(screen: EditorScreen) -> None:
    """Copy the saved template under a new name in the user's folder and open the copy."""
    source = screen.source
    if source is None or source.is_new:
        screen.notify("Save the template before duplicating it.", severity="warning")
        return
    library = screen.service.library

    def chosen(new_name: str | None) -> None:
        if not new_name:
            return
        try:
            copy = library.duplicate(source.name, clean_name(new_name))
        except B24NotifyError as err:
            screen.notify(str(err), title="Not duplicated", severity="error")
            return
        screen.load_source(from_template(copy))
        screen.notify(f"Duplicated {source.name} as {copy.name}; now editing the copy.")
        screen.app.post_message(screen.TemplateSaved(copy.name, copy.path))

    def ask() -> None:
        screen.app.push_screen(
            NameDialog(
                f"Duplicate {source.name}",
                prompt="Name of the copy (in your templates folder):",
                value=f"{source.name}-copy",
                confirm_label="Duplicate",
                check=lambda n: name_problem(library, n),
            ),
            chosen,
        )

    screen.when_left("duplicating it", ask)


def delete(screen: EditorScreen) -> None:
    """Delete the open template after confirmation — the user's own templates only."""
    source = screen.source
    if source is None:
        screen.notify("No template is open.", severity="warning")
        return
    if source.is_new:
        screen.notify("This template was never saved; esc closes it.", severity="warning")
        return
    library = screen.service.library
    if source.path is None or not is_inside(source.path, library.user_dir):
        where = "is shipped with b24notify" if source.shipped else "is in a shared folder"
        screen.notify(
            f"Only your own templates can be deleted; {source.name} {where}. "
            "Save as (f12) makes your own copy.",
            title="Not deleted",
            severity="error",
        )
        return
    from b24notify.tui.screens.dialogs import ConfirmDialog

    def answered(yes: bool | None) -> None:
        if yes:
            _delete(screen, source)

    screen.app.push_screen(
        ConfirmDialog(
            f"Delete {source.name}?",
            message=f"{source.path} is removed from your templates.",
            confirm_label="Delete",
            danger=True,
        ),
        answered,
    )


def _delete(screen: EditorScreen, source: Source) -> None:
    library = screen.service.library
    try:
        if source.broken and source.path is not None:
            source.path.unlink()  # the library can't load it, so can't delete it either
        else:
            library.delete(source.name)
    except (B24NotifyError, OSError) as err:
        screen.notify(str(err), title="Not deleted", severity="error")
        return
    screen.app.post_message(screen.TemplateSaved(source.name, source.path, deleted=True))
    if source.name in library.names():
        screen.open_template(source.name)
        screen.notify(
            f"Deleted your {source.name}; the shipped one of that name is back in effect.",
            title="Deleted",
        )
    else:
        screen.close_template()
        screen.notify(f"Deleted {source.name}.", title="Deleted")
