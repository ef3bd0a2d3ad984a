"""The load client's verdict on each turn: a reply that is the bot's apology counts as a failed turn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

import bench.ours
import recruitbot.rasa_server
from bench.bots import response_texts
from bench.load import Level, run_level
from recruitbot.settings import PROJECT_ROOT

APOLOGY = "Sorry, I'm having trouble right now."


@asynccontextmanager
async def rest_channel(replies: dict[str, list[dict[str, object]]]) -> AsyncIterator[str]:
    """A fake REST channel answering each message text with its replies."""

    async def webhook(request: web.Request) -> web.Response:
        message = (await request.json())["message"]
        return web.json_response(replies[message])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    finally:
        await runner.cleanup()


async def test_an_apology_is_a_degraded_turn_and_not_throughput() -> None:
    replies: dict[str, list[dict[str, object]]] = {
        "hi": [{"text": "Hello!"}],
        "jobs in Leeds": [{"text": APOLOGY}],
        "bye": [],
    }
    async with rest_channel(replies) as webhook:
        result = await run_level(webhook, [("hi", "jobs in Leeds", "bye")], Level(1, 2, 60), "test",
                                 apologies=frozenset({APOLOGY}))
    assert result.messages == 6
    assert result.errors == {"degraded": 2, "empty": 2}
    assert result.throughput == 2 / result.elapsed_s


async def test_without_apologies_named_every_non_empty_reply_is_an_answer() -> None:
    async with rest_channel({"jobs in Leeds": [{"text": APOLOGY}]}) as webhook:
        result = await run_level(webhook, [("jobs in Leeds",)], Level(1, 1, 60), "test")
    assert result.error_count == 0


def test_the_benchmark_knows_our_apology() -> None:
    assert bench.ours.APOLOGY_RESPONSE == recruitbot.rasa_server.APOLOGY_RESPONSE
    assert response_texts(PROJECT_ROOT / "domain.yml", bench.ours.APOLOGY_RESPONSE)
