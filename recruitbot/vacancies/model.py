"""The catalogue's data: vacancies, what a candidate searches for, and what a search found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

JOB_TYPES = ("temp", "perm", "contract")

# Widening.to_value when a criterion is dropped altogether.
ANYWHERE = "anywhere in the UK"
ANY = "any"


@dataclass(frozen=True)
class SearchCriteria:
    """What a candidate asked for; every part is optional."""

    keyword: str | None = None
    location: str | None = None
    job_type: str | None = None
    min_salary: int | None = None


@dataclass(frozen=True)
class Vacancy:
    """One advertised job. Salaries are annual GBP, parsed from the advertised text."""

    id: str
    title: str
    location: str
    job_type: str
    salary: str | None
    salary_min: int | None
    salary_max: int | None
    summary: str
    url: str
    posted: date
    closes: date | None = None
    sector: str | None = None


@dataclass(frozen=True)
class Widening:
    """One step a search took to find something: ``kind`` is location, keyword, job_type or salary."""

    kind: str
    from_value: str
    to_value: str


@dataclass(frozen=True)
class SearchResult:
    """A page of vacancies for the effective criteria, and how the search got there."""

    vacancies: list[Vacancy]
    total: int
    criteria: SearchCriteria
    widened: list[Widening]
    offset: int


def is_too_broad(criteria: SearchCriteria) -> bool:
    """True when the criteria name no keyword, place or job type (worth asking for more)."""
    return not (criteria.keyword or criteria.location or criteria.job_type)
