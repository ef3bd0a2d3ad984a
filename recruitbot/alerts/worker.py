"""The alerts' background jobs in one long-lived process: dispatch, purge, and matching after each import.

``python -m recruitbot.run`` runs them in its own process, the one that also owns the feed
sync, so that these jobs have one writer: a dispatch every RECRUITBOT_ALERTS_DISPATCH_SECONDS
(60; daily digests and retries with back-off fall due between imports), a purge every
RECRUITBOT_ALERTS_PURGE_MINUTES (10; unconfirmed sign-ups expire, "forget me" erasures of the
tracker store complete after their grace period, and conversations idle for longer than
RECRUITBOT_RETENTION_DAYS are deleted: ``recruitbot.retention``), and a dispatch after every
import that added vacancies. One lock runs them one at a time. A failing job is logged and
tried again at its next turn; it never stops the loop nor the import that called it.

Logs name no person: counts only, and an exception's class without its message (a database or
SMTP error can quote an address); the traceback goes to the DEBUG level.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from recruitbot.alerts.model import DispatchReport, PurgeReport
from recruitbot.alerts.service import AlertService
from recruitbot.retention import ConversationRetention
from recruitbot.settings import Settings
from recruitbot.vacancies.importer import ImportReport

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_STOP_WAIT_S = 30.0


@dataclass(frozen=True)
class TickReport:
    """What one tick ran: each job's report, or None when it was not due (or failed)."""

    dispatch: DispatchReport | None = None
    purge: PurgeReport | None = None
    conversations_expired: int | None = None


class AlertJobs:
    """Runs the alert service's periodic jobs in a background thread; ``after_import`` is the feed sync's hook."""

    def __init__(
        self,
        service: AlertService,
        dispatch_every_s: float = 60.0,
        purge_every_s: float = 600.0,
        monotonic: Callable[[], float] = time.monotonic,
        retention: ConversationRetention | None = None,
    ) -> None:
        """Dispatch every ``dispatch_every_s`` and purge every ``purge_every_s`` seconds, both at once at first.

        The purge also applies ``retention`` to the conversations, when given.

        Raises:
            ValueError: an interval is not positive.
        """
        if dispatch_every_s <= 0 or purge_every_s <= 0:
            raise ValueError(
                "RECRUITBOT_ALERTS_DISPATCH_SECONDS and RECRUITBOT_ALERTS_PURGE_MINUTES must be positive"
            )
        self._service = service
        self._dispatch_every_s = dispatch_every_s
        self._purge_every_s = purge_every_s
        self._monotonic = monotonic
        self._retention = retention
        start = monotonic()
        self._next_dispatch = start
        self._next_purge = start
        self._lock = threading.Lock()  # one job at a time, whichever thread asks
        self._in_doubt = 0  # warned about once, not at every dispatch
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="alert-jobs", daemon=True)

    @classmethod
    def from_settings(cls, service: AlertService, settings: Settings) -> AlertJobs:
        """The jobs at the intervals, and the conversations' retention, the configuration asks for.

        Raises:
            ValueError: an interval or the retention is invalid, or the tracker store is not supported.
        """
        return cls(
            service,
            settings.alerts_dispatch_seconds,
            settings.alerts_purge_minutes * 60.0,
            retention=ConversationRetention.from_settings(settings),
        )

    def tick(self, now: datetime | None = None) -> TickReport:
        """Run each job that is due (both on the first tick); never raises.

        Args:
            now: the time the service acts at (tests); the current time by default.
        """
        clock = self._monotonic()
        dispatched = purged = expired = None
        if clock >= self._next_dispatch:
            self._next_dispatch = clock + self._dispatch_every_s
            dispatched = self._run("dispatch", self._service.dispatch, now)
            if dispatched is not None:
                self._log_dispatch("periodic dispatch", dispatched)
        if clock >= self._next_purge:
            self._next_purge = clock + self._purge_every_s
            purged = self._run("purge", self._service.purge_expired, now)
            if purged is not None and (purged.subscriptions or purged.people or purged.conversations_erased):
                log.info(
                    "alert purge: removed %d unconfirmed sign-ups and %d people; erased %d conversations",
                    purged.subscriptions, purged.people, purged.conversations_erased,
                )
            if self._retention is not None:
                expired = self._run("retention", self._retention.purge, now)
        return TickReport(dispatched, purged, expired)

    def after_import(self, report: ImportReport) -> None:
        """Send new vacancies to the alerts they match, when an import added some; never raises."""
        dispatched = self._run("dispatch after import", self._service.after_import, report)
        if dispatched is not None:
            self._log_dispatch("dispatch after import", dispatched)

    def seconds_to_next(self) -> float:
        """How long until a job is due."""
        return max(0.0, min(self._next_dispatch, self._next_purge) - self._monotonic())

    def start(self) -> None:
        """Start ticking in the background (the first tick runs both jobs at once)."""
        self._thread.start()
        log.info(
            "alert jobs started: dispatch every %g s, purge every %g min",
            self._dispatch_every_s, self._purge_every_s / 60,
        )

    def stop(self) -> None:
        """Stop after the job in progress, if any (a send in progress is left to finish for up to 30 s)."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=_STOP_WAIT_S)
            if self._thread.is_alive():
                log.warning("an alert job was still running after %.0f s; leaving it behind", _STOP_WAIT_S)

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self.tick()
            self._stopped.wait(self.seconds_to_next())

    def _run(self, name: str, job: Callable[..., _T], *args: object) -> _T | None:
        """Run ``job`` under the lock; log a failure (its class only) and return None instead of raising."""
        try:
            with self._lock:
                return job(*args)
        except Exception as exc:  # the job runs again at its next turn; the caller goes on
            log.error("alert %s failed (%s); it runs again at its next turn", name, type(exc).__name__)
            log.debug("alert %s failed", name, exc_info=True)
            return None

    def _log_dispatch(self, what: str, report: DispatchReport) -> None:
        if report.scanned or report.messages_sent or report.messages_failed or report.vacancies_skipped:
            log.info(
                "alert %s: %d new vacancies, %d matches; sent %d messages (%d vacancies), %d failed, "
                "%d vacancies given up, %d closed before sending",
                what, report.scanned, report.matched, report.messages_sent, report.vacancies_sent,
                report.messages_failed, report.vacancies_abandoned, report.vacancies_skipped,
            )
        if report.in_doubt and report.in_doubt != self._in_doubt:
            log.warning(
                "%d alert deliveries were interrupted mid-send and are not sent again "
                "(alert_deliveries rows with status 'sending')",
                report.in_doubt,
            )
        self._in_doubt = report.in_doubt
