"""Method dispatch: the method table, the operating budget, and the ``time`` of each call.

Method names match case-insensitively (clients such as fast_bitrix24
lower-case them; the portal tries both spellings).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from b24notify.sandbox import methods_v1, methods_v2
from b24notify.sandbox.auth import Caller
from b24notify.sandbox.batch import commands, run_batch
from b24notify.sandbox.context import CallContext, Outcome
from b24notify.sandbox.envelope import (
    CallError,
    method_not_found,
    operation_time_limit,
    time_info,
)
from b24notify.sandbox.state import SandboxState

Handler = Callable[[CallContext, dict[str, Any]], Any]

METHODS: dict[str, Handler] = {
    "imbot.message.add": methods_v1.message_add,
    "imbot.message.update": methods_v1.message_update,
    "imbot.message.delete": methods_v1.message_delete,
    "imbot.bot.list": methods_v1.bot_list,
    "imbot.dialog.get": methods_v1.dialog_get,
    "imbot.v2.Chat.Message.send": methods_v2.message_send,
    "imbot.v2.Chat.Message.update": methods_v2.message_update,
    "imbot.v2.Chat.Message.delete": methods_v2.message_delete,
    "imbot.v2.Bot.list": methods_v2.bot_list,
    "batch": run_batch,
}

# Methods whose requests take queued faults (plus batches that contain one).
MESSAGE_METHODS = frozenset(
    {
        "imbot.message.add",
        "imbot.message.update",
        "imbot.message.delete",
        "imbot.v2.Chat.Message.send",
        "imbot.v2.Chat.Message.update",
        "imbot.v2.Chat.Message.delete",
    }
)

_BY_LOWER = {name.lower(): name for name in METHODS}


def canonical(method: str) -> str | None:
    """The method's documented spelling, or None for an unknown method."""
    return _BY_LOWER.get(method.strip().lower())


def is_message_request(method: str | None, params: dict[str, Any] | None) -> bool:
    """True for a message method, or a batch with at least one message command."""
    if method in MESSAGE_METHODS:
        return True
    if method == "batch" and params is not None:
        return any(
            canonical(command.partition("?")[0]) in MESSAGE_METHODS
            for _, command in commands(params.get("cmd"))
        )
    return False


def call_method(
    state: SandboxState,
    caller: Caller,
    method: str,
    params: dict[str, Any],
    *,
    in_batch: bool = False,
) -> Outcome:
    """Run one method as ``caller``; CallError carries the portal's refusal.

    Every executed call (success or method error) costs ``state.meter.cost``
    seconds of its method's budget; a call made after the budget is spent is
    refused with OPERATION_TIME_LIMIT. The outer ``batch`` costs nothing.
    """
    name = canonical(method)
    if name is None:
        raise method_not_found()
    if name == "batch" and in_batch:
        raise CallError("ERROR_BATCH_METHOD_NOT_ALLOWED", "Method not allowed by batch", 405)
    return _run(state, caller, name, params, in_batch=in_batch)


def _run(
    state: SandboxState, caller: Caller, name: str, params: dict[str, Any], *, in_batch: bool
) -> Outcome:
    metered = name != "batch"
    key = (caller.app, name)
    cost = state.meter.cost if metered else 0.0
    if metered and state.meter.blocked(key):
        state.stats.operating_rejections += 1
        raise operation_time_limit()
    if in_batch:
        state.stats.batch_commands[name] += 1

    def nested(sub_method: str, sub_params: dict[str, Any]) -> Outcome:
        return call_method(state, caller, sub_method, sub_params, in_batch=True)

    ctx = CallContext(state, caller, nested, in_batch=in_batch)
    start = state.clock()
    try:
        result = METHODS[name](ctx, params)
    finally:
        if metered:
            state.meter.record(key, cost)
    finish = state.clock()
    return Outcome(
        result,
        time_info(
            start,
            finish,
            processing=cost,
            operating=state.meter.used(key),
            operating_reset_at=state.meter.reset_at(key),
        ),
    )
