"""The argparse definition of every b24notify command (no imports of the core)."""

from __future__ import annotations

import argparse

FORMATS = ("json", "curl", "js", "php", "python")


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors exit 2 with one clear line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message}\n(see `{self.prog} --help`)\n")


def _row_numbers(text: str) -> tuple[int, ...]:
    """Row numbers as given on the command line: ``3,7,12``."""
    try:
        rows = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of row numbers like 3,7,12"
        ) from None
    if not rows or min(rows) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of row numbers like 3,7,12")
    return rows


def _draft_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("template", help="template name, e.g. incident/opened (see `templates list`)")
    p.add_argument(
        "--var",
        "-v",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a variable value (repeatable); dates also take tomorrow 10:00, fri, +2h",
    )
    p.add_argument("--vars", metavar="FILE", help="variable values from a JSON or TOML file")
    p.add_argument("--samples", action="store_true", help="start from the template's sample values")
    p.add_argument("--to", metavar="DIALOG", help="receiver: a user id (42) or a chat (chat123)")
    p.add_argument("--bot", type=int, metavar="BOT_ID", help="the bot that sends")
    p.add_argument("--api", choices=("v1", "v2"), help="API version (default: the profile's)")
    p.add_argument("--profile", "-p", help="profile name from the config (default: the default)")
    p.add_argument("--system", action="store_true", default=None, help="send as a system message")
    p.add_argument(
        "--no-url-preview",
        dest="url_preview",
        action="store_false",
        default=None,
        help="do not turn links into rich previews",
    )
    p.add_argument(
        "--skip-connector",
        action="store_true",
        default=None,
        help="do not forward to Open Channel connectors",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="b24notify",
        description="Send Bitrix24 chat-bot messages from reusable templates.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--profile", "-p", dest="ui_profile", help="profile for the UI")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    sub.add_parser("ui", help="open the terminal UI (the default)")

    demo = sub.add_parser(
        "demo", help="start a sandbox portal and open the UI on it (throwaway history)"
    )
    demo.add_argument("--port", type=int, default=0, help="sandbox port (default: a free one)")

    sandbox = sub.add_parser("sandbox", help="serve the sandbox portal on loopback")
    from b24notify.sandbox.cli import add_arguments

    add_arguments(sandbox)

    render = sub.add_parser("render", help="print the exact request a template makes")
    _draft_args(render)
    render.add_argument("--format", "-f", choices=FORMATS, default="json")

    validate = sub.add_parser("validate", help="validate raw method params (JSON) like the portal")
    validate.add_argument("file", help="JSON file with the params ('-' for standard input)")
    validate.add_argument("--api", choices=("v1", "v2"), help="default: guessed from the keys")
    validate.add_argument(
        "--auth", choices=("webhook", "oauth"), help="check the auth-specific secrets too"
    )

    send = sub.add_parser("send", help="render, validate, send and record a message")
    _draft_args(send)
    send.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    send.add_argument(
        "--dry-run", action="store_true", help="show what would be sent; send nothing"
    )

    bulk = sub.add_parser("bulk", help="send one template to many dialogs from a CSV/JSONL file")
    bulk.add_argument("template", nargs="?", help="template name (not needed with --resume)")
    bulk.add_argument(
        "data", nargs="?", help="CSV or JSONL file, one row per message (not needed with --resume)"
    )
    bulk.add_argument("--to-column", default="dialog_id", help="the column holding the dialog")
    bulk.add_argument("--send", action="store_true", help="really send (default: dry run)")
    bulk.add_argument("--resume", metavar="RUN", help="resume a run: skip rows already sent")
    bulk.add_argument(
        "--resend-unknown",
        metavar="ROWS",
        type=_row_numbers,
        default=(),
        help="with --resume: also send these unknown rows (e.g. 3,7,12) after checking the chats",
    )
    bulk.add_argument("--limit", type=int, help="only the first N rows")
    bulk.add_argument("--profile", "-p")
    bulk.add_argument("--api", choices=("v1", "v2"))
    bulk.add_argument("--report", metavar="FILE", help="write failed rows to this CSV")
    bulk.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    history = sub.add_parser("history", help="list and search the send history")
    history.add_argument("--search", "-s", metavar="TEXT")
    history.add_argument("--status", choices=("pending", "sent", "failed", "unknown"))
    history.add_argument("--template", "-t")
    history.add_argument("--dialog")
    history.add_argument("--run", dest="run_id")
    history.add_argument(
        "--since",
        metavar="WHEN",
        help="sends from this day or time on: 2025-03-01, yesterday, --since=-2h",
    )
    history.add_argument(
        "--until",
        metavar="WHEN",
        help="sends through this day, or before this time: 2025-03-31, today, --until=-1h",
    )
    history.add_argument("--limit", "-n", type=int, default=20)
    history.add_argument("--json", action="store_true", help="one JSON object per line")

    templates = sub.add_parser("templates", help="list or check the templates")
    templates.add_argument("action", nargs="?", choices=("list", "check"), default="list")
    templates.add_argument("names", nargs="*", help="only these templates (check)")

    sub.add_parser("locate", help="print the config, templates and history paths")
    return parser
