"""The portal's HTTP face: ``/rest/...`` method calls and the ``/oauth/token/`` endpoint.

A REST request meets, in order: its fault (queued or drawn) and latency, the
leaky bucket, the body check, authentication, then the method. Faults that
stand in for the network or a proxy answer before the portal sees anything;
``lost_answer`` lets the call run and then cuts the connection.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from b24notify.sandbox.auth import RestTarget, authenticate, parse_rest_path
from b24notify.sandbox.calls import call_method, canonical, is_message_request
from b24notify.sandbox.envelope import CallError, method_not_found, query_limit
from b24notify.sandbox.faults import BEFORE_PROCESSING, CutConnection, fault_response, hang
from b24notify.sandbox.forms import BodyError, decode_params
from b24notify.sandbox.state import SandboxState


def _error(err: CallError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status)


async def _read_params(request: Request) -> tuple[dict[str, Any], BodyError | None]:
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    try:
        return decode_params(content_type, body, request.url.query), None
    except BodyError as err:
        return decode_params("", b"", request.url.query), err


async def rest_endpoint(request: Request) -> Response:
    """Answer ``/rest/<user>/<code>/<method>`` and ``/rest/<method>`` like a portal."""
    state: SandboxState = request.app.state.sandbox
    path = request.path_params["path"]
    target = parse_rest_path(path)
    params, body_error = await _read_params(request)
    method = canonical(target.method) if target else None
    with state.lock:
        state.stats.requests += 1
        state.stats.by_method[method or (target.method if target else path)] += 1
        fault = state.faults.next_fault(message_request=is_message_request(method, params))
        latency = state.faults.faults.latency
        if latency > 0:
            state.stats.faults["latency"] += 1
        if fault is not None:
            state.stats.faults[fault] += 1
    if latency > 0:
        await asyncio.sleep(latency)
    if fault is not None and fault in BEFORE_PROCESSING:
        if fault == "timeout":
            await hang(request.receive, state.faults.faults.hang_seconds, state.stopping)
        if fault in ("drop", "timeout"):
            return CutConnection()
        return fault_response(fault)
    with state.lock:
        response = _answer(state, target, params, body_error)
    if fault == "lost_answer":
        return CutConnection()
    return response


def _answer(
    state: SandboxState,
    target: RestTarget | None,
    params: dict[str, Any],
    body_error: BodyError | None,
) -> JSONResponse:
    try:
        if not state.bucket.admit():
            state.stats.rejected_by_limit += 1
            raise query_limit()
        if target is None:
            raise method_not_found()
        if body_error is not None:
            raise CallError("INVALID_REQUEST", f"The request was not understood: {body_error}")
        caller = authenticate(state, target, params)
        outcome = call_method(state, caller, target.method, params)
    except CallError as err:
        state.stats.errors[err.code] += 1
        return _error(err)
    return JSONResponse({"result": outcome.result, "time": outcome.time})


async def token_endpoint(request: Request) -> Response:
    """``/oauth/token/``: ``grant_type=refresh_token`` rotates the pair (GET or POST)."""
    state: SandboxState = request.app.state.sandbox
    params, body_error = await _read_params(request)
    if body_error is not None:
        return _error(CallError("invalid_request", f"The request was not understood: {body_error}"))
    grant = params.get("grant_type")
    if grant != "refresh_token":
        return _error(
            CallError("invalid_request", f"grant_type must be refresh_token, not {grant!r}.")
        )
    base_url = str(request.base_url).rstrip("/")
    with state.lock:
        try:
            pair = state.tokens.refresh_pair(
                str(params.get("client_id") or ""),
                str(params.get("client_secret") or ""),
                str(params.get("refresh_token") or ""),
            )
        except CallError as err:
            state.stats.errors[err.code] += 1
            return _error(err)
        state.stats.oauth_refreshes += 1
        return JSONResponse(state.tokens.token_answer(pair, base_url))
