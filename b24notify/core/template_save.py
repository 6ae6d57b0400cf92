"""Writing templates: readable TOML via tomli-w, atomic replace, no lost edits.

- Written with ``tomli_w`` (multi-line strings stay multi-line); the body parts
  are then written as literal ``'''`` strings when that round-trips exactly,
  so Jinja and JSON in them read as typed, without ``\\"`` escapes.
- Atomic: a temp file in the same folder, fsync, ``os.replace``.
- Never over a shipped template: saving one writes the user's copy under the
  same name in the user templates dir (which then shadows it).
- A file that changed on disk since it was read (content hash differs from
  the stamp taken at load) is not overwritten unless ``force=True``; neither
  is an existing file when saving new data.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b24notify.core import paths
from b24notify.core.errors import UsageError
from b24notify.core.template_schema import (
    PARTS,
    TOP_KEYS,
    FileStamp,
    TemplateFileError,
    check_template_data,
)

if TYPE_CHECKING:
    from b24notify.core.templates import Template


class TemplateConflict(TemplateFileError):
    """The target file changed on disk since it was opened, or already exists."""

    title = "Template changed on disk"


def starter_data(title: str) -> dict[str, Any]:
    """The data of a new template: one declared variable, a message and an attach card."""
    return {
        "name": title,
        "description": "",
        "tags": [],
        "vars": {
            "text": {
                "label": "Text",
                "type": "multiline",
                "required": True,
                "help": "What to tell the chat",
                "sample": "Hello from b24notify!",
            },
        },
        "body": {
            "message": "[b]" + title + "[/b]\n{{ text }}\n",
            "attach": ('{"COLOR_TOKEN": "primary", "BLOCKS": [\n  {"MESSAGE": "{{ text }}"}\n]}\n'),
        },
    }


def dumps_template(data: Mapping[str, Any]) -> str:
    """TOML text for template data, body parts as literal strings when exact.

    Each candidate is checked by reading it back; TOML normalises CR LF inside
    multi-line strings, so text with carriage returns falls back to escaped
    one-line strings, which are always exact.
    """
    import tomli_w

    ordered = {key: data[key] for key in TOP_KEYS if key in data}
    candidates = []
    body = ordered.get("body")
    if body:
        head = tomli_w.dumps(
            {k: v for k, v in ordered.items() if k != "body"}, multiline_strings=True
        )
        lines = ["[body]"]
        for part in PARTS:
            if part in body:
                literal = _literal(part, body[part])
                lines.append(literal or tomli_w.dumps({part: body[part]}).rstrip())
        candidates.append((head + "\n" if head else "") + "\n".join(lines) + "\n")
    candidates.append(tomli_w.dumps(ordered, multiline_strings=True))
    for text in candidates:
        try:
            if tomllib.loads(text) == ordered:
                return text
        except tomllib.TOMLDecodeError:
            continue
    return tomli_w.dumps(ordered)


def _literal(key: str, value: str) -> str | None:
    """``key = '''…'''`` when the value can be a TOML literal string, else None."""
    if "'''" in value or any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in value):
        return None
    if "\n" not in value:
        return None if "'" in value else f"{key} = '{value}'"
    if "\r" in value or value.endswith("'"):
        return None
    return f"{key} = '''\n{value}'''"


def save_template(
    template_or_data: Template | Mapping[str, Any],
    path: Path | None = None,
    *,
    force: bool = False,
    user_dir: Path | None = None,
    shipped_dir: Path | None = None,
) -> Path:
    """Write a template (or bare data to ``path``) atomically; returns the path written.

    A Template goes back to its own file unless ``path`` says otherwise. A
    shipped target becomes ``user_dir/<name>.toml``. Raises TemplateConflict
    when the target changed since the template was loaded, or exists and was
    not the file loaded, unless ``force``.
    """
    from b24notify.core.templates import Template

    user_dir = user_dir or paths.user_templates_dir()
    shipped_dir = shipped_dir or paths.shipped_templates_dir()
    text: str | None = None
    if isinstance(template_or_data, Template):
        template = template_or_data
        name, data, text = template.name, template.data, template.text
        target = path or template.path
        stamp = template.stamp if target == template.path else None
        shipped = template.shipped and target == template.path
    else:
        if path is None:
            raise UsageError("saving a new template needs a file path")
        data, target, stamp, shipped = dict(template_or_data), path, None, False
        name = path.stem
    if target is None:
        target = user_dir / f"{name}.toml"
    if _is_inside(target, shipped_dir):
        # Keep the name (with its group folder) the file has among the shipped ones.
        name = target.resolve().relative_to(shipped_dir.resolve()).with_suffix("").as_posix()
        shipped = True
    if shipped:
        target, stamp = user_dir / f"{name}.toml", None
    file = f"{name}.toml"
    data = check_template_data(data, file=file, name=name, path=target)
    if not force:
        _refuse_conflict(target, stamp, file=file, name=name)
    _write_atomic(target, _payload(text, data).encode("utf-8"))
    return target


def _payload(text: str | None, data: Mapping[str, Any]) -> str:
    """The author's own text when it still says exactly ``data`` (comments and
    layout kept, as in the editor), else ``data`` written afresh."""
    if text is not None:
        try:
            if tomllib.loads(text) == data:
                return text
        except tomllib.TOMLDecodeError:
            pass
    return dumps_template(data)


def _refuse_conflict(target: Path, stamp: FileStamp | None, *, file: str, name: str) -> None:
    try:
        current = target.read_bytes()
        mtime_ns = target.stat().st_mtime_ns
    except FileNotFoundError:
        return
    except OSError as exc:
        raise TemplateFileError(
            f"can't be read before saving ({exc.strerror or exc})",
            file=file,
            name=name,
            path=target,
        ) from None
    if stamp is None:
        raise TemplateConflict(
            f"already exists at {target}; choose another name or overwrite it explicitly",
            file=file,
            name=name,
            path=target,
        )
    if (mtime_ns, len(current)) == (stamp.mtime_ns, stamp.size):
        return
    if FileStamp.of_bytes(current, mtime_ns).sha256 != stamp.sha256:
        raise TemplateConflict(
            f"changed on disk since it was opened ({target}); reload it to see the other "
            "changes, or overwrite them explicitly",
            file=file,
            name=name,
            path=target,
        )


def _write_atomic(target: Path, payload: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _is_inside(path: Path, directory: Path) -> bool:
    try:
        return path.resolve().is_relative_to(directory.resolve())
    except OSError:
        return False
