"""Builders and fakes for the job-alert tests (importable outside pytest, by the crash test's child process)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from recruitbot.alerts.conversations import ConversationStore
from recruitbot.alerts.model import ConsentWording, Frequency, Requester
from recruitbot.alerts.notify import AlertMessage, ChannelNotifier, ConfirmationMessage, Notifier
from recruitbot.alerts.policy import AlertPolicy
from recruitbot.alerts.service import AlertService
from recruitbot.alerts.tokens import Links, LinkSigner
from recruitbot.places import Gazetteer
from recruitbot.vacancies.feeds import parse_feed
from recruitbot.vacancies.importer import ImportReport, sync_feed
from recruitbot.vacancies.model import SearchCriteria

ROOT = Path(__file__).resolve().parents[2]
PLACES_CSV = ROOT / "tests" / "vacancies" / "data" / "places.csv"
SECRET = "test-link-secret-" + "x" * 32
PUBLIC_URL = "https://jobs.11recruitment.example"
UNSUBSCRIBE_MAILBOX = "unsubscribe@11recruitment.example"
CONSENT = ConsentWording("alerts-v1", "We'll send you new jobs that match, as often as you choose. Say stop any time.")
# A Monday morning: 10:00 in London, after the digest hour.
T0 = datetime(2024, 6, 3, 9, 0, tzinfo=timezone.utc)

WEB = Requester("socketio", "web-session-1")
TELEGRAM = Requester("telegram", "424242")
SLACK = Requester("slack", "U0TESTUSER")


def at(minutes: float) -> datetime:
    """``minutes`` after T0."""
    return T0 + timedelta(minutes=minutes)


def import_vacancies(
    engine: Engine, gazetteer: Gazetteer, records: list[dict[str, Any]], now: datetime
) -> ImportReport:
    """Add ``records`` to the catalogue as first seen at ``now`` (a partial feed: nothing closes)."""
    feed = parse_feed(json.dumps(records))
    return sync_feed(engine, gazetteer, feed, source="test-feed.json", partial=True, now=now)


@dataclass
class FakeChat:
    """Stands in for a connector's send function; ``failures`` makes the next sends raise."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    failures: int = 0

    def __call__(self, user_id: str, text: str, buttons: list[dict[str, Any]], cards: list[dict[str, Any]]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("chat API unavailable")
        self.sent.append({"user_id": user_id, "text": text, "buttons": buttons, "cards": cards})


@dataclass
class RecordingNotifier:
    """A notifier that keeps what it was asked to send (and can fail on request)."""

    sent: list[AlertMessage] = field(default_factory=list)
    confirmations: list[ConfirmationMessage] = field(default_factory=list)
    failures: int = 0

    def send(self, message: AlertMessage) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("mail server unavailable")
        self.sent.append(message)

    def send_confirmation(self, message: ConfirmationMessage) -> None:
        self.confirmations.append(message)

    def vacancy_ids(self, recipient: str | None = None) -> list[str]:
        return [v.id for m in self.sent if recipient in (None, m.recipient) for v in m.vacancies]


@dataclass
class FakeConversations:
    """A tracker store that records what it was asked to erase."""

    erased: list[str] = field(default_factory=list)

    def erase(self, sender_ids: Any) -> int:
        self.erased += sorted(sender_ids)
        return len(sender_ids)


def make_service(
    engine: Engine,
    gazetteer: Gazetteer,
    notifier: Any = None,
    chat: FakeChat | None = None,
    conversations: ConversationStore | None = None,
    policy: AlertPolicy | None = None,
    public_url: str = PUBLIC_URL,
) -> AlertService:
    """A service on ``engine`` with fakes wherever nothing real is given."""
    email: Any = notifier if notifier is not None else RecordingNotifier()
    chat_notifier = ChannelNotifier({"telegram": chat or FakeChat(), "slack": chat or FakeChat()})
    notifiers: dict[str, Notifier] = {"email": email, "telegram": chat_notifier, "slack": chat_notifier}
    return AlertService(
        engine=engine,
        gazetteer=gazetteer,
        signer=LinkSigner(SECRET),
        links=Links(public_url, UNSUBSCRIBE_MAILBOX),
        notifiers=notifiers,
        confirmations=email,
        conversations=conversations or FakeConversations(),
        policy=policy,
    )


def subscribe(
    service: AlertService,
    criteria: SearchCriteria,
    requester: Requester = WEB,
    email: str | None = "jo.bloggs@example.com",
    frequency: Frequency = Frequency.INSTANT,
    now: datetime = T0,
) -> str:
    """Sign up and confirm (by link for email, by button in chat); return the alert's id."""
    outcome = service.start_signup(requester, criteria, frequency, CONSENT, email=email, now=now)
    assert outcome.alert is not None, outcome
    if outcome.confirmation_token:
        confirmed = service.confirm_link(outcome.confirmation_token, now=now + timedelta(minutes=1))
    else:
        confirmed = service.confirm_in_chat(requester, outcome.alert.id, now=now + timedelta(minutes=1))
    assert confirmed.status.value == "confirmed", confirmed
    return outcome.alert.id
