"""The Chat tab: the message as the chat will show it, kept on screen while the draft is broken."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from b24notify.tui.widgets.chat_render import chat_message

if TYPE_CHECKING:
    from b24notify.core.models import Rendered


def portal_view(rendered: Rendered, bot_id: int | None = None) -> tuple[Any, Any, Any]:
    """Attach, keyboard and menu reduced to what the portal keeps (it drops bad parts silently)."""
    from b24notify.core import payload

    attach = keyboard = menu = None
    if rendered.attach is not None:
        attach = payload.effective_attach(rendered.attach)
    if rendered.keyboard is not None:
        keyboard = payload.effective_keyboard(rendered.keyboard, bot_id=bot_id)
    if rendered.menu is not None:
        menu = payload.effective_menu(rendered.menu, bot_id=bot_id)
    return attach, keyboard, menu


class ChatPreview(VerticalScroll, can_focus=True):
    """A faithful, scrollable rendering of one message."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.renders = 0
        """How many times the body was re-rendered (benchmarks and tests wait on it)."""

    def compose(self) -> ComposeResult:
        yield Static(id="chat-banner", markup=False)
        yield Static(id="chat-body")

    def on_mount(self) -> None:
        self.query_one("#chat-banner").display = False
        self.query_one("#chat-body", Static).update(
            Text("Pick a template on the left to see the message here.", "dim italic")
        )

    def show(
        self,
        rendered: Rendered | None,
        *,
        sender: str = "Bot",
        system: bool = False,
        bot_id: int | None = None,
        problem: str | None = None,
    ) -> None:
        """Render ``rendered``; with None keep the last good message, dimmed, under ``problem``."""
        banner = self.query_one("#chat-banner", Static)
        body = self.query_one("#chat-body", Static)
        banner.display = problem is not None
        if problem is not None:
            banner.update(problem)
        body.set_class(rendered is None, "-stale")
        if rendered is None:
            return
        attach, keyboard, menu = portal_view(rendered, bot_id)
        body.update(
            chat_message(
                rendered.message,
                attach=attach,
                keyboard=keyboard,
                menu=menu,
                sender=sender,
                system=system,
            )
        )
        self.renders += 1

    def clear(self, note: str) -> None:
        self.query_one("#chat-banner").display = False
        self.query_one("#chat-body", Static).update(Text(note, "dim italic"))
