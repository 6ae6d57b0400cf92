"""Who is calling: REST paths (webhook or OAuth form) and the credentials they carry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from b24notify.sandbox.credentials import same_secret
from b24notify.sandbox.envelope import CallError, no_auth
from b24notify.sandbox.state import SandboxState

_SUFFIX = re.compile(r"\.(json|xml)\Z", re.IGNORECASE)


@dataclass(frozen=True)
class RestTarget:
    """A parsed ``/rest/...`` path: the method and, for webhooks, the user and code."""

    method: str
    webhook_user: str | None = None
    webhook_code: str | None = None


@dataclass(frozen=True)
class Caller:
    """An authenticated caller; ``app`` keys its operating-time accounting."""

    kind: Literal["webhook", "oauth"]
    user_id: int
    app: str


def parse_rest_path(path: str) -> RestTarget | None:
    """``1/CODE/method.json`` (webhook) or ``method`` (OAuth); None when neither.

    The ``.json``/``.xml`` suffix is dropped (answers are always JSON).
    """
    parts = path.split("/")
    if len(parts) == 1:
        method = _SUFFIX.sub("", parts[0])
        return RestTarget(method) if method else None
    if len(parts) == 3 and parts[0].isdigit():
        method = _SUFFIX.sub("", parts[2])
        return RestTarget(method, parts[0], parts[1]) if method and parts[1] else None
    return None


def authenticate(state: SandboxState, target: RestTarget, params: dict[str, Any]) -> Caller:
    """The caller behind a request (``auth`` is removed from params); CallError 401 otherwise."""
    token = params.pop("auth", None)
    config = state.config
    if target.webhook_user is not None:
        same_code = same_secret(target.webhook_code or "", config.webhook_code)
        if target.webhook_user != str(config.webhook_user) or not same_code:
            raise no_auth()
        return Caller("webhook", config.webhook_user, f"webhook:{config.webhook_user}")
    if not isinstance(token, str) or not token:
        raise no_auth()
    status = state.tokens.check(token)
    if status == "expired":
        raise CallError("expired_token", "The access token provided has expired.", 401)
    if status == "unknown":
        raise CallError("invalid_token", "Unable to get application by token", 401)
    return Caller("oauth", config.webhook_user, f"oauth:{config.oauth_client_id}")
