"""A change of mind read as ``deny``, "what now?" as ``what_next``, good news told as the before-offer FAQ."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from recruitbot.alert_words import is_bare_stop
from recruitbot.evaluate import DEV, HELDOUT, predicted_label
from recruitbot.nlu.clear_phrases import (
    AgencyActs,
    BareStop,
    ChangeOfMind,
    OfferNews,
    WhatNow,
    asks_agency_to_act,
    asks_to_stop_job_hunt,
    is_change_of_mind,
    is_what_now,
    tells_offer_news,
)
from recruitbot.settings import PROJECT_ROOT


@pytest.mark.parametrize("text", [
    "i changed my mind", "I've changed my mind.", "oh actually i changed my mind, sorry", "changed my mind",
    "never mind", "Nevermind!", "nvm", "oh never mind, thanks", "forget it", "no, forget that",
    "don't bother", "Don\u2019t bother then", "scrap that", "quit", "Exit.", "ok abort that", "quit please",
])
def test_a_message_that_is_only_a_change_of_mind(text: str) -> None:
    assert is_change_of_mind(text)


@pytest.mark.parametrize("text", [
    "i changed my mind about the location, make it Leeds",  # a correction, not a cancellation
    "can i change my mind later?", "never mind the salary, any admin jobs?", "forget about me",
    "don't bother them, I'll wait", "no", "cancel my alerts", "my mind is blank",
    "should i quit my job", "quit my current role before the offer?", "exit interview tips",
])
def test_a_change_of_mind_with_more_to_it_is_left_to_the_model(text: str) -> None:
    assert not is_change_of_mind(text)


@pytest.mark.parametrize("text", [
    "what now", "What now?", "now what", "so what do i do now", "ok so what should i do next?", "what can i do now",
    "where do i go from here", "what are my options now", "what now then?", "right, what do i do",
    "what can you do?", "hi, what can you help me with", "how can you help me", "Help", "help me please",
    "what else can you do", "what can i ask you", "menu",
])
def test_a_message_that_only_asks_what_now(text: str) -> None:
    assert is_what_now(text)


@pytest.mark.parametrize("text", [
    "what do i do if they say no", "what now for the salary?", "they rang to say i got the job, what now?",
    "what should i do while im waiting to hear back", "what next",  # "what next" after a search is the next page
    "how can the agency help me find work", "can you help me find a job in leeds", "help me with my cv",
    "what do you do",  # the agency's answer
])
def test_what_now_with_more_to_it_is_left_to_the_model(text: str) -> None:
    assert not is_what_now(text)


@pytest.mark.parametrize("text", [
    "they rang to say i got the job, what now?", "I got the job!!", "i've just landed the role",
    "I\u2019ve been offered the position", "they offered me the job today", "they're offering me the role",
    "got an offer this morning", "i had a job offer from them", "the recruiter called, they want me!",
])
def test_good_news_told(text: str) -> None:
    assert tells_offer_news(text)


@pytest.mark.parametrize("text", [
    "i didn't get the job", "i thought i got the job but they turned me down",
    "they've gone with someone else, i got the job last time though", "does a second interview mean i got the job",
    "do I keep job hunting until I've actually got an offer in my hand", "what if i got an offer from someone else",
    "can you offer me a job", "have you got an offer for me", "they want me to do a presentation",
    "i hope i got the job", "they offered me the job then withdrew it",
    # Told without the apostrophe: "i dont think i got the job" had the before-offer answer.
    "i dont think i got the job tbh", "doesnt look like i got the job",
    "i wont know if i got the job till friday",
])
def test_news_that_is_bad_hoped_for_or_asked_about_is_not_good_news(text: str) -> None:
    assert not tells_offer_news(text)


def _component(cls: type[ChangeOfMind] | type[WhatNow] | type[OfferNews] | type[BareStop], tmp_path: Any) -> Any:
    return cls.create({}, LocalModelStorage(tmp_path), Resource("phrases"), ExecutionContext(GraphSchema({}), "t"))


def _message(text: str, intent: str, confidence: float, key: str | None = None, **extra: Any) -> Message:
    message = Message.build(text)
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": confidence},
                                   {"name": "deny", "confidence": 0.05}], add_to_output=True)
    if key:
        message.set("response_selector", {"all_retrieval_intents": ["faq"], "faq": {
            "response": {"intent_response_key": key, "utter_action": f"utter_{key}", "confidence": 0.9,
                         "responses": [{"text": "..."}]},
            "ranking": []}}, add_to_output=True)
    for name, value in extra.items():
        message.set(name, value, add_to_output=True)
    return message


def test_a_change_of_mind_becomes_deny_first_in_the_ranking(tmp_path: Any) -> None:
    message = _message("i changed my mind", "edit_alert", 0.88)
    _component(ChangeOfMind, tmp_path).process([message])
    assert message.get("intent") == {"name": "deny", "confidence": 1.0}
    assert message.get("intent_ranking") == [{"name": "deny", "confidence": 1.0},
                                             {"name": "edit_alert", "confidence": 0.88}]


def test_other_messages_keep_their_intent(tmp_path: Any) -> None:
    message = _message("i changed my mind about leeds", "edit_alert", 0.88)
    _component(ChangeOfMind, tmp_path).process([message])
    _component(WhatNow, tmp_path).process([message])
    assert message.get("intent") == {"name": "edit_alert", "confidence": 0.88}


def test_what_now_becomes_what_next(tmp_path: Any) -> None:
    message = _message("so what do i do now", "goodbye", 0.81)
    _component(WhatNow, tmp_path).process([message])
    assert message.get("intent") == {"name": "what_next", "confidence": 1.0}
    assert [label["name"] for label in message.get("intent_ranking")] == ["what_next", "goodbye", "deny"]


@pytest.mark.parametrize(("text", "intent", "key"), [
    ("they rang to say i got the job, what now?", "faq", "faq/not_selected"),
    ("i got the job!!", "search_vacancies", None),
    ("i've been offered the job", "nlu_fallback", "faq/follow_up"),
    ("the recruiter called, they want me!", "human_handoff", None),
])
def test_good_news_misread_gets_the_before_offer_answer(tmp_path: Any, text: str, intent: str, key: str) -> None:
    message = _message(text, intent, 0.9, key)
    _component(OfferNews, tmp_path).process([message])
    parse = message.as_dict_nlu()
    assert parse["intent"] == {"name": "faq", "confidence": 1.0}
    assert parse["intent_ranking"][0] == parse["intent"]
    assert parse["response_selector"]["faq"]["response"]["utter_action"] == "utter_faq/before_offer"
    assert predicted_label(parse) == "faq/before_offer"


@pytest.mark.parametrize(("text", "intent", "key"), [
    ("i got the job, should i send a thank you email?", "faq", "faq/thank_you_email"),
    ("i got a job so stop my alerts", "unsubscribe_alerts", None),
    ("i got an offer, can i talk to a consultant about the salary", "human_handoff", None),
    ("i got the job, thanks so much", "thank", None),
    ("i didn't get the job", "faq", "faq/not_selected"),
])
def test_readings_that_fit_the_good_news_are_kept(tmp_path: Any, text: str, intent: str, key: str) -> None:
    message = _message(text, intent, 0.9, key)
    before = message.as_dict_nlu()
    _component(OfferNews, tmp_path).process([message])
    assert message.as_dict_nlu() == before


@pytest.mark.parametrize("intent", ["unsubscribe_alerts", "pause_alerts", "search_vacancies"])
@pytest.mark.parametrize("text", ["do i stop looking for jobs now", "should i stop applying elsewhere?",
                                  "is it time to stop job hunting"])
def test_stopping_the_job_hunt_read_as_stopping_alerts_or_a_search_gets_the_before_offer_answer(
    tmp_path: Any, text: str, intent: str,
) -> None:
    message = _message(text, intent, 0.9, None)
    _component(OfferNews, tmp_path).process([message])
    parse = message.as_dict_nlu()
    assert parse["intent"] == {"name": "faq", "confidence": 1.0}
    assert predicted_label(parse) == "faq/before_offer"


@pytest.mark.parametrize(("text", "intent", "key"), [
    ("do i stop looking for jobs now", "faq", "faq/before_offer"),  # read right: nothing to do
    ("can i stop the job alerts", "unsubscribe_alerts", None),
    ("should i stop looking at your emails", "unsubscribe_alerts", None),
    ("stop looking for jobs for me", "unsubscribe_alerts", None),  # asks the bot to stop, not whether to
    ("do i stop looking for jobs now", "greet", None),  # only the alert stops and a search give way
])
def test_other_stops_keep_their_reading(tmp_path: Any, text: str, intent: str, key: str | None) -> None:
    message = _message(text, intent, 0.9, key)
    before = message.as_dict_nlu()
    _component(OfferNews, tmp_path).process([message])
    assert message.as_dict_nlu() == before


@pytest.mark.parametrize("text", [
    "ok thanks, can you chase them for me?", "could someone chase my application", "can u contact the employer",
    "can you get me feedback", "Could my consultant ask them why?", "can you call the company for me please",
    "would you be able to chase it up",
])
def test_asking_the_agency_to_act_with_the_employer(text: str) -> None:
    assert asks_agency_to_act(text)


@pytest.mark.parametrize("text", [
    "can u help me word a chaser email to the hiring manager", "should i chase them", "can i get feedback",
    "can you email me jobs", "when is it ok to chase the employer", "can you call me",
])
def test_questions_about_chasing_it_oneself_are_left_to_the_model(text: str) -> None:
    assert not asks_agency_to_act(text)


@pytest.mark.parametrize(("text", "intent"), [("cancel that", "nlu_fallback"), ("stop", "affirm"),
                                             ("ok stop it please", "goodbye"), ("cancel", "unsubscribe_alerts")])
def test_a_bare_stop_becomes_a_stop_of_the_alerts_which_a_form_takes_as_stop_this(
        tmp_path: Any, text: str, intent: str) -> None:
    message = _message(text, intent, 0.55)
    _component(BareStop, tmp_path).process([message])
    assert message.get("intent") == {"name": "unsubscribe_alerts", "confidence": 1.0}


@pytest.mark.parametrize(("text", "intent"), [("quit", "deny"), ("no, stop", "deny"), ("stop my alerts", "edit_alert"),
                                             ("stop looking for jobs for me", "search_vacancies")])
def test_a_no_or_a_stop_with_more_to_it_keeps_its_intent(tmp_path: Any, text: str, intent: str) -> None:
    message = _message(text, intent, 0.9)
    _component(BareStop, tmp_path).process([message])
    assert message.get("intent") == {"name": intent, "confidence": 0.9}


def test_asking_the_agency_to_act_becomes_a_request_for_a_consultant(tmp_path: Any) -> None:
    message = _message("ok thanks, can you chase them for me?", "thank", 0.97)
    _component(AgencyActs, tmp_path).process([message])
    assert message.get("intent") == {"name": "human_handoff", "confidence": 1.0}


def test_every_example_the_phrases_match_already_has_the_label_they_give() -> None:
    """In the training data, the dev set and the held-out set, the phrases never contradict a label."""
    matched = 0
    for data in (PROJECT_ROOT / "data" / "nlu", DEV, HELDOUT):
        for example in load_data(str(data)).intent_examples:
            text, label = example.get("text"), example.get("intent_response_key") or example.get("intent")
            if is_change_of_mind(text):
                matched += 1
                assert label == "deny", text
            if tells_offer_news(text) or asks_to_stop_job_hunt(text):
                matched += 1
                assert label == "faq/before_offer", text
            if asks_agency_to_act(text):
                matched += 1
                assert label == "human_handoff", text
            assert not is_what_now(text), text  # what_next has no examples: none may be read as it
            if is_bare_stop(text) and not is_change_of_mind(text):
                matched += 1
                assert label == "unsubscribe_alerts", text
    assert matched >= 5  # the check has examples to check
