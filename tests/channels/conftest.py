"""Fixtures for the channel tests: fake Slack and Telegram APIs, in-process servers, the real stack."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sanic import Sanic
from slack_sdk.signature import SignatureVerifier

from recruitbot.run import Ports, Stack, free_port
from tests.channels.fakes import FakeSlack, FakeTelegram

# Several Sanic apps start in this one process; test mode stops Sanic rewriting its own methods twice.
Sanic.test_mode = True

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"

SLACK_TOKEN = "xoxb-test-token"
SLACK_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TELEGRAM_TOKEN = "123456789:TEST-bot-token_for-recruitbot"
TELEGRAM_SECRET = "telegram-webhook-secret_123"
TELEGRAM_WEBHOOK_URL = "https://bot.example/webhooks/telegram/webhook"


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    api = FakeSlack()
    api.start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[FakeTelegram]:
    api = FakeTelegram()
    api.start()
    yield api
    api.stop()


def new_app() -> Sanic:
    """A Sanic app for one test."""
    return Sanic(f"test_{uuid.uuid4().hex}", configure_logging=False)


@asynccontextmanager
async def serving(app: Sanic) -> AsyncIterator[str]:
    """Serve ``app`` on a free port in this event loop; yields its base URL."""
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None  # already listening; requests wait for the start-up below
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


def slack_headers(body: bytes, secret: str = SLACK_SIGNING_SECRET, timestamp: int | None = None,
                  content_type: str = "application/json") -> dict[str, str]:
    """Headers Slack sends with ``body``, signed with slack_sdk's own signature code."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    assert signature is not None
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature}


def slack_message_event(text: str, user: str, *, channel: str | None = None, event_type: str = "message",
                        channel_type: str = "im", ts: str | None = None, event_id: str | None = None) -> bytes:
    """An Events API delivery of a user's message, as Slack sends it."""
    ts = ts or f"{time.time():.6f}"
    event = {"type": event_type, "user": user, "text": text, "ts": ts, "channel": channel or f"D{user}",
             "event_ts": ts, "client_msg_id": str(uuid.uuid4())}
    if event_type == "message":
        event["channel_type"] = channel_type
    body = {
        "token": "legacy-verification-token", "team_id": "T0001", "api_app_id": "A0001", "event": event,
        "type": "event_callback", "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(float(ts)), "authorizations": [
            {"enterprise_id": None, "team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
        "is_ext_shared_channel": False, "event_context": "4-" + hashlib.sha1(ts.encode()).hexdigest()[:20],
    }
    return json.dumps(body).encode()


def slack_button_click(value: str | None, user: str, *, channel: str | None = None, title: str = "button",
                       url: str | None = None) -> bytes:
    """An interactivity delivery (block_actions) for a button press, form-encoded as Slack sends it.

    A link button (``url``, no ``value``) is delivered too: Slack opens the link and reports the click.
    """
    action: dict[str, Any] = {"type": "button", "action_id": "reply-0", "block_id": "b1",
                              "text": {"type": "plain_text", "text": title}, "action_ts": f"{time.time():.6f}"}
    action.update({"value": value} if value is not None else {"url": url})
    payload = {
        "type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "api_app_id": "A0001", "token": "legacy-verification-token", "trigger_id": f"{uuid.uuid4().int}",
        "team": {"id": "T0001", "domain": "eleven"}, "channel": {"id": channel or f"D{user}", "name": "directmessage"},
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": channel or f"D{user}"},
        "message": {"type": "message", "ts": "1700000000.000001", "text": "…", "user": "UBOT", "bot_id": "B0001"},
        "actions": [action],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def telegram_message(update_id: int, chat_id: int, text: str) -> dict[str, object]:
    """A Bot API update for a text message in a private chat."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Sam", "language_code": "en"}
    return {"update_id": update_id, "message": {
        "message_id": update_id % 100000, "from": user, "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "first_name": "Sam", "type": "private"}}}


def telegram_button_press(update_id: int, chat_id: int, data: str, keyboard: list[list[dict[str, str]]] | None = None
                          ) -> dict[str, object]:
    """A Bot API update for a press on an inline keyboard button of one of the bot's messages."""
    user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Sam", "language_code": "en"}
    message: dict[str, Any] = {
        "message_id": 7, "date": int(time.time()), "text": "…",
        "from": {"id": 123456789, "is_bot": True, "first_name": "11 Recruitment", "username": "ElevenBot"},
        "chat": {"id": chat_id, "first_name": "Sam", "type": "private"}}
    if keyboard:
        message["reply_markup"] = {"inline_keyboard": keyboard}
    return {"update_id": update_id, "callback_query": {
        "id": str(uuid.uuid4().int)[:19], "from": user, "message": message, "chat_instance": "-4242", "data": data}}


@pytest.fixture(scope="session")
def channel_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The var directory of the channel stack (databases, generated session secret, logs)."""
    return tmp_path_factory.mktemp("channels-var")


@pytest.fixture(scope="session")
def channel_stack(trained_model: Path, channel_var: Path, fake_slack: FakeSlack,
                  fake_telegram: FakeTelegram) -> Iterator[Stack]:
    """The real action server, Rasa server and web app with every channel on, talking to the fakes."""
    stack = Stack(Ports(rasa=free_port(), actions=free_port(), web=free_port()), trained_model,
                  log_dir=channel_var / "logs")
    try:
        # The servers copy the environment when they start; the tests' own stays untouched.
        with pytest.MonkeyPatch.context() as env:
            env.setenv("RECRUITBOT_VAR_DIR", str(channel_var))
            for name in ("RECRUITBOT_SESSION_SECRET", "RECRUITBOT_ALLOWED_ORIGINS", "RECRUITBOT_CHAT_URL",
                         "SMTP_HOST"):
                env.delenv(name, raising=False)  # the session secret is generated into var/, as offline
            env.setenv("RECRUITBOT_IP_MESSAGES_PER_MINUTE", "0")  # every test talks from 127.0.0.1
            env.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
            env.setenv("SLACK_SIGNING_SECRET", SLACK_SIGNING_SECRET)
            env.setenv("SLACK_API_BASE", fake_slack.api_base)
            env.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
            env.setenv("TELEGRAM_SECRET_TOKEN", TELEGRAM_SECRET)
            env.setenv("TELEGRAM_WEBHOOK_URL", TELEGRAM_WEBHOOK_URL)
            env.setenv("TELEGRAM_API_BASE", fake_telegram.base_url)
            stack.start()
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
