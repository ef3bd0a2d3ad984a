from datetime import datetime, timezone
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.handoff import ActionSubmitHandoff, ValidateHandoffForm
from actions.vacancies import ActionSearchVacancies
from recruitbot.db import make_engine
from recruitbot.handoff import HandoffService
from recruitbot.mail import OutboxMailer
from recruitbot.office_hours import OfficeHours
from recruitbot.places import load_gazetteer
from recruitbot.schema import callback_requests
from recruitbot.vacancies.search import Catalogue
from tests.helpers import domain, make_tracker

FILLED = {"handoff_name": "Sam Patel", "handoff_contact": "sam.patel@example.co.uk",
          "handoff_question": "Can someone check my CV before Friday?"}
CLEARED = [SlotSet("handoff_name", None), SlotSet("handoff_contact", None), SlotSet("handoff_question", None)]


class FixedClockService(HandoffService):
    """The real service, at a chosen moment."""

    def __init__(self, *args, now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def submit(self, request, now=None):
        return super().submit(request, now=self.now)


class BrokenMailer:
    def send(self, message: EmailMessage) -> str:
        raise OSError("connection refused")


def service(tmp_path: Path, now: datetime, mailer=None) -> FixedClockService:
    return FixedClockService(
        make_engine(f"sqlite:///{tmp_path / 'bot.db'}"),
        mailer or OutboxMailer(tmp_path / "outbox"),
        OfficeHours.parse("Mon-Fri 09:00-17:30", "Europe/London"),
        "candidates@agency.example",
        "bot@agency.example",
        now=now,
    )


def rows(svc: HandoffService) -> list:
    with svc._engine.connect() as conn:
        return conn.execute(select(callback_requests)).all()


async def test_submit_in_office_hours_stores_mails_and_promises_working_hours(tmp_path):
    tuesday_11am = datetime(2026, 11, 24, 11, 0, tzinfo=timezone.utc)
    svc = service(tmp_path, tuesday_11am)
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitHandoff(svc, reply_within_hours=4).run(
        dispatcher, make_tracker(slots=FILLED, channel="socketio"), domain()
    )
    assert events == CLEARED
    assert [(m["response"], m["reference"], m["reply_within_hours"]) for m in dispatcher.messages] == [
        ("utter_handoff_sent_open", "CB-000001", 4)
    ]
    [row] = rows(svc)
    assert (row.name, row.contact, row.contact_kind, row.channel, row.delivered_via) == (
        "Sam Patel", "sam.patel@example.co.uk", "email", "socketio", "outbox")
    [eml] = list((tmp_path / "outbox").glob("*.eml"))
    mail = message_from_bytes(eml.read_bytes())
    assert mail["To"] == "candidates@agency.example"
    assert mail["Reply-To"] == "sam.patel@example.co.uk"
    assert "CB-000001" in mail["Subject"]
    assert "Can someone check my CV before Friday?" in mail.get_payload(decode=True).decode()


async def test_submit_at_the_weekend_says_when_the_office_opens(tmp_path):
    saturday = datetime(2026, 11, 28, 15, 0, tzinfo=timezone.utc)
    dispatcher = CollectingDispatcher()
    await ActionSubmitHandoff(service(tmp_path, saturday)).run(dispatcher, make_tracker(slots=FILLED), domain())
    [message] = dispatcher.messages
    assert (message["response"], message["next_open_day"], message["next_open_time"]) == (
        "utter_handoff_sent_closed", "Monday", "09:00")


async def test_failed_send_keeps_details_stores_nothing_and_says_so(tmp_path):
    svc = service(tmp_path, datetime(2026, 11, 24, 11, 0, tzinfo=timezone.utc), mailer=BrokenMailer())
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitHandoff(svc).run(dispatcher, make_tracker(slots=FILLED), domain())
    assert events == []  # slots kept, so asking again retries
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_failed"]
    assert rows(svc) == []


@pytest.mark.parametrize(
    ("typed", "slot", "response"),
    [
        ("my name is Sam Patel", "Sam Patel", None),
        ("Siobhán O'Neill-Brown", "Siobhán O'Neill-Brown", None),
        ("I want to know about the admin job in Leeds please thanks", None, "utter_invalid_name"),
        ("12345", None, "utter_invalid_name"),
    ],
)
def test_validate_name(typed, slot, response):
    dispatcher = CollectingDispatcher()
    result = ValidateHandoffForm().validate_handoff_name(typed, dispatcher, make_tracker(), domain())
    assert result == {"handoff_name": slot}
    assert [m["response"] for m in dispatcher.messages] == ([response] if response else [])


@pytest.mark.parametrize(
    ("typed", "name"),
    [("my name's Kerry Hughes", "Kerry Hughes"), ("call me Sam", "Sam"), ("are you a bot?", None),
     ("what's your name?", None), ("I'm talking to a bot, aren't I", None)],
)
async def test_a_name_read_as_a_bot_question_is_still_taken_and_a_real_bot_question_is_left_to_the_rules(typed, name):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"requested_slot": "handoff_name"},
                           {"text": typed, "intent": {"name": "bot_challenge", "confidence": 0.9}, "entities": []},
                           active_loop="handoff_form")
    events = await ValidateHandoffForm().run(dispatcher, tracker, domain())
    taken = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
    assert taken.get("handoff_name") == name
    assert dispatcher.messages == []


def name_question(typed: str, entities: list[dict] | None = None, slots: dict | None = None):
    return make_tracker({"requested_slot": "handoff_name", **(slots or {})},
                        {"text": typed, "intent": {"name": "search_vacancies", "confidence": 0.97},
                         "entities": entities or []},
                        active_loop="handoff_form")


@pytest.mark.parametrize(
    ("typed", "entities", "name"),
    [("Robin Shaw", [{"entity": "keyword", "value": "Robin Shaw", "start": 0, "end": 10}], "Robin Shaw"),
     ("it's Lucy O'Brien", [], "Lucy O'Brien"),
     ("Olivia Bennett-Clarke", [], "Olivia Bennett-Clarke"),
     # Searches: in lower case, with search words, or naming a place or a job type.
     ("admin jobs", [{"entity": "keyword", "value": "admin", "start": 0, "end": 5}], None),
     ("Admin Jobs", [{"entity": "keyword", "value": "Admin", "start": 0, "end": 5}], None),
     ("Leeds", [{"entity": "location", "value": "Leeds", "start": 0, "end": 5}], None),
     ("Temp Admin", [{"entity": "job_type", "value": "temp", "start": 0, "end": 4}], None)],
)
async def test_a_name_read_as_a_search_is_taken_at_the_name_question_and_not_searched(typed, entities, name):
    dispatcher = CollectingDispatcher()
    events = await ValidateHandoffForm().run(dispatcher, name_question(typed, entities), domain())
    taken = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
    assert taken.get("handoff_name") == name

    searched = CollectingDispatcher()
    await ActionSearchVacancies(Catalogue(make_engine("sqlite://"), load_gazetteer())).run(
        searched, name_question(typed, entities), domain())
    if name:
        assert searched.messages == []  # the form asks for the contact next
    else:
        assert searched.messages != []


async def test_a_name_written_as_a_name_is_searched_outside_the_name_question():
    tracker = name_question("Robin Shaw", [{"entity": "keyword", "value": "Robin Shaw", "start": 0, "end": 10}],
                            slots={"requested_slot": "handoff_question"})
    events = await ValidateHandoffForm().run(CollectingDispatcher(), tracker, domain())
    assert "handoff_name" not in {event["name"] for event in events if event["event"] == "slot"}


@pytest.mark.parametrize(
    ("typed", "slot", "response"),
    [
        ("Sam.Patel@Example.co.uk", "Sam.Patel@example.co.uk", None),
        ("07700 900123", "+447700900123", None),
        ("+44 (0)113 496 0000", "+441134960000", None),
        ("sam@", None, "utter_invalid_email"),
        ("call me maybe", None, "utter_invalid_contact"),
        ("+1 212 555 0100", None, "utter_invalid_contact"),
    ],
)
def test_validate_contact(typed, slot, response):
    dispatcher = CollectingDispatcher()
    result = ValidateHandoffForm().validate_handoff_contact(typed, dispatcher, make_tracker(), domain())
    assert result == {"handoff_contact": slot}
    assert [m["response"] for m in dispatcher.messages] == ([response] if response else [])
    if response == "utter_invalid_email":
        assert dispatcher.messages[0]["reason"]


def test_validate_question_refuses_empty_and_overlong():
    dispatcher = CollectingDispatcher()
    form = ValidateHandoffForm()
    assert form.validate_handoff_question("  ok ", dispatcher, make_tracker(), domain()) == {"handoff_question": None}
    overlong = "x" * 2001
    assert form.validate_handoff_question(overlong, dispatcher, make_tracker(), domain()) == {"handoff_question": None}
    assert form.validate_handoff_question("Is my CV OK?", dispatcher, make_tracker(), domain()) == {
        "handoff_question": "Is my CV OK?"}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_question"] * 2
