from __future__ import annotations

from itertools import product
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from recruitbot.alerts.model import Requester
from recruitbot.alerts.service import AlertService
from recruitbot.places import Gazetteer
from recruitbot.vacancies.model import SearchCriteria
from recruitbot.vacancies.search import Catalogue
from tests.alerts.helpers import FakeChat, at, import_vacancies, make_service, subscribe
from tests.vacancies.builders import record

VACANCIES = [
    record("LEEDS_MKT", title="Marketing Executive", location="Leeds", salary="£28,000"),
    record("BRADFORD_MKT", title="Digital Marketing Assistant", location="Bradford", job_type="temp",
           salary="£12.50 per hour"),
    record("YORK_PAYROLL", title="Payroll Clerk", location="York", salary="£22,000 - £26,000"),
    record("HARROGATE_ACC", title="Accounts Assistant", location="Harrogate", salary=None),
    record("RICHMOND_NY", title="Marketing Manager", location="Richmond, North Yorkshire", salary="£40k"),
    record("RICHMOND_LDN", title="Marketing Officer", location="Richmond upon Thames", job_type="contract"),
    record("MANC_IT", title="IT Support Analyst", location="Manchester", summary="Keep it running."),
    record("MANC_ADMIN", title="Office Administrator", location="Manchester", summary="It is a busy office."),
    record("GLASGOW_HR", title="HR Advisor", location="Glasgow", sector="Human Resources"),
    record("PARK", title="Customer Service Adviser", location="Atlantis Business Park", job_type="temp"),
    record("LYNN_CS", title="Customer Service Team Leader", location="King's Lynn", salary="Up to £30,000"),
    record("LONDON_PAYROLL", title="Senior Payroll Administrator", location="London", salary="£45,000 pa"),
    record("WAKEFIELD_PAYROLL", title="Payroll Clerk", location="Wakefield", salary="£25,000"),
]
KEYWORDS = [None, "marketing", "payroll clerk", "accounts", "IT", "admin", "customer service", "hr"]
LOCATIONS = [None, "Leeds", "West Yorkshire", "Yorkshire", "North Yorkshire", "Richmond", "London", "Atlantis",
             "anywhere"]
JOB_TYPES = [None, "temp"]
# 25,500 is matched in whole thousands: £25,000 counts.
SALARIES = [None, 25500]


def alert_grid() -> list[SearchCriteria]:
    """Every keyword with every location, the job type and salary taking turns (four variants each)."""
    variants = list(product(JOB_TYPES, SALARIES))
    grid = [
        SearchCriteria(keyword, location, *variants[number % len(variants)])
        for number, (keyword, location) in enumerate(product(KEYWORDS, LOCATIONS))
    ]
    return [c for c in grid if c.keyword or (c.location not in (None, "anywhere")) or c.job_type]


def delivered(chat: FakeChat) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for message in chat.sent:
        found.setdefault(message["user_id"], set()).update(card["id"] for card in message["cards"])
    return found


def run_alerts(service: AlertService, engine: Engine, gazetteer: Gazetteer, chat: FakeChat,
               criteria: list[SearchCriteria]) -> dict[SearchCriteria, set[str]]:
    """One person per alert (so that nothing is held back as already sent); each alert's vacancies."""
    users = {}
    for number, alert in enumerate(criteria):
        requester = Requester("telegram", str(1000 + number))
        subscribe(service, alert, requester=requester, email=None)
        users[requester.sender_id] = alert
    import_vacancies(engine, gazetteer, VACANCIES, now=at(30))
    service.dispatch(now=at(31))
    found = delivered(chat)
    return {alert: found.get(user, set()) for user, alert in users.items()}


@pytest.fixture
def chat_service(engine: Engine, gazetteer: Gazetteer, chat: FakeChat) -> AlertService:
    return make_service(engine, gazetteer, chat=chat)


def test_alerts_match_exactly_what_the_catalogue_finds_without_widening(
    chat_service: AlertService, engine: Engine, gazetteer: Gazetteer, chat: FakeChat
) -> None:
    grid = alert_grid()
    matched = run_alerts(chat_service, engine, gazetteer, chat, grid)
    catalogue = Catalogue(engine, gazetteer)
    disagreements: list[Any] = []
    for criteria in grid:
        result = catalogue.search(criteria, limit=100, today=at(31).date())
        expected = set() if result.widened else {vacancy.id for vacancy in result.vacancies}
        if matched[criteria] != expected:
            disagreements.append((criteria, sorted(matched[criteria]), sorted(expected)))
    assert disagreements == []
    assert sum(bool(found) for found in matched.values()) > len(grid) // 10  # the grid is not all misses


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (SearchCriteria(keyword="marketing", location="West Yorkshire"), {"LEEDS_MKT", "BRADFORD_MKT"}),
        (SearchCriteria(keyword="marketing", location="Yorks"), {"LEEDS_MKT", "BRADFORD_MKT", "RICHMOND_NY"}),
        (SearchCriteria(keyword="marketing", location="Leeds"), {"LEEDS_MKT"}),
        (SearchCriteria(keyword="marketing", location="Richmond"), {"RICHMOND_LDN"}),
        (SearchCriteria(keyword="marketing", job_type="temp"), {"BRADFORD_MKT"}),
        (SearchCriteria(keyword="marketing", min_salary=30000), {"RICHMOND_NY"}),
        (SearchCriteria(keyword="it"), {"MANC_IT"}),
        (SearchCriteria(location="atlantis"), {"PARK"}),
    ],
)
def test_place_containment_type_salary_and_keywords(
    chat_service: AlertService, engine: Engine, gazetteer: Gazetteer, chat: FakeChat,
    criteria: SearchCriteria, expected: set[str],
) -> None:
    assert run_alerts(chat_service, engine, gazetteer, chat, [criteria]) == {criteria: expected}


def test_vacancies_first_seen_before_the_alert_was_confirmed_are_not_news(
    chat_service: AlertService, engine: Engine, gazetteer: Gazetteer, chat: FakeChat
) -> None:
    import_vacancies(engine, gazetteer, [record("OLD", title="Marketing Executive")], now=at(-60))
    subscribe(chat_service, SearchCriteria(keyword="marketing"), requester=Requester("telegram", "1"), email=None)
    import_vacancies(engine, gazetteer, [record("NEW", title="Marketing Manager")], now=at(30))
    chat_service.dispatch(now=at(31))
    assert delivered(chat) == {"1": {"NEW"}}


def test_a_vacancy_matching_several_alerts_of_one_person_comes_once(
    chat_service: AlertService, engine: Engine, gazetteer: Gazetteer, chat: FakeChat
) -> None:
    person = Requester("slack", "U123")
    first = subscribe(chat_service, SearchCriteria(keyword="marketing"), requester=person, email=None)
    subscribe(chat_service, SearchCriteria(location="Leeds"), requester=person, email=None)
    import_vacancies(engine, gazetteer, [record("BOTH", title="Marketing Executive", location="Leeds")], now=at(30))
    chat_service.dispatch(now=at(31))
    assert [(m["user_id"], [c["id"] for c in m["cards"]]) for m in chat.sent] == [("U123", ["BOTH"])]
    assert chat.sent[0]["buttons"][0]["payload"] == f'/unsubscribe_alerts{{"alert_id":"{first}"}}'
