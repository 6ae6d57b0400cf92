"""The app as a whole: quitting asks about what would be lost; saved templates and profiles
reach the screens that list them without a restart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from test_editor import NOTICE, modal, type_at_end_of
from test_profiles import WEBHOOK, fill, open_profiles
from textual.app import App, ComposeResult
from textual.widgets import Select, Static
from tui_support import SIZE, open_editor, ready, wait_for

from b24notify.core import paths
from b24notify.core.history import History
from b24notify.core.service import Service
from b24notify.tui.app import B24Commands, B24NotifyApp
from b24notify.tui.screens.dialogs import ConfirmDialog
from b24notify.tui.widgets.editor_dialogs import NameDialog
from b24notify.tui.widgets.send_options import SendOptionsPanel
from b24notify.tui.widgets.template_list import TemplateList


def write_notice() -> Path:
    path = paths.user_templates_dir() / "team" / "notice.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(NOTICE, encoding="utf-8")
    return path


async def test_quit_with_nothing_to_lose_quits_at_once(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.quit_warnings() == []
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_quit_with_an_unsaved_template_asks_and_cancel_keeps_it(service: Service) -> None:
    write_notice()
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        await type_at_end_of(pilot, screen, "the service is back.", " Soon")
        await pilot.press("ctrl+q")
        dialog = await modal(pilot, ConfirmDialog)
        message = str(dialog.query_one("#dialog-message", Static).render())
        assert "team/notice has unsaved changes" in message
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert app.is_running and screen.modified
        # Asked again, the quit key a second time quits.
        await pilot.press("ctrl+q")
        await modal(pilot, ConfirmDialog)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_quit_confirmed_quits(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_profiles(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen.editing is None)
        await fill(pilot, screen, name="half")
        assert app.quit_warnings() == ["The profile form has unsaved changes."]
        await pilot.press("ctrl+q")
        await modal(pilot, ConfirmDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert not app.is_running


async def test_a_template_saved_as_in_the_editor_is_listed_in_compose(service: Service) -> None:
    write_notice()
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        compose = await ready(pilot)
        templates = compose.query_one(TemplateList)
        assert "team/notice_v2" not in [e.name for e in templates.entries]
        editor = await open_editor(pilot, "team/notice")
        await type_at_end_of(pilot, editor, "the service is back.", " v2")
        await pilot.press("f12")
        dialog = await modal(pilot, NameDialog)
        dialog.query_one("#name-input").value = "team/notice_v2"  # type: ignore[attr-defined]
        await pilot.press("enter")
        # Listed in Compose without ctrl+r.
        await wait_for(pilot, lambda: "team/notice_v2" in [e.name for e in templates.entries])


async def test_the_open_template_is_rebuilt_after_its_save(service: Service) -> None:
    write_notice()
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        compose = await ready(pilot)
        await compose.select_template("team/notice")
        await wait_for(pilot, lambda: compose.preview is not None)
        compose.query_one("#var-who").value = "Bob"  # type: ignore[attr-defined]
        await pilot.pause()
        editor = await open_editor(pilot, "team/notice")
        await type_at_end_of(pilot, editor, "the service is back.", " Sorry for the wait.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not editor.modified)
        await wait_for(
            pilot,
            lambda: (
                compose.preview is not None and "Sorry for the wait." in str(compose.preview.params)
            ),
        )
        preview = compose.preview
        assert preview is not None
        assert "Bob" in str(preview.params)  # what was typed is kept


async def test_a_profile_saved_on_profiles_is_offered_in_compose(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        compose = await ready(pilot)
        select = compose.query_one("#opt-profile", Select)
        assert [value for _, value in select._options] == ["sandbox"]
        screen = await open_profiles(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen.editing is None)
        await fill(pilot, screen, name="support", webhook=WEBHOOK, bot_id="12", client_id="c-1")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.editing == "support")
        panel = compose.query_one(SendOptionsPanel)
        await wait_for(
            pilot,
            lambda: (
                [v for _, v in panel.query_one("#opt-profile", Select)._options]
                == ["sandbox", "support"]
            ),
        )
        assert panel.profile == "sandbox"  # the choice is kept


class PanelApp(App[None]):
    """The send options alone, as Compose mounts them."""

    def compose(self) -> ComposeResult:
        yield SendOptionsPanel([], profile=None, id="options")


async def test_the_first_profile_replaces_the_none_line_and_the_last_brings_it_back() -> None:
    app = PanelApp()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(SendOptionsPanel)
        assert panel.profile is None
        assert "Profiles screen" in str(panel.query_one("#opt-profile-none", Static).render())
        await panel.set_profiles(["first"], None)
        await pilot.pause()
        assert panel.profile == "first"
        assert not panel.query("#opt-profile-none")
        await panel.set_profiles(["first", "second"], "second")
        assert panel.profile == "second"
        await panel.set_profiles(["first"], "second")  # gone: the first one is chosen
        assert panel.profile == "first"
        await panel.set_profiles([], None)
        await pilot.pause()
        assert panel.profile is None
        assert panel.query("#opt-profile-none")


async def test_sends_a_crash_left_pending_are_reported_after_the_first_frame(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = History(tmp_path / "crashed.sqlite3")
    lost = history.record_pending(template="notice/short", dialog_id="chat42")
    # A pending row whose writer is gone (another process) is what a crash leaves.
    history._conn().execute("update sends set owner = 'host:1' where id = ?", (lost,))
    history._conn().commit()
    app = B24NotifyApp(make_service(history=history), recover=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: app._notifications)
        (note,) = list(app._notifications)
        assert note.title == "Unknown outcome"
        assert f"#{lost}" in note.message and "check the chat" in note.message
        row = history.get(lost)
        assert row is not None and row.status == "unknown"


async def test_the_palette_has_one_quit_and_it_asks(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        system = [c.title for c in app.get_system_commands(app.screen)]
        assert "Quit" not in system and "Theme" in system
        ours = [title for title, _, _ in B24Commands(app.screen)._commands()]
        assert ours.count("Quit") == 1
