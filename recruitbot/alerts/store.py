"""Reading alerts out of their rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row

from recruitbot.alerts.clock import as_utc
from recruitbot.alerts.model import EMAIL, Alert, Frequency, Status
from recruitbot.contact import mask
from recruitbot.vacancies.model import SearchCriteria


def alert_from_row(row: Row | Any) -> Alert:
    """The :class:`Alert` in a row of ``alert_subscriptions``."""
    return Alert(
        id=row.ref,
        criteria=SearchCriteria(
            keyword=row.keyword, location=row.location, job_type=row.job_type, min_salary=row.min_salary
        ),
        frequency=Frequency(row.frequency),
        delivery=row.delivery,
        status=Status(row.status),
        address_hint=mask(row.address) if row.delivery == EMAIL else "",
        created_at=as_utc(row.created_at),
        confirmed_at=as_utc(row.confirmed_at) if row.confirmed_at is not None else None,
    )
