"""Office hours ("Mon-Fri 09:00-17:30", Europe/London) and when the office next opens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(
    r"^\s*(?P<first>[a-z]{3})\s*-\s*(?P<last>[a-z]{3})\s+"
    r"(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})\s*$",
    re.I,
)


@dataclass(frozen=True)
class OfficeHours:
    """Opening days (0 = Monday), opening and closing times, and the office's time zone."""

    days: frozenset[int]
    opens: time
    closes: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, zone: str) -> OfficeHours:
        """Parse "Mon-Fri 09:00-17:30"; raise ValueError with the reason when malformed."""
        match = _SPEC.match(spec)
        if not match:
            raise ValueError(f"office hours must look like 'Mon-Fri 09:00-17:30', not {spec!r}")
        first, last = (_DAYS.index(match[k].lower()[:3]) for k in ("first", "last"))
        days = frozenset(range(first, last + 1)) if first <= last else frozenset(
            [*range(first, 7), *range(0, last + 1)]
        )
        opens, closes = (time.fromisoformat(match[k].zfill(5)) for k in ("open", "close"))
        if opens >= closes:
            raise ValueError(f"office hours open after they close: {spec!r}")
        return cls(days=days, opens=opens, closes=closes, zone=ZoneInfo(zone))

    def is_open(self, moment: datetime) -> bool:
        """True when the office is open at ``moment`` (an aware datetime)."""
        local = moment.astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def next_opening(self, moment: datetime) -> datetime:
        """The next time the office opens after ``moment`` (in the office's zone)."""
        local = moment.astimezone(self.zone)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            opening = datetime.combine(day, self.opens, tzinfo=self.zone)
            if day.weekday() in self.days and opening > local:
                return opening
        raise AssertionError("an office open on at least one day opens within a week")
