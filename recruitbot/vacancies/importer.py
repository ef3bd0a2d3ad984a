"""Importing a feed: one transaction that makes the catalogue match the feed, or changes nothing."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, TypeVar

from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from recruitbot.places import Gazetteer
from recruitbot.schema import vacancies
from recruitbot.vacancies.feeds import ParsedFeed, parse_feed, read_source
from recruitbot.vacancies.fts_search import merge_search_index
from recruitbot.vacancies.model import Vacancy
from recruitbot.vacancies.records import RecordError
from recruitbot.vacancies.tags import vacancy_tags

log = logging.getLogger(__name__)

T = TypeVar("T")

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(records_done, records_total)`` while an import writes."""

CHUNK_SIZE = 5000

# Columns a feed decides; a change in any of them makes the stored row "updated".
_CONTENT_COLUMNS = (
    "title",
    "location",
    "job_type",
    "salary",
    "salary_min",
    "salary_max",
    "summary",
    "url",
    "posted",
    "closes",
    "sector",
    "place",
    "county",
    "region",
    "nation",
)
_UPSERT_BATCH = 1000


class EmptyFeedError(Exception):
    """A full import found no valid vacancy: it would close the whole catalogue, so it is refused."""


@dataclass(frozen=True)
class ImportReport:
    """What one import did, counted by vacancy."""

    source: str
    format: str
    partial: bool
    created: int
    updated: int
    reopened: int
    unchanged: int
    closed: int
    errors: tuple[RecordError, ...]

    @property
    def skipped(self) -> int:
        """How many records were invalid and left out."""
        return len(self.errors)

    @property
    def changed(self) -> bool:
        """True when the import changed the catalogue."""
        return bool(self.created or self.updated or self.reopened or self.closed)


def import_feed(
    engine: Engine,
    gazetteer: Gazetteer,
    source: str,
    *,
    partial: bool = False,
    progress: ProgressCallback | None = None,
    fetch: Callable[[str], bytes] = read_source,
    chunk_size: int = CHUNK_SIZE,
) -> ImportReport:
    """Fetch, parse and sync the feed at ``source`` (a file path or http(s) URL).

    Raises:
        FeedError: the feed cannot be fetched or parsed; the catalogue is untouched.
        EmptyFeedError: a full import with no valid vacancy; the catalogue is untouched.
    """
    page_url = source if re.match(r"^https?://", source, re.IGNORECASE) else None
    feed = parse_feed(fetch(source), page_url=page_url)
    return sync_feed(engine, gazetteer, feed, source=source, partial=partial, progress=progress, chunk_size=chunk_size)


def sync_feed(
    engine: Engine,
    gazetteer: Gazetteer,
    feed: ParsedFeed,
    *,
    source: str,
    partial: bool = False,
    progress: ProgressCallback | None = None,
    chunk_size: int = CHUNK_SIZE,
    now: datetime | None = None,
) -> ImportReport:
    """Make the catalogue match ``feed`` in one transaction.

    New vacancies are created, changed ones updated, closed ones that are back reopened. A
    full feed (not ``partial``) also closes open vacancies it no longer lists; they are kept
    with ``closed_at`` set. Vacancies past their closing date leave the search index (SQLite
    searches need that; see ``schema``). Any exception, including one from ``progress``,
    rolls it all back.

    Raises:
        EmptyFeedError: a full feed with no valid vacancy.
    """
    if not feed.vacancies and not partial:
        raise EmptyFeedError(
            f"{source}: no valid vacancy in the feed ({len(feed.errors)} skipped), "
            "and a full import of it would close every vacancy"
        )
    now = now or datetime.now(timezone.utc)
    places = _PlaceColumns(gazetteer)
    rows = [_row(vacancy, places(vacancy.location), now.date()) for vacancy in feed.vacancies]
    with engine.begin() as connection:
        stored = {
            found.id: (found.pk, found.content_hash, found.closed_at)
            for found in connection.execute(
                select(vacancies.c.id, vacancies.c.pk, vacancies.c.content_hash, vacancies.c.closed_at)
            )
        }
        counts = {"created": 0, "updated": 0, "reopened": 0, "unchanged": 0}
        for done, chunk in _chunks(rows, chunk_size):
            writes = []
            for row in chunk:
                outcome = _outcome(row, stored.get(row["id"]))
                counts[outcome] += 1
                if outcome != "unchanged":
                    writes.append(row)
            _upsert(connection, writes, now)
            if progress is not None:
                progress(done, len(rows))
        closed = [] if partial else _vanished(stored, {row["id"] for row in rows})
        _close(connection, closed, now)
        unlisted = _unlist_expired(connection, now.date())
        if unlisted or closed or counts["unchanged"] < len(rows):
            _tune_for_search(connection)
    report = ImportReport(source, feed.format, partial, closed=len(closed), errors=tuple(feed.errors), **counts)
    log.info(
        "imported %s (%s%s): %d created, %d updated, %d reopened, %d unchanged, %d closed, %d skipped",
        source,
        feed.format,
        ", partial" if partial else "",
        report.created,
        report.updated,
        report.reopened,
        report.unchanged,
        report.closed,
        report.skipped,
    )
    return report


class _PlaceColumns:
    """The gazetteer columns for a location text, memoised: feeds repeat their places."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self._gazetteer = gazetteer
        self._known: dict[str, dict[str, str | None]] = {}

    def __call__(self, location: str) -> dict[str, str | None]:
        if location not in self._known:
            place = self._gazetteer.resolve(location)
            self._known[location] = {
                "place": place.name if place else None,
                "county": place.county if place else None,
                "region": place.region if place else None,
                "nation": place.nation if place else None,
            }
        return self._known[location]


def _row(vacancy: Vacancy, place_columns: dict[str, str | None], today: date) -> dict[str, Any]:
    """The stored row of a vacancy the feed lists (so it is open), with its content hash."""
    row: dict[str, Any] = {
        "id": vacancy.id,
        "title": vacancy.title,
        "location": vacancy.location,
        "job_type": vacancy.job_type,
        "salary": vacancy.salary,
        "salary_min": vacancy.salary_min,
        "salary_max": vacancy.salary_max,
        "summary": vacancy.summary,
        "url": vacancy.url,
        "posted": vacancy.posted,
        "closes": vacancy.closes,
        "sector": vacancy.sector,
        **place_columns,
    }
    content = json.dumps([row[name] for name in _CONTENT_COLUMNS], default=str, ensure_ascii=False)
    row["content_hash"] = hashlib.sha256(content.encode("utf-8")).hexdigest()
    row["live"] = vacancy.closes is None or vacancy.closes >= today
    top_salary = vacancy.salary_max if vacancy.salary_max is not None else vacancy.salary_min
    row["tags"] = vacancy_tags(vacancy.job_type, place_columns, vacancy.closes, top_salary)
    return row


def _outcome(row: dict[str, Any], stored: tuple[int, str, datetime | None] | None) -> str:
    if stored is None:
        return "created"
    _, content_hash, closed_at = stored
    if content_hash != row["content_hash"]:
        return "updated"
    return "reopened" if closed_at is not None else "unchanged"


def _chunks(items: Sequence[T], size: int) -> Iterator[tuple[int, Sequence[T]]]:
    """Consecutive slices of ``items``, each with how many items it and those before hold."""
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        yield start + len(chunk), chunk


def _upsert(connection: Connection, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    """Insert new rows and overwrite changed ones (reopening them); the unique id decides which."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(vacancies)
    statement = statement.on_conflict_do_update(
        index_elements=[vacancies.c.id],
        set_={
            **{name: statement.excluded[name] for name in (*_CONTENT_COLUMNS, "content_hash", "live", "tags")},
            "updated_at": statement.excluded.updated_at,
            "closed_at": None,
        },
    )
    for _, batch in _chunks(rows, _UPSERT_BATCH):
        values = [{**row, "first_seen_at": now, "updated_at": now, "closed_at": None} for row in batch]
        connection.execute(statement, values)


def _vanished(stored: dict[str, tuple[int, str, datetime | None]], listed: set[str]) -> list[int]:
    return [pk for vacancy_id, (pk, _, closed_at) in stored.items() if closed_at is None and vacancy_id not in listed]


def _close(connection: Connection, pks: list[int], now: datetime) -> None:
    for _, batch in _chunks(pks, _UPSERT_BATCH):
        closing = update(vacancies).where(vacancies.c.pk.in_(batch))
        connection.execute(closing.values(closed_at=now, updated_at=now, live=False))


def _tune_for_search(connection: Connection) -> None:
    """After a change: merge SQLite's FTS5 index; give PostgreSQL's planner fresh statistics."""
    if connection.dialect.name == "sqlite":
        merge_search_index(connection)
    elif connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE vacancies"))


def _unlist_expired(connection: Connection, today: date) -> int:
    """Take vacancies past their closing date out of the search index (they stay open)."""
    expired = update(vacancies).where(vacancies.c.live.is_(True), vacancies.c.closes < today)
    return int(connection.execute(expired.values(live=False)).rowcount)
