"""The check of an action server's response gives jsonschema's answer for Rasa's schema, on every kind of event."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AgentUttered,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    ReminderCancelled,
    ReminderScheduled,
    Restarted,
    SessionStarted,
    SlotSet,
    StoryExported,
    UserUtteranceReverted,
    UserUttered,
)

from recruitbot.rasa_server import ResponseCheck

SCHEMA = RemoteAction.action_response_format_spec()
CHECK = ResponseCheck(SCHEMA)
EVENT_NAMES = [kind["properties"]["event"]["const"] for kind in SCHEMA["properties"]["events"]["items"]["oneOf"]]
ODD_VALUES: list[Any] = [None, 0, 1.5, "x", "", [], [1], {}, {"a": 1}, True]


# What RemoteAction._validate_action_result calls, jsonschema.validate, checks the schema and compiles this
# validator on every call, then asks it; compiled once here, as the mutations are thousands.
_WHOLE = validator_for(SCHEMA)(SCHEMA)


def _rasa_accepts(response: Any) -> bool:
    verdict = bool(_WHOLE.is_valid(response))
    events = response.get("events") if isinstance(response, dict) else None
    if isinstance(events, list) and len(events) == 1 and isinstance(events[0], dict) and events[0].get(
            "event") == "slot":
        try:  # now and then, Rasa's very call
            jsonschema.validate(response, SCHEMA)
        except jsonschema.ValidationError:
            assert not verdict
        else:
            assert verdict
    return verdict


def _events() -> list[dict[str, Any]]:
    parse = {"intent": {"name": "inform", "confidence": 0.9}, "entities": [
        {"entity": "location", "value": "Leeds", "start": 0, "end": 5, "extractor": "SpacyEntityExtractor"}],
        "intent_ranking": [{"name": "inform", "confidence": 0.9}], "text": "Leeds",
        "response_selector": {"all_retrieval_intents": ["faq"]}}
    events: list[Event] = [
        UserUttered("Leeds", parse["intent"], parse["entities"], parse, input_channel="rest", message_id="m1"),
        BotUttered("Here are 3", {"buttons": [{"title": "Show more", "payload": "/more_vacancies"}],
                                  "custom": {"vacancies": [{"id": "v1"}]}}, {"utter_action": "utter_x"}),
        SlotSet("location", "Leeds"), SlotSet("shown", ["v1", "v2"]), SlotSet("criteria", {"keyword": "admin"}),
        ActionExecuted("action_search_vacancies", policy="RulePolicy", confidence=1.0),
        ActiveLoop("alert_form"), ActiveLoop(None), FollowupAction("action_listen"), Restarted(), SessionStarted(),
        AllSlotsReset(), UserUtteranceReverted(), ActionReverted(), ConversationPaused(), ConversationResumed(),
        StoryExported(), ActionExecutionRejected("alert_form"), LoopInterrupted(True), AgentUttered("hi"),
        EntitiesAdded([{"entity": "location", "value": "Leeds"}]),
        ReminderScheduled("remind", datetime(2026, 11, 27, 18, 0), name="r1"),
        ReminderCancelled(name="r1"),
    ]
    return [event.as_dict() for event in events]


def test_every_real_event_is_accepted_by_both() -> None:
    for event in _events():
        response = {"events": [event], "responses": [{"text": "ok"}]}
        assert _rasa_accepts(response), event
        assert CHECK.is_valid(response), event


def _mutations() -> list[Any]:
    found: list[Any] = [None, [], "x", {}, {"events": None}, {"events": {}}, {"responses": "x"}, {"responses": [1]},
                        {"events": [1]}, {"events": [{}]}, {"events": [{"event": None}]}]
    for event in _events():
        for key in event:
            for odd in ODD_VALUES:
                found.append({"events": [{**event, key: odd}]})
            found.append({"events": [{name: value for name, value in event.items() if name != key}]})
        for name in [*EVENT_NAMES, "no_such_event", "USER"]:
            found.append({"events": [{**event, "event": name}]})
        found.append({"events": [event, {**event, "timestamp": "now"}]})  # the second event alone is wrong
        found.append({"events": [event], "responses": [{"text": 5}], "extra": 1})
        nested = copy.deepcopy(event)
        if "parse_data" in nested:
            for odd in ODD_VALUES:
                found.append({"events": [{**nested, "parse_data": {**nested["parse_data"], "intent": odd}}]})
                found.append({"events": [{**nested, "parse_data": {**nested["parse_data"], "entities": [odd]}}]})
                found.append({"events": [{**nested, "parse_data": {
                    **nested["parse_data"], "response_selector": {"faq": odd}}}]})
    return found


def test_mutated_responses_get_the_same_answer() -> None:
    mutations = _mutations()
    verdicts = [(_rasa_accepts(response), CHECK.is_valid(response)) for response in mutations]
    assert [rasa for rasa, ours in verdicts if rasa != ours] == []
    assert sum(not rasa for rasa, _ in verdicts) > 200 and sum(rasa for rasa, _ in verdicts) > 200  # both kinds


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=3),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
_KEYS = st.sampled_from(["event", "timestamp", "metadata", "name", "value", "text", "data", "policy", "confidence",
                         "parse_data", "input_channel", "message_id", "entities", "time", "kill_on_user_msg",
                         "intent", "date_time", "validate", "is_interrupted"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([*EVENT_NAMES, "nope"]), st.dictionaries(_KEYS, _JSON, max_size=4)).map(
    lambda named: {**named[1], "event": named[0]}), max_size=3))
def test_random_events_get_the_same_answer(events: list[dict[str, Any]]) -> None:
    response = {"events": events}
    assert CHECK.is_valid(response) == _rasa_accepts(response)


def test_a_schema_of_another_shape_is_checked_whole() -> None:
    schema = {"type": "object", "properties": {"events": {"type": "array", "items": {"type": "object"}}}}
    check = ResponseCheck(schema)
    assert check.is_valid({"events": [{}]}) and not check.is_valid({"events": [1]})


@pytest.mark.parametrize("events", [[{"event": "slot", "name": "x", "value": 1}] * 7])
def test_a_search_sized_response(events: list[dict[str, Any]]) -> None:
    assert CHECK.is_valid({"events": events}) and _rasa_accepts({"events": events})
