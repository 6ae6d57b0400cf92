"""The portal's answer shapes: the ``time`` object, error bodies and the error type behind them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


class CallError(Exception):
    """A method call the portal refuses: ``{"error": code, "error_description": text}``."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.code, "error_description": self.description}


def method_not_found() -> CallError:
    return CallError("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)


def no_auth() -> CallError:
    return CallError("NO_AUTH_FOUND", "Wrong authorization data", 401)


def query_limit() -> CallError:
    return CallError("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)


def operation_time_limit() -> CallError:
    return CallError("OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.", 429)


def internal_error() -> CallError:
    return CallError("INTERNAL_SERVER_ERROR", "Internal server error", 500)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).astimezone().isoformat(timespec="seconds")


def time_info(
    start: float,
    finish: float,
    *,
    processing: float,
    operating: float | None = None,
    operating_reset_at: int | None = None,
) -> dict[str, Any]:
    """The ``time`` object every successful answer carries (operating fields when known)."""
    info: dict[str, Any] = {
        "start": round(start, 6),
        "finish": round(finish, 6),
        "duration": round(max(finish - start, 0.0), 6),
        "processing": round(processing, 6),
        "date_start": _iso(start),
        "date_finish": _iso(finish),
    }
    if operating is not None:
        info["operating_reset_at"] = operating_reset_at
        info["operating"] = round(operating, 6)
    return info
