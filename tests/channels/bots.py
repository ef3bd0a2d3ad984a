"""Stand-ins for Rasa's agent, for channels tested in process: they record messages and reply."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.channels.channel import UserMessage

CARD: dict[str, Any] = {
    "id": "11R-2026-02592", "title": "Temporary Office Administrator <Brighton & Hove>", "location": "Brighton",
    "job_type": "temp", "salary": "£14.10 per hour", "closes": "2026-12-09", "posted": "2026-11-24",
    "summary": "First point of contact for visitors & callers.",
    "url": "https://www.11recruitment.example/vacancies/11r-2026-02592",
    "actions": [
        {"type": "link", "title": "Apply / view", "url": "https://www.11recruitment.example/vacancies/11r-2026-02592"},
        {"type": "postback", "title": "More like this",
         "payload": '/similar_vacancies{"vacancy_id": "11R-2026-02592"}'},
    ],
}
REPLY: list[dict[str, Any]] = [
    {"text": "Here's the one open vacancy for temp · admin · Brighton:"},
    {"text": None, "buttons": [{"title": "Alert me to new ones", "payload": "/subscribe_alerts"},
                               {"title": "Talk to a consultant", "payload": "/human_handoff"}],
     "custom": {"type": "vacancy_cards", "cards": [CARD]}},
]


class ReplyingBot:
    """Records each message and answers it with ``REPLY`` (a text, then a card with quick replies)."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.release = asyncio.Event()
        self.release.set()
        self.started = asyncio.Event()
        self.finished = asyncio.Event()

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        self.started.set()
        await self.release.wait()
        for reply in REPLY:
            await message.output_channel.send_response(message.sender_id, {**reply, "timestamp": 1.0})
        self.finished.set()

    async def until_messages(self, count: int, timeout: float = 10.0) -> list[UserMessage]:
        """The messages once there are ``count`` of them (polled until the deadline)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.messages) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} message(s), got {[m.text for m in self.messages]}")
            await asyncio.sleep(0.02)
        return self.messages

    def texts(self) -> list[Any]:
        return [message.text for message in self.messages]
