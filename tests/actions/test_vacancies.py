from __future__ import annotations

from datetime import date

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from actions.vacancies import ActionMoreVacancies, ActionSearchVacancies, ActionSimilarVacancies, criteria_from
from recruitbot.db import make_engine
from recruitbot.places import load_gazetteer
from recruitbot.vacancies.model import SearchCriteria
from recruitbot.vacancies.sample import seed_if_empty
from recruitbot.vacancies.search import Catalogue
from tests.helpers import domain, make_tracker, rendered


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> Catalogue:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'bot.db'}")
    gazetteer = load_gazetteer()
    report = seed_if_empty(engine, gazetteer, today=date.today())
    assert report is not None and report.created >= 300
    return Catalogue(engine, gazetteer)


def tagged(text: str, **values: str) -> list[dict]:
    """Entities as the NLU gives them: the span of each value in ``text``."""
    return [{"entity": name, "value": value, "start": text.index(value), "end": text.index(value) + len(value)}
            for name, value in values.items()]


def search_tracker(text: str, entities: list[dict] | None = None, **slots) -> object:
    message = {"text": text, "intent": {"name": "search_vacancies"}, "entities": entities or []}
    return make_tracker(slots=slots, latest_message=message)


def responses(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [m["response"] for m in dispatcher.messages]


def test_criteria_come_from_slots_and_typed_salary():
    text = "marketing jobs near Manchester paying over 30k"
    tracker = search_tracker(text, tagged(text, keyword="marketing", location="near Manchester"),
                             keyword="marketing", location="near Manchester", job_type="perm")
    assert criteria_from(tracker) == SearchCriteria("marketing", "Manchester", None, 30000)  # a new search
    text = "what about perm ones?"
    remembered = search_tracker(text, tagged(text, job_type="perm"), keyword="admin", location="Leeds",
                                job_type="perm", min_salary=25000.0)
    assert criteria_from(remembered) == SearchCriteria("admin", "Leeds", "perm", 25000)


def test_a_place_typed_in_lower_case_is_shown_as_the_gazetteer_spells_it():
    text = "what about birmingham"
    tracker = search_tracker(text, tagged(text, location="birmingham"), keyword="accounts", location="birmingham")
    assert criteria_from(tracker).location == "Birmingham"
    text = "any jobs in narnia"  # not a known place: kept as typed
    tracker = search_tracker(text, tagged(text, location="narnia"), location="narnia")
    assert criteria_from(tracker).location == "narnia"


def test_a_role_the_nlu_did_not_tag_replaces_the_last_keyword():
    text = "any astronaut jobs in Leeds?"
    tracker = search_tracker(text, tagged(text, location="Leeds"), keyword="admin", location="Leeds")
    assert criteria_from(tracker) == SearchCriteria("astronaut", "Leeds", None, None)


def test_a_new_search_starts_afresh_but_a_refinement_keeps_the_rest():
    last = {"keyword": "marketing", "location": "Manchester", "job_type": "temp", "min_salary": 30000.0}
    text = "any jobs in Kendal"
    fresh = search_tracker(text, tagged(text, location="Kendal"), **{**last, "location": "Kendal"})
    assert criteria_from(fresh) == SearchCriteria(None, "Kendal", None, None)
    text = "what about in Kendal instead"
    refined = search_tracker(text, tagged(text, location="Kendal"), **{**last, "location": "Kendal"})
    assert criteria_from(refined) == SearchCriteria("marketing", "Kendal", "temp", 30000)
    bare = make_tracker(slots={**last, "location": "Kendal"},
                        latest_message={"text": "Kendal", "intent": {"name": "inform"},
                                        "entities": tagged("Kendal", location="Kendal")})
    assert criteria_from(bare) == SearchCriteria("marketing", "Kendal", "temp", 30000)
    text = "something in finance maybe"
    hedged = search_tracker(text, tagged(text, keyword="finance"), **{**last, "keyword": "finance"})
    assert criteria_from(hedged) == SearchCriteria("finance", "Manchester", "temp", 30000)


async def test_temp_admin_in_leeds_shows_three_cards_and_show_more(catalogue):
    dispatcher = CollectingDispatcher()
    text = "any temp admin jobs in Leeds?"
    tracker = search_tracker(text, tagged(text, job_type="temp", keyword="admin", location="Leeds"),
                             keyword="admin", location="Leeds", job_type="temp")
    events = await ActionSearchVacancies(catalogue).run(dispatcher, tracker, domain())
    expected = catalogue.search(SearchCriteria("admin", "Leeds", "temp"), limit=3)
    assert expected.total > 3 and not expected.widened
    assert responses(dispatcher) == ["utter_vacancies_found_some", None]
    assert dispatcher.messages[0]["total"] == expected.total
    assert dispatcher.messages[0]["criteria"] == "temp · admin · Leeds"
    cards = dispatcher.messages[1]["custom"]["cards"]
    assert [c["id"] for c in cards] == [v.id for v in expected.vacancies]
    assert all(c["job_type"] == "temp" and c["location"] == "Leeds" for c in cards)
    assert cards[0]["actions"][0] == {"type": "link", "title": "Apply / view", "url": expected.vacancies[0].url}
    assert [b["payload"] for b in dispatcher.messages[1]["buttons"]] == [
        "/more_vacancies", "/subscribe_alerts", "/human_handoff"]
    assert events == [
        SlotSet("keyword", "admin"),
        SlotSet("location", "Leeds"),
        SlotSet("job_type", "temp"),
        SlotSet("min_salary", None),
        SlotSet("vacancy_search", {"keyword": "admin", "location": "Leeds", "job_type": "temp", "min_salary": None,
                                   "offset": 0, "total": expected.total, "shown": [c["id"] for c in cards]}),
    ]


@pytest.mark.parametrize(("text", "hours"), [("part time admin jobs in Leeds", "part-time"),
                                             ("admin in Leeds, 20 hours a week", "20 hours a week")])
async def test_hours_asked_for_are_said_to_be_unsearchable_before_the_jobs(catalogue, text, hours):
    """The catalogue has no hours: the jobs are shown, after saying they may have other hours."""
    dispatcher = CollectingDispatcher()
    tracker = search_tracker(text, tagged(text, keyword="admin", location="Leeds"), keyword="admin", location="Leeds")
    await ActionSearchVacancies(catalogue).run(dispatcher, tracker, domain())
    assert responses(dispatcher) == ["utter_vacancies_hours_unknown", "utter_vacancies_found_some", None]
    assert dispatcher.messages[0]["hours"] == hours
    assert dispatcher.messages[1]["criteria"] == "admin · Leeds"


async def test_too_broad_asks_for_criteria(catalogue):
    dispatcher = CollectingDispatcher()
    events = await ActionSearchVacancies(catalogue).run(dispatcher, search_tracker("any jobs?"), domain())
    assert responses(dispatcher) == ["utter_ask_vacancy_criteria"]
    assert events == [SlotSet("vacancy_search", None)]


def inform_tracker(text: str, entities: list[dict] | None = None, **slots) -> object:
    message = {"text": text, "intent": {"name": "inform"}, "entities": entities or []}
    return make_tracker(slots=slots, latest_message=message)


@pytest.mark.parametrize(("text", "entities"), [
    ("ok fine, my name is Priya", []),
    ("priya@example.com", [{"entity": "email", "value": "priya@example.com", "start": 0, "end": 17}]),
    ("07700 900123", []), ("my number is 07700 900123", []), ("my mobile's +44 (0)7700 900123 ta", []),
])
async def test_a_name_or_contact_details_out_of_the_blue_are_asked_what_for_not_searched(catalogue, text, entities):
    # Even after a search: the details are not a refinement of it.
    dispatcher = CollectingDispatcher()
    tracker = inform_tracker(text, entities, keyword="admin", location="Leeds", job_type="temp")
    assert await ActionSearchVacancies(catalogue).run(dispatcher, tracker, domain()) == []
    assert responses(dispatcher) == ["utter_details_what_for"]


@pytest.mark.parametrize(("text", "entities"), [
    ("Leeds", tagged("Leeds", location="Leeds")), ("call me about admin jobs", tagged("call me about admin jobs",
                                                                                     keyword="admin")),
    ("my name's Sam, anything over 30k", []),
])
async def test_a_bare_answer_with_something_to_search_for_is_still_a_search(catalogue, text, entities):
    dispatcher = CollectingDispatcher()
    await ActionSearchVacancies(catalogue).run(dispatcher, inform_tracker(text, entities, job_type="temp"), domain())
    assert responses(dispatcher)[0] != "utter_details_what_for"


async def test_no_exact_match_widens_says_how_and_offers_an_alert(catalogue):
    criteria = SearchCriteria("payroll", "Kendal", "temp")
    expected = catalogue.search(criteria, limit=3)
    assert expected.widened, "the sample feed has no temp payroll job in Kendal"
    dispatcher = CollectingDispatcher()
    text = "temp payroll jobs in kendal"
    tracker = search_tracker(text, tagged(text, job_type="temp", keyword="payroll", location="kendal"),
                             keyword="payroll", location="Kendal", job_type="temp")
    await ActionSearchVacancies(catalogue).run(dispatcher, tracker, domain())
    assert responses(dispatcher)[0] == "utter_vacancies_widened"
    assert dispatcher.messages[0]["widened"].startswith("Kendal → Cumbria")
    assert "/subscribe_alerts" in [b["payload"] for b in dispatcher.messages[-1]["buttons"]]


async def test_nothing_anywhere_is_never_a_dead_end(catalogue):
    dispatcher = CollectingDispatcher()
    tracker = search_tracker("astronaut jobs", keyword="admin")  # the NLU tagged no keyword this time
    events = await ActionSearchVacancies(catalogue).run(dispatcher, tracker, domain())
    assert responses(dispatcher) == ["utter_vacancies_none"]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/subscribe_alerts", "/human_handoff"]
    assert events == [SlotSet("keyword", "astronaut"), SlotSet("location", None), SlotSet("job_type", None),
                      SlotSet("min_salary", None), SlotSet("vacancy_search", None)]


async def test_show_more_pages_through_then_says_that_is_all(catalogue):
    criteria = SearchCriteria("admin", "Leeds", "temp")
    total = catalogue.search(criteria, limit=3).total
    last = {"keyword": "admin", "location": "Leeds", "job_type": "temp", "min_salary": None, "offset": 0,
            "total": total, "shown": []}
    seen: list[str] = []
    for _ in range(0, total, 3):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(slots={"vacancy_search": last}, latest_message={"text": "show more"})
        events = await ActionMoreVacancies(catalogue).run(dispatcher, tracker, domain())
        if not events:
            break
        last = events[0]["value"]
        seen += last["shown"]
    assert responses(dispatcher) == ["utter_vacancies_no_more"]
    first_page = [v.id for v in catalogue.search(criteria, limit=3).vacancies]
    assert len(set(seen)) == len(seen) == total - 3 and not set(seen) & set(first_page)


async def test_a_page_of_one_is_worded_for_one(catalogue):
    total = catalogue.search(SearchCriteria("admin", "Leeds", "temp"), limit=3).total
    assert total >= 4
    # The page before showed all but the last one.
    last = {"keyword": "admin", "location": "Leeds", "job_type": "temp", "min_salary": None, "offset": total - 4,
            "total": total, "shown": []}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"vacancy_search": last}, latest_message={"text": "show more"})
    await ActionMoreVacancies(catalogue).run(dispatcher, tracker, domain())
    assert rendered(dispatcher.messages[0]) == f"Here's number {total} of {total}:"
    assert len(dispatcher.messages) == 2  # and its card


async def test_show_more_without_a_search(catalogue):
    dispatcher = CollectingDispatcher()
    assert await ActionMoreVacancies(catalogue).run(dispatcher, make_tracker(), domain()) == []
    assert responses(dispatcher) == ["utter_vacancies_no_search"]


async def test_more_like_this_uses_the_card_id(catalogue):
    shown = catalogue.search(SearchCriteria("marketing", "Manchester", "perm"), limit=1).vacancies[0]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(latest_message={
        "text": f'/similar_vacancies{{"vacancy_id": "{shown.id}"}}', "intent": {"name": "similar_vacancies"},
        "entities": [{"entity": "vacancy_id", "value": shown.id}]})
    await ActionSimilarVacancies(catalogue).run(dispatcher, tracker, domain())
    cards = dispatcher.messages[0]["custom"]["cards"]
    assert cards and shown.id not in [c["id"] for c in cards]
    assert [c["id"] for c in cards] == [v.id for v in catalogue.similar(shown.id, limit=3)]


class BrokenCatalogue(Catalogue):
    def __init__(self) -> None:
        pass

    def search(self, *args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("database is locked"))


async def test_database_failure_is_explained_not_silent():
    dispatcher = CollectingDispatcher()
    text = "admin jobs in leeds"
    tracker = search_tracker(text, tagged(text, keyword="admin", location="leeds"), keyword="admin", location="Leeds")
    assert await ActionSearchVacancies(BrokenCatalogue()).run(dispatcher, tracker, domain()) == []
    assert responses(dispatcher) == ["utter_vacancy_search_failed"]
