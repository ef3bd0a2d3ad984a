"""A Redis lock store whose tickets are issued atomically, for several Rasa servers at once.

Rasa 3.6's ``RedisLockStore`` changes a conversation's ticket lock by reading it, changing it
in Python and writing it back (``LockStore.issue_ticket``, ``update_lock``,
``finish_serving``: GET, then SET). Two servers taking a message from one sender at the
same moment both read "no lock", both issue ticket 0, and both process their message at once:
their events interleave in the tracker. Here every such change runs in a Redis transaction
(WATCH the key, MULTI/EXEC the write, again from the read if another server changed the key
meanwhile), so each message gets its own ticket and waits for the one before it.

Named in endpoints.production.yml as ``type: recruitbot.locks.AtomicRedisLockStore``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
# A change to a conversation's lock: given the lock (None if there is none), the lock to store
# (None to delete it) and what to return.
_Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store, each read-change-write of a lock done as one Redis transaction."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        """Connect as endpoints.yml says (Rasa builds a custom lock store from its endpoint config).

        ``url`` is the Redis host; ``port``, ``db`` and ``password`` as for Rasa's ``redis`` type
        (an empty password is none). Keyword arguments are RedisLockStore's own, for tests.
        """
        if endpoint_config is not None:
            options = dict(endpoint_config.kwargs)
            kwargs = {
                "host": endpoint_config.url or "localhost",
                "port": int(options.get("port") or 6379),
                "db": int(options.get("db") or 1),
                "password": options.get("password") or None,
                "key_prefix": options.get("key_prefix"),
            }
        super().__init__(**kwargs)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket of the conversation's lock (created when missing)."""

        def issue(lock: TicketLock | None) -> tuple[TicketLock | None, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as exc:  # Rasa's own contract: any failure here is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: str) -> None:
        """Drop the lock's expired tickets."""

        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket from the lock."""

        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket, and the lock with it when nobody else is waiting (one transaction)."""

        def finish_and_drop_if_idle(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish_and_drop_if_idle)

    def _change(self, conversation_id: str, change: _Change[T]) -> T:
        key = self.key_prefix + conversation_id
        result: list[T] = []

        def transaction(pipe: Any) -> None:
            result.clear()  # a retried transaction starts again from the read
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            changed, outcome = change(lock)
            result.append(outcome)
            pipe.multi()
            if changed is None:
                if raw is not None:
                    pipe.delete(key)
            else:
                pipe.set(key, changed.dumps())

        self.red.transaction(transaction, key)
        return result[0]
