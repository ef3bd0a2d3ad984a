"""Searching on PostgreSQL: SQL filters on the place columns and the GIN-indexed tsvector."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from recruitbot.places import AREA_KINDS, Place
from recruitbot.schema import VACANCY_TS_CONFIG, vacancies
from recruitbot.vacancies.keywords import TITLE_ONLY_TERMS, term_alternatives
from recruitbot.vacancies.model import Vacancy
from recruitbot.vacancies.scope import VACANCY_COLUMNS, Nearness, Scope, open_on, to_vacancy
from recruitbot.vacancies.tags import salary_threshold

_VECTOR = literal_column("vacancies.search_vector")
_CONFIG = literal_column(f"'{VACANCY_TS_CONFIG}'::regconfig")


def within(place: Place) -> ColumnElement[Any]:
    """Vacancies in ``place`` (a town is told apart from its namesakes by its county)."""
    if place.kind in AREA_KINDS:
        return vacancies.c[place.kind] == place.name
    if place.county:
        return and_(vacancies.c.place == place.name, vacancies.c.county == place.county)
    return vacancies.c.place == place.name


def nearness_rank(ladder: Sequence[Place]) -> ColumnElement[Any]:
    """0 for vacancies in the first place of ``ladder``, 1 in the next, ... then the rest."""
    return case(*((within(place), rank) for rank, place in enumerate(ladder)), else_=len(ladder))


def _tsquery(terms: Sequence[str], every: bool, restrict: bool) -> ColumnElement[Any]:
    """A tsquery for ``terms`` and what they abbreviate; ``restrict`` keeps "it" to titles."""
    groups = []
    for term in terms:
        options = []
        for option in term_alternatives(term):
            weights = ":AB" if restrict and option in TITLE_ONLY_TERMS else ""  # title and sector
            options.append(" <-> ".join(f"{word}{weights}" for word in option.split()))
        groups.append("(" + " | ".join(options) + ")")
    return func.to_tsquery(_CONFIG, (" & " if every else " | ").join(groups))


def _location_mentions(place_text: str) -> ColumnElement[Any]:
    located = func.to_tsvector(_CONFIG, vacancies.c.location)
    return located.op("@@")(func.phraseto_tsquery(_CONFIG, place_text))


class TsMatcher:
    """Full-text conditions on the tsvector: title is weight A, sector B, summary D."""

    def anywhere(self, terms: Sequence[str], every: bool) -> ColumnElement[Any]:
        """Vacancies holding every term (``every``), or any, in title, sector or summary."""
        return _VECTOR.op("@@")(_tsquery(terms, every, restrict=True))

    def in_title(self, terms: Sequence[str], every: bool) -> ColumnElement[Any]:
        """Vacancies whose title holds every term (``every``), or any of them."""
        titles = func.ts_filter(_VECTOR, literal_column("'{a}'"))
        return titles.op("@@")(_tsquery(terms, every, restrict=False))


class SqlSession:
    """One search's queries on a PostgreSQL connection."""

    def __init__(self, connection: Connection, today: date) -> None:
        """Search the vacancies open on ``today`` through ``connection``."""
        self._connection = connection
        self._today = today
        self._text = TsMatcher()

    def count(self, scope: Scope) -> int:
        """How many open vacancies ``scope`` matches."""
        query = select(func.count()).select_from(vacancies).where(*self._conditions(scope))
        return int(self._connection.execute(query).scalar_one())

    def page(self, scope: Scope, nearness: Nearness, offset: int, limit: int) -> list[Vacancy]:
        """Matches for ``scope``: title hits first, then nearest, then newest."""
        order: list[Any] = []
        if scope.terms:
            tiers = [(self._text.in_title(scope.terms, every=True), 0)]
            if len(scope.terms) > 1:
                tiers.append((self._text.in_title(scope.terms, every=False), 1))
            order.append(case(*tiers, else_=2))
        if nearness.ladder:
            order.append(nearness_rank(nearness.ladder))
        elif nearness.text is not None:
            order.append(case((_location_mentions(nearness.text), 0), else_=1))
        order += [vacancies.c.posted.desc(), vacancies.c.pk.desc()]
        query = select(*VACANCY_COLUMNS).where(*self._conditions(scope)).order_by(*order)
        return [to_vacancy(row) for row in self._connection.execute(query.offset(offset).limit(limit))]

    def _conditions(self, scope: Scope) -> list[ColumnElement[Any]]:
        conditions = open_on(self._today)
        if scope.terms:
            conditions.append(self._text.anywhere(scope.terms, every=True))
        if scope.place is not None:
            conditions.append(within(scope.place))
        if scope.place_text is not None:
            conditions.append(_location_mentions(scope.place_text))
        if scope.job_type is not None:
            conditions.append(vacancies.c.job_type == scope.job_type)
        if scope.min_salary is not None:
            top = func.coalesce(vacancies.c.salary_max, vacancies.c.salary_min)
            conditions.append(top >= salary_threshold(scope.min_salary) * 1000)
        return conditions
