"""The Compose screen: pick a template, fill its form, watch the preview, send.

The screen owns the draft; widgets below it get state set on them and post
messages up. Everything the core does happens through ``Service``: the
preview synchronously on each change (it is fast), sends and bot lists in
jobs run by the app.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widget import MountError
from textual.widgets import Button, Header, OptionList, Static

from b24notify.core.errors import B24NotifyError
from b24notify.core.models import Draft, SendOptions
from b24notify.tui.widgets.key_bar import KeyBar
from b24notify.tui.widgets.template_list import TemplateList
from b24notify.tui.widgets.variable_form import VariableForm
from b24notify.tui.widgets.variable_inputs import FieldInput

if TYPE_CHECKING:
    from b24notify.core.config import Profile
    from b24notify.core.service import BotInfo, EditTarget, Preview, SendOutcome, Service
    from b24notify.core.templates import Template
    from b24notify.tui.app import B24NotifyApp, PaletteCommand
    from b24notify.tui.widgets.preview_pane import PreviewPane
    from b24notify.tui.widgets.problems_list import Finding, ProblemsList
    from b24notify.tui.widgets.send_options import SendOptionsPanel


EDIT_LOCKED = ("profile", "api", "bot", "dialog", "system", "skip_connector")
"""Send options an edit cannot change: the update goes to the original message as it was sent."""

SANDBOX_NOTE = "Filled with sample values (sandbox)"


class ComposeScreen(Screen[None]):
    """Template list · variable form and send options · preview tabs."""

    SCREEN_TITLE = "Compose"
    BINDINGS: ClassVar[list[Any]] = [
        Binding("ctrl+s", "send", "Send", id="compose.send", priority=True),
        Binding("ctrl+f", "find_template", "Find template", id="compose.find_template"),
        Binding("ctrl+b", "toggle_templates", "Template list", id="compose.toggle_templates"),
        Binding("ctrl+o", "focus_dialog", "Dialog", show=False, id="compose.focus_dialog"),
        Binding("ctrl+n", "reset", "Reset draft", show=False, id="compose.reset"),
        Binding(
            "ctrl+l",
            "fill_samples",
            "Fill with samples",
            show=False,
            id="compose.fill_samples",
            tooltip="Fills the form with the template's sample values (to try it out)",
        ),
        Binding("ctrl+g", "copy_code", "Copy code", show=False, id="compose.copy_code"),
        Binding("ctrl+r", "reload", "Reload templates", show=False, id="compose.reload"),
        Binding("f6", "tab('chat')", "Chat", show=False, id="compose.tab_chat"),
        Binding("f7", "tab('request')", "Request", show=False, id="compose.tab_request"),
        Binding("f8", "tab('code')", "Code", show=False, id="compose.tab_code"),
        Binding("f9", "tab('problems')", "Problems", show=False, id="compose.tab_problems"),
        Binding("escape", "cancel_edit", "Cancel edit", show=False, id="compose.cancel_edit"),
    ]

    class TemplatesLoaded(Message):
        def __init__(self, infos: list[Any]) -> None:
            super().__init__()
            self.infos = infos

    class WarmedUp(Message):
        """The heavy core modules are imported: network work can start."""

    class DialogsLoaded(Message):
        def __init__(self, dialogs: list[str]) -> None:
            super().__init__()
            self.dialogs = dialogs

    class BotsLoaded(Message):
        def __init__(self, profile: str, bots: list[BotInfo]) -> None:
            super().__init__()
            self.profile = profile
            self.bots = bots

    class SendDone(Message):
        """A send (or an edit) finished; ``outcome`` is None when it raised."""

        def __init__(self, outcome: SendOutcome | None, *, edit: bool = False) -> None:
            super().__init__()
            self.outcome = outcome
            self.edit = edit

    def __init__(self, service: Service, *, profile_name: str | None = None) -> None:
        super().__init__()
        self.service = service
        self.template_name: str | None = None
        self.preview: Preview | None = None
        self.edit_of: int | None = None
        self.edit_target: EditTarget | None = None
        """What the edit replaces (the original message, dialog, bot, API), while editing."""
        self.sending = False
        self.last_outcome: SendOutcome | None = None
        self._bots: dict[str, list[BotInfo]] = {}
        self._labels: dict[str, str] = {}
        self._pending_draft: Draft | None = None
        self._note: str | None = None
        """Said before the status until the form is edited ("Filled with sample values")."""
        self._note_values: dict[str, Any] | None = None
        self._keys: dict[str, str] = {}
        self._last_send: tuple[Draft, Profile, Any] | None = None
        self._status: tuple[bool, str, str, bool] | None = None
        self._previewed: tuple[Any, ...] | None = None
        self._profile_name = profile_name or service.config.default_name
        self._warmed_up = False

    # ---- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="compose-main"):
            yield TemplateList(id="templates")
            with Vertical(id="form-pane"):
                yield Static(id="edit-banner")
                with VerticalScroll(id="form-scroll"):
                    yield Static(
                        Text("Pick a template on the left (ctrl+f to search).", "dim"),
                        id="template-head",
                    )
                    yield VariableForm(id="form")
                    # Filled after the first frame (see on_mount).
                    yield Vertical(id="options-slot")
                with Horizontal(id="send-bar"):
                    yield Button("Send", id="send-button", variant="primary", disabled=True)
                    yield Static("", id="send-status")
            # The preview tabs mount after the first frame too (see _after_first_frame).
            yield Vertical(id="preview")
        yield KeyBar()

    def on_mount(self) -> None:
        # Typing previews in the typed widget's own turn, so the chat is redrawn
        # in the same frame as the character (see FieldInput).
        self.query_one(VariableForm).live = self._live_preview
        # Keys shown in sentences follow the keymap; a focus move can change what is active.
        self.bindings_updated_signal.subscribe(self, lambda _screen: self._keys.clear())
        find = self.key_for("compose.find_template")
        if find != "ctrl+f":
            self.query_one("#template-head", Static).update(
                Text(f"Pick a template on the left ({find} to search).", "dim")
            )
        self._app.after_first_frame(self._after_first_frame)

    async def _after_first_frame(self) -> None:
        """The send options, the preview tabs and all loading wait for the first frame.

        The screen appears sooner, and nothing the user can reach in that time is
        missing: both mount before any template can be chosen.
        """
        # Imported here, not at the top: the first frame has none of them.
        from b24notify.tui.widgets.preview_pane import PreviewPane
        from b24notify.tui.widgets.send_options import SendOptionsPanel

        profile = self._profile_or_none()
        panel = SendOptionsPanel(
            list(self.service.config.profiles),
            profile=profile.name if profile else None,
            api=profile.api if profile else "v1",
            service=self.service,  # names typed dialogs from the portal (imbot.dialog.get)
            id="options",
        )
        try:
            await self.query_one("#options-slot").mount(panel)
            await self.query_one("#preview").mount(PreviewPane(id="preview-pane"))
            dialog = panel.query_one("#opt-dialog")
        except (MountError, NoMatches):
            return  # closed before the first frame
        if isinstance(dialog, FieldInput):
            dialog.live = self._live_preview
        app = self._app
        app.run_job(self._load_templates, name="templates", thread=True)
        app.run_job(self._load_dialogs, name="dialogs", thread=True)
        app.run_job(self._warm_up, name="warm-up", thread=True)

    def quit_warning(self) -> str | None:
        """What quitting now would lose (None: nothing)."""
        if self.sending:
            return "A send is in flight: quitting now may leave its outcome unknown."
        return None

    def _pane(self) -> PreviewPane:
        return cast("PreviewPane", self.query_one("#preview-pane"))

    def _options(self) -> SendOptionsPanel:
        return cast("SendOptionsPanel", self.query_one("#options"))

    @property
    def _app(self) -> B24NotifyApp:
        return cast("B24NotifyApp", self.app)

    # ---- jobs: thin calls into the service that post their result ---------

    def _load_templates(self) -> None:
        infos = self.service.templates()
        self.post_message(self.TemplatesLoaded(list(infos)))

    def _warm_up(self) -> None:
        """Import the client and renderer off the event loop, then ask for the bot list.

        The first frame must not wait for httpx or Jinja2; imported here, in a
        thread, they are ready by the time the user picks a template or sends.
        """
        import httpx  # noqa: F401

        import b24notify.core.client
        import b24notify.core.export
        import b24notify.core.payload
        import b24notify.core.templates
        import b24notify.tui.widgets.chat_render  # noqa: F401

        self.post_message(self.WarmedUp())

    def _load_dialogs(self) -> None:
        dialogs = self.service.history.recent_dialogs(50)
        self.post_message(self.DialogsLoaded(dialogs))

    def _load_bots(self, profile_name: str | None) -> None:
        if profile_name is None or profile_name in self._bots:
            if profile_name is not None:
                self._show_bots(profile_name)
            return
        profile = self.service.profile(profile_name)

        async def job() -> None:
            bots = await self.service.list_bots(profile)
            self.post_message(self.BotsLoaded(profile_name, bots))

        self._app.run_job(job, name="bots", exclusive=True, group="bots")

    # ---- handlers: own the state -------------------------------------------

    def on_compose_screen_templates_loaded(self, message: TemplatesLoaded) -> None:
        templates = self.query_one(TemplateList)
        templates.set_templates(message.infos)
        self.call_after_refresh(self._app.settle)
        if self._pending_draft is not None:
            draft, self._pending_draft = self._pending_draft, None
            self.load_draft(draft, edit_of=self.edit_of)
        elif self.template_name is None and templates.entries:
            # Type to filter, Enter picks the first match, Down walks the list.
            templates.focus_search()

    def on_compose_screen_warmed_up(self, message: WarmedUp) -> None:
        self._warmed_up = True
        self._load_bots(self._options().profile)

    def on_compose_screen_dialogs_loaded(self, message: DialogsLoaded) -> None:
        self.query_one(VariableForm).set_dialog_suggestions(message.dialogs)
        self._options().set_dialog_suggestions(message.dialogs)

    def on_compose_screen_bots_loaded(self, message: BotsLoaded) -> None:
        self._bots[message.profile] = message.bots
        self._show_bots(message.profile)

    def _show_bots(self, profile_name: str) -> None:
        panel = self._options()
        if panel.profile != profile_name:
            return
        profile = self.service.profile(profile_name)
        panel.set_bots(self._bots.get(profile_name, []), profile.bot_id)
        self.refresh_preview()

    @on(TemplateList.Selected)
    async def _template_selected(self, event: TemplateList.Selected) -> None:
        if not await self.select_template(event.name):
            return
        if self.has_class("-narrow"):
            # 80 columns: give the form and the preview the room; ctrl+f brings it back.
            self.add_class("-hide-templates")
        fields = self.query_one(VariableForm).fields()
        if fields:
            # The head (title, description, first label) stays in view: the field is
            # just below it, and scrolling to it would hide what it is.
            fields[0].input.focus(scroll_visible=False)

    def is_sandbox(self) -> bool:
        """True when the chosen profile is a sandbox one (the demo's): samples are welcome."""
        mounted = bool(self.query("#options"))
        profile = self.current_profile() if mounted else self._profile_or_none()
        return profile is not None and profile.sandbox

    async def select_template(
        self,
        name: str,
        *,
        values: dict[str, Any] | None = None,
        options: SendOptions | None = None,
        samples: bool | None = None,
    ) -> bool:
        """Show ``name``'s form filled with ``values``.

        Without values the form holds the template's defaults (a required field
        without one starts empty), or its sample values when ``samples`` — by
        default, when the profile is a sandbox one.
        """
        use_samples = values is None and (self.is_sandbox() if samples is None else samples)
        try:
            template = self.service.template(name)
            draft = self.service.draft_for(name, samples=use_samples)
        except B24NotifyError as err:
            self.notify(str(err), title=err.title, severity="error")
            return False
        panel = self._options()
        if options is None:
            options = draft.options
            if options.dialog_id is None:
                # Keep the dialog already typed when the template names none.
                options.dialog_id = panel.options().dialog_id
        self.template_name = name
        self._labels = {spec.name: spec.title for spec in template.variables}
        self._note = SANDBOX_NOTE if use_samples and samples is None else None
        self.query_one(TemplateList).mark_current(name)
        self._show_head(template)
        form = self.query_one(VariableForm)
        await form.build(template.variables, draft.values if values is None else values)
        self._show_sample_hints(template)
        self._note_values = form.values() if self._note else None
        panel.load(options)
        self.refresh_preview()
        scroll = self.query_one("#form-scroll", VerticalScroll)
        scroll.scroll_home(animate=False)
        # Again once the new fields are laid out (a focus may have scrolled meanwhile).
        self.call_after_refresh(scroll.scroll_home, animate=False)
        return True

    def _show_sample_hints(self, template: Template) -> None:
        """Each field without a default shows its sample as the placeholder ("e.g. INC-1042")."""
        from textual.widgets import Input, TextArea

        form = self.query_one(VariableForm)
        for spec in template.variables:
            if spec.sample is None or spec.default not in (None, ""):
                continue
            field = form.field(spec.name)
            widget = field.input if field is not None else None
            if isinstance(widget, Input | TextArea):
                widget.placeholder = f"e.g. {_sample_text(spec.sample)}"

    def _show_head(self, template: Any) -> None:
        head = Text()
        head.append(str(getattr(template, "title", "") or template.name), "bold")
        head.append(f"  {template.name}", "dim")
        description = getattr(template, "description", "")
        if description:
            head.append(f"\n{description}", "italic")
        self.query_one("#template-head", Static).update(head)

    def _live_preview(self) -> None:
        self.refresh_preview()

    def on_send_options_panel_changed(self, event: Message) -> None:
        self._changed(event)

    @on(VariableForm.Changed)
    def _changed(self, event: Message) -> None:
        event.stop()
        if self._note is not None and self._note_values != self.query_one(VariableForm).values():
            self._note = self._note_values = None  # the user took over the samples
            if self.preview is not None:
                self._show_status(self.preview)
        if self._previewed != self._preview_key():
            self.refresh_preview()  # not yet seen live (a switch, a select, a paste…)

    def on_send_options_panel_profile_changed(self, event: SendOptionsPanel.ProfileChanged) -> None:
        self._profile_changed(event)

    def _profile_changed(self, event: SendOptionsPanel.ProfileChanged) -> None:
        event.stop()
        panel = self._options()
        if event.profile:
            panel.set_api(self.service.profile(event.profile).api)
            # Before the warm-up thread has imported the client, asking for bots
            # would import httpx on the event loop (~300 ms without bytecode):
            # the warm-up asks for the profile shown then.
            if self._warmed_up:
                self._load_bots(event.profile)
        self.refresh_preview()

    # ---- other screens changed templates or profiles ----------------------

    def templates_changed(self, name: str, *, deleted: bool = False) -> None:
        """A template was saved or deleted elsewhere: reload the list (and the form, if ours)."""
        if not self.is_mounted:
            return
        self._app.run_job(self._load_templates, name="templates", thread=True)
        if name != self.template_name:
            return
        if deleted:
            self.notify(
                f"{name} was deleted: pick another template to send from.",
                title="Template deleted",
                severity="warning",
            )
            return
        draft = self.draft()
        if draft is not None:
            # The saved variables may differ: rebuild the form, keeping what was typed.
            self.load_draft(draft, edit_of=self.edit_of)

    async def profiles_changed(self) -> None:
        """Profiles were saved: offer the new set, keep the choice when it still exists."""
        found = self.query("#options")
        if not found:
            return  # the options mount after the first frame, from the config as it is then
        panel = cast("SendOptionsPanel", found.first())
        before = panel.profile
        config = self.service.config
        self._bots.clear()  # a profile's bots may have changed with its webhook or token
        keep = before if before in config.profiles else config.default_name
        await panel.set_profiles(list(config.profiles), keep)
        self._profile_changed(type(panel).ProfileChanged(panel.profile))

    # ---- the draft and its preview -----------------------------------------

    def draft(self) -> Draft | None:
        """The draft on screen; None before a template is chosen or while its form is built."""
        if self.template_name is None or self.query_one(VariableForm).building:
            return None
        return Draft(
            template=self.template_name,
            values=self.query_one(VariableForm).values(),
            options=self._options().options(),
        )

    def _profile_or_none(self, name: str | None = None) -> Profile | None:
        try:
            return self.service.profile(name or self._profile_name)
        except B24NotifyError:
            return None

    def current_profile(self) -> Profile | None:
        panel = self._options()
        return self._profile_or_none(panel.profile)

    def _preview_key(self) -> tuple[Any, ...]:
        panel = self._options()
        return (self.draft(), panel.profile, panel.api, self.edit_of)

    def refresh_preview(self) -> Preview | None:
        """Preview the current draft and show it everywhere (synchronous: it is fast)."""
        draft = self.draft()
        if draft is None:
            return None
        panel = self._options()
        # Each read of the panel's profile or API queries its widgets: once per keystroke.
        profile_name, api_name = panel.profile, panel.api
        self._previewed = (draft, profile_name, api_name, self.edit_of)
        profile = self._profile_or_none(profile_name)
        api = cast(Any, api_name)
        try:
            preview = self.service.preview(draft, profile=profile, api=api, edit_of=self.edit_of)
        except Exception as err:  # a bug must not take the whole UI down while typing
            from b24notify.tui.widgets.chat_preview import ChatPreview

            self.log.error("preview failed", err)
            self.query_one("#chat-preview", ChatPreview).show(
                None, problem=f"The preview failed: {type(err).__name__}: {err}"
            )
            return None
        self.preview = preview
        self.query_one(VariableForm).show_errors(preview.field_errors)
        dialog_problem = next(
            (
                p.message
                for p in preview.problems
                if p.severity == "error" and p.path.split(".")[0] in ("DIALOG_ID", "dialogId")
            ),
            None,
        )
        panel.show_dialog_error(dialog_problem)
        from b24notify.tui.widgets.preview_pane import ChatContext  # loaded after the first frame

        options = draft.options
        bot_id = options.bot_id or (profile.bot_id if profile else None)
        context = ChatContext(
            sender=self._sender(bot_id, options.dialog_id, profile_name),
            system=options.system,
            bot_id=bot_id,
        )
        self._pane().show(
            preview,
            context,
            code=lambda fmt: self.service.export(preview, fmt, profile=profile),
            labels=self._labels,
        )
        self._show_status(preview)
        return preview

    def _sender(
        self, bot_id: int | None, dialog: str | None, profile_name: str | None = None
    ) -> str:
        name = f"Bot #{bot_id}" if bot_id else "Bot (the app's first)"
        if profile_name is None:
            profile_name = self._options().profile
        for bot in self._bots.get(profile_name or "", []):
            if bot.id == bot_id:
                name = f"{bot.name} (#{bot.id})"
        return f"{name} → {dialog or '?'}"

    def _show_status(self, preview: Preview) -> None:
        status = self.query_one("#send-status", Static)
        button = self.query_one("#send-button", Button)
        errors = [f for f in self._pane().found if f.severity == "error"]
        ok = preview.ok
        disabled = self.sending or self.template_name is None
        label = "Sending…" if self.sending else ("Update" if self.edit_of else "Send")
        if self.sending:
            text = "Sending…"
        elif ok:
            key = self.key_for("compose.send")
            target = self.edit_target
            if target is not None and self.edit_of is not None:
                text = (
                    f"Ready: {key} updates message {target.message_id} in "
                    f"{target.dialog_id or '?'} via {preview.method}."
                )
            else:
                where = self._options().options().dialog_id or "?"
                text = f"Ready: {key} sends to {where} via {preview.method}."
        elif errors:
            first = errors[0]
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            # A field error names its field by label: "Incident is required".
            said = f"{first.where} {first.message}" if first.code == "FIELD" else first.message
            text = f"{said}{more}"
        else:
            text = "Not ready to send."
        if self._note and not self.sending:
            text = f"{text} {self._note}."  # after: what blocks or sends matters more
        # This runs on every keystroke; each real change costs a layout pass.
        if (disabled, label, text, ok) == self._status:
            return
        self._status = (disabled, label, text, ok)
        button.disabled = disabled
        button.label = label
        status.set_class(ok, "-ok")
        status.set_class(not ok, "-bad")
        status.update(text)

    # ---- sending ------------------------------------------------------------

    @on(Button.Pressed, "#send-button")
    def _send_pressed(self) -> None:
        self.action_send()

    def action_send(self) -> None:
        if self.sending:
            self.notify("A send is already under way.", severity="warning")
            return
        preview = self.refresh_preview()
        draft = self.draft()
        if preview is None or draft is None:
            self.notify("Pick a template first.", severity="warning")
            return
        if not preview.ok:
            self._explain_block(preview)
            return
        profile = self.current_profile()
        if profile is None:
            self.notify("No profile is configured: nothing to send with.", severity="error")
            return
        api = cast(Any, self._options().api)
        if not self.service.config.confirm_send:
            self._start_send(draft, profile, api)
            return
        from b24notify.tui.screens.dialogs import ConfirmDialog

        options = draft.options
        target = self.edit_target if self.edit_of is not None else None
        bot = (target.bot_id if target else options.bot_id) or profile.bot_id
        dialog = (target.dialog_id if target else options.dialog_id) or "?"
        rows = [("Template", draft.template)]
        if target is not None:
            rows.append(("Message", f"{target.message_id} (history #{target.history_id})"))
        rows += [
            ("Dialog", dialog),
            ("Bot", self._sender(bot, None).removesuffix(" → ?")),
            ("Profile", f"{profile.name} ({profile.portal_key})"),
            # What really runs: the preview is of the update when editing.
            ("Method", f"{preview.method} ({preview.api})"),
        ]
        if target is not None:
            title = f"Update message {target.message_id} in {dialog}?"
            label = "Update"
        else:
            title = "Send this message?"
            label = "Send"

        def answered(yes: bool | None) -> None:
            if yes:
                self._start_send(draft, profile, api)

        self.app.push_screen(ConfirmDialog(title, rows, confirm_label=label), answered)

    def _explain_block(self, preview: Preview) -> None:
        form = self.query_one(VariableForm)
        form.reveal_errors()  # the untouched empty fields too, now that a send asked
        if preview.field_errors:
            name, why = next(iter(preview.field_errors.items()))
            form.focus_field(name)
            field = form.field(name)
            sentence = field.error_text(why) if field else f"{self._labels.get(name, name)}: {why}"
            self.notify(
                f"{sentence}.",
                title="Fix the form before sending",
                severity="error",
            )
        elif preview.error is not None:
            self.notify(str(preview.error), title="Template error", severity="error")
        else:
            errors = [p for p in preview.problems if p.severity == "error"]
            self._pane().activate("problems")
            target = next(
                (f for f in self._pane().found if f.severity == "error" and f.target),
                None,
            )
            if target is not None:
                self.go_to(target)  # e.g. the dialog field when DIALOG_ID is missing
            first = errors[0] if errors else None
            self.notify(
                f"{first.code}: {first.message}" if first else "The draft is not valid.",
                title="The portal would reject this",
                severity="error",
            )

    def _start_send(self, draft: Draft, profile: Profile, api: Any) -> None:
        self.sending = True
        if self.edit_of is None:
            self._last_send = (draft, profile, api)  # what "Resend anyway" sends again
        if self.preview is not None:
            self._show_status(self.preview)
        edit_of = self.edit_of

        async def job() -> None:
            outcome: SendOutcome | None = None
            try:
                if edit_of is not None:
                    outcome = await self.service.edit(edit_of, draft, profile=profile)
                else:
                    outcome = await self.service.send(draft, profile=profile, api=api)
            finally:
                self.post_message(self.SendDone(outcome, edit=edit_of is not None))

        self._app.run_job(job, name="send", group="send")

    def on_compose_screen_send_done(self, message: SendDone) -> None:
        self.sending = False
        outcome = message.outcome
        self.last_outcome = outcome
        if outcome is not None and outcome.status == "unknown":
            self._ask_about_unknown(outcome, edit=message.edit)
        elif outcome is not None:
            text = outcome.describe()
            title = "Sent" if outcome.status == "sent" else outcome.status.capitalize()
            if message.edit and outcome.status == "sent":
                text, title = "Updated the message on the portal.", "Updated"
            self.notify(
                text,
                title=title,
                severity="information" if outcome.status == "sent" else "error",
                timeout=8 if outcome.status == "sent" else 15,
            )
            if message.edit and outcome.status == "sent":
                self.set_edit(None)
        if outcome is not None:
            self._app.run_job(self._load_dialogs, name="dialogs", thread=True)
        if self.preview is not None:
            self._show_status(self.preview)

    # ---- an unknown outcome -------------------------------------------------

    def _ask_about_unknown(self, outcome: SendOutcome, *, edit: bool) -> None:
        """The request left without an answer: offer the ways to check, never resend by itself."""
        from b24notify.tui.widgets.compose_dialogs import UnknownOutcomeDialog

        last = None if edit else self._last_send
        target = self.edit_target if edit else None
        dialog = target.dialog_id if target else (last[0].options.dialog_id if last else None)
        profile = last[1] if last else self.current_profile()
        self.app.push_screen(
            UnknownOutcomeDialog(
                history_id=outcome.history_id,
                dialog=dialog,
                reason=outcome.error,
                sandbox=profile is not None and profile.sandbox,
                can_resend=last is not None,
                edit=edit,
            ),
            lambda action: self._unknown_answered(action, outcome),
        )

    def _unknown_answered(self, action: str | None, outcome: SendOutcome) -> None:
        if action == "history":
            self._app.open_screen("history")
            show_send = getattr(self._app.screen_of("history"), "show_send", None)
            if callable(show_send) and outcome.history_id is not None:
                show_send(outcome.history_id)  # the cursor on this send, filters cleared
        elif action == "inbox":
            self._app.open_screen("inbox")
        elif action == "resend":
            self._confirm_resend(outcome)

    def _confirm_resend(self, outcome: SendOutcome) -> None:
        """Ask again, saying plainly that the first message may be in the chat already."""
        from b24notify.tui.screens.dialogs import ConfirmDialog

        last = self._last_send
        if last is None:
            return
        draft, profile, api = last
        dialog = draft.options.dialog_id or "?"
        row = f" (history #{outcome.history_id})" if outcome.history_id is not None else ""
        warning = (
            f"The first message{row} may have arrived in {dialog}: the request left, only the "
            "answer was lost. Resending sends a second, new message; if the first one is "
            "there, the chat will show it twice."
        )
        rows = [
            ("Template", draft.template),
            ("Dialog", dialog),
            ("Profile", f"{profile.name} ({profile.portal_key})"),
        ]

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            if self.sending:
                self.notify("A send is already under way.", severity="warning")
                return
            self._start_send(draft, profile, api)

        self.app.push_screen(
            ConfirmDialog(
                "Resend anyway?",
                rows,
                message=warning,
                confirm_label="Resend anyway",
                danger=True,
            ),
            answered,
        )

    # ---- drafts from elsewhere ----------------------------------------------

    def load_draft(self, draft: Draft, *, edit_of: int | None = None) -> None:
        """Fill the screen from ``draft`` (history's "open as draft" / "edit").

        The draft's API (the one it was sent with) is selected. A draft whose
        template is gone cannot be shown as a form: a dialog shows its values and
        the screen keeps the draft it had.
        """
        if not self.query_one(TemplateList).entries:
            self.set_edit(edit_of)
            self._pending_draft = draft
            return
        try:
            self.service.template(draft.template)
        except B24NotifyError:
            from b24notify.tui.widgets.compose_dialogs import MissingTemplateDialog

            self._pending_draft = None
            self.set_edit(None)
            self.app.push_screen(MissingTemplateDialog(draft, editing=edit_of is not None))
            return
        self.set_edit(edit_of)
        if edit_of is not None and self.edit_of is None:
            return  # the row cannot be edited (said by set_edit)
        target = self.edit_target
        options = draft.options
        if target is not None:
            # The update goes to the original message: show where it is, as it is.
            options = dataclasses.replace(options, dialog_id=target.dialog_id, bot_id=target.bot_id)
        elif draft.api is not None and self.query("#options"):
            self._options().set_api(draft.api)
        self.run_worker(
            self.select_template(draft.template, values=draft.values, options=options),
            group="load-draft",
            exclusive=True,
        )

    def set_edit(self, history_id: int | None) -> None:
        """Edit the message of history row ``history_id`` (None: back to sending new ones).

        While editing, the send options the update cannot change are locked to
        the original message's: its profile, API, dialog and bot (and the flags
        only a new message has).
        """
        target: EditTarget | None = None
        if history_id is not None:
            target = self._edit_target_or_none(history_id)
            if target is None:
                history_id = None
        leaving = self.edit_of is not None and history_id is None
        self.edit_of = history_id
        self.edit_target = target
        self._lock_options(target)
        banner = self.query_one("#edit-banner", Static)
        banner.set_class(target is not None, "-on")
        if target is not None:
            send, cancel = self.key_for("compose.send"), self.key_for("compose.cancel_edit")
            banner.update(
                f"Editing message {target.message_id} in {target.dialog_id or '?'} "
                f"(history #{target.history_id}): {send} replaces it. Profile, API, dialog "
                f"and bot stay the original's; {cancel} stops editing."
            )
        if leaving:
            self.refresh_preview()  # a new message again: the send call, to the dialog shown
        elif self.preview is not None:
            self._show_status(self.preview)

    def _edit_target_or_none(self, history_id: int) -> EditTarget | None:
        """The row's edit target, or None after saying why it cannot be edited from here."""
        try:
            target = self.service.edit_target(history_id)
        except B24NotifyError as err:
            self.notify(str(err), title="Cannot edit", severity="error")
            return None
        problem = None
        if target.message_id is None:
            problem = f"History #{history_id} has no message id: it was never delivered."
        elif target.profile not in self.service.config.profiles:
            problem = (
                f"History #{history_id} was sent with profile {target.profile!r}, which is "
                "no longer configured: only that profile can edit it."
            )
        if problem is not None:
            self.notify(problem, title="Cannot edit", severity="error")
            return None
        return target

    def _lock_options(self, target: EditTarget | None) -> None:
        """Put the options on the original message's profile and API and lock them (or unlock)."""
        found = self.query("#options")
        if not found:
            return  # mounted later; the pending draft's load_draft comes back here
        panel = cast("SendOptionsPanel", found.first())
        from textual.widgets import Select

        if target is not None:
            if panel.profile != target.profile:
                with panel.prevent(Select.Changed):
                    panel.query_one("#opt-profile", Select).value = target.profile
                self._load_bots(target.profile)
            panel.set_api(target.api)
        for name in EDIT_LOCKED:
            for widget in panel.query(f"#opt-{name}"):
                widget.disabled = target is not None

    # ---- small actions ------------------------------------------------------

    def action_cancel_edit(self) -> None:
        if self.edit_of is not None:
            self.set_edit(None)
            self.notify(f"Stopped editing: {self.key_for('compose.send')} now sends a new message.")

    def key_for(self, binding_id: str) -> str:
        """The key that runs a binding now, as remapped in the config (``ctrl+s``)."""
        known = self._keys.get(binding_id)
        if known is not None:
            return known
        from b24notify.tui.app import key_label

        key = next(
            (k for k, active in self.active_bindings.items() if active.binding.id == binding_id),
            None,
        )
        if key is None:  # not in reach right now (a focused input takes it): the declared key
            key = next(
                (b.key for b in self.BINDINGS if isinstance(b, Binding) and b.id == binding_id),
                "?",
            )
        shown = key_label(key.split(",")[0])
        self._keys[binding_id] = shown
        return shown

    def action_find_template(self) -> None:
        self.remove_class("-hide-templates")
        self.query_one(TemplateList).focus_search()

    def action_focus_dialog(self) -> None:
        panel = self.query("#options")
        if panel:
            cast("SendOptionsPanel", panel.first()).focus_option("dialog")

    def action_toggle_templates(self) -> None:
        self.toggle_class("-hide-templates")

    def action_tab(self, tab: str) -> None:
        if not self.query("#preview-pane"):  # mounted just after the first frame
            return
        self._pane().activate(tab)
        if tab == "problems":
            # Keys go to the list: up/down choose a problem, enter goes to it.
            problems = self.query_one("#problems-list", OptionList)
            problems.focus()
            self.call_after_refresh(self._highlight_first_problem)

    def _highlight_first_problem(self) -> None:
        problems = self.query_one("#problems-list", OptionList)
        if problems.highlighted is None and problems.option_count:
            problems.action_first()

    async def action_reset(self) -> None:
        if self.template_name is None:
            return
        # While editing, the options stay the original message's.
        keep = self._options().options() if self.edit_of is not None else None
        await self.select_template(self.template_name, options=keep)
        if self._note:
            self.notify("The draft is back to the template's sample values (sandbox profile).")
        else:
            self.notify(
                "The draft is back to the template's defaults; required fields without "
                f"one are empty ({self.key_for('compose.fill_samples')} fills in samples)."
            )

    def action_fill_samples(self) -> None:
        """Fill every field with the template's sample values (to try it out)."""
        if self.template_name is None or self.query_one(VariableForm).building:
            self.notify("Pick a template first.", severity="warning")
            return
        try:
            samples = self.service.draft_for(self.template_name, samples=True).values
        except B24NotifyError as err:
            self.notify(str(err), title=err.title, severity="error")
            return
        form = self.query_one(VariableForm)
        form.load(samples)
        self._note = "Filled with sample values"
        self._note_values = form.values()
        self.refresh_preview()
        self.notify("Filled with the template's sample values: replace them before sending.")

    def action_copy_code(self) -> None:
        if self.preview is None:
            self.notify("Pick a template first: there is no request to copy yet.")
            return
        pane = self._pane()
        pane.activate("code")
        pane.refresh_code()
        from b24notify.tui.widgets.code_view import CodeView

        self.query_one(CodeView).copy()

    def action_reload(self) -> None:
        self._app.run_job(self._load_templates, name="templates", thread=True)
        self.notify("Reloading templates…")

    def on_problems_list_selected(self, event: ProblemsList.Selected) -> None:
        event.stop()
        self.go_to(event.finding)

    def go_to(self, finding: Finding) -> None:
        """Focus the field a finding is about, or say which template part and line."""
        target = finding.target or ""
        if target.startswith("var:"):
            self.query_one(VariableForm).focus_field(target[4:])
        elif target.startswith("option:"):
            self._options().focus_option(target[7:])
        else:
            where = f"part {finding.part}" if finding.part else "the template"
            if finding.line:
                where += f", line {finding.line}"
            self.notify(
                f"{finding.message}",
                title=f"In {self.template_name}: {where}",
                severity="warning" if finding.severity == "warning" else "error",
            )

    def palette_commands(self) -> list[PaletteCommand]:
        """Palette-only entries: each preview tab and each code format."""
        out: list[PaletteCommand] = []
        from b24notify.tui.widgets.code_view import FORMATS, CodeView

        def code_as(fmt: str) -> Any:
            def run() -> None:
                pane = self._pane()
                view = self.query_one(CodeView)
                view.set_format(fmt)
                pane.activate("code")
                pane.refresh_code()
                view.copy()

            return run

        for label, fmt in FORMATS:
            out.append(
                (f"Copy request as {label}", "Copies the current draft's request", code_as(fmt))
            )
        return out


def _sample_text(value: Any) -> str:
    """A sample as a one-line hint: lists joined, dates as typed, long text cut."""
    if isinstance(value, list | tuple):
        text = ", ".join(_sample_text(v) for v in value)
    elif hasattr(value, "hour") and hasattr(value, "isoformat"):
        text = value.isoformat(sep=" ", timespec="minutes")
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:59] + "…"
