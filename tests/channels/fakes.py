"""Local stand-ins for the Slack Web API and the Telegram Bot API, recording every call.

Each runs an aiohttp server on 127.0.0.1 in a thread of its own, so the Rasa server (another
process) and in-process channels alike can call it. Tests wait for calls by polling with a
deadline, never by sleeping.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from recruitbot.run import free_port

WAIT_S = 60.0


@dataclass(frozen=True)
class Call:
    """One API call: the method name and its parameters (JSON-decoded where they were JSON)."""

    method: str
    params: dict[str, Any]


class FakeAPI:
    """The recording server; subclasses answer the methods."""

    def __init__(self) -> None:
        self.port = free_port()
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name=type(self).__name__, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)

    def stop(self) -> None:
        if self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post(self.route, self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _handle(self, request: web.Request) -> web.Response:
        params = await _params(request)
        method = request.match_info["method"]
        with self._lock:
            self.calls.append(Call(method, params))
        answer = self.answer(method, params)
        # The Bot API answers errors with their HTTP status; Slack always with 200.
        return web.json_response(answer, status=int(answer.get("error_code", 200)))

    route = "/{method}"

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def recorded(self, predicate: Callable[[Call], bool] = lambda call: True) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if predicate(call)]

    def wait_for(self, predicate: Callable[[Call], bool], count: int = 1, timeout: float = WAIT_S) -> list[Call]:
        """The calls matching ``predicate`` once there are at least ``count`` of them (blocking)."""
        deadline = time.monotonic() + timeout
        while len(self.recorded(predicate)) < count:
            self._give_up_after(deadline, predicate, count)
            time.sleep(0.05)
        return self.recorded(predicate)

    async def until(self, predicate: Callable[[Call], bool], count: int = 1, timeout: float = WAIT_S) -> list[Call]:
        """``wait_for`` for tests whose servers share their event loop."""
        deadline = time.monotonic() + timeout
        while len(self.recorded(predicate)) < count:
            self._give_up_after(deadline, predicate, count)
            await asyncio.sleep(0.02)
        return self.recorded(predicate)

    def _give_up_after(self, deadline: float, predicate: Callable[[Call], bool], count: int) -> None:
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} matching call(s), got {self.recorded(predicate)}")


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)  # slack_sdk sends some methods' arguments in the URL
    if request.content_type == "application/json":
        params.update(await request.json())
        return params
    form = await request.post()
    for key, value in form.items():
        text = value if isinstance(value, str) else value.file.read().decode()  # type: ignore[union-attr]
        try:
            params[key] = json.loads(text) if text[:1] in "[{" else text
        except ValueError:
            params[key] = text
    return params


class FakeSlack(FakeAPI):
    """The Web API methods the bot uses. User ``U_GONE`` does not exist."""

    route = "/api/{method}"

    def __init__(self) -> None:
        super().__init__()
        self._ts = itertools.count(1)

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/"

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "conversations.open":
            user = str(params.get("users"))
            if user == "U_GONE":
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "channel": {"id": f"D{user}"}}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": f"1700000000.{next(self._ts):06d}"}
        return {"ok": False, "error": "unknown_method"}


class FakeTelegram(FakeAPI):
    """The Bot API methods the bot uses. Chat 403 blocked the bot; chat 404 does not exist."""

    route = "/bot{token}/{method}"

    def __init__(self) -> None:
        super().__init__()
        self._message_ids = itertools.count(1)

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = str(params.get("chat_id", ""))
        if chat_id == "403":
            return {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        if chat_id == "404":
            return {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        if method == "sendMessage":
            return {"ok": True, "result": {
                "message_id": next(self._message_ids), "date": int(time.time()), "text": params.get("text", ""),
                "chat": {"id": int(chat_id), "type": "private"}}}
        if method in ("setWebhook", "answerCallbackQuery"):
            return {"ok": True, "result": True}
        return {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
