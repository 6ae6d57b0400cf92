"""One exception hierarchy for b24notify; each error has a title and a human message.

The CLI maps ``exit_code`` straight to the process exit status and prints
``str(error)`` (one clear sentence) plus ``detail`` when present; the UI shows
``title`` and the message in a notification or modal. Nothing here may carry a
secret: callers pass masked values only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from b24notify.core.models import Problem


class B24NotifyError(Exception):
    """Base of every expected failure. ``str(err)`` is the one-sentence message."""

    title = "Error"
    exit_code = 1

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class UsageError(B24NotifyError):
    """The command line or a request to the service was malformed."""

    title = "Usage error"
    exit_code = 2


class ConfigError(B24NotifyError):
    """The configuration file or a profile is wrong (names the file and key)."""

    title = "Configuration error"
    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        key: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message, detail=detail)
        self.path = path
        self.key = key


class TemplateNotFound(B24NotifyError):
    """No template with that name on the search path."""

    title = "Template not found"
    exit_code = 2


class TemplateError(B24NotifyError):
    """A template could not be loaded or rendered.

    Carries the template name, the part (``file``, ``message``, ``attach``,
    ``keyboard``, ``menu``, ``vars`` …), the 1-based line within that part when
    known, and a short reason. ``str()`` reads like
    ``incident/opened: attach line 3: unexpected '}' (not valid JSON)``.
    """

    title = "Template error"

    def __init__(
        self,
        reason: str,
        *,
        template: str,
        part: str | None = None,
        line: int | None = None,
        detail: str | None = None,
    ) -> None:
        self.template = template
        self.part = part
        self.line = line
        self.reason = reason
        where = template
        if part:
            where += f": {part}"
            if line:
                where += f" line {line}"
        super().__init__(f"{where}: {reason}", detail=detail)


class FieldErrors(B24NotifyError):
    """Variable values failed their type or required checks; keyed by variable name."""

    title = "Check the form"

    def __init__(self, errors: Mapping[str, str], *, template: str | None = None) -> None:
        self.errors = dict(errors)
        self.template = template
        parts = [f"{name}: {why}" for name, why in self.errors.items()]
        prefix = f"{template}: " if template else ""
        super().__init__(prefix + "; ".join(parts))


class ValidationFailed(B24NotifyError):
    """The request would be rejected by the portal; carries the error problems."""

    title = "The portal would reject this message"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        first = errors[0] if errors else (self.problems[0] if self.problems else None)
        msg = f"{first.code} at {first.path}: {first.message}" if first else "validation failed"
        if len(errors) > 1:
            msg += f" (and {len(errors) - 1} more)"
        super().__init__(msg)


class DataFileError(B24NotifyError):
    """A bulk data file is unreadable or has bad rows (names row and column)."""

    title = "Bad data file"
    exit_code = 1


class HistoryError(B24NotifyError):
    """The history database could not be opened or updated."""

    title = "History error"
