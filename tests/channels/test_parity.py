"""The same conversations get the same answers on REST, socket.io, Slack and Telegram.

Each conversation runs against the real stack: first over REST, whose answers are the
reference, then over each other channel in its own request format (the widget's socket.io
protocol, signed Slack deliveries, Telegram updates with the webhook secret). Button presses are
made the way each channel's users make them: a Slack block action, a Telegram callback query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from recruitbot.run import Stack
from tests.channels.channel_clients import (
    ChannelClient,
    RestClient,
    SlackClient,
    SocketClient,
    TelegramClient,
    Turn,
)
from tests.channels.fakes import FakeSlack, FakeTelegram

pytestmark = [pytest.mark.model, pytest.mark.servers]


@dataclass(frozen=True)
class Step:
    """A user's move: type ``text``, or press the button titled ``button`` (on card ``card`` if set)."""

    text: str | None = None
    button: str | None = None
    card: int | None = None

    def __str__(self) -> str:
        return self.text or f"press {self.button!r}" + (f" on card {self.card}" if self.card is not None else "")


CONVERSATIONS = {
    "questions": [
        Step(text="hi there"),
        Step(button="Does a 2nd interview mean I got it?"),
        Step(text="how long does it take them to decide"),
        Step(text="wait, am I talking to a bot?"),
    ],
    "vacancies": [
        Step(text="temp admin jobs in Leeds"),
        Step(button="More like this", card=0),
        Step(button="Talk to a consultant"),
    ],
}


async def replay(client: ChannelClient, steps: list[Step], expected: list[Turn] | None = None) -> list[Turn]:
    turns: list[Turn] = []
    for index, step in enumerate(steps):
        if expected is not None:
            client.expected = expected[index]
        if step.text is not None:
            turns.append(await client.say(step.text))
            continue
        title, payload = _button(turns[-1], step, client.name)
        turns.append(await client.press(title, payload))
    return turns


def _button(previous: Turn, step: Step, channel: str) -> tuple[str, str]:
    shown = previous.buttons if step.card is None else list(previous.cards[step.card].postbacks)
    for title, payload in shown:
        if title == step.button:
            return title, payload
    raise AssertionError(f"{channel}: {step} was not offered; the bot showed {shown}")


@pytest.mark.parametrize("conversation", CONVERSATIONS)
async def test_every_channel_gets_the_answers_rest_gets(conversation: str, channel_stack: Stack,
                                                        fake_slack: FakeSlack, fake_telegram: FakeTelegram) -> None:
    steps = CONVERSATIONS[conversation]
    expected = await replay(RestClient(channel_stack), steps)
    assert all(turn.texts or turn.cards for turn in expected), expected  # the bot answered every move

    socket = SocketClient(channel_stack)
    await socket.connect()
    clients: list[Callable[[], ChannelClient]] = [
        lambda: socket,
        lambda: SlackClient(channel_stack, fake_slack),
        lambda: TelegramClient(channel_stack, fake_telegram),
    ]
    try:
        for make in clients:
            client = make()
            answered = await replay(client, steps, expected)
            for step, want, got in zip(steps, expected, answered, strict=True):
                assert got == want, f"{client.name}, after {step}"
    finally:
        await socket.close()
