"""The tracker store that keeps recent conversations in memory (recruitbot/tracker_store.py).

Every check compares what the store hands out with what Rasa's own ``SQLTrackerStore`` reads from
the same file: a kept tracker must be exactly what the database holds, or the next save (which
writes the events past as many as the database read returns) would lose or repeat events.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import sqlalchemy
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from sqlalchemy import create_engine, event, text

from recruitbot.tracker_store import CachedSQLTrackerStore, read_back

DOMAIN = Domain.from_dict({
    "intents": ["greet", "faq"],
    "slots": {"job_type": {"type": "text", "mappings": [{"type": "custom"}]}},
    "responses": {"utter_greet": [{"text": "Hello!"}]},
})


class Clock:
    """Event timestamps one millisecond apart, as a busy server would give them."""

    def __init__(self) -> None:
        self._ticks = itertools.count()

    def __call__(self) -> float:
        return 1_700_000_000.0 + next(self._ticks) / 1000


def session_start(clock: Clock) -> list[Event]:
    """The events Rasa logs for ``action_session_start``, in its order and with its timestamps.

    ``processor._log_action_on_tracker`` logs the ``ActionExecuted`` first, then the action's events
    with new timestamps: ``SessionStarted`` is later than the ``ActionExecuted`` before it, and
    Rasa's read of the session leaves that one out.
    """
    return [ActionExecuted("action_session_start", timestamp=clock()), SessionStarted(timestamp=clock()),
            ActionExecuted("action_listen", timestamp=clock())]


def user_turn(clock: Clock, text_: str) -> list[Event]:
    return [
        UserUttered(text_, {"name": "greet", "confidence": 0.9}, timestamp=clock()),
        SlotSet("job_type", text_, timestamp=clock()),
        ActionExecuted("utter_greet", timestamp=clock()),
        BotUttered("Hello!", timestamp=clock()),
        ActionExecuted("action_listen", timestamp=clock()),
    ]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "tracker.db"


@pytest.fixture
def store(db: Path) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), cache_size=8)


@pytest.fixture
def rasa_store(db: Path) -> SQLTrackerStore:
    """Rasa's own store on the same file: what the database really holds."""
    return SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))


async def take_turn(store: CachedSQLTrackerStore, sender: str, events: list[Event]) -> DialogueStateTracker:
    """What the processor does with a message: get the tracker, add the turn's events, save."""
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    tracker.update_with_events(events, DOMAIN, override_timestamp=False)
    await store.save(tracker)
    return tracker


async def two_turns(store: CachedSQLTrackerStore, sender: str, clock: Clock) -> DialogueStateTracker:
    """A conversation's first turn (kept as Rasa reads it back, without its session start) and second."""
    await take_turn(store, sender, session_start(clock) + user_turn(clock, "hi"))
    return await take_turn(store, sender, user_turn(clock, "hello?"))


def state(tracker: DialogueStateTracker | None) -> dict:
    """Everything a tracker holds: its events, slots, latest message and action, form, pause."""
    assert tracker is not None
    return tracker.current_state(EventVerbosity.ALL)


def statements_run(store: CachedSQLTrackerStore) -> list[str]:
    """The SQL statements the store runs from now on (a list that grows)."""
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


def stored_rows(db: Path, sender: str) -> int:
    with create_engine(f"sqlite:///{db}").connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender})
        return int(count.scalar_one())


async def test_the_tracker_saved_last_is_handed_back_and_is_what_the_database_holds(
    store: CachedSQLTrackerStore, rasa_store: SQLTrackerStore, db: Path
) -> None:
    clock = Clock()
    first = await take_turn(store, "alex", session_start(clock) + user_turn(clock, "hi"))
    assert len(read_back(first)) == len(first.events) - 1, "Rasa reads it back without action_session_start"
    assert store.kept() == ["alex"]
    statements = statements_run(store)
    second = await store.retrieve("alex")
    assert second is not first, "what is kept is the conversation as Rasa reads it back"
    assert statements == [], "and it is handed out without asking the database"
    assert state(second) == state(await rasa_store.retrieve("alex"))
    second.update_with_events(user_turn(clock, "hello?"), DOMAIN, override_timestamp=False)
    await store.save(second)
    saved = second
    for text_ in ("temp jobs", "in Leeds", "thanks"):
        handed = await store.retrieve("alex")
        assert handed is saved, "the kept tracker is handed back, not read again"
        assert state(handed) == state(await rasa_store.retrieve("alex"))
        handed.update_with_events(user_turn(clock, text_), DOMAIN, override_timestamp=False)
        await store.save(handed)
    assert stored_rows(db, "alex") == 3 + 5 * 5, "every event stored once"
    assert state(await store.retrieve("alex")) == state(await rasa_store.retrieve("alex"))


async def test_a_tracker_is_handed_out_once_so_a_second_reader_and_a_failed_turn_read_the_database(
    store: CachedSQLTrackerStore, rasa_store: SQLTrackerStore, db: Path
) -> None:
    clock = Clock()
    await two_turns(store, "sam", clock)
    assert store.kept() == ["sam"]
    in_turn = await store.retrieve("sam")
    assert in_turn is not None
    # The turn then fails before saving.
    in_turn.update_with_events(user_turn(clock, "unsaved"), DOMAIN, override_timestamp=False)
    reader = await store.retrieve("sam")
    assert reader is not in_turn
    assert state(reader) == state(await rasa_store.retrieve("sam"))
    assert "unsaved" not in [getattr(event, "text", None) for event in reader.events]
    # The next turn starts from the database, and everything it saves is stored exactly once.
    after = await take_turn(store, "sam", user_turn(clock, "again"))
    assert state(after) == state(await rasa_store.retrieve("sam"))
    assert stored_rows(db, "sam") == 3 + 3 * 5


async def test_a_new_session_is_kept_as_rasa_reads_it_without_the_old_one(
    store: CachedSQLTrackerStore, rasa_store: SQLTrackerStore, db: Path
) -> None:
    clock = Clock()
    await two_turns(store, "kim", clock)
    # The old session ends inside a form, paused, with a slot set: none of it is read back.
    old = await store.retrieve("kim")
    assert old is not None
    in_a_form = [ActiveLoop("job_alert_form", timestamp=clock()),
                 SlotSet("requested_slot", "job_type", timestamp=clock()),
                 ConversationPaused(timestamp=clock())]
    old.update_with_events(in_a_form, DOMAIN, override_timestamp=False)
    await store.save(old)
    assert store.kept() == ["kim"]
    # The session expired: the processor adds a new session start to the tracker it retrieved.
    tracker = await take_turn(store, "kim", session_start(clock) + user_turn(clock, "back again"))
    assert read_back(tracker) != list(tracker.events), "it also holds the old session, which Rasa does not read"
    assert store.kept() == ["kim"]
    statements = statements_run(store)
    kept = await store.retrieve("kim")
    assert statements == [] and kept is not tracker
    assert state(kept) == state(await rasa_store.retrieve("kim"))
    assert kept.active_loop_name is None and not kept.is_paused()
    kept.update_with_events(user_turn(clock, "temp jobs"), DOMAIN, override_timestamp=False)
    await store.save(kept)
    assert state(await store.retrieve("kim")) == state(await rasa_store.retrieve("kim"))
    assert stored_rows(db, "kim") == 2 * (3 + 5) + 3 + 2 * 5


async def test_events_out_of_timestamp_order_are_kept_as_rasa_reads_them(
    store: CachedSQLTrackerStore, rasa_store: SQLTrackerStore
) -> None:
    """Rasa's read filters by timestamp, not by position: an event stamped before the session start is left out."""
    clock = Clock()
    early = SlotSet("job_type", "stamped early", timestamp=clock())
    tracker = await take_turn(store, "jo", session_start(clock) + user_turn(clock, "hi") + [early])
    assert early not in read_back(tracker) and len(read_back(tracker)) == len(tracker.events) - 2
    kept = await store.retrieve("jo")
    assert kept is not None and kept.get_slot("job_type") == "hi"
    assert state(kept) == state(await rasa_store.retrieve("jo"))
    kept.update_with_events(user_turn(clock, "temp jobs"), DOMAIN, override_timestamp=False)
    await store.save(kept)
    assert state(await store.retrieve("jo")) == state(await rasa_store.retrieve("jo"))


async def test_erased_conversations_are_forgotten_and_a_new_model_drops_everything(
    store: CachedSQLTrackerStore,
) -> None:
    clock = Clock()
    for sender in ("a", "b", "c"):
        await two_turns(store, sender, clock)
    assert await store.exists("b") and not await store.exists("nobody")
    assert store.kept() == ["a", "b", "c"], "asking whether a conversation exists hands nothing out"
    store.forget(["b", "nobody"])
    assert store.kept() == ["a", "c"]
    assert await store.exists("b"), "forgetting is not erasing: the database still has it"
    store.domain = DOMAIN  # Agent.load_model sets the new model's domain on the store
    assert store.kept() == []


async def test_only_the_conversations_used_last_are_kept(db: Path) -> None:
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), cache_size=2)
    clock = Clock()
    for sender in ("a", "b", "c"):
        await two_turns(store, sender, clock)
    await take_turn(store, "b", user_turn(clock, "more"))
    assert store.kept() == ["c", "b"]
    assert await store.retrieve("a") is not None, "an evicted conversation is read from the database"


async def test_nothing_is_kept_with_a_zero_size(db: Path) -> None:
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), cache_size=0)
    clock = Clock()
    await take_turn(store, "a", session_start(clock))
    await take_turn(store, "a", user_turn(clock, "hi"))
    assert store.kept() == []
    with pytest.raises(ValueError, match="cache_size"):
        CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), cache_size=-1)


async def test_a_kept_tracker_is_saved_without_counting_what_is_stored(store: CachedSQLTrackerStore, db: Path) -> None:
    clock = Clock()
    await two_turns(store, "lee", clock)
    statements = statements_run(store)
    await take_turn(store, "lee", user_turn(clock, "temp jobs"))
    assert not [sql for sql in statements if "count(" in sql.lower() or sql.lstrip().upper().startswith("SELECT")]
    assert [sql for sql in statements if sql.lstrip().upper().startswith("INSERT")], "the new events were written"
    assert stored_rows(db, "lee") == 3 + 3 * 5
    with create_engine(f"sqlite:///{db}").connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


async def test_a_conversation_erased_during_its_turn_is_saved_whole_again_as_rasa_does(
    store: CachedSQLTrackerStore, rasa_store: SQLTrackerStore, db: Path
) -> None:
    clock = Clock()
    await two_turns(store, "max", clock)
    in_turn = await store.retrieve("max")
    assert in_turn is not None
    # "Forget me" runs in the turn: the erasure channel deletes the rows, then forgets.
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM events WHERE sender_id = 'max'"))
    store.forget(["max"])
    in_turn.update_with_events(user_turn(clock, "forget me"), DOMAIN, override_timestamp=False)
    await store.save(in_turn)
    assert stored_rows(db, "max") == len(in_turn.events), "Rasa counts what is stored (none) and writes it all"
    assert state(await store.retrieve("max")) == state(await rasa_store.retrieve("max"))


async def test_an_sqlite_database_in_memory_is_not_cached() -> None:
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=":memory:", cache_size=8)
    assert store.cache_size == 0


async def test_the_rows_written_are_those_rasa_writes(tmp_path: Path) -> None:
    """Every column of every row, ids included, for the same turns saved by this store and by Rasa's."""
    stores = [CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "ours.db"), cache_size=8),
              SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))]
    for store in stores:
        clock = Clock()
        for sender in ("ana", "ben"):
            await take_turn(store, sender, session_start(clock) + user_turn(clock, f"hi from {sender}"))
        for text_ in ("temp jobs", "in Leeds"):
            for sender in ("ana", "ben"):
                await take_turn(store, sender, user_turn(clock, text_))
        await take_turn(store, "ana", [*session_start(clock), ActionExecuted("utter_greet", timestamp=clock())])
        await take_turn(store, "ana", [ActiveLoop("job_alert_form", timestamp=clock())])
    rows = []
    for name in ("ours.db", "rasa.db"):
        with create_engine(f"sqlite:///{tmp_path / name}").connect() as connection:
            rows.append(connection.execute(text("SELECT * FROM events ORDER BY id")).all())
    assert len(rows[0]) == 2 * (3 + 5) + 2 * 2 * 5 + 4 + 1
    assert rows[0] == rows[1]


async def test_a_save_that_fails_loses_nothing_and_the_next_one_counts_again(
    store: CachedSQLTrackerStore, rasa_store: SQLTrackerStore, db: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    tracker = await two_turns(store, "kim", clock)
    failing = True
    insert = sqlalchemy.engine.Connection.execute

    def execute(connection: sqlalchemy.engine.Connection, *args: object, **kwargs: object) -> object:
        if failing and connection is store._writer:
            raise sqlalchemy.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))
        return insert(connection, *args, **kwargs)

    monkeypatch.setattr(sqlalchemy.engine.Connection, "execute", execute)
    in_turn = await store.retrieve("kim")
    assert in_turn is tracker
    in_turn.update_with_events(user_turn(clock, "temp jobs"), DOMAIN, override_timestamp=False)
    with pytest.raises(sqlalchemy.exc.OperationalError):
        await store.save(in_turn)
    assert stored_rows(db, "kim") == 3 + 2 * 5, "the failed turn's rows were rolled back"
    failing = False
    statements = statements_run(store)
    in_turn.update_with_events(user_turn(clock, "in Leeds"), DOMAIN, override_timestamp=False)
    await store.save(in_turn)  # not kept any more: Rasa's count of what is stored, then the rest
    assert [sql for sql in statements if "count(" in sql.lower()]
    assert stored_rows(db, "kim") == 3 + 4 * 5
    assert state(await store.retrieve("kim")) == state(await rasa_store.retrieve("kim"))


async def test_a_new_conversations_first_save_counts_nothing(
    store: CachedSQLTrackerStore, rasa_store: SQLTrackerStore, db: Path,
) -> None:
    clock = Clock()
    await two_turns(store, "old", clock)
    assert await store.retrieve("new") is None  # Rasa's read: nothing stored for it
    tracker = DialogueStateTracker.from_events("new", session_start(clock) + user_turn(clock, "hi"), DOMAIN.slots)
    statements = statements_run(store)
    await store.save(tracker)
    assert not [sql for sql in statements if "count(" in sql.lower() or sql.lstrip().upper().startswith("SELECT")]
    assert stored_rows(db, "new") == 3 + 5
    assert state(await store.retrieve("new")) == state(await rasa_store.retrieve("new"))
    # A conversation that was found is counted as before when it is not kept.
    store.forget(["old"])
    assert await store.retrieve("old") is not None
    statements.clear()
    await take_turn(store, "old", user_turn(clock, "again"))
    assert [sql for sql in statements if "count(" in sql.lower()]
    assert state(await store.retrieve("old")) == state(await rasa_store.retrieve("old"))
