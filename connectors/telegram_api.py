"""The bot's messages as Telegram messages (HTML, inline keyboards), sent through the Bot API."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import json
import logging
import re
from collections import OrderedDict
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils import exceptions as telegram_errors

from connectors.messages import BotMessage, Button, DeliveryOutcome, VacancyCard
from recruitbot.settings import Settings, load_settings

log = logging.getLogger(__name__)

CALLBACK_DATA_BYTES = 64  # Telegram refuses longer callback_data (BUTTON_DATA_INVALID)
MAX_MESSAGE_CHARS = 4096
SHORT_ID_PREFIX = "#~"
_INTENT_PAYLOAD = re.compile(r"^(/[\w-]+)(\{.*\})$", re.DOTALL)


def api_server(api_base: str) -> TelegramAPIServer:
    """The Bot API at ``api_base`` (TELEGRAM_API_BASE: the public API, a self-hosted one or a test fake)."""
    return TelegramAPIServer.from_base(api_base)


def compact_payload(payload: str) -> str:
    """``/intent{"entity": "value"}`` with its JSON re-written without spaces; other payloads as they are."""
    match = _INTENT_PAYLOAD.match(payload)
    if not match:
        return payload
    try:
        entities = json.loads(match.group(2))
    except ValueError:
        return payload
    return match.group(1) + json.dumps(entities, separators=(",", ":"), ensure_ascii=False)


class CallbackPayloads:
    """Fits button payloads into Telegram's 64-byte callback data.

    A payload that fits is sent as it is (compacted); a longer one is replaced by a short id
    remembered here, in memory: after a restart an old long-payload button falls back to its
    title (see ``connectors.telegram``).
    """

    def __init__(self, max_entries: int = 20_000) -> None:
        self._payloads: OrderedDict[str, str] = OrderedDict()
        self._max_entries = max_entries

    def encode(self, payload: str) -> str:
        """The callback data for ``payload``: itself if it fits, else a short id for it."""
        compact = compact_payload(payload)
        if len(compact.encode()) <= CALLBACK_DATA_BYTES and not compact.startswith(SHORT_ID_PREFIX):
            return compact
        digest = hashlib.sha256(payload.encode()).digest()
        short_id = SHORT_ID_PREFIX + base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
        self._payloads[short_id] = payload
        self._payloads.move_to_end(short_id)
        if len(self._payloads) > self._max_entries:
            self._payloads.popitem(last=False)
        return short_id

    def decode(self, data: str) -> str | None:
        """The payload behind callback ``data``; None for a short id this process does not know."""
        if data.startswith(SHORT_ID_PREFIX):
            return self._payloads.get(data)
        return data


def escape_html(text: str) -> str:
    """Text made safe for parse_mode HTML."""
    return html.escape(text, quote=False)


def card_html(card: VacancyCard) -> str:
    """A vacancy card as an HTML message: title, facts, closing date and summary."""
    lines = [f"<b>{escape_html(card.title)}</b>"]
    if card.facts():
        lines.append(escape_html(card.facts()))
    if card.closing():
        lines.append(f"<i>{escape_html(card.closing() or '')}</i>")
    if card.summary:
        lines += ["", escape_html(card.summary)]
    return "\n".join(lines)


def _text_chunks(text: str) -> list[str]:
    # Cut before escaping, at a line break or space, so that no entity or tag is split.
    limit = MAX_MESSAGE_CHARS // 2
    chunks = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > 0 else limit
        chunks.append(text[:cut])
        text = text[cut:].lstrip()
    return [*chunks, text]


class TelegramSender:
    """Sends bot messages with one aiogram ``Bot``."""

    def __init__(self, bot: Bot, callbacks: CallbackPayloads) -> None:
        self.bot = bot
        self.callbacks = callbacks

    def _reply_button(self, button: Button) -> InlineKeyboardButton:
        return InlineKeyboardButton(button.title, callback_data=self.callbacks.encode(button.payload))

    def _card_rows(self, card: VacancyCard) -> list[list[InlineKeyboardButton]]:
        links = [InlineKeyboardButton(link.title, url=link.url)
                 for link in card.links if link.url.startswith(("https://", "http://"))]
        postbacks = [self._reply_button(button) for button in card.postbacks]
        return [row for row in (links, postbacks) if row]

    async def send(self, chat_id: int | str, message: BotMessage) -> None:
        """Send the text, each card with its buttons, and the quick replies under the last part."""
        parts: list[tuple[str, list[list[InlineKeyboardButton]]]] = []
        if message.text:
            parts += [(escape_html(chunk), []) for chunk in _text_chunks(message.text)]
        parts += [(card_html(card), self._card_rows(card)) for card in message.cards]
        if message.buttons:
            if not parts:
                log.warning("Telegram cannot show buttons without text; dropped %d for chat %s",
                            len(message.buttons), chat_id)
                return
            text, rows = parts[-1]
            parts[-1] = (text, rows + [[self._reply_button(button)] for button in message.buttons])
        for text, rows in parts:
            await self.bot.send_message(
                chat_id, text, parse_mode="HTML", disable_web_page_preview=True,
                reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None)

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        """Register ``url`` with the secret Telegram must send back on every update.

        Called through ``request``: aiogram 2.15's ``set_webhook`` has no ``secret_token``.
        """
        return await self.bot.request("setWebhook", {
            "url": url, "secret_token": secret_token,
            "allowed_updates": json.dumps(["message", "callback_query"])})


async def send_telegram_message(chat_id: int | str, message: BotMessage,
                                settings: Settings | None = None) -> DeliveryOutcome:
    """Send ``message`` to the private chat ``chat_id`` with the bot.

    For messages the bot starts itself (job alerts). Never raises for a delivery problem: the
    outcome says what happened, and the reason is logged. Buttons with payloads over 64 bytes
    come back to the bot as their titles (the short ids live in this process only).
    """
    settings = settings or load_settings()
    if not settings.telegram_bot_token:
        return "not_configured"
    bot = Bot(settings.telegram_bot_token, server=api_server(settings.telegram_api_base))
    try:
        await TelegramSender(bot, CallbackPayloads()).send(chat_id, message)
    except (telegram_errors.BotBlocked, telegram_errors.UserDeactivated, telegram_errors.BotKicked,
            telegram_errors.CantInitiateConversation) as exc:
        log.warning("Telegram message to chat %s not delivered: %s", chat_id, exc)
        return "blocked"
    except telegram_errors.ChatNotFound as exc:
        log.warning("Telegram message to chat %s not delivered: %s", chat_id, exc)
        return "unknown_recipient"
    except (telegram_errors.TelegramAPIError, asyncio.TimeoutError) as exc:
        log.warning("Telegram message to chat %s not delivered: %r", chat_id, exc)
        return "failed"
    finally:
        await bot.session.close()  # Bot.close() is deprecated: aiogram 3 makes it the Bot API method
    return "sent"
