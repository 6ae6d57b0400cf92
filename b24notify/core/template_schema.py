"""Template files: read the TOML, check every key and type, build the declared VarSpecs.

Nothing here imports Jinja, so listing templates stays cheap. Problems raise
TemplateFileError naming the file, the dotted key and, where it can be found,
the line ("incident/opened.toml line 9: unknown key 'vars.ticket.lable' (did
you mean 'label'?)").
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from b24notify.core.errors import TemplateError
from b24notify.core.template_lines import KeyPath, key_line
from b24notify.core.template_vars import DIALOG_RE, VAR_TYPES, VarSpec, convert

PARTS = ("message", "attach", "keyboard", "menu")
JSON_PARTS = ("attach", "keyboard", "menu")

TOP_KEYS = ("name", "description", "tags", "send", "vars", "body")
SEND_KEYS = ("dialog_id", "bot_id", "system", "url_preview", "skip_connector")
VAR_KEYS = ("label", "type", "required", "default", "help", "choices", "sample")

VAR_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Names the renderer provides or Jinja reserves; a variable can't take them.
RESERVED_NAMES = frozenset(
    {
        "true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is",
        "if", "else", "for", "loop", "self", "caller", "varargs", "kwargs",
        "range", "dict", "cycler", "joiner", "namespace", "mention", "link",
    }
)  # fmt: skip

_TYPE_WORDS = {
    str: "a string",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    list: "an array",
    dict: "a table",
}


class TemplateFileError(TemplateError):
    """A template file can't be read, is not valid TOML, or has a wrong key or value.

    ``file`` is the path relative to its templates dir (``incident/opened.toml``),
    ``path`` the full path when there is one, ``key`` the dotted key at fault.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str,
        name: str,
        path: Path | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(reason, template=name, part="file", line=line)
        self.file = file
        self.path = path
        self.key = key
        where = file + (f" line {line}" if line else "")
        self.message = f"{where}: {reason}"
        self.args = (self.message,)


@dataclass(frozen=True)
class FileStamp:
    """What a file looked like when it was read: to detect changes made behind our back."""

    mtime_ns: int
    size: int
    sha256: str

    @classmethod
    def of_bytes(cls, data: bytes, mtime_ns: int) -> FileStamp:
        return cls(mtime_ns, len(data), hashlib.sha256(data).hexdigest())


def _describe(value: Any) -> str:
    for kind, word in _TYPE_WORDS.items():
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return word
    if isinstance(value, date):
        return "a date"
    return type(value).__name__


class _Checker:
    """Walks one parsed file and raises on the first problem, naming key and line."""

    def __init__(self, text: str, *, file: str, name: str, path: Path | None) -> None:
        self.text = text
        self.file = file
        self.name = name
        self.path = path

    def fail(self, reason: str, key: str | None = None, at: KeyPath = ()) -> TemplateFileError:
        """The error about ``key``, at the line of the key path ``at`` (or of ``key``).

        Paths are exact where dotted names are not: a quoted name may hold a
        dot, and an array item has a line of its own.
        """
        where = at or key
        line = find_key_line(self.text, where) if where and self.text else None
        return TemplateFileError(
            reason, file=self.file, name=self.name, path=self.path, line=line, key=key
        )

    def known_keys(
        self, table: Mapping[str, Any], allowed: tuple[str, ...], prefix: str, at: KeyPath = ()
    ) -> None:
        for key in table:
            if key not in allowed:
                dotted = prefix + key
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "allowed: " + ", ".join(allowed)
                raise self.fail(f"unknown key '{dotted}' ({hint})", dotted, (*at, key))

    def typed(self, value: Any, kinds: tuple[type, ...], key: str, at: KeyPath = ()) -> Any:
        ok = isinstance(value, kinds) and not (
            isinstance(value, bool) and bool not in kinds and int in kinds
        )
        if not ok:
            want = " or ".join(_TYPE_WORDS.get(k, k.__name__) for k in kinds)
            raise self.fail(f"'{key}' must be {want}, not {_describe(value)}", key, at)
        return value

    def table(self, value: Any, key: str, at: KeyPath = ()) -> dict[str, Any]:
        return dict(self.typed(value, (dict,), key, at))


def find_key_line(text: str, dotted: str | Sequence[str | int]) -> int | None:
    """The exact 1-based line of a key (``vars.ticket.type``) or table in TOML text; None if absent.

    ``dotted`` may also be a sequence of parts, with ints for array positions
    (``("tags", 2)``). See template_lines for how keys are found.
    """
    return key_line(text, dotted)


def read_template_file(
    path: Path, *, file: str, name: str
) -> tuple[dict[str, Any], FileStamp, str]:
    """Read and check one template file; returns the checked data, its stamp and its text."""
    try:
        raw = path.read_bytes()
        mtime_ns = path.stat().st_mtime_ns
    except OSError as exc:
        reason = f"can't be read ({exc.strerror or exc})"
        raise TemplateFileError(reason, file=file, name=name, path=path) from None
    stamp = FileStamp.of_bytes(raw, mtime_ns)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        reason = f"is not UTF-8 text (bad byte at offset {exc.start})"
        raise TemplateFileError(reason, file=file, name=name, path=path) from None
    return parse_template_text(text, file=file, name=name, path=path), stamp, text


def parse_template_text(
    text: str, *, file: str, name: str, path: Path | None = None
) -> dict[str, Any]:
    """Parse TOML text of a template and check it; returns the checked data."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
        line = int(found.group(1)) if found else None
        if found:
            message = message[: found.start()] + f" (column {found.group(2)})"
        raise TemplateFileError(
            f"not valid TOML: {message}", file=file, name=name, path=path, line=line
        ) from None
    return check_template_data(data, file=file, name=name, path=path, text=text)


def check_template_data(
    data: Mapping[str, Any],
    *,
    file: str,
    name: str,
    path: Path | None = None,
    text: str = "",
) -> dict[str, Any]:
    """Check the shape of template data (from TOML or built in the editor)."""
    ck = _Checker(text, file=file, name=name, path=path)
    ck.known_keys(data, TOP_KEYS, "", ())
    for key in ("name", "description"):
        if key in data:
            ck.typed(data[key], (str,), key)
    if "tags" in data:
        for index, tag in enumerate(ck.typed(data["tags"], (list,), "tags")):
            ck.typed(tag, (str,), "tags", ("tags", index))
    _check_send(ck, data.get("send", {}))
    for var_name, spec in ck.table(data.get("vars", {}), "vars").items():
        _check_var(ck, var_name, spec)
    body = ck.table(data.get("body", {}), "body")
    ck.known_keys(body, PARTS, "body.", ("body",))
    for part, source in body.items():
        ck.typed(source, (str,), f"body.{part}")
    return {key: data[key] for key in TOP_KEYS if key in data}


def _check_send(ck: _Checker, value: Any) -> None:
    send = ck.table(value, "send")
    ck.known_keys(send, SEND_KEYS, "send.", ("send",))
    if "dialog_id" in send:
        dialog = ck.typed(send["dialog_id"], (str, int), "send.dialog_id")
        if not DIALOG_RE.match(str(dialog).strip()):
            raise ck.fail(
                f"'send.dialog_id' must be a user id like 42 or a chat id like chat42, "
                f"not {dialog!r}",
                "send.dialog_id",
            )
    if "bot_id" in send and ck.typed(send["bot_id"], (int,), "send.bot_id") <= 0:
        raise ck.fail("'send.bot_id' must be a positive whole number", "send.bot_id")
    for flag in ("system", "url_preview", "skip_connector"):
        if flag in send:
            ck.typed(send[flag], (bool,), f"send.{flag}")


def _check_var(ck: _Checker, var_name: str, value: Any) -> None:
    prefix = f"vars.{var_name}"
    # Lines are looked up by parts: a quoted name such as "a.b" holds a dot.
    at: KeyPath = ("vars", var_name)
    spec = ck.table(value, prefix, at)
    if not VAR_NAME_RE.match(var_name):
        raise ck.fail(
            f"variable name '{var_name}' must be letters, digits and _ (not starting with a digit)",
            prefix,
            at,
        )
    if var_name in RESERVED_NAMES:
        raise ck.fail(f"'{var_name}' is a reserved name; pick another variable name", prefix, at)
    ck.known_keys(spec, VAR_KEYS, prefix + ".", at)
    for key in ("label", "help"):
        if key in spec:
            ck.typed(spec[key], (str,), f"{prefix}.{key}", (*at, key))
    if "required" in spec:
        ck.typed(spec["required"], (bool,), f"{prefix}.required", (*at, "required"))
    kind = ck.typed(spec.get("type", "text"), (str,), f"{prefix}.type", (*at, "type"))
    if kind not in VAR_TYPES:
        close = difflib.get_close_matches(kind, VAR_TYPES, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else "one of " + ", ".join(VAR_TYPES)
        raise ck.fail(
            f"unknown type '{kind}' for '{prefix}' ({hint})", f"{prefix}.type", (*at, "type")
        )
    choices = spec.get("choices")
    if kind == "choice":
        if not choices:
            raise ck.fail(f"'{prefix}' is a choice but has no 'choices' list", prefix, at)
        ck.typed(choices, (list,), f"{prefix}.choices", (*at, "choices"))
        for index, choice in enumerate(choices):
            ck.typed(choice, (str, int, float), f"{prefix}.choices", (*at, "choices", index))
    elif choices is not None:
        raise ck.fail(
            f"'{prefix}.choices' only applies to type \"choice\" (this one is {kind})",
            f"{prefix}.choices",
            (*at, "choices"),
        )
    probe = declared_spec(var_name, spec)
    for key in ("default", "sample"):
        if key in spec:
            try:
                convert(probe, spec[key])
            except ValueError as exc:
                raise ck.fail(f"'{prefix}.{key}' {exc}", f"{prefix}.{key}", (*at, key)) from None


def declared_spec(var_name: str, spec: Mapping[str, Any]) -> VarSpec:
    """The VarSpec for a checked ``[vars.NAME]`` table."""
    return VarSpec(
        name=var_name,
        type=spec.get("type", "text"),
        label=spec.get("label", ""),
        required=bool(spec.get("required", False)),
        default=spec.get("default"),
        help=spec.get("help", ""),
        choices=tuple(spec.get("choices", ())),
        sample=spec.get("sample"),
        declared=True,
    )
