"""``GET /sandbox/inbox``: what the sandbox received, rendered as chats in a browser page.

Text goes through the core BB-code parser (the same one the preview uses);
attachments and keyboards are drawn from what the portal kept. Everything
from a message is HTML-escaped; only http(s) and relative links become links.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from b24notify.core import bbcode
from b24notify.sandbox.messages import StoredMessage
from b24notify.sandbox.state import SandboxState

_LINK = re.compile(r"^(?:/|https?://)", re.IGNORECASE)
_HEX = re.compile(r"^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$")
_SIMPLE = {"b": "b", "i": "i", "u": "u", "s": "s"}

_STYLE = """
body{font-family:system-ui,sans-serif;background:#eef2f4;margin:0;padding:1em}
h1{font-size:1.2em} h2{font-size:1em;color:#555;margin-top:1.5em}
.msg{background:#fff;border-radius:8px;padding:.6em .8em;margin:.4em 0;max-width:46em}
.meta{color:#888;font-size:.8em} .deleted{opacity:.5;text-decoration:line-through}
.attach{border-left:4px solid #2fc6f6;padding-left:.6em;margin-top:.4em}
.btn{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:.1em .6em;margin:.2em}
.mention{color:#2067b0} .action{color:#0a7} blockquote{border-left:3px solid #ccc;margin:.3em 0;
padding-left:.5em;color:#555} pre{background:#f4f4f4;padding:.4em}
"""


def _link(url: str, label: str) -> str:
    if _LINK.match(url.strip()):
        return f'<a href="{html.escape(url.strip())}">{label}</a>'
    return label


def render_bbcode(text: str) -> str:
    """HTML for BB-code text (unknown tags stay visible as text)."""
    return _nodes(bbcode.parse(text))


def _nodes(nodes: Sequence[bbcode.Node]) -> str:
    return "".join(_node(n) for n in nodes)


def _node(node: bbcode.Node) -> str:
    if isinstance(node, bbcode.Text):
        return html.escape(node.text).replace("\n", "<br>")
    if isinstance(node, bbcode.LineBreak):
        return "<br>"
    if isinstance(node, bbcode.QuoteLine):
        return f"<blockquote>{_nodes(node.children)}</blockquote>"
    inner = _nodes(node.children)
    name, value = node.name, node.value or ""
    if name in _SIMPLE:
        return f"<{_SIMPLE[name]}>{inner}</{_SIMPLE[name]}>"
    if name == "url":
        return _link(value or bbcode.plain_text(node.children), inner)
    if name in ("user", "chat"):
        return f'<span class="mention">@{inner or html.escape(value)}</span>'
    if name == "color" and _HEX.match(value):
        return f'<span style="color:{value}">{inner}</span>'
    if name == "size" and value.isdigit() and 8 <= int(value) <= 30:
        return f'<span style="font-size:{value}px">{inner}</span>'
    if name == "code":
        return f"<pre>{inner}</pre>"
    if name == "quote":
        return f"<blockquote>{inner}</blockquote>"
    if name in ("put", "send", "call"):
        return f'<span class="action">{inner or html.escape(value)}</span>'
    if name in ("img", "icon", "disk"):
        return f"[{name}: {html.escape(value or bbcode.plain_text(node.children).strip())}]"
    return inner


def _attach(attach: Any) -> str:
    if not isinstance(attach, dict):
        return ""
    parts: list[str] = []
    for block in attach.get("BLOCKS") or []:
        if not isinstance(block, dict):
            continue
        for kind, body in block.items():
            parts.append(_block(kind, body))
    color = attach.get("COLOR")
    style = f' style="border-color:{color}"' if isinstance(color, str) and _HEX.match(color) else ""
    return f'<div class="attach"{style}>{"".join(parts)}</div>'


def _block(kind: str, body: Any) -> str:
    if kind == "MESSAGE":
        return f"<div>{render_bbcode(str(body))}</div>"
    if kind == "DELIMITER":
        return "<hr>"
    if kind == "GRID" and isinstance(body, list):
        rows = "".join(
            f"<tr><th>{html.escape(str(i.get('NAME', '')))}</th>"
            f"<td>{render_bbcode(str(i.get('VALUE', '')))}</td></tr>"
            for i in body
            if isinstance(i, dict)
        )
        return f"<table>{rows}</table>"
    items = body if isinstance(body, list) else [body]
    return "".join(_item(kind, item) for item in items if isinstance(item, dict))


def _item(kind: str, item: dict[str, Any]) -> str:
    """A LINK/RICH_LINK/USER as a link, an IMAGE/FILE as a labelled placeholder."""
    name = html.escape(str(item.get("NAME") or item.get("LINK") or kind.lower()))
    link = item.get("LINK")
    label = name if kind in ("LINK", "RICH_LINK", "USER") else f"[{kind.lower()}: {name}]"
    return f"<div>{_link(link, label) if isinstance(link, str) else label}</div>"


def _buttons(items: Any) -> str:
    if not isinstance(items, list):
        return ""
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("TYPE") == "NEWLINE":
            out.append("<br>")
        else:
            out.append(f'<span class="btn">{html.escape(str(item.get("TEXT", "")))}</span>')
    return f"<div>{''.join(out)}</div>" if out else ""


def render_message(message: StoredMessage) -> str:
    """One message as an HTML block."""
    css = "msg deleted" if message.deleted else "msg"
    meta = f"#{message.id} · bot {message.bot_id} · {message.api} · " + html.escape(
        message.to_json()["time"]
    )
    if message.system:
        meta += " · system"
    return (
        f'<div class="{css}"><div class="meta">{meta}</div>'
        f"<div>{render_bbcode(message.message)}</div>"
        f"{_attach(message.attach)}{_buttons(message.keyboard)}{_buttons(message.menu)}</div>"
    )


async def inbox(request: Request) -> Response:
    """The page; ``?dialog_id=`` shows one dialog. It reloads itself every few seconds."""
    state: SandboxState = request.app.state.sandbox
    wanted = request.query_params.get("dialog_id")
    dialogs: dict[str, list[StoredMessage]] = {}
    for message in state.messages():
        if wanted is None or message.dialog_id == wanted:
            dialogs.setdefault(message.dialog_id, []).append(message)
    sections = [
        f"<h2>Dialog {html.escape(dialog)}</h2>" + "".join(render_message(m) for m in items)
        for dialog, items in dialogs.items()
    ]
    body = "".join(sections) or "<p>No messages yet.</p>"
    page = (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta http-equiv="refresh" content="3"><title>Sandbox inbox</title>'
        f"<style>{_STYLE}</style></head><body><h1>Sandbox inbox</h1>{body}</body></html>"
    )
    return HTMLResponse(page)
