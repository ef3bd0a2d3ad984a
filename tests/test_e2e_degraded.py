"""The real Rasa server with its action server stopped, then stuck: an apology, and the chat goes on."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from recruitbot.run import Stack, ask
from tests.helpers import domain, running_stack

pytestmark = [pytest.mark.model, pytest.mark.servers]


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="module")
def stack(trained_model: Path, var: Path) -> Iterator[Stack]:
    with running_stack(trained_model, var,
                       unset=("RECRUITBOT_ACTION_SECRET", "RECRUITBOT_ACTION_TIMEOUT_SECONDS")) as running:
        yield running


def response(name: str) -> list[str]:
    return [variation["text"] for variation in domain()["responses"][name]]


def texts(stack: Stack, sender: str, message: str) -> list[str]:
    # The timeout only bounds waiting; the 3 s promise is the configured bound's (and the benchmark's).
    return [str(reply.get("text", "")) for reply in ask(stack.ports.rasa, sender, message, timeout=60)]


def test_without_its_action_server_the_bot_apologises_and_carries_on(stack: Stack, var: Path) -> None:
    apology = response("utter_action_unavailable")
    sender = f"degraded-{uuid.uuid4().hex}"
    # Rasa presents the secret the action server wants: the search runs.
    working = texts(stack, sender, "show me jobs in Leeds")
    assert working and apology[0] not in working

    stack.stop_server("actions")
    assert texts(stack, sender, "show me jobs in Leeds") == apology
    assert texts(stack, sender, "hi there") == response("utter_greet")

    # A form whose validation cannot run asks again instead of keeping an unchecked answer...
    assert texts(stack, sender, "can I speak to a real person please") == (
        response("utter_handoff_intro") + apology + response("utter_ask_handoff_name"))
    assert texts(stack, sender, "Sam Patel") == apology + response("utter_ask_handoff_name")
    # ... and is still a form: it can be cancelled.
    assert texts(stack, sender, "no") == response("utter_handoff_cancelled")

    # An action server that accepts the call and never answers.
    with socket.socket() as stuck:
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        stuck.bind(("127.0.0.1", stack.ports.actions))
        stuck.listen()
        assert texts(stack, sender, "show me jobs in Leeds") == apology
    assert texts(stack, sender, "hi there") == response("utter_greet")

    degraded = [line for line in (var / "logs" / "rasa.log").read_text().splitlines() if "degraded" in line]
    assert any("action_search_vacancies degraded (the action server could not be reached" in line
               for line in degraded)
    assert any("action_search_vacancies degraded (no answer within 2.5 s)" in line for line in degraded)
    assert any("validate_handoff_form degraded" in line for line in degraded)
    assert not [line for line in degraded if "Leeds" in line or "Sam Patel" in line]
