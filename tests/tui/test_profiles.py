"""The Profiles screen on the real app: add, validate on the fields, test the connection, save."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList, Select
from tui_support import SIZE, wait_for

from b24notify.core import paths
from b24notify.core.config import load_config
from b24notify.core.history import History
from b24notify.core.secrets import TokenStore
from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.profiles import ProfilesScreen
from b24notify.tui.widgets.editor_dialogs import UnsavedChangesDialog
from b24notify.tui.widgets.profile_form import field_id

WEBHOOK = "https://example.bitrix24.com/rest/1/abc123/"


async def open_profiles(pilot: Pilot[Any]) -> ProfilesScreen:
    app = pilot.app
    assert isinstance(app, B24NotifyApp)
    await pilot.pause()
    app.open_screen("profiles")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen) and app.screen)
    assert isinstance(screen, ProfilesScreen)
    await wait_for(pilot, lambda: screen.is_mounted and screen.query("#pf-name"))
    await pilot.pause()
    return screen


def field(screen: ProfilesScreen, key: str) -> Any:
    return screen.form.query_one(f"#{field_id(key)}")


async def fill(pilot: Pilot[Any], screen: ProfilesScreen, **values: str) -> None:
    """Type into the form's fields the way a user does (click, then keys)."""
    for key, value in values.items():
        widget = field(screen, key.replace("__", "."))
        if isinstance(widget, Select):
            widget.value = value
            continue
        widget.focus()
        widget.value = ""
        await pilot.press(*value)
    await pilot.pause()


def invalid(screen: ProfilesScreen, key: str) -> str | None:
    """The error shown on a field, or None when the field is fine."""
    container = screen.form.query_one(f"#{field_id(key)}-field")
    if not container.has_class("-invalid"):
        return None
    return str(container.query_one(".pf-error").render())


async def test_the_list_marks_the_default_and_the_form_hides_secrets(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        options = screen.query_one("#profile-list", OptionList)
        first = str(options.get_option_at_index(0).prompt)
        assert first.startswith("★ sandbox")
        assert screen.editing == "sandbox"
        assert field(screen, "name").value == "sandbox"
        for key in ("webhook", "client_id"):
            assert field(screen, key).password
        await pilot.press("ctrl+r")  # show secrets
        await pilot.pause()
        assert not field(screen, "webhook").password


async def test_adding_a_profile_writes_the_config_0600(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen.editing is None)
        file = paths.config_file()
        where = str(screen.query_one("#profiles-file").render())
        assert where.startswith("Will be saved to") and not file.exists()
        await fill(pilot, screen, name="support", webhook=WEBHOOK, bot_id="12", client_id="cid-1")
        field(screen, "plan").value = "enterprise"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.editing == "support")
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        where = str(screen.query_one("#profiles-file").render())
        assert where.startswith("Saved in") and "0600" in where
        data = tomllib.loads(file.read_text(encoding="utf-8"))
        assert data["profiles"]["support"] == {
            "webhook": WEBHOOK,
            "bot_id": 12,
            "client_id": "cid-1",
            "plan": "enterprise",
        }
        assert data["profiles"]["sandbox"]["bot_id"] == 7  # the others are kept
        assert data["default_profile"] == "sandbox"
        assert "support" in service.config.profiles  # the app uses it from now on
        assert load_config(file).profiles["support"].client_id == "cid-1"
        assert not screen.modified


@pytest.mark.parametrize(
    ("values", "key", "reason"),
    [
        ({"name": "bad name", "webhook": WEBHOOK}, "name", "letters, digits"),
        ({"name": "x", "webhook": "http://example.com/rest/1/c/"}, "webhook", "https"),
        ({"name": "x", "webhook": "https://example.com/"}, "webhook", "/rest/"),
        ({"name": "sandbox2", "webhook": ""}, "webhook", "is needed"),
    ],
)
async def test_bad_values_are_shown_on_their_field(
    service: Service, values: dict[str, str], key: str, reason: str
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen.editing is None)
        await fill(pilot, screen, **values)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: invalid(screen, key))
        assert reason in (invalid(screen, key) or "")
        assert not paths.config_file().exists()  # nothing written
        assert list(service.config.profiles) == ["sandbox"]


async def test_a_duplicate_name_is_refused_on_the_name(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen.editing is None)
        await fill(pilot, screen, name="sandbox", webhook=WEBHOOK, client_id="c")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: invalid(screen, "name"))
        assert "already exists" in (invalid(screen, "name") or "")
        assert not paths.config_file().exists()


async def test_test_connection_lists_the_bots(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        await fill(pilot, screen, bot_id="")
        await pilot.press("f9")
        await wait_for(pilot, lambda: screen.tested is not None)
        assert [(b.id, b.name) for b in screen.tested or []] == [(7, "Support Bot")]
        status = str(screen.query_one("#profile-test").render())
        assert status.startswith("✔ Connected") and "1 bot" in status
        bots = screen.query_one("#profile-bots", OptionList)
        assert bots.display and "#7 Support Bot" in str(bots.get_option_at_index(0).prompt)
        bots.focus()
        bots.highlighted = 0
        await pilot.press("enter")  # picking a bot fills the bot id
        await wait_for(pilot, lambda: field(screen, "bot_id").value == "7")
        assert not paths.config_file().exists()  # testing saves nothing


async def test_a_wrong_webhook_code_is_explained(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        await fill(pilot, screen, webhook="http://127.0.0.1:9/rest/1/wrongcode/")
        await pilot.press("f9")
        await wait_for(pilot, lambda: screen.test_error is not None)
        status = str(screen.query_one("#profile-test").render())
        assert status.startswith("✖ Could not connect")
        assert "NO_AUTH_FOUND" in status
        assert "webhook" in status.lower()  # what to do: check the webhook URL
        assert "wrongcode" not in status
        assert not screen.query_one("#profile-bots").display
        # The saved profile was not touched by testing the edited one.
        assert service.config.profiles["sandbox"].webhook_code == "sandbox"


async def test_a_wrong_v2_bot_token_is_explained(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        field(screen, "api").value = "v2"
        await pilot.pause()
        await fill(pilot, screen, bot_token="not-the-token")
        await pilot.press("f9")
        await wait_for(pilot, lambda: screen.tested is not None)
        assert screen.tested == []
        status = str(screen.query_one("#profile-test").render())
        assert status.startswith("✖") and "bot token" in status
        assert "not-the-token" not in status


async def test_unsaved_changes_are_asked_about(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        await fill(pilot, screen, bot_id="99")
        assert screen.modified
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, UnsavedChangesDialog))
        await pilot.press("d")
        await wait_for(pilot, lambda: screen.editing is None and not screen.modified)
        assert service.config.profiles["sandbox"].bot_id == 7
        assert not paths.config_file().exists()


async def test_make_default_and_delete(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen.editing is None)
        await fill(pilot, screen, name="support", webhook=WEBHOOK, client_id="c")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.editing == "support")
        await screen.action_make_default()
        await pilot.pause()
        assert service.config.default_profile == "support"
        data = tomllib.loads(paths.config_file().read_text(encoding="utf-8"))
        assert data["default_profile"] == "support"
        screen.action_delete()
        await wait_for(pilot, lambda: app.screen is not screen)
        await pilot.press("y")
        await wait_for(pilot, lambda: "support" not in service.config.profiles)
        data = tomllib.loads(paths.config_file().read_text(encoding="utf-8"))
        assert list(data["profiles"]) == ["sandbox"]
        assert data["default_profile"] == "sandbox"
        assert screen.editing == "sandbox"


async def test_secrets_from_the_environment_stay_out_of_the_file(
    sandbox_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = paths.config_file()
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text('[profiles.main]\napi = "v1"\nbot_id = 7\n', encoding="utf-8")
    monkeypatch.setenv("B24NOTIFY_MAIN_WEBHOOK", "http://127.0.0.1:9/rest/1/sandbox/")
    monkeypatch.setenv("B24NOTIFY_MAIN_CLIENT_ID", "sandbox-client-id")
    config = load_config(file)
    service = Service(
        config,
        history=History(tmp_path / "h.sqlite3"),
        transport_factory=lambda profile: httpx.ASGITransport(app=sandbox_app),
    )
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        webhook = field(screen, "webhook")
        assert isinstance(webhook, Input) and webhook.disabled
        assert "sandbox/" not in webhook.value  # shown masked
        note = str(screen.form.query_one(f"#{field_id('webhook')}-field .pf-help").render())
        assert "B24NOTIFY_MAIN_WEBHOOK" in note
        await pilot.press("f9")  # the environment's values are used for the test
        await wait_for(pilot, lambda: screen.tested is not None or screen.test_error)
        assert screen.tested is not None
        await fill(pilot, screen, bot_id="8")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not screen.modified)
        text = file.read_text(encoding="utf-8")
        assert tomllib.loads(text)["profiles"]["main"] == {"api": "v1", "bot_id": 8}
        assert "sandbox-client-id" not in text and "/rest/" not in text
        assert stat.S_IMODE(file.stat().st_mode) == 0o600


async def test_renaming_keeps_the_stored_oauth_tokens(service: Service, tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    service = Service(service.config, history=service.history, token_store=store)
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen.editing is None)
        field(screen, "auth").value = "oauth"
        await pilot.pause()
        await fill(
            pilot,
            screen,
            name="crm",
            oauth__portal="https://crm.example.com",
            oauth__client_id="local.1",
            oauth__refresh_token="r0",
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.editing == "crm")
        store.save("crm", "a1", "r1", 2_000_000_000.0)
        await fill(pilot, screen, name="crm2")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.editing == "crm2")
        pair = store.load("crm2")
        assert pair is not None and (pair.access_token, pair.refresh_token) == ("a1", "r1")
        assert store.load("crm") is None
        text = paths.config_file().read_text(encoding="utf-8")
        assert "[profiles.crm2.oauth]" in text and "profiles.crm]" not in text
        screen.action_delete()
        await wait_for(pilot, lambda: app.screen is not screen)
        await pilot.press("y")
        await wait_for(pilot, lambda: "crm2" not in service.config.profiles)
        assert store.load("crm2") is None


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (160, 48)])
async def test_every_button_fits_on_screen(service: Service, size: tuple[int, int]) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=size) as pilot:
        screen = await open_profiles(pilot)
        scroll = screen.query_one("#profile-scroll")
        buttons = list(screen.query("#profile-buttons Button").results(Button))
        assert [b.id for b in buttons][-1] == "profile-delete"
        for button in buttons:
            button.scroll_visible(animate=False)
            await pilot.pause()
            assert screen.region.contains_region(button.region), (button.id, button.region)
            assert button.region.right <= scroll.scrollable_content_region.right, button.id
            assert button.region.height >= 1 and button.region.width >= len(str(button.label))


async def test_f9_tests_the_connection_and_ctrl_t_is_the_theme(service: Service) -> None:
    from textual.command import CommandPalette

    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        field(screen, "name").focus()  # a focused input lets both keys through
        await pilot.press("f9")
        await wait_for(pilot, lambda: screen.tested is not None)
        assert [b.id for b in screen.tested or []] == [7]
        assert app.theme != "nord"
        await pilot.press("ctrl+t")
        palette = await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        assert palette
        await pilot.press(*"nord")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.theme == "nord")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.test_error is None and not screen.modified
