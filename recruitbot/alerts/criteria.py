"""An alert's criteria: checked and tidied as given, and read the way the catalogue reads a search.

The catalogue's own pieces decide what the words mean: ``search_terms`` for the keyword, the
gazetteer for the location (with the catalogue's words for "anywhere"), and the salary
threshold in whole thousands. Alerts never widen: they match exactly what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from recruitbot.places import AREA_KINDS, Gazetteer, Place, normalise_place_text
from recruitbot.vacancies.keywords import search_terms, words
from recruitbot.vacancies.model import JOB_TYPES, SearchCriteria
from recruitbot.vacancies.search import NATIONWIDE
from recruitbot.vacancies.tags import salary_threshold

MAX_TEXT_LENGTH = 200
MAX_SALARY = 10_000_000


@dataclass(frozen=True)
class CriteriaProblem:
    """Why criteria were refused: ``field`` is keyword, location, job_type or min_salary."""

    field: str
    reason: str


@dataclass(frozen=True)
class AlertScope:
    """Criteria as matching sees them.

    ``place`` is the gazetteer's place; ``place_words`` a location it does not know, matched
    as those words in that order in the vacancy's location. Neither means anywhere.
    """

    terms: tuple[str, ...] = ()
    place: Place | None = None
    place_words: tuple[str, ...] = ()
    job_type: str | None = None
    min_salary: int | None = None

    @property
    def is_too_broad(self) -> bool:
        """True when nothing but a salary narrows the alert: it would send every vacancy."""
        return not (self.terms or self.place or self.place_words or self.job_type)

    @property
    def key(self) -> str:
        """The same text for every way of writing the same alert (the uniqueness key)."""
        if self.place is not None:
            where = f"{self.place.kind}:{self.place.name}:{self.place.county or ''}"
        elif self.place_words:
            where = "words:" + " ".join(self.place_words)
        else:
            where = "anywhere"
        salary = salary_threshold(self.min_salary) if self.min_salary else ""
        return f"terms:{' '.join(sorted(self.terms))}|place:{where}|type:{self.job_type or ''}|salary:{salary}"


def clean_criteria(criteria: SearchCriteria) -> SearchCriteria | CriteriaProblem:
    """``criteria`` with text trimmed and empty parts as None, or why they cannot be an alert."""
    keyword = (criteria.keyword or "").strip() or None
    location = (criteria.location or "").strip() or None
    for name, value in (("keyword", keyword), ("location", location)):
        if value is not None and len(value) > MAX_TEXT_LENGTH:
            return CriteriaProblem(name, f"longer than {MAX_TEXT_LENGTH} characters")
    job_type = criteria.job_type
    if job_type is not None and job_type not in JOB_TYPES:
        return CriteriaProblem("job_type", f"{job_type!r} is not one of {', '.join(JOB_TYPES)}")
    min_salary = criteria.min_salary
    if min_salary is not None and not 0 <= min_salary <= MAX_SALARY:
        return CriteriaProblem("min_salary", f"{min_salary} is not between 0 and {MAX_SALARY:,}")
    return SearchCriteria(keyword=keyword, location=location, job_type=job_type, min_salary=min_salary or None)


def alert_scope(criteria: SearchCriteria, gazetteer: Gazetteer) -> AlertScope:
    """How ``criteria`` (already cleaned) are matched, the location placed with ``gazetteer``."""
    location = criteria.location or ""
    place = gazetteer.resolve(location) if location else None
    anywhere = not location or normalise_place_text(location) in NATIONWIDE
    return AlertScope(
        terms=tuple(search_terms(criteria.keyword)),
        place=place,
        place_words=tuple(words(location)) if place is None and not anywhere else (),
        job_type=criteria.job_type,
        min_salary=criteria.min_salary,
    )


def place_key(place: Place) -> tuple[str, ...]:
    """The key a place is indexed by; :func:`vacancy_place_keys` gives a vacancy's keys.

    A county, region or nation contains the vacancies placed in it; a town or city contains
    those placed there, told apart from namesakes by its county when it has one.
    """
    if place.kind in AREA_KINDS:
        return (place.kind, place.name)
    return ("place", place.name, place.county or "*")


def vacancy_place_keys(
    place: str | None, county: str | None, region: str | None, nation: str | None
) -> list[tuple[str, ...]]:
    """Every :func:`place_key` whose place contains a vacancy with these gazetteer columns."""
    keys: list[tuple[str, ...]] = []
    if place:
        keys += [("place", place, county or ""), ("place", place, "*")]
    keys += [(kind, name) for kind, name in zip(AREA_KINDS, (county, region, nation), strict=True) if name]
    return keys
