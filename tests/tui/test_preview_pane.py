"""The preview pane: cheap to import and mount, its Request and Code views built when first shown.

A real ``PreviewPane`` in a small app is fed real ``Preview`` objects (from the
service over the sandbox, or built for the case); the Compose cases run the
whole app through a Pilot.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Input, Select, Static, TextArea
from tui_support import SIZE, pick, ready, wait_for

from b24notify.core.models import Rendered
from b24notify.core.service import Preview, Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.widgets.code_view import CodeView
from b24notify.tui.widgets.preview_pane import ChatContext, PreviewPane
from b24notify.tui.widgets.request_view import HIGHLIGHT_LIMIT, RequestView


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PreviewPane(id="pane")


def preview_of(params: dict[str, Any], sizes: dict[str, int] | None = None) -> Preview:
    return Preview(
        template="t",
        api="v1",
        method="imbot.message.add",
        rendered=Rendered(message=str(params.get("MESSAGE", ""))),
        params=params,
        sizes=sizes or {},
        url="https://portal.example/rest/1/<webhook>/imbot.message.add",
    )


def show(pane: PreviewPane, preview: Preview) -> None:
    pane.show(preview, ChatContext(sender="Bot"), code=lambda fmt: f"{fmt}: {preview.params}")


def test_importing_the_pane_loads_no_editor_nor_grammar() -> None:
    code = (
        "import sys\n"
        "import b24notify.tui.widgets.preview_pane\n"
        "heavy = ('textual.widgets._text_area', 'tree_sitter', 'textual.document._document')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"importing the pane loaded: {out.stdout.strip()}"


async def test_request_and_code_views_are_built_when_first_shown() -> None:
    app = PaneApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(PreviewPane)
        show(pane, preview_of({"DIALOG_ID": "chat1", "MESSAGE": "hello"}))
        await pilot.pause()
        assert not pane.query(TextArea), "no editor before its tab is opened"
        request, code = pane.query_one(RequestView), pane.query_one(CodeView)
        assert not request.built and not code.built
        pane.activate("request")
        await pilot.pause()
        assert request.built and not code.built
        area = request.query_one("#request-body", TextArea)
        assert '"MESSAGE": "hello"' in area.text == request.text
        assert "POST https://portal.example/rest/1/<webhook>/imbot.message.add" in str(
            request.query_one("#request-head", Static).render()
        )
        pane.activate("code")
        await pilot.pause()
        assert code.built
        assert code.query_one("#code-body", TextArea).text == code.text
        assert code.text.startswith("curl: ")


async def test_a_hidden_tab_shows_the_latest_preview_when_opened() -> None:
    app = PaneApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(PreviewPane)
        pane.activate("request")
        show(pane, preview_of({"MESSAGE": "one"}))
        await pilot.pause()
        pane.activate("chat")
        show(pane, preview_of({"MESSAGE": "two"}))
        show(pane, preview_of({"MESSAGE": "three"}))
        await pilot.pause()
        request = pane.query_one(RequestView)
        assert '"one"' in request.text  # not redrawn while hidden
        pane.activate("request")
        await pilot.pause()
        assert '"three"' in request.text
        assert '"three"' in request.query_one("#request-body", TextArea).text


async def test_a_large_body_is_shown_plain_and_updates() -> None:
    app = PaneApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(PreviewPane)
        pane.activate("request")
        rows = [{"GRID": [{"NAME": f"Row {n}", "VALUE": "v" * 60}]} for n in range(300)]
        params = {"MESSAGE": "big", "ATTACH": rows}
        show(pane, preview_of(params, {"attach": 29_000}))
        await pilot.pause()
        request = pane.query_one(RequestView)
        assert len(request.text) > HIGHLIGHT_LIMIT
        area = request.query_one("#request-body", TextArea)
        assert area.language is None
        assert "not highlighted: a large body" in str(
            request.query_one("#request-head", Static).render()
        )
        params["MESSAGE"] = "bigger"
        show(pane, preview_of(params, {"attach": 29_500}))
        await pilot.pause()
        assert '"MESSAGE": "bigger"' in area.text
        assert "28.8 KB" in str(request.query_one("#request-head", Static).render())
        small = {"MESSAGE": "small"}
        show(pane, preview_of(small))
        await pilot.pause()
        assert area.language in (None, "json")  # highlighted again when the grammar is there
        assert area.text == request.text and '"small"' in area.text


async def test_copy_as_a_format_works_before_the_code_tab_was_ever_opened(
    service: Service,
) -> None:
    copied: list[str] = []
    app = B24NotifyApp(service)
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "notice/short")
        screen.query_one("#opt-dialog", Input).value = "chat9"
        await wait_for(pilot, lambda: screen.preview and screen.preview.ok)
        view = screen.query_one(CodeView)
        assert not view.built
        from b24notify.tui.app import B24Commands

        commands = {hit.text: hit async for hit in B24Commands(screen).discover()}
        commands["Copy request as Python"].command()
        await wait_for(pilot, lambda: copied)
        assert "chat9" in copied[-1] and "imbot.message.add" in copied[-1]
        assert view.fmt == "python"
        await pilot.pause()
        assert view.built
        assert view.query_one("#code-format", Select).value == "python"


async def test_typing_updates_the_request_tab_in_view(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "notice/short")
        await pilot.press("f7")
        request = screen.query_one(RequestView)
        await wait_for(pilot, lambda: request.built)
        field = screen.query_one("#var-text", Input)
        field.select_on_focus = False  # type after the value, don't replace it
        field.value = "Deploy"
        field.focus()
        await pilot.pause()
        field.cursor_position = len(field.value)
        await pilot.press(*" done")
        await wait_for(pilot, lambda: "Deploy done" in request.text)
        area = request.query_one("#request-body", TextArea)
        assert "Deploy done" in area.text
