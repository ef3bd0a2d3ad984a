"""The Telegram channel in process, with updates as the Bot API sends them and a fake Bot API."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from rasa.shared.exceptions import InvalidConfigException

from connectors.messages import BotMessage, Button, VacancyCard
from connectors.telegram import SECRET_HEADER, RecruitbotTelegramInput
from connectors.telegram_api import CALLBACK_DATA_BYTES, CallbackPayloads, compact_payload, send_telegram_message
from recruitbot.settings import load_settings
from tests.channels.bots import CARD, ReplyingBot
from tests.channels.conftest import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TELEGRAM_WEBHOOK_URL,
    new_app,
    serving,
    telegram_button_press,
    telegram_message,
)
from tests.channels.fakes import Call, FakeTelegram

# A real button's payload (connectors/payloads.py passes on only those), over Telegram's 64 bytes.
LONG_PAYLOAD = '/similar_vacancies{"vacancy_id": "REED-2026-PAYROLL-ADMINISTRATOR-LEEDS-000123456"}'


@pytest.fixture
def bot() -> ReplyingBot:
    return ReplyingBot()


@pytest.fixture
def channel(fake_telegram: FakeTelegram) -> RecruitbotTelegramInput:
    return RecruitbotTelegramInput(TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_URL, TELEGRAM_SECRET, fake_telegram.base_url)


@pytest.fixture
async def webhook(channel: RecruitbotTelegramInput, bot: ReplyingBot) -> AsyncIterator[str]:
    app = new_app()
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/telegram")
    async with serving(app) as url:
        yield f"{url}/webhooks/telegram/webhook"


async def deliver(url: str, update: dict[str, Any], secret: str | None = TELEGRAM_SECRET) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    # A webhook that waited for the turn would hang: fail then rather than at the suite's timeout.
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http, \
            http.post(url, json=update, headers=headers) as response:
        return response.status


def chat() -> int:
    return random.randint(10**8, 10**10)


def update_id() -> int:
    return random.randint(10**6, 10**9)


def sent_to(chat_id: int, method: str = "sendMessage") -> Callable[[Call], bool]:
    return lambda call: call.method == method and call.params.get("chat_id") == str(chat_id)


def keyboard(call: Call) -> list[list[tuple[str, str]]]:
    rows = call.params.get("reply_markup", {}).get("inline_keyboard", [])
    return [[(button["text"], button.get("url") or button["callback_data"]) for button in row] for row in rows]


async def test_updates_without_the_webhook_secret_are_refused(webhook: str, bot: ReplyingBot) -> None:
    update = telegram_message(update_id(), chat(), "hello")
    assert await deliver(webhook, update, secret=None) == 403
    assert await deliver(webhook, update, secret="guessed-secret") == 403
    assert await deliver(webhook, update, secret=TELEGRAM_SECRET + "x") == 403
    assert bot.messages == []


async def test_a_private_message_is_answered_with_escaped_html_and_inline_keyboards(
        webhook: str, bot: ReplyingBot, fake_telegram: FakeTelegram) -> None:
    chat_id = chat()
    assert await deliver(webhook, telegram_message(update_id(), chat_id, "temp admin jobs in brighton")) == 200

    [message] = await bot.until_messages(1)
    assert (message.text, message.sender_id, message.input_channel) == (
        "temp admin jobs in brighton", str(chat_id), "telegram")
    text, card = await fake_telegram.until(sent_to(chat_id), count=2)
    assert text.params["text"] == "Here's the one open vacancy for temp · admin · Brighton:"
    assert text.params["parse_mode"] == "HTML"
    assert card.params["text"] == (
        "<b>Temporary Office Administrator &lt;Brighton &amp; Hove&gt;</b>\n"
        "Brighton · Temporary · £14.10 per hour\n<i>Closes 9 Dec 2026</i>\n\n"
        "First point of contact for visitors &amp; callers.")
    assert keyboard(card) == [
        [("Apply / view", CARD["url"])],
        [("More like this", '/similar_vacancies{"vacancy_id":"11R-2026-02592"}')],
        [("Alert me to new ones", "/subscribe_alerts")],
        [("Talk to a consultant", "/human_handoff")],
    ]


async def test_redelivered_updates_are_handled_once(webhook: str, bot: ReplyingBot,
                                                    fake_telegram: FakeTelegram) -> None:
    chat_id, update = chat(), update_id()
    for _ in range(3):
        assert await deliver(webhook, telegram_message(update, chat_id, "hello")) == 200
    assert await deliver(webhook, telegram_message(update + 1, chat_id, "and again")) == 200
    await bot.until_messages(2)
    await fake_telegram.until(sent_to(chat_id), count=4)
    assert bot.texts() == ["hello", "and again"]


async def test_the_update_is_acknowledged_before_the_turn_runs(webhook: str, bot: ReplyingBot,
                                                               fake_telegram: FakeTelegram) -> None:
    bot.release.clear()  # the turn cannot end until released
    chat_id = chat()
    assert await deliver(webhook, telegram_message(update_id(), chat_id, "slow question")) == 200
    await bot.until_messages(1)
    assert not bot.finished.is_set()
    bot.release.set()
    await fake_telegram.until(sent_to(chat_id), count=2)


async def test_a_button_press_is_answered_and_sends_its_payload(webhook: str, bot: ReplyingBot,
                                                                fake_telegram: FakeTelegram) -> None:
    chat_id = chat()
    press = telegram_button_press(update_id(), chat_id, '/similar_vacancies{"vacancy_id":"11R-2026-02592"}')
    assert await deliver(webhook, press) == 200

    [message] = await bot.until_messages(1)
    assert message.text == '/similar_vacancies{"vacancy_id": "11R-2026-02592"}'  # checked, re-written as Rasa reads it
    [answer] = await fake_telegram.until(
        lambda call: call.method == "answerCallbackQuery"
        and call.params["callback_query_id"] == press["callback_query"]["id"])  # type: ignore[index]
    assert answer.params == {"callback_query_id": press["callback_query"]["id"]}  # type: ignore[index]


async def test_long_payloads_travel_as_short_ids(channel: RecruitbotTelegramInput, webhook: str, bot: ReplyingBot,
                                                 fake_telegram: FakeTelegram) -> None:
    chat_id = chat()
    await channel.get_output_channel().send_response(
        str(chat_id), {"text": "Want alerts for this search?", "buttons": [{"title": "Yes", "payload": LONG_PAYLOAD}]})
    [offer] = await fake_telegram.until(sent_to(chat_id))
    [[(title, data)]] = keyboard(offer)
    assert title == "Yes" and len(data.encode()) <= CALLBACK_DATA_BYTES

    assert await deliver(webhook, telegram_button_press(update_id(), chat_id, data)) == 200
    [message] = await bot.until_messages(1)
    assert message.text == LONG_PAYLOAD


async def test_a_short_id_this_process_never_issued_sends_the_buttons_title(webhook: str, bot: ReplyingBot) -> None:
    stale = "#~AAAAAAAAAAAAAAAAAAAAAA"
    press = telegram_button_press(update_id(), chat(), stale, keyboard=[
        [{"text": "Talk to a consultant", "callback_data": "/human_handoff"}],
        [{"text": "Yes", "callback_data": stale}]])
    assert await deliver(webhook, press) == 200
    [message] = await bot.until_messages(1)
    assert message.text == "Yes"


async def test_group_chats_are_ignored_and_start_is_a_greeting(webhook: str, bot: ReplyingBot) -> None:
    group = telegram_message(update_id(), -100123, "hello everyone")
    group["message"]["chat"] = {"id": -100123, "title": "Job hunters", "type": "supergroup"}  # type: ignore[index]
    assert await deliver(webhook, group) == 200
    assert await deliver(webhook, telegram_message(update_id(), chat(), "/start")) == 200
    await bot.until_messages(1)
    assert bot.texts() == ["/greet"]


async def test_the_webhook_is_registered_with_its_secret_at_start_up(channel: RecruitbotTelegramInput,
                                                                     fake_telegram: FakeTelegram) -> None:
    before = len(fake_telegram.recorded(lambda call: call.method == "setWebhook"))
    app = new_app()
    app.blueprint(channel.blueprint(ReplyingBot()), url_prefix="/webhooks/telegram")
    async with serving(app):
        registered = await fake_telegram.until(lambda call: call.method == "setWebhook", count=before + 1)
    assert registered[-1].params == {"url": TELEGRAM_WEBHOOK_URL, "secret_token": TELEGRAM_SECRET,
                                     "allowed_updates": ["message", "callback_query"]}


async def test_without_a_token_the_channel_is_off_and_a_token_needs_a_secret() -> None:
    channel = RecruitbotTelegramInput("", "", "", "https://api.telegram.org")
    app = new_app()
    app.blueprint(channel.blueprint(ReplyingBot()), url_prefix="/webhooks/telegram")
    async with serving(app) as url:
        assert await deliver(f"{url}/webhooks/telegram/webhook", telegram_message(1, chat(), "hi")) == 503
    for secret in ("", "has spaces", "x" * 257):
        with pytest.raises(InvalidConfigException, match="TELEGRAM_SECRET_TOKEN"):
            RecruitbotTelegramInput(TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_URL, secret, "https://api.telegram.org")


async def test_a_proactive_message_reaches_the_chat_or_says_why_not(fake_telegram: FakeTelegram) -> None:
    settings = dataclasses.replace(load_settings(), telegram_bot_token=TELEGRAM_TOKEN,
                                   telegram_api_base=fake_telegram.base_url)
    message = BotMessage("A new job matches your alert:", (Button("Stop these alerts", "/unsubscribe_alerts"),),
                         (VacancyCard.from_dict(CARD),))
    chat_id = chat()

    assert await send_telegram_message(chat_id, message, settings) == "sent"
    text, card = await fake_telegram.until(sent_to(chat_id), count=2)
    assert text.params["text"] == "A new job matches your alert:"
    assert keyboard(card)[-1] == [("Stop these alerts", "/unsubscribe_alerts")]
    assert await send_telegram_message(403, message, settings) == "blocked"
    assert await send_telegram_message(404, message, settings) == "unknown_recipient"
    assert await send_telegram_message(chat_id, message, dataclasses.replace(settings, telegram_bot_token="")) == (
        "not_configured")


def test_callback_payloads_fit_in_64_bytes_and_come_back_whole() -> None:
    payloads = CallbackPayloads()
    assert payloads.encode('/inform{"job_type": "temp"}') == '/inform{"job_type":"temp"}'
    assert payloads.encode("Does a second interview mean I got the job?") == (
        "Does a second interview mean I got the job?")
    for long in (LONG_PAYLOAD, "é" * 40, "#~looks like a short id"):
        data = payloads.encode(long)
        assert len(data.encode()) <= CALLBACK_DATA_BYTES and payloads.decode(data) == long
        assert payloads.encode(long) == data
    assert compact_payload("/greet{not json}") == "/greet{not json}"
