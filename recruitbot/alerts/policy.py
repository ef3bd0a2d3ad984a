"""The alerts' rules in numbers: expiry, link lifetime, digest time, retries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from recruitbot.settings import Settings


@dataclass(frozen=True)
class AlertPolicy:
    """How long things last and when things happen."""

    confirm_within: timedelta = timedelta(hours=48)
    link_lifetime: timedelta = timedelta(days=365)
    digest_hour: int = 8
    timezone: str = "Europe/London"
    retry_after: timedelta = timedelta(minutes=5)
    max_retry_delay: timedelta = timedelta(hours=6)
    max_attempts: int = 6
    # Rasa saves a tracker when the turn ends, after the action that erased it; the erasure
    # is repeated once the turn is surely over (Rasa waits up to 300 s for an action).
    erasure_grace: timedelta = timedelta(minutes=10)
    batch_size: int = 1000

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertPolicy:
        """The policy the configuration asks for."""
        return cls(
            confirm_within=timedelta(hours=settings.alerts_confirm_hours),
            link_lifetime=timedelta(days=settings.alerts_link_days),
            digest_hour=settings.alerts_digest_hour,
            timezone=settings.office_timezone,
            retry_after=timedelta(minutes=settings.alerts_retry_minutes),
            max_attempts=settings.alerts_max_attempts,
        )

    def retry_delay(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failed try: doubling, up to a ceiling."""
        return min(self.retry_after * 2 ** max(attempts - 1, 0), self.max_retry_delay)

    def local_day(self, now: datetime) -> date:
        """The agency's calendar day at ``now`` (digests are one per such day)."""
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def digest_due(self, now: datetime) -> bool:
        """True from the digest hour on, in the agency's time zone."""
        return now.astimezone(ZoneInfo(self.timezone)).hour >= self.digest_hour
