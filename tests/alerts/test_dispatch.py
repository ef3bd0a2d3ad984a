from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from recruitbot.alerts.clock import utc_now
from recruitbot.alerts.model import Frequency, Requester, Status
from recruitbot.alerts.notify import AlertMessage, DeliveryError
from recruitbot.alerts.policy import AlertPolicy
from recruitbot.alerts.service import AlertService
from recruitbot.places import Gazetteer
from recruitbot.schema import alert_deliveries, vacancies
from recruitbot.vacancies.model import SearchCriteria
from tests.alerts.crashing_dispatch import CRASHED
from tests.alerts.helpers import (
    ROOT,
    T0,
    TELEGRAM,
    FakeChat,
    RecordingNotifier,
    at,
    import_vacancies,
    make_service,
    subscribe,
)
from tests.vacancies.builders import record

MARKETING = SearchCriteria(keyword="marketing")


def ledger(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(vacancies.c.id, alert_deliveries.c.status, alert_deliveries.c.attempts)
            .join(vacancies, vacancies.c.pk == alert_deliveries.c.vacancy_pk)
            .order_by(vacancies.c.id)
        )
        return [(f"{row.id}:{row.status}", row.attempts) for row in rows]


def test_dispatch_run_three_times_sends_each_person_one_message(
    service: AlertService, recorder: RecordingNotifier, engine: Engine, gazetteer: Gazetteer
) -> None:
    for number in range(3):
        subscribe(service, MARKETING, requester=Requester("socketio", f"s{number}"), email=f"p{number}@example.com")
    import_vacancies(engine, gazetteer, [record("M1", title="Marketing Executive"),
                                         record("M2", title="Marketing Manager"), record("X", title="Bookkeeper")],
                     now=at(30))
    reports = [service.dispatch(now=at(31 + run)) for run in range(3)]

    assert [(r.scanned, r.matched, r.messages_sent, r.vacancies_sent) for r in reports] == [
        (3, 6, 3, 6), (0, 0, 0, 0), (0, 0, 0, 0)]
    assert sorted(m.recipient for m in recorder.sent) == ["p0@example.com", "p1@example.com", "p2@example.com"]
    assert {tuple(v.id for v in m.vacancies) for m in recorder.sent} == {("M2", "M1")}  # newest first


def test_one_person_gets_a_vacancy_once_whatever_the_channel(
    service: AlertService, recorder: RecordingNotifier, chat: FakeChat, engine: Engine, gazetteer: Gazetteer
) -> None:
    subscribe(service, MARKETING, requester=TELEGRAM, email=None)
    subscribe(service, SearchCriteria(location="Leeds"), requester=TELEGRAM, email="tg@example.com")
    import_vacancies(engine, gazetteer, [record("BOTH", title="Marketing Executive", location="Leeds"),
                                         record("LEEDS_ONLY", title="Receptionist", location="Leeds")], now=at(30))
    service.dispatch(now=at(31))
    service.dispatch(now=at(32))
    by_chat = [card["id"] for message in chat.sent for card in message["cards"]]
    assert Counter(by_chat + recorder.vacancy_ids()) == {"BOTH": 1, "LEEDS_ONLY": 1}


def test_a_failed_send_is_retried_with_back_off_and_sent_once(
    service: AlertService, recorder: RecordingNotifier, engine: Engine, gazetteer: Gazetteer
) -> None:
    subscribe(service, MARKETING)
    import_vacancies(engine, gazetteer, [record("M1", title="Marketing Executive")], now=at(30))
    recorder.failures = 2

    first = service.dispatch(now=at(31))
    assert (first.messages_sent, first.messages_failed) == (0, 1)
    assert ledger(engine) == [("M1:failed", 1)]
    assert service.dispatch(now=at(35)).messages_failed == 0  # not due before 5 minutes
    second = service.dispatch(now=at(36))
    assert (second.messages_sent, second.messages_failed) == (0, 1)
    assert service.dispatch(now=at(45)).messages_failed == 0  # then 10 minutes
    third = service.dispatch(now=at(46))
    assert (third.messages_sent, third.vacancies_sent) == (1, 1)
    assert ledger(engine) == [("M1:sent", 2)]
    assert service.dispatch(now=at(500)).messages_sent == 0
    assert recorder.vacancy_ids() == ["M1"]


def test_after_the_last_try_the_vacancy_is_given_up(
    engine: Engine, gazetteer: Gazetteer, recorder: RecordingNotifier
) -> None:
    service = make_service(engine, gazetteer, recorder, policy=AlertPolicy(max_attempts=2))
    subscribe(service, MARKETING)
    import_vacancies(engine, gazetteer, [record("M1", title="Marketing Executive")], now=at(30))
    recorder.failures = 5
    service.dispatch(now=at(31))
    assert service.dispatch(now=at(40)).vacancies_abandoned == 1
    assert ledger(engine) == [("M1:abandoned", 2)]
    assert service.dispatch(now=at(600)).messages_failed == 0 and recorder.sent == []


def test_a_recipient_that_blocked_the_bot_pauses_the_alert(
    engine: Engine, gazetteer: Gazetteer
) -> None:
    def blocked(user_id: str, text: str, buttons: list[dict[str, str]], cards: list[dict[str, str]]) -> None:
        raise DeliveryError("blocked", permanent=True)

    service = make_service(engine, gazetteer, chat=blocked)  # type: ignore[arg-type]
    subscribe(service, MARKETING, requester=TELEGRAM, email=None)
    import_vacancies(engine, gazetteer, [record("M1", title="Marketing Executive")], now=at(30))
    report = service.dispatch(now=at(31))
    assert (report.messages_failed, report.vacancies_abandoned) == (1, 1)
    assert [alert.status for alert in service.list_alerts(TELEGRAM)] == [Status.PAUSED]


def test_a_daily_digest_goes_once_a_day_after_the_digest_hour(
    service: AlertService, chat: FakeChat, engine: Engine, gazetteer: Gazetteer
) -> None:
    early = T0.replace(hour=5)  # 06:00 in London
    subscribe(service, MARKETING, requester=TELEGRAM, email=None, frequency=Frequency.DAILY, now=early)
    import_vacancies(engine, gazetteer, [record("M1", title="Marketing Executive")], now=early + timedelta(minutes=5))
    assert service.dispatch(now=early + timedelta(minutes=6)).messages_sent == 0  # before 08:00 London

    import_vacancies(engine, gazetteer, [record("M2", title="Marketing Officer")], now=at(0))
    assert service.dispatch(now=at(1)).messages_sent == 1
    import_vacancies(engine, gazetteer, [record("M3", title="Marketing Lead")], now=at(2))
    for minutes in (3, 60, 600):
        assert service.dispatch(now=at(minutes)).messages_sent == 0  # one digest per day
    tomorrow = at(24 * 60)
    assert service.dispatch(now=tomorrow).messages_sent == 1
    assert [sorted(card["id"] for card in m["cards"]) for m in chat.sent] == [["M1", "M2"], ["M3"]]


def test_a_failed_digest_may_retry_the_same_day(
    service: AlertService, chat: FakeChat, engine: Engine, gazetteer: Gazetteer
) -> None:
    subscribe(service, MARKETING, requester=TELEGRAM, email=None, frequency=Frequency.DAILY)
    import_vacancies(engine, gazetteer, [record("M1", title="Marketing Executive")], now=at(30))
    chat.failures = 1
    assert service.dispatch(now=at(31)).messages_failed == 1
    assert service.dispatch(now=at(40)).messages_sent == 1
    assert len(chat.sent) == 1


def test_paused_alerts_get_nothing_and_resumed_ones_only_what_is_new(
    service: AlertService, chat: FakeChat, engine: Engine, gazetteer: Gazetteer
) -> None:
    subscribe(service, MARKETING, requester=TELEGRAM, email=None)
    import_vacancies(engine, gazetteer, [record("BEFORE", title="Marketing Executive")], now=at(10))
    service.pause(TELEGRAM, now=at(11))
    service.dispatch(now=at(12))
    import_vacancies(engine, gazetteer, [record("WHILE", title="Marketing Officer")], now=at(20))
    service.dispatch(now=at(21))
    service.resume(TELEGRAM, now=at(30))
    import_vacancies(engine, gazetteer, [record("AFTER", title="Marketing Lead")], now=at(40))
    service.dispatch(now=at(41))
    assert [card["id"] for message in chat.sent for card in message["cards"]] == ["AFTER"]


def test_a_vacancy_closed_before_sending_is_skipped(
    service: AlertService, recorder: RecordingNotifier, engine: Engine, gazetteer: Gazetteer
) -> None:
    subscribe(service, MARKETING)
    import_vacancies(engine, gazetteer, [record("M1", title="Marketing Executive"),
                                         record("M2", title="Marketing Officer")], now=at(30))
    recorder.failures = 1
    service.dispatch(now=at(31))
    with engine.begin() as connection:
        connection.execute(vacancies.update().where(vacancies.c.id == "M2").values(closed_at=at(32)))
    report = service.dispatch(now=at(40))
    assert (report.vacancies_sent, report.vacancies_skipped) == (1, 1)
    assert recorder.vacancy_ids() == ["M1"]


class BlockingNotifier(RecordingNotifier):
    """Holds its first send until released, so that a second dispatch runs meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def send(self, message: AlertMessage) -> None:
        self.entered.set()
        assert self.release.wait(timeout=30)
        super().send(message)


def test_a_second_dispatch_never_takes_what_the_first_is_sending(engine: Engine, gazetteer: Gazetteer) -> None:
    blocking = BlockingNotifier()
    first = make_service(engine, gazetteer, blocking)
    subscribe(first, MARKETING)
    import_vacancies(engine, gazetteer, [record("M1", title="Marketing Executive")], now=at(30))
    worker = threading.Thread(target=first.dispatch, kwargs={"now": at(31)})
    worker.start()
    try:
        assert blocking.entered.wait(timeout=30)
        second = make_service(engine, gazetteer, RecordingNotifier())
        report = second.dispatch(now=at(32))
        assert (report.messages_sent, report.in_doubt) == (0, 1)
    finally:
        blocking.release.set()
        worker.join(timeout=30)
    assert blocking.vacancy_ids() == ["M1"]
    assert second.dispatch(now=at(33)).in_doubt == 0


def test_a_crash_in_the_middle_of_a_dispatch_never_sends_anything_twice(
    engine: Engine, gazetteer: Gazetteer, recorder: RecordingNotifier, tmp_path: Path
) -> None:
    """Six people, two vacancies each; the dispatch process dies just after the third message went out.

    After the restart the other three get theirs, and the third is not sent again: its rows are
    "in doubt" (it did arrive here; had the crash come before the send, it would be lost, never doubled).
    """
    service = make_service(engine, gazetteer, recorder)
    for number in range(6):
        subscribe(service, MARKETING, requester=Requester("socketio", f"s{number}"), email=f"p{number}@example.com")
    import_vacancies(engine, gazetteer, [record("M1", title="Marketing Executive"),
                                         record("M2", title="Marketing Manager")], now=at(30))
    log = tmp_path / "sent-before-crash.txt"
    child = subprocess.run(
        [sys.executable, "-m", "tests.alerts.crashing_dispatch",
         engine.url.render_as_string(hide_password=False), str(log), "3", at(31).isoformat()],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120,
    )
    assert child.returncode == CRASHED, child.stderr
    before_crash = [line.split()[0] for line in log.read_text().splitlines()]
    assert len(before_crash) == 3

    after = [service.dispatch(now=at(32 + run)) for run in range(3)]
    assert [(r.messages_sent, r.in_doubt) for r in after] == [(3, 2), (0, 2), (0, 2)]
    received = Counter(before_crash + [message.recipient for message in recorder.sent])
    assert received == {f"p{number}@example.com": 1 for number in range(6)}
    assert [status for status, _ in ledger(engine)].count("M1:sending") == 1


def ledger_statuses(engine: Engine) -> Counter[str]:
    return Counter(status.split(":")[1] for status, _ in ledger(engine))


def test_nothing_is_decided_for_vacancies_first_seen_after_the_dispatch_began(
    service: AlertService, recorder: RecordingNotifier, engine: Engine, gazetteer: Gazetteer
) -> None:
    subscribe(service, MARKETING)
    import_vacancies(engine, gazetteer, [record("LATER", title="Marketing Executive")], now=at(40))
    assert service.dispatch(now=at(39)).scanned == 0
    assert service.dispatch(now=at(41)).vacancies_sent == 1
    assert ledger_statuses(engine) == {"sent": 1}



def test_an_import_with_new_vacancies_sets_off_a_dispatch(
    service: AlertService, recorder: RecordingNotifier, engine: Engine, gazetteer: Gazetteer
) -> None:
    start = utc_now() - timedelta(hours=1)
    subscribe(service, MARKETING, now=start)
    records = [record("M1", title="Marketing Executive")]
    report = service.after_import(import_vacancies(engine, gazetteer, records, now=start + timedelta(minutes=30)))
    assert report is not None and report.messages_sent == 1
    assert service.after_import(import_vacancies(engine, gazetteer, records, now=utc_now())) is None
    assert recorder.vacancy_ids() == ["M1"]


def test_a_digest_whose_vacancies_all_closed_sends_nothing_and_keeps_its_day(
    service: AlertService, chat: FakeChat, engine: Engine, gazetteer: Gazetteer
) -> None:
    early = T0.replace(hour=5)  # 06:00 in London, before the digest hour

    def later(minutes: int) -> datetime:
        return early + timedelta(minutes=minutes)

    subscribe(service, MARKETING, requester=TELEGRAM, email=None, frequency=Frequency.DAILY, now=early)
    import_vacancies(engine, gazetteer, [record("GONE", title="Marketing Executive")], now=later(10))
    assert service.dispatch(now=later(11)).matched == 1  # decided, not yet sent
    with engine.begin() as connection:
        connection.execute(vacancies.update().where(vacancies.c.id == "GONE").values(closed_at=later(20)))
    assert service.dispatch(now=later(180)).vacancies_skipped == 1
    import_vacancies(engine, gazetteer, [record("LATER", title="Marketing Officer")], now=later(190))
    assert service.dispatch(now=later(191)).messages_sent == 1
    assert [card["id"] for message in chat.sent for card in message["cards"]] == ["LATER"]
