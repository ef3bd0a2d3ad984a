"""Conversation retention: conversations idle for longer than RECRUITBOT_RETENTION_DAYS are deleted.

A conversation goes whole, and only when its last event is older than the cutoff, so a
conversation still going on is never cut short; one that comes back after the cutoff starts
afresh. 0 days keeps every conversation forever. The alerts' periodic purge runs it
(``recruitbot.alerts.worker``), and ``recruitbot conversations purge-idle`` runs it on demand.
Logs give counts only, never a sender id or a text.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from recruitbot.alerts.conversations import ConversationStore, conversation_store
from recruitbot.settings import Settings

log = logging.getLogger(__name__)


class ConversationRetention:
    """Deletes the conversations of a tracker store that have been idle for longer than a number of days."""

    def __init__(self, store: ConversationStore, days: int) -> None:
        """Keep conversations for ``days`` after their last event; 0 keeps them forever.

        Raises:
            ValueError: ``days`` is negative.
        """
        if days < 0:
            raise ValueError(f"RECRUITBOT_RETENTION_DAYS must be 0 (keep forever) or more, not {days}")
        self._store = store
        self.days = days

    @classmethod
    def from_settings(cls, settings: Settings, days: int | None = None) -> ConversationRetention:
        """The tracker store RECRUITBOT_TRACKER_STORE_URL names, kept ``days`` or RECRUITBOT_RETENTION_DAYS.

        Raises:
            ValueError: the days are negative, or the URL names no supported tracker store.
        """
        store = conversation_store(settings)
        return cls(store, settings.retention_days if days is None else days)

    def cutoff(self, now: datetime | None = None) -> datetime | None:
        """The time before which a conversation's last event makes it go; None when kept forever."""
        if not self.days:
            return None
        return (now or datetime.now(timezone.utc)) - timedelta(days=self.days)

    def purge(self, now: datetime | None = None) -> int:
        """Delete every conversation idle since before the cutoff; return how many went."""
        cutoff = self.cutoff(now)
        if cutoff is None:
            return 0
        erased = self._store.erase_idle_since(cutoff)
        if erased:
            log.info("retention: deleted %d conversations idle for over %d days", erased, self.days)
        return erased
