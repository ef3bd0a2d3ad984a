"""Rasa's side of a custom action call: bounded in time, an apology when it fails, forms left sane."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path

import pytest
import rasa.core.actions.action as rasa_actions
import rasa.core.actions.forms as rasa_forms
from jsonschema import ValidationError
from rasa.core.actions.action import ActionExecutionRejection
from rasa.core.actions.forms import FormAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import recruitbot.rasa_server
from recruitbot.rasa_server import APOLOGY_RESPONSE, BoundedRemoteAction, install_action_bound
from recruitbot.run import free_port
from recruitbot.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
USER_TEXT = "show me jobs in Leeds"
# Bounds waiting if the action call were not bounded; no test asserts how long anything took.
GENEROUS_S = 30


@lru_cache(maxsize=1)
def domain() -> Domain:
    return Domain.load(ROOT / "domain.yml")


def texts(domain_response: str) -> list[str]:
    return [variation["text"] for variation in domain().responses[domain_response]]


def search_tracker() -> DialogueStateTracker:
    return DialogueStateTracker.from_events("candidate-1", [
        ActionExecuted("action_listen"),
        UserUttered(USER_TEXT, {"name": "search_vacancies", "confidence": 1.0}),
    ], slots=domain().slots)


async def run(action: rasa_actions.Action, tracker: DialogueStateTracker) -> list[Event]:
    nlg = TemplatedNaturalLanguageGenerator(domain().responses)
    events: list[Event] = await asyncio.wait_for(
        action.run(CollectingOutputChannel(), nlg, tracker, domain()), GENEROUS_S)
    return events


def bot_texts(events: list[Event]) -> list[str | None]:
    return [event.text for event in events if isinstance(event, BotUttered)]


def http_answer(status: str, body: dict[str, object]) -> bytes:
    content = json.dumps(body).encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(content)}\r\n"
            "Connection: close\r\n\r\n").encode() + content


@asynccontextmanager
async def action_server(answer: bytes | None) -> AsyncIterator[EndpointConfig]:
    """A fake action server that sends ``answer`` to every request, or never answers (None)."""
    closing = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if answer is None:
            await closing.wait()
        else:
            writer.write(answer)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield EndpointConfig(url=f"http://127.0.0.1:{port}/webhook")
    finally:
        closing.set()
        server.close()
        await server.wait_closed()


def degraded_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "recruitbot.rasa_server" and r.levelno == logging.WARNING]


async def test_an_unreachable_action_server_gets_the_user_an_apology(caplog: pytest.LogCaptureFixture) -> None:
    stopped = EndpointConfig(url=f"http://127.0.0.1:{free_port()}/webhook")
    events = await run(BoundedRemoteAction("action_search_vacancies", stopped), search_tracker())
    assert [type(event) for event in events] == [BotUttered]
    assert bot_texts(events) == texts(APOLOGY_RESPONSE)
    [warning] = degraded_warnings(caplog)
    assert "action_search_vacancies degraded" in warning and "could not be reached" in warning
    assert "Leeds" not in caplog.text


async def test_an_action_server_that_never_answers_is_given_up_on(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(BoundedRemoteAction, "timeout_s", 0.2)
    async with action_server(None) as hanging:
        events = await run(BoundedRemoteAction("action_search_vacancies", hanging), search_tracker())
    assert bot_texts(events) == texts(APOLOGY_RESPONSE)
    [warning] = degraded_warnings(caplog)
    assert "action_search_vacancies degraded (no answer within 0.2 s)" in warning


@asynccontextmanager
async def busy_loop(block_s: float) -> AsyncIterator[None]:
    """Other conversations' parses: the event loop is held ``block_s`` at a time, over and over."""
    stop = asyncio.Event()

    async def parse_after_parse() -> None:
        while not stop.is_set():
            time.sleep(block_s)
            await asyncio.sleep(0)

    hog = asyncio.create_task(parse_after_parse())
    try:
        yield
    finally:
        stop.set()
        await hog


async def test_a_server_busy_with_other_conversations_still_hears_the_action_servers_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each step of the call (connect, send, read) waits for the loop, 0.3 s at a time: more than
    # the 0.5 s bound of wall time in all, while the action server answers at once.
    monkeypatch.setattr(BoundedRemoteAction, "timeout_s", 0.5)
    monkeypatch.setattr(recruitbot.rasa_server, "BUSY_LIMIT", 40)
    answer = http_answer("200 OK", {"events": [{"event": "slot", "name": "location", "value": "Leeds"}]})
    async with action_server(answer) as answering, busy_loop(0.3):
        events = await run(BoundedRemoteAction("action_search_vacancies", answering), search_tracker())
    assert events == [SlotSet("location", "Leeds")]


async def test_however_busy_the_server_a_silent_action_server_is_given_up_on(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(BoundedRemoteAction, "timeout_s", 0.2)
    async with action_server(None) as hanging, busy_loop(0.3):
        events = await run(BoundedRemoteAction("action_search_vacancies", hanging), search_tracker())
    assert bot_texts(events) == texts(APOLOGY_RESPONSE)
    [warning] = degraded_warnings(caplog)
    assert "no answer within 0.2 s" in warning


async def test_a_cancelled_turn_cancels_its_action_call() -> None:
    async with action_server(None) as hanging:
        turn = asyncio.create_task(run(BoundedRemoteAction("action_search_vacancies", hanging), search_tracker()))
        await asyncio.sleep(0.3)
        turn.cancel()
        await asyncio.wait({turn})
        left = [task for task in asyncio.all_tasks() if "RemoteAction.run" in repr(task.get_coro())]
    assert turn.cancelled() and not left


async def test_an_error_status_gets_an_apology_and_its_body_stays_out_of_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with action_server(http_answer("500 Internal Server Error", {"request_body": USER_TEXT})) as failing:
        events = await run(BoundedRemoteAction("action_search_vacancies", failing), search_tracker())
    assert bot_texts(events) == texts(APOLOGY_RESPONSE)
    [warning] = degraded_warnings(caplog)
    assert "answered 500" in warning
    assert "Leeds" not in caplog.text


async def test_an_actions_own_rejection_still_reaches_rasa() -> None:
    rejection = http_answer("400 Bad Request", {"action_name": "action_search_vacancies", "error": "no criteria"})
    async with action_server(rejection) as rejecting:
        with pytest.raises(ActionExecutionRejection):
            await run(BoundedRemoteAction("action_search_vacancies", rejecting), search_tracker())


async def test_a_valid_response_reaches_the_user() -> None:
    answer = http_answer("200 OK", {"events": [{"event": "slot", "name": "location", "value": "Leeds"}],
                                    "responses": [{"response": "utter_action_unavailable"}]})
    async with action_server(answer) as answering:
        events = await run(BoundedRemoteAction("action_search_vacancies", answering), search_tracker())
    assert bot_texts(events) == texts(APOLOGY_RESPONSE)
    assert events[-1] == SlotSet("location", "Leeds")


@pytest.mark.parametrize("body", [{"events": {"event": "slot"}}, {"events": [{"event": "no_such_event"}]},
                                  {"responses": "utter_greet"}])
async def test_an_invalid_response_fails_as_it_does_in_rasa(body: dict[str, object]) -> None:
    async with action_server(http_answer("200 OK", body)) as answering:
        with pytest.raises(ValidationError) as rasas:
            await run(rasa_actions.RemoteAction("action_search_vacancies", answering), search_tracker())
        with pytest.raises(ValidationError) as ours:
            await run(BoundedRemoteAction("action_search_vacancies", answering), search_tracker())
    assert "Failed to validate Action server response" in ours.value.message
    assert ours.value.message == rasas.value.message


def form_tracker(
    form: str, filled: list[Event], requested: str, text: str, extracted: list[Event],
) -> DialogueStateTracker:
    """A form with slots ``filled`` waiting for ``requested``, just after the user answered ``text``."""
    return DialogueStateTracker.from_events("candidate-1", [
        ActionExecuted("action_listen"),
        UserUttered("start", {"name": "human_handoff", "confidence": 1.0}),
        ActionExecuted(form),
        ActiveLoop(form),
        *filled,
        SlotSet("requested_slot", requested),
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": "inform", "confidence": 1.0}),
        *extracted,  # what action_extract_slots set (Rasa does not log it as an action)
    ], slots=domain().slots)


async def test_a_form_whose_validation_fails_apologises_and_asks_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rasa_forms, "RemoteAction", BoundedRemoteAction)
    stopped = EndpointConfig(url=f"http://127.0.0.1:{free_port()}/webhook")
    # Rasa extracted the name itself (from_text); unchecked, it must not stay.
    tracker = form_tracker("handoff_form", [], "handoff_name", "Sam Patel", [SlotSet("handoff_name", "Sam Patel")])

    events = await run(FormAction("handoff_form", stopped), tracker)

    assert bot_texts(events) == texts(APOLOGY_RESPONSE) + texts("utter_ask_handoff_name")
    assert SlotSet("handoff_name", None) in events
    assert not any(isinstance(event, ActiveLoop) for event in events)  # the form is still active


async def test_a_form_with_nothing_to_validate_rejects_the_turn_as_usual(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the validation action extracts alert slots (custom mappings), and "no" fills nothing:
    # Rasa's rejection lets the rules for cancelling or asking a question in the middle apply.
    monkeypatch.setattr(rasa_forms, "RemoteAction", BoundedRemoteAction)
    stopped = EndpointConfig(url=f"http://127.0.0.1:{free_port()}/webhook")
    tracker = form_tracker("alert_form", [SlotSet("alert_criteria", {"keywords": "marketing"})], "alert_frequency",
                           "no", [])

    with pytest.raises(ActionExecutionRejection):
        await run(FormAction("alert_form", stopped), tracker)


def test_installing_the_bound_covers_every_remote_action(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (rasa_actions, rasa_forms):  # put Rasa's own class back afterwards
        monkeypatch.setattr(module, "RemoteAction", rasa_actions.RemoteAction)
    monkeypatch.setattr(BoundedRemoteAction, "timeout_s", BoundedRemoteAction.timeout_s)

    install_action_bound(1.5)

    endpoint = EndpointConfig(url="http://127.0.0.1:1/webhook")
    action = rasa_actions.action_for_name_or_text("action_search_vacancies", domain(), endpoint)
    assert isinstance(action, BoundedRemoteAction)
    assert rasa_forms.RemoteAction is BoundedRemoteAction
    assert BoundedRemoteAction.timeout_s == 1.5


def test_by_default_the_user_hears_back_within_3_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECRUITBOT_ACTION_TIMEOUT_SECONDS", raising=False)
    assert load_settings().action_timeout_seconds == BoundedRemoteAction.timeout_s < 3
