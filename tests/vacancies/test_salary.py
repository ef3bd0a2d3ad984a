from __future__ import annotations

import pytest

from recruitbot.vacancies.salary import annual_salary_range


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£13.50 per hour", (26325, 26325)),  # 13.50 * 37.5 * 52
        ("£12 - £14 ph", (23400, 27300)),
        ("£12.21 - £13.00 an hour", (23810, 25350)),
        ("£350 per day", (80500, 80500)),  # 350 * 230
        ("£400-£450 p/d", (92000, 103500)),
        ("£500 per week", (26000, 26000)),
        ("£2,500 per month", (30000, 30000)),
        ("£28k", (28000, 28000)),
        ("£25k-£30k", (25000, 30000)),
        ("£25-28k", (25000, 28000)),
        ("£25,000 - £28,000 per annum", (25000, 28000)),
        ("£26,000 \u2013 £28,000 + bonus", (26000, 28000)),
        ("Salary: £30,000 to £35,000 a year", (30000, 35000)),
        ("£45,000 pa + benefits", (45000, 45000)),
        ("25000-28000", (25000, 28000)),
        ("25k to 30k", (25000, 30000)),
        ("GBP 30000", (30000, 30000)),
        ("£13.50ph, 37.5 hours a week", (26325, 26325)),
        ("£18.50", (36075, 36075)),  # no unit: an hourly figure by its size
        ("£450", (103500, 103500)),  # no unit: a day rate by its size
        ("Up to £30,000", (None, 30000)),
        ("From £25,000", (25000, None)),
        ("£25,000+", (25000, None)),
    ],
)
def test_salaries_are_annualised_in_pounds(text: str, expected: tuple[int | None, int | None]) -> None:
    assert annual_salary_range(text) == expected


@pytest.mark.parametrize("text", [None, "", "Competitive", "DOE", "£0", "$50,000", "€40,000 per year", "USD 60000"])
def test_unknown_or_foreign_salaries_have_no_range(text: str | None) -> None:
    assert annual_salary_range(text) == (None, None)
