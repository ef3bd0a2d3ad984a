"""The default profile: one process writes the SQLite tracker store, and no turn meets "database is locked".

Conversations run at once while every kind of erasure happens: the retention purge from the
command line (600 idle conversations, more than one batch), "forget me" in chat (the action
server), an erasure from this process (as the web app's erase link and the supervisor's jobs do)
and the readiness canaries. Every process that opens an SQLite database is recorded through
Python's audit hook (tests/sqlite_audit/sitecustomize.py): only the Rasa server may open tracker.db.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from recruitbot.alerts.conversations import conversation_store
from recruitbot.run import Stack, ask
from recruitbot.settings import load_settings
from tests.helpers import running_stack

ROOT = Path(__file__).resolve().parent.parent
AUDIT_HOOK_DIR = Path(__file__).resolve().parent / "sqlite_audit"
pytestmark = [pytest.mark.model, pytest.mark.servers]

IDLE = 600  # idle conversations for the retention purge: more than one batch (ERASE_CHUNK)
CHAT = ["hi", "does a second interview mean I got the job?", "should I send a thank you email",
        "show me temp admin jobs in Leeds", "how long do employers take to decide", "thanks, bye"]

_opened_here: list[str] = []
_recording = False


def _record_here(event: str, args: tuple[object, ...]) -> None:
    if _recording and event == "sqlite3.connect":
        _opened_here.append(str(args[0]))


sys.addaudithook(_record_here)  # audit hooks cannot be removed; this one records only during the test


def seed_idle_conversations(path: Path, count: int) -> list[str]:
    """Conversations last active 200 days ago, saved by Rasa's own store before any server starts."""
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    stamp = time.time() - 200 * 86400
    senders = [f"idle-{n}" for n in range(count)]

    async def save_all() -> None:
        for sender in senders:
            tracker = DialogueStateTracker(sender, slots=[])
            tracker.update(UserUttered("hello", {"name": "greet"}, timestamp=stamp))
            tracker.update(ActionExecuted("action_listen", timestamp=stamp))
            await store.save(tracker)

    asyncio.run(save_all())
    store.engine.dispose()
    return senders


def user_messages(path: Path) -> dict[str, int]:
    """How many user messages each conversation in the tracker store holds."""
    engine = create_engine(f"sqlite:///{path}", future=True)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT sender_id, COUNT(*) FROM events WHERE type_name = 'user' GROUP BY sender_id")).all()
    engine.dispose()
    return {sender: count for sender, count in rows}


def chat(stack: Stack, sender: str, messages: list[str]) -> list[list[dict[str, object]]]:
    return [ask(stack.ports.rasa, sender, message) for message in messages]


def purge_from_the_command_line(stack: Stack, var: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RECRUITBOT_VAR_DIR": str(var), "RASA_PORT": str(stack.ports.rasa)}
    return subprocess.run([sys.executable, "-m", "recruitbot.cli", "conversations", "purge-idle", "--days", "90"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_only_the_rasa_server_writes_the_sqlite_tracker_store_while_conversations_and_erasures_run_at_once(
        trained_model: Path, tmp_path: Path) -> None:
    global _recording
    var = tmp_path / "var"
    var.mkdir()
    tracker_db = var / "tracker.db"
    idle = seed_idle_conversations(tracker_db, IDLE)
    audit_log = var / "sqlite-opens.log"
    pythonpath = os.pathsep.join(filter(None, [str(AUDIT_HOOK_DIR), os.environ.get("PYTHONPATH", "")]))
    with running_stack(trained_model, var, unset=("RECRUITBOT_ACTION_SECRET",), RECRUITBOT_IP_MESSAGES_PER_MINUTE="0",
                       PYTHONPATH=pythonpath, RECRUITBOT_SQLITE_AUDIT_LOG=str(audit_log)) as stack:
        rasa_pid = stack.pid("rasa")
        talkers = [f"talker-{uuid.uuid4().hex}" for _ in range(16)]
        forgetters = [f"forgetter-{uuid.uuid4().hex}" for _ in range(3)]
        erased_here = [f"erased-{uuid.uuid4().hex}" for _ in range(3)]
        # This process erases as the web app's erase link and the supervisor's jobs do.
        eraser = conversation_store(replace(load_settings(), rasa_url=f"http://127.0.0.1:{stack.ports.rasa}"))
        _recording = True
        try:
            with ThreadPoolExecutor(max_workers=len(talkers) + 8) as pool:
                talking = {sender: pool.submit(chat, stack, sender, CHAT) for sender in talkers}
                forgetting = [pool.submit(chat, stack, sender, ["hello", "please forget me", "yes"])
                              for sender in forgetters]
                purge = pool.submit(purge_from_the_command_line, stack, var)
                for sender in erased_here:
                    chat(stack, sender, ["hi", "what if I don't get the job"])
                    assert eraser.erase([sender]) > 0
                replies = {sender: future.result(timeout=300) for sender, future in talking.items()}
                forgotten = [future.result(timeout=300) for future in forgetting]
                purged = purge.result(timeout=300)
        finally:
            _recording = False
        stack.raise_if_exited()

    assert purged.returncode == 0, purged.stderr
    assert f"deleted {IDLE} conversations" in purged.stdout
    for sender, turns in replies.items():
        assert all(turn for turn in turns), f"{sender} got no reply to some message"
    for turns in forgotten:
        assert str(turns[-1][0].get("text", "")).startswith("Done:")

    stored = user_messages(tracker_db)
    assert not set(idle) & set(stored), "the idle conversations were not all purged"
    assert not set(erased_here) & set(stored)
    assert {sender: stored.get(sender) for sender in talkers} == dict.fromkeys(talkers, len(CHAT))

    logs = {path.name: path.read_text(errors="replace") for path in (var / "logs").glob("*.log")}
    assert [name for name, log in logs.items() if "database is locked" in log] == []

    opens = [line.split("\t") for line in audit_log.read_text().splitlines()]
    tracker_opens = [(int(pid), command) for pid, database, command in opens
                     if Path(database).name == tracker_db.name]
    assert tracker_opens, "the audit hook saw no process open tracker.db"
    assert {pid for pid, _ in tracker_opens} == {rasa_pid}, tracker_opens
    assert [database for database in _opened_here if Path(database).name == tracker_db.name] == []
