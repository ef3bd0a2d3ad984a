"""The job alerts wired into the running bot: the web app serves the email links, imports dispatch, jobs tick.

Everything is real and offline: the settings from the environment, SQLite in a temporary var
directory, email as .eml files in its outbox, the web app of ``create_app``, and the feed
sync, seed and background jobs that ``python -m recruitbot.run`` starts.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlalchemy import create_engine, text

from recruitbot.alerts.factory import build_alert_service
from recruitbot.alerts.model import Frequency, Requester, Status
from recruitbot.alerts.service import AlertService
from recruitbot.alerts.worker import AlertJobs, TickReport
from recruitbot.db import shared_engine
from recruitbot.places import load_gazetteer
from recruitbot.run import StartupError, alert_jobs, feed_sync, seed_catalogue
from recruitbot.settings import Settings, load_settings
from recruitbot.vacancies.importer import ImportReport
from recruitbot.vacancies.model import SearchCriteria
from recruitbot.vacancies.schedule import FeedSync, sync_once
from recruitbot.web.app import create_app
from tests.alerts.helpers import CONSENT, WEB, import_vacancies, subscribe
from tests.channels.conftest import serving
from tests.vacancies.builders import record

ADDRESS = "jo.bloggs@example.com"
OTHER = "sam.smith@example.com"
PAYROLL_LEEDS = SearchCriteria(keyword="payroll", location="Leeds")
LINK = re.compile(r"https?://\S+")
# 05:00 in London (BST) on a Monday: before the 08:00 digest hour.
MORNING = datetime(2024, 6, 3, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """An offline installation in ``tmp_path``, configured only by its defaults (the link secret is generated)."""
    for name in ("SMTP_HOST", "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "RECRUITBOT_DATABASE_URL",
                 "RECRUITBOT_OUTBOX_DIR", "RECRUITBOT_TRACKER_STORE_URL", "RECRUITBOT_TRACKER_DB",
                 "RECRUITBOT_PUBLIC_URL", "RECRUITBOT_LINK_SECRET", "RECRUITBOT_FEED_URL", "WEB_PORT",
                 "RECRUITBOT_ALERTS_DISPATCH_SECONDS", "RECRUITBOT_ALERTS_PURGE_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECRUITBOT_VAR_DIR", str(tmp_path / "var"))
    return load_settings()


@dataclass
class Clock:
    """A monotonic clock the test moves by hand."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def outbox(settings: Settings) -> list[EmailMessage]:
    messages = []
    for path in sorted(settings.outbox_dir.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns):
        message = message_from_bytes(path.read_bytes(), policy=default_policy)
        assert isinstance(message, EmailMessage)
        messages.append(message)
    return messages


def alert_emails(settings: Settings, to: str = ADDRESS) -> list[EmailMessage]:
    """The alert emails (confirmations have no List-Unsubscribe) sent to ``to``."""
    return [mail for mail in outbox(settings) if mail["List-Unsubscribe"] and mail["To"] == to]


def plain_text(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def write_feed(path: Path, *records: dict[str, Any]) -> str:
    path.write_text(json.dumps(list(records)), encoding="utf-8")
    return str(path)


def fresh(vacancy_id: str, **fields: Any) -> dict[str, Any]:
    """A feed record posted recently (the feed sync imports at the real time)."""
    return record(vacancy_id, posted=(date.today() - timedelta(days=2)).isoformat(), **fields)


def statuses(service: AlertService, email: str = ADDRESS) -> list[Status]:
    return [alert.status for alert in service.alerts_for_address(email)]


def our_logs(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(entry.getMessage() for entry in caplog.records if entry.name.startswith("recruitbot"))


async def test_the_links_in_alert_emails_work_on_the_web_app(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async with serving(create_app(settings)) as site, aiohttp.ClientSession() as http:
        # The action server builds its service from the same environment, with WEB_PORT set by recruitbot.run:
        # RECRUITBOT_PUBLIC_URL defaults to the web app's own address.
        port = urlsplit(site).port
        monkeypatch.setenv("WEB_PORT", str(port))
        feed = write_feed(tmp_path / "feed.json", fresh("PAY1", title="Payroll Clerk"))
        monkeypatch.setenv("RECRUITBOT_FEED_URL", feed)
        configured = load_settings()
        assert configured.public_url == f"http://localhost:{port}"
        actions = build_alert_service(configured)

        signup = actions.start_signup(WEB, PAYROLL_LEEDS, Frequency.INSTANT, CONSENT, email=ADDRESS)
        [confirmation] = outbox(settings)
        [confirm_link] = [link for link in LINK.findall(plain_text(confirmation)) if "/alerts/confirm?" in link]
        assert confirm_link == signup.confirmation_link
        assert confirm_link.startswith(f"http://localhost:{port}/alerts/confirm?token=")

        async with http.get(confirm_link) as page:  # a mail scanner's GET changes nothing
            assert page.status == 200 and "<form" in await page.text()
        assert statuses(actions) == [Status.PENDING]
        async with http.post(confirm_link) as page:
            assert page.status == 200 and "Your job alert is on" in await page.text()
        assert statuses(actions) == [Status.ACTIVE]

        # The feed sync and the jobs of recruitbot.run: the import dispatches, with links to the web app.
        syncing = feed_sync(configured, alert_jobs(configured).after_import)
        assert syncing is not None and syncing.run_once()
        [mail] = alert_emails(settings)
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        one_click = re.findall(r"<([^>]+)>", mail["List-Unsubscribe"])[0]
        assert one_click.startswith(f"http://localhost:{port}/alerts/unsubscribe?token=")

        # RFC 8058: a mail provider POSTs to the header's URL, with no cookie and no login.
        async with http.post(one_click, data="List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}) as page:
            assert page.status == 200 and "You are unsubscribed" in await page.text()
        assert statuses(actions) == [Status.DELETED]

        async with http.get(f"{site}/alerts/confirm?token=bogus") as page:
            assert page.status == 400 and "This link does not work" in await page.text()


def test_each_feed_sync_sends_new_matching_vacancies_once(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    service = build_alert_service(settings)
    subscribe(service, PAYROLL_LEEDS, email=ADDRESS, now=datetime.now(timezone.utc) - timedelta(hours=1))
    feed = write_feed(tmp_path / "feed.json", fresh("PAY1", title="Payroll Clerk"), fresh("HR1", title="HR Adviser"))
    syncing = feed_sync(dataclasses.replace(settings, feed_url=feed), alert_jobs(settings).after_import)
    assert isinstance(syncing, FeedSync)

    assert syncing.run_once()
    [mail] = alert_emails(settings)
    assert "https://jobs.example/PAY1" in plain_text(mail) and "HR1" not in plain_text(mail)

    assert syncing.run_once()  # the same feed again: nothing new, nothing sent
    assert len(alert_emails(settings)) == 1
    assert ADDRESS not in our_logs(caplog)


def test_the_first_start_seed_dispatches_too(settings: Settings) -> None:
    service = build_alert_service(settings)
    # The sample feed has office administrators in Leeds.
    subscribe(service, SearchCriteria(keyword="administrator", location="Leeds"), email=ADDRESS,
              now=datetime.now(timezone.utc) - timedelta(hours=1))
    jobs = alert_jobs(settings)

    seeded = seed_catalogue(settings, jobs.after_import)
    assert seeded is not None and seeded.created > 0
    assert len(alert_emails(settings)) == 1
    assert seed_catalogue(settings, jobs.after_import) is None  # not empty any more: no seed, no dispatch
    assert len(alert_emails(settings)) == 1


def test_a_failing_dispatch_breaks_neither_the_import_nor_the_schedule(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    engine = shared_engine(settings.database_url)
    jobs = alert_jobs(settings)
    with engine.begin() as connection:  # the ledger gone: every dispatch now raises a database error
        connection.execute(text("DROP TABLE alert_deliveries"))
    feed = write_feed(tmp_path / "feed.json", fresh("PAY1", title="Payroll Clerk"))

    assert sync_once(engine, load_gazetteer(), feed, after_import=jobs.after_import) is True
    assert "alert dispatch after import failed (OperationalError)" in our_logs(caplog)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM vacancies")).scalar_one() == 1

    # A hook that raises is logged by the feed sync too, and its loop goes on to the next sync.
    calls: list[ImportReport] = []
    again = threading.Event()

    def hook(report: ImportReport) -> None:
        calls.append(report)
        if len(calls) == 1:
            raise RuntimeError(f"cannot reach {ADDRESS}")
        again.set()

    syncing = FeedSync(engine, load_gazetteer(), feed, interval_s=0, after_import=hook)
    syncing.start()
    try:
        assert again.wait(timeout=30)
    finally:
        syncing.stop()
    assert "matching new vacancies failed (RuntimeError)" in our_logs(caplog)
    assert ADDRESS not in our_logs(caplog)


def test_a_tick_dispatches_what_is_due_and_purges_what_expired(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    service = build_alert_service(settings)
    engine = shared_engine(settings.database_url)
    clock = Clock()
    jobs = AlertJobs(service, dispatch_every_s=60, purge_every_s=600, monotonic=clock)

    subscribe(service, PAYROLL_LEEDS, email=ADDRESS, frequency=Frequency.DAILY, now=MORNING - timedelta(hours=1))
    never_confirmed = service.start_signup(Requester("socketio", "web-session-2"), PAYROLL_LEEDS, Frequency.INSTANT,
                                           CONSENT, email=OTHER, now=MORNING - timedelta(hours=49))
    assert never_confirmed.alert is not None
    # "Forget me" erases the chat at once, and again after the turn that Rasa saves afterwards.
    forgetful = Requester("socketio", "web-session-3")
    tracker = create_engine(settings.tracker_store_url, future=True)
    with tracker.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT)"))
    service.forget_me(forgetful, now=MORNING)
    with tracker.begin() as connection:
        connection.execute(text("INSERT INTO events (sender_id) VALUES ('web-session-3')"))
    payroll = record("PAY1", title="Payroll Clerk")
    import_vacancies(engine, load_gazetteer(), [payroll], now=MORNING + timedelta(hours=1))

    first = jobs.tick(now=MORNING + timedelta(hours=1, minutes=1))  # 06:01 in London: matched, the digest waits
    assert first.dispatch is not None and (first.dispatch.matched, first.dispatch.messages_sent) == (1, 0)
    assert first.purge is not None
    assert (first.purge.subscriptions, first.purge.conversations_erased) == (1, 1)
    assert service.alerts_for_address(OTHER) == []
    with tracker.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar_one() == 0
    assert jobs.seconds_to_next() == 60

    clock.now += 30
    assert jobs.tick(now=MORNING + timedelta(hours=3)) == TickReport()  # nothing due yet

    clock.now += 30
    digest = jobs.tick(now=MORNING + timedelta(hours=3, minutes=10))  # 08:10 in London: the digest goes
    assert digest.dispatch is not None and digest.dispatch.messages_sent == 1 and digest.purge is None
    [mail] = alert_emails(settings)
    assert mail["Subject"].startswith("Your daily job alert")

    clock.now += 600
    later = jobs.tick(now=MORNING + timedelta(hours=4))
    assert later.dispatch is not None and later.purge is not None
    assert later.dispatch.messages_sent == 0 and len(alert_emails(settings)) == 1

    logged = our_logs(caplog)
    assert "alert periodic dispatch: 1 new vacancies" in logged and "alert purge: removed 1" in logged
    assert ADDRESS not in logged and OTHER not in logged


def test_a_failing_job_is_logged_by_its_class_and_runs_again_next_turn(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock()
    jobs = AlertJobs(build_alert_service(settings), dispatch_every_s=60, purge_every_s=600, monotonic=clock)
    with shared_engine(settings.database_url).begin() as connection:
        connection.execute(text("DROP TABLE alert_deliveries"))

    assert jobs.tick() == TickReport()
    assert "alert dispatch failed (OperationalError)" in our_logs(caplog)
    assert "alert purge failed (OperationalError)" in our_logs(caplog)
    assert jobs.seconds_to_next() == 60  # not a busy loop: the next try is at the next turn


def test_the_jobs_thread_runs_and_stops_cleanly(settings: Settings) -> None:
    jobs = alert_jobs(settings)
    jobs.start()
    jobs.stop()
    assert "alert-jobs" not in [thread.name for thread in threading.enumerate()]
    jobs.stop()  # stopping twice is harmless


def test_job_intervals_come_from_the_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (settings.alerts_dispatch_seconds, settings.alerts_purge_minutes) == (60, 10)
    monkeypatch.setenv("RECRUITBOT_ALERTS_DISPATCH_SECONDS", "15")
    monkeypatch.setenv("RECRUITBOT_ALERTS_PURGE_MINUTES", "2")
    configured = load_settings()
    assert (configured.alerts_dispatch_seconds, configured.alerts_purge_minutes) == (15, 2)
    jobs = alert_jobs(configured)
    jobs.tick()
    assert 0 < jobs.seconds_to_next() <= 15

    monkeypatch.setenv("RECRUITBOT_ALERTS_DISPATCH_SECONDS", "0")
    with pytest.raises(StartupError, match="RECRUITBOT_ALERTS_DISPATCH_SECONDS"):
        alert_jobs(load_settings())
