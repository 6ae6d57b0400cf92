"""Dispatch of the command line: parse, run one command, map errors to exit codes.

Exit codes: 0 success, 1 the work failed (validation, send error), 2 usage or
configuration error. Expected failures print one clear sentence to stderr,
never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

from b24notify.core.errors import B24NotifyError


def run(argv: list[str]) -> int:
    from b24notify.cli.parser import build_parser

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, or a usage error already printed by argparse
        return done.code if isinstance(done.code, int) else 2
    if args.version:
        from b24notify import __version__

        print(f"b24notify {__version__}")
        return 0
    command = args.command or "ui"
    try:
        return _dispatch(command, args)
    except B24NotifyError as err:
        _print_error(err)
        return err.exit_code
    except KeyboardInterrupt:
        print("b24notify: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _print_error(err: B24NotifyError) -> None:
    print(f"b24notify: {err}", file=sys.stderr)
    if err.detail:
        print(err.detail, file=sys.stderr)


def _dispatch(command: str, args: Any) -> int:
    from b24notify.cli import commands

    handler = getattr(commands, "cmd_" + command.replace("-", "_"))
    result: int = handler(args)
    return result
