"""Job alerts on Telegram and Slack, against the real stack and the fake chat APIs.

A sign-up chosen "send them here" with buttons, as the channel's users press them; then the alert
delivered proactively into that same private chat when a matching vacancy comes in, and listed
and deleted in chat.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from recruitbot.alerts.factory import build_alert_service
from recruitbot.db import shared_engine
from recruitbot.places import load_gazetteer
from recruitbot.run import Stack
from recruitbot.settings import load_settings
from recruitbot.vacancies.feeds import parse_feed
from recruitbot.vacancies.importer import sync_feed
from tests.channels.channel_clients import ChannelClient, SlackClient, TelegramClient, Turn
from tests.channels.conftest import SLACK_TOKEN, TELEGRAM_TOKEN
from tests.channels.fakes import FakeSlack, FakeTelegram

pytestmark = [pytest.mark.model, pytest.mark.servers]


class Until:
    """Stands for the expected turn: the fake-API clients read replies until this says they are complete."""

    def __init__(self, complete: Callable[[Turn], bool]) -> None:
        self.complete = complete

    def __eq__(self, turn: object) -> bool:
        return isinstance(turn, Turn) and self.complete(turn)

    __hash__ = None  # type: ignore[assignment]


def says(fragment: str) -> Until:
    return Until(lambda turn: any(fragment in text for text in turn.texts))


async def step(client: ChannelClient, until: Until, text: str | None = None, button: str | None = None,
               shown: Turn | None = None) -> Turn:
    client.expected = until  # type: ignore[assignment]
    if text is not None:
        turn = await client.say(text)
    else:
        assert shown is not None and button is not None
        [payload] = [payload for title, payload in shown.buttons if title == button]
        turn = await client.press(button, payload)
    assert until == turn, f"{client.name}: {turn}"
    return turn


def publish(channel_var: Path, vacancy_id: str, title: str, location: str) -> None:
    """A new vacancy in the catalogue the stack serves (the feed's other vacancies are kept)."""
    today = date.today()
    record = {"id": vacancy_id, "title": title, "location": location, "job_type": "perm", "salary": "£30,000",
              "summary": f"A {title} role for an alert test.", "url": f"https://jobs.example/{vacancy_id}",
              "posted": today.isoformat(), "closes": (today + timedelta(days=30)).isoformat(), "sector": "Marketing"}
    settings = load_settings()
    assert settings.var_dir == channel_var
    sync_feed(shared_engine(settings.database_url), load_gazetteer(), parse_feed(json.dumps([record])),
              source="alert test", partial=True)


@pytest.mark.parametrize("channel", ["telegram", "slack"])
async def test_send_them_here_sign_up_delivery_list_and_delete(channel: str, channel_stack: Stack, channel_var: Path,
                                                               fake_slack: FakeSlack, fake_telegram: FakeTelegram,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    client: TelegramClient | SlackClient = (TelegramClient(channel_stack, fake_telegram) if channel == "telegram"
                                            else SlackClient(channel_stack, fake_slack))
    keyword, title = "marketing", f"Marketing Executive {uuid.uuid4().hex[:6]}"
    asked = await step(client, says("How often"), text=f"let me know when new {keyword} jobs come up in Leeds")
    where = await step(client, says("Where should I send them"), button="As soon as they come in", shown=asked)
    consent = await step(client, says("Do you agree?"), button="Send them here", shown=where)
    assert any(f"here on {channel.capitalize()}" in text and keyword in text for text in consent.texts)
    done = await step(client, says("is on"), button="Yes, I agree", shown=consent)
    assert any(f"Done: your alert for {keyword} · Leeds is on" in text for text in done.texts)

    # A matching vacancy comes in: the alert arrives in this same private chat, through the channel's API.
    for name, value in (("RECRUITBOT_VAR_DIR", str(channel_var)), ("SLACK_API_BASE", fake_slack.api_base),
                        ("TELEGRAM_API_BASE", fake_telegram.base_url), ("SLACK_BOT_TOKEN", SLACK_TOKEN),
                        ("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)):
        monkeypatch.setenv(name, value)
    publish(channel_var, f"ALERT-{title.split()[-1]}", title, "Leeds")
    report = await asyncio.to_thread(lambda: build_alert_service(load_settings()).dispatch())
    assert report.messages_sent >= 1
    client.expected = Until(lambda turn: any(card.title == title for card in turn.cards))  # type: ignore[assignment]
    delivered = await client._read_turn()
    assert title in [card.title for card in delivered.cards], delivered
    assert "Stop this alert" in [title for title, _ in delivered.buttons]

    listing = await step(client, says("You have one job alert:"), text="what alerts do I have?")
    assert any(f"{keyword} · Leeds: {channel.capitalize()}, as soon as they come in (on)" in text
               for text in listing.texts)
    stopped = await step(client, says("stopped your job alert for"), button="Delete alert 1", shown=listing)
    assert stopped.texts
    await step(client, says("don't have any job alerts"), text="what alerts do I have?")


def chat_client(channel: str, stack: Stack, fake_slack: FakeSlack, fake_telegram: FakeTelegram) -> ChannelClient:
    return TelegramClient(stack, fake_telegram) if channel == "telegram" else SlackClient(stack, fake_slack)


async def daily_payroll_alert_up_to_where(client: ChannelClient) -> Turn:
    """A sign-up for daily payroll alerts in Bradford, up to the question where to send them."""
    asked = await step(client, says("How often"), text="job alerts for payroll jobs in Bradford please")
    return await step(client, says("Where should I send them"), button="Once a day", shown=asked)


@pytest.mark.parametrize("channel", ["telegram", "slack"])
async def test_by_email_then_just_send_them_here_is_a_change_of_mind(channel: str, channel_stack: Stack,
                                                                     fake_slack: FakeSlack,
                                                                     fake_telegram: FakeTelegram) -> None:
    # The model reads "just send them here" as "resume my alerts": the sign-up must not step aside for it.
    client = chat_client(channel, channel_stack, fake_slack, fake_telegram)
    where = await daily_payroll_alert_up_to_where(client)
    await step(client, says("Which email address"), button="By email", shown=where)
    consent = await step(client, says("Do you agree?"), text="actually just send them here")
    assert any(f"here on {channel.capitalize()}" in text and "payroll" in text for text in consent.texts)
    assert not any("don't have any job alerts" in text for text in consent.texts)


@pytest.mark.parametrize("channel", ["telegram", "slack"])
async def test_a_stop_in_the_middle_of_the_sign_up_stops_the_sign_up(channel: str, channel_stack: Stack,
                                                                     fake_slack: FakeSlack,
                                                                     fake_telegram: FakeTelegram) -> None:
    # On these channels a bare "stop" outside a form is a request to stop alerts; inside one it stops the form.
    client = chat_client(channel, channel_stack, fake_slack, fake_telegram)
    await daily_payroll_alert_up_to_where(client)
    await step(client, says("I haven't set anything up"), text="stop")
    await step(client, says("don't have any job alerts"), text="what alerts do I have?")
