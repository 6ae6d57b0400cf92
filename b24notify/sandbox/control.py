"""The ``/sandbox/*`` endpoints: inspect what arrived, set faults and limits, reset, expire tokens.

These are the sandbox's own controls (no auth, loopback only) and never
count as portal requests.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from b24notify.sandbox.state import SandboxState


class _BadRequest(ValueError):
    pass


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": "INVALID_REQUEST", "error_description": message}, 400)


async def _json_object(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError as err:
        raise _BadRequest(f"The body is not valid JSON ({err}).") from None
    if not isinstance(data, dict):
        raise _BadRequest("The body must be a JSON object.")
    return data


def _query_int(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if not value.lstrip("-").isdigit():
        raise _BadRequest(f"The '{name}' query parameter must be a whole number, not {value!r}.")
    return int(value)


async def messages(request: Request) -> Response:
    """``GET /sandbox/messages[?dialog_id=&bot_id=&since_id=&include_deleted=0]``."""
    try:
        bot_id = _query_int(request, "bot_id")
        since_id = _query_int(request, "since_id")
    except _BadRequest as err:
        return _bad(str(err))
    include_deleted = request.query_params.get("include_deleted", "1") not in ("0", "false", "N")
    return JSONResponse(
        _state(request).messages_json(
            dialog_id=request.query_params.get("dialog_id"),
            bot_id=bot_id,
            since_id=since_id,
            include_deleted=include_deleted,
        )
    )


async def stats(request: Request) -> Response:
    return JSONResponse(_state(request).stats_json())


async def faults(request: Request) -> Response:
    """``GET`` shows; ``POST`` merges rates (``"replace": true`` resets the rest), sets ``next``."""
    state = _state(request)
    if request.method == "POST":
        try:
            data = await _json_object(request)
            with state.lock:
                state.faults.update(data, replace=bool(data.get("replace")))
        except ValueError as err:
            return _bad(f"Fault settings not changed: {err}")
    with state.lock:
        return JSONResponse(state.faults.describe())


def _limits_json(state: SandboxState) -> dict[str, Any]:
    return {
        "drain": state.bucket.drain,
        "burst": state.bucket.burst,
        "operating_budget": state.meter.budget,
        "operating_cost": state.meter.cost,
    }


def _positive(data: dict[str, Any], name: str, *, whole: bool = False) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (whole and (value < 1 or value != int(value))):
        kind = "a whole number of at least 1" if whole else "a non-negative number"
        raise _BadRequest(f"Limits not changed: '{name}' must be {kind}, not {value!r}.")
    return float(value)


async def limits(request: Request) -> Response:
    """``GET`` shows, ``POST`` changes drain/burst/operating_budget/operating_cost at run time."""
    state = _state(request)
    if request.method == "POST":
        try:
            data = await _json_object(request)
            unknown = sorted(set(data) - {"drain", "burst", "operating_budget", "operating_cost"})
            if unknown:
                raise _BadRequest(f"Limits not changed: '{unknown[0]}' is not a limit.")
            drain = _positive(data, "drain")
            burst = _positive(data, "burst", whole=True)
            budget = _positive(data, "operating_budget")
            cost = _positive(data, "operating_cost")
            if drain == 0:
                raise _BadRequest("Limits not changed: 'drain' must be above 0.")
        except _BadRequest as err:
            return _bad(str(err))
        with state.lock:
            state.bucket.configure(drain=drain, burst=None if burst is None else int(burst))
            if budget is not None:
                state.meter.budget = budget
            if cost is not None:
                state.meter.cost = cost
    with state.lock:
        return JSONResponse(_limits_json(state))


async def reset(request: Request) -> Response:
    state = _state(request)
    state.reset()
    return JSONResponse({"reset": True, "next_id": state.next_id})


async def expire_tokens(request: Request) -> Response:
    """``POST /sandbox/oauth/expire``: every live access token expires now."""
    state = _state(request)
    with state.lock:
        return JSONResponse({"expired": state.tokens.expire_access()})


async def issue_tokens(request: Request) -> Response:
    """``POST /sandbox/oauth/issue``: a fresh token pair, as an app install would get."""
    state = _state(request)
    base_url = str(request.base_url).rstrip("/")
    with state.lock:
        return JSONResponse(state.tokens.token_answer(state.tokens.issue(), base_url))
