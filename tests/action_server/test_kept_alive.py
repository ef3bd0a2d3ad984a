"""Custom action calls reuse their connections to the action server (recruitbot/kept_alive.py)."""

from __future__ import annotations

import asyncio
import datetime
import enum
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
import rasa.core.run
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import EventVerbosity
from rasa.utils.endpoints import EndpointConfig

import recruitbot.kept_alive
from recruitbot.kept_alive import KeptAliveEndpoint, close_sessions, encode_json, kept_alive
from recruitbot.rasa_server import BoundedRemoteAction, install_session_close
from tests.action_server.test_bounded_actions import run, search_tracker

ANSWER = json.dumps({"events": [{"event": "slot", "name": "location", "value": "Leeds"}], "responses": []}).encode()


@dataclass
class Seen:
    """What the fake action server saw: one entry per TCP connection, the request heads sent on it."""

    connections: list[list[bytes]] = field(default_factory=list)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)


@asynccontextmanager
async def keep_alive_server() -> AsyncIterator[tuple[EndpointConfig, Seen]]:
    """A fake action server that keeps connections open between requests, as Sanic does."""
    seen = Seen()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads: list[bytes] = []
        seen.connections.append(heads)
        seen.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                await reader.readexactly(length)
                heads.append(head)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(url=f"http://127.0.0.1:{port}/webhook", headers={"X-Recruitbot-Action-Secret": "s3"})
    try:
        yield endpoint, seen
    finally:
        await close_sessions()
        server.close()
        await server.wait_closed()


async def test_calls_share_one_connection_and_each_carries_the_endpoints_headers() -> None:
    async with keep_alive_server() as (endpoint, seen):
        for _ in range(3):
            events = await run(BoundedRemoteAction("action_search_vacancies", endpoint), search_tracker())
            assert events == [SlotSet("location", "Leeds")]
    [heads] = seen.connections
    assert len(heads) == 3
    assert all(b"x-recruitbot-action-secret: s3" in head.lower() for head in heads)


async def test_rasas_own_remote_action_connects_for_every_call() -> None:
    # What the kept-alive endpoint saves: the same calls through Rasa's class open three connections.
    async with keep_alive_server() as (endpoint, seen):
        for _ in range(3):
            await run(RemoteAction("action_search_vacancies", endpoint), search_tracker())
    assert [len(heads) for heads in seen.connections] == [1, 1, 1]


async def test_an_idle_connection_is_dropped_before_the_server_would_close_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recruitbot.kept_alive, "IDLE_S", 0.2)
    async with keep_alive_server() as (endpoint, seen):
        await run(BoundedRemoteAction("action_search_vacancies", endpoint), search_tracker())
        await asyncio.sleep(1.5)  # aiohttp checks idle connections about once a second
        await run(BoundedRemoteAction("action_search_vacancies", endpoint), search_tracker())
    assert [len(heads) for heads in seen.connections] == [1, 1]


async def test_a_call_after_the_server_closed_the_connection_opens_a_new_one() -> None:
    async with keep_alive_server() as (endpoint, seen):
        await run(BoundedRemoteAction("action_search_vacancies", endpoint), search_tracker())
        seen.writers[0].close()  # the server drops the connection, as a restarted one would
        await asyncio.sleep(0.1)
        events = await run(BoundedRemoteAction("action_search_vacancies", endpoint), search_tracker())
    assert events == [SlotSet("location", "Leeds")]
    assert len(seen.connections) == 2


def test_one_twin_per_endpoint_with_the_same_settings() -> None:
    endpoint = EndpointConfig(url="http://127.0.0.1:1/webhook", headers={"a": "b"},
                              basic_auth={"username": "u", "password": "p"})
    twin = kept_alive(endpoint)
    assert isinstance(twin, KeptAliveEndpoint)
    assert twin is kept_alive(endpoint) and kept_alive(twin) is twin
    assert (twin.url, twin.headers, twin.basic_auth) == (endpoint.url, endpoint.headers, endpoint.basic_auth)
    assert kept_alive(EndpointConfig(url=endpoint.url)) is not twin
    assert kept_alive(None) is None


async def test_the_server_closes_the_sessions_when_it_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[str] = []

    async def rasas_close(app: object, loop: object) -> None:
        closed.append("rasa's resources")

    monkeypatch.setattr(rasa.core.run, "close_resources", rasas_close)
    install_session_close()
    async with keep_alive_server() as (endpoint, _):
        await run(BoundedRemoteAction("action_search_vacancies", endpoint), search_tracker())
        twin = kept_alive(endpoint)
        assert isinstance(twin, KeptAliveEndpoint)
        shared = twin.session()._session  # type: ignore[attr-defined]
        await rasa.core.run.close_resources(object(), asyncio.get_running_loop())
        assert closed == ["rasa's resources"] and shared.closed


class Label(str):
    """A subclass of str: orjson would write it its own way, so json.dumps does."""


class Level(enum.IntEnum):
    """An int enum: orjson writes its value, as json.dumps does."""

    HIGH = 2


@pytest.mark.parametrize("value", [
    search_tracker().current_state(EventVerbosity.ALL),
    {"text": "café £25k \u2013 naïve", "confidence": 0.1, "tiny": 1e-7, "big": 1.5e300, "neg": -0.0, "list": (1, 2)},
    {"level": Level.HIGH, "levels": [Level.HIGH]},  # an enum member: its value, from both
])
def test_a_call_body_reads_back_as_the_json_rasa_would_write(value: object) -> None:
    assert json.loads(encode_json(value)) == json.loads(json.dumps(value))


@pytest.mark.parametrize("value", [
    {"slot": 2**70}, {1: "an int key"}, {"text": "\ud800 a lone surrogate"}, {"label": Label("x")},
    [Label("y"), {"z": [2**64]}],
])
def test_what_orjson_writes_differently_is_written_by_json_dumps(value: object) -> None:
    assert encode_json(value) == json.dumps(value)


@pytest.mark.parametrize("value", [{"when": datetime.datetime(2026, 11, 28)}, {"dataclass": Seen()}, {"s": {1}}])
def test_what_json_dumps_cannot_write_fails_as_it_fails(value: object) -> None:
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        encode_json(value)


def test_a_float_that_is_not_a_number_is_written_as_null() -> None:
    assert json.loads(encode_json({"x": float("nan"), "y": float("inf")})) == {"x": None, "y": None}


async def test_the_shared_session_writes_bodies_with_encode_json() -> None:
    async with keep_alive_server() as (endpoint, _seen):
        session = await kept_alive(endpoint).session().__aenter__()  # type: ignore[union-attr]
        assert session._json_serialize is encode_json
