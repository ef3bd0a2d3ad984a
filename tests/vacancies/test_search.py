from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine

from recruitbot.places import Gazetteer
from recruitbot.vacancies.model import ANY, ANYWHERE, SearchCriteria, Widening, is_too_broad
from recruitbot.vacancies.search import Catalogue
from tests.vacancies.builders import TODAY, record, sync


def ids(catalogue: Catalogue, criteria: SearchCriteria, limit: int = 20) -> list[str]:
    return [vacancy.id for vacancy in catalogue.search(criteria, limit=limit, today=TODAY).vacancies]


def days_ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def test_title_hits_rank_above_summary_hits_even_when_older(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(
        engine,
        gazetteer,
        [
            record(
                "SUMMARY", title="Finance Assistant", summary="Payroll, payroll and more payroll.", posted=days_ago(1)
            ),
            record("TITLE", title="Payroll Officer", summary="Join us.", posted=days_ago(30)),
            record("SECTOR", title="Office Junior", sector="Payroll Services", posted=days_ago(2)),
            record("OTHER", title="Receptionist", posted=days_ago(1)),
        ],
    )
    result = catalogue.search(SearchCriteria(keyword="payroll"), today=TODAY)
    assert [vacancy.id for vacancy in result.vacancies] == ["TITLE", "SUMMARY", "SECTOR"]
    assert (result.total, result.widened) == (3, [])


def test_every_word_in_the_title_beats_some_words_which_beats_none(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(
        engine,
        gazetteer,
        [
            record("NONE", title="Office Assistant", summary="Payroll clerk duties.", posted=days_ago(1)),
            record("SOME", title="Payroll Manager", summary="Oversee the clerk.", posted=days_ago(5)),
            record("ALL", title="Clerk, Payroll", posted=days_ago(40)),
            record("ONE_WORD", title="Payroll Manager", summary="No second word here.", posted=days_ago(1)),
        ],
    )
    assert ids(catalogue, SearchCriteria(keyword="payroll clerk")) == ["ALL", "SOME", "NONE"]


def test_words_match_their_stems_and_prefixes(engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue) -> None:
    sync(
        engine,
        gazetteer,
        [
            record("ACCOUNTANT", title="Management Accountant"),
            record("ADMINISTRATOR", title="Administrator"),
            record("ADMIN", title="Admin Assistant"),
        ],
    )
    assert ids(catalogue, SearchCriteria(keyword="Accounts")) == ["ACCOUNTANT"]
    assert sorted(ids(catalogue, SearchCriteria(keyword="admin jobs"))) == ["ADMIN", "ADMINISTRATOR"]


def test_it_finds_it_titles_but_not_every_summary_with_the_word_it(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(
        engine,
        gazetteer,
        [
            record("IT", title="IT Support Analyst"),
            record("PROSE", title="Receptionist", summary="It is a friendly office."),
            record("SECTOR", title="Service Desk Analyst", sector="IT", summary="Helping colleagues."),
        ],
    )
    assert sorted(ids(catalogue, SearchCriteria(keyword="IT"))) == ["IT", "SECTOR"]
    assert ids(catalogue, SearchCriteria(keyword="it support")) == ["IT"]


def test_search_syntax_in_a_keyword_is_just_text(engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue) -> None:
    sync(engine, gazetteer, [record("V1", title="Payroll Clerk")])
    for keyword in ['payroll" OR title:*', "payroll AND (clerk", "payroll:* | !x", "NEAR(payroll clerk)", "%_'"]:
        result = catalogue.search(SearchCriteria(keyword=keyword), today=TODAY)
        assert result.total in (0, 1)
    assert ids(catalogue, SearchCriteria(keyword='"payroll" (clerk)')) == ["V1"]


def test_exact_place_ranks_before_wider_places_then_newest(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(
        engine,
        gazetteer,
        [
            record("MANCHESTER", title="Accounts Assistant", location="Manchester", posted=days_ago(1)),
            record("YORK", title="Accounts Assistant", location="York", posted=days_ago(2)),
            record("BRADFORD", title="Accounts Assistant", location="Bradford", posted=days_ago(3)),
            record("LEEDS_OLD", title="Accounts Assistant", location="Leeds", posted=days_ago(9)),
            record("LEEDS_NEW", title="Accounts Assistant", location="Leeds city centre", posted=days_ago(4)),
            record("LEEDS_SUMMARY", title="Office Manager", summary="Accounts work", location="Leeds"),
        ],
    )
    result = catalogue.search(SearchCriteria(keyword="bookkeeper", location="leeds"), limit=10, today=TODAY)
    assert [vacancy.id for vacancy in result.vacancies] == [
        "LEEDS_NEW",
        "LEEDS_OLD",
        "BRADFORD",
        "YORK",
        "MANCHESTER",
        "LEEDS_SUMMARY",
    ]
    assert result.criteria == SearchCriteria(keyword="accounts", location=None)
    assert result.widened[-1] == Widening("keyword", "bookkeeper", "accounts")


def test_location_filters_by_town_county_region_and_alias(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(
        engine,
        gazetteer,
        [
            record("LEEDS", location="Leeds", posted=days_ago(1)),
            record("BRADFORD", location="Bradford", posted=days_ago(2)),
            record("YORK", location="York", posted=days_ago(3)),
            record("MANCHESTER", location="Manchester", posted=days_ago(4)),
            record("RICHMOND_NY", location="Richmond, North Yorkshire", posted=days_ago(5)),
            record("REMOTE", location="Remote (UK)", posted=days_ago(6)),
        ],
    )
    assert ids(catalogue, SearchCriteria(location="Leeds")) == ["LEEDS"]
    assert ids(catalogue, SearchCriteria(location="W Yorks")) == ["LEEDS", "BRADFORD"]
    assert ids(catalogue, SearchCriteria(location="yorkshire")) == ["LEEDS", "BRADFORD", "YORK", "RICHMOND_NY"]
    assert ids(catalogue, SearchCriteria(location="the North West")) == ["MANCHESTER"]
    assert ids(catalogue, SearchCriteria(location="remote")) == ["REMOTE"]
    assert len(ids(catalogue, SearchCriteria(location="anywhere in the UK"))) == 6


def test_job_type_and_annual_salary_filters(engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue) -> None:
    sync(
        engine,
        gazetteer,
        [
            record("HOURLY", job_type="temp", salary="£13.50 per hour", posted=days_ago(1)),  # 26,325 a year
            record("RANGE", job_type="perm", salary="£25,000 - £28,000", posted=days_ago(2)),
            record("DAY_RATE", job_type="contract", salary="£350 per day", posted=days_ago(3)),  # 80,500
            record("UP_TO", job_type="perm", salary="Up to £30k", posted=days_ago(4)),
            record("UNSTATED", job_type="perm", salary="Competitive", posted=days_ago(5)),
        ],
    )
    assert ids(catalogue, SearchCriteria(job_type="temp")) == ["HOURLY"]
    assert ids(catalogue, SearchCriteria(job_type="perm")) == ["RANGE", "UP_TO", "UNSTATED"]
    assert ids(catalogue, SearchCriteria(min_salary=26000)) == ["HOURLY", "RANGE", "DAY_RATE", "UP_TO"]
    assert ids(catalogue, SearchCriteria(min_salary=27000)) == ["RANGE", "DAY_RATE", "UP_TO"]
    assert ids(catalogue, SearchCriteria(min_salary=29000)) == ["DAY_RATE", "UP_TO"]
    assert ids(catalogue, SearchCriteria(min_salary=29000, job_type="perm")) == ["UP_TO"]


def test_closed_vacancies_are_never_shown(engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue) -> None:
    sync(
        engine,
        gazetteer,
        [
            record("PAST", title="Payroll Clerk", closes=days_ago(1), posted=days_ago(20)),
            record("TODAY", title="Payroll Clerk", closes=TODAY.isoformat(), posted=days_ago(20)),
            record("SYNCED_AWAY", title="Payroll Clerk"),
            record("OPEN", title="Payroll Clerk"),
        ],
    )
    sync(
        engine,
        gazetteer,
        [
            record("PAST", title="Payroll Clerk", closes=days_ago(1), posted=days_ago(20)),
            record("TODAY", title="Payroll Clerk", closes=TODAY.isoformat(), posted=days_ago(20)),
            record("OPEN", title="Payroll Clerk"),
        ],
    )
    result = catalogue.search(SearchCriteria(keyword="payroll clerk", location="Leeds"), limit=10, today=TODAY)
    assert sorted(vacancy.id for vacancy in result.vacancies) == ["OPEN", "TODAY"]
    assert result.total == 2
    assert catalogue.count_open(today=TODAY) == 2
    assert catalogue.get("PAST", today=TODAY) is None
    assert catalogue.get("SYNCED_AWAY", today=TODAY) is None
    assert catalogue.get("TODAY", today=TODAY) is not None
    tomorrow = TODAY + timedelta(days=1)
    assert catalogue.get("TODAY", today=tomorrow) is None
    later = catalogue.search(SearchCriteria(keyword="payroll clerk"), limit=10, today=tomorrow)
    assert ([vacancy.id for vacancy in later.vacancies], later.total) == (["OPEN"], 1)
    assert catalogue.count_open(today=tomorrow) == 1


def test_widening_walks_location_then_keyword_then_type_then_salary(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(
        engine,
        gazetteer,
        [
            record("ONLY", title="Payroll Clerk", location="Manchester", job_type="perm", salary="£20,000"),
            record("UNRELATED", title="Receptionist", location="Leeds", job_type="temp", salary="£60,000"),
        ],
    )
    asked = SearchCriteria(keyword="senior payroll clerk", location="Leeds", job_type="temp", min_salary=50000)
    result = catalogue.search(asked, today=TODAY)
    assert result.widened == [
        Widening("location", "Leeds", "West Yorkshire"),
        Widening("location", "West Yorkshire", "Yorkshire and the Humber"),
        Widening("location", "Yorkshire and the Humber", "England"),
        Widening("location", "England", ANYWHERE),
        Widening("keyword", "senior payroll clerk", "payroll"),
        Widening("job_type", "temp", ANY),
        Widening("salary", "50000", ANY),
    ]
    assert result.criteria == SearchCriteria(keyword="payroll")
    assert ([vacancy.id for vacancy in result.vacancies], result.total) == (["ONLY"], 1)


@pytest.mark.parametrize(
    ("location", "expected_steps"),
    [
        ("Leeds", [Widening("location", "Leeds", "West Yorkshire")]),
        ("Wakefield", [Widening("location", "Wakefield", "West Yorkshire")]),
        ("Harrogate", [Widening("location", "Harrogate", "North Yorkshire")]),
        (
            "London",
            [Widening("location", "London", "Greater London"), Widening("location", "Greater London", "England")],
        ),
        (
            "the North West",
            [Widening("location", "North West", "England")],
        ),
        (
            "Glasgow",
            [
                Widening("location", "Glasgow", "Glasgow City"),
                Widening("location", "Glasgow City", "Scotland"),
                Widening("location", "Scotland", ANYWHERE),
            ],
        ),
        ("Atlantis", [Widening("location", "Atlantis", ANYWHERE)]),
    ],
)
def test_location_widening_stops_at_the_first_area_with_a_match(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue, location: str, expected_steps: list[Widening]
) -> None:
    sync(engine, gazetteer, [record("BRADFORD", location="Bradford"), record("YORK", location="York")])
    result = catalogue.search(SearchCriteria(location=location), today=TODAY)
    assert result.widened == expected_steps
    widest = expected_steps[-1].to_value
    assert result.criteria.location == (None if widest == ANYWHERE else widest)
    assert result.total >= 1


def test_a_related_keyword_that_finds_nothing_is_left_out_of_the_path(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(engine, gazetteer, [record("PERM", title="Payroll Assistant", job_type="perm")])
    result = catalogue.search(SearchCriteria(keyword="payroll clerk", job_type="temp"), today=TODAY)
    assert result.widened == [
        Widening("keyword", "payroll clerk", "payroll"),
        Widening("job_type", "temp", ANY),
    ]
    assert result.criteria == SearchCriteria(keyword="payroll")


def test_nothing_anywhere_gives_an_empty_result_with_the_criteria_as_asked(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(engine, gazetteer, [record("V1", title="Receptionist")])
    asked = SearchCriteria(keyword="astronaut", location="York", job_type="contract", min_salary=90000)
    result = catalogue.search(asked, today=TODAY)
    assert (result.vacancies, result.total, result.criteria, result.widened) == ([], 0, asked, [])


def test_pages_follow_each_other_without_repeats(engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue) -> None:
    sync(engine, gazetteer, [record(f"V{n}", posted=days_ago(n)) for n in range(1, 8)])
    pages = [catalogue.search(SearchCriteria(location="Leeds"), offset=offset, today=TODAY) for offset in (0, 3, 6)]
    assert [[vacancy.id for vacancy in page.vacancies] for page in pages] == [
        ["V1", "V2", "V3"],
        ["V4", "V5", "V6"],
        ["V7"],
    ]
    assert {(page.total, page.offset) for page in pages} == {(7, 0), (7, 3), (7, 6)}


def test_a_widened_search_pages_through_the_widened_results(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(engine, gazetteer, [record(f"B{n}", location="Bradford", posted=days_ago(n)) for n in range(1, 5)])
    second = catalogue.search(SearchCriteria(location="Leeds"), offset=3, today=TODAY)
    assert ([vacancy.id for vacancy in second.vacancies], second.total) == (["B4"], 4)
    assert second.widened == [Widening("location", "Leeds", "West Yorkshire")]


def test_similar_vacancies_share_title_words_or_sector_nearest_first(
    engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue
) -> None:
    sync(
        engine,
        gazetteer,
        [
            record("BASE", title="Senior Payroll Clerk", sector="Finance", location="Leeds"),
            record("PAYROLL_FAR", title="Payroll Administrator", location="Manchester", posted=days_ago(1)),
            record("PAYROLL_NEAR", title="Payroll Officer", location="Bradford", posted=days_ago(20)),
            record("SECTOR", title="Credit Controller", sector="Finance", location="Leeds", posted=days_ago(1)),
            record("UNRELATED", title="Receptionist", location="Leeds"),
            record("CLOSED", title="Payroll Clerk", location="Leeds", closes=days_ago(1), posted=days_ago(9)),
        ],
    )
    assert [vacancy.id for vacancy in catalogue.similar("BASE", limit=5, today=TODAY)] == [
        "PAYROLL_NEAR",
        "PAYROLL_FAR",
        "SECTOR",
    ]
    assert catalogue.similar("NOPE", today=TODAY) == []


def test_an_unknown_job_type_is_a_programming_error(catalogue: Catalogue) -> None:
    with pytest.raises(ValueError, match="job_type must be one of temp, perm, contract"):
        catalogue.search(SearchCriteria(job_type="permanent"), today=TODAY)


@pytest.mark.parametrize(
    ("criteria", "too_broad"),
    [
        (SearchCriteria(), True),
        (SearchCriteria(min_salary=30000), True),
        (SearchCriteria(keyword="admin"), False),
        (SearchCriteria(location="Leeds"), False),
        (SearchCriteria(job_type="temp"), False),
    ],
)
def test_is_too_broad_without_keyword_place_or_type(criteria: SearchCriteria, too_broad: bool) -> None:
    assert is_too_broad(criteria) is too_broad


def test_search_defaults_to_the_real_date(engine: Engine, gazetteer: Gazetteer, catalogue: Catalogue) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    sync(engine, gazetteer, [record("V1", closes=tomorrow), record("V2", closes="2001-01-02", posted="2001-01-01")])
    assert [vacancy.id for vacancy in catalogue.search(SearchCriteria()).vacancies] == ["V1"]
