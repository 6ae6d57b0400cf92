"""The use cases of b24notify: preview, send, resend, edit, delete, history, bots.

The terminal UI and the command line are thin layers over ``Service``; it is
the one place that joins templates, payloads, the client and history. The
caller builds a ``Service`` with its configuration (composition root in
``b24notify.__main__``) and may inject a history, a template library and an
HTTP transport (tests pass the sandbox's in-process transport).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from b24notify.core.errors import (
    B24NotifyError,
    ConfigError,
    FieldErrors,
    TemplateError,
    UsageError,
    ValidationFailed,
)
from b24notify.core.models import ApiVersion, Draft, Problem, Rendered, SendOptions, SendStatus

if TYPE_CHECKING:
    import httpx

    from b24notify.core.client import B24Client
    from b24notify.core.config import Config, Profile
    from b24notify.core.dialogs import DialogInfo
    from b24notify.core.history import History, SendRecord
    from b24notify.core.templates import Template, TemplateInfo, TemplateLibrary


@dataclass
class Preview:
    """Everything the UI shows for a draft, computed synchronously on each keystroke.

    ``params`` are the exact params that would be sent, with secrets masked;
    ``problems`` are validator findings; ``field_errors`` are per-variable
    errors; ``error`` is a template error (syntax, undefined, JSON) when the
    draft cannot be rendered at all.
    """

    template: str
    api: ApiVersion
    method: str
    rendered: Rendered | None = None
    params: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    field_errors: dict[str, str] = field(default_factory=dict)
    error: TemplateError | None = None
    sizes: dict[str, int] = field(default_factory=dict)
    url: str = ""

    @property
    def ok(self) -> bool:
        """True when the draft can be sent: it renders and the portal would accept it."""
        return (
            self.error is None
            and not self.field_errors
            and self.params is not None
            and not any(p.severity == "error" for p in self.problems)
        )


@dataclass
class SendOutcome:
    """What happened to one send; ``status`` is the history status."""

    status: SendStatus
    history_id: int | None
    message_id: int | None = None
    error_code: str | None = None
    error: str | None = None
    hint: str | None = None
    http_status: int | None = None
    moved_to: str | None = None
    attempts: int = 0
    duration_ms: float = 0.0

    def describe(self) -> str:
        """One sentence for a notification or the terminal."""
        if self.status == "sent":
            text = f"Sent: message id {self.message_id}."
            if self.moved_to:
                text += f" The portal moved to {self.moved_to}: update the profile."
            return text
        if self.status == "unknown":
            return (
                "Unknown — check the chat: the request left but no answer came back "
                f"({self.error or 'connection lost'}). It was not resent; "
                "look at the chat and resend from history only if the message is missing."
            )
        code = f"{self.error_code}: " if self.error_code else ""
        text = f"Failed: {code}{self.error or 'the portal refused the message'}"
        if self.hint:
            text += f" {self.hint}"
        return text


@dataclass
class BotInfo:
    id: int
    name: str
    code: str = ""


@dataclass(frozen=True)
class EditTarget:
    """The sent message an edit replaces, and the call that replaces it.

    An edit can change the content only: the message stays in its dialog, from
    its bot, on the portal of its profile, and the update goes through the API
    that sent it.
    """

    history_id: int
    message_id: int | None
    profile: str
    api: ApiVersion
    method: str
    dialog_id: str | None
    bot_id: int | None
    template: str


@dataclass
class PreparedSend:
    """A rendered, validated request: what ``send`` records and sends.

    ``params`` hold the real secrets (they go on the wire); ``history_fields``
    gives the masked copy for the history row.
    """

    api: ApiVersion
    method: str
    params: dict[str, Any]
    options: SendOptions
    template: str
    template_hash: str
    values: dict[str, Any]
    rendered: Rendered
    warnings: list[Problem] = field(default_factory=list)

    def history_fields(
        self, profile: Profile, *, run_id: str | None = None, row_number: int | None = None
    ) -> dict[str, Any]:
        """Keyword arguments for ``History.record_pending`` (secrets masked)."""
        from b24notify.core.bbcode import parse, plain_text
        from b24notify.core.export import mask_params

        return {
            "profile": profile.name,
            "portal": profile.portal_host,
            "api": self.api,
            "method": self.method,
            "bot_id": self.options.bot_id,
            "dialog_id": self.options.dialog_id,
            "template": self.template,
            "template_hash": self.template_hash,
            "values": self.values,
            "params": mask_params(self.params),
            "message_text": plain_text(parse(self.rendered.message)),
            "run_id": run_id,
            "row_number": row_number,
        }


def template_hash(template: Template) -> str:
    """A short content hash of a template's source, recorded with each send."""
    digest = hashlib.sha256(template.source_text.encode("utf-8")).hexdigest()
    return digest[:16]


class Service:
    """The use cases, over one configuration."""

    def __init__(
        self,
        config: Config,
        *,
        library: TemplateLibrary | None = None,
        history: History | None = None,
        transport_factory: Callable[[Profile], httpx.AsyncBaseTransport | None] | None = None,
        token_store: Any = None,
    ) -> None:
        self.config = config
        self._library = library
        self._history = history
        self._transport_factory = transport_factory
        self._token_store = token_store
        self._clients: dict[str, B24Client] = {}
        # A delivered row's target never changes; Compose previews an edit per keystroke.
        self._edit_targets: dict[int, EditTarget] = {}

    # ---- composition helpers -------------------------------------------------

    @property
    def library(self) -> TemplateLibrary:
        if self._library is None:
            from b24notify.core.templates import TemplateLibrary, default_search_path

            self._library = TemplateLibrary(default_search_path(self.config.template_dirs))
        return self._library

    @property
    def history(self) -> History:
        if self._history is None:
            from b24notify.core import paths
            from b24notify.core.history import History

            self._history = History(paths.history_file())
        return self._history

    def profile(self, name: str | None = None) -> Profile:
        """The named profile, or the default one; ConfigError when there is none."""
        profiles = self.config.profiles
        if name is None:
            name = self.config.default_profile or (next(iter(profiles)) if profiles else None)
        if name is None:
            raise ConfigError(
                "No profile is configured: add one to the config file "
                "(see `b24notify locate`) or try `b24notify demo`."
            )
        if name not in profiles:
            known = ", ".join(profiles) or "none"
            raise ConfigError(f"No profile named {name!r} (known: {known}).", key="profiles")
        return profiles[name]

    def client(self, profile: Profile) -> B24Client:
        """The one client per profile (connection reuse, shared rate bucket)."""
        client = self._clients.get(profile.name)
        if client is None:
            from b24notify.core.client import B24Client

            client = B24Client(self._client_settings(profile))
            self._clients[profile.name] = client
        return client

    def _client_settings(self, profile: Profile) -> Any:
        from b24notify.core.client import ClientSettings

        transport = self._transport_factory(profile) if self._transport_factory else None
        on_tokens = None
        if profile.auth_kind == "oauth" and self._token_store is not None:
            # Refresh tokens rotate: the new pair must be on disk before the next call.
            profile = self._token_store.overlay(profile)
            on_tokens = self._token_store.saver(profile)
        return ClientSettings.from_profile(profile, transport=transport, on_tokens=on_tokens)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    @property
    def token_store(self) -> Any:
        """The OAuth token store (None when tokens are not persisted, e.g. in the demo)."""
        return self._token_store

    def transport_for(self, profile: Profile | None) -> httpx.AsyncBaseTransport | None:
        """The injected HTTP transport for a profile (None: the real network).

        Lets the UI reach the sandbox's own endpoints (``/sandbox/messages``) the
        same way the client reaches the portal, in-process in tests.
        """
        if self._transport_factory is None or profile is None:
            return None
        return self._transport_factory(profile)

    async def use_config(self, config: Config) -> None:
        """Switch to ``config`` (after the Profiles screen saved it).

        Clients of profiles that changed or are gone are closed, so the next call
        uses the new settings; untouched profiles keep their connections.
        """
        old = self.config.profiles
        self.config = config
        for name in list(self._clients):
            if config.profiles.get(name) != old.get(name):
                await self._clients.pop(name).aclose()

    # ---- templates -----------------------------------------------------------

    def templates(self) -> list[TemplateInfo]:
        return self.library.list()

    def template(self, name: str) -> Template:
        return self.library.get(name)

    def draft_for(self, name: str, *, samples: bool = False) -> Draft:
        """A fresh draft of a template with its send defaults (and samples, for demos)."""
        from b24notify.core.templates import sample_values

        template = self.template(name)
        values: dict[str, Any] = sample_values(template) if samples else {}
        return Draft(template=name, values=values, options=template.send_options())

    def fix_moments(self, draft: Draft, *, now: datetime | None = None) -> None:
        """Relative entries (``tomorrow 10:00``, ``+2h``) in the draft's date and datetime
        values become the ISO moment they name at ``now``; FieldErrors names a mistake.

        Callers resolve what a person just typed (``--var``); drafts, previews and
        history then hold one fixed moment.
        """
        from b24notify.core import when

        template = self.template(draft.template)
        values, mistakes = when.fix(template.variables, draft.values, now or datetime.now())
        if mistakes:
            raise FieldErrors(mistakes, template=template.name)
        draft.values = values

    # ---- preview -------------------------------------------------------------

    def preview(
        self,
        draft: Draft,
        *,
        profile: Profile | None = None,
        api: ApiVersion | None = None,
        template: Template | None = None,
        edit_of: int | None = None,
    ) -> Preview:
        """Render, build and validate a draft; never raises for bad input.

        ``template`` renders in place of the one named by the draft (the
        editor's unsaved text, from ``TemplateLibrary.from_toml``).

        ``edit_of`` previews what ``edit`` would call for that history row
        instead of a new send: the update method of the row's API on its
        message id, bot and dialog (``api`` and the draft's dialog and bot do
        not apply; without ``profile``, the row's profile is used).
        """
        from b24notify.core import payload
        from b24notify.core.export import mask_params, mask_url
        from b24notify.core.templates import parse_values, render

        target: EditTarget | None = None
        target_problem: Problem | None = None
        if edit_of is not None:
            try:
                target = self.edit_target(edit_of)
            except B24NotifyError as err:
                target_problem = Problem("MESSAGE_ID_ERROR", "MESSAGE_ID", str(err))
        if profile is None and target is not None:
            profile = self._maybe_profile(target.profile)
        prof = profile if profile is not None else self._maybe_profile()
        if target is not None:
            api, method = target.api, target.method
        else:
            api = api or (prof.api if prof else "v1")
            method = _update_method(api) if edit_of else payload.method_for(api)
        result = Preview(template=draft.template, api=api, method=method)
        if prof is not None:
            result.url = mask_url(prof.method_url(method))
        try:
            if template is None:
                template = self.template(draft.template)
        except B24NotifyError as err:
            result.error = TemplateError(str(err), template=draft.template)
            return result
        try:
            values = parse_values(template, draft.values)
        except FieldErrors as err:
            result.field_errors = dict(err.errors)
            return result
        except TemplateError as err:  # a Jinja syntax error found while reading the variables
            result.error = err
            return result
        try:
            rendered = render(template, values)
        except TemplateError as err:
            result.error = err
            return result
        result.rendered = rendered
        if edit_of is not None:
            params, result.problems = self._preview_update(
                target, target_problem, rendered, draft.options, prof
            )
        else:
            _options, params, result.problems = _build_request(rendered, draft.options, prof, api)
        result.params = mask_params(params) if params is not None else None
        result.sizes = {
            part: payload.part_size(value)
            for part, value in (
                ("attach", rendered.attach),
                ("keyboard", rendered.keyboard),
                ("menu", rendered.menu),
            )
            if value is not None
        }
        return result

    def export(self, preview: Preview, fmt: str, *, profile: Profile | None = None) -> str:
        """The previewed request as curl / JS / PHP / Python / JSON, secrets masked."""
        from b24notify.core.export import render_code

        if preview.params is None:
            raise UsageError("Nothing to export: the draft does not render yet.")
        prof = profile if profile is not None else self._maybe_profile()
        base = (
            prof.base_url if prof is not None else "https://your-portal.bitrix24.com/rest/1/CODE/"
        )
        return render_code(
            fmt,
            base_url=base,
            method=preview.method,
            params=preview.params,
            auth=prof.auth_kind if prof is not None else "webhook",
        )

    def _preview_update(
        self,
        target: EditTarget | None,
        target_problem: Problem | None,
        rendered: Rendered,
        options: SendOptions,
        prof: Profile | None,
    ) -> tuple[dict[str, Any] | None, list[Problem]]:
        """The update params for an edit preview (secrets still in) and every problem."""
        if target is None or target.message_id is None:
            problem = target_problem or Problem(
                "MESSAGE_ID_ERROR",
                "MESSAGE_ID",
                f"History row {target.history_id if target else '?'} has no message id: "
                "it was never delivered, so there is nothing to edit.",
            )
            return None, [problem]
        problems: list[Problem] = []
        if prof is None or prof.name != target.profile:
            problems.append(
                Problem(
                    "EDIT_PROFILE",
                    "profile",
                    f"The message was sent with profile {target.profile!r}: only that profile "
                    "can edit it.",
                )
            )
        if not rendered.message.strip():
            problems.append(
                Problem(
                    "MESSAGE_EMPTY",
                    "fields.message" if target.api == "v2" else "MESSAGE",
                    "The new text is empty, and an update with an empty text deletes the "
                    "message: write a text, or delete the message from History.",
                )
            )
            return None, problems
        # The content (and the bot's secret) is checked as the portal checks a send of
        # it to the same dialog; what an edit cannot change (dialog, flags) is left out.
        where = SendOptions(
            dialog_id=target.dialog_id or "0",
            bot_id=target.bot_id,
            url_preview=options.url_preview,
        )
        _options, _send, found = _build_request(rendered, where, prof, target.api)
        problems += [p for p in found if _edit_path(p.path)]
        try:
            _method, params = _update_request(target, rendered, options, prof)
        except UsageError as err:
            problems.append(Problem("MESSAGE_ID_ERROR", "MESSAGE_ID", str(err)))
            return None, problems
        return params, problems

    def _maybe_profile(self, name: str | None = None) -> Profile | None:
        try:
            return self.profile(name)
        except ConfigError:
            return None

    # ---- sending -------------------------------------------------------------

    async def send(
        self,
        draft: Draft,
        *,
        profile: Profile | None = None,
        api: ApiVersion | None = None,
        run_id: str | None = None,
        row_number: int | None = None,
    ) -> SendOutcome:
        """Render → validate → record pending → call → record the outcome.

        Raises FieldErrors / TemplateError / ValidationFailed before anything is
        recorded or sent; once the pending row exists every path ends in a
        final status, and an ambiguous outcome is ``unknown`` (never retried).
        """
        prof = profile or self.profile()
        prepared = self.prepare(draft, profile=prof, api=api)
        history_id = self.history.record_pending(
            **prepared.history_fields(prof, run_id=run_id, row_number=row_number)
        )
        return await self._call_and_record(prof, prepared.method, prepared.params, history_id)

    def prepare(
        self,
        draft: Draft,
        *,
        profile: Profile | None = None,
        api: ApiVersion | None = None,
        template: Template | None = None,
    ) -> PreparedSend:
        """Render and validate a draft into the exact request, ready to record and send.

        ``template`` is used instead of looking the draft's name up again (a bulk
        run renders every row from the one version it checked). Raises
        FieldErrors, TemplateError or ValidationFailed; sends nothing.
        """
        from b24notify.core import payload
        from b24notify.core.templates import parse_values, render

        prof = profile or self.profile()
        api = api or prof.api
        if template is None:
            template = self.template(draft.template)
        values = parse_values(template, draft.values)
        rendered = render(template, values)
        options, params, problems = _build_request(rendered, draft.options, prof, api)
        if payload.has_errors(problems):
            raise ValidationFailed(problems)
        return PreparedSend(
            api=api,
            method=payload.method_for(api),
            params=params,
            options=options,
            template=template.name,
            template_hash=template_hash(template),
            values=_jsonable(values),
            rendered=rendered,
            warnings=problems,
        )

    async def _call_and_record(
        self, prof: Profile, method: str, params: Mapping[str, Any], history_id: int
    ) -> SendOutcome:
        from b24notify.core.api_errors import ApiError

        started = time.perf_counter()
        try:
            result = await self.client(prof).call(method, params)
        except ApiError as err:
            outcome = SendOutcome(
                status="unknown" if err.outcome == "unknown" else "failed",
                history_id=history_id,
                error_code=err.code,
                error=err.description or str(err),
                hint=err.hint,
                http_status=err.http_status,
                attempts=getattr(err, "attempts", 1),
                duration_ms=(time.perf_counter() - started) * 1000,
            )
        except B24NotifyError as err:
            outcome = SendOutcome(
                status="failed",
                history_id=history_id,
                error=str(err),
                duration_ms=(time.perf_counter() - started) * 1000,
            )
        except BaseException as err:
            # Anything unexpected after the row is pending: the request may have
            # left, so the honest status is unknown; then let the error surface.
            self.history.finish(
                history_id,
                "unknown",
                error_code="CLIENT_ERROR",
                error_description=type(err).__name__,
            )
            raise
        else:
            outcome = SendOutcome(
                status="sent",
                history_id=history_id,
                message_id=_message_id(result.result),
                http_status=result.http_status,
                moved_to=result.moved_to,
                attempts=result.attempts,
                duration_ms=(time.perf_counter() - started) * 1000,
            )
        self.history.finish(
            history_id,
            outcome.status,
            message_id=outcome.message_id,
            error_code=outcome.error_code,
            error_description=outcome.error,
            http_status=outcome.http_status,
            attempts=outcome.attempts,
            duration_ms=outcome.duration_ms,
        )
        return outcome

    async def resend(self, history_id: int, *, profile: Profile | None = None) -> SendOutcome:
        """Send a history row again as a new send (a new history row)."""
        return await self.send(self.draft_from_history(history_id), profile=profile)

    def mark_outcome(self, history_id: int, status: SendStatus) -> SendRecord:
        """Settle an ``unknown`` send by hand as ``sent`` or ``failed`` (the user checked the chat).

        Only an unknown row can be marked, and only as sent or failed; anything
        else is a :class:`UsageError` saying so. Returns the updated row.
        """
        if status not in ("sent", "failed"):
            raise UsageError(f"A send can be marked as sent or failed only, not as {status!r}.")
        record = self._record(history_id)
        if record.status != "unknown":
            raise UsageError(
                f"Send #{history_id} is {record.status}, not unknown: "
                "only a send with an unknown outcome can be marked."
            )
        return self.history.finish(history_id, status)

    def draft_from_history(self, history_id: int) -> Draft:
        """Re-open a history row as a draft: same template, values and options."""
        record = self._record(history_id)
        options = SendOptions(dialog_id=record.dialog_id, bot_id=record.bot_id)
        params = record.params or {}
        flags = params.get("fields", params)
        for attr, keys in (
            ("system", ("SYSTEM", "system")),
            ("url_preview", ("URL_PREVIEW", "urlPreview")),
            ("skip_connector", ("SKIP_CONNECTOR", "skipConnector")),
        ):
            for key in keys:
                if isinstance(flags, Mapping) and key in flags:
                    setattr(options, attr, flags[key] in (True, "Y"))
        return Draft(
            template=record.template or "",
            values=dict(record.values or {}),
            options=options,
            api=_api(record.api),
        )

    def edit_target(self, history_id: int) -> EditTarget:
        """What an edit of a history row replaces, and with which call (UsageError: no row)."""
        cached = self._edit_targets.get(history_id)
        if cached is not None:
            return cached
        record = self._record(history_id)
        api = _api(record.api)
        target = EditTarget(
            history_id=history_id,
            message_id=record.message_id,
            profile=record.profile,
            api=api,
            method=_update_method(api),
            dialog_id=record.dialog_id,
            bot_id=record.bot_id,
            template=record.template or "",
        )
        if target.message_id is not None:
            self._edit_targets[history_id] = target
        return target

    async def edit(
        self, history_id: int, draft: Draft, *, profile: Profile | None = None
    ) -> SendOutcome:
        """Replace the text/attach/keyboard of a sent message on the portal."""
        from b24notify.core.templates import parse_values, render

        target = self.edit_target(history_id)
        if target.message_id is None:
            raise UsageError(f"History row {history_id} has no message id: it was never delivered.")
        prof = profile or self.profile(target.profile)
        template = self.template(draft.template)
        rendered = render(template, parse_values(template, draft.values))
        method, params = _update_request(target, rendered, draft.options, prof)
        return await self._simple_call(prof, method, params, history_id, "edited")

    async def delete_message(
        self, history_id: int, *, complete: bool = False, profile: Profile | None = None
    ) -> SendOutcome:
        """Delete a sent message on the portal (the history row stays, marked)."""
        from b24notify.core import payload

        record = self._record(history_id)
        if record.message_id is None:
            raise UsageError(f"History row {history_id} has no message id: it was never delivered.")
        prof = profile or self.profile(record.profile)
        method, params = payload.build_delete_params(
            _api(record.api),
            message_id=record.message_id,
            bot_id=record.bot_id,
            complete=complete,
            client_id=prof.client_id if prof.auth_kind == "webhook" else None,
            bot_token=prof.bot_token if prof.auth_kind == "webhook" else None,
        )
        return await self._simple_call(prof, method, params, history_id, "deleted")

    async def _simple_call(
        self, prof: Profile, method: str, params: Mapping[str, Any], history_id: int, what: str
    ) -> SendOutcome:
        from b24notify.core.api_errors import ApiError

        try:
            result = await self.client(prof).call(method, params)
        except ApiError as err:
            return SendOutcome(
                status="unknown" if err.outcome == "unknown" else "failed",
                history_id=history_id,
                error_code=err.code,
                error=err.description or str(err),
                hint=err.hint,
                http_status=err.http_status,
            )
        if what == "deleted":
            self.history.mark_deleted(history_id)
        else:
            self.history.mark_edited(history_id)
        return SendOutcome(status="sent", history_id=history_id, http_status=result.http_status)

    def _record(self, history_id: int) -> SendRecord:
        record = self.history.get(history_id)
        if record is None:
            raise UsageError(f"No history row with id {history_id}.")
        return record

    # ---- bots / connection ---------------------------------------------------

    async def check_connection(self, profile: Profile) -> list[BotInfo]:
        """List the bots with ``profile`` exactly as given (edited, not saved yet).

        Uses a client of its own, closed afterwards, so the cached client of a
        saved profile with the same name is neither used nor disturbed.
        """
        from b24notify.core.client import B24Client

        async with B24Client(self._client_settings(profile)) as client:
            bots = await client.list_bots(
                profile.api, client_id=profile.client_id, bot_token=profile.bot_token
            )
        return [
            BotInfo(id=int(b["id"]), name=str(b.get("name", "")), code=str(b.get("code", "")))
            for b in bots
        ]

    async def list_bots(self, profile: Profile | None = None) -> list[BotInfo]:
        """The bots the profile can send as (``imbot.bot.list`` / ``imbot.v2.Bot.list``)."""
        prof = profile or self.profile()
        bots = await self.client(prof).list_bots(
            prof.api, client_id=prof.client_id, bot_token=prof.bot_token
        )
        return [
            BotInfo(id=int(b["id"]), name=str(b.get("name", "")), code=str(b.get("code", "")))
            for b in bots
        ]

    async def lookup_dialog(
        self, dialog_id: str, *, profile: Profile | None = None
    ) -> DialogInfo | None:
        """The portal's name and type of a dialog (``imbot.dialog.get``), kept for the session.

        A read through the profile's client, never a send. ``found`` is False when
        the portal says there is no such dialog; None when it cannot tell (no
        access, the method not allowed for this sign-in, the network): see
        :mod:`b24notify.core.dialogs`. ConfigError only for an unknown profile.
        """
        from b24notify.core.dialogs import DialogDirectory

        prof = profile or self.profile()
        # Created on first use: most sessions never look a dialog up.
        directory: DialogDirectory | None = getattr(self, "_dialogs", None)
        if directory is None:
            directory = self._dialogs = DialogDirectory()
        return await directory.lookup(prof, dialog_id, lambda: self.client(prof))

    # ---- history -------------------------------------------------------------

    def recover(self) -> list[int]:
        """Start-up housekeeping: rows left ``pending`` by a crash become ``unknown``
        (returned, so the caller can show them) and the retention setting is applied."""
        recovered = self.history.recover_pending()
        if self.config.history_retention_days is not None:
            self.history.apply_retention(self.config.history_retention_days)
        return recovered

    def search_history(self, **filters: Any) -> Sequence[SendRecord]:
        return self.history.search(**filters)


def _effective_options(options: SendOptions, profile: Profile | None) -> SendOptions:
    """Fill the bot from the profile when the draft names none."""
    if options.bot_id is None and profile is not None and profile.bot_id is not None:
        return SendOptions(**{**options.__dict__, "bot_id": profile.bot_id})
    return options


def _build_request(
    rendered: Rendered, options: SendOptions, profile: Profile | None, api: ApiVersion
) -> tuple[SendOptions, dict[str, Any], list[Problem]]:
    """The exact params for a rendered draft and every problem with them.

    Problems are what the build had to leave out (a v2 menu …) followed by the
    validator's findings. The params carry the real webhook bot secret
    (CLIENT_ID / botToken): callers mask them before showing or storing them.
    """
    from b24notify.core import payload

    options = _effective_options(options, profile)
    webhook = profile is not None and profile.auth_kind == "webhook"
    params = payload.build_send_params(
        rendered,
        options,
        api,
        client_id=profile.client_id if webhook and api == "v1" and profile else None,
        bot_token=profile.bot_token if webhook and api == "v2" and profile else None,
    )
    auth = profile.auth_kind if profile is not None else None
    problems = payload.build_warnings(rendered, options, api)
    problems += payload.validate_params(params, api, auth=auth)
    return options, params, problems


_EDIT_KEYS = frozenset(
    {"MESSAGE", "ATTACH", "KEYBOARD", "MENU", "message", "attach", "keyboard", "menu"}
    | {"CLIENT_ID", "botToken"}  # an update carries the bot's secret as a send does
)


def _edit_path(path: str) -> bool:
    """True when a validator path points at what an edit sends too (content, bot secret)."""
    head, _, rest = path.partition(".")
    if head == "fields":
        head = rest.partition(".")[0]
    return head.split("[", 1)[0] in _EDIT_KEYS


def _update_request(
    target: EditTarget, rendered: Rendered, options: SendOptions, profile: Profile | None
) -> tuple[str, dict[str, Any]]:
    """``(method, params)`` of the update that replaces ``target`` with ``rendered``.

    The params carry the real webhook bot secret; callers mask them before
    showing or storing them.
    """
    from b24notify.core import payload

    webhook = profile is not None and profile.auth_kind == "webhook"
    return payload.build_update_params(
        target.api,
        message_id=target.message_id or 0,
        bot_id=target.bot_id,
        rendered=rendered,
        url_preview=options.url_preview,
        client_id=profile.client_id if webhook and profile else None,
        bot_token=profile.bot_token if webhook and profile else None,
    )


def _update_method(api: ApiVersion) -> str:
    """The method that edits a sent message in an API version."""
    from b24notify.core import payload

    return payload.V2_UPDATE if api == "v2" else payload.V1_UPDATE


def _api(value: str) -> ApiVersion:
    """An API version read back from history."""
    return "v2" if value == "v2" else "v1"


def _message_id(result: Any) -> int | None:
    """v1 answers a bare id; v2 answers {"id": …, "uuidMap": …}."""
    if isinstance(result, bool):
        return None
    if isinstance(result, int):
        return result
    if isinstance(result, Mapping) and isinstance(result.get("id"), int):
        return int(result["id"])
    if isinstance(result, str) and result.isdigit():
        return int(result)
    return None


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values as JSON-friendly data for history (dates as ISO strings)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        elif isinstance(value, str | int | float | bool | list | dict) or value is None:
            out[key] = value
        else:
            out[key] = str(value)
    return out
