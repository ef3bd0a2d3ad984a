"""The load client: concurrent multi-turn conversations over Rasa's REST channel, timed turn by turn.

Each conversation has a sender id of its own and waits for the reply to one message before it
sends the next, as a person in the chat widget does. A level runs ``concurrency`` conversations
at a time until it has completed ``conversations`` of them or ``max_seconds`` have passed.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import aiohttp

Script = tuple[str, ...]
GRACE_S = 60.0  # past the deadline, a conversation still running is abandoned between two turns


@dataclass(frozen=True)
class Level:
    """One step of the load shape."""

    concurrency: int
    conversations: int
    max_seconds: float


@dataclass(frozen=True)
class Turn:
    """One message sent and what came back."""

    sender: str
    text: str
    latency_ms: float
    replies: list[dict[str, object]]
    # None, or why the turn failed: "http_500", "timeout", "connection", "bad_body", "empty", or "degraded"
    # (the bot answered with its apology for being unable to do it, e.g. a custom action that timed out)
    error: str | None


@dataclass
class LevelResult:
    """What one level measured."""

    concurrency: int
    conversations: int = 0
    elapsed_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def messages(self) -> int:
        """Messages sent."""
        return len(self.latencies_ms)

    @property
    def error_count(self) -> int:
        """Turns that failed, whatever the reason."""
        return sum(self.errors.values())

    @property
    def throughput(self) -> float:
        """Messages answered correctly per second of the level's wall-clock time."""
        return (self.messages - self.error_count) / self.elapsed_s if self.elapsed_s else 0.0

    def percentile_ms(self, p: float) -> float:
        """The nearest-rank percentile of the turn latencies (failed turns included)."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    def summary(self) -> dict[str, object]:
        """The figures of this level, for the JSON report."""
        return {
            "concurrency": self.concurrency,
            "conversations": self.conversations,
            "messages": self.messages,
            "elapsed_s": round(self.elapsed_s, 3),
            "throughput_msg_s": round(self.throughput, 2),
            "latency_ms": {
                "p50": round(self.percentile_ms(50), 1),
                "p95": round(self.percentile_ms(95), 1),
                "p99": round(self.percentile_ms(99), 1),
                "max": round(max(self.latencies_ms, default=math.nan), 1),
                "mean": round(sum(self.latencies_ms) / self.messages, 1) if self.messages else math.nan,
            },
            "errors": self.error_count,
            "errors_by_kind": dict(self.errors),
        }


def _failure(status: int, body: object, apologies: frozenset[str]) -> str | None:
    if status != 200:
        return f"http_{status}"
    if not isinstance(body, list):
        return "bad_body"
    if any(isinstance(reply, dict) and reply.get("text") in apologies for reply in body):
        return "degraded"
    return None if body else "empty"


async def send(
    session: aiohttp.ClientSession, webhook: str, sender: str, text: str, apologies: frozenset[str] = frozenset(),
) -> Turn:
    """Send one message and wait for the whole reply; a reply among ``apologies`` is a failed turn."""
    started = time.monotonic()
    body: object = None
    try:
        async with session.post(webhook, json={"sender": sender, "message": text}) as response:
            status = response.status
            body = await response.json(content_type=None) if status == 200 else None
        error = _failure(status, body, apologies)
    except asyncio.TimeoutError:
        error = "timeout"
    except (aiohttp.ClientError, OSError):
        error = "connection"
    except json.JSONDecodeError:
        error = "bad_body"
    latency_ms = (time.monotonic() - started) * 1000
    return Turn(sender, text, latency_ms, body if isinstance(body, list) else [], error)


async def run_level(
    webhook: str,
    scripts: Sequence[Script],
    level: Level,
    sender_prefix: str,
    timeout_s: float = 30.0,
    on_turn: Callable[[Turn], None] | None = None,
    apologies: frozenset[str] = frozenset(),
) -> LevelResult:
    """Hold conversations (the scripts in turn) at the level's concurrency; return what was measured."""
    result = LevelResult(level.concurrency)
    numbers = itertools.count()
    started = time.monotonic()
    deadline = started + level.max_seconds

    async def converse(session: aiohttp.ClientSession) -> None:
        while (number := next(numbers)) < level.conversations and time.monotonic() < deadline:
            sender = f"{sender_prefix}-{number}-{uuid.uuid4().hex[:8]}"
            for text in scripts[number % len(scripts)]:
                if time.monotonic() > deadline + GRACE_S:
                    return
                turn = await send(session, webhook, sender, text, apologies)
                result.latencies_ms.append(turn.latency_ms)
                if turn.error:
                    result.errors[turn.error] += 1
                if on_turn:
                    on_turn(turn)
            result.conversations += 1

    connector = aiohttp.TCPConnector(limit=level.concurrency)  # a connection per conversation, as browsers have
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout_s)) as session:
        await asyncio.gather(*(converse(session) for _ in range(level.concurrency)))
    result.elapsed_s = time.monotonic() - started
    return result
