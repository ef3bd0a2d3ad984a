"""Which active alerts a batch of new vacancies matches, without a query per alert.

The alerts are indexed in memory once per dispatch: by the place they ask for (the key every
vacancy in that place, county, region or nation carries), then by one of their keyword terms.
A batch asks the database one full-text question per distinct term among the alerts ("which
of these vacancies hold it?", the catalogue's own full-text condition), so the work grows with
the vocabulary of the alerts, not with their number. Each vacancy then looks up only the
alerts under its own places and terms, and checks the rest of their criteria.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import exists, select
from sqlalchemy.engine import Connection

from recruitbot.alerts.clock import as_utc
from recruitbot.alerts.criteria import alert_scope, place_key, vacancy_place_keys
from recruitbot.alerts.model import Status
from recruitbot.alerts.sql import insert_ignoring
from recruitbot.places import Gazetteer
from recruitbot.schema import alert_scanned_vacancies, alert_subscriptions, vacancies
from recruitbot.vacancies.fts_search import FtsMatcher
from recruitbot.vacancies.keywords import words
from recruitbot.vacancies.model import SearchCriteria
from recruitbot.vacancies.scope import TextMatcher, open_on
from recruitbot.vacancies.sql_search import TsMatcher
from recruitbot.vacancies.tags import salary_threshold

_TEXT_MATCHERS: dict[str, TextMatcher] = {"sqlite": FtsMatcher(), "postgresql": TsMatcher()}
_ANYWHERE = ("anywhere",)
_NO_TERM = ""


@dataclass(frozen=True)
class NewVacancy:
    """What matching needs to know of a vacancy."""

    pk: int
    location: str
    job_type: str
    top_salary: int | None
    place: str | None
    county: str | None
    region: str | None
    nation: str | None
    first_seen_at: datetime


# A vacancy for a person, through one of their alerts: (person id, vacancy pk, alert id).
# Plain tuples: a dispatch may make a hundred thousand of them.
Match = tuple[int, int, int]

# An alert as the index keeps it, what is left to check once its place and anchor term match:
# (alert id, person id, its other terms, lowest top of the salary range, when confirmed).
_Entry = tuple[int, int, frozenset[str], int | None, datetime]

# Entries by anchor term ("" for alerts without a keyword), then by job type (None for any).
_Bucket = dict[str, dict[str | None, list[_Entry]]]


def _bucket() -> _Bucket:
    return defaultdict(lambda: defaultdict(list))


class _KeywordScope(NamedTuple):
    """An alert keyword's terms: the anchor it is indexed under, and the others still to check."""

    terms: tuple[str, ...]
    anchor: str
    others: frozenset[str]

    @classmethod
    def of(cls, keyword: str | None, gazetteer: Gazetteer) -> _KeywordScope:
        terms = alert_scope(SearchCriteria(keyword=keyword), gazetteer).terms
        # Any one term will do as the anchor: the alert is looked at only if the vacancy holds it.
        anchor = max(terms, key=len, default=_NO_TERM)
        return cls(terms, anchor, frozenset(terms) - {anchor})


def _place_bucket(
    location: str | None,
    gazetteer: Gazetteer,
    by_place: dict[tuple[str, ...], _Bucket],
    by_words: dict[tuple[str, ...], _Bucket],
) -> _Bucket:
    """The bucket for alerts asking for ``location``."""
    scope = alert_scope(SearchCriteria(location=location), gazetteer)
    if scope.place_words:
        return by_words[scope.place_words]
    return by_place[place_key(scope.place) if scope.place else _ANYWHERE]


class AlertIndex:
    """The active alerts, indexed for matching (a snapshot: build one per dispatch)."""

    def __init__(
        self,
        by_place: dict[tuple[str, ...], _Bucket],
        by_words: dict[tuple[str, ...], _Bucket],
        terms: frozenset[str],
        earliest_confirmation: datetime | None,
    ) -> None:
        """Index built by :meth:`load`: alerts by place key, and by the words of a place the gazetteer lacks."""
        self._by_place = by_place
        self._by_words = by_words
        self.terms = terms
        self.earliest_confirmation = earliest_confirmation

    @classmethod
    def load(cls, connection: Connection, gazetteer: Gazetteer) -> AlertIndex:
        """Index the active alerts in ``connection``'s database."""
        s = alert_subscriptions.c
        rows = connection.execute(
            select(s.id, s.person_id, s.keyword, s.location, s.job_type, s.min_salary, s.confirmed_at).where(
                s.status == Status.ACTIVE.value
            )
        )
        by_place: dict[tuple[str, ...], _Bucket] = defaultdict(_bucket)
        by_words: dict[tuple[str, ...], _Bucket] = defaultdict(_bucket)
        # Alerts repeat their keywords and places: each is read once.
        keywords: dict[str | None, _KeywordScope] = {}
        locations: dict[str | None, _Bucket] = {}
        earliest: datetime | None = None
        for subscription_id, person_id, keyword, location, job_type, min_salary, confirmed_at in rows:
            scope = keywords.get(keyword)
            if scope is None:
                scope = keywords[keyword] = _KeywordScope.of(keyword, gazetteer)
            bucket = locations.get(location)
            if bucket is None:
                bucket = locations[location] = _place_bucket(location, gazetteer, by_place, by_words)
            confirmed = as_utc(confirmed_at)
            min_top = salary_threshold(min_salary) * 1000 if min_salary else None
            bucket[scope.anchor][job_type].append((subscription_id, person_id, scope.others, min_top, confirmed))
            if earliest is None or confirmed < earliest:
                earliest = confirmed
        all_terms = {term for scope in keywords.values() for term in scope.terms}
        return cls(by_place, by_words, frozenset(all_terms), earliest)

    def match(self, connection: Connection, batch: Sequence[NewVacancy]) -> list[Match]:
        """Each person's vacancies in ``batch``, through their lowest-numbered matching alert."""
        candidates = [vacancy for vacancy in batch if self._may_match(vacancy)]
        if not candidates:
            return []
        hits = self._term_hits(connection, candidates)
        chosen: dict[tuple[int, int], int] = {}
        # The hot loop of a dispatch: plain tuples and local names, no calls per alert.
        for vacancy in candidates:
            vacancy_terms: set[str] = hits.get(vacancy.pk, set())
            anchors = (_NO_TERM, *vacancy_terms)
            top, seen = vacancy.top_salary, vacancy.first_seen_at
            for bucket in self._buckets_for(vacancy):
                for anchor in anchors:
                    by_type = bucket.get(anchor)
                    if not by_type:
                        continue
                    for entries in (by_type.get(None), by_type.get(vacancy.job_type)):
                        for subscription_id, person_id, other_terms, min_top, confirmed in entries or ():
                            if (
                                (min_top is None or (top is not None and top >= min_top))
                                and confirmed <= seen
                                and other_terms <= vacancy_terms
                            ):
                                key = (person_id, vacancy.pk)
                                if subscription_id < chosen.get(key, subscription_id + 1):
                                    chosen[key] = subscription_id
        return [(person, pk, subscription) for (person, pk), subscription in chosen.items()]

    def _may_match(self, vacancy: NewVacancy) -> bool:
        # A vacancy first seen before every alert was confirmed is news to none of them.
        return self.earliest_confirmation is not None and vacancy.first_seen_at >= self.earliest_confirmation

    def _buckets_for(self, vacancy: NewVacancy) -> list[_Bucket]:
        """The alerts whose place contains the vacancy's."""
        keys = [_ANYWHERE, *vacancy_place_keys(vacancy.place, vacancy.county, vacancy.region, vacancy.nation)]
        buckets = [bucket for key in keys if (bucket := self._by_place.get(key))]
        if self._by_words:
            location_words = words(vacancy.location)
            buckets += [bucket for phrase, bucket in self._by_words.items() if _holds_phrase(location_words, phrase)]
        return buckets

    def _term_hits(self, connection: Connection, batch: Sequence[NewVacancy]) -> dict[int, set[str]]:
        """For each vacancy in ``batch``, the alerts' terms it holds (the catalogue's full-text match)."""
        text = _TEXT_MATCHERS[connection.dialect.name]
        wanted = {vacancy.pk for vacancy in batch}
        # A pk range keeps the plan "walk the batch, probe the term's matches" on both databases.
        low, high = min(wanted), max(wanted)
        hits: dict[int, set[str]] = defaultdict(set)
        for term in sorted(self.terms):
            query = select(vacancies.c.pk).where(vacancies.c.pk.between(low, high), text.anywhere([term], every=True))
            for (pk,) in connection.execute(query):
                if pk in wanted:
                    hits[pk].add(term)
        return hits


def _holds_phrase(haystack: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(haystack[start : start + size]) == phrase for start in range(len(haystack) - size + 1))



def unscanned_vacancies(connection: Connection, today: date, limit: int, seen_by: datetime) -> list[NewVacancy]:
    """Up to ``limit`` open vacancies first seen by ``seen_by`` that no dispatch has matched yet.

    Later ones wait for the next dispatch: an alert confirmed after this dispatch indexed the
    alerts may want them.
    """
    scanned = select(alert_scanned_vacancies.c.vacancy_pk).where(alert_scanned_vacancies.c.vacancy_pk == vacancies.c.pk)
    v = vacancies.c
    query = (
        select(v.pk, v.location, v.job_type, v.salary_min, v.salary_max, v.place, v.county, v.region, v.nation,
               v.first_seen_at)
        .where(*open_on(today), v.first_seen_at <= seen_by, ~exists(scanned))
        .order_by(v.pk)
        .limit(limit)
    )
    return [
        NewVacancy(
            pk=row.pk,
            location=row.location,
            job_type=row.job_type,
            top_salary=row.salary_max if row.salary_max is not None else row.salary_min,
            place=row.place,
            county=row.county,
            region=row.region,
            nation=row.nation,
            first_seen_at=as_utc(row.first_seen_at),
        )
        for row in connection.execute(query)
    ]


def mark_scanned(connection: Connection, pks: Sequence[int], now: datetime) -> None:
    """Record that these vacancies have been matched (a concurrent dispatch may have done it too)."""
    if pks:
        statement = insert_ignoring(connection, alert_scanned_vacancies, ["vacancy_pk"])
        connection.execute(statement, [{"vacancy_pk": pk, "scanned_at": now} for pk in pks])
