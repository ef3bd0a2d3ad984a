"""The production profile for real: two Rasa servers behind nginx, PostgreSQL trackers, Redis locks.

Needs PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379), which this machine
kind runs, and nginx (scripts/test.sh installs it).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.catalogue import scratch_postgres
from recruitbot.readiness import ask, readiness_problem
from recruitbot.run import Ports, Stack, free_port
from recruitbot.settings import Deployment
from tests.production.forwarder import Forwarder
from tests.test_e2e_rest import response_texts

pytestmark = [pytest.mark.model, pytest.mark.servers]

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with scratch_postgres(POSTGRES) as url:
        yield url


@pytest.fixture(scope="module")
def tracker_link() -> Iterator[Forwarder]:
    """The Rasa servers reach PostgreSQL for conversations through this, so a test can take it away."""
    link = Forwarder(("127.0.0.1", 5432))
    yield link
    link.cut()


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("production")


@pytest.fixture(scope="module")
def stack(trained_model: Path, database: str, tracker_link: Forwarder, var: Path) -> Iterator[Stack]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RECRUITBOT_VAR_DIR", str(var))
        env.setenv("RECRUITBOT_DATABASE_URL", database)
        env.setenv("RECRUITBOT_TRACKER_STORE_URL", str(make_url(database).set(port=tracker_link.port)))
        env.setenv("RECRUITBOT_IP_MESSAGES_PER_MINUTE", "0")  # every test message comes from 127.0.0.1
        env.delenv("SMTP_HOST", raising=False)
        # nginx's own rate limit is tested in test_nginx.py; here fifty conversations share one address.
        deployment = Deployment(profile="production", rasa_servers=2, redis_url=REDIS, edge_requests_per_minute=0)
        ports = Ports(rasa=free_port(), actions=free_port(), web=free_port())
        running = Stack(ports, trained_model, log_dir=var / "logs", deployment=deployment)
        with running.running():
            yield running


def stored_events(database: str, sender: str) -> list[tuple[str, str | None]]:
    """The conversation's events as PostgreSQL holds them, in order: (type, action or intent name)."""
    engine = create_engine(database, future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT type_name, action_name, intent_name FROM events WHERE sender_id = :sender ORDER BY id"),
                {"sender": sender},
            ).all()
    finally:
        engine.dispose()
    return [(row.type_name, row.action_name or row.intent_name) for row in rows]


def test_the_servers_sit_behind_nginx_and_keep_conversations_in_postgresql(stack: Stack, database: str) -> None:
    assert len(stack.rasa_ports) == 2 and stack.ports.rasa not in stack.rasa_ports
    sender = f"prod-{uuid.uuid4().hex}"
    replies = ask(stack.ports.rasa, sender, "how long do employers usually take to decide after an interview?")
    assert replies
    events = stored_events(database, sender)
    assert ("user", "faq") in events
    assert events[-1] == ("action", "action_listen")


def test_one_senders_messages_sent_to_two_servers_at_once_are_processed_in_order(
    stack: Stack, database: str
) -> None:
    sender = f"prod-{uuid.uuid4().hex}"
    first, second = stack.rasa_ports
    messages = [(first, "show me admin jobs in Leeds"), (second, "any temp jobs in York?")] * 3
    with ThreadPoolExecutor(max_workers=2) as pool:
        for start in range(0, len(messages), 2):
            pair = messages[start : start + 2]
            answers = list(pool.map(lambda sent: ask(sent[0], sender, sent[1], timeout=120), pair))
            assert all(answers), "every message is answered"

    events = [event for event in stored_events(database, sender) if event[0] in ("user", "action")]
    # Each message's turn runs whole before the next one starts: after every user message, its
    # actions, then action_listen, and only then the next user message.
    turns: list[list[tuple[str, str | None]]] = []
    for event in events:
        if event[0] == "user":
            turns.append([event])
        elif turns:
            turns[-1].append(event)
    assert len(turns) == len(messages)
    for turn in turns:
        assert turn[-1] == ("action", "action_listen"), turn
        assert ("action", "action_listen") not in turn[1:-1], turn
        assert len(turn) > 2, f"each search runs an action of its own: {turn}"


def texts(stack: Stack, sender: str, message: str) -> list[str]:
    return [str(reply.get("text", "")) for reply in ask(stack.ports.rasa, sender, message, timeout=60)]


def test_a_conversation_survives_restarting_every_rasa_server_in_the_middle_of_a_form(stack: Stack) -> None:
    sender = f"prod-{uuid.uuid4().hex}"
    assert texts(stack, sender, "can I speak to a real person please")[-1] == response_texts(
        "utter_ask_handoff_name")[0]
    contact_question = response_texts("utter_ask_handoff_contact")[0].replace("{handoff_name}", "Sam Patel")
    assert texts(stack, sender, "Sam Patel") == [contact_question]

    stack.restart(*stack.rasa_servers)

    # The form goes on where it was, with the name it had.
    assert texts(stack, sender, "sam.patel@example.co.uk") == response_texts("utter_ask_handoff_question")


def test_fifty_conversations_at_once_are_all_answered_and_stored(stack: Stack, database: str) -> None:
    script = ["hi", "how long do employers take to decide after an interview?", "show me admin jobs in Leeds",
              "thanks"]
    senders = [f"load-{uuid.uuid4().hex}" for _ in range(50)]

    def converse(sender: str) -> list[int]:
        return [len(ask(stack.ports.rasa, sender, message, timeout=120)) for message in script]

    with ThreadPoolExecutor(max_workers=50) as pool:
        reply_counts = list(pool.map(converse, senders))
    assert all(all(count > 0 for count in counts) for counts in reply_counts), reply_counts
    for sender in senders:
        assert [event for event in stored_events(database, sender) if event[0] == "user"] == [
            ("user", "greet"), ("user", "faq"), ("user", "search_vacancies"), ("user", "thank")]


def test_readiness_fails_while_the_tracker_store_is_away_and_comes_back_with_it(
    stack: Stack, database: str, tracker_link: Forwarder, var: Path
) -> None:
    tracker_link.cut()
    try:
        # Rasa still answers (from memory) but stores nothing: not ready, and it says so in its log.
        problem = readiness_problem(stack.ports.rasa, database)
        assert problem is not None and "not stored" in problem
        logs = "".join((var / "logs" / f"{name}.log").read_text(errors="replace") for name in stack.rasa_servers)
        assert "Error happened when trying to save conversation tracker to 'SQLTrackerStore'" in logs
    finally:
        tracker_link.restore()
    for _attempt in range(60):  # the servers' pooled connections were cut: the first uses fail
        if readiness_problem(stack.ports.rasa, database) is None:
            break
        time.sleep(1)
    assert readiness_problem(stack.ports.rasa, database) is None
