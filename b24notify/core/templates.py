"""Templates: find them on the search path, list, load, read their variables, render, save.

The public face of the template modules: ``TemplateLibrary`` (search path,
listing, loading, save/duplicate/delete/new), ``Template``, ``render()``,
``parse_values()`` and ``check_template()``. Jinja is imported only when a
template is rendered or its variables are read, so listing stays cheap.
"""

from __future__ import annotations

import builtins
import difflib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b24notify.core import paths
from b24notify.core.errors import B24NotifyError, TemplateError, TemplateNotFound
from b24notify.core.models import Rendered, SendOptions
from b24notify.core.template_save import TemplateConflict
from b24notify.core.template_schema import (
    PARTS,
    FileStamp,
    TemplateFileError,
    check_template_data,
    declared_spec,
    parse_template_text,
    read_template_file,
)
from b24notify.core.template_vars import VarSpec, parse_values, sample_values

if TYPE_CHECKING:
    from b24notify.core.template_render import Renderer

__all__ = [
    "FileStamp",
    "Template",
    "TemplateConflict",
    "TemplateFileError",
    "TemplateInfo",
    "TemplateLibrary",
    "VarSpec",
    "check_template",
    "default_search_path",
    "parse_values",
    "render",
    "sample_values",
    "save_template",
]

_NAME_RE = re.compile(r"^[\w][\w.-]*(/[\w][\w.-]*)*$")


def default_search_path(extra_dirs: Iterable[Path | str] = ()) -> list[Path]:
    """The user's templates dir, then ``extra_dirs`` (from config), then the shipped dir."""
    found: list[Path] = []
    for directory in (paths.user_templates_dir(), *extra_dirs, paths.shipped_templates_dir()):
        path = Path(directory).expanduser()
        if path not in found:
            found.append(path)
    return found


def normalize_name(name: str) -> str | None:
    """``incident\\opened.toml`` → ``incident/opened``; None when it can't be a template name."""
    clean = name.strip().replace("\\", "/").strip("/")
    clean = clean.removesuffix(".toml")
    if not _NAME_RE.match(clean) or any(p in (".", "..") for p in clean.split("/")):
        return None
    if clean.split("/")[0] == "partials":
        return None
    return clean


@dataclass(frozen=True)
class TemplateInfo:
    """One entry of the template list; ``error`` is set when the file is broken."""

    name: str
    title: str
    description: str
    tags: tuple[str, ...]
    group: str
    path: Path
    shipped: bool
    error: str | None = None


@dataclass(eq=False)
class Template:
    """A loaded template: its checked TOML data plus where it came from.

    ``stamp`` records the file as it was read (to detect changes on disk when
    saving); ``library`` renders it and resolves its partials.
    """

    name: str
    data: dict[str, Any]
    path: Path | None = None
    shipped: bool = False
    stamp: FileStamp | None = None
    library: TemplateLibrary | None = field(default=None, repr=False)
    text: str | None = field(default=None, repr=False)

    @property
    def source_text(self) -> str:
        """The TOML text as read from disk (or as it would be saved, for unsaved data)."""
        if self.text is None:
            from b24notify.core.template_save import dumps_template

            self.text = dumps_template(self.data)
        return self.text

    @property
    def title(self) -> str:
        return str(self.data.get("name") or self.name)

    @property
    def description(self) -> str:
        return str(self.data.get("description", ""))

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.data.get("tags", ()))

    @property
    def group(self) -> str:
        """The sub-folder (``incident`` for ``incident/opened``), empty at top level."""
        return self.name.rpartition("/")[0]

    @cached_property
    def parts(self) -> dict[str, str | None]:
        """Source of each body part; None when absent or blank."""
        body = self.data.get("body", {})
        return {p: body[p] if body.get(p, "").strip() else None for p in PARTS}

    @cached_property
    def declared(self) -> list[VarSpec]:
        """The ``[vars]`` declarations, in file order."""
        return [declared_spec(n, s) for n, s in self.data.get("vars", {}).items()]

    @cached_property
    def variables(self) -> list[VarSpec]:
        """Declared variables, then undeclared ones found in the parts and their partials."""
        from b24notify.core.template_meta import discover_variables

        return discover_variables(self.get_library().renderer, self)

    @property
    def send_defaults(self) -> dict[str, Any]:
        """The ``[send]`` table as written."""
        return dict(self.data.get("send", {}))

    def send_options(self) -> SendOptions:
        """SendOptions pre-filled from ``[send]``."""
        send = self.send_defaults
        dialog = send.get("dialog_id")
        return SendOptions(
            dialog_id=str(dialog).strip().lower() if dialog is not None else None,
            bot_id=send.get("bot_id"),
            system=send.get("system", False),
            url_preview=send.get("url_preview", True),
            skip_connector=send.get("skip_connector", False),
        )

    def get_library(self) -> TemplateLibrary:
        """The library this template renders in (the default search path when it has none)."""
        if self.library is None:
            self.library = TemplateLibrary(default_search_path())
        return self.library

    def with_data(self, data: Mapping[str, Any]) -> Template:
        """A copy with edited data (checked), keeping name, path, stamp and library."""
        checked = check_template_data(
            data, file=f"{self.name}.toml", name=self.name, path=self.path
        )
        return Template(self.name, checked, self.path, self.shipped, self.stamp, self.library)


class TemplateLibrary:
    """The templates on a search path: earlier dirs shadow later ones.

    ``user_dir`` receives new templates, copies and save-as of shipped ones
    (default: ``paths.user_templates_dir()``); ``shipped_dir`` is never
    written (default: ``paths.shipped_templates_dir()``).
    """

    def __init__(
        self,
        dirs: Sequence[Path | str],
        *,
        user_dir: Path | str | None = None,
        shipped_dir: Path | str | None = None,
        render_timeout: float = 2.0,
    ) -> None:
        self.dirs: builtins.list[Path] = []
        for directory in dirs:
            path = Path(directory).expanduser()
            if path not in self.dirs:
                self.dirs.append(path)
        self.user_dir = Path(user_dir) if user_dir else paths.user_templates_dir()
        self.shipped_dir = Path(shipped_dir) if shipped_dir else paths.shipped_templates_dir()
        self.render_timeout = render_timeout
        self._files: dict[Path, tuple[tuple[int, int], Template | TemplateFileError]] = {}
        self._renderer: Renderer | None = None

    @property
    def renderer(self) -> Renderer:
        """The sandboxed environments (created on first use)."""
        if self._renderer is None:
            from b24notify.core.template_render import Renderer

            self._renderer = Renderer(self.dirs, timeout=self.render_timeout)
        return self._renderer

    # -- finding

    def _scan(self) -> dict[str, tuple[Path, Path]]:
        """name → (dir, file) for every template; the first dir holding a name wins."""
        found: dict[str, tuple[Path, Path]] = {}
        for directory in self.dirs:
            if not directory.is_dir():
                continue
            for root, subdirs, files in os.walk(directory):
                top = Path(root) == directory
                subdirs[:] = sorted(
                    d for d in subdirs if not d.startswith(".") and not (top and d == "partials")
                )
                for filename in sorted(files):
                    if filename.endswith(".toml") and not filename.startswith("."):
                        path = Path(root) / filename
                        name = path.relative_to(directory).with_suffix("").as_posix()
                        found.setdefault(name, (directory, path))
        return found

    def names(self) -> builtins.list[str]:
        """Every template name on the search path, sorted."""
        return sorted(self._scan())

    def list(self) -> builtins.list[TemplateInfo]:
        """Every template, sorted by name; broken files are listed with ``error`` set."""
        infos = []
        for name, (directory, path) in sorted(self._scan().items()):
            shipped = self._is_shipped(directory)
            try:
                template = self._load(path, name, shipped)
            except TemplateFileError as exc:
                group = name.rpartition("/")[0]
                infos.append(TemplateInfo(name, name, "", (), group, path, shipped, str(exc)))
                continue
            infos.append(
                TemplateInfo(
                    name,
                    template.title,
                    template.description,
                    template.tags,
                    template.group,
                    path,
                    shipped,
                )
            )
        return infos

    def get(self, name: str) -> Template:
        """The template called ``name`` (``incident/opened``), from the first dir that has it."""
        clean = normalize_name(name)
        if clean is not None:
            for directory in self.dirs:
                path = directory / f"{clean}.toml"
                if path.is_file():
                    return self._load(path, clean, self._is_shipped(directory))
        close = difflib.get_close_matches(name.strip(), self.names(), n=3, cutoff=0.5)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        raise TemplateNotFound(f"no template named '{name}'{hint}")

    def _is_shipped(self, directory: Path) -> bool:
        return _same_dir(directory, self.shipped_dir)

    def _load(self, path: Path, name: str, shipped: bool) -> Template:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._files.get(path)
        if cached is not None and cached[0] == key:
            if isinstance(cached[1], TemplateFileError):
                raise cached[1]
            return cached[1]
        try:
            data, stamp, text = read_template_file(path, file=f"{name}.toml", name=name)
        except TemplateFileError as exc:
            self._files[path] = (key, exc)
            raise
        template = Template(name, data, path, shipped, stamp, self, text)
        self._files[path] = (key, template)
        return template

    def load_file(self, path: Path | str, name: str | None = None) -> Template:
        """A template from any file (e.g. ``b24notify render ./x.toml``)."""
        path = Path(path)
        return self._load(path, name or path.stem, _is_inside(path, self.shipped_dir))

    def from_toml(
        self, text: str, name: str, *, path: Path | None = None, stamp: FileStamp | None = None
    ) -> Template:
        """A template from TOML text being edited (not saved yet)."""
        data = parse_template_text(text, file=f"{name}.toml", name=name, path=path)
        shipped = path is not None and _is_inside(path, self.shipped_dir)
        return Template(name, data, path, shipped, stamp, self, text)

    def from_data(
        self, data: Mapping[str, Any], name: str, *, path: Path | None = None
    ) -> Template:
        """A template from data built in code or the editor (checked, not saved)."""
        checked = check_template_data(data, file=f"{name}.toml", name=name, path=path)
        shipped = path is not None and _is_inside(path, self.shipped_dir)
        return Template(name, checked, path, shipped, None, self)

    def partials(self) -> builtins.list[str]:
        """Names of the partials that templates can include (``partials/signature.j2``)."""
        return sorted(set(self.renderer.loader.list_templates()))

    # -- writing (see template_save)

    def save(self, template: Template, *, force: bool = False) -> Template:
        """Save ``template`` (a shipped one goes to the user dir) and return it as reloaded."""
        from b24notify.core.template_save import save_template

        path = save_template(
            template, force=force, user_dir=self.user_dir, shipped_dir=self.shipped_dir
        )
        return self._reload(path, template.name)

    def new_template(self, name: str, *, title: str | None = None) -> Template:
        """Create a starter template ``name`` in the user dir."""
        from b24notify.core.template_save import starter_data

        return self._create(name, starter_data(title or _title_from(name)))

    def duplicate(self, name: str, new_name: str) -> Template:
        """Copy template ``name`` to ``new_name`` in the user dir."""
        source = self.get(name)
        data = dict(source.data)
        data["name"] = f"{source.title} (copy)"
        return self._create(new_name, data)

    def delete(self, name: str) -> Path:
        """Delete a template of the user dir (shipped and shared ones can't be deleted)."""
        template = self.get(name)
        if template.path is None or not _is_inside(template.path, self.user_dir):
            where = (
                "it is shipped with b24notify" if template.shipped else "it is in a shared folder"
            )
            raise TemplateError(
                f"only your own templates can be deleted; {where}", template=name, part="file"
            )
        template.path.unlink()
        self._files.pop(template.path, None)
        return template.path

    def _create(self, name: str, data: Mapping[str, Any]) -> Template:
        from b24notify.core.template_save import save_template

        clean = normalize_name(name)
        if clean is None:
            raise TemplateError(
                "a template name is letters, digits, '-', '_' and '.', with '/' between "
                "folders (not 'partials/…')",
                template=name,
                part="file",
            )
        if clean in self._scan():
            raise TemplateError(
                "a template with this name already exists", template=clean, part="file"
            )
        path = save_template(data, self.user_dir / f"{clean}.toml", shipped_dir=self.shipped_dir)
        return self._reload(path, clean)

    def _reload(self, path: Path, name: str) -> Template:
        self._files.pop(path, None)
        return self._load(path, name, _is_inside(path, self.shipped_dir))


def _title_from(name: str) -> str:
    last = name.strip("/").rpartition("/")[2].removesuffix(".toml")
    text = re.sub(r"[_-]+", " ", last).strip()
    return text[:1].upper() + text[1:] if text else "New template"


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


def _is_inside(path: Path, directory: Path) -> bool:
    try:
        return path.resolve().is_relative_to(directory.resolve())
    except OSError:
        return False


def render(template: Template, values: Mapping[str, Any]) -> Rendered:
    """Render ``template`` with typed ``values`` (from ``parse_values``) in its library's sandbox.

    Raises TemplateError (with template, part, line and a short reason) for
    syntax errors, undefined variables, sandbox violations, limits and JSON
    parts that don't parse.
    """
    return template.get_library().renderer.render(template, values)


def check_template(template: Template) -> builtins.list[B24NotifyError]:
    """Every problem found by rendering with all samples and with only the required ones."""
    problems: builtins.list[B24NotifyError] = []
    try:
        variables = template.variables
    except B24NotifyError as exc:
        return [exc]
    runs = [sample_values(template)]
    if any(not v.required for v in variables):
        runs.append(sample_values(template, required_only=True))
    for raw in runs:
        try:
            render(template, parse_values(template, raw))
        except B24NotifyError as exc:
            if str(exc) not in {str(p) for p in problems}:
                problems.append(exc)
    return problems


def save_template(
    template_or_data: Template | Mapping[str, Any],
    path: Path | None = None,
    *,
    force: bool = False,
    user_dir: Path | None = None,
    shipped_dir: Path | None = None,
) -> Path:
    """Write a template as TOML, atomically; see ``template_save.save_template``."""
    from b24notify.core.template_save import save_template as _save

    return _save(template_or_data, path, force=force, user_dir=user_dir, shipped_dir=shipped_dir)
