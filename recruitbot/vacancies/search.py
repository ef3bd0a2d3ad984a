"""Searching the catalogue: criteria, widening when nothing matches, and "more like this".

The database-specific work sits behind :class:`~recruitbot.vacancies.scope.SearchSession`:
FTS5 on SQLite (:mod:`recruitbot.vacancies.fts_search`), SQL and tsvector on PostgreSQL
(:mod:`recruitbot.vacancies.sql_search`). Both rank and count the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import case, or_, select
from sqlalchemy.engine import Connection, Engine, Row

from recruitbot.places import AREA_KINDS, Gazetteer, Place, normalise_place_text
from recruitbot.schema import vacancies
from recruitbot.vacancies.fts_search import FtsMatcher, FtsSession
from recruitbot.vacancies.keywords import field_terms, loosened_keywords, related_keyword, search_terms
from recruitbot.vacancies.model import (
    ANY,
    ANYWHERE,
    JOB_TYPES,
    SearchCriteria,
    SearchResult,
    Vacancy,
    Widening,
)
from recruitbot.vacancies.scope import (
    VACANCY_COLUMNS,
    Nearness,
    Scope,
    SearchSession,
    TextMatcher,
    open_on,
    to_vacancy,
)
from recruitbot.vacancies.sql_search import SqlSession, TsMatcher, nearness_rank

# What people say when they mean no particular place.
NATIONWIDE = frozenset(
    {"uk", "the uk", "united kingdom", "anywhere", "anywhere in the uk", "nationwide", "great britain", "gb"}
)

_BACKENDS: dict[str, tuple[Callable[[Connection, date], SearchSession], TextMatcher]] = {
    "sqlite": (FtsSession, FtsMatcher()),
    "postgresql": (SqlSession, TsMatcher()),
}


class Catalogue:
    """The open vacancies, searchable by keyword, place, job type and salary."""

    def __init__(self, engine: Engine, gazetteer: Gazetteer) -> None:
        """Search the vacancies in ``engine``'s database, placing locations with ``gazetteer``.

        Raises:
            ValueError: the database is neither SQLite nor PostgreSQL.
        """
        if engine.dialect.name not in _BACKENDS:
            raise ValueError(f"no vacancy search for the {engine.dialect.name} database")
        self._engine = engine
        self._gazetteer = gazetteer
        self._session, self._text = _BACKENDS[engine.dialect.name]

    def search(
        self, criteria: SearchCriteria, offset: int = 0, limit: int = 3, today: date | None = None
    ) -> SearchResult:
        """One page of open vacancies matching ``criteria``, widened step by step if none match.

        Widening goes location (town -> county -> region -> nation -> anywhere), then keyword
        (fewer words, else a related field), then job type, then minimum salary; each step
        keeps the ones before and is listed in ``widened``. When nothing matches even at the
        widest, the result is empty, with the criteria as asked and nothing in ``widened``.
        A minimum salary is matched in whole thousands, against the top of a salary range.
        ``today`` is for tests: on SQLite a vacancy past its closing date at the last import
        stays out of searches even for an earlier day.

        Raises:
            ValueError: ``job_type`` is not temp, perm or contract.
        """
        if criteria.job_type is not None and criteria.job_type not in JOB_TYPES:
            raise ValueError(f"job_type must be one of {', '.join(JOB_TYPES)}, not {criteria.job_type!r}")
        asked = self._scope(criteria)
        with self._engine.connect() as connection:
            session = self._session(connection, today or date.today())
            for effective, scope, widened in self._candidates(criteria, asked):
                total = session.count(scope)
                if total:
                    found = session.page(scope, self._nearness(asked, scope), offset, limit)
                    return SearchResult(found, total, effective, widened, offset)
        return SearchResult([], 0, criteria, [], offset)

    def get(self, vacancy_id: str, today: date | None = None) -> Vacancy | None:
        """The open vacancy with this id; None when there is none or it has closed."""
        query = select(*VACANCY_COLUMNS).where(vacancies.c.id == vacancy_id, *open_on(today or date.today()))
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        return to_vacancy(row) if row is not None else None

    def count_open(self, today: date | None = None) -> int:
        """How many vacancies are open today."""
        with self._engine.connect() as connection:
            return self._session(connection, today or date.today()).count(Scope())

    def similar(self, vacancy_id: str, limit: int = 3, today: date | None = None) -> list[Vacancy]:
        """Open vacancies like this one: sharing title words or sector, nearest and newest first."""
        with self._engine.connect() as connection:
            row = connection.execute(select(vacancies).where(vacancies.c.id == vacancy_id)).first()
            if row is None:
                return []
            terms = field_terms(row.title)
            alike = [self._text.anywhere(terms, every=False)] if terms else []
            order: list[Any] = [case((self._text.in_title(terms, every=False), 0), else_=1)] if terms else []
            if row.sector:
                alike.append(vacancies.c.sector == row.sector)
                order.append(case((vacancies.c.sector == row.sector, 0), else_=1))
            if not alike:
                return []
            if row.place:
                order.append(nearness_rank(_stored_ladder(row)))
            query = (
                select(*VACANCY_COLUMNS)
                .where(vacancies.c.pk != row.pk, or_(*alike), *open_on(today or date.today()))
                .order_by(*order, vacancies.c.posted.desc(), vacancies.c.pk.desc())
                .limit(limit)
            )
            return [to_vacancy(found) for found in connection.execute(query)]

    def _scope(self, criteria: SearchCriteria) -> Scope:
        location = (criteria.location or "").strip()
        place = self._gazetteer.resolve(location) if location else None
        unknown = location if location and place is None and not _means_anywhere(location) else None
        return Scope(
            terms=tuple(search_terms(criteria.keyword)),
            place=place,
            place_text=unknown,
            job_type=criteria.job_type,
            min_salary=criteria.min_salary,
        )

    def _nearness(self, asked: Scope, scope: Scope) -> Nearness:
        """The asked place and the areas around it, out to as far as ``scope`` reaches."""
        if asked.place is None:
            return Nearness(text=asked.place_text)
        ladder = [asked.place]
        for area in self._gazetteer.widening_steps(asked.place):
            if ladder[-1] == scope.place:
                break
            ladder.append(area)
        return Nearness(ladder=tuple(ladder))

    def _candidates(
        self, criteria: SearchCriteria, scope: Scope
    ) -> Iterator[tuple[SearchCriteria, Scope, list[Widening]]]:
        """The criteria as asked, then ever wider ones, each with the steps that lead to it.

        Each step keeps the ones before. The one exception is the related keyword
        ("bookkeeper" -> "accounts"): it is not wider, only next door, so when it finds
        nothing the later steps go on from the loosened keyword instead.
        """
        path: list[Widening] = []
        yield criteria, scope, path
        if scope.place is not None or scope.place_text is not None:
            here = scope.place.name if scope.place is not None else str(criteria.location)
            for area in self._gazetteer.widening_steps(scope.place) if scope.place is not None else []:
                path = [*path, Widening("location", here, area.name)]
                criteria, scope = replace(criteria, location=area.name), replace(scope, place=area)
                yield criteria, scope, path
                here = area.name
            path = [*path, Widening("location", here, ANYWHERE)]
            criteria, scope = replace(criteria, location=None), replace(scope, place=None, place_text=None)
            yield criteria, scope, path
        asked_keyword = criteria.keyword
        if scope.terms and asked_keyword:
            words = " ".join(scope.terms)
            for looser in loosened_keywords(asked_keyword):
                path = [*path, Widening("keyword", words, looser)]
                criteria = replace(criteria, keyword=looser)
                scope = replace(scope, terms=tuple(search_terms(looser)))
                yield criteria, scope, path
                words = looser
            related = related_keyword(asked_keyword)
            if related is not None:
                yield (
                    replace(criteria, keyword=related),
                    replace(scope, terms=tuple(search_terms(related))),
                    [*path, Widening("keyword", words, related)],
                )
        if criteria.job_type is not None:
            path = [*path, Widening("job_type", criteria.job_type, ANY)]
            criteria, scope = replace(criteria, job_type=None), replace(scope, job_type=None)
            yield criteria, scope, path
        if criteria.min_salary is not None:
            path = [*path, Widening("salary", str(criteria.min_salary), ANY)]
            criteria, scope = replace(criteria, min_salary=None), replace(scope, min_salary=None)
            yield criteria, scope, path


def _stored_ladder(row: Row) -> list[Place]:
    """A stored vacancy's place and the areas around it, from its own columns."""
    areas = [(kind, getattr(row, kind)) for kind in AREA_KINDS if getattr(row, kind)]
    return [
        Place(row.place, "town", row.county, row.region, row.nation),
        *(Place(name, kind, row.county, row.region, row.nation) for kind, name in areas),
    ]


def _means_anywhere(location: str) -> bool:
    return normalise_place_text(location) in NATIONWIDE
