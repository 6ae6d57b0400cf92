"""The rules that turn a portal's answer into each row's status, and those that stop a run."""

from __future__ import annotations

import time
from typing import Any

import pytest

from b24notify.core.api_errors import (
    ApiError,
    AuthError,
    PortalMovedError,
    RateLimited,
    TransportError,
    UnknownOutcome,
)
from b24notify.core.bulk_send import batch_outcomes, stops_run
from b24notify.core.client_types import BatchResult, CallResult

RETRY_AT = time.time() + 42


def answer(
    results: dict[str, Any] | None = None,
    errors: dict[str, ApiError] | None = None,
) -> BatchResult:
    """A batch answer as the client hands it over (HTTP 200, per-command sections)."""
    call = CallResult(
        method="batch", result={}, time={}, http_status=200, attempts=2, duration=0.25
    )
    return BatchResult(
        results=results or {},
        errors=errors or {},
        times={},
        totals={},
        nexts={},
        missing=(),
        halt=False,
        call=call,
    )


# one command's part of the answer → (status, code, message id)
COMMANDS: list[tuple[str, dict[str, Any], dict[str, ApiError], tuple[Any, ...]]] = [
    ("v1 result is the message id", {"k": 101}, {}, ("sent", None, 101)),
    ("v2 result holds the id", {"k": {"id": 55, "uuidMap": []}}, {}, ("sent", None, 55)),
    (
        "refusal fails the row with its code",
        {},
        {"k": ApiError("BOT_ID_ERROR", "Bot not found")},
        ("failed", "BOT_ID_ERROR", None),
    ),
    (
        "auth refusal fails the row",
        {},
        {"k": AuthError("INSUFFICIENT_SCOPE")},
        ("failed", "INSUFFICIENT_SCOPE", None),
    ),
    (
        "internal error leaves it unknown",
        {},
        {"k": UnknownOutcome("INTERNAL_SERVER_ERROR")},
        ("unknown", "INTERNAL_SERVER_ERROR", None),
    ),
    (
        "operating limit means send again later",
        {},
        {"k": RateLimited("OPERATION_TIME_LIMIT", retry_at=RETRY_AT)},
        ("retry", "OPERATION_TIME_LIMIT", None),
    ),
    ("no word about the command is unknown", {}, {}, ("unknown", "NO_ANSWER", None)),
]


@pytest.mark.parametrize(
    ("case", "results", "errors", "expected"), COMMANDS, ids=[c[0] for c in COMMANDS]
)
def test_each_command_maps_to_its_row(
    case: str, results: dict[str, Any], errors: dict[str, ApiError], expected: tuple[Any, ...]
) -> None:
    [outcome] = batch_outcomes(answer(results, errors), ["k"])
    assert (outcome.status, outcome.code, outcome.message_id) == expected
    assert (outcome.http_status, outcome.attempts, outcome.duration_ms) == (200, 2, 250.0)
    if outcome.status == "retry":
        assert outcome.retry_at == RETRY_AT


def test_outcomes_follow_the_keys_not_the_answer_order() -> None:
    result = answer(
        {"r3": 3, "r1": 1},
        {"r2": ApiError("ACCESS_DENIED")},
    )
    outcomes = batch_outcomes(result, ["r1", "r2", "r3", "r4"])
    assert [(o.status, o.message_id) for o in outcomes] == [
        ("sent", 1),
        ("failed", None),
        ("sent", 3),
        ("unknown", None),
    ]
    assert outcomes[1].error_text().startswith("failed: ACCESS_DENIED: ")


# a request refused as a whole → does every other row meet it too?
WHOLE: list[tuple[str, ApiError, bool, bool]] = [
    ("webhook unknown", AuthError("NO_AUTH_FOUND", http_status=401), False, True),
    ("portal unreachable", TransportError("CONNECT_ERROR"), False, True),
    ("portal moved twice", PortalMovedError("PORTAL_MOVED"), False, True),
    ("blocked by Bitrix24", ApiError("OVERLOAD_LIMIT", http_status=503), False, True),
    ("no CLIENT_ID (v1)", ApiError("ACCESS_DENIED", http_status=403), False, True),
    ("bot not in this chat (v2)", ApiError("ACCESS_DENIED", http_status=403), True, False),
    ("bad bot (v2)", ApiError("BOT_NOT_FOUND", http_status=400), True, True),
    ("this message only", ApiError("ATTACH_ERROR", http_status=400), True, False),
    ("answer lost", UnknownOutcome("CONNECTION_LOST"), False, False),
    ("limits kept refusing", RateLimited("QUERY_LIMIT_EXCEEDED", http_status=503), False, False),
]


@pytest.mark.parametrize(("case", "error", "per_row", "stops"), WHOLE, ids=[w[0] for w in WHOLE])
def test_which_refusals_stop_the_run(
    case: str, error: ApiError, per_row: bool, stops: bool
) -> None:
    assert stops_run(error, per_row=per_row) is stops
