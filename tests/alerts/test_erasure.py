"""Forget me: nothing about the person is left in any table, nor in Rasa's real tracker store."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import redis
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import MetaData, Table, create_engine, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url

from recruitbot.alerts.conversations import ConversationStore, RedisConversationStore, SqlConversationStore
from recruitbot.alerts.model import ErasureStatus, Frequency, Requester
from recruitbot.contact import Contact
from recruitbot.handoff import CallbackRequest, HandoffService
from recruitbot.office_hours import OfficeHours
from recruitbot.places import Gazetteer
from recruitbot.schema import alert_pending_erasures, alert_people, alert_subscriptions
from recruitbot.vacancies.model import SearchCriteria
from tests.alerts.conftest import free_port
from tests.alerts.helpers import (
    CONSENT,
    TELEGRAM,
    WEB,
    RecordingNotifier,
    at,
    import_vacancies,
    make_service,
    subscribe,
)
from tests.vacancies.builders import record

GRACE = timedelta(minutes=10)
OTHER = Requester("telegram", "515151")


@dataclass
class Tracking:
    """A real Rasa tracker store and the erasing side of it."""

    rasa: TrackerStore
    store: ConversationStore
    engine: Engine | None = None


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway Redis server on a free loopback port."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = datetime.now() + timedelta(seconds=20)
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if datetime.now() > deadline:
                process.kill()
                pytest.fail("redis-server did not start in 20 s")
        try:
            process.wait(timeout=0.05)  # returns only if the server died
            pytest.fail("redis-server exited at start-up")
        except subprocess.TimeoutExpired:
            pass
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(params=["sql", "redis"])
async def tracking(request: pytest.FixtureRequest, engine: Engine, tmp_path: Path) -> AsyncIterator[Tracking]:
    """Rasa's SQL tracker store (SQLite file, or the test PostgreSQL database), or its Redis tracker store."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        client = redis.Redis.from_url(url)
        client.flushdb()
        address = make_url(url)
        yield Tracking(RedisTrackerStore(Domain.empty(), host=address.host, port=address.port),
                       RedisConversationStore(client))
        return
    if engine.dialect.name == "sqlite":
        rasa: TrackerStore = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
        tracker_engine = create_engine(f"sqlite:///{tmp_path / 'tracker.db'}", future=True)
    else:
        url = engine.url
        rasa = SQLTrackerStore(Domain.empty(), dialect="postgresql", host=url.host, port=url.port,
                               db=url.database, username=url.username)
        tracker_engine = create_engine(url.render_as_string(hide_password=False), future=True)
        with tracker_engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM events")
    yield Tracking(rasa, SqlConversationStore(tracker_engine), tracker_engine)
    tracker_engine.dispose()


async def chat_happened(tracking: Tracking, sender_id: str, text: str) -> None:
    """Save a conversation for ``sender_id`` as Rasa does at the end of each turn."""
    tracker = await tracking.rasa.retrieve_full_tracker(sender_id) or DialogueStateTracker(sender_id, slots=[])
    for event in (ActionExecuted("action_session_start"), SessionStarted(), UserUttered(text, {"name": "chitchat"})):
        tracker.update(event)
    await tracking.rasa.save(tracker)


async def conversation_exists(tracking: Tracking, sender_id: str) -> bool:
    tracker = await tracking.rasa.retrieve_full_tracker(sender_id)
    return tracker is not None and len(tracker.events) > 0


def traces(engine: Engine, needles: list[str]) -> list[str]:
    """Every stored text holding any of ``needles``, in every table of ``engine``'s database."""
    found = []
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        for name in names:
            table = Table(name, MetaData(), autoload_with=connection)
            for row in connection.execute(select(table)):
                found += [f"{table.name}: {value}" for value in row
                          if isinstance(value, str) and any(needle.lower() in value.lower() for needle in needles)]
    return found


def ask_for_callback(engine: Engine, sender_id: str, channel: str, email: str) -> None:
    office = OfficeHours.parse("Mon-Fri 09:00-17:30", "Europe/London")
    mailer = RecordingMailer()
    HandoffService(engine, mailer, office, "desk@11recruitment.example", "bot@11recruitment.example").submit(
        CallbackRequest(sender_id, channel, "Jo Bloggs", Contact("email", email), "Call me about payroll jobs"),
        now=datetime(2024, 6, 3, 9, 0, tzinfo=timezone.utc),
    )


class RecordingMailer:
    def send(self, message: Any) -> str:
        return "outbox"


async def test_forget_me_on_telegram_leaves_nothing_of_the_person_anywhere(
    engine: Engine, gazetteer: Gazetteer, tracking: Tracking
) -> None:
    service = make_service(engine, gazetteer, RecordingNotifier(), conversations=tracking.store)
    chat_alert = subscribe(service, SearchCriteria(keyword="marketing"), requester=TELEGRAM, email=None)
    mail_alert = subscribe(service, SearchCriteria(location="Leeds"), requester=TELEGRAM, email="tg.user@example.com")
    service.start_signup(TELEGRAM, SearchCriteria(keyword="hr"), Frequency.DAILY, CONSENT, now=at(2))  # pending
    subscribe(service, SearchCriteria(keyword="marketing"), requester=OTHER, email="other@example.com")
    ask_for_callback(engine, TELEGRAM.sender_id, "telegram", "tg.user@example.com")
    ask_for_callback(engine, "website-visit", "socketio", "TG.User@Example.com")  # the address they confirmed
    ask_for_callback(engine, OTHER.sender_id, "telegram", "other@example.com")
    import_vacancies(engine, gazetteer, [record("M1", title="Marketing Executive", location="Leeds")], now=at(30))
    service.dispatch(now=at(31))
    await chat_happened(tracking, TELEGRAM.sender_id, "sign me up")
    await chat_happened(tracking, OTHER.sender_id, "hello")
    with engine.connect() as connection:
        person_ref = connection.execute(
            select(alert_people.c.ref).where(alert_people.c.user_id == TELEGRAM.sender_id)).scalar_one()
    needles = [TELEGRAM.sender_id, "tg.user@example.com", person_ref, chat_alert, mail_alert]
    assert len(traces(engine, needles)) > 5

    outcome = service.forget_me(TELEGRAM, now=at(40))

    assert outcome.status is ErasureStatus.ERASED
    assert outcome.deleted["alert_subscriptions"] == 3 and outcome.deleted["callback_requests"] == 2
    assert outcome.deleted["alert_deliveries"] == 1 and outcome.deleted["tracker_store"] >= 1
    # Only the reminder to erase this conversation again once the turn is over.
    assert traces(engine, needles) == [f"alert_pending_erasures: {TELEGRAM.sender_id}"]
    assert not await conversation_exists(tracking, TELEGRAM.sender_id)

    # Rasa saves the tracker when the "forget me" turn ends; the worker erases it again later.
    await chat_happened(tracking, TELEGRAM.sender_id, "forget me")
    assert service.complete_erasures(now=at(40) + GRACE - timedelta(seconds=1)) == 0
    assert await conversation_exists(tracking, TELEGRAM.sender_id)
    assert service.purge_expired(now=at(40) + GRACE).conversations_erased == 1
    assert not await conversation_exists(tracking, TELEGRAM.sender_id)
    assert traces(engine, needles) == []
    if tracking.engine is not None:
        assert traces(tracking.engine, [TELEGRAM.sender_id]) == []

    # Everyone else is untouched.
    assert await conversation_exists(tracking, OTHER.sender_id)
    assert [alert.criteria.keyword for alert in service.list_alerts(OTHER)] == ["marketing"]
    assert any("other@example.com" in trace for trace in traces(engine, ["other@example.com"]))
    assert service.forget_me(TELEGRAM, now=at(50)).status is ErasureStatus.NOTHING_HELD


async def test_forget_me_on_the_website_erases_what_was_made_in_that_conversation(
    engine: Engine, gazetteer: Gazetteer, tracking: Tracking
) -> None:
    service = make_service(engine, gazetteer, RecordingNotifier(), conversations=tracking.store)
    other_session = Requester("socketio", "web-session-2")
    subscribe(service, SearchCriteria(keyword="marketing"), requester=WEB, email="jo@example.com")
    kept = subscribe(service, SearchCriteria(keyword="payroll"), requester=other_session, email="jo@example.com")
    subscribe(service, SearchCriteria(keyword="hr"), requester=WEB, email="sam@example.com")
    ask_for_callback(engine, WEB.sender_id, "socketio", "jo@example.com")
    await chat_happened(tracking, WEB.sender_id, "forget me")
    await chat_happened(tracking, other_session.sender_id, "hello")

    outcome = service.forget_me(WEB, now=at(40))
    service.complete_erasures(now=at(40) + GRACE)

    assert outcome.status is ErasureStatus.ERASED
    assert traces(engine, [WEB.sender_id, "sam@example.com"]) == []
    assert not await conversation_exists(tracking, WEB.sender_id)
    # Jo's alert from another conversation stays: this one could not prove it was Jo's.
    assert [alert.id for alert in service.list_alerts(other_session)] == [kept]
    assert await conversation_exists(tracking, other_session.sender_id)


async def test_the_erase_link_erases_the_person_with_all_their_conversations(
    engine: Engine, gazetteer: Gazetteer, tracking: Tracking
) -> None:
    recorder = RecordingNotifier()
    service = make_service(engine, gazetteer, recorder, conversations=tracking.store)
    other_session = Requester("socketio", "web-session-2")
    subscribe(service, SearchCriteria(keyword="marketing"), requester=WEB, email="jo@example.com")
    subscribe(service, SearchCriteria(keyword="payroll"), requester=other_session, email="jo@example.com")
    ask_for_callback(engine, "phone-call-session", "rest", "jo@example.com")
    for session in (WEB, other_session):
        await chat_happened(tracking, session.sender_id, "hello")
    import_vacancies(engine, gazetteer, [record("M1", title="Marketing Executive")], now=at(30))
    service.dispatch(now=at(31))
    [message] = recorder.sent
    token = message.erase_url.split("token=")[1]

    assert service.erase_link(token, now=at(40)).status is ErasureStatus.ERASED
    assert traces(engine, ["jo@example.com", WEB.sender_id, other_session.sender_id]) == []
    for session in (WEB, other_session):
        assert not await conversation_exists(tracking, session.sender_id)
    with engine.connect() as connection:
        assert connection.execute(select(alert_subscriptions.c.id)).all() == []
        assert connection.execute(select(alert_pending_erasures.c.sender_id)).all() == []
    assert service.erase_link(token, now=at(41)).status is ErasureStatus.NOTHING_HELD
    assert service.erase_link(token + "A", now=at(41)).status is ErasureStatus.INVALID_LINK


def test_erasing_from_a_tracker_store_that_was_never_used_is_nothing(tmp_path: Path) -> None:
    store = SqlConversationStore(create_engine(f"sqlite:///{tmp_path / 'empty.db'}", future=True))
    assert store.erase(["anyone"]) == 0


def test_erasing_from_a_failing_tracker_store_leaves_the_alerts_to_try_again(
    engine: Engine, gazetteer: Gazetteer
) -> None:
    class Down:
        def erase(self, sender_ids: Any) -> int:
            raise ConnectionError("tracker store unavailable")

    service = make_service(engine, gazetteer, RecordingNotifier(), conversations=Down())
    subscribe(service, SearchCriteria(keyword="marketing"), requester=TELEGRAM, email=None)
    with pytest.raises(ConnectionError):
        service.forget_me(TELEGRAM, now=at(40))
    assert len(service.list_alerts(TELEGRAM)) == 1


def test_rasa_key_prefixes_are_followed() -> None:
    class Keys:
        def __init__(self) -> None:
            self.deleted: list[str] = []

        def delete(self, *keys: str) -> int:
            self.deleted += keys
            return len(keys)

    client = Keys()
    RedisConversationStore(client, "bot1").erase(["a"])
    RedisConversationStore(client, "not-alnum").erase(["b"])
    assert client.deleted == ["bot1:tracker:a", "tracker:b"]
