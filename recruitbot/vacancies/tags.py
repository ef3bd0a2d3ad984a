"""Facet tags: a vacancy's job type, places, closing date and salary as full-text tokens.

On SQLite the full-text index holds only live vacancies, each with these tokens in its
``tags`` column, so that a search filters and counts inside FTS5 instead of visiting rows.
Every token is ``z`` and digits: the porter stemmer leaves it whole and no word collides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date

from recruitbot.places import Place, normalise_place_text

LIVE = "z10"
_JOB_TYPES = {"temp": "z21", "perm": "z22", "contract": "z23"}
_PLACE_LEVELS = {"place": "z3", "county": "z4", "region": "z5", "nation": "z6"}
_CLOSES = "z7"
_SALARY = "z8"

# Salary thresholds are whole thousands up to this many; higher pay counts as this much.
SALARY_CAP_THOUSANDS = 150


def job_type_tag(job_type: str) -> str:
    """The token for a job type."""
    return _JOB_TYPES[job_type]


def area_tag(level: str, name: str, county: str | None = None) -> str:
    """The token for a place (``level`` "place", keyed with its county) or a larger area."""
    key = f"{name}|{county or ''}" if level == "place" else name
    digest = hashlib.blake2b(normalise_place_text(key).encode("utf-8"), digest_size=8).digest()
    return f"{_PLACE_LEVELS[level]}{int.from_bytes(digest, 'big')}"


def place_tag(place: Place) -> str:
    """The token that every vacancy in ``place`` carries."""
    if place.kind in ("county", "region", "nation"):
        return area_tag(place.kind, place.name)
    return area_tag("place", place.name, place.county)


def closes_tag(closes: date) -> str:
    """The token for a closing date."""
    return f"{_CLOSES}{closes:%Y%m%d}"


def salary_threshold(min_salary: int) -> int:
    """The whole thousands a minimum salary is matched in (rounded down, capped)."""
    return min(max(min_salary // 1000, 1), SALARY_CAP_THOUSANDS)


def salary_tag(min_salary: int) -> str:
    """The token of vacancies paying at least ``min_salary`` (in whole thousands)."""
    return f"{_SALARY}{salary_threshold(min_salary)}"


def vacancy_tags(
    job_type: str,
    places: dict[str, str | None],
    closes: date | None,
    top_salary: int | None,
) -> str:
    """The tags text of one vacancy; ``places`` holds its place, county, region and nation."""
    return " ".join(_tokens(job_type, places, closes, top_salary))


def _tokens(job_type: str, places: dict[str, str | None], closes: date | None, top_salary: int | None) -> Iterator[str]:
    yield LIVE
    yield job_type_tag(job_type)
    if places["place"]:
        yield area_tag("place", places["place"], places["county"])
    for level in ("county", "region", "nation"):
        name = places[level]
        if name:
            yield area_tag(level, name)
    if closes is not None:
        yield closes_tag(closes)
    if top_salary is not None and top_salary >= 1000:
        top = min(top_salary // 1000, SALARY_CAP_THOUSANDS)
        yield from (f"{_SALARY}{thousands}" for thousands in range(1, top + 1))
