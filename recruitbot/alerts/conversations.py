"""Erasing conversations from Rasa's tracker store, for "forget me" and for retention.

Rasa has no delete in any tracker store, so erasure goes to the storage itself: the SQL
tracker store keeps one row per event in ``events`` (by ``sender_id``, with the event's
``timestamp`` in epoch seconds), the Redis tracker store one key per conversation
(``[prefix:]tracker:<sender_id>``). An in-memory tracker store keeps nothing that outlives the
Rasa process, so there is nothing to erase from outside.

Retention erases whole conversations whose last event is older than a cutoff, and checks that
in the same statement (SQL) or transaction (Redis) that deletes, so a conversation that came
back to life meanwhile is kept whole.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Collection
from datetime import datetime
from typing import Protocol

import redis
from sqlalchemy import column, create_engine, delete, exists, func, inspect, select, table
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url

from recruitbot.keys import SECRET_HEADER, action_secret
from recruitbot.settings import Settings

log = logging.getLogger(__name__)

EVENTS_TABLE = "events"
# Rasa's RedisTrackerStore: "tracker:" after an optional alphanumeric prefix and a colon.
REDIS_KEY_PREFIX = "tracker:"
ERASE_CHUNK = 500
# Where the Rasa server erases from its own SQLite tracker store (connectors/erasure.py).
ERASURE_PATH = "/webhooks/erasure"


class ConversationStore(Protocol):
    """Where Rasa keeps conversations."""

    def erase(self, sender_ids: Collection[str]) -> int:
        """Delete the conversations with these sender ids; return how many records went."""
        ...

    def erase_idle_since(self, cutoff: datetime) -> int:
        """Delete every conversation whose last event is older than ``cutoff``; return how many."""
        ...


class SqlConversationStore:
    """Rasa's SQL tracker store (SQLite or PostgreSQL): rows of the ``events`` table."""

    def __init__(self, engine: Engine, table_name: str = EVENTS_TABLE) -> None:
        """Erase from ``table_name`` in ``engine``'s database."""
        self._engine = engine
        self._events = table(table_name, column("sender_id"), column("timestamp"))

    @property
    def engine(self) -> Engine:
        """The database erased from."""
        return self._engine

    def erase(self, sender_ids: Collection[str]) -> int:
        """Delete every event of these conversations."""
        ids = sorted(set(sender_ids))
        if not ids or not inspect(self._engine).has_table(self._events.name):
            return 0
        deleted = 0
        with self._engine.begin() as connection:
            for start in range(0, len(ids), ERASE_CHUNK):
                chunk = ids[start : start + ERASE_CHUNK]
                deleted += connection.execute(delete(self._events).where(self._events.c.sender_id.in_(chunk))).rowcount
        return deleted

    def erase_idle_since(self, cutoff: datetime) -> int:
        """Delete every event of the conversations with no event at or after ``cutoff``."""
        return sum(self.erase_idle_chunk(chunk, cutoff) for chunk in self.idle_chunks(cutoff))

    def idle_chunks(self, cutoff: datetime) -> list[list[str]]:
        """The conversations with no event at or after ``cutoff``, in chunks of at most ERASE_CHUNK."""
        if not inspect(self._engine).has_table(self._events.name):
            return []
        events = self._events
        # MAX ignores events without a timestamp; a conversation with none at all is kept.
        last_event = func.max(events.c.timestamp)
        idle_query = select(events.c.sender_id).group_by(events.c.sender_id).having(last_event < cutoff.timestamp())
        with self._engine.connect() as connection:
            idle = connection.execute(idle_query).scalars().all()
        return [idle[start : start + ERASE_CHUNK] for start in range(0, len(idle), ERASE_CHUNK)]

    def erase_idle_chunk(self, chunk: Collection[str], cutoff: datetime) -> int:
        """Delete the conversations in ``chunk`` that are still idle since ``cutoff``; return how many went."""
        events = self._events
        newer = events.alias("newer")
        recent = exists().where(newer.c.sender_id == events.c.sender_id, newer.c.timestamp >= cutoff.timestamp())
        ids = list(chunk)
        with self._engine.begin() as connection:
            # Checked again as it deletes: a conversation resumed since idle_chunks stays whole.
            connection.execute(delete(events).where(events.c.sender_id.in_(ids), ~recent))
            left = connection.execute(
                select(func.count(events.c.sender_id.distinct())).where(events.c.sender_id.in_(ids))
            ).scalar_one()
        return len(ids) - left


class RedisConversationStore:
    """Rasa's Redis tracker store: one key per conversation."""

    def __init__(self, client: redis.Redis, key_prefix: str = "") -> None:
        """Erase through ``client``; ``key_prefix`` as in endpoints.yml (Rasa ignores one not alphanumeric)."""
        self._client = client
        self._prefix = f"{key_prefix}:{REDIS_KEY_PREFIX}" if key_prefix and key_prefix.isalnum() else REDIS_KEY_PREFIX

    def erase(self, sender_ids: Collection[str]) -> int:
        """Delete the keys of these conversations."""
        keys = [self._prefix + sender_id for sender_id in sorted(set(sender_ids))]
        return int(self._client.delete(*keys)) if keys else 0

    def erase_idle_since(self, cutoff: datetime) -> int:
        """Delete the keys of the conversations whose last event is older than ``cutoff``."""
        since = cutoff.timestamp()
        erased = 0
        for key in self._client.scan_iter(match=self._prefix + "*"):
            with self._client.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    if stored is None or _last_event_time(stored) >= since:
                        continue
                    pipe.multi()
                    pipe.delete(key)
                    pipe.execute()  # fails if Rasa saved the conversation since the watch began
                    erased += 1
                except redis.WatchError:
                    continue
        return erased


def _last_event_time(stored: bytes) -> float:
    """When the last event of a conversation Rasa stored in Redis happened; infinity (kept) if unknown."""
    try:
        times = [event.get("timestamp") for event in json.loads(stored).get("events") or []]
    except (ValueError, AttributeError):
        return float("inf")
    return max((time for time in times if isinstance(time, (int, float))), default=float("inf"))


class NoConversationStore:
    """An in-memory tracker store: conversations end with the Rasa process."""

    def erase(self, sender_ids: Collection[str]) -> int:
        """Nothing to delete."""
        return 0

    def erase_idle_since(self, cutoff: datetime) -> int:
        """Nothing to delete."""
        return 0


class RasaServerConversationStore:
    """An SQLite tracker store, erased by the Rasa server that writes it (connectors/erasure.py).

    SQLite takes one writer at a time, and Rasa gives up on a lock after five seconds: so with
    SQLite only the Rasa server writes the file. When no Rasa server is listening, nothing else
    writes it either, and ``direct`` erases in this process.
    """

    def __init__(self, server_url: str, secret: str, direct: ConversationStore, timeout_s: float = 60.0) -> None:
        """Ask the Rasa server at ``server_url`` (http://host:port), presenting ``secret``."""
        self._url = server_url.rstrip("/") + ERASURE_PATH
        self._secret = secret
        self._direct = direct
        self._timeout_s = timeout_s

    def erase(self, sender_ids: Collection[str]) -> int:
        """Have the server delete these conversations."""
        ids = sorted(set(sender_ids))
        if not ids:
            return 0
        total = 0
        for start in range(0, len(ids), ERASE_CHUNK):  # the server takes a bounded list per request
            chunk = ids[start : start + ERASE_CHUNK]
            erased = self._ask("senders", {"sender_ids": chunk})
            total += self._direct.erase(chunk) if erased is None else erased
        return total

    def erase_idle_since(self, cutoff: datetime) -> int:
        """Have the server delete the conversations whose last event is older than ``cutoff``."""
        erased = self._ask("idle", {"before": cutoff.timestamp()})
        return self._direct.erase_idle_since(cutoff) if erased is None else erased

    def _ask(self, route: str, body: dict[str, object]) -> int | None:
        """How many the server erased; None when no server is listening (ConnectionRefusedError)."""
        request = urllib.request.Request(
            f"{self._url}/{route}", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", SECRET_HEADER: self._secret},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as answer:
                erased = json.load(answer).get("erased")
        except urllib.error.HTTPError as exc:
            raise ConnectionError(f"the Rasa server refused to erase conversations (HTTP {exc.code})") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, ConnectionRefusedError):
                log.info("no Rasa server at %s: erasing conversations from this process", self._url)
                return None
            raise ConnectionError(f"the Rasa server could not be asked to erase conversations ({exc.reason})") from None
        if not isinstance(erased, int):
            raise ConnectionError("the Rasa server's erasure answer has no count")
        return erased


def make_conversation_store(
    url: str, key_prefix: str = "", rasa_url: str = "", secret: str = ""
) -> ConversationStore:
    """The store that ``url`` names: sqlite:// or postgresql:// (SQL), redis:// or rediss://, or memory.

    An SQLite store is erased through the Rasa server at ``rasa_url`` when one is given (see
    :class:`RasaServerConversationStore`), presenting ``secret``.

    Raises:
        ValueError: the URL names no supported tracker store.
    """
    if url in ("", "memory"):
        return NoConversationStore()
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("redis", "rediss"):
        return RedisConversationStore(redis.Redis.from_url(url), key_prefix)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        # Used only when no Rasa server writes the file: wait out any lock rather than fail.
        direct = SqlConversationStore(create_engine(url, future=True, connect_args={"timeout": 15}))
        return RasaServerConversationStore(rasa_url, secret, direct) if rasa_url else direct
    if backend == "postgresql":
        return SqlConversationStore(create_engine(url, future=True, pool_pre_ping=True))
    raise ValueError(f"cannot erase conversations from a {scheme} tracker store (RECRUITBOT_TRACKER_STORE_URL)")


def conversation_store(settings: Settings) -> ConversationStore:
    """The tracker store the settings name, erased through the Rasa server when it is SQLite."""
    return make_conversation_store(
        settings.tracker_store_url, settings.tracker_key_prefix, settings.rasa_url, action_secret(settings)
    )
