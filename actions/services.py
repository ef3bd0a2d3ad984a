"""The real services the actions use, built lazily from settings on first use."""

from __future__ import annotations

from functools import lru_cache

from recruitbot.alerts.factory import build_alert_service
from recruitbot.alerts.service import AlertService
from recruitbot.db import shared_engine
from recruitbot.handoff import HandoffService
from recruitbot.mail import make_mailer
from recruitbot.office_hours import OfficeHours
from recruitbot.places import load_gazetteer
from recruitbot.settings import load_settings
from recruitbot.vacancies.search import Catalogue


@lru_cache(maxsize=1)
def handoff_service() -> HandoffService:
    """The callback-request service for this process."""
    settings = load_settings()
    return HandoffService(
        engine=shared_engine(settings.database_url),
        mailer=make_mailer(settings),
        office_hours=OfficeHours.parse(settings.office_hours, settings.office_timezone),
        agency_inbox=settings.agency_inbox,
        sender=settings.smtp_from,
    )


@lru_cache(maxsize=1)
def reply_within_hours() -> int:
    """How many working hours the agency promises to reply within."""
    return load_settings().reply_within_hours


@lru_cache(maxsize=1)
def retention_days() -> int:
    """How many days a conversation is kept after its last message (0: until the person asks to be forgotten)."""
    return load_settings().retention_days


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The vacancy catalogue for this process."""
    return Catalogue(shared_engine(load_settings().database_url), load_gazetteer())


@lru_cache(maxsize=1)
def alert_service() -> AlertService:
    """The job-alert service for this process (sign-ups, changes, erasure)."""
    return build_alert_service(load_settings())
