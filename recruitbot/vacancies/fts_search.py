"""Searching on SQLite: everything inside the FTS5 index of live vacancies.

A search is one FTS5 query: the keyword words, the location words, and the facet tags (job
type, place, salary) that the importer stored (see :mod:`recruitbot.vacancies.tags`), so
counting is FTS5 walking its own postings. FTS5 rowids are newest first (``fts_key``).
A small result is read whole and ranked here, with a scratch index of its titles for the
title tiers; a large one is read tier by tier, newest first with a LIMIT, so that only the
rows shown are visited.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import product
from typing import Any

from sqlalchemy import bindparam, select, table, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, literal_column

from recruitbot.places import Place
from recruitbot.schema import VACANCY_FTS_TABLE, VACANCY_FTS_TOKENIZE, vacancies
from recruitbot.vacancies.keywords import TITLE_ONLY_TERMS, term_alternatives
from recruitbot.vacancies.model import Vacancy
from recruitbot.vacancies.scope import VACANCY_COLUMNS, Nearness, Scope, to_vacancy, words
from recruitbot.vacancies.tags import LIVE, closes_tag, job_type_tag, place_tag, salary_tag

# Results up to this size are read whole and ranked in Python.
SMALL_RESULT = 100

_ANYWHERE = "{title sector summary}"
_MATCHING = f"SELECT rowid FROM {VACANCY_FTS_TABLE} WHERE {VACANCY_FTS_TABLE} MATCH :query"
_SOME_KEYS = text(f"{_MATCHING} LIMIT :limit")  # in rowid order, which FTS5 reads fastest
_NEWEST_KEYS = text(f"{_MATCHING} ORDER BY rowid DESC LIMIT :limit OFFSET :offset")
_COUNT = text(f"SELECT count(*) FROM {VACANCY_FTS_TABLE} WHERE {VACANCY_FTS_TABLE} MATCH :query")
_FTS_KEY = literal_column("vacancies.fts_key")
# Built once: SQLAlchemy then only binds values, instead of building each query per search.
_KEYS = bindparam("keys", expanding=True)
_EXPIRED = (
    select(vacancies.c.closes).where(vacancies.c.live.is_(True), vacancies.c.closes < bindparam("today")).distinct()
)
_TAGS = select(_FTS_KEY, vacancies.c.tags).where(_FTS_KEY.in_(_KEYS))
_ROWS = select(*VACANCY_COLUMNS, _FTS_KEY.label("fts_key")).where(_FTS_KEY.in_(_KEYS))

# A small result is ranked in a scratch index of just its vacancies' titles and locations,
# tokenized as the catalogue's index is, so a condition matches there exactly the vacancies
# it matches in the catalogue. Asking the catalogue instead means searching it again, facet
# tags and all, for each tier. The scratch index is the connection's own (temp schema, in
# memory); the rollback that ends a search empties it.
_CANDIDATES = "vacancy_candidates"
_CREATE_CANDIDATES = text(
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_CANDIDATES} USING fts5("
    f"title, location, content='', tokenize='{VACANCY_FTS_TOKENIZE}')"
)
_CLEAR_CANDIDATES = text(f"INSERT INTO temp.{_CANDIDATES}({_CANDIDATES}) VALUES ('delete-all')")
_ADD_CANDIDATES = text(
    f"INSERT INTO temp.{_CANDIDATES}(rowid, title, location) "
    "SELECT fts_key, title, location FROM vacancies WHERE fts_key IN :keys"
).bindparams(_KEYS)
_MATCHING_CANDIDATES = text(f"SELECT rowid FROM temp.{_CANDIDATES} WHERE {_CANDIDATES} MATCH :query")


def _phrase(option: str, columns: str) -> str:
    # Quoted, so nothing a user types is read as FTS5 syntax (terms are letters and digits).
    if columns == _ANYWHERE and option in TITLE_ONLY_TERMS:
        columns = "{title sector}"
    return f'{columns} : "{option}"'


def _term(term: str, columns: str) -> str:
    return "(" + " OR ".join(_phrase(option, columns) for option in term_alternatives(term)) + ")"


def _terms(terms: Sequence[str], columns: str, every: bool) -> str:
    return (" AND " if every else " OR ").join(_term(term, columns) for term in terms)


def _location(place_text: str) -> str:
    return 'location : "' + " ".join(words(place_text)) + '"'


@dataclass(frozen=True)
class _Tier:
    """A slice of the results: those matching all of ``require`` and none of ``exclude``."""

    require: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def __add__(self, other: _Tier) -> _Tier:
        return _Tier(self.require + other.require, self.exclude + other.exclude)


def _text_tiers(terms: Sequence[str]) -> list[_Tier]:
    """Every word in the title, then some of them, then none."""
    if not terms:
        return [_Tier()]
    every, some = _terms(terms, "title", every=True), _terms(terms, "title", every=False)
    if len(terms) == 1:
        return [_Tier(require=(every,)), _Tier(exclude=(every,))]
    return [_Tier(require=(every,)), _Tier(require=(some,), exclude=(every,)), _Tier(exclude=(some,))]


def _place_levels(scope: Scope, nearness: Nearness) -> list[str]:
    """What each nearer-first tier requires: the asked place, then each area around it."""
    if nearness.text is not None and scope.place_text is None:
        return [_location(nearness.text)]
    return [place_tag(place) for place in nearness.ladder]


def _place_tiers(scope: Scope, nearness: Nearness) -> list[_Tier]:
    """The asked place, then each larger area around it, then the rest of the search's reach."""
    levels = _place_levels(scope, nearness)
    tiers = [_Tier(require=(level,), exclude=tuple(levels[:number][-1:])) for number, level in enumerate(levels)]
    if scope.place is None and scope.place_text is None and levels:
        tiers.append(_Tier(exclude=(levels[-1],)))
    return tiers or [_Tier()]


class FtsSession:
    """One search's queries on a SQLite connection."""

    def __init__(self, connection: Connection, today: date) -> None:
        """Search the live vacancies as of ``today`` through ``connection``."""
        self._connection = connection
        expired = connection.execute(_EXPIRED, {"today": today})
        # The importer unlists vacancies past their closing date; these closed since then.
        self._expired = tuple(closes_tag(closes) for (closes,) in expired)
        self._small: dict[str, list[int]] = {}
        # Scopes without their place, once counted in some place, and the tags of all their
        # matches (None when there are many): see ``_keys_in_place``.
        self._placed: set[Scope] = set()
        self._tags_anywhere: dict[Scope, dict[int, str] | None] = {}
        self._candidates: list[int] | None = None  # the keys in the scratch index

    def count(self, scope: Scope) -> int:
        """How many open vacancies ``scope`` matches."""
        query = self._query(scope)
        keys = self._keys_if_few(query) if scope.place is None else self._keys_in_place(scope, scope.place)
        if keys is not None:
            self._small[query] = keys
            return len(keys)
        return int(self._connection.execute(_COUNT, {"query": query}).scalar_one())

    def _keys_if_few(self, query: str) -> list[int] | None:
        """All the keys ``query`` matches when there are few of them, else None."""
        keys = self._connection.execute(_SOME_KEYS, {"query": query, "limit": SMALL_RESULT + 1}).scalars().all()
        return list(keys) if len(keys) <= SMALL_RESULT else None

    def _keys_in_place(self, scope: Scope, place: Place) -> list[int] | None:
        """Like ``_keys_if_few``; once a search widens its place, read anywhere's matches once.

        Widening asks for the county, then the region, then the nation: when the matches
        anywhere are few, their tags answer each of those without another query.
        """
        query, anywhere = self._query(scope), replace(scope, place=None)
        if anywhere not in self._placed:
            self._placed.add(anywhere)
            return self._keys_if_few(query)
        if anywhere not in self._tags_anywhere:
            keys = self._keys_if_few(self._query(anywhere))
            rows = self._connection.execute(_TAGS, {"keys": keys or []})
            self._tags_anywhere[anywhere] = None if keys is None else {key: _spaced(tags) for key, tags in rows}
        tagged = self._tags_anywhere[anywhere]
        if tagged is None:
            return self._keys_if_few(query)
        wanted = place_tag(place)
        return [key for key, tags in tagged.items() if _holds(tags, wanted)]

    def page(self, scope: Scope, nearness: Nearness, offset: int, limit: int) -> list[Vacancy]:
        """Matches for ``scope``: title hits first, then nearest, then newest."""
        keys = self._small.get(self._query(scope))
        if keys is None:
            keys = list(self._tiered_keys(scope, nearness, offset, limit))
        else:
            keys = self._ranked(keys, scope, nearness)[offset : offset + limit]
        rows = {row.fts_key: row for row in self._fetch(keys)}
        return [to_vacancy(rows[key]) for key in keys]

    def _ranked(self, keys: list[int], scope: Scope, nearness: Nearness) -> list[int]:
        """A small result's keys in rank order: title tier, then place tier, then newest."""
        if len(keys) < 2:
            return keys
        title_rank = dict.fromkeys(keys, 0)
        if scope.terms:
            # A vacancy with some of the words in its title goes up one, with all of them two.
            tiers = [_terms(scope.terms, "title", every=False)]
            if len(scope.terms) > 1:
                tiers.append(_terms(scope.terms, "title", every=True))
            for tier in tiers:
                for key in self._candidates_matching(keys, tier):
                    title_rank[key] -= 1
        place_rank = dict.fromkeys(keys, 0)
        levels = _place_levels(scope, nearness)
        if len(_place_tiers(scope, nearness)) > 1:
            if nearness.text is not None and scope.place_text is None:
                mentioned = self._candidates_matching(keys, levels[0])
                place_rank = {key: 0 if key in mentioned else 1 for key in keys}
            else:
                tags = {key: _spaced(held) for key, held in self._connection.execute(_TAGS, {"keys": keys})}
                place_rank = {key: _first_held(tags[key], levels) for key in keys}
        return sorted(keys, key=lambda key: (title_rank[key], place_rank[key], -key))

    def _tiered_keys(self, scope: Scope, nearness: Nearness, offset: int, limit: int) -> Iterator[int]:
        wanted, skip = limit, offset
        for text_tier, place_tier in product(_text_tiers(scope.terms), _place_tiers(scope, nearness)):
            query = self._query(scope, text_tier + place_tier)
            if skip:
                here = int(self._connection.execute(_COUNT, {"query": query}).scalar_one())
                if here <= skip:
                    skip -= here
                    continue
            found = self._keys(query, wanted, skip)
            yield from found
            skip, wanted = 0, wanted - len(found)
            if wanted <= 0:
                return

    def _query(self, scope: Scope, tier: _Tier | None = None) -> str:
        """The FTS5 query for ``scope`` within ``tier``, leaving out vacancies closed since."""
        tier = tier or _Tier()
        parts = [
            *([_terms(scope.terms, _ANYWHERE, every=True)] if scope.terms else []),
            *([_location(scope.place_text)] if scope.place_text else []),
            *([job_type_tag(scope.job_type)] if scope.job_type else []),
            *([place_tag(scope.place)] if scope.place else []),
            *([salary_tag(scope.min_salary)] if scope.min_salary is not None else []),
            *tier.require,
        ]
        query = " AND ".join(f"({part})" for part in parts or [LIVE])
        excluded = [*tier.exclude, *self._expired]
        return f"({query}) NOT ({' OR '.join(excluded)})" if excluded else query

    def _keys(self, query: str, limit: int, offset: int = 0) -> list[int]:
        params = {"query": query, "limit": limit, "offset": offset}
        return list(self._connection.execute(_NEWEST_KEYS, params).scalars())

    def _candidates_matching(self, keys: list[int], condition: str) -> set[int]:
        """Those of ``keys`` whose title or location matches ``condition``."""
        if self._candidates != keys:
            self._connection.execute(_CREATE_CANDIDATES)
            self._connection.execute(_CLEAR_CANDIDATES)
            self._connection.execute(_ADD_CANDIDATES, {"keys": keys})
            self._candidates = keys
        return set(self._connection.execute(_MATCHING_CANDIDATES, {"query": condition}).scalars())

    def _fetch(self, keys: list[int]) -> list[Any]:
        if not keys:
            return []
        return list(self._connection.execute(_ROWS, {"keys": keys}))


def _spaced(tags: str) -> str:
    """A vacancy's tags (one space between each) with a space each end, for ``_holds``."""
    return f" {tags} "


def _holds(spaced_tags: str, tag: str) -> bool:
    """Whether ``tag`` is one of the tags (a vacancy has dozens of salary tags: no set built)."""
    return f" {tag} " in spaced_tags


def _first_held(spaced_tags: str, levels: list[str]) -> int:
    """The nearer-first tier of a vacancy with these tags (see ``_place_tiers``)."""
    return next((number for number, level in enumerate(levels) if _holds(spaced_tags, level)), len(levels))


def merge_search_index(connection: Connection) -> None:
    """Merge the FTS5 index into one segment, as after an import.

    A search then reads one b-tree per word instead of one per batch written.
    """
    connection.execute(text(f"INSERT INTO {VACANCY_FTS_TABLE}({VACANCY_FTS_TABLE}) VALUES ('optimize')"))


class FtsMatcher:
    """Full-text conditions for SQL on SQLite (used where a search needs plain SQL)."""

    def anywhere(self, terms: Sequence[str], every: bool) -> ColumnElement[Any]:
        """Live vacancies holding every term (``every``), or any, in title, sector or summary."""
        return self._keys_matching(_terms(terms, _ANYWHERE, every))

    def in_title(self, terms: Sequence[str], every: bool) -> ColumnElement[Any]:
        """Vacancies whose title holds every term (``every``), or any of them."""
        return self._keys_matching(_terms(terms, "title", every))

    @staticmethod
    def _keys_matching(query: str) -> ColumnElement[Any]:
        matching = select(literal_column("rowid")).select_from(table(VACANCY_FTS_TABLE))
        return _FTS_KEY.in_(matching.where(literal_column(VACANCY_FTS_TABLE).match(query)))
