"""The request as code to copy (JSON, curl, JavaScript, PHP, Python), secrets masked.

Also the masking helpers the rest of b24notify reuses for history and logs:
:func:`mask_params` (secret values by key name, anywhere in the params),
:func:`mask_url` (the webhook code and secret query values of a URL) and
:func:`mask_text` (the same inside free text, plus known secret values).

The shapes follow the Bitrix24 REST docs' own examples: webhook curl with a
JSON body, ``$b24.callMethod`` (b24jssdk) and ``BX24.callMethod`` (BX24.js),
``$b24Service->core->call`` (b24phpsdk) and ``CRest::call`` (CRest), and
Python posting JSON with httpx. HTTP-level outputs (json, curl, python) carry
an ``auth`` placeholder in the body for OAuth; the SDK snippets leave auth to
the SDK.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from b24notify.core.errors import UsageError

FORMATS = ("json", "curl", "js", "php", "python")
AUTH_KINDS = ("webhook", "oauth")
_ALIASES = {"javascript": "js", "py": "python", "sh": "curl", "shell": "curl"}

# Placeholder shown instead of a secret, by key name with "_" and "-" dropped
# and lower-cased, so CLIENT_ID, client_id and clientId are one key.
_SECRET_KEYS = {
    "clientid": "<client-id>",
    "bottoken": "<bot-token>",
    "auth": "<access-token>",
    "accesstoken": "<access-token>",
    "refreshtoken": "<refresh-token>",
    "clientsecret": "<client-secret>",
    "applicationtoken": "<application-token>",
    "webhook": "<webhook-url>",
}
WEBHOOK_CODE = "<webhook-code>"

# /rest/<user id>/<code>/ (and the REST v3 form /rest/api/<user id>/<code>/).
_WEBHOOK_PATH = re.compile(r"(/rest/(?:api/)?\d+/)([^/?#\s]+)")
_USERINFO = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^/@?#\s:]*:)[^/@?#\s]+@")
_QUERY_SECRET = re.compile(
    r"([?&;])(client[_-]?id|bot[_-]?token|auth|access[_-]?token|refresh[_-]?token"
    r"|client[_-]?secret|application[_-]?token|code)=([^&#\s]*)",
    re.I,
)
_METHOD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")


def _norm_key(key: object) -> str:
    return str(key).replace("_", "").replace("-", "").lower()


def _placeholder(key: object) -> str | None:
    return _SECRET_KEYS.get(_norm_key(key))


# ---- masking ----------------------------------------------------------------------


def mask_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``params`` with every secret value replaced by a placeholder.

    Secrets are found by key name, case-insensitively, at any depth:
    ``CLIENT_ID`` → ``<client-id>``, ``botToken`` → ``<bot-token>``, ``auth``
    → ``<access-token>``, and refresh/client-secret/application tokens. Empty
    values stay empty, so a missing secret still shows as missing. The input
    is never changed.
    """
    return {key: _mask_value(key, value) for key, value in params.items()}


def _mask_value(key: object, value: Any) -> Any:
    placeholder = _placeholder(key) if key is not None else None
    if placeholder is not None and value is not None and value != "":
        return placeholder
    if isinstance(value, Mapping):
        return {k: _mask_value(k, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(None, v) for v in value]
    return value


def mask_url(url: str) -> str:
    """``url`` with its webhook code, password and secret query values masked.

    ``https://p.bitrix24.com/rest/1/abc123/imbot.message.add?auth=T`` becomes
    ``https://p.bitrix24.com/rest/1/<webhook-code>/imbot.message.add?auth=<access-token>``;
    everything else is kept as written.
    """
    out = _WEBHOOK_PATH.sub(lambda m: m.group(1) + WEBHOOK_CODE, url)
    out = _USERINFO.sub(lambda m: m.group(1) + "<password>@", out)
    return _QUERY_SECRET.sub(_mask_query_value, out)


def _mask_query_value(m: re.Match[str]) -> str:
    if not m.group(3):
        return m.group(0)
    name = m.group(2)
    placeholder = "<authorization-code>" if name.lower() == "code" else _placeholder(name)
    return f"{m.group(1)}{name}={placeholder}"


def mask_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Free text (a log line, an error) with URLs masked and each known secret replaced.

    ``secrets`` are the actual secret values in play (webhook code, tokens,
    CLIENT_ID, botToken …); each non-empty one is replaced by ``***``,
    longest first, wherever it appears.
    """
    out = mask_url(text)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        out = out.replace(secret, "***")
    return out


# ---- rendering --------------------------------------------------------------------


def render_code(
    fmt: str,
    *,
    base_url: str,
    method: str,
    params: Mapping[str, Any],
    auth: str = "webhook",
) -> str:
    """The call of ``method`` with ``params`` as ready-to-copy code, secrets masked.

    ``fmt`` is one of :data:`FORMATS` (``javascript``, ``py`` and ``sh`` are
    accepted too); ``base_url`` is the webhook URL (``https://portal/rest/1/CODE/``)
    or, with ``auth="oauth"``, the REST endpoint (``https://portal/rest/``).
    Raises :class:`UsageError` for an unknown format or auth kind, a malformed
    method name, or params that cannot be sent as JSON.
    """
    key = _ALIASES.get(fmt.strip().lower(), fmt.strip().lower())
    if key not in FORMATS:
        raise UsageError(f"Unknown export format {fmt!r}: use one of {', '.join(FORMATS)}.")
    if auth not in AUTH_KINDS:
        raise UsageError(f"Unknown auth kind {auth!r}: use webhook or oauth.")
    if not _METHOD.fullmatch(method):
        raise UsageError(f"{method!r} is not a REST method name (like imbot.message.add).")
    call = _Call(base_url, method, _json_safe(mask_params(params)), auth)
    return _RENDERERS[key](call)


def _json_safe(params: dict[str, Any]) -> dict[str, Any]:
    """The params as JSON would carry them (tuples → lists, keys → strings)."""
    try:
        text = json.dumps(params, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (TypeError, ValueError, RecursionError) as err:
        raise UsageError(f"The params cannot be sent as JSON: {err}.") from None
    data: dict[str, Any] = json.loads(text)
    return data


class _Call:
    """What every renderer needs: endpoint, method, and the body for HTTP and for SDKs."""

    def __init__(self, base_url: str, method: str, params: dict[str, Any], auth: str) -> None:
        self.method = method
        self.oauth = auth == "oauth"
        base = mask_url(base_url.strip())
        if not base:
            base = "https://your-portal.bitrix24.com/rest/"
            if not self.oauth:
                base += f"1/{WEBHOOK_CODE}/"
        self.base = base if base.endswith("/") else base + "/"
        self.url = f"{self.base}{method}.json"
        self.sdk_params = params
        self.http_params = dict(params)
        if self.oauth:
            self.sdk_params = {k: v for k, v in params.items() if _norm_key(k) != "auth"}
            if not any(_norm_key(k) == "auth" for k in params):
                self.http_params["auth"] = _SECRET_KEYS["auth"]


def _render_json(call: _Call) -> str:
    return json.dumps(call.http_params, ensure_ascii=False, indent=2) + "\n"


def shell_quote(text: str) -> str:
    """``text`` as one POSIX shell word in single quotes (``'`` becomes ``'\\''``)."""
    return "'" + text.replace("'", "'\\''") + "'"


def _render_curl(call: _Call) -> str:
    body = json.dumps(call.http_params, ensure_ascii=False)
    return (
        "curl -X POST \\\n"
        '  -H "Content-Type: application/json" \\\n'
        '  -H "Accept: application/json" \\\n'
        f"  -d {shell_quote(body)} \\\n"
        f"  {shell_quote(call.url)}\n"
    )


# ---- literals in each language ----------------------------------------------------

_INDENT = "    "
_INLINE_WIDTH = 72


class _Dialect:
    """How one language writes strings, keys, scalars and containers."""

    def __init__(
        self,
        *,
        string: Callable[[str], str],
        key: Callable[[str], str],
        pair: str,
        true: str,
        false: str,
        null: str,
        map_open: str,
        map_close: str,
        empty_map: str,
    ) -> None:
        self.string = string
        self.key = key
        self.pair = pair
        self.true, self.false, self.null = true, false, null
        self.map_open, self.map_close, self.empty_map = map_open, map_close, empty_map

    def literal(self, value: Any, depth: int = 0) -> str:
        """``value`` (JSON data) as a literal, nested containers indented by ``depth``."""
        if isinstance(value, dict):
            if not value:
                return self.empty_map
            pad = _INDENT * (depth + 1)
            lines = [
                f"{pad}{self.key(k)}{self.pair}{self.literal(v, depth + 1)},"
                for k, v in value.items()
            ]
            return self.map_open + "\n" + "\n".join(lines) + "\n" + _INDENT * depth + self.map_close
        if isinstance(value, list):
            items = [self.literal(v, depth + 1) for v in value]
            inline = "[" + ", ".join(items) + "]"
            scalars = not any(isinstance(v, dict | list) for v in value)
            if scalars and len(inline) + len(_INDENT) * depth <= _INLINE_WIDTH:
                return inline
            pad = _INDENT * (depth + 1)
            return "[\n" + "".join(f"{pad}{item},\n" for item in items) + _INDENT * depth + "]"
        if value is True:
            return self.true
        if value is False:
            return self.false
        if value is None:
            return self.null
        if isinstance(value, str):
            return self.string(value)
        return json.dumps(value)


_JS_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
    "\v": "\\v",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JS_SPECIAL = re.compile(r"[\\'\x00-\x1f\x7f\u2028\u2029]")
_JS_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def js_string(text: str) -> str:
    """``text`` as a single-quoted JavaScript string literal."""
    return "'" + _JS_SPECIAL.sub(_js_escape, text) + "'"


def _js_escape(m: re.Match[str]) -> str:
    ch = m.group()
    return _JS_ESCAPES.get(ch) or f"\\x{ord(ch):02x}"


def php_string(text: str) -> str:
    """``text`` as a PHP string literal.

    Single-quoted (only ``\\`` and ``'`` escaped) unless it holds control
    characters such as newlines; then double-quoted with ``\\n``-style escapes
    and ``$`` escaped, so nothing is interpolated.
    """
    if not _PHP_CONTROL.search(text):
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return '"' + _PHP_DOUBLE.sub(_php_escape, text) + '"'


_PHP_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PHP_DOUBLE = re.compile(r'[\\"$\x00-\x1f\x7f]')
_PHP_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "$": "\\$",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\f": "\\f",
    "\x1b": "\\e",
}


def _php_escape(m: re.Match[str]) -> str:
    ch = m.group()
    return _PHP_ESCAPES.get(ch) or f"\\x{ord(ch):02x}"


def _py_string(text: str) -> str:
    # A JSON string is a valid Python string literal with the same value.
    return json.dumps(text, ensure_ascii=False)


JS = _Dialect(
    string=js_string,
    key=lambda k: k if _JS_IDENT.fullmatch(k) else js_string(k),
    pair=": ",
    true="true",
    false="false",
    null="null",
    map_open="{",
    map_close="}",
    empty_map="{}",
)
# PHP arrays: a JSON object becomes an associative array, so json_encode on the
# server side gives the same structure back (an empty object becomes []).
PHP = _Dialect(
    string=php_string,
    key=php_string,
    pair=" => ",
    true="true",
    false="false",
    null="null",
    map_open="[",
    map_close="]",
    empty_map="[]",
)
PY = _Dialect(
    string=_py_string,
    key=_py_string,
    pair=": ",
    true="True",
    false="False",
    null="None",
    map_open="{",
    map_close="}",
    empty_map="{}",
)


# ---- programs ---------------------------------------------------------------------


def _render_js(call: _Call) -> str:
    method = js_string(call.method)
    params = JS.literal(call.sdk_params, 1)
    if call.oauth:
        setup = (
            "// b24jssdk inside a Bitrix24 application (npm i @bitrix24/b24jssdk)\n"
            "import { initializeB24Frame } from '@bitrix24/b24jssdk'\n\n"
            "const $b24 = await initializeB24Frame()\n"
        )
    else:
        setup = (
            "// b24jssdk with the inbound webhook (npm i @bitrix24/b24jssdk);\n"
            f"// put your webhook's code in place of {WEBHOOK_CODE}.\n"
            "import { B24Hook } from '@bitrix24/b24jssdk'\n\n"
            f"const $b24 = B24Hook.fromWebhookUrl({js_string(call.base)})\n"
        )
    return (
        f"{setup}\n"
        "try {\n"
        f"    const response = await $b24.callMethod({method}, {params})\n"
        "    console.log(response.getData().result)\n"
        "} catch (error) {\n"
        "    console.error(error)\n"
        "}\n"
        "\n"
        "// Or with BX24.js, on a page of a Bitrix24 application\n"
        "BX24.callMethod(\n"
        f"    {method},\n"
        f"    {params},\n"
        "    function (result) {\n"
        "        if (result.error()) {\n"
        "            console.error(result.error())\n"
        "        } else {\n"
        "            console.log(result.data())\n"
        "        }\n"
        "    }\n"
        ")\n"
    )


def _render_php(call: _Call) -> str:
    method = php_string(call.method)
    params = PHP.literal(call.sdk_params, 2)
    if call.oauth:
        builder = (
            "// $b24Service: the ServiceBuilder of your OAuth application, e.g. from\n"
            "// ServiceBuilderFactory::createServiceBuilderFromPlacementRequest(...)\n"
        )
    else:
        builder = (
            f"// Put your webhook's code in place of {WEBHOOK_CODE}.\n"
            "$b24Service = ServiceBuilderFactory::createServiceBuilderFromWebhook(\n"
            f"    {php_string(call.base)}\n"
            ");\n"
        )
    crest_note = (
        "C_REST_CLIENT_ID / C_REST_CLIENT_SECRET"
        if call.oauth
        else "C_REST_WEB_HOOK_URL with your webhook URL"
    )
    return (
        "<?php\n"
        "// b24phpsdk (composer require bitrix24/b24phpsdk)\n"
        "use Bitrix24\\SDK\\Services\\ServiceBuilderFactory;\n\n"
        "require_once 'vendor/autoload.php';\n\n"
        f"{builder}\n"
        "try {\n"
        "    $response = $b24Service->core->call(\n"
        f"        {method},\n"
        f"        {params}\n"
        "    );\n"
        "    print_r($response->getResponseData()->getResult());\n"
        "} catch (Throwable $e) {\n"
        "    echo $e->getMessage();\n"
        "}\n"
        "\n"
        f"// Or with CRest (crest.php; settings.php defines {crest_note})\n"
        "require_once 'crest.php';\n\n"
        "$result = CRest::call(\n"
        f"    {method},\n"
        f"    {PHP.literal(call.sdk_params, 1)}\n"
        ");\n"
        "print_r($result);\n"
    )


def _render_python(call: _Call) -> str:
    if call.oauth:
        note = "# The portal's REST endpoint; params['auth'] takes your OAuth access token.\n"
    else:
        note = f"# The inbound webhook: put its code in place of {WEBHOOK_CODE}.\n"
    return (
        "import httpx\n\n"
        f"{note}"
        f"BASE_URL = {_py_string(call.base)}\n\n"
        f"params = {PY.literal(call.http_params)}\n\n"
        f"response = httpx.post(BASE_URL + {_py_string(call.method + '.json')}, "
        "json=params, timeout=30)\n"
        "data = response.json()\n"
        'if "error" in data:\n'
        "    raise SystemExit(f\"{data['error']}: {data.get('error_description', '')}\")\n"
        'print(data["result"])\n'
    )


_RENDERERS: dict[str, Callable[[_Call], str]] = {
    "json": _render_json,
    "curl": _render_curl,
    "js": _render_js,
    "php": _render_php,
    "python": _render_python,
}
