"""The job-alert actions against the real alert service (SQLite, fake senders).

Sign-up form, list, edit, pause, resume, delete and forget-me, each as a candidate would say it.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from actions.alerts import (
    ActionAskAlertConsent,
    ActionChangeAlerts,
    ActionEditAlert,
    ActionForgetMe,
    ActionListAlerts,
    ActionSubmitAlert,
    ValidateAlertForm,
    parse_delivery,
    parse_frequency,
)
from recruitbot.alerts.model import Frequency, Requester, Status
from recruitbot.alerts.service import AlertService
from recruitbot.db import make_engine
from recruitbot.places import load_gazetteer
from recruitbot.schema import alert_consents
from recruitbot.vacancies.model import SearchCriteria
from tests.alerts.helpers import CONSENT, T0, FakeConversations, RecordingNotifier, make_service, subscribe
from tests.helpers import domain, rendered

TELEGRAM_USER = "123456789"


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def conversations() -> FakeConversations:
    return FakeConversations()


@pytest.fixture
def service(tmp_path, notifier: RecordingNotifier, conversations: FakeConversations) -> AlertService:
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.db'}")
    return make_service(engine, load_gazetteer(), notifier, conversations=conversations)


def tagged(text: str, **values: str) -> list[dict[str, Any]]:
    return [{"entity": name, "value": value, "start": text.index(value), "end": text.index(value) + len(value)}
            for name, value in values.items()]


def tracker(text: str, intent: str = "inform", entities: list[dict[str, Any]] | None = None,
            channel: str = "socketio", sender: str = "web-session-1", history: list[dict[str, Any]] | None = None,
            **slots: Any) -> Tracker:
    """A tracker whose latest message is ``text``, after ``history``; ``slots`` as the conversation holds them."""
    return Tracker(
        sender_id=sender, slots=slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
        events=[*(history or []), {"event": "user", "text": text, "input_channel": channel}],
        paused=False, followup_action=None, active_loop={"name": "alert_form"} if "requested_slot" in slots else {},
        latest_action_name="action_listen",
    )


async def validate(form_tracker: Tracker) -> tuple[dict[str, Any], list[str | None]]:
    """Run the form's validation; return the slots it set and the responses it said."""
    dispatcher = CollectingDispatcher()
    events = await ValidateAlertForm().run(dispatcher, form_tracker, domain())
    return ({event["name"]: event["value"] for event in events if event["event"] == "slot"},
            [message["response"] for message in dispatcher.messages])


async def test_the_first_sentence_gives_every_criterion_it_names_and_only_missing_ones_are_asked():
    text = "let me know when new marketing jobs come up in Leeds paying over 30k"
    # An earlier search for temp work is not carried into an alert that names its own criteria.
    slots, said = await validate(tracker(text, "subscribe_alerts", tagged(text, keyword="marketing", location="Leeds"),
                                         keyword="marketing", location="Leeds", job_type="temp"))
    assert slots["alert_criteria"] == {"keyword": "marketing", "location": "Leeds", "job_type": None,
                                       "min_salary": 30000}
    assert slots["requested_slot"] == "alert_frequency" and said == []

    text = "email me daily about temp admin jobs in York at sam.k@example.com"
    slots, _ = await validate(tracker(text, "subscribe_alerts", tagged(
        text, job_type="temp", keyword="admin", location="York", email="sam.k@example.com"),
        keyword="admin", location="York", job_type="temp"))
    assert slots["alert_criteria"]["keyword"] == "admin" and slots["alert_frequency"] == "daily"
    assert slots["alert_email"] == "sam.k@example.com" and slots["requested_slot"] == "alert_consent"


async def test_the_alert_me_button_under_results_takes_the_last_search():
    slots, _ = await validate(tracker("/subscribe_alerts", "subscribe_alerts", keyword="payroll", location="Bradford",
                                      job_type="perm", min_salary=28000.0))
    assert slots["alert_criteria"] == {"keyword": "payroll", "location": "Bradford", "job_type": "perm",
                                       "min_salary": 28000}


STOPPED_SIGN_UP = {"alert_criteria": {"keyword": "admin", "location": "Leeds", "job_type": None, "min_salary": None},
                   "alert_frequency": "daily", "alert_email": "old@example.com"}


async def test_a_new_sign_up_starts_empty_after_one_that_was_stopped():
    # "no" or "stop" ends a sign-up with its answers still in the slots.
    slots, _ = await validate(tracker("job alerts please", "subscribe_alerts", **STOPPED_SIGN_UP))
    assert slots == {"alert_criteria": None, "alert_frequency": None, "alert_email": None,
                     "requested_slot": "alert_criteria"}

    text = "job alerts for marketing in York"
    slots, said = await validate(tracker(text, "subscribe_alerts", tagged(text, keyword="marketing", location="York"),
                                         keyword="marketing", location="York", **STOPPED_SIGN_UP))
    assert slots["alert_criteria"]["keyword"] == "marketing" and slots["alert_criteria"]["location"] == "York"
    assert slots["alert_frequency"] is None and slots["requested_slot"] == "alert_frequency" and said == []


async def test_answers_left_from_a_stopped_sign_up_are_cleared_when_rasa_validates_them_at_the_start():
    # Rasa validates slots filled before the form starts with the form already active (activated this turn).
    starting = tracker("job alerts please", "subscribe_alerts", requested_slot=None, **STOPPED_SIGN_UP)
    starting.events.append({"event": "active_loop", "name": "alert_form"})
    starting.active_loop = {"name": "alert_form"}
    slots, _ = await validate(starting)
    assert slots == {"alert_criteria": None, "alert_frequency": None, "alert_email": None,
                     "requested_slot": "alert_criteria"}


async def test_answers_given_in_the_sign_up_are_kept_while_it_runs():
    slots, _ = await validate(tracker("sam@example.com", requested_slot="alert_email", **STOPPED_SIGN_UP))
    assert slots == {"alert_email": "sam@example.com", "requested_slot": "alert_consent"}


async def test_with_no_criteria_it_asks_what_to_look_for_and_explains_until_it_has_some():
    slots, _ = await validate(tracker("sign me up for job alerts", "subscribe_alerts"))
    assert slots["alert_criteria"] is None and slots["requested_slot"] == "alert_criteria"

    slots, said = await validate(tracker("anything really", requested_slot="alert_criteria"))
    assert said == ["utter_alert_criteria_needed"] and slots["requested_slot"] == "alert_criteria"

    text = "payroll in Leeds"
    slots, said = await validate(tracker(text, entities=tagged(text, keyword="payroll", location="Leeds"),
                                         requested_slot="alert_criteria"))
    assert slots["alert_criteria"]["keyword"] == "payroll" and slots["requested_slot"] == "alert_frequency"
    assert said == []


async def test_hours_asked_for_in_the_criteria_are_said_to_be_unmatched():
    text = "part time payroll in Leeds"
    slots, said = await validate(tracker(text, entities=tagged(text, keyword="payroll", location="Leeds"),
                                         requested_slot="alert_criteria"))
    assert slots["alert_criteria"]["keyword"] == "payroll" and slots["requested_slot"] == "alert_frequency"
    assert said == ["utter_alert_hours_unknown"]

    text = "email me about new marketing jobs in York, 20 hours a week"
    slots, said = await validate(tracker(text, "subscribe_alerts", tagged(text, keyword="marketing", location="York"),
                                         keyword="marketing", location="York"))
    assert slots["alert_criteria"]["location"] == "York" and said == ["utter_alert_hours_unknown"]


async def test_asked_what_to_look_out_for_jobs_named_as_a_search_are_the_answer():
    # The NLU reads "marketing in Manchester" as a search; at this question it is the answer, not a detour.
    text = "marketing in Manchester"
    found = tagged(text, keyword="marketing", location="Manchester")
    slots, said = await validate(tracker(text, "search_vacancies", found, requested_slot="alert_criteria"))
    assert slots["alert_criteria"]["keyword"] == "marketing" and slots["alert_criteria"]["location"] == "Manchester"
    assert slots["requested_slot"] == "alert_frequency" and said == []

    # Asked something else, a search is still a detour: the rules run it, then the same question comes back.
    slots, said = await validate(tracker(text, "search_vacancies", found, alert_criteria=CRITERIA,
                                         requested_slot="alert_frequency"))
    assert "alert_criteria" not in slots and said == []


@pytest.mark.parametrize(("answer", "expected"), [
    ("once a day please", "daily"), ("a daily digest", "daily"), ("every morning", "daily"),
    ("straight away", "instant"), ("as soon as they come in", "instant"), ("ASAP", "instant"),
    ("whenever one comes in", "instant"), ("banana", None), ("now", "instant"), ("no, not now", None),
    ("not right now thanks", None), ("not now, once a day is fine", "daily"),
])
def test_how_often_is_understood_in_plain_words(answer: str, expected: str | None):
    assert parse_frequency(answer) == expected


@pytest.mark.parametrize(("answer", "expected"), [
    ("send them here", "chat"), ("on telegram", "chat"), ("by email", "email"), ("e-mail me", "email"),
    ("jo@example.com", "email"), ("hmm", None),
])
def test_where_to_is_understood_in_plain_words(answer: str, expected: str | None):
    assert parse_delivery(answer) == expected


CRITERIA = {"keyword": "marketing", "location": "Leeds", "job_type": None, "min_salary": None}


async def test_an_unclear_answer_is_asked_again_with_the_choices_and_a_question_is_left_to_the_rules():
    slots, said = await validate(tracker("banana", alert_criteria=CRITERIA, requested_slot="alert_frequency"))
    assert said == ["utter_alert_frequency_unclear"]
    assert slots["alert_frequency"] is None and slots["requested_slot"] == "alert_frequency"

    # A frequency alerts do not offer is named as such, and asked again.
    slots, said = await validate(tracker("weekly please", alert_criteria=CRITERIA, requested_slot="alert_frequency"))
    assert said == ["utter_alert_frequency_not_offered"]
    assert slots["alert_frequency"] is None and slots["requested_slot"] == "alert_frequency"

    # An FAQ mid-form sets nothing: Rasa's form rejects, the FAQ rule answers, the form asks again.
    slots, said = await validate(tracker("should I send a thank you email", "faq", alert_criteria=CRITERIA,
                                         requested_slot="alert_frequency"))
    assert said == [] and "alert_frequency" not in slots

    slots, _ = await validate(tracker('/inform{"alert_frequency":"daily"}', entities=[
        {"entity": "alert_frequency", "value": "daily"}], alert_criteria=CRITERIA, requested_slot="alert_frequency"))
    assert slots["alert_frequency"] == "daily" and slots["requested_slot"] == "alert_email"


@pytest.mark.parametrize("intent", ["goodbye", "thank", "inform", "out_of_scope"])
@pytest.mark.parametrize("text", ["every fortnight", "once a week please", "Monthly.", "every 2 weeks"])
async def test_a_frequency_not_offered_is_named_and_asked_again_whatever_the_intent(text: str, intent: str):
    """A model read "every fortnight" as a goodbye, which ended the sign-up."""
    slots, said = await validate(tracker(text, intent, alert_criteria=CRITERIA, requested_slot="alert_frequency"))
    assert said == ["utter_alert_frequency_not_offered"]
    assert slots["alert_frequency"] is None and slots["requested_slot"] == "alert_frequency"


@pytest.mark.parametrize(("text", "intent", "expected"), [
    ("once a day", "goodbye", "daily"), ("every day please", "goodbye", "daily"),
    ("as soon as they come in", "faq", "instant"), ("straight away thanks", "thank", "instant"),
    ("ok, daily", "deny", "daily"), ("send them as soon as they come in", "thank", "instant"),
])
async def test_a_plain_frequency_is_the_answer_whatever_the_intent(text: str, intent: str, expected: str):
    slots, said = await validate(tracker(text, intent, alert_criteria=CRITERIA, requested_slot="alert_frequency"))
    assert slots["alert_frequency"] == expected and said == []


@pytest.mark.parametrize(("text", "intent"), [
    ("bye for now", "goodbye"), ("thanks, that's all for now", "thank"), ("have a good day", "goodbye"),
    ("it's been two weeks since my interview, should i chase?", "faq"), ("no, not now", "deny"),
])
async def test_a_message_with_more_than_a_frequency_keeps_its_intent(text: str, intent: str):
    """"bye for now" had set instant alerts ("now") and carried on with the sign-up."""
    slots, said = await validate(tracker(text, intent, alert_criteria=CRITERIA, requested_slot="alert_frequency"))
    assert said == [] and "alert_frequency" not in slots


async def test_a_message_not_understood_is_asked_again_not_taken_for_its_words():
    """Not understood (nlu_fallback), "thanks, that's all for now" had set instant alerts ("now")."""
    slots, said = await validate(tracker("thanks, that's all for now", "nlu_fallback", alert_criteria=CRITERIA,
                                         requested_slot="alert_frequency"))
    assert said == ["utter_alert_frequency_unclear"] and slots["alert_frequency"] is None
    slots, said = await validate(tracker("once a day please", "nlu_fallback", alert_criteria=CRITERIA,
                                         requested_slot="alert_frequency"))
    assert slots["alert_frequency"] == "daily" and said == []


@pytest.mark.parametrize(("text", "intent", "slot"), [
    ("now what", "what_next", "alert_frequency"),  # "now" is otherwise "as soon as they come in"
    ("no, not now", "deny", "alert_frequency"),
    ("what now, send them here?", "what_next", "alert_delivery"),
])
async def test_what_now_or_not_now_is_not_taken_as_the_answer(text: str, intent: str, slot: str):
    """Nothing is set and nothing said: Rasa's form rejects, and the intent's rule answers."""
    # Where to is asked on Telegram and Slack only.
    on_telegram = {"channel": "telegram", "sender": TELEGRAM_USER, "alert_frequency": "daily"}
    chat = on_telegram if slot == "alert_delivery" else {}
    slots, said = await validate(tracker(text, intent, alert_criteria=CRITERIA, requested_slot=slot, **chat))
    assert said == [] and slot not in slots


async def test_an_answer_the_nlu_reads_as_something_else_is_still_the_answer():
    # The NLU reads a typed "Once a day" as a goodbye; the form takes it before the goodbye rule could.
    slots, said = await validate(tracker("Once a day", "goodbye", alert_criteria=CRITERIA,
                                         requested_slot="alert_frequency"))
    assert said == [] and slots["alert_frequency"] == "daily"


async def test_a_bad_email_is_refused_with_the_reason_and_asked_again():
    slots, said = await validate(tracker("jo.bloggs@example", alert_criteria=CRITERIA, alert_frequency="daily",
                                         requested_slot="alert_email"))
    assert said == ["utter_invalid_email"] and slots["alert_email"] is None
    assert slots["requested_slot"] == "alert_email"

    # Where alerts can only go by email, "send them here" is told why, and asked again.
    slots, said = await validate(tracker("just send them here", alert_criteria=CRITERIA, alert_frequency="daily",
                                         requested_slot="alert_email"))
    assert said == ["utter_alert_email_only"] and slots["alert_email"] is None
    assert slots["requested_slot"] == "alert_email"

    slots, said = await validate(tracker("Jo.Bloggs@Example.co.uk", alert_criteria=CRITERIA, alert_frequency="daily",
                                         requested_slot="alert_email"))
    assert said == [] and slots["alert_email"] == "jo.bloggs@example.co.uk"
    assert slots["requested_slot"] == "alert_consent"


async def test_a_mistyped_address_in_a_sentence_gets_the_reason_for_the_address_not_the_sentence():
    dispatcher = CollectingDispatcher()
    slots = ValidateAlertForm().validate_alert_email("my email is jo@@example", dispatcher,
                                                     tracker("my email is jo@@example", requested_slot="alert_email"),
                                                     domain())
    [said] = dispatcher.messages
    assert slots == {"alert_email": None} and said["response"] == "utter_invalid_email"
    assert "@-sign" in said["reason"] and "SPACE" not in said["reason"]


async def test_a_change_of_mind_mid_form_changes_the_criteria_and_asks_the_same_question_again():
    text = "actually make it perm ones"
    slots, said = await validate(tracker(text, entities=tagged(text, job_type="perm"), alert_criteria=CRITERIA,
                                         alert_frequency="daily", requested_slot="alert_email"))
    assert said == ["utter_alert_criteria_changed"]
    assert slots["alert_criteria"] == {**CRITERIA, "job_type": "perm"} and slots["requested_slot"] == "alert_email"
    assert "alert_email" not in slots


def spans(text: str, *found: tuple[str, str]) -> list[dict[str, Any]]:
    """Entities as the NLU tags them, (entity, value) in the order they appear in ``text``."""
    entities, start = [], 0
    for entity, value in found:
        start = text.index(value, start)
        entities.append({"entity": entity, "value": value, "start": start, "end": start + len(value)})
        start += len(value)
    return entities


FILLED = {"alert_criteria": {**CRITERIA, "location": "York"}, "alert_frequency": "daily",
          "alert_email": "jo@example.com"}
FORM_ORDER = ["alert_criteria", "alert_frequency", "alert_email", "alert_consent"]


@pytest.mark.parametrize(("text", "intent", "found", "changed", "asked"), [
    ("no wait, make it admin", "deny", [("keyword", "admin")], {"keyword": "admin"}, "alert_consent"),
    ("no wait, make it admin", "faq", [("keyword", "admin")], {"keyword": "admin"}, "alert_consent"),
    ("wait, make it marketing jobs instead", "search_vacancies", [("keyword", "marketing")],
     {"keyword": "marketing"}, "alert_email"),
    ("no wait, admin", "deny", [("keyword", "admin")], {"keyword": "admin"}, "alert_consent"),
    ("no sorry I meant finance", "deny", [("keyword", "finance")], {"keyword": "finance"}, "alert_consent"),
    ("no, leeds not york", "deny", [("location", "leeds"), ("location", "york")], {"location": "Leeds"},
     "alert_consent"),
    ("no, temp not perm", "deny", [("job_type", "temp"), ("job_type", "perm")], {"job_type": "temp"},
     "alert_email"),
    ("no, change it to bradford", "edit_alert", [("location", "bradford")], {"location": "Bradford"},
     "alert_frequency"),
])
async def test_a_no_or_an_edit_that_corrects_the_criteria_changes_them_and_asks_the_same_question_again(
        text: str, intent: str, found: list[tuple[str, str]], changed: dict[str, str], asked: str):
    # Read as a no, "no wait, make it admin" at the consent question cancelled the whole sign-up (one model read
    # it as the FAQ on how long to wait, at 1.00); read as editing an alert, "change it to bradford" answered
    # "This chat has no job alerts".
    filled = {slot: value for slot, value in FILLED.items() if FORM_ORDER.index(slot) < FORM_ORDER.index(asked)}
    slots, said = await validate(tracker(text, intent, spans(text, *found), requested_slot=asked, **filled))
    assert said == ["utter_alert_criteria_changed"]
    assert slots["alert_criteria"] == {**FILLED["alert_criteria"], **changed}
    assert slots["requested_slot"] == asked and asked not in slots


@pytest.mark.parametrize(("text", "found", "intent"), [
    *[(text, found, intent) for intent in ("deny", "faq") for text, found in [
        ("no, not marketing", [("keyword", "marketing")]),
        ("no thanks, leeds is too far", [("location", "leeds")]),
        ("no sorry, leeds is too far", [("location", "leeds")]),
        ("no, not in london", [("location", "london")])]],
    ("how long should i wait to hear back about the marketing job?", [("keyword", "marketing")], "faq"),
    ("actually can someone call me about admin work", [("keyword", "admin")], "human_handoff"),
])
async def test_a_no_or_a_question_that_names_criteria_without_correcting_them_is_left_to_the_rules(
        text: str, found: list[tuple[str, str]], intent: str):
    slots, said = await validate(tracker(text, intent, spans(text, *found), requested_slot="alert_consent", **FILLED))
    assert said == [] and set(slots) <= {"requested_slot"}


async def test_criteria_set_aside_in_an_answer_are_not_taken():
    text = "admin jobs, not in london"
    slots, _ = await validate(tracker(text, entities=spans(text, ("keyword", "admin"), ("location", "london")),
                                      requested_slot="alert_criteria"))
    assert slots["alert_criteria"] == {"keyword": "admin", "location": None, "job_type": None, "min_salary": None}


async def test_on_telegram_it_asks_where_to_and_here_needs_no_email():
    slots, _ = await validate(tracker("daily", channel="telegram", sender=TELEGRAM_USER, alert_criteria=CRITERIA,
                                      requested_slot="alert_frequency"))
    assert slots["requested_slot"] == "alert_delivery"
    slots, _ = await validate(tracker("send them here", channel="telegram", sender=TELEGRAM_USER,
                                      alert_criteria=CRITERIA, alert_frequency="daily",
                                      requested_slot="alert_delivery"))
    assert slots["alert_delivery"] == "chat" and slots["requested_slot"] == "alert_consent"

    # Email chosen, then "send them here" at the address question: this chat after all.
    slots, said = await validate(tracker("actually just send them here", channel="telegram", sender=TELEGRAM_USER,
                                         alert_criteria=CRITERIA, alert_frequency="daily", alert_delivery="email",
                                         requested_slot="alert_email"))
    assert said == [] and slots["alert_delivery"] == "chat" and slots["requested_slot"] == "alert_consent"


@pytest.mark.parametrize(("text", "intent"), [
    ("just send them here", "resume_alerts"), ("actually send them here instead", "faq"),
    ("can you just send them in this chat", "nlu_fallback"), ("here please", "affirm"),
])
async def test_send_them_here_at_the_address_question_is_a_change_of_mind_whatever_the_intent(text: str, intent: str):
    # The NLU reads "send them" as "start sending my alerts again", "actually ... instead" as a question.
    email_asked = {"alert_criteria": CRITERIA, "alert_frequency": "daily", "alert_delivery": "email",
                   "requested_slot": "alert_email"}
    slots, said = await validate(tracker(text, intent, channel="telegram", sender=TELEGRAM_USER, **email_asked))
    assert said == [] and slots["alert_delivery"] == "chat" and slots["requested_slot"] == "alert_consent"

    # On the website it is told why alerts go by email there, and asked again.
    slots, said = await validate(tracker(text, intent, **email_asked))
    assert said == ["utter_alert_email_only"] and slots["alert_email"] is None
    assert slots["requested_slot"] == "alert_email"


@pytest.mark.parametrize(("text", "intent"), [
    ("is this chat private?", "faq"), ("can i chat to a real person", "human_handoff"),
    ("no, don't send them here", "deny"), ("stop them, i don't want them here", "unsubscribe_alerts"),
])
async def test_a_question_or_a_cancel_that_mentions_the_chat_still_leaves_the_address_question(text: str, intent: str):
    slots, said = await validate(tracker(text, intent, channel="telegram", sender=TELEGRAM_USER,
                                         alert_criteria=CRITERIA, alert_frequency="daily", alert_delivery="email",
                                         requested_slot="alert_email"))
    assert said == [] and "alert_delivery" not in slots and "alert_email" not in slots


@pytest.mark.parametrize(("text", "intent"), [
    ("yes", "affirm"), ("ok sure", "affirm"), ("my gmail one", "inform"),
    # The NLU reads "by email" as "unsubscribe", "my email" as "list my alerts": on the website, where the
    # delivery question is skipped, a candidate may still answer it.
    ("By email", "unsubscribe_alerts"), ("email is fine", "unsubscribe_alerts"), ("to my email", "list_alerts"),
    ("via email thanks", "thank"), ("an email please", "inform"),
])
async def test_an_answer_without_an_address_is_asked_for_the_address_itself(text: str, intent: str):
    slots, said = await validate(tracker(text, intent, alert_criteria=CRITERIA, alert_frequency="daily",
                                         requested_slot="alert_email"))
    assert said == ["utter_alert_email_needs_address"] and slots["alert_email"] is None
    assert slots["requested_slot"] == "alert_email"


@pytest.mark.parametrize(("text", "intent"), [
    ("unsubscribe my email", "unsubscribe_alerts"), ("what will you do with my email?", "faq"),
])
async def test_more_than_by_email_at_the_address_question_is_not_taken_as_an_answer(text: str, intent: str):
    slots, said = await validate(tracker(text, intent, alert_criteria=CRITERIA, alert_frequency="daily",
                                         requested_slot="alert_email"))
    assert said == [] and "alert_email" not in slots


@pytest.mark.parametrize(("text", "intent"), [("thanks", "thank"), ("ok bye", "goodbye")])
@pytest.mark.parametrize("asked", ["alert_frequency", "alert_email", "alert_consent"])
async def test_a_thank_you_or_a_goodbye_mid_form_is_left_to_the_rules(text: str, intent: str, asked: str):
    # Not an unclear answer: the rules say "you're welcome" and carry on, or cancel on a goodbye.
    order = ["alert_criteria", "alert_frequency", "alert_email", "alert_consent"]
    filled = {"alert_criteria": CRITERIA, "alert_frequency": "daily", "alert_email": "jo@example.com"}
    answered = {slot: filled[slot] for slot in order[: order.index(asked)]}
    slots, said = await validate(tracker(text, intent, requested_slot=asked, **answered))
    assert said == [] and asked not in slots


@pytest.mark.parametrize("text", ["why do you need my email?", "what will you do with my email address",
                                  "will you send my details by email to other companies?"])
@pytest.mark.parametrize("asked", ["alert_delivery", "alert_email", "alert_consent"])
async def test_a_question_about_what_is_kept_is_left_to_the_rules_not_taken_as_an_answer(text: str, asked: str):
    # Read as a goodbye, "why do you need my email" had ended the sign-up; its "email" is no choice of delivery.
    order = ["alert_criteria", "alert_frequency", "alert_delivery", "alert_email", "alert_consent"]
    filled = {"alert_criteria": CRITERIA, "alert_frequency": "daily", "alert_delivery": "email",
              "alert_email": "jo@example.com"}
    answered = {slot: filled[slot] for slot in order[: order.index(asked)]}
    slots, said = await validate(tracker(text, "ask_privacy", channel="telegram", sender=TELEGRAM_USER,
                                         requested_slot=asked, **answered))
    assert said == [] and asked not in slots


async def test_only_an_explicit_yes_is_consent():
    filled = {"alert_criteria": CRITERIA, "alert_frequency": "daily", "alert_email": "jo@example.com",
              "requested_slot": "alert_consent"}
    slots, said = await validate(tracker("maybe later", **filled))
    assert said == ["utter_alert_consent_needs_yes"] and slots["requested_slot"] == "alert_consent"
    slots, said = await validate(tracker("no thanks", "deny", **filled))
    assert said == [] and "alert_consent" not in slots  # the cancel rule takes it
    slots, _ = await validate(tracker("yes please", "affirm", **filled))
    assert slots["alert_consent"] is True and slots["requested_slot"] is None


async def consent_shown(**slots: Any) -> tuple[str, dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    channel = slots.pop("channel", "socketio")
    events = await ActionAskAlertConsent().run(dispatcher, tracker("", channel=channel, **slots), domain())
    [message] = dispatcher.messages
    assert [button["payload"] for button in message["buttons"]] == ["/affirm", "/deny"]
    return message["text"], {event["name"]: event["value"] for event in events}


async def test_the_consent_wording_says_what_how_often_where_and_how_to_stop():
    text, slots = await consent_shown(alert_criteria=CRITERIA, alert_frequency="daily", alert_email="jo@example.com")
    assert slots == {"alert_consent_text": text}
    for part in ("jo@example.com", "marketing · Leeds", "once a day", "unsubscribe", "stop my job alerts",
                 "nothing is sent until you click"):
        assert part in text
    text, _ = await consent_shown(alert_criteria=CRITERIA, alert_frequency="instant", alert_delivery="chat",
                                  channel="telegram")
    assert "here on Telegram" in text and "as soon as they come in" in text


async def submit(service: AlertService, **slots: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    channel, sender = slots.pop("channel", "socketio"), slots.pop("sender", "web-session-1")
    events = await ActionSubmitAlert(service).run(dispatcher, tracker("yes", "affirm", channel=channel, sender=sender,
                                                                      **slots), domain())
    return dispatcher.messages, {event["name"]: event["value"] for event in events}


async def test_a_website_sign_up_emails_the_opt_in_link_and_stores_the_consent_wording(service, notifier):
    text, _ = await consent_shown(alert_criteria=CRITERIA, alert_frequency="daily", alert_email="jo@example.com")
    said, cleared = await submit(service, alert_criteria=CRITERIA, alert_frequency="daily",
                                 alert_email="jo@example.com", alert_consent=True, alert_consent_text=text)
    assert [message["response"] for message in said] == ["utter_alert_check_email"]
    assert said[0]["address"] == "j***@example.com"  # never the full address, even back in the chat
    assert all(value is None for value in cleared.values()) and "alert_email" in cleared
    [confirmation] = notifier.confirmations
    assert confirmation.recipient == "jo@example.com"
    [alert] = service.list_alerts(Requester("socketio", "web-session-1"))
    assert alert.status is Status.PENDING and alert.criteria == SearchCriteria("marketing", "Leeds")
    with service._engine.connect() as connection:
        consent = connection.execute(select(alert_consents)).one()
    assert consent.wording_version.startswith("alert-consent-") and consent.channel == "socketio"


async def test_telegram_send_them_here_is_on_at_once_after_the_yes_button(service):
    said, _ = await submit(service, channel="telegram", sender=TELEGRAM_USER, alert_criteria=CRITERIA,
                           alert_frequency="instant", alert_delivery="chat", alert_consent=True,
                           alert_consent_text="the wording shown")
    assert [message["response"] for message in said] == ["utter_alert_active_in_chat"]
    [alert] = service.list_alerts(Requester("telegram", TELEGRAM_USER))
    assert alert.status is Status.ACTIVE and alert.delivery == "telegram"


async def test_without_a_yes_nothing_is_stored(service):
    said, _ = await submit(service, alert_criteria=CRITERIA, alert_frequency="daily", alert_email="jo@example.com",
                           alert_consent=None, alert_consent_text="the wording shown")
    assert [message["response"] for message in said] == ["utter_alert_cancelled"]
    assert service.list_alerts(Requester("socketio", "web-session-1")) == []
    with service._engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(alert_consents)).scalar() == 0


async def run(action: Any, text: str, intent: str, entities: list[dict[str, Any]] | None = None,
              channel: str = "telegram", sender: str = TELEGRAM_USER,
              history: list[dict[str, Any]] | None = None) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(text, intent, entities, channel=channel, sender=sender,
                                                  history=history), domain())
    return dispatcher.messages, events


TELEGRAM = Requester("telegram", TELEGRAM_USER)


async def test_listing_shows_each_alert_with_buttons_that_fit_telegram(service):
    said, _ = await run(ActionListAlerts(service), "what alerts do I have?", "list_alerts")
    assert [message["response"] for message in said] == ["utter_alerts_none_chat"]

    subscribe(service, SearchCriteria("marketing", "Leeds"), TELEGRAM, email=None)
    subscribe(service, SearchCriteria("admin", None, "temp"), TELEGRAM, email="jo@example.com")
    said, _ = await run(ActionListAlerts(service), "what alerts do I have?", "list_alerts")
    [message] = said
    assert message["response"] == "utter_alert_list" and message["count"] == 2
    assert "1. marketing · Leeds: Telegram, as soon as they come in (on)" in message["alerts"]
    assert "2. temp · admin: by email to j***@example.com" in message["alerts"]
    assert len(message["buttons"]) == 4
    assert all(len(button["payload"].encode()) <= 64 for button in message["buttons"])


async def test_change_my_leeds_alert_to_bradford(service):
    subscribe(service, SearchCriteria("marketing", "Leeds"), TELEGRAM, email=None)
    subscribe(service, SearchCriteria("admin", "York"), TELEGRAM, email=None)
    text = "change my Leeds alert to Bradford"
    said, _ = await run(ActionEditAlert(service), text, "edit_alert",
                        [*tagged(text, location="Leeds"), *tagged(text.replace("Leeds", "-----"), location="Bradford")])
    assert [message["response"] for message in said] == ["utter_alert_updated"]
    assert said[0]["criteria"] == "marketing · Bradford"
    assert {alert.criteria.location for alert in service.list_alerts(TELEGRAM)} == {"Bradford", "York"}

    text = "change my alert to Harrogate"  # two alerts: which one?
    said, _ = await run(ActionEditAlert(service), text, "edit_alert", tagged(text, location="Harrogate"))
    assert [message["response"] for message in said] == ["utter_alert_edit_which"]


async def test_pause_resume_and_stop_by_button_by_description_and_all(service):
    leeds = subscribe(service, SearchCriteria("marketing", "Leeds"), TELEGRAM, email=None)
    subscribe(service, SearchCriteria("admin", "York"), TELEGRAM, email=None)

    said, _ = await run(ActionChangeAlerts(service), f'/pause_alerts{{"alert_id":"{leeds}"}}', "pause_alerts",
                        [{"entity": "alert_id", "value": leeds}])
    assert [message["response"] for message in said] == ["utter_alerts_paused_one"]
    assert {a.id: a.status for a in service.list_alerts(TELEGRAM)}[leeds] is Status.PAUSED

    text = "resume the Leeds alert"
    said, _ = await run(ActionChangeAlerts(service), text, "resume_alerts", tagged(text, location="Leeds"))
    assert [message["response"] for message in said] == ["utter_alerts_resumed_one"]

    text = "cancel the Bristol alert"
    said, _ = await run(ActionChangeAlerts(service), text, "unsubscribe_alerts", tagged(text, location="Bristol"))
    assert [message["response"] for message in said] == ["utter_alert_not_found"]
    assert len(service.list_alerts(TELEGRAM)) == 2

    # An alert set aside is not the one meant: nothing changes, and each alert is shown with its buttons.
    text = "stop all my job alerts except the leeds one"
    said, _ = await run(ActionChangeAlerts(service), text, "unsubscribe_alerts", tagged(text, location="leeds"))
    assert [message["response"] for message in said] == ["utter_alert_not_found"]
    assert {a.id: a.status for a in service.list_alerts(TELEGRAM)}[leeds] is Status.ACTIVE
    assert len(service.list_alerts(TELEGRAM)) == 2

    said, _ = await run(ActionChangeAlerts(service), "stop my job alerts", "unsubscribe_alerts")
    assert [message["response"] for message in said] == ["utter_alerts_deleted"] and said[0]["count"] == 2
    assert service.list_alerts(TELEGRAM) == []


@pytest.mark.parametrize("text", ["should i stop looking for jobs now", "stop", "cancel"])
async def test_a_stop_that_does_not_say_alerts_is_checked_first_and_only_a_yes_to_the_check_deletes(service, text):
    subscribe(service, SearchCriteria("marketing", "Leeds"), TELEGRAM, email=None)
    said, _ = await run(ActionChangeAlerts(service), text, "unsubscribe_alerts")
    assert [message["response"] for message in said] == ["utter_confirm_stop_alerts"]
    assert [alert.status for alert in service.list_alerts(TELEGRAM)] == [Status.ACTIVE]

    # A yes to something else asked before changes nothing.
    said, _ = await run(ActionChangeAlerts(service), "yes", "affirm", history=[
        {"event": "bot", "text": "Anything else?", "metadata": {"utter_action": "utter_anything_else"}}])
    assert [message["response"] for message in said] == ["utter_anything_else"]
    assert len(service.list_alerts(TELEGRAM)) == 1

    said, _ = await run(ActionChangeAlerts(service), "yes", "affirm", history=[
        {"event": "user", "text": text},
        {"event": "bot", "text": "Just to check...", "metadata": {"utter_action": "utter_confirm_stop_alerts"}}])
    assert [message["response"] for message in said] == ["utter_alerts_deleted_one"]
    assert service.list_alerts(TELEGRAM) == []


async def test_an_unclear_stop_from_someone_with_no_alerts_offers_the_job_hunting_question(service):
    said, _ = await run(ActionChangeAlerts(service), "should i stop applying elsewhere", "unsubscribe_alerts")
    assert [message["response"] for message in said] == ["utter_nothing_to_stop"]


@pytest.mark.parametrize("text", ["stop my job alerts", "unsubscribe", "no more emails please", "opt me out",
                                  "stop sending me jobs"])
async def test_a_stop_that_says_it_is_about_alerts_deletes_at_once(service, text):
    subscribe(service, SearchCriteria("marketing", "Leeds"), TELEGRAM, email=None)
    said, _ = await run(ActionChangeAlerts(service), text, "unsubscribe_alerts")
    assert [message["response"] for message in said] == ["utter_alerts_deleted_one"]


async def test_a_website_chat_reaches_only_its_own_alerts(service):
    subscribe(service, SearchCriteria("marketing", "Leeds"), Requester("socketio", "someone-else"))
    said, _ = await run(ActionChangeAlerts(service), "stop my job alerts", "unsubscribe_alerts", channel="socketio",
                        sender="web-session-1")
    assert [message["response"] for message in said] == ["utter_alerts_none_website"]
    assert len(service.list_alerts(Requester("socketio", "someone-else"))) == 1


async def test_forget_me_erases_alerts_and_the_conversation(service, conversations):
    subscribe(service, SearchCriteria("marketing", "Leeds"), TELEGRAM, email=None)
    said, events = await run(ActionForgetMe(service), "yes", "affirm")
    assert [message["response"] for message in said] == ["utter_forget_me_done"]
    assert events == [AllSlotsReset()]
    assert service.list_alerts(TELEGRAM) == [] and TELEGRAM_USER in conversations.erased


class BrokenService:
    """An alert service whose database is down."""

    def __getattr__(self, name: str) -> Any:
        def fail(*_args: Any, **_kwargs: Any) -> None:
            raise OperationalError("SELECT 1", {}, Exception("database is down"))
        return fail


@pytest.mark.parametrize(("action", "text", "intent"), [
    (ActionListAlerts, "what alerts do I have?", "list_alerts"),
    (ActionChangeAlerts, "stop my job alerts", "unsubscribe_alerts"),
    (ActionEditAlert, "change my alert to Bradford", "edit_alert"),
])
async def test_a_database_failure_gets_an_apology_not_silence(action: Any, text: str, intent: str):
    said, events = await run(action(BrokenService()), text, intent)
    assert [message["response"] for message in said] == ["utter_alerts_failed"] and events == []


@pytest.mark.parametrize(("intent", "several", "one"), [
    ("unsubscribe_alerts", "Done: I've stopped 2 job alerts (admin · York, marketing · Leeds).",
     "Done: I've stopped your job alert for marketing · Leeds."),
    ("pause_alerts", "Paused 2 job alerts (admin · York, marketing · Leeds).",
     "Paused your job alert for marketing · Leeds."),
])
async def test_counts_of_alerts_are_worded_for_one_and_for_several(service, intent, several, one):
    leeds = subscribe(service, SearchCriteria("marketing", "Leeds"), TELEGRAM, email=None)
    said, _ = await run(ActionListAlerts(service), "what alerts do I have?", "list_alerts")
    assert rendered(said[0]).startswith("You have one job alert:\n1. marketing · Leeds")

    said, _ = await run(ActionChangeAlerts(service), f'/{intent}{{"alert_id":"{leeds}"}}', intent,
                        [{"entity": "alert_id", "value": leeds}])
    assert rendered(said[0]).startswith(one)

    subscribe(service, SearchCriteria("admin", "York"), TELEGRAM, email=None)
    if intent == "unsubscribe_alerts":
        leeds = subscribe(service, SearchCriteria("marketing", "Leeds"), TELEGRAM, email=None)
    else:
        await run(ActionChangeAlerts(service), "resume my alerts", "resume_alerts")
    said, _ = await run(ActionListAlerts(service), "what alerts do I have?", "list_alerts")
    assert rendered(said[0]).startswith("You have 2 job alerts:\n")
    said, _ = await run(ActionChangeAlerts(service), "stop my job alerts" if intent == "unsubscribe_alerts"
                        else "pause my job alerts", intent)
    assert rendered(said[0]).startswith(several)


def _unconfirmed(service: AlertService, criteria: SearchCriteria) -> str:
    """An email alert signed up for and not yet confirmed by its link."""
    outcome = service.start_signup(TELEGRAM, criteria, Frequency.INSTANT, CONSENT, email="jo@example.com", now=T0)
    assert outcome.alert is not None and outcome.confirmation_token
    return outcome.alert.id


@pytest.mark.parametrize("intent", ["pause_alerts", "resume_alerts"])
async def test_pausing_or_resuming_an_alert_not_yet_confirmed_says_it_has_not_started(service, intent):
    subscribe(service, SearchCriteria("admin", "York"), TELEGRAM, email=None)  # on: listed first
    pending = _unconfirmed(service, SearchCriteria("payroll", "Bristol"))
    said, _ = await run(ActionChangeAlerts(service), f'/{intent}{{"alert_id":"{pending}"}}', intent,
                        [{"entity": "alert_id", "value": pending}])
    [message] = said
    assert rendered(message).startswith("Your alert for payroll · Bristol hasn't started yet: it starts when you click")
    assert [button["title"] for button in message["buttons"]] == ["Delete alert 2"]
    assert message["buttons"][0]["payload"] == f'/unsubscribe_alerts{{"alert_id":"{pending}"}}'
    assert [alert.status for alert in service.list_alerts(TELEGRAM)] == [Status.ACTIVE, Status.PENDING]


async def test_several_alerts_not_yet_confirmed_and_a_stop_that_deletes_them(service):
    _unconfirmed(service, SearchCriteria("payroll", "Bristol"))
    _unconfirmed(service, SearchCriteria("admin", "Leeds"))
    said, _ = await run(ActionChangeAlerts(service), "pause my alerts", "pause_alerts")
    assert rendered(said[0]).startswith("Those alerts haven't started yet (admin · Leeds, payroll · Bristol)")
    assert [button["title"] for button in said[0]["buttons"]] == ["Delete alert 1", "Delete alert 2"]

    said, _ = await run(ActionChangeAlerts(service), "stop my job alerts", "unsubscribe_alerts")
    assert [message["response"] for message in said] == ["utter_alerts_deleted"]
    assert service.list_alerts(TELEGRAM) == []


async def test_a_pause_of_alerts_some_of_them_paused_already_says_so(service):
    paused = subscribe(service, SearchCriteria("admin", "York"), TELEGRAM, email=None)
    await run(ActionChangeAlerts(service), "pause my alerts", "pause_alerts")
    _unconfirmed(service, SearchCriteria("payroll", "Bristol"))
    said, _ = await run(ActionChangeAlerts(service), "pause my alerts", "pause_alerts")
    assert [message["response"] for message in said] == ["utter_alerts_paused_already"]
    assert {a.id: a.status for a in service.list_alerts(TELEGRAM)}[paused] is Status.PAUSED
