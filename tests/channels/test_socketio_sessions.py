"""The widget's socket.io channel, in process: only a server-signed session opens a conversation."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import socketio
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from connectors.socketio import SignedSocketIOInput, transcript, widget_metadata
from recruitbot.web.sessions import SessionSigner
from tests.channels.conftest import new_app, serving

SECRET = "a-test-secret-that-is-long-enough-0123456789"
ORIGIN = "http://localhost:8000"


class EchoBot:
    """Stands in for Rasa's agent: answers each message with its text and one quick reply."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_response(
            message.sender_id, {"text": f"echo: {message.text}", "buttons": [{"title": "Again", "payload": "/again"}],
                                "timestamp": 1.0, "utter_action": "utter_echo"})


@dataclass
class Client:
    """A socket.io client that records every event it receives."""

    sio: socketio.AsyncClient
    events: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))

    async def until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; events so far: {dict(self.events)}")
            await asyncio.sleep(0.02)


@dataclass
class Server:
    url: str
    bot: EchoBot
    signer: SessionSigner
    clients: list[Client] = field(default_factory=list)

    async def client(self, auth: dict[str, Any] | None = None, origin: str = ORIGIN) -> Client:
        sio = socketio.AsyncClient(reconnection=False)
        client = Client(sio)
        for event in ("bot_uttered", "session_confirm", "session_history", "session_rejected", "user_echo",
                      "bot_typing", "turn_complete"):
            sio.on(event, _recorder(client, event))
        self.clients.append(client)
        # Polling: engineio's websocket client needs aiohttp 3.10, newer than Rasa allows.
        await sio.connect(self.url, auth=auth, headers={"Origin": origin}, transports=["polling"],
                          socketio_path="/socket.io")
        return client


def _recorder(client: Client, event: str) -> Callable[..., Any]:
    async def record(data: Any = None) -> None:
        client.events[event].append(data)
    return record


class SlowHistoryAgent:
    """Stands in for the parts of Rasa's agent the channel reads: its lock store and tracker store.

    The tracker store answers late with what it held when asked, as a busy database does.
    """

    def __init__(self, history_delay_s: float) -> None:
        self.lock_store = InMemoryLockStore()
        self.tracker_store = InMemoryTrackerStore(Domain.empty())
        self.history_delay_s = history_delay_s
        original = self.tracker_store.retrieve_full_tracker

        async def slow_retrieve(conversation_id: str) -> Any:
            tracker = await original(conversation_id)
            await asyncio.sleep(self.history_delay_s)
            return tracker

        self.tracker_store.retrieve_full_tracker = slow_retrieve  # type: ignore[method-assign]


class LockingEchoBot(EchoBot):
    """Answers as Rasa's agent does: inside the conversation's lock, storing the turn's events."""

    def __init__(self, agent: SlowHistoryAgent) -> None:
        super().__init__()
        self.agent = agent

    async def __call__(self, message: UserMessage) -> None:
        async with self.agent.lock_store.lock(message.sender_id, wait_time_in_seconds=0.01):
            await super().__call__(message)
            tracker = await self.agent.tracker_store.get_or_create_tracker(message.sender_id)
            tracker.update(UserUttered(message.text, message_id=message.message_id))
            tracker.update(BotUttered(f"echo: {message.text}"))
            await self.agent.tracker_store.save(tracker)


@asynccontextmanager
async def socket_server(agent: SlowHistoryAgent | None = None,
                        channel: SignedSocketIOInput | None = None) -> AsyncIterator[Server]:
    channel = channel or SignedSocketIOInput(SessionSigner(SECRET), (ORIGIN,))
    signer = channel.signer
    bot = LockingEchoBot(agent) if agent else EchoBot()
    app = new_app()
    if agent:
        app.ctx.agent = agent
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/socketio")
    # A polling client takes up to a ping interval to notice a disconnection (25 s by default).
    channel.sio.eio.ping_interval = channel.sio.eio.ping_timeout = 1
    async with serving(app) as url:
        server = Server(url, bot, signer)
        try:
            yield server
        finally:
            await asyncio.gather(*(client.sio.disconnect() for client in server.clients))


def credentials(signer: SessionSigner) -> dict[str, str]:
    session = signer.issue()
    return {"session_id": session.session_id, "token": session.token}


async def say(client: Client, session_id: str, text: str, **extra: Any) -> None:
    await client.sio.emit("user_uttered", {"message": text, "session_id": session_id, **extra})


async def test_a_signed_session_is_answered_in_its_own_conversation() -> None:
    async with socket_server() as server:
        auth = credentials(server.signer)
        client = await server.client(auth)
        await say(client, auth["session_id"], "hello", message_id="m-0000001",
                  metadata={"page": {"url": "https://www.11recruitment.example/jobs/1", "vacancy_id": "11R-1"},
                            "display": "Hello", "cookie": "not kept"})
        await client.until(lambda: bool(client.events["turn_complete"]))

        assert client.events["bot_uttered"] == [
            {"text": "echo: hello", "buttons": [{"title": "Again", "payload": "/again"}]}]
        assert client.events["turn_complete"] == [{"message_id": "m-0000001", "replies": 1}]
        [message] = server.bot.messages
        assert (message.sender_id, message.input_channel, message.message_id) == (
            auth["session_id"], "socketio", "m-0000001")
        assert message.metadata == {
            "page": {"url": "https://www.11recruitment.example/jobs/1", "vacancy_id": "11R-1"}, "display": "Hello"}


async def test_someone_elses_session_id_without_its_token_gets_nothing_of_theirs() -> None:
    async with socket_server() as server:
        victim_auth = credentials(server.signer)
        victim = await server.client(victim_auth)
        victim_id = victim_auth["session_id"]

        with pytest.raises(socketio.exceptions.ConnectionError):
            await server.client({"session_id": victim_id, "token": "forged"})

        intruder = await server.client()  # connects without a session, then asks for the victim's
        await intruder.sio.emit("session_request", {"session_id": victim_id})
        await intruder.until(lambda: bool(intruder.events["session_rejected"]))
        await say(intruder, victim_id, "show me their conversation")
        await intruder.until(lambda: len(intruder.events["session_rejected"]) == 2)

        await say(victim, victim_id, "my private question")
        await victim.until(lambda: bool(victim.events["turn_complete"]))
        # The intruder's own signed session works, and its answer arrives after anything it could have leaked.
        own = credentials(server.signer)
        await intruder.sio.emit("session_request", own)
        await say(intruder, own["session_id"], "mine")
        await intruder.until(lambda: bool(intruder.events["turn_complete"]))

        assert [m.text for m in server.bot.messages] == ["my private question", "mine"]
        assert intruder.events["bot_uttered"] == [
            {"text": "echo: mine", "buttons": [{"title": "Again", "payload": "/again"}]}]
        assert intruder.events["session_history"] == [{"messages": []}]
        assert not intruder.events["user_echo"]


async def test_a_socket_cannot_post_into_a_session_it_is_not_bound_to() -> None:
    async with socket_server() as server:
        mine, theirs = credentials(server.signer), credentials(server.signer)
        client = await server.client(mine)
        await say(client, theirs["session_id"], "pretend to be them")
        await client.until(lambda: bool(client.events["session_rejected"]))
        assert server.bot.messages == []


async def test_origins_outside_the_allow_list_are_refused() -> None:
    async with socket_server() as server:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await server.client(credentials(server.signer), origin="https://evil.example")
        assert (await server.client(credentials(server.signer))).sio.connected


async def test_every_tab_of_a_session_sees_the_message_and_the_replies() -> None:
    async with socket_server() as server:
        auth = credentials(server.signer)
        first, second = await server.client(auth), await server.client(auth)
        await say(first, auth["session_id"], "/search_vacancies", metadata={"display": "See vacancies"})
        await second.until(lambda: bool(second.events["turn_complete"]))

        assert second.events["user_echo"] == [{"text": "See vacancies"}]
        assert second.events["bot_uttered"] == first.events["bot_uttered"]
        assert second.events["bot_typing"] == [{}]
        assert not first.events["user_echo"]


async def test_history_never_arrives_after_the_replies_it_does_not_hold() -> None:
    # A message the widget buffered while connecting reaches the server before its
    # session_request; the history read for that request must not land after the turn's replies
    # without them, or the widget would replace the conversation on screen with a stale one.
    async with socket_server(SlowHistoryAgent(history_delay_s=0.5)) as server:
        auth = credentials(server.signer)
        client = await server.client(auth)
        order: list[tuple[str, Any]] = []
        for event in ("bot_uttered", "session_history"):
            client.sio.on(event, lambda data, event=event: order.append((event, data)))
        await say(client, auth["session_id"], "hello", message_id="m-0000001")
        await client.sio.emit("session_request", auth)
        await client.until(lambda: len(order) == 2)

        replied = order.index(("bot_uttered", {"text": "echo: hello", "buttons": [{"title": "Again",
                                                                                   "payload": "/again"}]}))
        history = next(data["messages"] for event, data in order if event == "session_history")
        if order[0][0] == "session_history":
            assert history == []
        else:
            assert replied == 0 and [entry["text"] for entry in history] == ["hello", "echo: hello"], order


def test_widget_metadata_keeps_page_context_and_the_button_label_only() -> None:
    raw = json.dumps({"page": {"title": "t" * 500, "path": 3}, "display": " See vacancies "})
    assert widget_metadata(raw) == {
        "page": {"title": "t" * 300}, "display": "See vacancies"}
    assert widget_metadata("not json") == {}
    assert widget_metadata(["a list"]) == {}


def test_transcript_shows_what_each_side_saw() -> None:
    events = [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        UserUttered("/search_vacancies", metadata={"display": "See vacancies"}, message_id="m-1"),
        BotUttered("Happy to look.", {"buttons": [{"title": "Temp jobs", "payload": "/inform"}]},
                   {"utter_action": "utter_ask_vacancy_criteria"}),
        UserUttered("temp admin in leeds", message_id="m-2"),
        BotUttered(None, {"custom": {"type": "vacancy_cards", "cards": []}}),
    ]
    assert transcript(events) == [
        {"sender": "user", "text": "See vacancies", "message_id": "m-1"},
        {"sender": "bot", "text": "Happy to look.", "buttons": [{"title": "Temp jobs", "payload": "/inform"}]},
        {"sender": "user", "text": "temp admin in leeds", "message_id": "m-2"},
        {"sender": "bot", "custom": {"type": "vacancy_cards", "cards": []}},
    ]
    assert len(transcript(events, limit=2)) == 2
