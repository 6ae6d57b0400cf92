"""The Template editor on the real app: open, edit, preview, errors at their line, save, leave."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

import pytest
from textual.pilot import Pilot
from tui_support import SIZE, click, open_editor, pick, ready, wait_for

from b24notify.core import paths
from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.editor import EditorScreen
from b24notify.tui.widgets.chat_preview import ChatPreview
from b24notify.tui.widgets.editor_dialogs import (
    ChangedOnDiskDialog,
    NameDialog,
    UnsavedChangesDialog,
)

T = TypeVar("T")

NOTICE = """\
name = "Team notice"
description = "A short notice for the team chat"
tags = ["team"]

[vars.who]
label = "Who"
required = true
sample = "Ann"

[body]
message = '''
Hello {{ who }},
the service is back.
'''
"""


@pytest.fixture
def notice() -> Path:
    """A user template ``team/notice`` with a multi-line message."""
    path = paths.user_templates_dir() / "team" / "notice.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(NOTICE, encoding="utf-8")
    return path


async def modal(pilot: Pilot[Any], kind: type[T]) -> T:
    """The dialog of type ``kind`` once it is on top and its buttons are there."""
    app = pilot.app
    screen = await wait_for(
        pilot, lambda: isinstance(app.screen, kind) and app.screen.query("Button") and app.screen
    )
    assert isinstance(screen, kind)
    return screen


def row_of(screen: EditorScreen, needle: str) -> int:
    """0-based row of the first line containing ``needle``."""
    for row, line in enumerate(screen.area.document.lines):
        if needle in line:
            return row
    raise AssertionError(f"{needle!r} not in the editor")


async def type_at_end_of(pilot: Pilot[Any], screen: EditorScreen, needle: str, text: str) -> None:
    """Put the cursor at the end of the line holding ``needle`` and type ``text`` like a user."""
    row = row_of(screen, needle)
    area = screen.area
    area.focus()
    area.move_cursor((row, len(area.document.lines[row])))
    await pilot.press(*text)
    await pilot.pause()


async def replace_text(pilot: Pilot[Any], screen: EditorScreen, old: str, new: str) -> None:
    area = screen.area
    text = area.text
    assert old in text
    area.replace(text.replace(old, new, 1), (0, 0), area.document.end)
    await pilot.pause()


async def test_f4_opens_the_template_chosen_in_compose(service: Service, notice: Path) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        compose = await ready(pilot)
        await pick(pilot, compose, "team/notice")
        await pilot.press("f4")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen) and app.screen)
        await wait_for(pilot, lambda: screen.source is not None)
        assert screen.source.name == "team/notice"
        assert screen.area.text == NOTICE
        assert not screen.modified
        chat = screen.query_one(ChatPreview)
        await wait_for(pilot, lambda: "Hello Ann," in chat.plain())


async def test_the_preview_follows_the_typing(service: Service, notice: Path) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        chat = screen.query_one(ChatPreview)
        await type_at_end_of(pilot, screen, "the service is back.", " Thanks!")
        await wait_for(pilot, lambda: "the service is back. Thanks!" in chat.plain())
        assert screen.modified
        assert "●" in str(screen.query_one("#editor-title").render())
        assert notice.read_text(encoding="utf-8") == NOTICE  # nothing written while typing


async def test_saving_a_user_template_keeps_multiline_strings(
    service: Service, notice: Path
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        await type_at_end_of(pilot, screen, "the service is back.", " Thanks!")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not screen.modified)
        written = notice.read_text(encoding="utf-8")
        data = tomllib.loads(written)
        assert data["body"]["message"] == "Hello {{ who }},\nthe service is back. Thanks!\n"
        assert "message = '''\nHello {{ who }},\nthe service is back. Thanks!\n'''" in written
        assert data["vars"]["who"]["sample"] == "Ann"
        assert screen.source is not None and screen.source.path == notice
        assert screen.area.text == written


async def test_a_shipped_template_is_saved_as_the_users_copy(service: Service) -> None:
    shipped = paths.shipped_templates_dir() / "incident" / "opened.toml"
    before = shipped.read_bytes()
    copy = paths.user_templates_dir() / "incident" / "opened.toml"
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "incident/opened")
        assert screen.source is not None and screen.source.shipped
        assert "shipped" in str(screen.query_one("#editor-title").render())
        await replace_text(pilot, screen, 'name = "Incident opened"', 'name = "Our incident"')
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: copy.exists() and not screen.modified)
        assert shipped.read_bytes() == before
        assert tomllib.loads(copy.read_text(encoding="utf-8"))["name"] == "Our incident"
        assert screen.source.path == copy and not screen.source.shipped
        # The copy now shadows the shipped template under the same name.
        assert service.library.get("incident/opened").path == copy


@pytest.mark.parametrize(
    ("key", "expect_saved"),
    [pytest.param("d", False, id="discard"), pytest.param("s", True, id="save")],
)
async def test_leaving_with_unsaved_changes_asks(
    service: Service, notice: Path, key: str, expect_saved: bool
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        await type_at_end_of(pilot, screen, "the service is back.", " Bye")
        await pilot.press("escape")  # one escape closes, even from inside the text
        await modal(pilot, UnsavedChangesDialog)
        await pilot.press(key)
        await wait_for(pilot, lambda: screen.source is None)
        saved = "the service is back. Bye" in notice.read_text(encoding="utf-8")
        assert saved is expect_saved
        if not expect_saved:
            assert notice.read_text(encoding="utf-8") == NOTICE
        assert app.current_mode == "compose"


async def test_cancel_keeps_editing(service: Service, notice: Path) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        await type_at_end_of(pilot, screen, "the service is back.", "!")
        screen.action_close()
        await modal(pilot, UnsavedChangesDialog)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.source is not None and screen.modified
        assert "the service is back.!" in screen.area.text
        assert notice.read_text(encoding="utf-8") == NOTICE


async def test_opening_another_template_asks_first(service: Service, notice: Path) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        await type_at_end_of(pilot, screen, "the service is back.", "!")
        screen.when_left("opening notice/short", lambda: screen.open_template("notice/short"))
        await modal(pilot, UnsavedChangesDialog)
        await pilot.press("d")
        await wait_for(
            pilot, lambda: screen.source is not None and screen.source.name == "notice/short"
        )
        assert notice.read_text(encoding="utf-8") == NOTICE


# (what to break, replaced by, a text found on the line the error must point at)
BROKEN = [
    pytest.param('name = "Team notice"', 'name = "Team notice', 'name = "Team notice', id="toml"),
    pytest.param('label = "Who"', 'lable = "Who"', "lable", id="unknown-key"),
    pytest.param("the service is back.", "the {{ service is back.", "the {{ service", id="jinja"),
    pytest.param(
        "[body]\n",
        "[body]\nattach = '''\n{\"BLOCKS\": [\n  {\"MESSAGE\": \"{{ who }}\"},,\n]}\n'''\n",
        ",,",
        id="json",
    ),
    pytest.param("{{ who }}", "{{ who.nope.deeper }}", "{{ who.nope", id="undefined"),
]


@pytest.mark.parametrize(("old", "new", "marker"), BROKEN)
async def test_an_error_points_at_its_line(
    service: Service, notice: Path, old: str, new: str, marker: str
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        await replace_text(pilot, screen, old, new)
        expected = row_of(screen, marker) + 1
        await wait_for(pilot, lambda: screen.area.error_line is not None)
        assert screen.area.error_line == expected
        status = str(screen.query_one("#editor-status").render())
        assert status.startswith(f"✖ line {expected}:")
        await pilot.press("ctrl+l")
        assert screen.area.cursor_location[0] == expected - 1
        # ctrl+s refuses a file that does not load and leaves the old one alone.
        if "toml" in status or "unknown key" in status:
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert notice.read_text(encoding="utf-8") == NOTICE


async def test_fixing_the_error_clears_the_mark(service: Service, notice: Path) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        await replace_text(pilot, screen, "{{ who }}", "{{ who ")
        await wait_for(pilot, lambda: screen.area.error_line is not None)
        await replace_text(pilot, screen, "{{ who ", "{{ who }}")
        await wait_for(pilot, lambda: screen.area.error_line is None)
        assert str(screen.query_one("#editor-status").render()).startswith("✔")


async def test_a_change_on_disk_reloads_an_unmodified_template(
    service: Service, notice: Path
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        changed = NOTICE.replace("the service is back.", "all good again.")
        notice.write_text(changed, encoding="utf-8")
        screen.check_disk()
        await wait_for(pilot, lambda: screen.area.text == changed)
        assert not screen.modified


@pytest.mark.parametrize("choice", ["reload", "overwrite"])
async def test_a_change_on_disk_while_editing_asks(
    service: Service, notice: Path, choice: str
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        await type_at_end_of(pilot, screen, "the service is back.", " Mine")
        theirs = NOTICE.replace("the service is back.", "Theirs.")
        notice.write_text(theirs, encoding="utf-8")
        screen.check_disk()
        dialog = await modal(pilot, ChangedOnDiskDialog)
        await click(pilot, f"#{choice}")
        await wait_for(pilot, lambda: app.screen is screen)
        if choice == "reload":
            assert screen.area.text == theirs and not screen.modified
        else:
            assert dialog.edited
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: not screen.modified)
            assert "the service is back. Mine" in notice.read_text(encoding="utf-8")


async def test_saving_over_a_file_changed_on_disk_asks(service: Service, notice: Path) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        await type_at_end_of(pilot, screen, "the service is back.", " Mine")
        theirs = NOTICE.replace("the service is back.", "Theirs.")
        notice.write_text(theirs, encoding="utf-8")
        await pilot.press("ctrl+s")
        await modal(pilot, ChangedOnDiskDialog)
        assert notice.read_text(encoding="utf-8") == theirs  # nothing overwritten yet
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert notice.read_text(encoding="utf-8") == theirs
        assert screen.modified


async def test_new_template_is_written_on_save(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        await pilot.press("ctrl+n")
        dialog = await modal(pilot, NameDialog)
        await pilot.press(*"../evil", "enter")
        await pilot.pause()
        assert app.screen is dialog  # a bad name is refused in the dialog
        assert "name" in str(dialog.query_one("#name-error").render())
        dialog.query_one("#name-input").value = ""  # type: ignore[attr-defined]
        await pilot.press(*"ops/db_down", "enter")
        await wait_for(pilot, lambda: screen.source is not None)
        assert screen.source is not None and screen.source.is_new and screen.modified
        target = paths.user_templates_dir() / "ops" / "db_down.toml"
        assert not target.exists()
        await pilot.press("ctrl+s")
        await wait_for(pilot, target.exists)
        assert tomllib.loads(target.read_text(encoding="utf-8"))["name"] == "Db down"
        assert not screen.modified


async def test_save_as_writes_a_new_template(service: Service, notice: Path) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        await type_at_end_of(pilot, screen, "the service is back.", " v2")
        await pilot.press("f12")
        dialog = await modal(pilot, NameDialog)
        dialog.query_one("#name-input").value = "team/notice_v2"  # type: ignore[attr-defined]
        await pilot.press("enter")
        target = paths.user_templates_dir() / "team" / "notice_v2.toml"
        await wait_for(pilot, target.exists)
        assert "the service is back. v2" in target.read_text(encoding="utf-8")
        assert notice.read_text(encoding="utf-8") == NOTICE
        assert screen.source is not None and screen.source.name == "team/notice_v2"


async def test_duplicate_opens_the_copy(service: Service, notice: Path) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        screen.action_duplicate()
        await modal(pilot, NameDialog)
        await pilot.press("enter")  # accepts the suggested team/notice-copy
        target = paths.user_templates_dir() / "team" / "notice-copy.toml"
        await wait_for(pilot, target.exists)
        assert screen.source is not None and screen.source.name == "team/notice-copy"
        assert tomllib.loads(target.read_text(encoding="utf-8"))["name"] == "Team notice (copy)"


async def test_deleting_a_user_template(service: Service, notice: Path) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        screen.action_delete()
        await wait_for(pilot, lambda: app.screen is not screen)
        await pilot.press("y")
        await wait_for(pilot, lambda: not notice.exists())
        assert screen.source is None


async def test_a_shipped_template_cannot_be_deleted(service: Service) -> None:
    shipped = paths.shipped_templates_dir() / "notice" / "short.toml"
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "notice/short")
        screen.action_delete()
        await pilot.pause()
        assert app.screen is screen  # no confirmation: it is refused outright
        assert shipped.exists()
        assert screen.source is not None and screen.source.name == "notice/short"


async def test_a_broken_file_opens_to_be_fixed(service: Service) -> None:
    path = paths.user_templates_dir() / "broken.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('name = "Broken\n[body]\nmessage = "hi"\n', encoding="utf-8")
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "broken")
        assert screen.area.error_line == 1
        await replace_text(pilot, screen, 'name = "Broken\n', 'name = "Fixed"\n')
        await wait_for(pilot, lambda: screen.area.error_line is None)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not screen.modified)
        assert tomllib.loads(path.read_text(encoding="utf-8"))["name"] == "Fixed"


async def test_switching_away_and_back_keeps_the_edit(service: Service, notice: Path) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        compose = await ready(pilot)
        await pick(pilot, compose, "team/notice")
        await pilot.press("f4")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen) and app.screen)
        await wait_for(pilot, lambda: screen.source is not None)
        await type_at_end_of(pilot, screen, "the service is back.", " Later")
        screen.action_open()  # pick another template in the editor itself
        await pilot.pause()
        await pilot.press("escape")  # …then change one's mind
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.screen is compose)
        await pilot.press("f4")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.source is not None and screen.source.name == "team/notice"
        assert "the service is back. Later" in screen.area.text and screen.modified


async def test_an_editor_opened_for_a_template(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = EditorScreen(service, template_name="notice/short")
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.source is not None and screen.preview is not None)
        assert screen.source is not None and screen.source.name == "notice/short"
        chat = screen.query_one(ChatPreview)
        await wait_for(pilot, lambda: "The office network will restart" in chat.plain())


async def test_saving_a_template_that_cannot_render_asks_first(
    service: Service, notice: Path
) -> None:
    from b24notify.tui.screens.dialogs import ConfirmDialog

    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "team/notice")
        await replace_text(pilot, screen, "the service is back.", "the service is {{ back")
        await wait_for(pilot, lambda: screen.area.error_line is not None)
        line = screen.area.error_line
        await pilot.press("ctrl+s")
        dialog = await modal(pilot, ConfirmDialog)
        assert f"error at line {line}" in str(dialog.query_one("#dialog-message").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert notice.read_text(encoding="utf-8") == NOTICE  # not saved
        await pilot.press("ctrl+s")
        await modal(pilot, ConfirmDialog)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "{{ back" in notice.read_text(encoding="utf-8"))
