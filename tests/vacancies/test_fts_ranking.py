"""SQLite search: how a small result is ranked, and the connection settings searches rely on.

A small result is ranked by which of its vacancies hold the keyword in their title, or the
asked place in their location text. These pin down that ranking for the words full-text
search treats specially (phrases, stems, accents, "IT"), that searches on one pooled
connection do not see each other's work, and that a search never holds up an import.
"""

from __future__ import annotations

from itertools import cycle
from pathlib import Path

import pytest

from recruitbot.db import SQLITE_MMAP_BYTES, make_engine
from recruitbot.places import Gazetteer
from recruitbot.vacancies import fts_search
from recruitbot.vacancies.fts_search import FtsSession
from recruitbot.vacancies.model import SearchCriteria
from recruitbot.vacancies.scope import Nearness, Scope
from recruitbot.vacancies.search import Catalogue
from tests.vacancies.builders import TODAY, record, sync

TITLES = (
    "Human Resources Officer",
    "HR Manager",
    "Café Manager",
    "Cafe Assistant",
    "IT Support Analyst",
    "Accountant",
    "Accounts Assistant",
    "Personal Assistant to the Director",
    "Receptionist",
)
SUMMARIES = (
    "Join our human resources team.",
    "It is a friendly office.",
    "Support the accounts and HR teams.",
    "A personal, assistant-led service.",
    "Free lunch in the café.",
)
LOCATIONS = ("Leeds", "Leeds, West Yorkshire", "Remote", "Remote - Leeds office", "Bradford", "Glasgow")


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory, gazetteer: Gazetteer) -> Catalogue:
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('ranking')) / 'catalogue.db'}")
    records = [
        record(f"R{number:02}", title=title, summary=summary, location=location, posted=f"2024-05-{1 + number % 28:02}")
        for number, title, summary, location in zip(range(54), cycle(TITLES), cycle(SUMMARIES), cycle(LOCATIONS))
    ]
    sync(engine, gazetteer, records)
    return Catalogue(engine, gazetteer)


SEARCHES = [
    SearchCriteria(keyword="hr"),
    SearchCriteria(keyword="human resources manager"),
    SearchCriteria(keyword="cafe manager"),
    SearchCriteria(keyword="cafe"),
    SearchCriteria(keyword="it"),
    SearchCriteria(keyword="accounts assistant"),
    SearchCriteria(keyword="pa", location="Leeds"),
    SearchCriteria(keyword="assistant", location="remote"),
    SearchCriteria(keyword="manager", location="Atlantis"),
    SearchCriteria(keyword="payroll manager", location="remote"),
]


def pages(catalogue: Catalogue, criteria: SearchCriteria) -> list[str]:
    return [
        vacancy.id
        for offset in range(0, 60, 4)
        for vacancy in catalogue.search(criteria, offset=offset, limit=4, today=TODAY).vacancies
    ]


@pytest.mark.parametrize("criteria", SEARCHES, ids=str)
def test_a_small_result_ranks_as_a_large_one_reads(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch, criteria: SearchCriteria
) -> None:
    ranked = pages(catalogue, criteria)
    monkeypatch.setattr(fts_search, "SMALL_RESULT", 0)
    assert pages(catalogue, criteria) == ranked
    assert len(ranked) == len(set(ranked)) > 1


def test_title_hits_count_phrases_stems_and_accents(catalogue: Catalogue) -> None:
    def titles(criteria: SearchCriteria) -> list[str]:
        return [vacancy.title for vacancy in catalogue.search(criteria, limit=60, today=TODAY).vacancies]

    hr = titles(SearchCriteria(keyword="hr"))
    assert set(hr[:12]) == {"Human Resources Officer", "HR Manager"}
    assert len(hr) > 12
    assert not set(hr[12:]) & {"Human Resources Officer", "HR Manager"}
    cafe = titles(SearchCriteria(keyword="cafe"))
    assert set(cafe[:12]) == {"Café Manager", "Cafe Assistant"}
    assert len(cafe) > 12
    assert not set(cafe[12:]) & {"Café Manager", "Cafe Assistant"}
    assert set(titles(SearchCriteria(keyword="it"))) == {"IT Support Analyst"}


def test_after_widening_from_an_unknown_place_those_mentioning_it_come_first(catalogue: Catalogue) -> None:
    result = catalogue.search(SearchCriteria(keyword="payroll manager", location="remote"), limit=60, today=TODAY)
    assert result.criteria == SearchCriteria(keyword="accounts")
    in_title = [vacancy for vacancy in result.vacancies if vacancy.title.startswith("Account")]
    assert result.vacancies[: len(in_title)] == in_title
    for tier in (in_title, result.vacancies[len(in_title) :]):
        remote = ["Remote" in vacancy.location for vacancy in tier]
        assert remote == sorted(remote, reverse=True)
        assert True in remote
        assert False in remote


def test_searches_on_one_connection_do_not_see_each_others_results(catalogue: Catalogue) -> None:
    alone = {criteria: pages(catalogue, criteria) for criteria in SEARCHES}
    # The pool hands the same connection to each search in turn.
    for criteria in [*SEARCHES, *reversed(SEARCHES)]:
        assert pages(catalogue, criteria) == alone[criteria]


def test_an_import_commits_while_a_search_is_under_way(tmp_path: Path, gazetteer: Gazetteer) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'catalogue.db'}")
    try:
        sync(engine, gazetteer, [record(f"OLD{number}", title="Payroll Clerk") for number in range(5)])
        scope = Scope(terms=("payroll", "clerk"))
        with engine.connect() as reading:
            session = FtsSession(reading, TODAY)
            assert session.count(scope) == 5
            assert len(session.page(scope, Nearness(), 0, 3)) == 3
            report = sync(engine, gazetteer, [record("NEW", title="Payroll Clerk")], partial=True)
            assert report.created == 1
        result = Catalogue(engine, gazetteer).search(SearchCriteria(keyword="payroll clerk"), today=TODAY)
        assert result.total == 6
    finally:
        engine.dispose()


def test_sqlite_connections_map_the_file_and_keep_temporary_data_in_memory(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'tuned.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA mmap_size").scalar_one() == SQLITE_MMAP_BYTES
            assert connection.exec_driver_sql("PRAGMA temp_store").scalar_one() == 2  # MEMORY
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    finally:
        engine.dispose()
