"""``recruitbot alerts dispatch|purge-expired|list|worker``: the job alerts from the command line."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from recruitbot.alerts.factory import build_alert_service
from recruitbot.alerts.model import Alert, DispatchReport
from recruitbot.alerts.service import AlertService
from recruitbot.cli import CommandError, add_now_option, positive
from recruitbot.settings import load_settings


def register(subparsers: Any) -> None:
    """Add the ``alerts`` command and its subcommands to the ``recruitbot`` parser."""
    alerts = subparsers.add_parser("alerts", help="send job alerts and look after their data")
    commands = alerts.add_subparsers(dest="alerts_command", metavar="COMMAND", required=True)

    dispatching = commands.add_parser("dispatch", help="match new vacancies to alerts and send what is due")
    add_now_option(dispatching)
    dispatching.set_defaults(handler=run_dispatch)

    purging = commands.add_parser(
        "purge-expired", help="remove unconfirmed sign-ups past their expiry; finish pending erasures"
    )
    add_now_option(purging)
    purging.set_defaults(handler=run_purge)

    listing = commands.add_parser("list", help="show the alerts of an email address")
    listing.add_argument("--email", required=True, metavar="ADDRESS", help="the person's email address")
    listing.set_defaults(handler=run_list)

    working = commands.add_parser("worker", help="dispatch and purge every few minutes until stopped")
    working.add_argument(
        "--interval-minutes", type=positive(float, "minutes"), default=5.0, metavar="N",
        help="minutes between runs (default 5)",
    )
    working.set_defaults(handler=run_worker)


def _service() -> AlertService:
    try:
        return build_alert_service(load_settings())
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def run_dispatch(args: argparse.Namespace) -> int:
    """Run one dispatch and print what it did."""
    report = _service().dispatch(now=args.now)
    _print_dispatch(report)
    return 0


def run_purge(args: argparse.Namespace) -> int:
    """Purge expired sign-ups and print how many went."""
    report = _service().purge_expired(now=args.now)
    print(
        f"purged {report.subscriptions} unconfirmed sign-ups and {report.people} people; "
        f"erased {report.conversations_erased} conversations after forget-me"
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the alerts of the person with an email address, or sent to it."""
    alerts = _service().alerts_for_address(args.email)
    if not alerts:
        print(f"no alerts for {args.email}")
    for alert in alerts:
        print(_alert_line(alert))
    return 0


def run_worker(args: argparse.Namespace) -> int:
    """Dispatch and purge every ``--interval-minutes`` until interrupted."""
    service = _service()
    stopped = threading.Event()
    while True:
        _print_dispatch(service.dispatch())
        service.purge_expired()
        sys.stdout.flush()
        if stopped.wait(args.interval_minutes * 60):
            return 0


def _print_dispatch(report: DispatchReport) -> None:
    print(
        f"scanned {report.scanned} new vacancies, {report.matched} matches; "
        f"sent {report.messages_sent} messages ({report.vacancies_sent} vacancies); "
        f"{report.messages_failed} failed, {report.vacancies_abandoned} given up, "
        f"{report.vacancies_skipped} closed before sending"
    )
    if report.in_doubt:
        print(
            f"warning: {report.in_doubt} deliveries were interrupted mid-send and may not have arrived; "
            "they are not sent again (see alert_deliveries rows with status 'sending')",
            file=sys.stderr,
        )


def _alert_line(alert: Alert) -> str:
    criteria = alert.criteria
    parts = [
        f"keyword={criteria.keyword!r}" if criteria.keyword else None,
        f"location={criteria.location!r}" if criteria.location else None,
        f"type={criteria.job_type}" if criteria.job_type else None,
        f"min_salary={criteria.min_salary}" if criteria.min_salary else None,
    ]
    what = " ".join(part for part in parts if part)
    return (
        f"{alert.id}  {alert.status.value:<8} {alert.frequency.value:<8} {alert.delivery:<9} {what}  "
        f"created {alert.created_at:%Y-%m-%d %H:%M}"
    )
