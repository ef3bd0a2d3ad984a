"""Limits and payload screening on the REST and widget channels, over HTTP and socket.io.

In process (a recording bot, a hand-moved clock for the rates) and against the real stack.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import register

from connectors.limits import EdgeGuard
from connectors.responses import response_text
from connectors.rest import RecruitbotRestInput
from connectors.socketio import SignedSocketIOInput
from recruitbot.run import Stack
from recruitbot.settings import EdgeLimits
from recruitbot.web.sessions import SessionSigner
from tests.channels.bots import ReplyingBot
from tests.channels.conftest import new_app, serving
from tests.channels.test_limits import Clock
from tests.channels.test_socketio_sessions import ORIGIN, SECRET, Client, Server, credentials, say, socket_server

LIMITS = EdgeLimits(max_message_chars=50, max_request_bytes=1000, session_messages_per_minute=2,
                    ip_messages_per_minute=3)


@asynccontextmanager
async def rest_server(clock: Clock, limits: EdgeLimits = LIMITS) -> AsyncIterator[tuple[str, ReplyingBot]]:
    """The REST channel mounted the way Rasa mounts channels, in front of a recording bot."""
    bot = ReplyingBot()
    app = new_app()
    app.ctx.agent = SimpleNamespace(handle_message=bot)
    register([RecruitbotRestInput(limits, EdgeGuard(limits, clock=clock))], app, route="/webhooks/")
    async with serving(app) as url:
        yield f"{url}/webhooks/rest/webhook", bot


async def post(url: str, body: Any = None, raw: bytes | None = None,
               headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        data = raw if raw is not None else json.dumps(body).encode()
        async with http.post(url, data=data, headers={"Content-Type": "application/json", **(headers or {})}) as got:
            return got.status, dict(got.headers), await got.json(content_type=None)


async def test_rest_keeps_rasas_url_and_answers() -> None:
    async with rest_server(Clock()) as (url, bot):
        status, _, replies = await post(url, {"sender": "s1", "message": "hello"})
        assert status == 200 and replies[0]["text"].startswith("Here's the one open vacancy")
        assert [(m.text, m.sender_id, m.input_channel) for m in bot.messages] == [("hello", "s1", "rest")]


async def test_rest_refuses_a_long_message_and_processes_nothing() -> None:
    async with rest_server(Clock()) as (url, bot):
        status, _, body = await post(url, {"sender": "s1", "message": "x" * 51})
        assert (status, body["error"], body["limit"]) == (413, "message_too_long", 50)
        assert bot.messages == []


async def test_rest_refuses_a_large_body_before_reading_it() -> None:
    async with rest_server(Clock()) as (url, bot):
        status, _, body = await post(url, raw=json.dumps({"sender": "s1", "message": "hi", "metadata": {
            "padding": "x" * 2000}}).encode())
        assert (status, body["error"], body["limit"]) == (413, "request_too_large", 1000)
        assert bot.messages == []


async def test_rest_says_429_with_retry_after_beyond_the_rate() -> None:
    clock = Clock()
    async with rest_server(clock) as (url, bot):
        assert (await post(url, {"sender": "s1", "message": "one"}))[0] == 200
        clock.now += 20
        assert (await post(url, {"sender": "s1", "message": "two"}))[0] == 200
        status, headers, body = await post(url, {"sender": "s1", "message": "three"})
        assert (status, headers["Retry-After"], body["error"]) == (429, "40", "rate_limited")
        # The address's own limit (3) applies whatever sender the client names.
        assert (await post(url, {"sender": "s2", "message": "four"}))[0] == 200
        assert (await post(url, {"sender": "s3", "message": "five"}))[0] == 429
        assert bot.texts() == ["one", "two", "four"]
        clock.now += 40
        assert (await post(url, {"sender": "s1", "message": "six"}))[0] == 200


async def status_from(url: str, sender: str, forwarded_for: str) -> int:
    return (await post(url, {"sender": sender, "message": "hi"}, headers={"X-Forwarded-For": forwarded_for}))[0]


async def test_rest_rate_follows_the_forwarded_address_only_behind_a_trusted_proxy() -> None:
    trusting = replace(LIMITS, ip_messages_per_minute=1, trusted_proxies=("127.0.0.1",))
    async with rest_server(Clock(), trusting) as (url, _):
        assert await status_from(url, "a", "198.51.100.1") == 200
        assert await status_from(url, "b", "198.51.100.2") == 200
        assert await status_from(url, "c", "198.51.100.1") == 429
    # Without a trusted proxy the header is ignored: both requests come from 127.0.0.1.
    async with rest_server(Clock(), replace(trusting, trusted_proxies=())) as (url, _):
        assert await status_from(url, "a", "198.51.100.1") == 200
        assert await status_from(url, "b", "198.51.100.2") == 429


async def test_rest_screens_typed_payloads_and_keeps_buttons() -> None:
    async with rest_server(Clock(), EdgeLimits()) as (url, bot):
        for text in ('/subscribe_alerts{"email":"x@y.z"}', '/inform{"job_type": "perm"}', "/forget_me"):
            assert (await post(url, {"sender": "s1", "message": text, "input_channel": "telegram"}))[0] == 200
        assert bot.texts() == ['subscribe_alerts{"email":"x@y.z"}', '/inform{"job_type": "perm"}', "forget_me"]
        assert {m.input_channel for m in bot.messages} == {"rest"}


async def test_rest_refuses_a_request_without_a_sender() -> None:
    async with rest_server(Clock()) as (url, bot):
        assert (await post(url, {"message": "hi"}))[0] == 400
        assert (await post(url, raw=b"not json"))[0] == 400
        assert bot.messages == []


def widget_server(clock: Clock, limits: EdgeLimits = LIMITS) -> AbstractAsyncContextManager[Server]:
    """The widget's channel with these limits, in front of an echoing bot."""
    guard = EdgeGuard(limits, clock=clock)
    return socket_server(channel=SignedSocketIOInput(SessionSigner(SECRET), (ORIGIN,), limits=limits, guard=guard))


async def turns(client: Client, count: int) -> None:
    await client.until(lambda: len(client.events["turn_complete"]) >= count)


async def test_widget_explains_a_long_message_and_processes_nothing() -> None:
    async with widget_server(Clock()) as server:
        auth = credentials(server.signer)
        client = await server.client(auth)
        await say(client, auth["session_id"], "x" * 51, message_id="m-long-0001")
        await turns(client, 1)
        assert client.events["bot_uttered"] == [{"text": response_text("utter_message_too_long", limit=50)}]
        assert client.events["turn_complete"] == [{"message_id": "m-long-0001", "replies": 1}]
        assert server.bot.messages == []


async def test_widget_asks_to_slow_down_beyond_the_rate() -> None:
    clock = Clock()
    async with widget_server(clock) as server:
        auth = credentials(server.signer)
        client = await server.client(auth)
        for number, text in enumerate(("one", "two", "three")):
            await say(client, auth["session_id"], text)
            await turns(client, number + 1)
        assert [m.text for m in server.bot.messages] == ["one", "two"]
        assert client.events["bot_uttered"][-1] == {"text": response_text("utter_slow_down", seconds=60)}
        assert "60" in client.events["bot_uttered"][-1]["text"]


async def test_widget_reads_typed_payloads_as_text_and_keeps_pressed_buttons() -> None:
    async with widget_server(Clock(), EdgeLimits()) as server:
        auth = credentials(server.signer)
        client = await server.client(auth)
        await say(client, auth["session_id"], "/greet")
        await turns(client, 1)
        await say(client, auth["session_id"], '/inform{"job_type": "temp"}', metadata={"display": "Temp jobs"})
        await turns(client, 2)
        await say(client, auth["session_id"], '/subscribe_alerts{"email":"x@y.z"}', metadata={"display": "Alerts"})
        await turns(client, 3)
        assert [m.text for m in server.bot.messages] == [
            "greet", '/inform{"job_type": "temp"}', 'subscribe_alerts{"email":"x@y.z"}']


def stored_user_events(var: Path, sender: str) -> list[dict[str, Any]]:
    """The user messages of a conversation as Rasa stored them in the tracker store."""
    with sqlite3.connect(var / "tracker.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                          (sender,)).fetchall()
    return [json.loads(data) for (data,) in rows]


@pytest.mark.model
@pytest.mark.servers
async def test_the_real_rest_channel_screens_payloads_and_refuses_long_messages(
        channel_stack: Stack, channel_var: Path) -> None:
    url = f"http://127.0.0.1:{channel_stack.ports.rasa}/webhooks/rest/webhook"
    sender = f"edge-{uuid.uuid4().hex}"
    status, _, body = await post(url, {"sender": sender, "message": "x" * 4001})
    assert (status, body["error"], body["limit"]) == (413, "message_too_long", 4000)
    for text in ("/greet", '/subscribe_alerts{"email":"x@y.z"}', '/inform{"job_type": "perm"}'):
        assert (await post(url, {"sender": sender, "message": text}))[0] == 200

    greet, forced, button = stored_user_events(channel_var, sender)
    assert greet["parse_data"]["intent"] == {"name": "greet", "confidence": 1.0}  # a button's payload
    assert forced["text"] == 'subscribe_alerts{"email":"x@y.z"}'
    assert [e for e in forced["parse_data"]["entities"] if e["entity"] == "email"] == []
    assert len(forced["parse_data"]["intent_ranking"]) > 1  # ranked by NLU; a forced intent has a ranking of one
    assert button["parse_data"]["intent"] == {"name": "inform", "confidence": 1.0}
    assert [(e["entity"], e["value"]) for e in button["parse_data"]["entities"]] == [("job_type", "perm")]
