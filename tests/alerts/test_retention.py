"""Retention: conversations idle for longer than RECRUITBOT_RETENTION_DAYS go whole, live ones stay whole.

Conversations are written by Rasa's own tracker stores (SQL on a SQLite file or on PostgreSQL,
and Redis) with event times set by the test, then purged as the worker and the CLI purge them.
"""

# The fixtures imported below are named as parameters, which ruff reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from recruitbot.alerts.conversations import NoConversationStore
from recruitbot.alerts.factory import build_alert_service
from recruitbot.alerts.worker import AlertJobs
from recruitbot.cli import main
from recruitbot.retention import ConversationRetention
from recruitbot.run import StartupError, alert_jobs
from recruitbot.settings import load_settings
from tests.alerts.test_erasure import Tracking, redis_url, tracking  # noqa: F401

NOW = datetime(2024, 9, 1, 12, 0, tzinfo=timezone.utc)
DAYS = 90
CUTOFF = NOW - timedelta(days=DAYS)


async def converse(tracking: Tracking, sender_id: str, *times: datetime) -> None:
    """Save one turn of ``sender_id`` at each of ``times`` (a new session at the first), as Rasa saves them."""
    tracker = await tracking.rasa.retrieve_full_tracker(sender_id) or DialogueStateTracker(sender_id, slots=[])
    for moment in times:
        stamp = moment.timestamp()
        if not tracker.events:
            tracker.update(ActionExecuted("action_session_start", timestamp=stamp))
            tracker.update(SessionStarted(timestamp=stamp))
        tracker.update(UserUttered("any temp jobs in leeds?", {"name": "search_vacancies"}, timestamp=stamp))
        tracker.update(BotUttered("Here are three.", timestamp=stamp))
        await tracking.rasa.save(tracker)


async def events_of(tracking: Tracking, sender_id: str) -> int:
    tracker = await tracking.rasa.retrieve_full_tracker(sender_id)
    return len(tracker.events) if tracker is not None else 0


async def test_only_conversations_idle_since_before_the_cutoff_go_and_they_go_whole(tracking: Tracking) -> None:
    await converse(tracking, "idle", NOW - timedelta(days=200), NOW - timedelta(days=91))
    await converse(tracking, "recent", NOW - timedelta(days=1))
    await converse(tracking, "came-back",
                   NOW - timedelta(days=300), NOW - timedelta(days=120), NOW - timedelta(hours=2))
    await converse(tracking, "on-the-cutoff", CUTOFF)
    came_back = await events_of(tracking, "came-back")
    assert came_back == 8

    assert ConversationRetention(tracking.store, DAYS).purge(now=NOW) == 1

    assert await events_of(tracking, "idle") == 0
    assert await events_of(tracking, "recent") == 4
    assert await events_of(tracking, "came-back") == came_back
    assert await events_of(tracking, "on-the-cutoff") == 4
    assert ConversationRetention(tracking.store, DAYS).purge(now=NOW) == 0
    # A day later the conversation whose last turn was on the cutoff has been idle too long.
    assert ConversationRetention(tracking.store, DAYS).purge(now=NOW + timedelta(days=1)) == 1
    assert await events_of(tracking, "on-the-cutoff") == 0


async def test_more_idle_conversations_than_one_batch_all_go(tracking: Tracking) -> None:
    for number in range(520):  # more than the 500 sender ids deleted per statement
        await converse(tracking, f"visitor-{number}", NOW - timedelta(days=100))
    await converse(tracking, "recent", NOW - timedelta(days=2))

    assert ConversationRetention(tracking.store, DAYS).purge(now=NOW) == 520
    assert await events_of(tracking, "visitor-519") == 0 and await events_of(tracking, "recent") == 4


async def test_zero_days_keeps_every_conversation(tracking: Tracking) -> None:
    await converse(tracking, "ancient", NOW - timedelta(days=5000))
    retention = ConversationRetention(tracking.store, 0)
    assert retention.cutoff(NOW) is None
    assert retention.purge(now=NOW) == 0
    assert await events_of(tracking, "ancient") == 4


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="RECRUITBOT_RETENTION_DAYS must be 0"):
        ConversationRetention(NoConversationStore(), -1)


@pytest.fixture
def tracker_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite tracker store file named by the settings of an otherwise default installation in ``tmp_path``."""
    for name in ("RECRUITBOT_TRACKER_STORE_URL", "RECRUITBOT_RETENTION_DAYS", "RECRUITBOT_DATABASE_URL",
                 "SMTP_HOST", "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECRUITBOT_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RECRUITBOT_TRACKER_DB", str(tmp_path / "tracker.db"))
    return tmp_path / "tracker.db"


def sqlite_tracking(path: Path) -> Tracking:
    return Tracking(SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path)), NoConversationStore())


async def test_the_periodic_purge_applies_the_configured_retention(
    tracker_file: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    written = sqlite_tracking(tracker_file)
    await converse(written, "idle-sender-7", NOW - timedelta(days=31))
    await converse(written, "recent-sender-8", NOW - timedelta(days=29))
    monkeypatch.setenv("RECRUITBOT_RETENTION_DAYS", "30")
    settings = load_settings()
    assert settings.retention_days == 30

    report = AlertJobs.from_settings(build_alert_service(settings), settings).tick(now=NOW)

    assert report.conversations_expired == 1
    assert await events_of(written, "idle-sender-7") == 0 and await events_of(written, "recent-sender-8") == 4
    assert "retention: deleted 1 conversations idle for over 30 days" in caplog.text
    assert "sender-" not in caplog.text and "leeds" not in caplog.text.lower()


def test_retention_is_90_days_unless_configured(tracker_file: Path) -> None:
    assert load_settings().retention_days == 90


@pytest.mark.parametrize("value", ["-3", "ninety"])
def test_a_bad_retention_stops_the_start_up(tracker_file: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("RECRUITBOT_RETENTION_DAYS", value)
    with pytest.raises((StartupError, ValueError), match="RECRUITBOT_RETENTION_DAYS"):
        alert_jobs(load_settings())


async def test_the_cli_purges_on_demand(tracker_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    written = sqlite_tracking(tracker_file)
    await converse(written, "idle", NOW - timedelta(days=95))
    await converse(written, "fortnight", NOW - timedelta(days=14))

    assert main(["conversations", "purge-idle", "--now", "2024-09-01T12:00"]) == 0
    assert capsys.readouterr().out == "deleted 1 conversations with no message since 2024-06-03 12:00 UTC\n"
    assert await events_of(written, "idle") == 0

    assert main(["conversations", "purge-idle", "--days", "7", "--now", "2024-09-01T12:00Z"]) == 0
    assert capsys.readouterr().out.startswith("deleted 1 conversations")
    assert await events_of(written, "fortnight") == 0


def test_the_cli_says_when_retention_is_off(tracker_file: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RECRUITBOT_RETENTION_DAYS", "0")
    assert main(["conversations", "purge-idle"]) == 0
    assert "retention is off" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "environment", "status", "message"),
    [
        (["--days", "0"], "", 2, "'0' is not a positive number of days"),
        (["--days", "three"], "", 2, "'three' is not a number of days"),
        (["--now", "yesterday"], "", 2, "'yesterday' is not an ISO date-time"),
        ([], "-5", 1, "RECRUITBOT_RETENTION_DAYS must be 0 (keep forever) or more, not -5"),
        ([], "ninety", 1, "RECRUITBOT_RETENTION_DAYS must be a whole number, not 'ninety'"),
    ],
)
def test_the_cli_explains_bad_input(
    tracker_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    argv: list[str], environment: str, status: int, message: str,
) -> None:
    if environment:
        monkeypatch.setenv("RECRUITBOT_RETENTION_DAYS", environment)
    if status == 2:
        with pytest.raises(SystemExit) as exited:
            main(["conversations", "purge-idle", *argv])
        assert exited.value.code == status
    else:
        assert main(["conversations", "purge-idle", *argv]) == status
    assert message in capsys.readouterr().err
