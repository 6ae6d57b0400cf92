"""Code exports of a request: each format is valid, carries the same params, and leaks no secret."""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from b24notify.core.errors import UsageError
from b24notify.core.export import (
    FORMATS,
    mask_params,
    mask_text,
    mask_url,
    php_string,
    render_code,
    shell_quote,
)

WEBHOOK = "https://portal.bitrix24.com/rest/1/s3cretC0de/"
METHOD = "imbot.message.add"
TRICKY = [
    "plain",
    "",
    "it's",
    'say "hi"',
    "back\\slash \\' \\\\",
    "line\nbreak\r\ntab\t",
    "$HOME ${x} {$y} `cmd` $(cmd)",
    "</script><!-- -->",
    "\u2028\u2029 \x00\x01\x1b\x7f",
    "emoji 🎉 кириллица 中文",
    "'\"'\"'",
    "[b]bold[/b] #BR# >>q",
    "two\nlines with $var and {$x} and \\$",
]
PARAMS: dict[str, Any] = {
    "BOT_ID": 39,
    "CLIENT_ID": "client-secret-value",
    "DIALOG_ID": "chat12",
    "MESSAGE": 'It\'s [b]done[/b]\nwith \\ and "quotes" and $vars',
    "ATTACH": {
        "ID": 1,
        "COLOR": "#29619b",
        "BLOCKS": [
            {"MESSAGE": "API will be available soon"},
            {"GRID": [{"NAME": "Ticket", "VALUE": "#42", "DISPLAY": "LINE", "WIDTH": 100}]},
            {"DELIMITER": {"SIZE": 200, "COLOR": "#c8c8c8"}},
        ],
    },
    "KEYBOARD": [{"TEXT": "Yes", "COMMAND": "yes", "BG_COLOR": "#29619b"}],
    "URL_PREVIEW": "N",
    "tricky": TRICKY,
    "odd keys": {"with space": 1, "123": 2, "a-b": 3, "": 4, "ключ": 5},
    "empty": {"list": [], "map": {}},
    "scalars": [True, False, None, 0, -1, 1.5, 1e100, 2**53],
}
MASKED = {**PARAMS, "CLIENT_ID": "<client-id>"}


def render(fmt: str, params: dict[str, Any] | None = None, **kw: Any) -> str:
    kw.setdefault("base_url", WEBHOOK)
    kw.setdefault("method", METHOD)
    return render_code(fmt, params=PARAMS if params is None else params, **kw)


# ---- masking ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "masked"),
    [
        ({"CLIENT_ID": "abc", "BOT_ID": 1}, {"CLIENT_ID": "<client-id>", "BOT_ID": 1}),
        ({"client_id": "abc"}, {"client_id": "<client-id>"}),
        ({"clientId": "abc"}, {"clientId": "<client-id>"}),
        ({"botToken": "t"}, {"botToken": "<bot-token>"}),
        ({"BOT_TOKEN": "t"}, {"BOT_TOKEN": "<bot-token>"}),
        ({"auth": "tok"}, {"auth": "<access-token>"}),
        ({"AUTH": {"access_token": "a"}}, {"AUTH": "<access-token>"}),
        (
            {"access_token": "a", "refresh_token": "r"},
            {"access_token": "<access-token>", "refresh_token": "<refresh-token>"},
        ),
        ({"client_secret": "s"}, {"client_secret": "<client-secret>"}),
        ({"application_token": "s"}, {"application_token": "<application-token>"}),
        (
            {"fields": {"botToken": "t", "message": "m"}},
            {"fields": {"botToken": "<bot-token>", "message": "m"}},
        ),
        (
            {"cmd": [{"params": {"CLIENT_ID": 5}}]},
            {"cmd": [{"params": {"CLIENT_ID": "<client-id>"}}]},
        ),
        ({"CLIENT_ID": "", "botToken": None}, {"CLIENT_ID": "", "botToken": None}),
        ({"CLIENT_ID": "<client-id>"}, {"CLIENT_ID": "<client-id>"}),
        ({"items": ("a", {"auth": "x"})}, {"items": ["a", {"auth": "<access-token>"}]}),
        ({"MESSAGE": "CLIENT_ID", "author": "x"}, {"MESSAGE": "CLIENT_ID", "author": "x"}),
    ],
)
def test_mask_params(params: dict[str, Any], masked: dict[str, Any]) -> None:
    before = json.dumps(params, default=list)
    assert mask_params(params) == masked
    assert json.dumps(params, default=list) == before  # the input is untouched


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            "https://p.bitrix24.com/rest/1/abc123/",
            "https://p.bitrix24.com/rest/1/<webhook-code>/",
        ),
        (
            "https://p.bitrix24.com/rest/17/abc123/imbot.message.add.json",
            "https://p.bitrix24.com/rest/17/<webhook-code>/imbot.message.add.json",
        ),
        ("https://p.bitrix24.com/rest/1/abc123", "https://p.bitrix24.com/rest/1/<webhook-code>"),
        (
            "https://p.bitrix24.com/rest/api/1/abc123/x",
            "https://p.bitrix24.com/rest/api/1/<webhook-code>/x",
        ),
        (
            "https://p.bitrix24.com/rest/imbot.message.add?auth=tok&x=1",
            "https://p.bitrix24.com/rest/imbot.message.add?auth=<access-token>&x=1",
        ),
        (
            "https://oauth.bitrix.info/oauth/token/?grant_type=refresh_token&client_id=app"
            "&client_secret=s&refresh_token=r",
            "https://oauth.bitrix.info/oauth/token/?grant_type=refresh_token&client_id=<client-id>"
            "&client_secret=<client-secret>&refresh_token=<refresh-token>",
        ),
        ("https://x/cb?code=C&state=1", "https://x/cb?code=<authorization-code>&state=1"),
        ("https://u:pw@x.com/rest/", "https://u:<password>@x.com/rest/"),
        ("https://p.bitrix24.com/rest/", "https://p.bitrix24.com/rest/"),
        ("http://127.0.0.1:8080/rest/1/k/", "http://127.0.0.1:8080/rest/1/<webhook-code>/"),
        ("not a url", "not a url"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked
    assert mask_url(masked) == masked


def test_mask_text_masks_urls_and_known_secrets() -> None:
    line = (
        "POST https://p.bitrix24.com/rest/1/abc123/imbot.message.add failed: "
        "CLIENT_ID cid-777 rejected (token tok-999)"
    )
    out = mask_text(line, ["cid-777", "tok-999", "", None])
    assert "abc123" not in out and "cid-777" not in out and "tok-999" not in out
    assert "rest/1/<webhook-code>/imbot.message.add" in out
    assert out.count("***") == 2


# ---- errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"fmt": "xml"}, "Unknown export format 'xml'"),
        ({"fmt": "json", "auth": "basic"}, "Unknown auth kind 'basic'"),
        ({"fmt": "json", "method": "imbot.message.add'); rm -rf /"}, "not a REST method name"),
        ({"fmt": "json", "method": ""}, "not a REST method name"),
        ({"fmt": "json", "params": {"x": float("nan")}}, "cannot be sent as JSON"),
        ({"fmt": "json", "params": {"x": object()}}, "cannot be sent as JSON"),
        ({"fmt": "json", "params": {"x": "\ud800"}}, "cannot be sent as JSON"),
    ],
)
def test_bad_requests_are_usage_errors(kwargs: dict[str, Any], fragment: str) -> None:
    fmt = kwargs.pop("fmt")
    with pytest.raises(UsageError) as err:
        render(fmt, **kwargs)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("alias", "fmt"), [("JS", "js"), ("javascript", "js"), ("py", "python"), (" sh ", "curl")]
)
def test_format_aliases(alias: str, fmt: str) -> None:
    assert render(alias) == render(fmt)


# ---- json and curl ----------------------------------------------------------------


def test_json_is_the_masked_body() -> None:
    assert json.loads(render("json")) == MASKED


def curl_words(command: str) -> list[str]:
    # The shell joins "\\\n" continuation lines before splitting words.
    return shlex.split(command.replace("\\\n", ""))


def test_curl_words_follow_the_docs_shape() -> None:
    words = curl_words(render("curl"))
    assert words[:3] == ["curl", "-X", "POST"]
    assert words[3:7] == ["-H", "Content-Type: application/json", "-H", "Accept: application/json"]
    assert words[7] == "-d"
    assert json.loads(words[8]) == MASKED
    assert words[9] == "https://portal.bitrix24.com/rest/1/<webhook-code>/imbot.message.add.json"
    assert len(words) == 10


@pytest.mark.parametrize("text", TRICKY)
def test_shell_quote_round_trips(text: str) -> None:
    assert shlex.split(shell_quote(text)) == [text]


# ---- Python -----------------------------------------------------------------------


def python_params(code: str) -> Any:
    tree = ast.parse(code)
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "params":
            return ast.literal_eval(node.value)
    raise AssertionError("no params assignment")


def test_python_compiles_and_carries_the_params() -> None:
    code = render("python")
    compile(code, "export.py", "exec")
    assert python_params(code) == MASKED
    assert 'BASE_URL = "https://portal.bitrix24.com/rest/1/<webhook-code>/"' in code
    assert "httpx.post(" in code


# ---- the programs run for real against a loopback HTTP server ---------------------


class _Recorder(BaseHTTPRequestHandler):
    """Records each request and answers with the JSON body it received as the result."""

    seen: list[tuple[str, dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.seen.append((self.path, dict(self.headers), body))
        answer = json.dumps({"result": json.loads(body)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    seen: list[tuple[str, dict[str, str], bytes]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/rest/1/realCode42/", seen
    finally:
        server.shutdown()
        server.server_close()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = "*"
    return env


@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None, reason="no curl")
def test_curl_command_sends_the_masked_params(recorder: tuple[str, list[Any]]) -> None:
    base, seen = recorder
    command = render("curl", base_url=base)
    assert "realCode42" not in command
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=30, env=_env()
    )
    assert done.returncode == 0, done.stderr
    (path, headers, body) = seen[0]
    assert path.endswith("/imbot.message.add.json") and "realCode42" not in path
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == MASKED


def test_python_program_sends_the_masked_params(recorder: tuple[str, list[Any]]) -> None:
    base, seen = recorder
    code = render("python", base_url=base)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=_env()
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(seen[0][2]) == MASKED
    assert ast.literal_eval(done.stdout.strip()) == MASKED


# ---- JavaScript -------------------------------------------------------------------

NODE = shutil.which("node")


def js_literals(code: str) -> list[str]:
    sdk = re.search(r"\$b24\.callMethod\('[^']*', (\{.*?\n    \})\)\n", code, re.S)
    bx24 = re.search(
        r"BX24\.callMethod\(\n    '[^']*',\n    (\{.*?\n    \}),\n    function", code, re.S
    )
    assert sdk and bx24
    return [sdk.group(1), bx24.group(1)]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("auth", ["webhook", "oauth"])
def test_javascript_is_valid_and_carries_the_params(tmp_path: Path, auth: str) -> None:
    assert NODE is not None
    code = render(
        "js", auth=auth, base_url=WEBHOOK if auth == "webhook" else "https://p.bitrix24.com/rest/"
    )
    module = tmp_path / "export.mjs"
    module.write_text(code, encoding="utf-8")
    check = subprocess.run(
        [NODE, "--check", str(module)], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stderr
    probe = tmp_path / "probe.mjs"
    probe.write_text(
        "process.stdout.write(JSON.stringify([" + ", ".join(js_literals(code)) + "]))\n",
        encoding="utf-8",
    )
    done = subprocess.run([NODE, str(probe)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [MASKED, MASKED]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@settings(max_examples=3, deadline=None)
@given(st.lists(st.text(), min_size=40, max_size=40), st.lists(st.text(max_size=10), max_size=10))
def test_javascript_strings_and_keys_round_trip_in_node(texts: list[str], keys: list[str]) -> None:
    assert NODE is not None
    params: dict[str, Any] = {"texts": texts, "keyed": {k: i for i, k in enumerate(keys)}}
    literals = js_literals(render("js", params))
    program = "process.stdout.write(JSON.stringify([" + ", ".join(literals) + "]))"
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", program], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [mask_params(params)] * 2


def test_javascript_shapes() -> None:
    code = render("js")
    assert "B24Hook.fromWebhookUrl('https://portal.bitrix24.com/rest/1/<webhook-code>/')" in code
    assert "await $b24.callMethod('imbot.message.add', {" in code
    assert "BX24.callMethod(\n    'imbot.message.add',\n" in code
    assert "function (result)" in code


# ---- PHP: a small reader for the array literals the exporter writes ---------------


class PhpReader:
    """Reads PHP literals: arrays (list or key => value), strings, numbers, true/false/null."""

    _SINGLE = re.compile(r"'((?:[^'\\]|\\.)*)'", re.S)
    _DOUBLE = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)
    _NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
    _DQ: ClassVar[dict[str, str]] = {
        "n": "\n",
        "r": "\r",
        "t": "\t",
        "v": "\v",
        "f": "\f",
        "e": "\x1b",
        "\\": "\\",
        '"': '"',
        "$": "$",
    }

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def value(self) -> Any:
        self.skip()
        text, pos = self.text, self.pos
        if text.startswith("[", pos):
            return self.array()
        for word, val in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, pos):
                self.pos += len(word)
                return val
        if m := self._SINGLE.match(text, pos):
            self.pos = m.end()
            return re.sub(r"\\([\\'])", r"\1", m.group(1))
        if m := self._DOUBLE.match(text, pos):
            self.pos = m.end()
            unescaped = re.sub(r"\\.", "", m.group(1), flags=re.S)
            assert "$" not in unescaped, "PHP would interpolate this string"
            return re.sub(r"\\(x[0-9a-fA-F]{2}|.)", self._unescape, m.group(1), flags=re.S)
        m = self._NUMBER.match(text, pos)
        assert m, f"unexpected PHP at {text[pos : pos + 20]!r}"
        self.pos = m.end()
        return json.loads(m.group())

    def _unescape(self, m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc.startswith("x") and len(esc) == 3:
            return chr(int(esc[1:], 16))
        assert esc in self._DQ, f"escape \\{esc} is not produced"
        return self._DQ[esc]

    def array(self) -> Any:
        self.pos += 1
        items: list[Any] = []
        pairs: dict[str, Any] = {}
        while True:
            self.skip()
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return pairs if pairs else items
            first = self.value()
            self.skip()
            if self.text.startswith("=>", self.pos):
                self.pos += 2
                assert not items, "mixed list and map"
                pairs[first] = self.value()
            else:
                assert not pairs, "mixed list and map"
                items.append(first)
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1


def php_literals(code: str, method: str = METHOD) -> list[Any]:
    found = []
    markers = (
        f"$b24Service->core->call(\n        '{method}',",
        f"CRest::call(\n    '{method}',",
    )
    for marker in markers:
        reader = PhpReader(code)
        reader.pos = code.index(marker) + len(marker)
        found.append(reader.value())
        assert code[reader.pos :].lstrip().startswith(")")
    return found


def php_json(value: Any) -> Any:
    """What PHP's json_encode makes of the data: an empty object is an empty array."""
    if isinstance(value, dict):
        return {k: php_json(v) for k, v in value.items()} if value else []
    if isinstance(value, list):
        return [php_json(v) for v in value]
    return value


def test_php_carries_the_params_in_both_sdks() -> None:
    code = render("php")
    assert code.startswith("<?php\n")
    assert (
        "ServiceBuilderFactory::createServiceBuilderFromWebhook(\n    'https://portal.bitrix24.com/rest/1/<webhook-code>/'\n);"
        in code
    )
    assert php_literals(code) == [php_json(MASKED), php_json(MASKED)]


@pytest.mark.parametrize("text", TRICKY)
def test_php_string_round_trips(text: str) -> None:
    assert PhpReader(php_string(text)).value() == text


# ---- OAuth ------------------------------------------------------------------------


def test_oauth_puts_a_token_placeholder_in_http_bodies_only() -> None:
    kw: dict[str, Any] = {
        "base_url": "https://p.bitrix24.com/rest/",
        "auth": "oauth",
        "method": "imbot.v2.Chat.Message.send",
    }
    params = {"botId": 1, "dialogId": "chat2", "fields": {"message": "hi"}}
    expected_http = {**params, "auth": "<access-token>"}
    assert json.loads(render("json", params, **kw)) == expected_http
    words = curl_words(render("curl", params, **kw))
    assert json.loads(words[8]) == expected_http
    assert words[9] == "https://p.bitrix24.com/rest/imbot.v2.Chat.Message.send.json"
    assert python_params(render("python", params, **kw)) == expected_http
    assert "auth" not in render("js", params, **kw)
    php = render("php", params, **kw)
    assert php_literals(php, "imbot.v2.Chat.Message.send") == [params, params]


def test_oauth_keeps_a_given_token_masked() -> None:
    out = render(
        "json", {"botId": 1, "auth": "real-token"}, base_url="https://p/rest/", auth="oauth"
    )
    assert json.loads(out) == {"botId": 1, "auth": "<access-token>"}


def test_missing_base_url_gets_a_placeholder() -> None:
    assert curl_words(render("curl", base_url=""))[9] == (
        "https://your-portal.bitrix24.com/rest/1/<webhook-code>/imbot.message.add.json"
    )


# ---- properties -------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
SECRET = st.text(min_size=4, max_size=30)
CODE = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=4, max_size=32)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=5))
def test_every_language_round_trips_arbitrary_params(params: dict[str, Any]) -> None:
    expected = mask_params(params)
    assert json.loads(render("json", params)) == expected
    assert json.loads(curl_words(render("curl", params))[8]) == expected
    code = render("python", params)
    compile(code, "export.py", "exec")
    assert python_params(code) == expected
    assert php_literals(render("php", params)) == [php_json(expected)] * 2


@settings(max_examples=100, deadline=None)
@given(code=CODE, client_id=SECRET, token=SECRET, access=SECRET, fmt=st.sampled_from(FORMATS))
def test_no_secret_reaches_any_output(
    code: str, client_id: str, token: str, access: str, fmt: str
) -> None:
    def out(c: str, cid: str, tok: str, acc: str, auth: str) -> str:
        params = {
            "BOT_ID": 1,
            "CLIENT_ID": cid,
            "MESSAGE": "hello",
            "fields": {"botToken": tok, "items": [{"auth": acc}]},
        }
        return render(fmt, params, base_url=f"https://p.bitrix24.com/rest/7/{c}/", auth=auth)

    for auth in ("webhook", "oauth"):
        shown = out(code, client_id, token, access, auth)
        # The output does not depend on the secrets at all…
        assert shown == out("zz" + code, client_id + "x", token + "y", access + "z", auth)
        # …so none of them can be found in it, unless it is common text anyway.
        for secret in (code, client_id, token, access):
            assume(secret not in out("q", "q", "q", "q", auth))
            assert secret not in shown
