"""The dialog field names what is typed from the portal (the real app over the sandbox)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_support import SIZE, pick, ready, wait_for

from b24notify.core.models import SendOptions
from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.compose import ComposeScreen
from b24notify.tui.widgets.send_options import LOOKUP_DELAY, SendOptionsPanel


def panel_of(screen: ComposeScreen, service: Service | None) -> SendOptionsPanel:
    panel = screen.query_one("#options", SendOptionsPanel)
    # What Compose does when it builds the panel with ``service=self.service``.
    panel.set_service(service)
    return panel


def info_line(panel: SendOptionsPanel) -> Static:
    return panel.query_one("#dialog-info", Static)


def shown(panel: SendOptionsPanel) -> str:
    line = info_line(panel)
    return str(line.render()) if line.has_class("-shown") and line.display else ""


def lookups(sandbox_app: Any) -> int:
    return int(sandbox_app.state.sandbox.stats.by_method.get("imbot.dialog.get", 0))


def set_latency(sandbox_app: Any, seconds: float) -> None:
    sandbox_app.state.sandbox.faults.update({"latency": seconds})


async def type_dialog(pilot: Pilot[Any], screen: ComposeScreen, text: str) -> Input:
    field = screen.query_one("#opt-dialog", Input)
    field.focus()
    field.value = ""
    await pilot.press(*text)
    return field


async def test_a_typed_chat_shows_its_portal_name(service: Service, sandbox_app: Any) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        panel = panel_of(screen, service)
        await type_dialog(pilot, screen, "chat42")
        await wait_for(pilot, lambda: shown(panel) == "chat42 · Sandbox chat 42 (chat)")
        assert not info_line(panel).has_class("-missing")
        assert panel.dialog_info is not None and panel.dialog_info.name == "Sandbox chat 42"
        # A user dialog is named as a user.
        await type_dialog(pilot, screen, "42")
        await wait_for(pilot, lambda: shown(panel) == "42 · Sandbox user 42 (user)")


async def test_a_missing_dialog_shows_a_warning(service: Service, sandbox_app: Any) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        panel = panel_of(screen, service)
        # The portal answers that "0" is no dialog.
        await type_dialog(pilot, screen, "0")
        await wait_for(pilot, lambda: shown(panel) == "no such dialog on the portal")
        assert info_line(panel).has_class("-missing")
        assert panel.dialog_info is not None and panel.dialog_info.found is False
        # Another dialog clears the warning.
        await type_dialog(pilot, screen, "chat7")
        await wait_for(pilot, lambda: shown(panel) == "chat7 · Sandbox chat 7 (chat)")
        assert not info_line(panel).has_class("-missing")


async def test_a_field_error_hides_the_portal_line(service: Service, sandbox_app: Any) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        panel = panel_of(screen, service)
        await pick(pilot, screen, "notice/short")
        await type_dialog(pilot, screen, "0")
        await wait_for(pilot, lambda: panel.query_one("#field-dialog").has_class("-invalid"))
        await wait_for(pilot, lambda: panel.dialog_info is not None)
        assert shown(panel) == ""  # the validator's error speaks for the field
        await type_dialog(pilot, screen, "chat3")
        await wait_for(pilot, lambda: shown(panel) == "chat3 · Sandbox chat 3 (chat)")


async def test_lookups_wait_for_a_pause_and_are_asked_once(
    service: Service, sandbox_app: Any
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        panel = panel_of(screen, service)
        field = screen.query_one("#opt-dialog", Input)
        field.value = "chat1"
        field.value = "chat12"  # typed on before the pause was over
        await pilot.pause(LOOKUP_DELAY / 3)
        assert lookups(sandbox_app) == 0
        await wait_for(pilot, lambda: shown(panel).startswith("chat12 · "))
        assert lookups(sandbox_app) == 1
        # Back to a dialog already known: shown at once, not asked again.
        field.value = "chat"
        await pilot.pause()
        assert shown(panel) == "→ chat12 · Sandbox chat 12 (chat)"
        field.value = "chat12"
        await pilot.pause()
        assert shown(panel) == "chat12 · Sandbox chat 12 (chat)"
        await pilot.pause(LOOKUP_DELAY * 2)
        assert lookups(sandbox_app) == 1


async def test_found_dialogs_join_the_completions_with_their_name(
    service: Service, sandbox_app: Any
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        panel = panel_of(screen, service)
        field = await type_dialog(pilot, screen, "chat77")
        await wait_for(pilot, lambda: shown(panel).startswith("chat77 · "))
        assert field.suggester is not None
        assert await field.suggester.get_suggestion("chat7") == "chat77"
        # While the typed prefix itself is being asked about, the completion is named.
        set_latency(sandbox_app, 5.0)
        field.value = "chat7"
        await pilot.pause()
        assert shown(panel) == "→ chat77 · Sandbox chat 77 (chat)"
        await pilot.press("right")  # accept the completion
        assert field.value == "chat77"
        await pilot.pause()
        assert shown(panel) == "chat77 · Sandbox chat 77 (chat)"


async def test_the_preview_does_not_wait_for_the_portal(service: Service, sandbox_app: Any) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        panel = panel_of(screen, service)
        await pick(pilot, screen, "notice/short")
        screen.query_one("#var-text", Input).value = "Deploy finished"
        set_latency(sandbox_app, 1.5)
        await type_dialog(pilot, screen, "chat31")
        # The request is previewed with the dialog while the portal is still thinking.
        await wait_for(pilot, lambda: screen.preview and screen.preview.ok, timeout=1.2)
        assert screen.preview is not None and screen.preview.params is not None
        assert screen.preview.params["DIALOG_ID"] == "chat31"
        assert shown(panel) == ""
        await wait_for(pilot, lambda: shown(panel) == "chat31 · Sandbox chat 31 (chat)")


async def test_without_a_service_the_field_works_with_no_lookups(
    service: Service, sandbox_app: Any
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        panel = panel_of(screen, None)
        field = await type_dialog(pilot, screen, "chat42")
        await pilot.pause(LOOKUP_DELAY * 2)
        assert field.value == "chat42"
        assert panel.options().dialog_id == "chat42"
        assert shown(panel) == ""
        assert lookups(sandbox_app) == 0


async def test_a_loaded_draft_names_its_dialog(service: Service, sandbox_app: Any) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        panel = panel_of(screen, service)
        # A draft opened from history fills the field without a keystroke.
        panel.load(SendOptions(dialog_id="chat8"))
        await wait_for(pilot, lambda: shown(panel) == "chat8 · Sandbox chat 8 (chat)")
        assert lookups(sandbox_app) == 1
