"""The Sandbox inbox: what the local sandbox portal received, newest first, drawn as a chat.

Available when the app runs against the sandbox (``b24notify demo`` passes
its URL; a profile marked ``sandbox = true`` points at one). A worker polls
``GET {sandbox}/sandbox/messages`` every second — only the messages after the
newest one known, plus a full read every few polls to catch edits and
deletes — so a demo shows each message arrive. The selected message is drawn
by the same chat preview as Compose, from its stored MESSAGE, ATTACH,
KEYBOARD and MENU.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static
from textual.widgets.data_table import RowDoesNotExist

from b24notify.core.errors import B24NotifyError
from b24notify.tui.widgets.chat_preview import ChatPreview
from b24notify.tui.widgets.inbox_feed import COLUMNS, InboxFeed, rendered, row, sender
from b24notify.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    import httpx

    from b24notify.core.config import Profile
    from b24notify.core.service import Service

POLL_SECONDS = 1.0
FULL_EVERY = 5  # polls between full reads (edits and deletes don't change the newest id)


def sandbox_url_for(
    service: Service, sandbox_url: str | None, profile_name: str | None
) -> tuple[str | None, Profile | None]:
    """The sandbox's base URL (the app's, else a sandbox profile's portal) and the profile."""
    try:
        profile: Profile | None = service.profile(profile_name)
    except B24NotifyError:
        profile = None
    if sandbox_url:
        return sandbox_url.rstrip("/"), profile
    if profile is not None and profile.sandbox and profile.portal_url:
        return profile.portal_url, profile
    return None, profile


class InboxScreen(Screen[None]):
    """Received messages on the left (newest first), the selected one as a chat on the right."""

    SCREEN_TITLE = "Sandbox inbox"
    BINDINGS: ClassVar[list[Any]] = [
        Binding("r", "refresh", "Refresh", id="inbox.refresh"),
        Binding("p", "toggle_pause", "Pause", id="inbox.pause"),
        Binding("n", "newest", "Newest", id="inbox.newest"),
    ]
    DEFAULT_CSS = """
    InboxScreen #inbox-status {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    InboxScreen #inbox-status.-bad { color: $text-error; }
    InboxScreen #inbox-main { height: 1fr; }
    InboxScreen #inbox-table { width: 1fr; height: 1fr; }
    InboxScreen #inbox-chat {
        width: 1.2fr;
        height: 1fr;
        border-left: vkey $panel-lighten-1;
    }
    InboxScreen.-narrow #inbox-main { layout: vertical; }
    InboxScreen.-narrow #inbox-table { width: 1fr; height: 1fr; }
    InboxScreen.-narrow #inbox-chat {
        width: 1fr;
        height: 1.4fr;
        border-left: none;
        border-top: hkey $panel-lighten-1;
    }
    """

    class Fetched(Message):
        """One poll's answer: the entries, or why there are none."""

        def __init__(
            self, entries: list[dict[str, Any]] | None, *, full: bool, error: str | None = None
        ) -> None:
            super().__init__()
            self.entries = entries
            self.full = full
            self.error = error

    class BotsKnown(Message):
        def __init__(self, names: dict[int, str]) -> None:
            super().__init__()
            self.names = names

    def __init__(
        self,
        service: Service,
        *,
        sandbox_url: str | None = None,
        profile_name: str | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.url, self.profile = sandbox_url_for(service, sandbox_url, profile_name)
        self.feed = InboxFeed()
        self.selected: int | None = None
        """Id of the message shown in the chat pane."""
        self.follow = True
        """Jump to each new message as it arrives (off once the user picks an older one)."""
        self.paused = False
        self.error: str | None = None
        self.polls = 0
        self.bot_names: dict[int, str] = {}
        self._client: httpx.AsyncClient | None = None
        self._signature: tuple[Any, ...] = ()
        self._filling = False
        self._busy = False
        self._full_pending = False

    # ---- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="inbox-status")
        with Horizontal(id="inbox-main"):
            yield DataTable(id="inbox-table", cursor_type="row", zebra_stripes=True)
            yield ChatPreview(id="inbox-chat")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self._start()

    async def profiles_changed(self) -> None:
        """A sandbox started from the app (or a sandbox profile saved) is watched from now on."""
        if self.url is not None or not self.is_mounted:
            return
        app: Any = self.app
        self.url, self.profile = sandbox_url_for(
            self.service, getattr(app, "sandbox_url", None), getattr(app, "profile_name", None)
        )
        if self.url is not None:
            self._start()

    def _start(self) -> None:
        chat = self.query_one(ChatPreview)
        if self.url is None:
            chat.clear(
                "The inbox shows what the local sandbox portal received. Run `b24notify demo`, "
                "or serve one with `b24notify sandbox` and set `sandbox = true` in a profile "
                "pointing at it."
            )
            self._status("No sandbox: the active profile talks to a real portal.", bad=False)
            return
        chat.clear("No messages yet: send one from Compose (f2) and watch it arrive here.")
        self._status(f"Sandbox {self.url} · connecting…")
        self.action_refresh()
        self.set_interval(POLL_SECONDS, self._tick)

    async def on_unmount(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # ---- polling ------------------------------------------------------------

    def _tick(self) -> None:
        # No polling while another screen is in front; a full read on coming back.
        if not self.paused and self.is_current:
            self.poll(full=self.polls % FULL_EVERY == 0)

    def on_screen_resume(self) -> None:
        if self.url is not None and self.polls:
            self.action_refresh()

    def action_refresh(self) -> None:
        """Read every message again now."""
        self.poll(full=True)

    def poll(self, *, full: bool = False) -> None:
        """Ask the sandbox for messages (all of them, or those after the newest known)."""
        if self.url is None:
            return
        if self._busy:
            # One request at a time; a full read asked for meanwhile is done next.
            self._full_pending = self._full_pending or full
            return
        full = full or self._full_pending or self.feed.last_id is None
        self._full_pending = False
        self.polls += 1
        self._busy = True
        self._fetch(None if full else self.feed.last_id, full=full)
        if not self.bot_names and self.profile is not None and self.polls == 1:
            self._fetch_bots()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(
                base_url=self.url or "",
                transport=self.service.transport_for(self.profile),
                timeout=5.0,
            )
        return self._client

    @work(group="inbox-poll", exit_on_error=False)
    async def _fetch(self, since: int | None, *, full: bool) -> None:
        try:
            await self._fetch_once(since, full=full)
        finally:
            self._busy = False

    async def _fetch_once(self, since: int | None, *, full: bool) -> None:
        import httpx

        params = {"since_id": str(since)} if since is not None else {}
        try:
            response = await self._http().get("/sandbox/messages", params=params)
        except httpx.HTTPError as err:
            reason = f"not reachable ({type(err).__name__}{': ' + str(err) if str(err) else ''})"
            self.post_message(self.Fetched(None, full=full, error=reason))
            return
        if response.status_code == 404:
            reason = "answers 404 for /sandbox/messages: it is not a b24notify sandbox"
            self.post_message(self.Fetched(None, full=full, error=reason))
            return
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code != 200 or not isinstance(data, list):
            reason = f"sent an unexpected answer (HTTP {response.status_code})"
            self.post_message(self.Fetched(None, full=full, error=reason))
            return
        entries = [entry for entry in data if isinstance(entry, dict)]
        self.post_message(self.Fetched(entries, full=full))

    @work(group="inbox-bots", exit_on_error=False)
    async def _fetch_bots(self) -> None:
        if self.profile is None:
            return
        with contextlib.suppress(B24NotifyError):
            bots = await self.service.list_bots(self.profile)
            self.post_message(self.BotsKnown({b.id: b.name for b in bots}))

    # ---- handlers -----------------------------------------------------------

    def on_inbox_screen_fetched(self, message: Fetched) -> None:
        if message.entries is None:
            self.error = message.error
            self._status(f"Sandbox {self.url} {message.error}; retrying every second.", bad=True)
            return
        self.error = None
        new = self.feed.take(message.entries, full=message.full)
        if new and self.follow:
            self.selected = new[-1]
        if self.selected is not None and self.feed.get(self.selected) is None:
            self.selected = None
        if self.selected is None and self.feed.messages:
            self.selected = max(self.feed.messages)
        self._redraw()
        self._show_status()

    def on_inbox_screen_bots_known(self, message: BotsKnown) -> None:
        self.bot_names = message.names
        self._signature = ()
        self._redraw()

    def _redraw(self) -> None:
        signature = self.feed.signature()
        if signature != self._signature:
            self._signature = signature
            self._fill_table()
        self._show_selected()

    def _fill_table(self) -> None:
        table: DataTable[str] = self.query_one(DataTable)
        self._filling = True
        try:
            table.clear()
            for message in self.feed.newest_first():
                table.add_row(*row(message, self.bot_names), key=str(message["id"]))
            if self.selected is not None:
                with contextlib.suppress(RowDoesNotExist):
                    table.move_cursor(row=table.get_row_index(str(self.selected)))
        finally:
            self._filling = False

    def _show_selected(self) -> None:
        chat = self.query_one(ChatPreview)
        message = self.feed.get(self.selected)
        if message is None:
            if not self.feed.messages:
                chat.clear("No messages yet: send one from Compose (f2) and watch it arrive here.")
            return
        problem = None
        if message.get("deleted"):
            problem = "Deleted on the portal: the chat no longer shows this message."
        chat.show(
            rendered(message),
            sender=sender(message, self.bot_names),
            system=bool(message.get("system")),
            bot_id=message.get("bot_id") if isinstance(message.get("bot_id"), int) else None,
            problem=problem,
        )

    @on(DataTable.RowHighlighted, "#inbox-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self._filling or event.row_key.value is None:
            return
        picked = int(event.row_key.value)
        if picked == self.selected:
            return
        self.selected = picked
        # Following stops when an older message is picked, and resumes on the newest.
        self.follow = picked == self.feed.last_id
        self._show_selected()
        self._show_status()

    def _show_status(self) -> None:
        count = len(self.feed.messages)
        parts = [f"Sandbox {self.url}", f"{count} message{'s' if count != 1 else ''}"]
        if self.paused:
            parts.append("paused (p resumes)")
        else:
            parts.append("live" if self.follow else "live · following off (n: newest)")
        self._status(" · ".join(parts))

    def _status(self, text: str, *, bad: bool = False) -> None:
        status = self.query_one("#inbox-status", Static)
        status.update(Text(text, no_wrap=True, overflow="ellipsis"))
        status.set_class(bad, "-bad")

    # ---- actions ------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self._show_status()

    def action_newest(self) -> None:
        self.follow = True
        if self.feed.messages:
            self.selected = max(self.feed.messages)
            table: DataTable[str] = self.query_one(DataTable)
            table.move_cursor(row=0)
            self._show_selected()
        self._show_status()
