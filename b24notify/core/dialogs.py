"""Dialog lookups on the portal (``imbot.dialog.get``): names for typed dialog ids, cached.

A lookup is a read: it goes through the profile's client (rate bucket, the
retries allowed for reads) and never sends anything. Its answer is one of

* a :class:`DialogInfo` with ``found=True``: the dialog's name and type;
* a :class:`DialogInfo` with ``found=False``: the portal said plainly that
  there is no such dialog (a warning for the user, not an error: sending may
  still be what they want);
* ``None``: the portal cannot tell us (no access, the method is not allowed
  for this sign-in, the network failed). The UI then shows no name.

A real portal answers ``ACCESS_ERROR`` both for a chat that does not exist and
for one the webhook's user cannot see (the bot may still be in it), so that
answer means "cannot tell", never "missing".

Answers that will not change during a session are kept per (profile,
dialog); transient failures are not, so the next lookup asks again. When the
method is not available to a profile at all, that profile asks no more.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from b24notify.core.api_errors import ApiError
    from b24notify.core.client import B24Client
    from b24notify.core.config import Profile

METHOD = "imbot.dialog.get"

MISSING_TEXT = "no such dialog on the portal"

# Answers that say the dialog is not there. DIALOG_ID_EMPTY is the portal's
# "that is no dialog id" (a send to it fails the same way); the others are the
# not-found codes of the im/imbot families, for portals that name the case.
MISSING_CODES = frozenset(
    {
        "DIALOG_ID_EMPTY",
        "DIALOG_NOT_FOUND",
        "CHAT_NOT_FOUND",
        "CHAT_ID_EMPTY",
        "USER_NOT_FOUND",
        "USER_NOT_EXISTS",
        "NOT_FOUND",
    }
)

# Answers that mean the method is closed to this profile, whatever the dialog:
# asking again for other dialogs would only spend the rate budget.
UNAVAILABLE_CODES = frozenset(
    {
        "ERROR_METHOD_NOT_FOUND",
        "METHOD_NOT_FOUND",
        "INSUFFICIENT_SCOPE",
        "WRONG_AUTH_TYPE",
        "ACCESS_DENIED",
        "NO_AUTH_FOUND",
        "INVALID_CREDENTIALS",
        "USER_ACCESS_ERROR",
        "AUTHORIZATION_ERROR",
        "AUTHORIZE_ERROR",
        "APPLICATION_NOT_FOUND",
        "NOT_INSTALLED",
        "PAYMENT_REQUIRED",
        "WRONG_CLIENT",
        "PORTAL_DELETED",
        "ERROR_OAUTH",
        "INVALID_GRANT",
        "INVALID_CLIENT",
        "EXPIRED_TOKEN",
        "INVALID_TOKEN",
        "TOKEN_REFRESH_FAILED",
        "INSECURE_REDIRECT",
        "PORTAL_MOVED",
    }
)

# The portal's chat types as a person would say them.
_KIND_WORDS = {
    "private": "user",
    "chat": "chat",
    "open": "open chat",
    "call": "call chat",
    "lines": "open line",
    "livechat": "live chat",
    "general": "general chat",
    "announcement": "announcements",
    "channel": "channel",
    "openchannel": "open channel",
    "videoconf": "video conference",
    "sonetgroup": "workgroup chat",
    "crm": "CRM chat",
    "tasks": "task chat",
    "calendar": "event chat",
    "mail": "mail chat",
    "collab": "collab",
    "copilot": "CoPilot chat",
}

NAME_LIMIT = 80
"""Characters of a dialog name that are kept (a name is shown on one line)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")
_SPACES = re.compile(r"\s+")
_ID_RE = re.compile(r"^([0-9]+|(chat|sg|crm)[0-9]+)$", re.IGNORECASE)

Verdict = Literal["missing", "unavailable", "hidden", "transient"]


@dataclass(frozen=True)
class DialogInfo:
    """What the portal said about one dialog: its name and type, or that it is missing."""

    dialog_id: str
    found: bool = True
    name: str = ""
    kind: str = ""

    @property
    def kind_label(self) -> str:
        """The dialog's type in words ("chat", "user", "open line" …); "" when unknown."""
        if self.kind:
            return _KIND_WORDS.get(self.kind.lower(), self.kind)
        if not self.found:
            return ""
        return "user" if self.dialog_id.isdigit() else "chat"

    def describe(self) -> str:
        """One line for the UI: ``chat42 · Support team (chat)``, or that it is missing."""
        if not self.found:
            return MISSING_TEXT
        kind = f" ({self.kind_label})" if self.kind_label else ""
        name = f" · {self.name}" if self.name else ""
        return f"{self.dialog_id}{name}{kind}"


def normalise(dialog_id: str) -> str:
    """The dialog id as the portal keys it: trimmed, lower-case (``CHAT42`` → ``chat42``)."""
    return dialog_id.strip().lower()


def well_formed(dialog_id: str) -> bool:
    """True for ids worth asking about: the shape of a user id or chat/sg/crm + digits.

    The portal judges the rest (``0`` has the shape, and the portal says it is no dialog).
    """
    return _ID_RE.match(normalise(dialog_id)) is not None


def clean_name(value: Any, secrets: Sequence[str] = ()) -> str:
    """A portal-supplied name fit for one terminal line: no control characters, trimmed."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return ""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", str(value))).strip()
    if secrets:
        from b24notify.core.api_errors import scrub

        text = scrub(text, secrets)
    if len(text) > NAME_LIMIT:
        text = text[: NAME_LIMIT - 1].rstrip() + "…"
    return text


def dialog_info(dialog_id: str, result: Any, secrets: Sequence[str] = ()) -> DialogInfo | None:
    """A :class:`DialogInfo` from ``imbot.dialog.get``'s result; None when it is unreadable."""
    if not isinstance(result, Mapping) or not result:
        return None
    name = clean_name(result.get("name"), secrets) or clean_name(result.get("title"), secrets)
    kind = clean_name(result.get("type"))[:24]
    return DialogInfo(normalise(dialog_id), found=True, name=name, kind=kind)


def classify(err: ApiError) -> Verdict:
    """What a failed lookup means: ``missing`` (say so), ``unavailable`` (this profile
    cannot look dialogs up), ``hidden`` (no name for this dialog, ask no more) or
    ``transient`` (no name now, ask again later)."""
    from b24notify.core.api_errors import AuthError, RateLimited, TransportError, UnknownOutcome

    code = (err.code or "").upper()
    if code in MISSING_CODES:
        return "missing"
    if code in UNAVAILABLE_CODES or isinstance(err, AuthError):
        return "unavailable"
    status = err.http_status
    if (
        isinstance(err, TransportError | UnknownOutcome | RateLimited)
        or err.retryable
        or status is None
        or status >= 500
        or status == 429
    ):
        return "transient"
    return "hidden"


_Key = tuple[str, str]


def profile_key(profile: Profile) -> _Key:
    """The cache key of a profile: its name and a digest of where and as whom it calls.

    An edited profile (another portal or webhook) starts afresh; the webhook's
    code is not kept, only a digest of the address.
    """
    where = f"{profile.auth_kind} {profile.base_url}"
    return profile.name, hashlib.blake2b(where.encode(), digest_size=12).hexdigest()


class DialogDirectory:
    """Dialog lookups with a session cache per (profile, dialog) and one request per pair."""

    def __init__(self) -> None:
        self._answers: dict[_Key, dict[str, DialogInfo | None]] = {}
        self._unavailable: set[_Key] = set()
        self._pending: dict[tuple[_Key, str], asyncio.Future[DialogInfo | None]] = {}

    def cached(self, profile: Profile, dialog_id: str) -> tuple[bool, DialogInfo | None]:
        """``(known, answer)`` without asking the portal."""
        key = profile_key(profile)
        if key in self._unavailable:
            return True, None
        answers = self._answers.get(key, {})
        dialog = normalise(dialog_id)
        return (dialog in answers), answers.get(dialog)

    def known(self, profile: Profile) -> list[DialogInfo]:
        """The dialogs found for a profile so far, in the order they were found."""
        answers = self._answers.get(profile_key(profile), {})
        return [info for info in answers.values() if info is not None and info.found]

    async def lookup(
        self, profile: Profile, dialog_id: str, client: Callable[[], B24Client]
    ) -> DialogInfo | None:
        """What the portal says about ``dialog_id`` (see the module docstring); never raises
        for a portal or network failure."""
        dialog = normalise(dialog_id)
        if not dialog:
            return None
        known, answer = self.cached(profile, dialog)
        if known:
            return answer
        key = profile_key(profile)
        pending = self._pending.get((key, dialog))
        if pending is None:
            pending = asyncio.ensure_future(self._ask(key, profile, dialog, client))
            self._pending[(key, dialog)] = pending
            pending.add_done_callback(lambda _f: self._pending.pop((key, dialog), None))
        # A caller that gives up (a newer keystroke) leaves the request to finish and
        # fill the cache: the answer is paid for already.
        return await asyncio.shield(pending)

    async def _ask(
        self, key: _Key, profile: Profile, dialog: str, client: Callable[[], B24Client]
    ) -> DialogInfo | None:
        from b24notify.core.api_errors import ApiError
        from b24notify.core.errors import B24NotifyError

        try:
            result = await client().call(METHOD, {"DIALOG_ID": dialog})
        except ApiError as err:
            verdict = classify(err)
            if verdict == "unavailable":
                self._unavailable.add(key)
                return None
            if verdict == "transient":
                return None
            answer = DialogInfo(dialog, found=False) if verdict == "missing" else None
            self._answers.setdefault(key, {})[dialog] = answer
            return answer
        except B24NotifyError:
            return None  # the profile cannot make a client; sending will say why
        answer = dialog_info(dialog, result.result, profile.secrets())
        if answer is not None:
            self._answers.setdefault(key, {})[dialog] = answer
        return answer
