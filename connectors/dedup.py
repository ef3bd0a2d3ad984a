"""Remember recently seen delivery ids, to drop the retries and replays of a webhook."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class RecentKeys:
    """Keys seen in the last ``ttl_s`` seconds, at most ``max_keys`` of them (oldest forgotten first).

    In memory, for one process: the Slack and Telegram webhooks run in the single Rasa server
    process (several Sanic workers would each need to share this through Redis).
    """

    def __init__(self, ttl_s: float = 3600.0, max_keys: int = 50_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._max_keys = max_keys
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """Record ``key``; True unless it was already seen within the time to live."""
        now = self._clock()
        self._forget_older_than(now - self._ttl_s)
        if key in self._seen:
            return False
        self._seen[key] = now
        if len(self._seen) > self._max_keys:
            self._seen.popitem(last=False)
        return True

    def _forget_older_than(self, cutoff: float) -> None:
        while self._seen:
            oldest_key, seen_at = next(iter(self._seen.items()))
            if seen_at >= cutoff:
                return
            del self._seen[oldest_key]
