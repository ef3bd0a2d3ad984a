"""Database engines: SQLite by default, PostgreSQL in production, the same code for both."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.pool import QueuePool

from recruitbot.schema import metadata

# How much of a SQLite database file a connection reads through a memory map (address space,
# not memory: the pages are the operating system's file cache, shared by all connections).
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the bot read while an import writes; the busy timeout turns a brief
    # lock into a wait instead of "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A search reads many full-text index pages: mapped, they are read in place instead of
    # being copied into each connection's page cache. Temporary tables and sorts stay in memory.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Build an engine for ``url``, creating the SQLite folder and tables when missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 gives file SQLite a NullPool: a new connection (cold page cache) per
        # query. A small pool keeps searches at a few milliseconds.
        engine = create_engine(
            url, future=True, poolclass=QueuePool, pool_size=5, connect_args={"check_same_thread": False}
        )
        event.listen(engine, "connect", _tune_sqlite)
    else:
        engine = create_engine(url, future=True, pool_pre_ping=True)
    metadata.create_all(engine)
    return engine


@lru_cache(maxsize=8)
def shared_engine(url: str) -> Engine:
    """One engine per URL for a whole process (engines hold connection pools)."""
    return make_engine(url)
