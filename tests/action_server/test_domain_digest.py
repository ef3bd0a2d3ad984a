"""The domain named by its digest in custom action calls: Rasa's side, the action server's, and both together."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from rasa.core.constants import COMPRESS_ACTION_SERVER_REQUEST_ENV_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet
from rasa.utils.endpoints import EndpointConfig

from recruitbot import domain_digest
from recruitbot.domain_digest import DIGEST_KEY, DOMAIN_WANTED, DOMAIN_WANTED_STATUS, KnownDomains
from recruitbot.keys import SECRET_HEADER
from recruitbot.rasa_server import APOLOGY_RESPONSE, BoundedRemoteAction
from recruitbot.run import free_port
from tests.action_server.test_action_server import SECRET, _status
from tests.action_server.test_bounded_actions import bot_texts, domain, http_answer, run, search_tracker, texts

ROOT = Path(__file__).resolve().parents[2]
ANSWER = {"events": [{"event": "slot", "name": "location", "value": "Leeds"}]}


@asynccontextmanager
async def recording_server(answer: Callable[[dict[str, Any]], bytes]) -> AsyncIterator[tuple[EndpointConfig, list]]:
    """A fake action server that answers each call's JSON body with ``answer(body)`` and records the bodies."""
    bodies: list[dict[str, Any]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        length = next(int(line.split(":", 1)[1]) for line in head.split("\r\n")
                      if line.lower().startswith("content-length:"))
        body = json.loads(await reader.readexactly(length))
        bodies.append(body)
        writer.write(answer(body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield EndpointConfig(url=f"http://127.0.0.1:{port}/webhook"), bodies
    finally:
        server.close()
        await server.wait_closed()


def forgetful(body: dict[str, Any]) -> bytes:
    """An action server that keeps no domain: it asks for it whenever a call only names it."""
    if DIGEST_KEY in body and "domain" not in body:
        return http_answer(f"{DOMAIN_WANTED_STATUS} Conflict", {"error": DOMAIN_WANTED})
    return http_answer("200 OK", ANSWER)


async def test_the_call_names_the_domain_and_sends_it_only_when_the_action_server_asks() -> None:
    async with recording_server(forgetful) as (endpoint, bodies):
        events = await run(BoundedRemoteAction("action_search_vacancies", endpoint), search_tracker())
    assert events == [SlotSet("location", "Leeds")]
    first, second = bodies
    assert "domain" not in first and first[DIGEST_KEY] == domain_digest.digest(domain())
    assert second["domain"] == domain().as_dict() and second[DIGEST_KEY] == first[DIGEST_KEY]
    assert {key: value for key, value in second.items() if key != "domain"} == first


async def test_an_action_server_that_knows_the_domain_gets_its_name_only() -> None:
    async with recording_server(lambda _body: http_answer("200 OK", ANSWER)) as (endpoint, bodies):
        for _ in range(2):
            assert await run(BoundedRemoteAction("action_search_vacancies", endpoint), search_tracker()) == [
                SlotSet("location", "Leeds")]
    assert len(bodies) == 2 and not any("domain" in body for body in bodies)


@pytest.mark.parametrize("refusal", [{"error": "something else"}, "not json"])
async def test_another_conflict_is_a_failure_and_not_asked_again(refusal: object) -> None:
    async with recording_server(lambda _body: http_answer("409 Conflict", refusal)) as (endpoint, bodies):
        events = await run(BoundedRemoteAction("action_search_vacancies", endpoint), search_tracker())
    assert bot_texts(events) == texts(APOLOGY_RESPONSE)
    assert len(bodies) == 1


async def test_an_action_server_asking_for_the_domain_it_was_sent_gets_the_apology_not_a_loop() -> None:
    asking = lambda _body: http_answer(f"{DOMAIN_WANTED_STATUS} Conflict", {"error": DOMAIN_WANTED})  # noqa: E731
    async with recording_server(asking) as (endpoint, bodies):
        events = await run(BoundedRemoteAction("action_search_vacancies", endpoint), search_tracker())
    assert bot_texts(events) == texts(APOLOGY_RESPONSE)
    assert ["domain" in body for body in bodies] == [False, True]


def test_compressed_calls_carry_the_domain_as_rasa_sends_it(monkeypatch: pytest.MonkeyPatch) -> None:
    action = BoundedRemoteAction("action_search_vacancies", EndpointConfig(url="http://127.0.0.1:1/webhook"))
    monkeypatch.setenv(COMPRESS_ACTION_SERVER_REQUEST_ENV_NAME, "true")
    body = action._action_call_format(search_tracker(), domain())
    assert body["domain"] == domain().as_dict() and DIGEST_KEY not in body


def test_a_domain_without_json_and_a_call_without_a_domain_are_left_as_rasa_makes_them() -> None:
    odd = Domain.from_dict({"responses": {"utter_greet": [{"text": "Hi"}]}})
    odd.as_dict()["extra"] = {1: "an int key", "b": "a str key"}  # sorted JSON cannot hold both
    body = {"next_action": "action_x", "domain": odd.as_dict()}
    assert domain_digest.digest(odd) is None
    assert domain_digest.call_body(body, odd, with_domain=False) is body
    without = {"next_action": "action_x"}  # Rasa's selective domain left it out
    assert domain_digest.call_body(without, domain(), with_domain=False) is without


def test_the_digest_is_the_domains_content_computed_once_per_domain() -> None:
    one, same = (Domain.from_dict({"responses": {"utter_greet": [{"text": "Hi"}]}}) for _ in range(2))
    other = Domain.from_dict({"responses": {"utter_greet": [{"text": "Hello"}]}})
    assert domain_digest.digest(one) == domain_digest.digest(same) != domain_digest.digest(other)
    one.as_dict()["responses"]["utter_greet"][0]["text"] = "changed after its digest was taken"
    assert domain_digest.digest(one) == domain_digest.digest(same), "computed once for each domain object"


def test_the_action_server_keeps_the_last_few_domains() -> None:
    known = KnownDomains(size=2)
    for name in ("a", "b", "c"):
        assert known.fill_in({DIGEST_KEY: name, "domain": {"name": name}})
    assert len(known) == 2
    assert not known.fill_in({DIGEST_KEY: "a"}), "the oldest was forgotten"
    call: dict[str, Any] = {DIGEST_KEY: "b", "next_action": "action_x"}
    assert known.fill_in(call) and call == {"next_action": "action_x", "domain": {"name": "b"}}
    plain = {"next_action": "action_x", "domain": {"name": "own"}}
    assert known.fill_in(plain) and plain == {"next_action": "action_x", "domain": {"name": "own"}}


@pytest.fixture
def action_server(tmp_path: Path) -> Iterator[EndpointConfig]:
    """The real action server, with the sample actions, as a fresh process."""
    port = free_port()
    env = {**os.environ, "RECRUITBOT_ACTION_SECRET": SECRET, "RECRUITBOT_VAR_DIR": str(tmp_path)}
    with (tmp_path / "actions.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "recruitbot.action_server", "--actions", "tests.action_server.sample_actions",
             "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while _status(f"http://127.0.0.1:{port}/health") != 200:
                assert process.poll() is None and time.monotonic() < deadline, "the action server did not start"
                time.sleep(0.2)
            yield EndpointConfig(url=f"http://127.0.0.1:{port}/webhook", headers={SECRET_HEADER: SECRET})
        finally:
            process.terminate()
            process.wait(timeout=15)


async def test_rasas_calls_to_a_fresh_action_server_give_every_action_the_domain(
    action_server: EndpointConfig,
) -> None:
    greeting = [variation["text"] for variation in domain().responses["utter_greet"]][:1]
    for _ in range(3):  # asked for on the first call, named only on the next ones
        events = await run(BoundedRemoteAction("action_say_greeting", action_server), search_tracker())
        assert [type(event) for event in events] == [BotUttered]
        assert bot_texts(events) == greeting
