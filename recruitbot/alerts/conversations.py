"""Erasing conversations from Rasa's tracker store, for "forget me".

Rasa has no delete in any tracker store, so erasure goes to the storage itself: the SQL
tracker store keeps one row per event in ``events`` (by ``sender_id``), the Redis tracker
store one key per conversation (``[prefix:]tracker:<sender_id>``). An in-memory tracker store
keeps nothing that outlives the Rasa process, so there is nothing to erase from outside.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Protocol

import redis
from sqlalchemy import column, create_engine, delete, inspect, table
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


class SqlConversationStore:
    """Rasa's SQL tracker store (SQLite or PostgreSQL): rows of the ``events`` table."""

    def __init__(self, engine: Engine, table_name: str = EVENTS_TABLE) -> None:
        """Erase from ``table_name`` in ``engine``'s database."""
        self._engine = engine
        self._events = table(table_name, column("sender_id"))

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


class NoConversationStore:
    """An in-memory tracker store: conversations end with the Rasa process."""

    def erase(self, sender_ids: Collection[str]) -> int:
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
