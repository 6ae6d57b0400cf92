"""Validate send params like the portal: its error codes, plus warnings for silent changes.

``validate_params`` takes params exactly as sent (by b24notify or, through the
sandbox, by any other client: "Y"/"1"/"true" flags, numbers as strings, parts
as JSON strings) and never raises. Errors carry the portal's own codes
(bitrix24-api.md §1.3, §2.3); ``W_…`` warnings name what the portal would drop
or change without telling (§3–§5, §9). Messages never quote a secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from b24notify.core.models import ApiVersion, Problem
from b24notify.core.payload_common import Findings
from b24notify.core.validate_common import Auth
from b24notify.core.validate_v1 import validate_v1
from b24notify.core.validate_v2 import validate_v2

__all__ = ["Auth", "has_errors", "validate_params"]


def has_errors(problems: Iterable[Problem]) -> bool:
    """True when any problem would make the portal reject the request."""
    return any(p.severity == "error" for p in problems)


def validate_params(
    params: Mapping[str, Any], api: ApiVersion, *, auth: Auth | None = None
) -> list[Problem]:
    """Every error the portal would answer and every silent change it would make.

    ``auth`` enables the webhook checks (``CLIENT_ID`` / ``botToken``); None
    skips them. Never raises, whatever the params hold.
    """
    out = Findings()
    if not isinstance(params, Mapping):
        params = {}
    if api == "v2":
        validate_v2(params, auth, out)
    else:
        validate_v1(params, auth, out)
    return out.problems
