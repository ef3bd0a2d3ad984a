"""What a search filters and ranks on, shared by the two database back ends."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy import or_
from sqlalchemy.engine import Row
from sqlalchemy.sql import ColumnElement

from recruitbot.places import Place
from recruitbot.schema import vacancies
from recruitbot.vacancies.model import Vacancy

VACANCY_COLUMNS = (
    vacancies.c.id,
    vacancies.c.title,
    vacancies.c.location,
    vacancies.c.job_type,
    vacancies.c.salary,
    vacancies.c.salary_min,
    vacancies.c.salary_max,
    vacancies.c.summary,
    vacancies.c.url,
    vacancies.c.posted,
    vacancies.c.closes,
    vacancies.c.sector,
)

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Scope:
    """Search criteria as the database sees them."""

    terms: tuple[str, ...] = ()
    place: Place | None = None
    place_text: str | None = None  # a location the gazetteer does not know, matched as words
    job_type: str | None = None
    min_salary: int | None = None


@dataclass(frozen=True)
class Nearness:
    """Where the candidate asked for, to rank nearer vacancies first once a search widens.

    ``ladder`` is the asked place and the larger areas around it, smallest first, as far as
    the search reaches; ``text`` is an asked location the gazetteer does not know.
    """

    ladder: Sequence[Place] = field(default_factory=tuple)
    text: str | None = None


class SearchSession(Protocol):
    """Counting and paging searches on one connection, for one day."""

    def count(self, scope: Scope) -> int:
        """How many open vacancies ``scope`` matches."""
        ...

    def page(self, scope: Scope, nearness: Nearness, offset: int, limit: int) -> list[Vacancy]:
        """Matches for ``scope``: title hits first, then nearest, then newest."""
        ...


class TextMatcher(Protocol):
    """Full-text conditions usable in SQL on either database."""

    def anywhere(self, terms: Sequence[str], every: bool) -> ColumnElement[Any]:
        """Live vacancies holding every term (``every``), or any, in title, sector or summary."""
        ...

    def in_title(self, terms: Sequence[str], every: bool) -> ColumnElement[Any]:
        """Vacancies whose title holds every term (``every``), or any of them."""
        ...


def words(text: str | None) -> list[str]:
    """The lower-case words of ``text`` as full-text search splits them."""
    return _WORD.findall((text or "").lower())


def open_on(today: date) -> list[ColumnElement[Any]]:
    """SQL conditions for vacancies open on ``today``: not closed by a sync, not past closing."""
    return [
        vacancies.c.closed_at.is_(None),
        or_(vacancies.c.closes.is_(None), vacancies.c.closes >= today),
    ]


def to_vacancy(row: Row) -> Vacancy:
    """The vacancy in a row selected with :data:`VACANCY_COLUMNS` first."""
    return Vacancy(*row[: len(VACANCY_COLUMNS)])
