"""The sample feed that a new installation starts with, re-dated so that it is always current.

recruitbot/data/sample_feed.json was written as of SAMPLE_AS_OF; every date in it moves by
the days since then, so a demo run in a year's time still has open vacancies.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from recruitbot.places import Gazetteer
from recruitbot.vacancies.feeds import parse_feed
from recruitbot.vacancies.importer import ImportReport, sync_feed
from recruitbot.vacancies.search import Catalogue

log = logging.getLogger(__name__)

SAMPLE_FEED = Path(__file__).resolve().parent.parent / "data" / "sample_feed.json"
SAMPLE_AS_OF = date(2026, 11, 25)
_DATE_FIELDS = ("posted", "closes")


def redated_sample(today: date, path: Path = SAMPLE_FEED) -> list[dict[str, Any]]:
    """The sample records with their dates moved as if the feed were written ``today``."""
    shift = today - SAMPLE_AS_OF
    records: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    for record in records:
        for field in _DATE_FIELDS:
            if record.get(field):
                record[field] = (date.fromisoformat(record[field]) + shift).isoformat()
    return records


def seed_if_empty(engine: Engine, gazetteer: Gazetteer, today: date | None = None) -> ImportReport | None:
    """Load the sample feed when the catalogue has no open vacancy; None when it has some."""
    today = today or date.today()
    if Catalogue(engine, gazetteer).count_open(today) > 0:
        return None
    feed = parse_feed(json.dumps(redated_sample(today)))
    report = sync_feed(engine, gazetteer, feed, source=f"sample feed ({SAMPLE_FEED.name})", partial=True)
    log.info("loaded the sample feed: %d vacancies", report.created + report.updated + report.reopened)
    return report
