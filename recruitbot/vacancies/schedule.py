"""Re-sync the catalogue from a feed URL on a schedule, in a background thread.

After each import that worked, ``after_import`` (the job alerts' matching, see
:mod:`recruitbot.alerts.worker`) gets the report; its failure is logged and changes nothing
about the import, which is already committed, nor about the schedule.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from recruitbot.places import Gazetteer
from recruitbot.vacancies.feeds import FeedError
from recruitbot.vacancies.importer import EmptyFeedError, ImportReport, import_feed

log = logging.getLogger(__name__)

ImportHook = Callable[[ImportReport], None]


def sync_once(engine: Engine, gazetteer: Gazetteer, url: str, after_import: ImportHook | None = None) -> bool:
    """Import the feed once; on any failure keep the last good catalogue and log why.

    Returns:
        True when the import succeeded.
    """
    try:
        report = import_feed(engine, gazetteer, url)
    except (FeedError, EmptyFeedError, SQLAlchemyError) as exc:
        log.warning("feed sync from %s failed, keeping the last good catalogue: %s", url, exc)
        return False
    log.info(
        "feed sync from %s: %d created, %d updated, %d reopened, %d closed, %d unchanged, %d skipped",
        url, report.created, report.updated, report.reopened, report.closed, report.unchanged, report.skipped,
    )
    for error in report.errors:
        log.warning("feed record skipped: %s", error)
    if after_import:
        try:
            after_import(report)
        except Exception as exc:  # the import stands; matching catches up at the next dispatch
            # The class only: a database or mail error can quote a candidate's address.
            log.error("after the feed sync from %s, matching new vacancies failed (%s)", url, type(exc).__name__)
            log.debug("after-import hook failed", exc_info=True)
    return True


class FeedSync:
    """Calls ``sync_once`` now and then every ``interval_s`` seconds until stopped."""

    def __init__(
        self, engine: Engine, gazetteer: Gazetteer, url: str, interval_s: float, after_import: ImportHook | None = None
    ) -> None:
        self._args = (engine, gazetteer, url, after_import)
        self._url = url
        self._interval_s = interval_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="feed-sync", daemon=True)

    def start(self) -> None:
        """Start syncing in the background."""
        self._thread.start()

    def run_once(self) -> bool:
        """Sync once now, as the schedule does; True when the import succeeded."""
        return sync_once(*self._args)

    def stop(self) -> None:
        """Stop after the sync in progress, if any."""
        self._stopped.set()
        self._thread.join(timeout=60)

    def _loop(self) -> None:
        while not self._stopped.is_set():
            try:
                self.run_once()
            except Exception as exc:  # an unexpected failure skips one sync, never the schedule
                log.error("feed sync from %s failed unexpectedly (%s); trying again next time",
                          self._url, type(exc).__name__)
                log.debug("feed sync failed", exc_info=True)
            self._stopped.wait(self._interval_s)
