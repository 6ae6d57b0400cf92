"""The preview tabs (Chat, Request, Code, Problems); only the tab in view re-renders.

The Request and Code views are empty boxes until their tab is first shown
(their editors are built then), so the pane mounts quickly and importing this
module pulls in no TextArea or tree-sitter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import TabbedContent, TabPane

from b24notify.tui.widgets.chat_preview import ChatPreview
from b24notify.tui.widgets.code_view import CodeView
from b24notify.tui.widgets.problems_list import Finding, ProblemsList, findings
from b24notify.tui.widgets.request_view import RequestView

if TYPE_CHECKING:
    from b24notify.core.service import Preview

TABS = ("chat", "request", "code", "problems")


@dataclass
class ChatContext:
    """Who sends, for the chat header, and what shapes the portal's view."""

    sender: str = "Bot"
    system: bool = False
    bot_id: int | None = None


class PreviewPane(Vertical):
    """Holds the latest preview and shows it in whichever tab is active."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.preview: Preview | None = None
        self.context = ChatContext()
        self.found: list[Finding] = []
        self._code: Callable[[str], str] | None = None
        self._dirty: set[str] = set()
        self._problems_label = "Problems"
        self._chat = ChatPreview(id="chat-preview")
        self._request = RequestView(id="request-view")
        self._code_view = CodeView(id="code-view")
        self._problems = ProblemsList(id="problems-list")
        self._tabs = TabbedContent(id="preview-tabs")

    def compose(self) -> ComposeResult:
        with self._tabs:
            with TabPane("Chat", id="chat"):
                yield self._chat
            with TabPane("Request", id="request"):
                yield self._request
            with TabPane("Code", id="code"):
                yield self._code_view
            with TabPane("Problems", id="problems"):
                yield self._problems

    @property
    def tabs(self) -> TabbedContent:
        return self._tabs

    @property
    def active(self) -> str:
        return self._tabs.active

    def activate(self, tab: str) -> None:
        if tab in TABS:
            self._tabs.active = tab

    def show(
        self,
        preview: Preview,
        context: ChatContext,
        *,
        code: Callable[[str], str],
        labels: Mapping[str, str] | None = None,
    ) -> None:
        """Take a new preview; the visible tab re-renders now, the others when opened."""
        self.preview = preview
        self.context = context
        self._code = code
        self.found = findings(preview, labels)
        self._label_problems()
        self._dirty = set(TABS)
        self._render_tab(self.active or "chat")

    def _label_problems(self) -> None:
        errors = sum(1 for f in self.found if f.severity == "error")
        warnings = len(self.found) - errors
        label = "Problems"
        if errors:
            label += f" {errors}✖"
        if warnings:
            label += f" {warnings}▲"
        if label != self._problems_label:
            self._problems_label = label
            self._tabs.get_tab("problems").label = label

    def _render_tab(self, tab: str) -> None:
        if tab not in self._dirty or self.preview is None:
            return
        self._dirty.discard(tab)
        preview = self.preview
        if tab == "chat":
            self._render_chat(preview)
        elif tab == "request":
            self._request.show(preview)
        elif tab == "code":
            view = self._code_view
            if preview.params is None or self._code is None:
                view.show("# Nothing to export yet: the draft does not render.")
            else:
                view.show(self._code(view.fmt))
        elif tab == "problems":
            self._problems.show(self.found)

    def _render_chat(self, preview: Preview) -> None:
        chat = self._chat
        problem: str | None = None
        if preview.error is not None:
            problem = f"Template error — {preview.error}"
        elif preview.field_errors:
            count = len(preview.field_errors)
            problem = f"Check the form: {count} field{'s' if count > 1 else ''} need attention."
        if problem is not None and chat.renders:
            problem += " Showing the last good render."
        ctx = self.context
        chat.show(
            preview.rendered if problem is None else None,
            sender=ctx.sender,
            system=ctx.system,
            bot_id=ctx.bot_id,
            problem=problem,
        )

    def refresh_code(self) -> None:
        self._dirty.add("code")
        self._render_tab(self.active)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.tabbed_content is self._tabs:
            self._render_tab(self.active)

    def on_code_view_format_changed(self, event: CodeView.FormatChanged) -> None:
        event.stop()
        self.refresh_code()
