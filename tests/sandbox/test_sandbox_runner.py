"""The real server: start/stop on loopback, the ``serve`` announcement, the state file."""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from sandbox_support import BOT_TOKEN, CLIENT_ID, v1, v2

from b24notify.core.errors import ConfigError, UsageError
from b24notify.sandbox.config import SandboxConfig
from b24notify.sandbox.runner import serve, start_sandbox


def _refused(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        return True
    return False


def test_start_picks_a_free_port_and_stops() -> None:
    with start_sandbox(SandboxConfig(webhook_code="c0de")) as sandbox:
        assert sandbox.port > 0
        assert sandbox.base_url == f"http://127.0.0.1:{sandbox.port}"
        assert sandbox.webhook_url == f"http://127.0.0.1:{sandbox.port}/rest/1/c0de/"
        response = httpx.post(sandbox.webhook_url + "imbot.message.add", json=v1())
        assert response.json()["result"] == 1001
        assert [m.message for m in sandbox.state.messages()] == ["Hello"]
    assert _refused("127.0.0.1", sandbox.port)


def test_a_busy_port_is_one_clear_error() -> None:
    with (
        start_sandbox() as first,
        pytest.raises(UsageError, match=r"cannot listen on 127\.0\.0\.1"),
    ):
        start_sandbox(SandboxConfig(port=first.port))


def test_serve_announces_working_credentials() -> None:
    lines: list[str] = []
    until = threading.Event()
    ready = threading.Event()

    def announce(line: str) -> None:
        lines.append(line)
        if line.startswith("Press Ctrl+C"):
            ready.set()

    thread = threading.Thread(
        target=serve, args=(SandboxConfig(),), kwargs={"announce": announce, "until": until}
    )
    thread.start()
    try:
        assert ready.wait(10)
        text = "\n".join(lines)
        webhook = re.search(r"Webhook URL: (http://127\.0\.0\.1:\d+/rest/1/sandbox/)", text)
        assert webhook
        assert f"CLIENT_ID={CLIENT_ID} botToken={BOT_TOKEN}" in text
        assert "OAuth client_id=local.sandbox client_secret=sandbox-secret" in text
        tokens = re.search(r"access_token=(\w+) refresh_token=(\w+)", text)
        assert tokens
        inbox = re.search(r"Inbox: (\S+)", text)
        assert inbox
        base = webhook.group(1).split("/rest/")[0]
        assert inbox.group(1) == f"{base}/sandbox/inbox"
        assert httpx.post(webhook.group(1) + "imbot.message.add", json=v1()).status_code == 200
        oauth = httpx.post(f"{base}/rest/imbot.bot.list", json={"auth": tokens.group(1)})
        assert oauth.status_code == 200
        refreshed = httpx.get(
            f"{base}/oauth/token/",
            params={
                "grant_type": "refresh_token",
                "client_id": "local.sandbox",
                "client_secret": "sandbox-secret",
                "refresh_token": tokens.group(2),
            },
        )
        assert refreshed.status_code == 200
        assert httpx.get(inbox.group(1)).status_code == 200
    finally:
        until.set()
        thread.join(10)
    assert not thread.is_alive()
    assert _refused("127.0.0.1", int(base.rsplit(":", 1)[1]))


def test_state_file_keeps_messages_and_tokens_across_restarts(tmp_path: Path) -> None:
    config = SandboxConfig(state_file=tmp_path / "portal.sqlite3")
    with start_sandbox(config) as first:
        httpx.post(first.webhook_url + "imbot.message.add", json=v1("kept"))
        httpx.post(first.webhook_url + "imbot.v2.Chat.Message.send", json=v2("also kept"))
        httpx.post(
            first.webhook_url + "imbot.message.update",
            json={"MESSAGE_ID": 1001, "MESSAGE": "kept, edited", "CLIENT_ID": CLIENT_ID},
        )
        issued = httpx.post(f"{first.base_url}/sandbox/oauth/issue").json()
        before = httpx.get(f"{first.base_url}/sandbox/messages").json()
    with start_sandbox(config) as second:
        after = httpx.get(f"{second.base_url}/sandbox/messages").json()
        assert after == before
        assert [m["message"] for m in after] == ["kept, edited", "also kept"]
        assert after[0]["updated"] is True
        again = httpx.post(second.webhook_url + "imbot.message.add", json=v1("new"))
        assert again.json()["result"] == 1003
        token_call = httpx.post(
            f"{second.base_url}/rest/imbot.bot.list", json={"auth": issued["access_token"]}
        )
        assert token_call.status_code == 200
        refresh = {
            "grant_type": "refresh_token",
            "client_id": "local.sandbox",
            "client_secret": "sandbox-secret",
            "refresh_token": issued["refresh_token"],
        }
        assert httpx.get(second.token_url, params=refresh).status_code == 200
    with start_sandbox(config) as third:
        # The rotated refresh token stays used up after a restart.
        assert httpx.get(third.token_url, params=refresh).json()["error"] == "invalid_grant"
        httpx.post(f"{third.base_url}/sandbox/reset")
    with start_sandbox(config) as fourth:
        assert httpx.get(f"{fourth.base_url}/sandbox/messages").json() == []
        assert (
            httpx.post(fourth.webhook_url + "imbot.message.add", json=v1()).json()["result"] == 1004
        )


def test_an_unusable_state_file_is_one_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database, just some text " * 50)
    with pytest.raises(ConfigError) as info:
        start_sandbox(SandboxConfig(state_file=broken))
    assert str(broken) in str(info.value)
    assert "cannot be used" in str(info.value)
    assert info.value.path == str(broken)


def test_the_listening_socket_is_tcp_so_answers_are_not_delayed() -> None:
    # asyncio disables Nagle only on accepted sockets whose proto is IPPROTO_TCP;
    # with Nagle on, each keep-alive answer stalled ~40 ms on a delayed ACK.
    with start_sandbox() as sandbox:
        assert sandbox._sock.proto == socket.IPPROTO_TCP
        with httpx.Client(base_url=sandbox.base_url) as client:
            client.get("/sandbox/stats")
            started = time.perf_counter()
            for _ in range(10):
                client.get("/sandbox/stats")
            assert (time.perf_counter() - started) / 10 < 0.035
