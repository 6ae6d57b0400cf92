"""Constant-time checks of the secrets callers send: webhook code, CLIENT_ID, botToken, OAuth."""

from __future__ import annotations

import hmac
from typing import Any


def same_secret(given: Any, expected: str) -> bool:
    """True when ``given`` (any scalar a client sent) equals ``expected``, without timing leaks."""
    return hmac.compare_digest(str(given).encode("utf-8", "replace"), expected.encode("utf-8"))
