import pytest

from recruitbot.vacancies.asked_hours import asked_hours


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("any part time receptionist work in bristol?", "part-time"),
        ("Part-time admin in Leeds", "part-time"),
        ("parttime jobs", "part-time"),
        ("full time accounts jobs in york", "full-time"),
        ("something full time permanent in marketing", None),  # a job type: permanent
        ("part-time permanent admin", "part-time"),
        ("admin, 20 hours a week", "20 hours a week"),
        ("16-20 hrs per week please", "16-20 hrs per week"),
        ("term time only teaching assistant", "term time only"),
        ("job share in hr", "job share"),
        ("anything with flexible hours?", "flexible hours"),
        ("temp admin jobs in Leeds", None),
        ("is there overtime", None),
        ("part of the time i work from home", None),
        ("temp jobs £12 an hour", None),
        ("24 hours to decide", None),
    ],
)
def test_asked_hours(text, hours):
    assert asked_hours(text) == hours
