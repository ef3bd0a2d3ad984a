from datetime import datetime, timezone

import pytest

from recruitbot.office_hours import OfficeHours

HOURS = OfficeHours.parse("Mon-Fri 09:00-17:30", "Europe/London")


@pytest.mark.parametrize(
    ("moment", "is_open", "next_opening"),
    [
        # Tuesday 24 Nov 2026, 08:59 London (GMT) -> opens 09:00 the same day
        (datetime(2026, 11, 24, 8, 59, tzinfo=timezone.utc), False, "2026-11-24T09:00"),
        (datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc), True, "2026-11-25T09:00"),
        (datetime(2026, 11, 24, 17, 30, tzinfo=timezone.utc), False, "2026-11-25T09:00"),
        # Friday evening -> Monday
        (datetime(2026, 11, 27, 18, 0, tzinfo=timezone.utc), False, "2026-11-30T09:00"),
        # British Summer Time: 08:30 UTC is 09:30 in London
        (datetime(2026, 7, 1, 8, 30, tzinfo=timezone.utc), True, "2026-07-02T09:00"),
    ],
)
def test_open_and_next_opening(moment, is_open, next_opening):
    assert HOURS.is_open(moment) is is_open
    assert HOURS.next_opening(moment).strftime("%Y-%m-%dT%H:%M") == next_opening


def test_wrapping_days_and_bad_specs():
    weekend = OfficeHours.parse("Sat-Sun 10:00-14:00", "Europe/London")
    assert weekend.days == frozenset({5, 6})
    with pytest.raises(ValueError, match="Mon-Fri"):
        OfficeHours.parse("weekdays", "Europe/London")
    with pytest.raises(ValueError, match="open after they close"):
        OfficeHours.parse("Mon-Fri 18:00-09:00", "Europe/London")
