"""SQLite ranks a small result in Python and reads a large one tier by tier: same order."""

from __future__ import annotations

from datetime import timedelta
from itertools import cycle
from pathlib import Path

import pytest

from recruitbot.db import make_engine
from recruitbot.places import Gazetteer
from recruitbot.vacancies import fts_search
from recruitbot.vacancies.model import SearchCriteria
from recruitbot.vacancies.search import Catalogue
from tests.vacancies.builders import TODAY, record, sync

TITLES = ("Payroll Clerk", "Payroll Manager", "Office Clerk", "Accounts Assistant", "Receptionist")
SUMMARIES = ("Payroll and clerk duties.", "Friendly team.", "Accounts, payroll and filing.")
PLACES = ("Leeds", "Bradford", "York", "Harrogate", "Manchester", "Glasgow", "Remote")
TYPES = ("temp", "perm", "contract")


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory, gazetteer: Gazetteer) -> Catalogue:
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('fts')) / 'catalogue.db'}")
    records = [
        record(
            f"V{number:03}",
            title=title,
            summary=summary,
            location=place,
            job_type=job_type,
            salary=f"£{20 + number % 15},000",
            posted=(TODAY - timedelta(days=number % 17)).isoformat(),
        )
        for number, title, summary, place, job_type in zip(
            range(120), cycle(TITLES), cycle(SUMMARIES), cycle(PLACES), cycle(TYPES[:2] * 3 + TYPES[2:])
        )
    ]
    sync(engine, gazetteer, records)
    return Catalogue(engine, gazetteer)


def every_page(catalogue: Catalogue, criteria: SearchCriteria) -> tuple[list[str], int]:
    ids: list[str] = []
    for offset in range(0, 150, 7):
        result = catalogue.search(criteria, offset=offset, limit=7, today=TODAY)
        ids += [vacancy.id for vacancy in result.vacancies]
    return ids, result.total


@pytest.mark.parametrize(
    "criteria",
    [
        SearchCriteria(keyword="payroll clerk"),
        SearchCriteria(keyword="payroll clerk", location="Wakefield"),
        SearchCriteria(keyword="payroll", location="Harrogate", job_type="perm"),
        SearchCriteria(keyword="bookkeeper", location="Leeds"),
        SearchCriteria(location="Leeds", min_salary=30000),
        SearchCriteria(location="remote"),
        SearchCriteria(keyword="clerk", location="Atlantis"),
        SearchCriteria(job_type="contract"),
        SearchCriteria(),
    ],
)
def test_both_ways_of_reading_give_the_same_pages(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch, criteria: SearchCriteria
) -> None:
    whole, whole_total = every_page(catalogue, criteria)
    monkeypatch.setattr(fts_search, "SMALL_RESULT", 0)
    tiered, tiered_total = every_page(catalogue, criteria)
    assert whole_total == tiered_total == len(whole) > 0
    assert tiered == whole
    assert len(set(whole)) == len(whole)
