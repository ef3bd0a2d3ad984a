"""``recruitbot conversations purge-idle``: conversation retention from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from recruitbot.cli import CommandError, add_now_option, positive
from recruitbot.retention import ConversationRetention
from recruitbot.settings import load_settings


def register(subparsers: Any) -> None:
    """Add the ``conversations`` command and its subcommand to the ``recruitbot`` parser."""
    conversations = subparsers.add_parser("conversations", help="look after the stored chat conversations")
    commands = conversations.add_subparsers(dest="conversations_command", metavar="COMMAND", required=True)
    purging = commands.add_parser(
        "purge-idle", help="delete the conversations idle for longer than the retention period"
    )
    purging.add_argument(
        "--days",
        type=positive(int, "days"),
        metavar="N",
        help="delete those idle for over N days (default: RECRUITBOT_RETENTION_DAYS, 90)",
    )
    add_now_option(purging)
    purging.set_defaults(handler=run_purge_idle)


def run_purge_idle(args: argparse.Namespace) -> int:
    """Delete the idle conversations and print how many went."""
    try:
        retention = ConversationRetention.from_settings(load_settings(), days=args.days)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    cutoff = retention.cutoff(args.now)
    if cutoff is None:
        print("retention is off (RECRUITBOT_RETENTION_DAYS=0): no conversation deleted")
        return 0
    try:
        erased = retention.purge(args.now)
    except ConnectionError as exc:  # the running Rasa server erases SQLite conversations (connectors/erasure.py)
        raise CommandError(f"no conversation deleted: {exc}") from exc
    print(f"deleted {erased} conversations with no message since {cutoff:%Y-%m-%d %H:%M %Z}")
    return 0
