"""Rasa's SQL tracker store, made cheaper per turn when an SQLite file has one writer.

Rasa's ``SQLTrackerStore`` does this on every turn:

- it reads the conversation back: it queries every event since the session started, parses each
  from JSON and replays them all onto a new tracker, work that grows with the conversation and
  repeats what the server did at the end of the turn before, when it held that very tracker;
- to save, it counts the events already stored (another query), then adds the new ones;
- each query opens a new SQLite connection (SQLAlchemy 1.4 pools none for a file), and each
  commit writes a rollback journal and syncs the file several times.

With SQLite, the Rasa server is the only process that writes the tracker file
(connectors/erasure.py). So what it saved last is exactly what the file holds, and this store:

- hands back the tracker saved last instead of reading it again, for the ``cache_size``
  conversations saved last, and saves such a tracker's new events without counting the stored
  ones, as it saves a new conversation's first events (its read just found none stored);
- writes a turn's events as the rows Rasa's save writes, with one ``INSERT`` instead of an ORM
  object each;
- keeps one connection open, with the file in write-ahead-log mode (``synchronous`` stays FULL:
  every turn is on disk when its save returns, as before), and writes a kept tracker's new events on
  it with SQLAlchemy Core, without an ORM session (175 instead of 450 µs of CPU a save here).

Safety rules:

- a tracker is kept only once saved, and as Rasa's own read would make it (Rasa reads the latest
  session only: the events from the last ``SessionStarted`` on; when the tracker holds more, such
  as a new session's ``action_session_start``, the events Rasa would read are replayed on a new
  tracker, as its read replays them, without asking the database);
- a kept tracker is handed out once: while it is out (a turn is running, or failed before its
  save), any other read reads the database, and only that same tracker object is saved without
  counting;
- erasing conversations (``forget``, called by the erasure channel) and loading another model
  (a new domain) drop what is kept;
- with any other database (PostgreSQL in the production profile, where several Rasa servers
  write) or an SQLite database in memory, this is Rasa's ``SQLTrackerStore`` unchanged.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

DEFAULT_CACHE_SIZE = 512


@dataclass
class _Saved:
    """The tracker saved last for a conversation, how many of its events are stored, and whether it is out."""

    tracker: DialogueStateTracker
    stored: int
    handed_out: bool = False


class CachedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that keeps the trackers it saved last of an SQLite database in memory."""

    engine: sa.engine.Engine

    def __init__(self, *args: Any, cache_size: int | str = DEFAULT_CACHE_SIZE, **kwargs: Any) -> None:
        """Rasa's arguments (``dialect``, ``db``, ...), plus how many conversations to keep (0: none)."""
        self._saved: OrderedDict[str, _Saved] = OrderedDict()
        self._writer: sa.engine.Connection | None = None  # writes a kept tracker's new events
        self._unstored: set[str] = set()  # read from the database and not found there (none stored)
        super().__init__(*args, **kwargs)
        size = int(cache_size)
        if size < 0:
            raise ValueError(f"cache_size must be 0 or more, not {size}")
        self._cache_size = 0
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            self._cache_size = size
            self._use_one_connection()

    def _use_one_connection(self) -> None:
        # Every use is from the event loop's thread, one at a time (Rasa's store is synchronous
        # inside its coroutines): the writer keeps one pooled connection, reads and counts use the other.
        url = self.engine.url
        self.engine.dispose()
        self._writer = None
        self.engine = sa.create_engine(
            url, poolclass=QueuePool, pool_size=2, max_overflow=4, connect_args={"check_same_thread": False}
        )
        sa.event.listen(self.engine, "connect", _write_ahead_log)
        self.sessionmaker = sessionmaker(bind=self.engine)

    @property
    def cache_size(self) -> int:
        """How many conversations are kept at most (0 when the database is not SQLite)."""
        return self._cache_size

    @property
    def domain(self) -> Domain:
        """The domain trackers are made with."""
        return self._domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        # A new model's domain may have other slots: trackers made with the old one go.
        self._domain = domain or Domain.empty()
        self._saved.clear()
        self._unstored.clear()

    def kept(self) -> list[str]:
        """The sender ids whose trackers are kept and not handed out, least recently saved first."""
        return [sender_id for sender_id, saved in self._saved.items() if not saved.handed_out]

    def forget(self, sender_ids: Iterable[str]) -> None:
        """Drop what is kept of these conversations (they were erased from the database)."""
        for sender_id in sender_ids:
            self._saved.pop(sender_id, None)
            self._unstored.discard(sender_id)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker saved last for ``sender_id`` (handed out once), or Rasa's read of the database."""
        saved = self._saved.get(sender_id)
        if saved is not None and not saved.handed_out:
            saved.handed_out = True
            return saved.tracker
        tracker = await super().retrieve(sender_id)
        if tracker is None and self._cache_size:
            # Rasa's read found no event of it at all (it reads back at least the session start of
            # any conversation stored): its first save writes every event, without counting.
            if len(self._unstored) >= self._cache_size:
                self._unstored.clear()
            self._unstored.add(sender_id)
        return tracker

    async def exists(self, conversation_id: str) -> bool:
        """Whether the conversation is stored (a kept one is, and stays kept)."""
        return conversation_id in self._saved or await super().retrieve(conversation_id) is not None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save (its rows in one statement); then keep the tracker as Rasa's read would make it."""
        if not self._cache_size:
            await super().save(tracker)
            return
        saved = self._saved.pop(tracker.sender_id, None)
        if saved is not None and saved.tracker is tracker:
            stored: int | None = saved.stored
        else:
            stored = 0 if tracker.sender_id in self._unstored else None
        self._unstored.discard(tracker.sender_id)
        await self._insert(tracker, stored)
        kept = self._as_read_back(tracker)
        self._saved[tracker.sender_id] = _Saved(kept, len(kept.events))
        while len(self._saved) > self._cache_size:
            self._saved.popitem(last=False)

    async def _insert(self, tracker: DialogueStateTracker, stored: int | None) -> None:
        """``SQLTrackerStore.save``: the same rows, written by one statement instead of an ORM object each.

        ``stored`` is how many of the tracker's events are in the database, when this store knows
        it; otherwise Rasa counts them, as its own save does.
        """
        await self.stream_events(tracker)
        if stored is not None:
            rows = [event_row(tracker.sender_id, event)
                    for event in itertools.islice(tracker.events, stored, len(tracker.events))]
            if rows:
                self._write(rows)
            return
        with self.session_scope() as session:
            rows = [event_row(tracker.sender_id, event) for event in self._additional_events(session, tracker)]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()

    def _write(self, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` and commit, on the connection kept for it (an ORM session costs 2.5 times the CPU)."""
        if self._writer is None:
            self._writer = self.engine.connect()
        try:
            with self._writer.begin():
                self._writer.execute(self.SQLEvent.__table__.insert(), rows)
        except Exception:
            self._writer.close()  # a connection that failed is not used again
            self._writer = None
            raise

    def _as_read_back(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """``tracker`` itself when Rasa's read of it gives its events, else that read made from its events.

        ``SQLTrackerStore.retrieve`` makes a new tracker from the stored events, in the order saved,
        whose timestamp is not before the latest ``SessionStarted`` (all of them when there is none),
        and the save after it writes the events past as many as that read returns. Rasa logs
        ``action_session_start`` before the events it makes, with an earlier timestamp, so the first
        save of every session holds an event that Rasa's read leaves out: the tracker kept is then
        those same events replayed on a new tracker, as Rasa's read replays them.
        """
        read = read_back(tracker)
        if len(read) == len(tracker.events):
            return tracker
        return DialogueStateTracker.from_events(tracker.sender_id, read, self.domain.slots)


def _write_ahead_log(connection: sqlite3.Connection, _record: Any) -> None:
    """Readers do not block the writer, and a commit syncs one log instead of a journal and the file."""
    connection.execute("PRAGMA journal_mode=WAL")


def event_row(sender_id: str, event: Event) -> dict[str, Any]:
    """The row ``SQLTrackerStore.save`` stores for ``event`` (its ``SQLEvent``'s columns)."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def read_back(tracker: DialogueStateTracker) -> list[Event]:
    """The events of ``tracker`` that Rasa's read of the saved conversation returns, in their order.

    ``SQLTrackerStore.retrieve`` returns the stored events whose timestamp is not before the latest
    ``SessionStarted``, all of them when there is none.
    """
    starts = [event.timestamp for event in tracker.events if isinstance(event, SessionStarted)]
    if not starts:
        return list(tracker.events)
    latest = max(starts)
    return [event for event in tracker.events if event.timestamp >= latest]
