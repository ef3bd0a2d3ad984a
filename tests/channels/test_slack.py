"""The Slack channel in process, with signed requests as Slack sends them and a fake Web API."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from rasa.shared.exceptions import InvalidConfigException

from connectors.messages import BotMessage, Button, VacancyCard
from connectors.slack import RecruitbotSlackInput
from connectors.slack_api import blocks_for, send_slack_message
from recruitbot.settings import load_settings
from tests.channels.bots import CARD, ReplyingBot
from tests.channels.conftest import (
    SLACK_SIGNING_SECRET,
    SLACK_TOKEN,
    new_app,
    serving,
    slack_button_click,
    slack_headers,
    slack_message_event,
)
from tests.channels.fakes import Call, FakeSlack

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def bot() -> ReplyingBot:
    return ReplyingBot()


@pytest.fixture
async def webhook(fake_slack: FakeSlack, bot: ReplyingBot) -> AsyncIterator[str]:
    channel = RecruitbotSlackInput(SLACK_TOKEN, SLACK_SIGNING_SECRET, fake_slack.api_base)
    app = new_app()
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/slack")
    async with serving(app) as url:
        yield f"{url}/webhooks/slack/webhook"


async def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    # A webhook that waited for the turn would hang: fail then rather than at the suite's timeout.
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http, \
            http.post(url, data=body, headers=headers) as response:
        return response.status, await response.text()


def user() -> str:
    return f"U{uuid.uuid4().hex[:10].upper()}"


def posted_to(channel: str) -> Callable[[Call], bool]:
    return lambda call: call.method == "chat.postMessage" and call.params.get("channel") == channel


async def test_a_direct_message_is_answered_with_block_kit(webhook: str, bot: ReplyingBot,
                                                           fake_slack: FakeSlack) -> None:
    sender = user()
    body = slack_message_event("temp admin jobs in brighton", sender)
    assert await post(webhook, body, slack_headers(body)) == (200, "")

    [message] = await bot.until_messages(1)
    assert (message.text, message.sender_id, message.input_channel) == ("temp admin jobs in brighton", sender, "slack")
    text, cards = await fake_slack.until(posted_to(f"D{sender}"), count=2)
    assert text.params["text"] == "Here's the one open vacancy for temp · admin · Brighton:"
    assert "thread_ts" not in text.params  # direct messages are not threaded
    blocks = cards.params["blocks"]
    assert [block["type"] for block in blocks] == ["section", "context", "actions", "actions"]
    assert blocks[0]["text"]["text"] == (
        "*<https://www.11recruitment.example/vacancies/11r-2026-02592|"
        "Temporary Office Administrator &lt;Brighton &amp; Hove&gt;>*\n"
        "Brighton · Temporary · £14.10 per hour\nFirst point of contact for visitors &amp; callers.")
    assert blocks[1]["elements"][0]["text"] == "Closes 9 Dec 2026"
    apply, similar = blocks[2]["elements"]
    assert (apply["text"]["text"], apply["url"]) == ("Apply / view", CARD["url"])
    assert (similar["text"]["text"], similar["value"]) == ("More like this", CARD["actions"][1]["payload"])
    assert [(b["text"]["text"], b["value"]) for b in blocks[3]["elements"]] == [
        ("Alert me to new ones", "/subscribe_alerts"), ("Talk to a consultant", "/human_handoff")]


async def test_unsigned_forged_stale_and_tampered_requests_are_refused(webhook: str, bot: ReplyingBot) -> None:
    body = slack_message_event("hello", user())
    other = slack_message_event("something else", user())
    refused = [
        {"Content-Type": "application/json"},
        slack_headers(body, secret="not-the-signing-secret"),
        slack_headers(body, timestamp=int(time.time()) - 6 * 60),
        slack_headers(other),
    ]
    for headers in refused:
        status, _ = await post(webhook, body, headers)
        assert status == 401
    assert bot.messages == []


async def test_retries_and_replays_of_a_delivery_are_handled_once(webhook: str, bot: ReplyingBot,
                                                                  fake_slack: FakeSlack) -> None:
    sender = user()
    body = slack_message_event("hello", sender)
    headers = slack_headers(body)
    assert (await post(webhook, body, headers))[0] == 200
    assert (await post(webhook, body, headers))[0] == 200  # a replay of the very same request
    for attempt, reason in ((1, "http_timeout"), (2, "http_error"), (3, "connection_failed")):
        retry = {**slack_headers(body), "X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": reason}
        assert (await post(webhook, body, retry))[0] == 200
    await bot.until_messages(1)
    await fake_slack.until(posted_to(f"D{sender}"), count=2)
    assert bot.texts() == ["hello"]


async def test_a_mention_delivered_as_message_and_app_mention_gets_one_reply_in_its_thread(
        webhook: str, bot: ReplyingBot, fake_slack: FakeSlack) -> None:
    sender, ts = user(), f"{time.time():.6f}"
    for event_type in ("message", "app_mention"):
        body = slack_message_event("<@UBOT> temp jobs in leeds?", sender, channel="C0GENERAL",
                                   event_type=event_type, channel_type="channel", ts=ts)
        assert (await post(webhook, body, slack_headers(body)))[0] == 200
    other_ts = f"{float(ts) + 1:.6f}"
    other = slack_message_event("<@UBOT> and perm ones", sender, channel="C0GENERAL", event_type="app_mention",
                                ts=other_ts)
    await post(webhook, other, slack_headers(other))

    await bot.until_messages(2)
    assert sorted(bot.texts()) == ["and perm ones", "temp jobs in leeds?"]
    replies = await fake_slack.until(posted_to("C0GENERAL"), count=4)
    assert sorted(call.params["thread_ts"] for call in replies) == [ts, ts, other_ts, other_ts]


async def test_slack_is_answered_before_the_turn_runs(webhook: str, bot: ReplyingBot, fake_slack: FakeSlack) -> None:
    bot.release.clear()  # the turn cannot end until released
    sender = user()
    body = slack_message_event("a question that takes the bot a long time", sender)
    assert await post(webhook, body, slack_headers(body)) == (200, "")
    await bot.until_messages(1)
    assert not bot.finished.is_set()
    bot.release.set()
    await fake_slack.until(posted_to(f"D{sender}"), count=2)


async def test_buttons_send_their_payload_and_link_buttons_nothing(webhook: str, bot: ReplyingBot) -> None:
    sender = user()
    click = slack_button_click('/similar_vacancies{"vacancy_id": "11R-2026-02592"}', sender)
    assert (await post(webhook, click, slack_headers(click, content_type=FORM)))[0] == 200
    link = slack_button_click(None, sender, url=CARD["url"])
    assert (await post(webhook, link, slack_headers(link, content_type=FORM)))[0] == 200
    await post(webhook, click, slack_headers(click, content_type=FORM))  # the same click, replayed

    [message] = await bot.until_messages(1)
    assert (message.text, message.sender_id) == ('/similar_vacancies{"vacancy_id": "11R-2026-02592"}', sender)


async def test_the_url_verification_challenge_is_answered(webhook: str) -> None:
    body = json.dumps({"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"}).encode()
    status, text = await post(webhook, body, slack_headers(body))
    assert status == 200 and json.loads(text) == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


async def test_without_credentials_the_channel_is_off_and_half_credentials_are_an_error() -> None:
    channel = RecruitbotSlackInput("", "", "https://slack.com/api/")
    app = new_app()
    app.blueprint(channel.blueprint(ReplyingBot()), url_prefix="/webhooks/slack")
    async with serving(app) as url:
        body = slack_message_event("hello", user())
        assert (await post(f"{url}/webhooks/slack/webhook", body, slack_headers(body)))[0] == 503
    with pytest.raises(InvalidConfigException, match="SLACK_SIGNING_SECRET"):
        RecruitbotSlackInput(SLACK_TOKEN, "", "https://slack.com/api/")


async def test_a_proactive_message_goes_to_the_users_direct_messages(fake_slack: FakeSlack) -> None:
    settings = dataclasses.replace(load_settings(), slack_bot_token=SLACK_TOKEN, slack_api_base=fake_slack.api_base)
    message = BotMessage("A new job matches your alert:", (Button("Stop these alerts", "/unsubscribe_alerts"),),
                         (VacancyCard.from_dict(CARD),))
    recipient = user()

    assert await send_slack_message(recipient, message, settings) == "sent"
    assert fake_slack.recorded(lambda call: call.method == "conversations.open" and call.params["users"] == recipient)
    [posted] = fake_slack.recorded(posted_to(f"D{recipient}"))
    assert posted.params["text"] == "A new job matches your alert:"
    assert posted.params["blocks"] == blocks_for(message)

    assert await send_slack_message("U_GONE", message, settings) == "unknown_recipient"
    assert await send_slack_message(recipient, message, dataclasses.replace(settings, slack_bot_token="")) == (
        "not_configured")


def test_block_kit_escapes_text_and_respects_slack_limits() -> None:
    many = tuple(Button(f"Option {n} " + "x" * 80, f"/choose{{\"n\": {n}}}") for n in range(30))
    blocks = blocks_for(BotMessage("Use <b>bold</b> & see", many))
    assert blocks[0] == {"type": "section", "text": {"type": "mrkdwn", "text": "Use &lt;b&gt;bold&lt;/b&gt; &amp; see"}}
    assert [len(block["elements"]) for block in blocks[1:]] == [25, 5]
    assert all(len(element["text"]["text"]) <= 75 for block in blocks[1:] for element in block["elements"])
    assert len({element["action_id"] for block in blocks[1:] for element in block["elements"]}) == 30
