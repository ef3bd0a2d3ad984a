"""Erasing conversations inside the Rasa server, so that an SQLite tracker store has one writer.

In the default profile Rasa keeps conversations in an SQLite file. SQLite lets one process write
at a time, and Rasa waits only five seconds for a lock (pysqlite's default timeout) before its
save fails with "database is locked": the turn's events are then lost. Erasing conversations
("forget me" from the action server, an erase link from the web app, retention and finished
erasures from the supervisor, readiness canaries) would make each of those processes a writer.

So with SQLite they do not write the file: they ask the Rasa server to, through this channel.
Rasa's SQL tracker store does its database work synchronously inside the event loop, and so does
this channel: every write to the file comes from one thread of one process, one after the other.

Routes, under /webhooks/erasure/, for the bot's own processes only:

- ``POST /senders`` ``{"sender_ids": [...]}``: erase these conversations;
- ``POST /idle`` ``{"before": <epoch seconds>}``: erase every conversation idle since then.

Both answer ``{"erased": n}``. A request must carry the secret the bot's processes share
(``X-Recruitbot-Action-Secret``; 403 otherwise), and the routes exist only while the tracker store
is SQLite (404 otherwise: with PostgreSQL or Redis every process erases for itself). nginx does not
pass them on in the production profile.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, TrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.rest import json_object
from recruitbot.alerts.conversations import ERASE_CHUNK, SqlConversationStore
from recruitbot.keys import SECRET_HEADER
from recruitbot.tracker_store import CachedSQLTrackerStore

log = logging.getLogger(__name__)

MAX_SENDERS = 10_000


class TrackerErasureInput(InputChannel):
    """Not a chat channel: the Rasa server's own erasure of conversations from its SQLite tracker store."""

    @classmethod
    def name(cls) -> str:
        """The routes are /webhooks/erasure/..."""
        return "erasure"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """``secret``: the secret the bot's processes share (empty: every request is refused)."""
        return cls(str((credentials or {}).get("secret") or ""))

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The two erasure routes."""
        erasure = Blueprint("custom_webhook_TrackerErasureInput", __name__)

        @erasure.route("/senders", methods=["POST"])
        async def erase_senders(request: Request) -> HTTPResponse:
            store = self._admitted(request)
            if isinstance(store, HTTPResponse):
                return store
            ids = json_object(request).get("sender_ids")
            if (not isinstance(ids, list) or len(ids) > MAX_SENDERS
                    or not all(isinstance(sender, str) for sender in ids)):
                return _error(HTTPStatus.BAD_REQUEST, f"`sender_ids` must be a list of at most {MAX_SENDERS} strings")
            erased = 0
            for start in range(0, len(ids), ERASE_CHUNK):
                chunk = ids[start : start + ERASE_CHUNK]
                erased += store.erase(chunk)
                _forget(request, chunk)
                await asyncio.sleep(0)  # conversations go on between chunks
            return response.json({"erased": erased})

        @erasure.route("/idle", methods=["POST"])
        async def erase_idle(request: Request) -> HTTPResponse:
            store = self._admitted(request)
            if isinstance(store, HTTPResponse):
                return store
            before = json_object(request).get("before")
            if isinstance(before, bool) or not isinstance(before, (int, float)) or not math.isfinite(before):
                return _error(HTTPStatus.BAD_REQUEST, "`before` must be a time in epoch seconds")
            cutoff = datetime.fromtimestamp(before, timezone.utc)
            erased = 0
            for chunk in store.idle_chunks(cutoff):
                erased += store.erase_idle_chunk(chunk, cutoff)
                _forget(request, chunk)
                await asyncio.sleep(0)
            return response.json({"erased": erased})

        return erasure

    def _admitted(self, request: Request) -> SqlConversationStore | HTTPResponse:
        """The store to erase from, or the refusal: 404 without an SQLite store, 403 without the secret."""
        store = _sqlite_store(request)
        if store is None:
            return _error(HTTPStatus.NOT_FOUND, "not found")
        presented = (request.headers.get(SECRET_HEADER) or "").encode()
        if not self._secret or not hmac.compare_digest(presented, self._secret):
            log.warning("conversation erasure refused: no valid secret")
            return _error(HTTPStatus.FORBIDDEN, "forbidden")
        return store


def _configured_store(request: Request) -> TrackerStore | None:
    """The tracker store endpoints.yml configures, never Rasa's in-memory fallback."""
    agent = getattr(request.app.ctx, "agent", None)
    store: TrackerStore | None = getattr(agent, "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore):
        store = store._tracker_store
    return store


def _forget(request: Request, sender_ids: list[str]) -> None:
    """Erased conversations must not be handed back from memory (recruitbot/tracker_store.py)."""
    store = _configured_store(request)
    if isinstance(store, CachedSQLTrackerStore):
        store.forget(sender_ids)


def _sqlite_store(request: Request) -> SqlConversationStore | None:
    """The server's own tracker store, when it is an SQLite one; cached on the app."""
    store = _configured_store(request)
    if not isinstance(store, SQLTrackerStore) or store.engine.dialect.name != "sqlite":
        return None
    cached: SqlConversationStore | None = getattr(request.app.ctx, "recruitbot_erasure", None)
    if cached is None or cached.engine is not store.engine:
        cached = SqlConversationStore(store.engine)
        request.app.ctx.recruitbot_erasure = cached
    return cached


def _error(status: HTTPStatus, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)
