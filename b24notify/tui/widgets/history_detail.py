"""The History screen's detail pane: everything about one send, the message drawn as sent."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.text import Text

from b24notify.tui.widgets.history_table import local_time, status_text

if TYPE_CHECKING:
    from b24notify.core.history import SendRecord


def message_parts(record: SendRecord) -> tuple[str, Any, Any, Any]:
    """Message, attach, keyboard and menu from the stored (masked) params, v1 or v2."""
    params = record.params or {}
    fields = params.get("fields")
    if isinstance(fields, dict):
        return (
            str(fields.get("message") or ""),
            fields.get("attach"),
            fields.get("keyboard"),
            fields.get("menu"),
        )
    return (
        str(params.get("MESSAGE") or ""),
        params.get("ATTACH"),
        params.get("KEYBOARD"),
        params.get("MENU"),
    )


def detail(record: SendRecord) -> RenderableType:
    """Everything about one send: outcome, where, the message as sent, values, params."""
    from b24notify.tui.widgets.chat_render import chat_message

    head = Text()
    head.append(f"#{record.id}  ", "bold")
    head.append_text(status_text(record))
    if record.message_id is not None:
        head.append(f"   message id {record.message_id}", "bold")
    rows = [
        ("When", local_time(record.created_at)),
        ("Template", record.template or "—"),
        ("Dialog", record.dialog_id or "—"),
        ("Bot", str(record.bot_id) if record.bot_id is not None else "profile default"),
        ("Profile", f"{record.profile} · {record.portal}"),
        ("Method", f"{record.method} ({record.api})"),
        ("Attempts", f"{record.attempts}, {record.duration_ms or 0:.0f} ms"),
    ]
    if record.http_status is not None:
        rows.append(("HTTP", str(record.http_status)))
    if record.run_id:
        rows.append(("Run", f"{record.run_id} row {record.row_number}"))
    if record.edited_at:
        rows.append(("Edited", local_time(record.edited_at)))
    if record.deleted_at:
        rows.append(("Deleted", local_time(record.deleted_at)))
    info = Text()
    for key, value in rows:
        info.append(f"\n{key:<9}", "dim")
        info.append(value)
    parts: list[RenderableType] = [head, info]
    if record.error_code or record.error_description:
        error = Text("\n")
        error.append(record.error_code or "Error", "bold red")
        if record.error_description:
            error.append(f": {record.error_description}", "red")
        parts.append(error)
    if record.note:
        parts.append(Text(f"\n{record.note}", "italic yellow"))
    parts.append(Text("\nResponse (as recorded)", "bold underline"))
    parts.append(response(record))
    message, attach, keyboard, menu = message_parts(record)
    parts.append(Text("\nAs sent", "bold underline"))
    parts.append(
        chat_message(
            message,
            attach=_json_part(attach),
            keyboard=_json_part(keyboard),
            menu=_json_part(menu),
            sender=f"Bot #{record.bot_id or '?'} → {record.dialog_id}",
            when=local_time(record.created_at),
        )
    )
    if record.values:
        parts.append(Text("\nValues", "bold underline"))
        parts.append(Text(json.dumps(record.values, ensure_ascii=False, indent=2)))
    parts.append(Text("\nRequest params (secrets masked)", "bold underline"))
    parts.append(Text(json.dumps(record.params, ensure_ascii=False, indent=2)))
    return Group(*parts)


def response(record: SendRecord) -> Text:
    """What the portal answered, rebuilt from the stored outcome (the raw answer is not kept)."""
    answered = record.http_status is not None
    body: dict[str, Any] | None = None
    if record.status == "sent" and (record.message_id is not None or answered):
        body = {"result": record.message_id}
    elif record.status == "failed" and (record.error_code or record.error_description):
        body = {"error": record.error_code, "error_description": record.error_description}
    if body is None:
        return Text(_NO_BODY.get(record.status, "Nothing recorded."), "dim")
    text = Text(json.dumps(body, ensure_ascii=False))
    text.append(f"\nHTTP {record.http_status}" if answered else "\nHTTP status not recorded", "dim")
    return text


_NO_BODY = {
    "sent": "Marked as sent by hand: no answer was recorded.",
    "failed": "No answer was recorded (marked as failed by hand, or it never reached the portal).",
    "unknown": "No answer (the request left; see the chat).",
    "pending": "No answer yet: the request is under way.",
}


def _json_part(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value
