"""Telegram: Rasa's channel, hardened.

Beyond Rasa 3.6's TelegramInput: every update must carry the secret registered with the
webhook in ``X-Telegram-Bot-Api-Secret-Token`` (403 otherwise; Rasa checks nothing); the
webhook is registered with that secret when the server starts; redelivered updates are dropped
by update_id; button presses are answered so the button stops spinning; button payloads are
kept within Telegram's 64 bytes; text is sent as escaped HTML; each private chat is its own
conversation and group chats are ignored (a job search is personal). The update is
acknowledged at once and the turn runs after it. TELEGRAM_API_BASE points the Bot API client
at a self-hosted server or a test fake. Without TELEGRAM_BOT_TOKEN the channel is off (503).
Typed text never names an intent (``/start`` is read as a greeting); a button's callback data
does only if it is one of the bot's payloads (connectors/payloads.py).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiogram import Bot
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.dedup import recent_keys
from connectors.messages import BotMessage
from connectors.payloads import screen
from connectors.telegram_api import CallbackPayloads, TelegramSender, api_server
from recruitbot.settings import load_settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's rule for secret_token: 1-256 characters, A-Z, a-z, 0-9, _ and -.
_VALID_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Telegram's /start command (sent when a user first opens the bot) is a greeting.
START_COMMAND = "/start"
GREETING_PAYLOAD = "/greet"


@dataclass(frozen=True)
class TelegramTurn:
    """One user message to hand to the bot; ``callback_query_id`` is set for a button press."""

    chat_id: str
    text: str
    callback_query_id: str | None = None


class RecruitbotTelegramOutput(TelegramOutput):
    """Sends escaped HTML, vacancy cards with inline keyboards, and 64-byte-safe button data."""

    def __init__(self, access_token: str, api_base: str, callbacks: CallbackPayloads) -> None:
        # Bot's own constructor, not TelegramOutput's: that one cannot take the API server.
        Bot.__init__(self, access_token, server=api_server(api_base))
        self.sender = TelegramSender(self, callbacks)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send one bot message to the chat ``recipient_id``."""
        neutral = BotMessage.from_rasa(message)
        if neutral is None:
            await super().send_response(recipient_id, message)
            return
        await self.sender.send(recipient_id, neutral)


class RecruitbotTelegramInput(TelegramInput):
    """Rasa's Telegram channel with the webhook secret checked, update de-duplication and early acknowledgement."""

    @classmethod
    def name(cls) -> str:
        """Named like Rasa's channel: the webhook is /webhooks/telegram/webhook."""
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build from credentials.yml (``access_token``, ``webhook_url``, ``secret_token``) and TELEGRAM_API_BASE."""
        credentials = credentials or {}
        return cls(str(credentials.get("access_token") or ""), str(credentials.get("webhook_url") or ""),
                   str(credentials.get("secret_token") or ""), load_settings().telegram_api_base)

    def __init__(self, access_token: str, webhook_url: str, secret_token: str, api_base: str) -> None:
        super().__init__(access_token, verify=None, webhook_url=webhook_url, debug_mode=False)
        self.enabled = bool(access_token)
        if self.enabled and not _VALID_SECRET.match(secret_token):
            raise InvalidConfigException(
                "Telegram channel: set TELEGRAM_SECRET_TOKEN (1-256 characters: letters, digits, _ and -); "
                "every update is checked against it.")
        self.secret_token = secret_token
        self.api_base = api_base
        self._updates = recent_keys("telegram-updates")
        self._callbacks = CallbackPayloads()
        self._output: RecruitbotTelegramOutput | None = None
        self._turns: set[asyncio.Task[Any]] = set()

    def get_output_channel(self) -> RecruitbotTelegramOutput:
        """The one output channel of this process (unlike Rasa's, building it calls no API)."""
        if self._output is None:
            self._output = RecruitbotTelegramOutput(self.access_token, self.api_base, self._callbacks)
        return self._output

    async def register_webhook(self) -> None:
        """Tell Telegram where to send updates, and the secret to send with them."""
        try:
            await self.get_output_channel().sender.set_webhook(self.webhook_url, self.secret_token)
        except (TelegramAPIError, asyncio.TimeoutError) as exc:
            log.error("Telegram webhook not registered for %s: %s (check TELEGRAM_BOT_TOKEN and "
                      "TELEGRAM_WEBHOOK_URL); Telegram will not deliver messages", self.webhook_url, exc)
            return
        log.info("Telegram webhook registered: %s", self.webhook_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The webhook Telegram posts updates to."""
        telegram_webhook = Blueprint("telegram_webhook", __name__)

        @telegram_webhook.listener("after_server_start")
        async def register(_app: Sanic, _loop: Any) -> None:
            if self.enabled and self.webhook_url:
                await self.register_webhook()

        @telegram_webhook.listener("before_server_stop")
        async def close(_app: Sanic, _loop: Any) -> None:
            if self._output is not None:
                await self._output.session.close()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text("Telegram is not configured here.", status=HTTPStatus.SERVICE_UNAVAILABLE)
            if not self._has_secret(request):
                log.warning("Telegram update refused: missing or wrong %s", SECRET_HEADER)
                return response.text("Forbidden.", status=HTTPStatus.FORBIDDEN)
            update = request.json
            if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                return response.text("Not a Telegram update.", status=HTTPStatus.BAD_REQUEST)
            if not self._updates.first_time(str(update["update_id"])):
                log.info("Telegram update %s already handled", update["update_id"])
            else:
                turn = self._turn_from_update(update)
                if turn:
                    self._start(turn, on_new_message)
            # Acknowledge now: Telegram redelivers updates that are not answered with a 2xx.
            return response.text("")

        return telegram_webhook

    def _has_secret(self, request: Request) -> bool:
        presented = (request.headers.get(SECRET_HEADER) or "").encode()
        return hmac.compare_digest(presented, self.secret_token.encode())

    def _turn_from_update(self, update: dict[str, Any]) -> TelegramTurn | None:
        """The user message or button press in an update, from a private chat; None for anything else."""
        query = update.get("callback_query")
        if isinstance(query, dict):
            message = query.get("message") or {}
            data = str(query.get("data") or "")
            text = screen(self._callbacks.decode(data) or _button_title(message, data))
            query_id: str | None = str(query.get("id"))
        elif isinstance(update.get("message"), dict):
            message, query_id = update["message"], None
            text = message.get("text") or ""
            is_start = text == START_COMMAND or text.startswith(START_COMMAND + " ")
            text = GREETING_PAYLOAD if is_start else screen(text, typed=True)
        else:
            return None  # edits, channel posts, member updates: nothing to answer
        chat = message.get("chat") or {}
        if chat.get("type") != "private":
            log.info("Telegram update from a %s chat ignored: the bot talks in private chats only", chat.get("type"))
            return None
        if not text or "id" not in chat:
            return None
        return TelegramTurn(str(chat["id"]), text, query_id)

    def _start(self, turn: TelegramTurn, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        task = asyncio.create_task(self._run(turn, on_new_message))
        # Keep a reference until it ends (asyncio holds only weak ones), and log what went wrong.
        self._turns.add(task)
        task.add_done_callback(lambda done: self._finished(done, turn))

    async def _run(self, turn: TelegramTurn, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        output = self.get_output_channel()
        if turn.callback_query_id:
            try:
                await output.answer_callback_query(turn.callback_query_id)
            except TelegramAPIError as exc:
                log.warning("Telegram callback query %s not answered: %s", turn.callback_query_id, exc)
        await on_new_message(UserMessage(turn.text, output, turn.chat_id, input_channel=self.name()))

    def _finished(self, task: asyncio.Task[Any], turn: TelegramTurn) -> None:
        self._turns.discard(task)
        if not task.cancelled() and task.exception():
            log.error("Telegram turn for chat %s failed", turn.chat_id, exc_info=task.exception())


def _button_title(message: dict[str, Any], data: str) -> str:
    """The title of the pressed button: what the user saw, sent when its payload is no longer known."""
    for row in (message.get("reply_markup") or {}).get("inline_keyboard") or []:
        for button in row:
            if isinstance(button, dict) and button.get("callback_data") == data:
                return str(button.get("text") or "")
    return ""
