"""One client per channel that holds a conversation with the real stack, as that channel's users do.

Each sends what a user would (typed text, a quick reply or a card's "More like this") in that
channel's real request format, and reads the bot's answer back in a channel-neutral ``Turn``:
texts, quick replies and cards. The parity tests compare these turns across channels.
"""

from __future__ import annotations

import asyncio
import html
import json
import random
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

from connectors.telegram import SECRET_HEADER
from connectors.telegram_api import compact_payload
from recruitbot.run import Stack, ask
from tests.channels.conftest import (
    TELEGRAM_SECRET,
    slack_button_click,
    slack_headers,
    slack_message_event,
    telegram_button_press,
    telegram_message,
)
from tests.channels.fakes import Call, FakeSlack, FakeTelegram

TURN_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Card:
    """A card as every channel must show it (the id travels inside the postback payloads)."""

    title: str
    link: str
    postbacks: tuple[tuple[str, str], ...]


@dataclass
class Turn:
    """What the bot answered to one user message, whatever the channel."""

    texts: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)

    def add_text(self, text: str | None) -> None:
        # REST splits texts at blank lines, the other channels keep them whole: compare paragraphs.
        if text:
            self.texts += [part.strip() for part in text.split("\n\n") if part.strip()]

    def add_buttons(self, buttons: list[tuple[str, str]]) -> None:
        self.buttons += [(title, compact_payload(payload)) for title, payload in buttons]

    def normalised(self) -> Turn:
        return Turn(self.texts, self.buttons,
                    [Card(c.title, c.link, tuple((t, compact_payload(p)) for t, p in c.postbacks))
                     for c in self.cards])


def card_from_payload(card: dict[str, Any]) -> Card:
    actions = card["actions"]
    link = next(a["url"] for a in actions if a["type"] == "link")
    return Card(card["title"], link,
                tuple((a["title"], a["payload"]) for a in actions if a["type"] == "postback"))


def turn_from_rest_shape(messages: list[dict[str, Any]]) -> Turn:
    """REST and socket.io both deliver Rasa's message dicts."""
    turn = Turn()
    for message in messages:
        turn.add_text(message.get("text"))
        turn.add_buttons([(b["title"], b["payload"]) for b in message.get("buttons") or []])
        custom = message.get("custom") or {}
        turn.cards += [card_from_payload(card) for card in custom.get("cards", [])]
    return turn.normalised()


class ChannelClient:
    """Sends a user's moves and reads the bot's answer; subclasses speak one channel."""

    name = "?"
    expected: Turn | None = None  # the answer REST got, for channels that cannot tell when a turn ends

    async def say(self, text: str) -> Turn:
        raise NotImplementedError

    async def press(self, title: str, payload: str) -> Turn:
        """Press a quick reply or card button that was shown with ``title`` and ``payload``."""
        return await self.say(payload)

    async def close(self) -> None:
        """Release what the client holds."""


class RestClient(ChannelClient):
    name = "rest"

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.sender = f"parity-rest-{uuid.uuid4().hex}"

    async def say(self, text: str) -> Turn:
        replies = await asyncio.to_thread(ask, self.stack.ports.rasa, self.sender, text, TURN_TIMEOUT_S)
        return turn_from_rest_shape(replies)


class SocketClient(ChannelClient):
    """The widget's protocol: a session from the web app, then socket.io with that session."""

    name = "socketio"

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.sio = socketio.AsyncClient(reconnection=False)
        self.replies: list[dict[str, Any]] = []
        self.completed: list[dict[str, Any]] = []
        self.session: dict[str, str] = {}

    async def connect(self) -> None:
        web = f"http://127.0.0.1:{self.stack.ports.web}"
        request = urllib.request.Request(f"{web}/api/session", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json", "Origin": web})
        with urllib.request.urlopen(request, timeout=10) as response:
            self.session = json.load(response)

        async def on_reply(message: dict[str, Any]) -> None:
            self.replies.append(message)

        async def on_complete(data: dict[str, Any]) -> None:
            self.completed.append(data)

        self.sio.on("bot_uttered", on_reply)
        self.sio.on("turn_complete", on_complete)
        # Polling: engineio's websocket client needs aiohttp 3.10, newer than Rasa allows.
        await self.sio.connect(self.session["socket_url"], socketio_path=self.session["socket_path"],
                               auth={k: self.session[k] for k in ("session_id", "token")},
                               headers={"Origin": web}, transports=["polling"])

    async def say(self, text: str, metadata: dict[str, Any] | None = None) -> Turn:
        before, done = len(self.replies), len(self.completed)
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.session["session_id"],
                                             **({"metadata": metadata} if metadata else {})})
        deadline = time.monotonic() + TURN_TIMEOUT_S
        while len(self.completed) == done:
            assert time.monotonic() < deadline, "socket.io: the turn did not complete"
            await asyncio.sleep(0.05)
        return turn_from_rest_shape(self.replies[before:])

    async def press(self, title: str, payload: str) -> Turn:
        """Press a button as the widget does: its payload, with its label as ``metadata.display``."""
        return await self.say(payload, {"display": title})

    async def close(self) -> None:
        await self.sio.disconnect()


class _FakeApiClient(ChannelClient):
    """A channel whose replies arrive as calls to a fake API: read until they match what is expected.

    There is no end-of-turn signal on Slack or Telegram, so the reader waits until the replies
    match the REST channel's answer, or the deadline passes (then the comparison shows the difference).
    """

    api: FakeSlack | FakeTelegram

    def __init__(self) -> None:
        self.consumed = 0

    def _mine(self, call: Call) -> bool:
        raise NotImplementedError

    def _turn(self, calls: list[Call]) -> Turn:
        raise NotImplementedError

    async def _read_turn(self) -> Turn:
        deadline = time.monotonic() + TURN_TIMEOUT_S
        while True:
            calls = self.api.recorded(self._mine)[self.consumed:]
            turn = self._turn(calls)
            if turn == self.expected or time.monotonic() > deadline:
                self.consumed += len(calls)
                return turn
            await asyncio.sleep(0.05)


class SlackClient(_FakeApiClient):
    """Signed Events API and interactivity deliveries; replies read from the fake Web API."""

    name = "slack"

    def __init__(self, stack: Stack, api: FakeSlack) -> None:
        super().__init__()
        self.url = f"http://127.0.0.1:{stack.ports.rasa}/webhooks/slack/webhook"
        self.api = api
        self.user = f"U{uuid.uuid4().hex[:10].upper()}"

    def _mine(self, call: Call) -> bool:
        return call.method == "chat.postMessage" and call.params.get("channel") == f"D{self.user}"

    async def _post(self, body: bytes, content_type: str) -> None:
        async with aiohttp.ClientSession() as http, http.post(
                self.url, data=body, headers=slack_headers(body, content_type=content_type)) as response:
            assert response.status == 200, await response.text()

    async def say(self, text: str) -> Turn:
        await self._post(slack_message_event(text, self.user), "application/json")
        return await self._read_turn()

    async def press(self, title: str, payload: str) -> Turn:
        await self._post(slack_button_click(payload, self.user, title=title), "application/x-www-form-urlencoded")
        return await self._read_turn()

    def _turn(self, calls: list[Call]) -> Turn:
        turn = Turn()
        for call in calls:
            blocks = call.params.get("blocks") or []
            turn.add_text("\n\n".join(_slack_text(b) for b in blocks if b["type"] == "section" and not _is_card(b)))
            cards: dict[str, dict[str, Any]] = {}
            for block in blocks:
                if block["type"] == "section" and _is_card(block):
                    cards[str(len(cards))] = {"heading": block["text"]["text"], "actions": []}
                if block["type"] == "actions":
                    for element in block["elements"]:
                        if element["action_id"].startswith("reply-"):
                            turn.add_buttons([(element["text"]["text"], element["value"])])
                        else:
                            cards[element["action_id"].split("-")[1]]["actions"].append(element)
            turn.cards += [_slack_card(card) for card in cards.values()]
        return turn.normalised()


def _is_card(block: dict[str, Any]) -> bool:
    return str(block["text"]["text"]).startswith("*<")


def _slack_text(block: dict[str, Any]) -> str:
    return html.unescape(block["text"]["text"])


def _slack_card(card: dict[str, Any]) -> Card:
    heading = card["heading"].split("\n")[0]  # *<url|title>*
    _url, title = heading[2:-2].split("|", 1)
    link = next(a["url"] for a in card["actions"] if "url" in a)
    postbacks = tuple((a["text"]["text"], a["value"]) for a in card["actions"] if "value" in a)
    return Card(html.unescape(title), link, postbacks)


class TelegramClient(_FakeApiClient):
    """Bot API updates with the webhook secret; replies read from the fake Bot API."""

    name = "telegram"

    def __init__(self, stack: Stack, api: FakeTelegram) -> None:
        super().__init__()
        self.url = f"http://127.0.0.1:{stack.ports.rasa}/webhooks/telegram/webhook"
        self.api = api
        self.chat_id = random.randint(10**8, 10**10)
        self.update_id = random.randint(10**6, 10**8)
        self.keyboards: list[list[list[dict[str, str]]]] = []

    def _mine(self, call: Call) -> bool:
        return call.method == "sendMessage" and call.params.get("chat_id") == str(self.chat_id)

    async def _deliver(self, update: dict[str, Any]) -> None:
        async with aiohttp.ClientSession() as http, http.post(
                self.url, json=update, headers={SECRET_HEADER: TELEGRAM_SECRET}) as response:
            assert response.status == 200, await response.text()

    async def say(self, text: str) -> Turn:
        self.update_id += 1
        await self._deliver(telegram_message(self.update_id, self.chat_id, text))
        return await self._read_turn()

    async def press(self, title: str, payload: str) -> Turn:
        # Press the button as the user sees it: by its callback data on the keyboard it came on.
        for keyboard in reversed(self.keyboards):
            for row in keyboard:
                for button in row:
                    if button["text"] == title and compact_payload(payload) in (
                            button.get("callback_data"), compact_payload(str(button.get("callback_data")))):
                        self.update_id += 1
                        await self._deliver(telegram_button_press(
                            self.update_id, self.chat_id, button["callback_data"], keyboard))
                        return await self._read_turn()
        raise AssertionError(f"telegram: no button {title!r} was shown")

    def _turn(self, calls: list[Call]) -> Turn:
        turn = Turn()
        for call in calls:
            text = str(call.params["text"])
            rows = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
            if rows:
                self.keyboards.append(rows)
            if text.startswith("<b>"):  # a card: links row, postbacks row, then any quick replies
                links, postbacks, *replies = rows
                title = html.unescape(text.split("</b>", 1)[0][3:])
                turn.cards.append(Card(title, links[0]["url"],
                                       tuple((b["text"], b["callback_data"]) for b in postbacks)))
                rows = replies
            else:
                turn.add_text(html.unescape(text))
            turn.add_buttons([(row[0]["text"], row[0]["callback_data"]) for row in rows])
        return turn.normalised()
