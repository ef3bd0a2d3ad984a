from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from recruitbot.vacancies.feeds import (
    JSONLD_FORMAT,
    OWN_FORMAT,
    USER_AGENT,
    FeedError,
    parse_feed,
    read_source,
)
from recruitbot.vacancies.model import Vacancy
from recruitbot.vacancies.records import RecordError
from tests.vacancies.builders import posting, record
from tests.vacancies.conftest import FeedServer


def parse(document: Any) -> tuple[list[Vacancy], list[RecordError]]:
    feed = parse_feed(json.dumps(document).encode("utf-8"))
    return feed.vacancies, feed.errors


def problems(errors: list[RecordError]) -> list[tuple[int, str | None, str]]:
    return [(error.index, error.record_id, error.field) for error in errors]


# The project's own feed


def test_own_feed_records_become_vacancies_with_annual_salaries() -> None:
    feed = parse_feed(
        json.dumps(
            [
                record("V1", salary="£13.50 per hour", closes="2024-06-30", sector="Finance"),
                record("V2", salary=None, job_type="contract"),
            ]
        )
    )
    assert feed.format == OWN_FORMAT
    assert feed.errors == []
    assert feed.vacancies[0] == Vacancy(
        id="V1",
        title="Office Administrator",
        location="Leeds",
        job_type="perm",
        salary="£13.50 per hour",
        salary_min=26325,
        salary_max=26325,
        summary="Supporting a busy office team.",
        url="https://jobs.example/V1",
        posted=date(2024, 5, 1),
        closes=date(2024, 6, 30),
        sector="Finance",
    )
    assert (feed.vacancies[1].salary, feed.vacancies[1].salary_min, feed.vacancies[1].job_type) == (
        None,
        None,
        "contract",
    )


def test_numeric_ids_are_read_as_text() -> None:
    vacancies, _ = parse([record(1234)])
    assert vacancies[0].id == "1234"


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"title": None}, "title", "missing"),
        ({"title": "   "}, "title", "missing"),
        ({"title": 42}, "title", "expected text, found a number"),
        ({"location": ["Leeds"]}, "location", "expected text, found an array"),
        ({"job_type": "permanent"}, "job_type", "'permanent' is not one of temp, perm, contract"),
        ({"salary": 25000}, "salary", "expected text, found a number"),
        ({"url": "jobs.example/V9"}, "url", "is not an http(s) URL"),
        ({"posted": None}, "posted", "missing"),
        ({"posted": "01/05/2024"}, "posted", "is not an ISO date"),
        ({"posted": 20240501}, "posted", "expected an ISO date, found a number"),
        ({"closes": "2024-02-30"}, "closes", "is not an ISO date"),
        ({"closes": "2024-04-01"}, "closes", "is before posted 2024-05-01"),
        ({"summary": None}, "summary", "missing"),
        ({"title": "x" * 301}, "title", "longer than 300 characters"),
    ],
)
def test_an_invalid_record_is_skipped_with_its_reason_and_the_rest_kept(
    changes: dict[str, Any], field: str, problem: str
) -> None:
    vacancies, errors = parse([record("V1"), record("V9", **changes), record("V3")])
    assert [vacancy.id for vacancy in vacancies] == ["V1", "V3"]
    assert problems(errors) == [(1, "V9", field)]
    assert problem in errors[0].problem


def test_a_record_that_is_not_an_object_or_has_no_id_is_reported_by_position() -> None:
    vacancies, errors = parse([record("V1"), "V2", record(None), None])
    assert [vacancy.id for vacancy in vacancies] == ["V1"]
    assert problems(errors) == [(1, None, "record"), (2, None, "id"), (3, None, "record")]
    assert errors[0].problem == "expected an object, found a string"


def test_a_repeated_id_keeps_the_first_record() -> None:
    vacancies, errors = parse([record("V1", title="First"), record("V1", title="Second")])
    assert [vacancy.title for vacancy in vacancies] == ["First"]
    assert problems(errors) == [(1, "V1", "id")]
    assert errors[0].problem == "repeats the id of record 0"


def test_an_empty_summary_is_allowed_and_a_long_one_shortened_at_a_word() -> None:
    vacancies, _ = parse([record("V1", summary=""), record("V2", summary="word " * 200)])
    assert vacancies[0].summary == ""
    assert len(vacancies[1].summary) <= 400
    assert vacancies[1].summary.endswith("word…")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'[{"id": "V1",', "not valid JSON"),
        (b"", "not valid JSON"),
        (b'{"vacancies": []}', "expected a JSON array of vacancies"),
        (b'"just text"', "expected a JSON array of vacancies"),
    ],
)
def test_a_feed_that_cannot_be_parsed_is_a_feed_error(data: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_feed(data)


def test_a_windows_1252_feed_is_read() -> None:
    data = json.dumps([record("V1", salary="£30,000")], ensure_ascii=False).encode("cp1252")
    feed = parse_feed(data)
    assert feed.vacancies[0].salary_max == 30000


# schema.org JobPosting JSON-LD


def test_a_single_job_posting_maps_to_a_vacancy() -> None:
    feed = parse_feed(json.dumps(posting("JP-1", industry="Accountancy")))
    assert feed.format == JSONLD_FORMAT
    assert feed.vacancies == [
        Vacancy(
            id="JP-1",
            title="Payroll Administrator",
            location="Leeds, West Yorkshire",
            job_type="perm",
            salary="£25,000 - £28,000 per year",
            salary_min=25000,
            salary_max=28000,
            summary="Join our payroll team. Process payroll",
            url="https://jobs.example/JP-1",
            posted=date(2024, 5, 2),
            closes=date(2024, 7, 1),
            sector="Accountancy",
        )
    ]


def test_an_array_and_a_graph_of_postings_are_read_and_other_types_ignored() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [{"@type": "Organization", "name": "Acme"}, posting("JP-1"), posting("JP-2")],
    }
    assert [vacancy.id for vacancy in parse_feed(json.dumps(graph)).vacancies] == ["JP-1", "JP-2"]
    array = [posting("JP-3"), posting("JP-4")]
    assert [vacancy.id for vacancy in parse_feed(json.dumps(array)).vacancies] == ["JP-3", "JP-4"]


def test_an_html_page_yields_the_postings_in_its_ld_json_blocks() -> None:
    page = f"""<!doctype html><html><head><title>Jobs</title>
    <script type="application/ld+json">{json.dumps(posting("JP-1"))}</script>
    <script type="text/javascript">var notJson = {{;</script>
    <script type="application/ld+json">{{ "broken": </script>
    <script type="Application/LD+JSON; charset=utf-8">{json.dumps([posting("JP-2", url=None)])}</script>
    </head><body><p>Jobs &amp; careers</p></body></html>"""
    feed = parse_feed(page.encode("utf-8"), page_url="https://agency.example/jobs")
    assert feed.format == JSONLD_FORMAT
    assert [(vacancy.id, vacancy.url) for vacancy in feed.vacancies] == [
        ("JP-1", "https://jobs.example/JP-1"),
        ("JP-2", "https://agency.example/jobs"),
    ]
    assert problems(feed.errors) == [(-1, None, "script")]
    assert "ld+json block 2 is not valid JSON" in feed.errors[0].problem


def test_an_html_page_without_job_posting_is_a_feed_error() -> None:
    page = b'<html><head><script type="application/ld+json">{"@type": "Organization"}</script></head></html>'
    with pytest.raises(FeedError, match=r"no schema\.org JobPosting found"):
        parse_feed(page)
    with pytest.raises(FeedError, match=r"no schema\.org JobPosting found"):
        parse_feed(b"<html><body><h1>Our jobs</h1></body></html>")


@pytest.mark.parametrize(
    ("employment_type", "job_type"),
    [
        ("FULL_TIME", "perm"),
        ("PART_TIME", "perm"),
        ("full-time", "perm"),
        ("Permanent", "perm"),
        ("TEMPORARY", "temp"),
        ("PER_DIEM", "temp"),
        ("INTERN", "temp"),
        ("CONTRACTOR", "contract"),
        (["FULL_TIME", "TEMPORARY"], "temp"),
        (["TEMPORARY", "CONTRACTOR"], "contract"),
    ],
)
def test_employment_types_map_to_temp_perm_or_contract(employment_type: Any, job_type: str) -> None:
    vacancies, errors = parse(posting("JP-1", employmentType=employment_type))
    assert errors == []
    assert vacancies[0].job_type == job_type


@pytest.mark.parametrize(
    ("salary", "text", "annual"),
    [
        (
            {"@type": "MonetaryAmount", "currency": "GBP", "value": {"value": 13.5, "unitText": "HOUR"}},
            "£13.50 per hour",
            (26325, 26325),
        ),
        (
            {"currency": "GBP", "value": {"minValue": 300, "maxValue": 350, "unitText": "DAY"}},
            "£300 - £350 per day",
            (69000, 80500),
        ),
        ({"currency": "GBP", "value": 32000, "unitText": "YEAR"}, "£32,000 per year", (32000, 32000)),
        ({"currency": "GBP", "minValue": "28,000", "maxValue": "30000"}, "£28,000 - £30,000", (28000, 30000)),
        ({"currency": "USD", "value": {"value": 50000, "unitText": "YEAR"}}, "USD 50,000 per year", (None, None)),
        ("£28k plus bonus", "£28k plus bonus", (28000, 28000)),
    ],
)
def test_base_salary_becomes_text_and_an_annual_range(
    salary: Any, text: str, annual: tuple[int | None, int | None]
) -> None:
    vacancies, errors = parse(posting("JP-1", baseSalary=salary))
    assert errors == []
    assert (vacancies[0].salary, vacancies[0].salary_min, vacancies[0].salary_max) == (text, *annual)


@pytest.mark.parametrize(
    ("identifier", "url", "expected"),
    [
        ("REF-9", "https://jobs.example/9", "REF-9"),
        (77, "https://jobs.example/9", "77"),
        ({"@type": "PropertyValue", "value": "PV-9"}, "https://jobs.example/9", "PV-9"),
        (None, "https://jobs.example/9", "https://jobs.example/9"),
    ],
)
def test_the_id_is_the_identifier_else_the_url(identifier: Any, url: str, expected: str) -> None:
    vacancies, _ = parse(posting("JP-1", identifier=identifier, url=url))
    assert vacancies[0].id == expected


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"identifier": None, "url": None}, "identifier", "missing"),
        ({"title": None}, "title", "missing"),
        ({"datePosted": None}, "datePosted", "missing"),
        ({"datePosted": "last Tuesday"}, "datePosted", "is not an ISO date"),
        ({"validThrough": "2024-05-01"}, "validThrough", "is before posted"),
        ({"employmentType": None}, "employmentType", "missing"),
        ({"employmentType": "VOLUNTEER"}, "employmentType", "VOLUNTEER is not a temp, permanent or contract job"),
        ({"employmentType": 3}, "employmentType", "expected text"),
        ({"jobLocation": None}, "jobLocation", "missing"),
        ({"jobLocation": {"@type": "Place", "address": {"postalCode": "LS1"}}}, "jobLocation", "no addressLocality"),
        ({"baseSalary": {"currency": "GBP", "value": "lots"}}, "baseSalary", "'lots' is not an amount"),
    ],
)
def test_an_unusable_posting_is_skipped_with_the_property_named(
    changes: dict[str, Any], field: str, problem: str
) -> None:
    vacancies, errors = parse([posting("JP-1"), posting("JP-2", **changes)])
    assert [vacancy.id for vacancy in vacancies] == ["JP-1"]
    assert [(error.index, error.field) for error in errors] == [(1, field)]
    assert problem in errors[0].problem


def test_locations_come_from_locality_region_or_remote_work() -> None:
    remote = posting("JP-2", jobLocation=None, jobLocationType="TELECOMMUTE")
    several = posting("JP-3", jobLocation=[{"address": {"addressRegion": "North Yorkshire"}}, {"address": "Leeds"}])
    text_address = posting("JP-4", jobLocation={"address": "Bradford"})
    vacancies, errors = parse([remote, several, text_address])
    assert errors == []
    assert [vacancy.location for vacancy in vacancies] == ["Remote", "North Yorkshire", "Bradford"]


def test_descriptions_lose_markup_scripts_and_entities() -> None:
    html = "<div><h2>About&nbsp;us</h2><script>track()</script><p>Fish &amp; chips</p>friday</div>"
    vacancies, _ = parse(posting("JP-1", description=html, title="Payroll &amp; Pensions Officer"))
    assert vacancies[0].summary == "About us Fish & chips friday"
    assert vacancies[0].title == "Payroll & Pensions Officer"


# Fetching


def test_read_source_reads_files_and_urls_with_a_user_agent(tmp_path: Path, feed_server: FeedServer) -> None:
    path = tmp_path / "feed.json"
    path.write_bytes(b"[]")
    assert read_source(str(path)) == b"[]"
    url = feed_server.serve("/feed.json", b'[{"id": 1}]')
    assert read_source(url) == b'[{"id": 1}]'
    assert feed_server.user_agents == [USER_AGENT]


def test_a_404_url_is_a_feed_error(feed_server: FeedServer) -> None:
    with pytest.raises(FeedError, match=r"answered HTTP 404"):
        read_source(feed_server.base_url + "/missing.json")


def test_a_url_that_does_not_answer_in_time_is_a_feed_error(feed_server: FeedServer) -> None:
    with pytest.raises(FeedError, match=r"did not answer within 0\.3 s"):
        read_source(feed_server.hang("/slow.json"), timeout=0.3)


def test_a_feed_over_the_size_limit_is_refused(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.serve("/big.json", b"[" + b" " * 2000 + b"]")
    with pytest.raises(FeedError, match="larger than the 1,000-byte limit"):
        read_source(url, max_bytes=1000)
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 2000)
    with pytest.raises(FeedError, match="larger than the 1,000-byte limit"):
        read_source(str(path), max_bytes=1000)


@pytest.mark.parametrize(
    ("source", "message"),
    [("ftp://example.com/feed.json", "only http"), ("/nonexistent/feed.json", "cannot read")],
)
def test_unreadable_sources_are_feed_errors(source: str, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        read_source(source)
