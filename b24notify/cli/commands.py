"""One function per command; each builds what it needs and calls core.service."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b24notify.core.errors import B24NotifyError, TemplateError, UsageError, ValidationFailed
from b24notify.core.models import ApiVersion, Draft

if TYPE_CHECKING:
    from b24notify.core.service import Service


def _service() -> Service:
    from b24notify.core.config import load_config
    from b24notify.core.service import Service

    config = load_config()
    for warning in config.warnings:
        print(f"b24notify: warning: {warning}", file=sys.stderr)
    return Service(config, token_store=_token_store())


def _token_store() -> Any:
    from b24notify.core.config import TokenStore

    return TokenStore()


# ---- drafts from the command line ---------------------------------------------


def _parse_var(item: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"--var {item!r}: expected NAME=VALUE.")
    return name.strip(), value


def _vars_file(path: str) -> dict[str, Any]:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"--vars {path}: cannot read the file ({err.strerror}).") from None
    try:
        if file.suffix.lower() == ".toml":
            import tomllib

            data: Any = tomllib.loads(text)
        else:
            data = json.loads(text)
    except ValueError as err:
        raise UsageError(f"--vars {path}: not valid {file.suffix[1:] or 'JSON'} ({err}).") from None
    if not isinstance(data, dict):
        raise UsageError(f"--vars {path}: expected an object of NAME = VALUE pairs.")
    return data


def _draft(service: Service, args: Any) -> Draft:
    draft = service.draft_for(args.template, samples=args.samples)
    if args.vars:
        draft.values.update(_vars_file(args.vars))
    for item in args.var:
        name, value = _parse_var(item)
        draft.values[name] = value
    service.fix_moments(draft)  # "tomorrow 10:00" is the moment it names now
    opts = draft.options
    if args.to is not None:
        opts.dialog_id = args.to
    if args.bot is not None:
        opts.bot_id = args.bot
    if args.system is not None:
        opts.system = args.system
    if args.url_preview is not None:
        opts.url_preview = args.url_preview
    if args.skip_connector is not None:
        opts.skip_connector = args.skip_connector
    return draft


def _profile(service: Service, name: str | None) -> Any:
    """The profile, or None when rendering without any configured profile."""
    if name is not None or service.config.profiles:
        return service.profile(name)
    return None


def _print_problems(problems: Any) -> None:
    for p in problems:
        print(f"{p.code} {p.path}: {p.message}" + ("" if p.severity == "error" else " (warning)"))


# ---- commands -------------------------------------------------------------------


def cmd_ui(args: Any) -> int:
    from b24notify.tui.app import B24NotifyApp

    service = _service()
    app = B24NotifyApp(service, profile_name=args.ui_profile, recover=True, offer_first_run=True)
    app.run()
    return int(app.return_code or 0)


def cmd_demo(args: Any) -> int:
    from b24notify.cli.demo import run_demo

    return run_demo(port=args.port)


def cmd_sandbox(args: Any) -> int:
    from b24notify.sandbox.cli import config_from_args
    from b24notify.sandbox.runner import serve

    until = None
    if getattr(args, "exit_with", None):
        from b24notify.sandbox.child import watch_parent

        until = watch_parent(args.exit_with)
    # Flushed line by line: to a log file stdout is block-buffered, and a portal
    # stopped with SIGTERM (by the app that started it) never flushes it.
    serve(config_from_args(args), until=until, announce=lambda line: print(line, flush=True))
    return 0


def _in_file(service: Service, err: B24NotifyError) -> B24NotifyError:
    """``err`` naming the file line when it sits in a body part of a template file.

    Rendering counts lines within a part ("attach line 3"); a user fixes the
    file, so the message leads with its line: "team/alert.toml line 14
    (attach line 3): …". Other errors (a partial, the file itself) pass through.
    """
    from b24notify.core.template_lines import value_line
    from b24notify.core.template_schema import PARTS

    if not isinstance(err, TemplateError) or err.part not in PARTS:
        return err
    try:
        template = service.template(err.template)
    except B24NotifyError:
        return err
    line = value_line(template.source_text, ("body", err.part), err.line or 1)
    if line is None:
        return err
    within = f"{err.part} line {err.line}" if err.line else err.part
    located = TemplateError(
        err.reason, template=err.template, part=err.part, line=err.line, detail=err.detail
    )
    located.message = f"{template.name}.toml line {line} ({within}): {err.reason}"
    located.args = (located.message,)
    return located


def cmd_render(args: Any) -> int:
    service = _service()
    profile = _profile(service, args.profile)
    try:
        preview = service.preview(_draft(service, args), profile=profile, api=args.api)
        if preview.error is not None:
            raise preview.error
    except TemplateError as err:
        raise _in_file(service, err) from None
    if preview.field_errors:
        from b24notify.core.errors import FieldErrors

        raise FieldErrors(preview.field_errors, template=args.template)
    for p in preview.problems:
        if p.severity == "warning":
            print(f"b24notify: warning: {p}", file=sys.stderr)
    if args.format == "json":
        print(
            json.dumps(
                {"method": preview.method, "params": preview.params}, ensure_ascii=False, indent=2
            )
        )
    else:
        print(service.export(preview, args.format, profile=profile))
    errors = [p for p in preview.problems if p.severity == "error"]
    if errors:
        raise ValidationFailed(errors)
    return 0


def cmd_validate(args: Any) -> int:
    from b24notify.core import payload

    if args.file == "-":
        text = sys.stdin.read()
        where = "standard input"
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except OSError as err:
            raise UsageError(f"{args.file}: cannot read the file ({err.strerror}).") from None
        where = args.file
    try:
        params = json.loads(text)
    except ValueError as err:
        raise UsageError(f"{where}: not valid JSON ({err}).") from None
    if not isinstance(params, dict):
        raise UsageError(f"{where}: expected a JSON object of method params.")
    v2_keys = ("botId", "dialogId", "fields")
    api: ApiVersion = args.api or ("v2" if any(k in params for k in v2_keys) else "v1")
    problems = payload.validate_params(params, api, auth=args.auth)
    _print_problems(problems)
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    print(f"{api}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors else 0


def cmd_send(args: Any) -> int:
    service = _service()
    service.recover()
    profile = service.profile(args.profile)
    draft = _draft(service, args)
    preview = service.preview(draft, profile=profile, api=args.api)
    if preview.error is not None:
        raise preview.error
    if preview.field_errors:
        from b24notify.core.errors import FieldErrors

        raise FieldErrors(preview.field_errors, template=args.template)
    errors = [p for p in preview.problems if p.severity == "error"]
    if errors:
        raise ValidationFailed(preview.problems)
    for p in preview.problems:
        print(f"b24notify: warning: {p}", file=sys.stderr)
    target = draft.options.dialog_id or "(no dialog)"
    bot = draft.options.bot_id or profile.bot_id or "(default)"
    summary = f"Send {args.template!r} to {target} as bot {bot} via profile {profile.name!r}"
    summary += f" ({preview.api})"
    if args.dry_run:
        print(summary + " — dry run, nothing sent.")
        print(json.dumps(preview.params, ensure_ascii=False, indent=2))
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("Refusing to send without confirmation: pass --yes in scripts.")
        answer = input(summary + "? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("Not sent.")
            return 1

    async def go() -> Any:
        try:
            return await service.send(draft, profile=profile, api=args.api)
        finally:
            await service.aclose()

    outcome = asyncio.run(go())
    stream = sys.stdout if outcome.status == "sent" else sys.stderr
    print(outcome.describe(), file=stream)
    return 0 if outcome.status == "sent" else 1


def _bound(option: str, text: str | None) -> str | None:
    """A --since/--until value as the fixed day or time it names (relative entries resolved)."""
    if text is None:
        return None
    from datetime import datetime

    from b24notify.core import when

    try:
        return when.bound(text, datetime.now())
    except ValueError as err:
        raise UsageError(f"{option} {text!r}: {err}.") from None


def cmd_history(args: Any) -> int:
    since, until = _bound("--since", args.since), _bound("--until", args.until)
    service = _service()
    service.recover()
    records = service.search_history(
        text=args.search,
        status=args.status,
        template=args.template,
        dialog=args.dialog,
        run_id=args.run_id,
        since=since,
        until=until,
        limit=args.limit,
    )
    if args.json:
        from dataclasses import asdict

        for record in records:
            print(json.dumps(asdict(record), ensure_ascii=False, default=str))
        return 0
    if not records:
        print("No sends match.", file=sys.stderr)
        return 0
    print(f"{'ID':>6}  {'WHEN':19}  {'STATUS':8}  {'MSG ID':>8}  {'DIALOG':10}  TEMPLATE")
    for r in records:
        when = str(r.created_at)[:19].replace("T", " ")
        print(
            f"{r.id:>6}  {when:19}  {r.status:8}  {r.message_id or '':>8}  "
            f"{(r.dialog_id or ''):10}  {r.template or ''}"
            + (f"  [{r.error_code}]" if r.error_code else "")
        )
    return 0


def cmd_templates(args: Any) -> int:
    from b24notify.core.errors import TemplateNotFound

    service = _service()
    infos = service.templates()
    if args.action == "list":
        width = max((len(i.name) for i in infos), default=10)
        for info in infos:
            where = "shipped" if info.shipped else "user"
            about = f"broken: {info.error}" if info.error else info.title
            print(f"{info.name:{width}}  {where:7}  {about}")
        return 0
    names = args.names or [i.name for i in infos]
    failed = 0
    missing = 0
    for name in names:
        problems: list[str] = []
        warnings: list[str] = []
        try:
            _check_template(service, name, problems, warnings)
        except TemplateNotFound as err:
            missing += 1
            problems.append(str(err))
        except B24NotifyError as err:  # a broken file: say why, go on with the rest
            problems.append(str(_in_file(service, err)))
        if problems:
            failed += 1
            print(f"FAIL  {name}")
            for line in problems:
                print(f"      {line}")
        else:
            print(f"ok    {name}" + (f"  ({len(warnings)} warning(s))" if warnings else ""))
        for line in warnings:
            print(f"      warning: {line}")
    print(f"{len(names) - failed} ok, {failed} failed", file=sys.stderr)
    if missing:
        return UsageError.exit_code  # a name that is not a template is a usage error
    return 1 if failed else 0


def _check_template(service: Service, name: str, problems: list[str], warnings: list[str]) -> None:
    """Render ``name`` with its samples for both APIs; add what is wrong to the lists.

    Raises when the template can't be read at all (a broken file, a Jinja
    syntax error found while listing its variables, no such template).
    """
    apis: tuple[ApiVersion, ...] = ("v1", "v2")
    for api in apis:
        draft = service.draft_for(name, samples=True)
        # The check is about the template, not the receiver: stand in a
        # dialog and bot when the template's [send] table names none.
        draft.options.dialog_id = draft.options.dialog_id or "chat1"
        draft.options.bot_id = draft.options.bot_id or 1
        preview = service.preview(draft, api=api)
        tag = "" if api == "v1" else "v2: "
        if preview.error is not None:
            problems.append(str(_in_file(service, preview.error)))
            return
        problems += [f"{k}: {v}" for k, v in preview.field_errors.items()]
        problems += [tag + str(p) for p in preview.problems if p.severity == "error"]
        warnings += [tag + str(p) for p in preview.problems if p.severity == "warning"]


def cmd_locate(args: Any) -> int:
    from b24notify.core import paths
    from b24notify.core.config import load_config
    from b24notify.core.templates import default_search_path

    config = load_config()
    print(f"config     {paths.config_file()}")
    print(f"history    {paths.history_file()}")
    print(f"tokens     {_token_store().path}")
    for i, directory in enumerate(default_search_path(config.template_dirs)):
        label = "templates" if i == 0 else ""
        print(f"{label:10} {directory}")
    return 0


def cmd_bulk(args: Any) -> int:
    from b24notify.cli.bulk import run_bulk

    return run_bulk(args, _service())
