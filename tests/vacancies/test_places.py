from __future__ import annotations

from pathlib import Path

import pytest

from recruitbot.places import Gazetteer, GazetteerError, load_gazetteer


@pytest.mark.parametrize(
    ("written", "name", "county"),
    [
        ("Leeds", "Leeds", "West Yorkshire"),
        ("  LEEDS!! ", "Leeds", "West Yorkshire"),
        ("in leeds", "Leeds", "West Yorkshire"),
        ("Leeds city centre", "Leeds", "West Yorkshire"),
        ("kings lynn", "King's Lynn", "Norfolk"),
        ("King\u2019s Lynn", "King's Lynn", "Norfolk"),
        ("w. yorks", "West Yorkshire", "West Yorkshire"),
        ("Richmond upon Thames", "Richmond", "Greater London"),
        ("Richmond, North Yorkshire", "Richmond", "North Yorkshire"),
        ("Richmond (Greater London)", "Richmond", "Greater London"),
        ("Leeds, West Yorkshire", "Leeds", "West Yorkshire"),
        ("Harrogate, UK", "Harrogate", "North Yorkshire"),
    ],
)
def test_resolve_ignores_case_punctuation_and_reads_aliases_and_hints(
    gazetteer: Gazetteer, written: str, name: str, county: str
) -> None:
    place = gazetteer.resolve(written)
    assert place is not None
    assert (place.name, place.county) == (name, county)


@pytest.mark.parametrize("written", ["the North West", "north-west", "NW", "in the north west"])
def test_resolve_finds_regions_as_people_write_them(gazetteer: Gazetteer, written: str) -> None:
    place = gazetteer.resolve(written)
    assert place is not None
    assert (place.name, place.kind, place.region, place.nation) == (
        "North West",
        "region",
        "North West",
        "England",
    )


def test_a_town_and_a_region_with_one_name_resolve_to_the_town(gazetteer: Gazetteer) -> None:
    place = gazetteer.resolve("london")
    assert place is not None
    assert (place.kind, place.county, place.region) == ("city", "Greater London", "London")


def test_a_hint_naming_another_area_wins_over_a_namesake_elsewhere(gazetteer: Gazetteer) -> None:
    place = gazetteer.resolve("Wakefield, Greater Manchester")
    assert place is not None
    assert (place.name, place.kind) == ("Greater Manchester", "county")


@pytest.mark.parametrize("written", ["", "Atlantis", "Remote", "  "])
def test_unknown_places_resolve_to_none(gazetteer: Gazetteer, written: str) -> None:
    assert gazetteer.resolve(written) is None


def test_widening_goes_town_county_region_nation(gazetteer: Gazetteer) -> None:
    leeds = gazetteer.resolve("Leeds")
    assert leeds is not None
    steps = gazetteer.widening_steps(leeds)
    assert [(step.name, step.kind) for step in steps] == [
        ("West Yorkshire", "county"),
        ("Yorkshire and the Humber", "region"),
        ("England", "nation"),
    ]


def test_widening_skips_an_area_named_like_the_step_before(gazetteer: Gazetteer) -> None:
    london = gazetteer.resolve("London")
    glasgow = gazetteer.resolve("Glasgow")
    assert london is not None and glasgow is not None
    assert [step.name for step in gazetteer.widening_steps(london)] == ["Greater London", "England"]
    assert [step.name for step in gazetteer.widening_steps(glasgow)] == ["Glasgow City", "Scotland"]


def test_widening_from_a_region_goes_to_its_nation_only(gazetteer: Gazetteer) -> None:
    region = gazetteer.resolve("Yorkshire")
    assert region is not None
    assert [step.name for step in gazetteer.widening_steps(region)] == ["England"]


def test_areas_named_by_rows_but_lacking_a_row_are_still_places(gazetteer: Gazetteer) -> None:
    norfolk = gazetteer.resolve("Norfolk")
    assert norfolk is not None
    assert (norfolk.kind, norfolk.county, norfolk.region, norfolk.nation) == (
        "county",
        "Norfolk",
        "East of England",
        "England",
    )
    lynn = gazetteer.resolve("King's Lynn")
    assert lynn is not None
    assert [step.name for step in gazetteer.widening_steps(lynn)] == ["Norfolk", "East of England", "England"]


def test_all_names_lists_names_and_aliases_once_in_file_order(gazetteer: Gazetteer) -> None:
    names = gazetteer.all_names()
    assert names[:3] == ["England", "Scotland", "Alba"]
    assert "the North West" in names and "Richmond upon Thames" in names
    assert names.count("Richmond") == 1
    assert names.count("London") == 1


def test_a_row_with_an_unknown_kind_is_an_error_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text("name,kind,county,region,nation,aliases\nLeeds,metropolis,,,England,\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="line 2: kind 'metropolis'"):
        Gazetteer.from_csv(path)


def test_a_missing_file_is_a_gazetteer_error(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError, match="cannot read the gazetteer"):
        Gazetteer.from_csv(tmp_path / "missing.csv")


def test_load_gazetteer_reads_a_path_once(places_csv: Path) -> None:
    assert load_gazetteer(places_csv) is load_gazetteer(places_csv)
