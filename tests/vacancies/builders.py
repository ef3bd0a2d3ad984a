"""Feed records and JSON-LD postings for the tests, valid unless a test changes them."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy.engine import Engine

from recruitbot.places import Gazetteer
from recruitbot.vacancies.feeds import parse_feed
from recruitbot.vacancies.importer import ImportReport, sync_feed

# The tests' "today": fixed so that closing dates do not depend on when they run.
TODAY = date(2024, 6, 1)
IMPORT_TIME = datetime.combine(TODAY, time(9, 0), tzinfo=timezone.utc)


def record(vacancy_id: Any, /, **fields: Any) -> dict[str, Any]:
    """An own-format feed record; ``fields`` override the defaults (None removes a field)."""
    base: dict[str, Any] = {
        "id": vacancy_id,
        "title": "Office Administrator",
        "location": "Leeds",
        "job_type": "perm",
        "salary": "£24,000 per annum",
        "summary": "Supporting a busy office team.",
        "url": f"https://jobs.example/{vacancy_id}",
        "posted": "2024-05-01",
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def posting(ref: str, /, **properties: Any) -> dict[str, Any]:
    """A schema.org JobPosting; ``properties`` override the defaults (None removes one)."""
    base: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "name": "11 Recruitment", "value": ref},
        "title": "Payroll Administrator",
        "description": "<p>Join our <b>payroll</b> team.</p><ul><li>Process payroll</li></ul>",
        "datePosted": "2024-05-02",
        "validThrough": "2024-07-01T17:00:00+01:00",
        "employmentType": "FULL_TIME",
        "url": f"https://jobs.example/{ref}",
        "jobLocation": {
            "@type": "Place",
            "address": {"@type": "PostalAddress", "addressLocality": "Leeds", "addressRegion": "West Yorkshire"},
        },
        "baseSalary": {
            "@type": "MonetaryAmount",
            "currency": "GBP",
            "value": {"@type": "QuantitativeValue", "minValue": 25000, "maxValue": 28000, "unitText": "YEAR"},
        },
    }
    base.update(properties)
    return {key: value for key, value in base.items() if value is not None}


def sync(
    engine: Engine,
    gazetteer: Gazetteer,
    records: list[dict[str, Any]],
    *,
    partial: bool = False,
    now: datetime = IMPORT_TIME,
) -> ImportReport:
    """Import ``records`` as an own-format feed, by default on the tests' today."""
    feed = parse_feed(json.dumps(records))
    return sync_feed(engine, gazetteer, feed, source="test-feed.json", partial=partial, now=now)
