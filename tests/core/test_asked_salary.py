import pytest

from recruitbot.vacancies.asked_salary import asked_min_salary


@pytest.mark.parametrize(
    ("text", "minimum"),
    [
        ("marketing jobs near Manchester paying over 30k", 30000),
        ("£25,000+ admin roles", 25000),
        ("30\u201335k roles in leeds", 30000),
        ("at least 28000 a year", 28000),
        ("temp jobs £12 an hour", 23400),  # 37.5 h x 52 weeks
        ("jobs in leeds 30k+", 30000),
        ("under 25k please", None),  # a ceiling, not a minimum
        ("had my 2nd interview", None),
        ("3 jobs in leeds", None),
    ],
)
def test_asked_min_salary(text, minimum):
    assert asked_min_salary(text) == minimum
