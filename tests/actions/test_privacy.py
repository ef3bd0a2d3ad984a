"""What is kept and why: the answer in and out of the forms, with the configured retention."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.privacy import ActionExplainPrivacy
from tests.helpers import domain, make_tracker

QUESTION = {"text": "why do you need my email?", "intent": {"name": "ask_privacy", "confidence": 1.0},
            "entities": []}


@pytest.fixture(autouse=True)
def fresh_settings():
    services.retention_days.cache_clear()
    yield
    services.retention_days.cache_clear()


async def explain(active_loop: str | None = None, requested_slot: str | None = None) -> list[str]:
    """The texts the action sends, as a channel shows them."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"requested_slot": requested_slot}, latest_message=QUESTION,
                           active_loop=active_loop)
    events = await ActionExplainPrivacy().run(dispatcher, tracker, domain())
    assert events == []  # the form's own rules carry on; nothing here changes the conversation
    responses = {name: variations[0]["text"] for name, variations in domain()["responses"].items()}
    texts = []
    for message in dispatcher.messages:
        text = responses[message["response"]]
        for name, value in message.items():
            if isinstance(value, str):
                text = text.replace("{" + name + "}", value)
        texts.append(text)
    return texts


async def test_outside_a_form_it_says_what_is_kept_for_how_long_and_how_to_have_it_erased(monkeypatch):
    monkeypatch.setenv("RECRUITBOT_RETENTION_DAYS", "90")
    [said] = await explain()
    assert "talked about, and it's deleted 90 days after your last message." in said
    assert '"forget me"' in said and "{" not in said


async def test_the_retention_said_is_the_one_configured(monkeypatch):
    monkeypatch.setenv("RECRUITBOT_RETENTION_DAYS", "30")
    [said] = await explain()
    assert "deleted 30 days after your last message" in said
    services.retention_days.cache_clear()
    monkeypatch.setenv("RECRUITBOT_RETENTION_DAYS", "0")  # 0 keeps conversations until an erasure
    [said] = await explain()
    assert "talked about, until you ask me to forget you." in said and "days" not in said


async def test_at_the_alert_address_question_it_first_says_why_the_address_is_needed(monkeypatch):
    monkeypatch.setenv("RECRUITBOT_RETENTION_DAYS", "90")
    why, kept = await explain("alert_form", "alert_email")
    assert "email address" in why and "unsubscribe" in why and "nothing else is sent until you click it" in why
    assert "90 days" in kept


@pytest.mark.parametrize("asked", ["handoff_name", "handoff_contact"])
async def test_in_the_callback_request_it_says_the_details_go_to_the_consultants(asked: str):
    why, _ = await explain("handoff_form", asked)
    assert "consultant" in why and "get back to you" in why


@pytest.mark.parametrize(("loop", "asked"), [("alert_form", "alert_frequency"), ("alert_form", "alert_consent"),
                                             ("handoff_form", "handoff_question")])
async def test_at_a_question_that_asks_for_no_personal_detail_only_what_is_kept_is_said(loop: str, asked: str):
    assert len(await explain(loop, asked)) == 1
