"""The file open in the editor: open it (even broken), start a new one, notice disk changes.

Plain data and functions over ``TemplateLibrary`` (no widgets), so the
editor screen stays about the UI and these rules are tested on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from b24notify.core.errors import TemplateError
from b24notify.core.template_schema import FileStamp, TemplateFileError

if TYPE_CHECKING:
    from b24notify.core.templates import Template, TemplateLibrary

DiskState = Literal["same", "changed", "missing"]


@dataclass(frozen=True)
class Source:
    """A template file as the editor last read or wrote it.

    ``path`` is None for a new template that was never saved; ``stamp`` is the
    file as read (to notice changes made behind the editor's back); ``broken``
    says why the file would not load when it was opened anyway, to be fixed.
    """

    name: str
    text: str
    path: Path | None = None
    stamp: FileStamp | None = None
    shipped: bool = False
    broken: str | None = None

    @property
    def is_new(self) -> bool:
        return self.path is None

    def with_disk(self, text: str, stamp: FileStamp) -> Source:
        """This source as now found on disk."""
        return replace(self, text=text, stamp=stamp, broken=None)


def from_template(template: Template) -> Source:
    """The source of a template loaded (or just saved) by the library."""
    return Source(
        name=template.name,
        text=template.source_text,
        path=template.path,
        stamp=template.stamp,
        shipped=template.shipped,
    )


def open_source(library: TemplateLibrary, name: str) -> Source:
    """The file of template ``name``; a file that does not load is opened as text to be fixed.

    Raises TemplateNotFound (no such template) or TemplateFileError (unreadable).
    """
    try:
        return from_template(library.get(name))
    except TemplateFileError as err:
        if err.path is None:
            raise
        text, stamp = read_file(err.path, err)
        return Source(
            name=err.template,
            text=text,
            path=err.path,
            stamp=stamp,
            shipped=is_inside(err.path, library.shipped_dir),
            broken=str(err),
        )


def read_file(path: Path, error: TemplateError | None = None) -> tuple[str, FileStamp]:
    """The text and stamp of a template file; TemplateFileError when it can't be read as text."""
    try:
        raw = path.read_bytes()
        mtime_ns = path.stat().st_mtime_ns
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        if error is not None:
            raise error from None
        raise TemplateFileError(
            "can't be read as UTF-8 text", file=path.name, name=path.stem, path=path
        ) from None
    return text, FileStamp.of_bytes(raw, mtime_ns)


def new_source(name: str, title: str | None = None) -> Source:
    """A new, unsaved template ``name`` with the starter content."""
    from b24notify.core.template_save import dumps_template, starter_data

    return Source(name=name, text=dumps_template(starter_data(title or title_from(name))))


def title_from(name: str) -> str:
    """``incident/db_down`` → ``Db down``."""
    last = name.strip("/").rpartition("/")[2].replace("_", " ").replace("-", " ").strip()
    return last[:1].upper() + last[1:] if last else "New template"


def name_problem(library: TemplateLibrary, name: str, *, new: bool = True) -> str | None:
    """Why ``name`` can't name a new template (None when it can)."""
    from b24notify.core.templates import normalize_name

    clean = normalize_name(name)
    if clean is None:
        return (
            "a template name is letters, digits, '-', '_' and '.', with '/' between "
            "folders (not 'partials/…')"
        )
    if new and clean in library.names():
        return f"a template named '{clean}' already exists (ctrl+o opens it)"
    return None


def clean_name(name: str) -> str:
    """The canonical form of a valid template name (``a\\b.toml`` → ``a/b``)."""
    from b24notify.core.templates import normalize_name

    return normalize_name(name) or name.strip()


def disk_state(source: Source) -> tuple[DiskState, str | None, FileStamp | None]:
    """Has the file changed since ``source`` was read? (state, new text, new stamp).

    A file that was only touched (same bytes) counts as the same.
    """
    path = source.path
    if path is None:
        return "same", None, None
    try:
        stat = path.stat()
    except FileNotFoundError:
        return "missing", None, None
    except OSError:
        return "same", None, None
    stamp = source.stamp
    if stamp is not None and (stat.st_mtime_ns, stat.st_size) == (stamp.mtime_ns, stamp.size):
        return "same", None, None
    try:
        text, new_stamp = read_file(path)
    except TemplateError:
        return "changed", None, None
    if stamp is not None and new_stamp.sha256 == stamp.sha256:
        return "same", None, new_stamp
    return "changed", text, new_stamp


def is_inside(path: Path, directory: Path) -> bool:
    try:
        return path.resolve().is_relative_to(directory.resolve())
    except OSError:
        return False
