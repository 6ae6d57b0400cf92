"""Command-line options of ``b24notify sandbox``: every setting of ``SandboxConfig``.

``add_arguments(parser)`` declares them (defaults from ``SandboxConfig``);
``config_from_args(args)`` turns the parsed namespace into a checked config,
raising ``UsageError`` with one sentence for a bad combination.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from b24notify.core.errors import UsageError
from b24notify.sandbox.config import Faults, SandboxBot, SandboxConfig

_DEFAULT = SandboxConfig()
_FAULTS = Faults()
_BOT = _DEFAULT.bots[0]


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a rate between 0 and 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text} is not a non-negative number of seconds")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is below 1")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port between 0 and 65535")
    return value


def _bot(text: str) -> SandboxBot:
    parts = text.split(":")
    if len(parts) < 2 or len(parts) > 5 or not parts[0].isdigit() or int(parts[0]) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not ID:CODE[:CLIENT_ID[:BOT_TOKEN[:NAME]]] with a positive ID"
        )
    bot_id, code = int(parts[0]), parts[1]
    client_id = parts[2] if len(parts) > 2 else _BOT.client_id
    token = parts[3] if len(parts) > 3 else _BOT.bot_token
    name = parts[4] if len(parts) > 4 else code
    return SandboxBot(bot_id, name, code, client_id=client_id, bot_token=token)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare every sandbox option on ``parser``."""
    net = parser.add_argument_group("address and webhook")
    net.add_argument("--host", default=_DEFAULT.host, help="interface to listen on (loopback)")
    net.add_argument("--port", type=_port, default=_DEFAULT.port, help="port; 0 picks a free one")
    net.add_argument(
        "--webhook-user",
        type=_positive_int,
        default=_DEFAULT.webhook_user,
        help="user id in the webhook URL",
    )
    net.add_argument("--code", default=_DEFAULT.webhook_code, help="webhook code (the secret)")
    bots = parser.add_argument_group("bot")
    bots.add_argument("--bot-id", type=_positive_int, default=_BOT.id)
    bots.add_argument("--bot-name", default=_BOT.name)
    bots.add_argument("--bot-code", default=_BOT.code)
    bots.add_argument("--client-id", default=_BOT.client_id, help="the bot's v1 CLIENT_ID")
    bots.add_argument("--bot-token", default=_BOT.bot_token, help="the bot's v2 botToken")
    bots.add_argument(
        "--add-bot",
        type=_bot,
        action="append",
        default=[],
        metavar="SPEC",
        help="another bot: ID:CODE[:CLIENT_ID[:BOT_TOKEN[:NAME]]] (repeatable)",
    )
    oauth = parser.add_argument_group("OAuth")
    oauth.add_argument("--oauth-client-id", default=_DEFAULT.oauth_client_id)
    oauth.add_argument("--oauth-client-secret", default=_DEFAULT.oauth_client_secret)
    oauth.add_argument(
        "--token-ttl",
        type=_seconds,
        default=_DEFAULT.access_token_ttl,
        help="access token lifetime in seconds",
    )
    limits = parser.add_argument_group("limits")
    limits.add_argument(
        "--drain",
        type=_seconds,
        default=_DEFAULT.drain,
        help="leaky bucket drain, requests per second",
    )
    limits.add_argument(
        "--burst",
        type=_positive_int,
        default=_DEFAULT.burst,
        help="leaky bucket size: requests before QUERY_LIMIT_EXCEEDED",
    )
    limits.add_argument(
        "--operating-budget",
        type=_seconds,
        default=_DEFAULT.operating_budget,
        help="seconds per method per 10 minutes before OPERATION_TIME_LIMIT",
    )
    limits.add_argument(
        "--operating-cost",
        type=_seconds,
        default=_DEFAULT.operating_cost,
        help="simulated seconds each call costs",
    )
    faults = parser.add_argument_group("faults (rates between 0 and 1 per request)")
    faults.add_argument(
        "--latency",
        type=_seconds,
        default=_FAULTS.latency,
        help="seconds added before every answer",
    )
    for name in ("error-500", "html", "drop", "lost-answer", "error-503", "timeout"):
        faults.add_argument(f"--{name}", type=_rate, default=0.0, metavar="RATE")
    faults.add_argument(
        "--hang-seconds",
        type=_seconds,
        default=_FAULTS.hang_seconds,
        help="how long a 'timeout' fault hangs before cutting the connection",
    )
    faults.add_argument("--seed", type=int, default=None, help="seed for repeatable faults")
    parser.add_argument(
        "--exit-with",
        type=_positive_int,
        default=None,
        metavar="PID",
        help="stop when process PID ends (a sandbox started for an app goes with it)",
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        default=None,
        help="SQLite file that keeps messages and tokens across restarts",
    )


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """The ``SandboxConfig`` the parsed options describe (UsageError when inconsistent)."""
    bot = SandboxBot(
        args.bot_id,
        args.bot_name,
        args.bot_code,
        client_id=args.client_id,
        bot_token=args.bot_token,
    )
    faults = Faults(
        latency=args.latency,
        error_500=args.error_500,
        html=args.html,
        drop=args.drop,
        lost_answer=args.lost_answer,
        error_503=args.error_503,
        timeout=args.timeout,
        hang_seconds=args.hang_seconds,
        seed=args.seed,
    )
    config = SandboxConfig(
        host=args.host,
        port=args.port,
        webhook_user=args.webhook_user,
        webhook_code=args.code,
        bots=[bot, *args.add_bot],
        drain=args.drain,
        burst=args.burst,
        operating_budget=args.operating_budget,
        operating_cost=args.operating_cost,
        oauth_client_id=args.oauth_client_id,
        oauth_client_secret=args.oauth_client_secret,
        access_token_ttl=args.token_ttl,
        faults=faults,
        state_file=args.state_file,
    )
    try:
        return config.checked()
    except ValueError as err:
        raise UsageError(f"Sandbox options: {err}") from None
