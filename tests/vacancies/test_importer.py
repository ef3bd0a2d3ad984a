from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from recruitbot.places import Gazetteer
from recruitbot.schema import vacancies
from recruitbot.vacancies.feeds import FeedError, parse_feed
from recruitbot.vacancies.importer import EmptyFeedError, import_feed, sync_feed
from recruitbot.vacancies.model import SearchCriteria
from recruitbot.vacancies.search import Catalogue
from tests.vacancies.builders import IMPORT_TIME, TODAY, posting, record, sync
from tests.vacancies.conftest import FeedServer


def stored(engine: Engine) -> dict[str, dict[str, Any]]:
    """Every stored vacancy row, by id (closed ones too)."""
    with engine.connect() as connection:
        rows = connection.execute(select(vacancies).order_by(vacancies.c.id)).mappings()
        return {row["id"]: dict(row) for row in rows}


def open_ids(catalogue: Catalogue) -> list[str]:
    result = catalogue.search(SearchCriteria(), limit=100, today=TODAY)
    return sorted(vacancy.id for vacancy in result.vacancies)


def counts(report: Any) -> tuple[int, int, int, int, int, int]:
    return (report.created, report.updated, report.reopened, report.unchanged, report.closed, report.skipped)


def test_an_import_stores_each_vacancy_with_where_it_is(engine: Engine, gazetteer: Gazetteer) -> None:
    report = sync(engine, gazetteer, [record("V1", location="Leeds"), record("V2", location="Atlantis")])
    assert counts(report) == (2, 0, 0, 0, 0, 0)
    rows = stored(engine)
    assert (rows["V1"]["place"], rows["V1"]["county"], rows["V1"]["region"], rows["V1"]["nation"]) == (
        "Leeds",
        "West Yorkshire",
        "Yorkshire and the Humber",
        "England",
    )
    assert (rows["V2"]["place"], rows["V2"]["county"]) == (None, None)
    assert rows["V1"]["salary_min"] == 24000
    assert rows["V1"]["closed_at"] is None


def test_importing_the_same_feed_twice_changes_nothing(engine: Engine, gazetteer: Gazetteer) -> None:
    feed = [record("V1"), record("V2", job_type="temp"), record("V3", title="bad", url="nope")]
    sync(engine, gazetteer, feed)
    before = stored(engine)
    report = sync(engine, gazetteer, feed)
    assert counts(report) == (0, 0, 0, 2, 0, 1)
    assert not report.changed
    assert stored(engine) == before


def test_a_changed_record_is_updated_and_searchable_by_its_new_words(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(engine, gazetteer, [record("V1", title="Receptionist"), record("V2")])
    first_seen = stored(engine)["V1"]["first_seen_at"]
    report = sync(engine, gazetteer, [record("V1", title="Payroll Clerk", location="York"), record("V2")])
    assert counts(report) == (0, 1, 0, 1, 0, 0)
    row = stored(engine)["V1"]
    assert (row["title"], row["place"], row["county"]) == ("Payroll Clerk", "York", "North Yorkshire")
    assert row["first_seen_at"] == first_seen
    found = catalogue.search(SearchCriteria(keyword="payroll"), today=TODAY)
    assert [vacancy.id for vacancy in found.vacancies] == ["V1"]
    assert found.widened == []
    assert catalogue.search(SearchCriteria(keyword="receptionist"), today=TODAY).total == 0


def test_a_full_feed_closes_vanished_vacancies_and_reopens_them_when_back(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(engine, gazetteer, [record("V1"), record("V2"), record("V3")])
    report = sync(engine, gazetteer, [record("V1"), record("V3")])
    assert counts(report) == (0, 0, 0, 2, 1, 0)
    rows = stored(engine)
    assert set(rows) == {"V1", "V2", "V3"}, "a closed vacancy is kept, not deleted"
    assert rows["V2"]["closed_at"] is not None
    assert open_ids(catalogue) == ["V1", "V3"]
    assert catalogue.get("V2", today=TODAY) is None
    assert catalogue.count_open(today=TODAY) == 2

    report = sync(engine, gazetteer, [record("V1"), record("V2"), record("V3")])
    assert counts(report) == (0, 0, 1, 2, 0, 0)
    assert stored(engine)["V2"]["closed_at"] is None
    assert open_ids(catalogue) == ["V1", "V2", "V3"]


def test_a_changed_vacancy_that_comes_back_is_reopened_with_its_changes(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(engine, gazetteer, [record("V1"), record("V2")])
    sync(engine, gazetteer, [record("V1")])
    report = sync(engine, gazetteer, [record("V1"), record("V2", title="Bookkeeper")])
    assert counts(report) == (0, 1, 0, 1, 0, 0)
    vacancy = catalogue.get("V2", today=TODAY)
    assert vacancy is not None and vacancy.title == "Bookkeeper"


def test_a_vacancy_past_its_closing_date_stays_stored_and_unsearchable(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    feed = [record("V1", closes=TODAY.isoformat()), record("V2")]
    sync(engine, gazetteer, feed)
    assert stored(engine)["V1"]["live"] is True
    next_day = IMPORT_TIME + timedelta(days=1)
    report = sync(engine, gazetteer, feed, now=next_day)
    assert counts(report) == (0, 0, 0, 2, 0, 0), "passing a closing date is no change in the feed"
    row = stored(engine)["V1"]
    assert (row["live"], row["closed_at"]) == (False, None)
    assert catalogue.count_open(today=next_day.date()) == 1
    assert catalogue.search(SearchCriteria(), today=next_day.date()).total == 1


def test_a_partial_feed_leaves_unlisted_vacancies_open(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(engine, gazetteer, [record("V1"), record("V2")])
    report = sync(engine, gazetteer, [record("V3")], partial=True)
    assert counts(report) == (1, 0, 0, 0, 0, 0)
    assert report.partial
    assert open_ids(catalogue) == ["V1", "V2", "V3"]


def test_a_full_feed_without_valid_records_is_refused_and_closes_nothing(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(engine, gazetteer, [record("V1"), record("V2")])
    before = stored(engine)
    with pytest.raises(EmptyFeedError, match="no valid vacancy in the feed \\(1 skipped\\)"):
        sync(engine, gazetteer, [record("V9", posted="soon")])
    with pytest.raises(EmptyFeedError):
        sync(engine, gazetteer, [])
    assert stored(engine) == before
    assert open_ids(catalogue) == ["V1", "V2"]


def test_an_empty_partial_feed_is_a_no_op(engine: Engine, gazetteer: Gazetteer) -> None:
    sync(engine, gazetteer, [record("V1")])
    report = sync(engine, gazetteer, [], partial=True)
    assert counts(report) == (0, 0, 0, 0, 0, 0)
    assert stored(engine)["V1"]["closed_at"] is None


def test_a_failure_mid_import_leaves_the_previous_catalogue(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(engine, gazetteer, [record("V1", title="Receptionist"), record("V2"), record("V3")])
    before = stored(engine)
    feed = parse_feed(json.dumps([record("V1", title="Payroll Clerk"), *(record(f"N{n}") for n in range(7))]))
    calls: list[int] = []

    def fail_after_first_chunk(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        sync_feed(engine, gazetteer, feed, source="feed", progress=fail_after_first_chunk, chunk_size=3)
    assert calls == [3, 6], "the failure came after rows had been written"
    assert stored(engine) == before
    assert open_ids(catalogue) == ["V1", "V2", "V3"]
    assert catalogue.search(SearchCriteria(keyword="receptionist"), today=TODAY).total == 1
    assert catalogue.search(SearchCriteria(keyword="payroll clerk"), today=TODAY).total == 0


def test_progress_is_reported_per_chunk(engine: Engine, gazetteer: Gazetteer) -> None:
    feed = parse_feed(json.dumps([record(f"V{n}") for n in range(5)]))
    seen: list[tuple[int, int]] = []
    sync_feed(
        engine, gazetteer, feed, source="feed", progress=lambda done, total: seen.append((done, total)), chunk_size=2
    )
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_a_url_that_fails_leaves_the_catalogue_intact(
    engine: Engine, gazetteer: Gazetteer, feed_server: FeedServer
) -> None:
    sync(engine, gazetteer, [record("V1")])
    before = stored(engine)
    with pytest.raises(FeedError, match="HTTP 404"):
        import_feed(engine, gazetteer, feed_server.base_url + "/gone.json")
    broken = feed_server.serve("/broken.json", b'[{"id": "V2", "title": ')
    with pytest.raises(FeedError, match="not valid JSON"):
        import_feed(engine, gazetteer, broken)
    assert stored(engine) == before


def test_a_json_ld_page_imports_from_a_url(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue, feed_server: FeedServer
) -> None:
    page = f"""<html><head>
    <script type="application/ld+json">{json.dumps({"@graph": [posting("JP-1"), posting("JP-2", url=None)]})}</script>
    </head><body></body></html>"""
    url = feed_server.serve("/jobs", page.encode("utf-8"), content_type="text/html; charset=utf-8")
    report = import_feed(engine, gazetteer, url)
    assert (report.format, report.created) == ("schema.org-jsonld", 2)
    jp2 = catalogue.get("JP-2", today=TODAY)
    assert jp2 is not None and jp2.url == url
    assert stored(engine)["JP-1"]["county"] == "West Yorkshire"


def test_a_file_feed_imports_by_path(engine: Engine, gazetteer: Gazetteer, tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([record("V1"), record("V2", job_type="holiday")]), encoding="utf-8")
    report = import_feed(engine, gazetteer, str(path))
    assert counts(report) == (1, 0, 0, 0, 0, 1)
    assert [(error.index, error.record_id, error.field) for error in report.errors] == [(1, "V2", "job_type")]


def test_a_large_feed_is_written_in_batches(engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue) -> None:
    feed = [record(f"V{n:05}", title=f"Role {n}") for n in range(2500)]
    assert counts(sync(engine, gazetteer, feed)) == (2500, 0, 0, 0, 0, 0)
    assert counts(sync(engine, gazetteer, feed[:1200])) == (0, 0, 0, 1200, 1300, 0)
    assert catalogue.count_open(today=TODAY) == 1200
