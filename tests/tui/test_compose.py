"""Compose flows on the real app: pick, type, preview, block, confirm, send."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input, Switch
from tui_support import SIZE, pick, ready, sandbox_messages, wait_for

from b24notify.core.service import Service
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.compose import ComposeScreen
from b24notify.tui.screens.dialogs import ConfirmDialog, ErrorDialog, HelpScreen
from b24notify.tui.widgets.chat_preview import ChatPreview
from b24notify.tui.widgets.preview_pane import PreviewPane
from b24notify.tui.widgets.request_view import RequestView
from b24notify.tui.widgets.template_list import TemplateList
from b24notify.tui.widgets.variable_form import Field, VariableForm


async def test_starts_on_compose_with_every_shipped_template(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert app.current_mode == "compose"
        listed = {e.name for e in screen.query_one(TemplateList).entries}
        assert listed == {info.name for info in service.templates()}
        assert "incident/opened" in listed
        assert all(e.shipped for e in screen.query_one(TemplateList).entries)


async def test_search_filters_by_name_description_and_tag(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        templates = screen.query_one(TemplateList)
        await pilot.press("ctrl+f", *"maintenance")
        assert templates.shown_names == ["maintenance/planned"]
        templates.query_one("#template-search", Input).value = "nothing-like-this"
        await pilot.pause()
        assert templates.shown_names == []
        templates.query_one("#template-search", Input).value = "status"  # a tag
        await pilot.pause()
        assert set(templates.shown_names) >= {"incident/opened", "incident/update"}


async def test_typing_updates_chat_and_request(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "incident/opened")
        field = screen.query_one("#var-service", Input)
        field.focus()
        field.value = ""
        await pilot.press(*"Mail relay")
        chat = screen.query_one(ChatPreview)
        await wait_for(pilot, lambda: "Mail relay" in chat.plain())
        assert "Incident INC-1042: Mail relay" in chat.plain(120)
        # The Request tab shows the exact params with the typed text.
        await pilot.press("f7")
        await pilot.pause()
        request = screen.query_one(RequestView)
        assert '"MESSAGE": "[b]Incident INC-1042: Mail relay[/b]' in request.text
        assert "<client-id>" in request.text or "CLIENT_ID" not in request.text
        assert "sandbox-client-id" not in request.text  # secrets never shown
        # Another keystroke while on the Request tab updates it too.
        await pilot.press("!")
        await wait_for(pilot, lambda: "Mail relay!" in request.text)


async def test_field_error_shows_on_the_field_and_blocks_sending(
    service: Service, sandbox_app: Any
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "escalation")
        screen.query_one("#opt-dialog", Input).value = "chat12"
        ticket = screen.query_one("#var-ticket", Input)
        ticket.value = ""
        await wait_for(pilot, lambda: screen.preview and screen.preview.field_errors)
        field = screen.query_one("#field-ticket", Field)
        assert field.has_class("-invalid")
        assert "required" in str(field.query_one(".field-error").render()).lower()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert app.focused is ticket  # the first bad field gets focus
        assert sandbox_messages(sandbox_app) == []
        assert service.history.search() == []
        # Fixing the field clears the error.
        ticket.value = "77"
        await wait_for(pilot, lambda: not field.has_class("-invalid"))


async def test_validation_error_blocks_sending_and_opens_problems(
    service: Service, sandbox_app: Any
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "notice/short")
        assert screen.preview is not None
        assert any(p.code == "DIALOG_ID_EMPTY" for p in screen.preview.problems)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one(PreviewPane).active == "problems"
        assert app.focused is screen.query_one("#opt-dialog")  # where the fix goes
        assert sandbox_messages(sandbox_app) == []


async def test_send_confirms_then_delivers_and_records(service: Service, sandbox_app: Any) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "notice/short")
        screen.query_one("#opt-dialog", Input).value = "chat42"
        text = screen.query_one("#var-text", Input)
        text.value = "Deploy finished"
        await wait_for(pilot, lambda: screen.preview and screen.preview.ok)
        await pilot.press("ctrl+s")
        dialog = await wait_for(
            pilot, lambda: app.screen if isinstance(app.screen, ConfirmDialog) else None
        )
        shown = dict(dialog.rows)
        assert shown["Dialog"] == "chat42"
        assert "#7" in shown["Bot"]
        assert shown["Profile"].startswith("sandbox")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.last_outcome is not None)
        outcome = screen.last_outcome
        assert outcome is not None and outcome.status == "sent"
        # The portal has it, and history says so.
        messages = sandbox_messages(sandbox_app)
        assert len(messages) == 1
        assert messages[0].dialog_id == "chat42"
        assert messages[0].id == outcome.message_id
        rows = service.history.search()
        assert [(r.status, r.dialog_id, r.message_id) for r in rows] == [
            ("sent", "chat42", outcome.message_id)
        ]
        assert any("Sent: message id" in n.message for n in app._notifications)
        assert app.screen is screen


async def test_cancelled_confirmation_sends_nothing(service: Service, sandbox_app: Any) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "notice/short")
        screen.query_one("#opt-dialog", Input).value = "chat42"
        await wait_for(pilot, lambda: screen.preview and screen.preview.ok)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert sandbox_messages(sandbox_app) == []
        assert service.history.search() == []


async def test_confirmation_skipped_when_configured_off(
    make_service: Callable[..., Service], sandbox_app: Any
) -> None:
    service = make_service(confirm_send=False)
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "notice/short")
        screen.query_one("#opt-dialog", Input).value = "chat42"
        screen.query_one("#var-important", Switch).value = True
        await wait_for(pilot, lambda: screen.preview and screen.preview.ok)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.last_outcome is not None)
        assert screen.last_outcome is not None and screen.last_outcome.status == "sent"
        assert len(sandbox_messages(sandbox_app)) == 1


async def test_portal_refusal_is_reported_not_raised(
    make_service: Callable[..., Service], sandbox_app: Any
) -> None:
    service = make_service(confirm_send=False, client_id="not-the-bots-client-id")
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "notice/short")
        screen.query_one("#opt-dialog", Input).value = "chat42"
        await wait_for(pilot, lambda: screen.preview and screen.preview.ok)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.last_outcome is not None)
        outcome = screen.last_outcome
        assert outcome is not None and outcome.status == "failed"
        assert any(n.severity == "error" for n in app._notifications)
        assert [r.status for r in service.history.search()] == ["failed"]
        assert sandbox_messages(sandbox_app) == []
        assert not isinstance(app.screen, ErrorDialog)


async def test_switching_templates_keeps_the_typed_dialog(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "notice/short")
        screen.query_one("#opt-dialog", Input).value = "chat9"
        await pilot.pause()
        await pick(pilot, screen, "ticket/resolved")
        assert screen.query_one("#opt-dialog", Input).value == "chat9"
        names = [f.spec.name for f in screen.query_one(VariableForm).fields()]
        assert names[:2] == ["ticket", "subject"]


async def test_keymap_from_config_remaps_by_binding_id(
    make_service: Callable[..., Service],
) -> None:
    service = make_service(keys={"compose.send": "f12", "app.help": "f10"})
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "notice/short")
        screen.query_one("#opt-dialog", Input).value = "chat1"
        await wait_for(pilot, lambda: screen.preview and screen.preview.ok)
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("escape")
        await pilot.press("f10")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))


async def test_help_lists_the_keys_in_reach(service: Service) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        sections = dict(app.key_sections())
        compose_keys = dict(sections["Compose"])
        assert compose_keys["ctrl+s"] == "Send"
        assert ("f3", "History") in sections["Everywhere"]
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))


async def test_palette_offers_every_action(service: Service) -> None:
    from b24notify.tui.app import B24Commands

    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        provider = B24Commands(screen)
        titles = [hit.text async for hit in provider.discover()]
        for title in ("Go to History", "Send", "Find template", "Copy request as curl", "Help"):
            assert title in titles
        hits = [hit async for hit in provider.search("histo")]
        assert hits and "History" in str(hits[0].text)
        # Running one works like the key.
        go_history = next(
            h for h in [h async for h in provider.discover()] if h.text == "Go to History"
        )
        go_history.command()
        await wait_for(pilot, lambda: app.current_mode == "history")


@pytest.mark.parametrize(
    ("error", "title", "has_detail"),
    [
        ("usage", "Usage error", False),
        ("bug", "Something went wrong", True),
    ],
)
async def test_failed_job_opens_the_error_modal(
    service: Service, error: str, title: str, has_detail: bool
) -> None:
    from b24notify.core.errors import UsageError

    def job() -> None:
        if error == "usage":
            raise UsageError("That row has no message id.")
        raise ZeroDivisionError("division by zero")

    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.run_job(job, name="failing", thread=True)
        dialog = await wait_for(
            pilot, lambda: app.screen if isinstance(app.screen, ErrorDialog) else None
        )
        assert dialog.title_text == title
        assert (dialog.detail is not None) is has_detail
        if has_detail:
            assert "ZeroDivisionError" in (dialog.detail or "")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))


async def test_usable_at_80_by_24(service: Service, sandbox_app: Any) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert screen.has_class("-narrow")
        templates = screen.query_one(TemplateList)
        await pick(pilot, screen, "ticket/resolved")
        # Choosing a template at 80 columns gives its room to the form and the preview.
        assert not templates.display
        assert screen.query_one(ChatPreview).region.width >= 30
        assert app.focused is screen.query_one("#var-ticket")
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert templates.display
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not templates.display
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert templates.display
        assert app.focused is templates.query_one("#template-search")


async def test_choosing_a_problem_goes_to_its_field(service: Service) -> None:
    from b24notify.tui.widgets.problems_list import ProblemsList

    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "escalation")
        screen.query_one("#var-ticket", Input).value = ""
        await wait_for(pilot, lambda: screen.preview and screen.preview.field_errors)
        await pilot.press("f9")
        problems = await wait_for(pilot, lambda: screen.query(ProblemsList).first(ProblemsList))
        await wait_for(pilot, lambda: problems.findings)
        codes = [f.code for f in problems.findings]
        assert codes[0] == "FIELD" and problems.findings[0].target == "var:ticket"
        problems.focus()
        problems.highlighted = 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is screen.query_one("#var-ticket"))


async def test_code_tab_copies_each_format_with_secrets_masked(service: Service) -> None:
    from b24notify.tui.widgets.code_view import CodeView

    copied: list[str] = []
    app = B24NotifyApp(service)
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "notice/short")
        screen.query_one("#opt-dialog", Input).value = "chat5"
        await wait_for(pilot, lambda: screen.preview and screen.preview.ok)
        await pilot.press("ctrl+g")  # copy code: curl by default
        await wait_for(pilot, lambda: copied)
        assert copied[-1].startswith("curl") and "imbot.message.add" in copied[-1]
        from b24notify.tui.app import B24Commands

        commands = {hit.text: hit async for hit in B24Commands(screen).discover()}
        commands["Copy request as Python"].command()
        await wait_for(pilot, lambda: len(copied) == 2)
        assert screen.query_one(CodeView).fmt == "python"
        for code in copied:
            assert "chat5" in code
            assert "sandbox-client-id" not in code  # CLIENT_ID masked
            assert "/rest/1/sandbox/" not in code  # webhook code masked


async def test_typing_at_start_filters_and_enter_picks(service: Service) -> None:
    """A person's first keystrokes go to the template search."""
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await wait_for(pilot, lambda: bool(screen.query_one(TemplateList).entries))
        await pilot.press(*"short")
        assert screen.query_one(TemplateList).shown_names == ["notice/short"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.template_name == "notice/short")


@pytest.mark.parametrize(("theme", "expected"), [("nord", "nord"), ("no-such-theme", None)])
async def test_theme_from_config(
    make_service: Callable[..., Service], theme: str, expected: str | None
) -> None:
    app = B24NotifyApp(make_service(theme=theme))
    default = B24NotifyApp(make_service()).theme
    async with app.run_test(size=SIZE):
        assert app.theme == (expected or default)


async def test_dialog_completion_from_recent_sends(
    make_service: Callable[..., Service], sandbox_app: Any
) -> None:
    from textual.suggester import SuggestFromList

    service = make_service(confirm_send=False)
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pick(pilot, screen, "notice/short")
        dialog = screen.query_one("#opt-dialog", Input)
        dialog.value = "chat4242"
        await wait_for(pilot, lambda: screen.preview and screen.preview.ok)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.last_outcome is not None)

        async def suggestion() -> str | None:
            suggester = dialog.suggester
            if not isinstance(suggester, SuggestFromList):
                return None
            return await suggester.get_suggestion("chat4")

        deadline = 50
        while await suggestion() != "chat4242" and deadline:
            await pilot.pause(0.05)
            deadline -= 1
        assert await suggestion() == "chat4242"
