"""``b24notify`` with no profile: the app offers a sandbox or the profile form, not a failure."""

from __future__ import annotations

import tomllib
from pathlib import Path

from test_profiles import WEBHOOK, fill
from textual.widgets import Select
from tui_support import SIZE, wait_for

from b24notify.core import paths
from b24notify.core.config import Config
from b24notify.core.history import History
from b24notify.core.service import Service
from b24notify.tui.app import B24Commands, B24NotifyApp
from b24notify.tui.screens.compose import ComposeScreen
from b24notify.tui.screens.first_run import FirstRunDialog
from b24notify.tui.screens.profiles import ProfilesScreen


def profiles_on_top(app: B24NotifyApp) -> ProfilesScreen | None:
    return app.screen if isinstance(app.screen, ProfilesScreen) else None


def bare_service(tmp_path: Path) -> Service:
    return Service(Config(), history=History(tmp_path / "history.sqlite3"))


async def test_with_profiles_nothing_is_offered(service: Service) -> None:
    app = B24NotifyApp(service, offer_first_run=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, ComposeScreen) and app.screen.preview is None
        )
        await pilot.pause(0.3)
        assert not isinstance(app.screen, FirstRunDialog)


async def test_the_sandbox_choice_sends_for_real_and_is_never_saved(tmp_path: Path) -> None:
    service = bare_service(tmp_path)
    app = B24NotifyApp(service, offer_first_run=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FirstRunDialog))
        await pilot.press("s")
        await wait_for(pilot, lambda: "sandbox" in service.config.profiles)
        child = app.sandbox_child
        assert child is not None and child.process.poll() is None
        profile = service.config.profiles["sandbox"]
        assert profile.sandbox and profile.ephemeral and profile.webhook == child.webhook
        compose = app.screen_of("compose")
        assert isinstance(compose, ComposeScreen)
        await wait_for(pilot, lambda: compose.query("#opt-profile"))
        assert compose.query_one("#opt-profile", Select).value == "sandbox"
        bots = await service.list_bots(profile)  # a real portal answers over loopback
        assert [b.id for b in bots] == [profile.bot_id]
        # Saving a real profile later writes that one only.
        app.open_screen("profiles")
        screen = await wait_for(
            pilot, lambda: isinstance(app.screen, ProfilesScreen) and app.screen
        )
        await wait_for(pilot, lambda: screen.query("#pf-name"))
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen.editing is None)
        await fill(pilot, screen, name="support", webhook=WEBHOOK, bot_id="12", client_id="c-1")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: paths.config_file().exists())
        saved = tomllib.loads(paths.config_file().read_text(encoding="utf-8"))
        assert list(saved["profiles"]) == ["support"]
        assert child.code not in paths.config_file().read_text(encoding="utf-8")
    assert child.process.poll() is not None  # the portal ends with the app


async def test_the_profile_choice_opens_a_new_profile_form(tmp_path: Path) -> None:
    app = B24NotifyApp(bare_service(tmp_path), offer_first_run=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FirstRunDialog))
        await pilot.press("p")
        screen = await wait_for(
            pilot, lambda: isinstance(app.screen, ProfilesScreen) and app.screen
        )
        await wait_for(pilot, lambda: screen.query("#pf-name"))
        assert screen.editing is None
        assert app.sandbox_child is None


async def test_later_leaves_compose_and_the_palette_still_offers_the_sandbox(
    tmp_path: Path,
) -> None:
    app = B24NotifyApp(bare_service(tmp_path), offer_first_run=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FirstRunDialog))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        assert app.sandbox_child is None
        assert app.service.config.profiles == {}
        # The inbox, opened before there is a sandbox, starts watching once there is one.
        await pilot.press("f5")
        inbox = await wait_for(pilot, lambda: app.screen_of("inbox"))
        assert inbox.url is None
        commands = {title: run for title, _, run in B24Commands(app.screen)._commands()}
        commands["Try a sandbox portal"]()
        await wait_for(pilot, lambda: app.sandbox_child is not None)
        child = app.sandbox_child
        assert child is not None
        await wait_for(pilot, lambda: inbox.url == child.url)
        await wait_for(pilot, lambda: inbox.polls > 0, timeout=30)
