"""Properties: no request makes the portal fail with a 500, and the inbox stays inert HTML."""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24notify.sandbox.app import create_app
from b24notify.sandbox.auth import parse_rest_path
from b24notify.sandbox.config import SandboxConfig
from b24notify.sandbox.inbox import render_bbcode
from b24notify.sandbox.limits import ManualClock

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=15,
)
_KEYS = st.sampled_from(
    ["DIALOG_ID", "MESSAGE", "ATTACH", "KEYBOARD", "MENU", "BOT_ID", "SYSTEM", "URL_PREVIEW",
     "MESSAGE_ID", "COMPLETE", "FROM_USER_ID", "TO_USER_ID", "botId", "dialogId", "fields",
     "messageId", "complete", "limit", "offset", "cmd", "halt"]
)  # fmt: skip
_METHODS = st.sampled_from(
    ["imbot.message.add", "imbot.message.update", "imbot.message.delete", "imbot.bot.list",
     "imbot.dialog.get", "imbot.v2.Chat.Message.send", "imbot.v2.Chat.Message.update",
     "imbot.v2.Chat.Message.delete", "imbot.v2.Bot.list", "batch"]
)  # fmt: skip


def _post(path: str, **kwargs: Any) -> httpx.Response:
    """One request to a fresh in-process sandbox (a huge burst: the bucket never answers)."""
    app = create_app(SandboxConfig(burst=10**9), clock=ManualClock(1_800_000_000.0))

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as c:
            return await c.post(path, **kwargs)

    return asyncio.run(run())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_METHODS, st.dictionaries(_KEYS, _JSON, max_size=6), st.booleans())
def test_any_json_params_get_a_portal_answer(
    method: str, params: dict[str, Any], webhook_secrets: bool
) -> None:
    if webhook_secrets:
        params = {**params, "CLIENT_ID": "sandbox-client-id", "botToken": "sandbox-bot-token"}
    response = _post(f"/rest/1/sandbox/{method}", json=params)
    assert response.status_code in (200, 400, 403, 404, 405), response.text
    body = response.json()
    assert ("result" in body and "time" in body) or set(body) == {"error", "error_description"}


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="abc[]=&%5BD01.?", max_size=80))
def test_any_form_body_gets_a_portal_answer(body: str) -> None:
    response = _post(
        "/rest/1/sandbox/imbot.message.add",
        content=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (200, 400, 403)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_rest_paths_never_raise(path: str) -> None:
    target = parse_rest_path(path)
    assert target is None or target.method


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_inbox_text_is_inert_html(text: str) -> None:
    rendered = render_bbcode(text)
    assert "<script" not in rendered.lower()
    assert not re.search(r'href="(?!https?://|/)', rendered, re.IGNORECASE)
    if "[" not in text and "#" not in text and ">>" not in text and "--" not in text:
        assert rendered == html.escape(text).replace("\n", "<br>")
