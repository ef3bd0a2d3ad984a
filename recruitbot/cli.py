"""The ``recruitbot`` command for operators.

Each feature module listed in ``FEATURE_MODULES`` adds its own subcommands through a
``register(subparsers)`` function, and gives each one a ``handler(args) -> int`` default.
A handler raises :class:`CommandError` for anything the operator can fix: it is printed as
one line on stderr with exit status 1 (argparse uses 2 for a malformed command line).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import TypeVar

from sqlalchemy.exc import OperationalError

FEATURE_MODULES = ("recruitbot.vacancies.cli", "recruitbot.alerts.cli", "recruitbot.retention_cli")

log = logging.getLogger("recruitbot.cli")

_Number = TypeVar("_Number", int, float)


class CommandError(Exception):
    """A problem the operator caused or can fix; shown without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every feature's subcommands registered."""
    parser = argparse.ArgumentParser(prog="recruitbot", description="11 Recruitment assistant tools.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens in detail")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in FEATURE_MODULES:
        importlib.import_module(module).register(subparsers)
    return parser


def add_now_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--now ISO``, the time a command acts at (the current time by default)."""
    parser.add_argument(
        "--now",
        type=iso_time,
        metavar="ISO",
        help="act as if it were this time, e.g. 2024-06-01T09:00+01:00 (no offset means UTC)",
    )


def iso_time(text: str) -> datetime:
    """An ISO 8601 date-time from the command line, in UTC when it gives no offset."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date-time such as 2024-06-01T09:00+01:00") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def positive(convert: Callable[[str], _Number], unit: str) -> Callable[[str], _Number]:
    """An argparse type for a positive number of ``unit``, read by ``convert`` (``int`` or ``float``)."""

    def parse(text: str) -> _Number:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of {unit}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of {unit}")
        return value

    return parse


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args))
    except CommandError as exc:
        print(f"recruitbot: error: {exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        log.debug("database failure", exc_info=True)
        print(f"recruitbot: error: cannot use the database: {exc.orig}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("recruitbot: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy: feature modules raise the
    # CommandError of ``recruitbot.cli``, which this copy's class would not catch.
    from recruitbot.cli import main as recruitbot_main

    sys.exit(recruitbot_main())
