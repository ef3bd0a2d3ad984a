"""A "stop" or "cancel" in the middle of a form stops the form (actions/stop_form.py).

The NLU reads "stop" and "cancel that" as unsubscribe_alerts; when the form cannot take the message
as an answer, the "stop job alerts" rule runs action_change_alerts, which must stop the form and
touch no alert.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.alerts import ActionChangeAlerts
from recruitbot.alert_words import is_bare_stop
from recruitbot.alerts.model import Requester, Status
from recruitbot.alerts.service import AlertService
from recruitbot.db import make_engine
from recruitbot.places import load_gazetteer
from recruitbot.vacancies.model import SearchCriteria
from tests.alerts.helpers import make_service, subscribe
from tests.helpers import domain

WEB = Requester("socketio", "web-session-1")
STOPPED = [ActiveLoop(None), SlotSet("requested_slot", None)]


@pytest.fixture
def service(tmp_path) -> AlertService:
    return make_service(make_engine(f"sqlite:///{tmp_path / 'alerts.db'}"), load_gazetteer())


def in_form(text: str, form: str, requested_slot: str, intent: str = "unsubscribe_alerts", **slots: Any) -> Tracker:
    return Tracker(
        sender_id=WEB.sender_id, slots={"requested_slot": requested_slot, **slots},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        events=[{"event": "user", "text": text, "input_channel": WEB.channel}],
        paused=False, followup_action=None, active_loop={"name": form}, latest_action_name="action_listen",
    )


async def change_alerts(service: AlertService, tracker: Tracker) -> tuple[list[str | None], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionChangeAlerts(service).run(dispatcher, tracker, domain())
    return [message["response"] for message in dispatcher.messages], events


@pytest.mark.parametrize("text", ["stop", "cancel", "cancel that", "ok stop it please", "stop the sign up",
                                  "Cancel this request.", "no, stop", "stop the alert"])
def test_a_message_that_only_says_stop(text: str) -> None:
    assert is_bare_stop(text)


@pytest.mark.parametrize("text", ["stop my alerts from last week", "how do i stop the alert emails",
                                  "the unsubscribe link is broken", "stopford", "cancel my interview tomorrow"])
def test_a_message_with_more_to_it(text: str) -> None:
    assert not is_bare_stop(text)


@pytest.mark.parametrize("slot", ["alert_criteria", "alert_frequency", "alert_email", "alert_consent"])
@pytest.mark.parametrize("text", ["stop", "cancel that", "stop the alerts"])
async def test_a_stop_in_the_sign_up_stops_the_sign_up_and_no_alert(service, slot: str, text: str) -> None:
    subscribe(service, SearchCriteria("marketing", "Leeds"), WEB)
    said, events = await change_alerts(service, in_form(text, "alert_form", slot))
    # The form's "stopped" response runs next, as after a "no", so the rules for what follows it apply.
    assert said == []
    assert events == [*STOPPED, FollowupAction("utter_alert_cancelled")]
    assert [alert.status for alert in service.list_alerts(WEB)] == [Status.ACTIVE]


@pytest.mark.parametrize("slot", ["handoff_name", "handoff_contact", "handoff_question"])
async def test_a_stop_in_the_callback_request_stops_it(service, slot: str) -> None:
    said, events = await change_alerts(service, in_form("stop", "handoff_form", slot))
    assert said == []
    assert events == [*STOPPED, FollowupAction("utter_handoff_cancelled")]


async def test_a_question_for_the_consultant_about_stopping_alerts_is_the_question(service) -> None:
    question = "the unsubscribe link doesn't work, how do i stop the alert emails?"
    said, events = await change_alerts(service, in_form(question, "handoff_form", "handoff_question"))
    assert said == []
    assert events == [SlotSet("handoff_question", question), FollowupAction("handoff_form")]


async def test_a_question_too_long_for_the_consultant_is_asked_again(service) -> None:
    question = "how do i stop the alerts " * 100
    said, events = await change_alerts(service, in_form(question, "handoff_form", "handoff_question"))
    assert said == ["utter_invalid_question"]
    assert events == [SlotSet("handoff_question", None), FollowupAction("handoff_form")]


async def test_pause_or_resume_in_a_form_is_left_as_it_was(service) -> None:
    subscribe(service, SearchCriteria("marketing", "Leeds"), WEB)
    said, events = await change_alerts(
        service, in_form("pause my alerts", "alert_form", "alert_frequency", intent="pause_alerts"))
    assert said == ["utter_alerts_paused_one"]
    assert events == []
