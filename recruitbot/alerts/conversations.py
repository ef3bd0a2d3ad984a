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
from collections.abc import Collection
from datetime import datetime
from typing import Protocol

import redis
from sqlalchemy import column, create_engine, delete, exists, func, inspect, select, table
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url

log = logging.getLogger(__name__)

EVENTS_TABLE = "events"
# Rasa's RedisTrackerStore: "tracker:" after an optional alphanumeric prefix and a colon.
REDIS_KEY_PREFIX = "tracker:"
_CHUNK = 500


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

    def erase(self, sender_ids: Collection[str]) -> int:
        """Delete every event of these conversations."""
        ids = sorted(set(sender_ids))
        if not ids or not inspect(self._engine).has_table(self._events.name):
            return 0
        deleted = 0
        with self._engine.begin() as connection:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                deleted += connection.execute(delete(self._events).where(self._events.c.sender_id.in_(chunk))).rowcount
        return deleted

    def erase_idle_since(self, cutoff: datetime) -> int:
        """Delete every event of the conversations with no event at or after ``cutoff``."""
        if not inspect(self._engine).has_table(self._events.name):
            return 0
        events = self._events
        since = cutoff.timestamp()
        # MAX ignores events without a timestamp; a conversation with none at all is kept.
        last_event = func.max(events.c.timestamp)
        idle_query = select(events.c.sender_id).group_by(events.c.sender_id).having(last_event < since)
        newer = events.alias("newer")
        recent = exists().where(newer.c.sender_id == events.c.sender_id, newer.c.timestamp >= since)
        with self._engine.connect() as connection:
            idle = connection.execute(idle_query).scalars().all()
        erased = 0
        for start in range(0, len(idle), _CHUNK):
            chunk = idle[start : start + _CHUNK]
            with self._engine.begin() as connection:
                # Checked again as it deletes: a conversation resumed since the query above stays whole.
                connection.execute(delete(events).where(events.c.sender_id.in_(chunk), ~recent))
                left = connection.execute(
                    select(func.count(events.c.sender_id.distinct())).where(events.c.sender_id.in_(chunk))
                ).scalar_one()
            erased += len(chunk) - left
        return erased


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


def make_conversation_store(url: str, key_prefix: str = "") -> ConversationStore:
    """The store that ``url`` names: sqlite:// or postgresql:// (SQL), redis:// or rediss://, or memory.

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
        # Rasa writes this file too, without WAL: wait for its locks rather than fail.
        return SqlConversationStore(create_engine(url, future=True, connect_args={"timeout": 15}))
    if backend == "postgresql":
        return SqlConversationStore(create_engine(url, future=True, pool_pre_ping=True))
    raise ValueError(f"cannot erase conversations from a {scheme} tracker store (RECRUITBOT_TRACKER_STORE_URL)")
