"""Remember recently seen delivery ids, to drop the retries and replays of a webhook.

One Rasa server keeps them in memory (:class:`RecentKeys`). In the production profile several
servers take the same webhook behind nginx, so a retry may reach another server than the first
delivery did: there they share Redis (:class:`SharedRecentKeys`, one ``SET NX EX`` per key).
:func:`recent_keys` picks the one the deployment needs.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import redis

from recruitbot.settings import load_deployment

log = logging.getLogger(__name__)
DEFAULT_TTL_S = 3600.0


class SeenKeys(Protocol):
    """Delivery ids seen recently."""

    def first_time(self, key: str) -> bool:
        """Record ``key``; True unless it was already seen."""
        ...


def recent_keys(namespace: str) -> SeenKeys:
    """Keys remembered for this process, or in Redis for every server in the production profile."""
    deployment = load_deployment()
    if deployment.profile == "production":
        return SharedRecentKeys(redis.Redis.from_url(deployment.redis_url, socket_timeout=1.0), namespace)
    return RecentKeys()


class SharedRecentKeys:
    """Keys seen in the last ``ttl_s`` seconds by any server, in Redis under ``recruitbot:seen:<namespace>:``.

    If Redis cannot be reached the delivery is processed (a rare duplicate reply beats a lost
    message) and a warning is logged.
    """

    def __init__(self, client: redis.Redis, namespace: str, ttl_s: float = DEFAULT_TTL_S) -> None:
        """Remember keys in ``client`` for ``ttl_s`` seconds."""
        self._client = client
        self._prefix = f"recruitbot:seen:{namespace}:"
        self._ttl_s = max(1, int(ttl_s))

    def first_time(self, key: str) -> bool:
        """Record ``key``; True unless some server recorded it within the time to live."""
        try:
            return bool(self._client.set(self._prefix + key, b"1", nx=True, ex=self._ttl_s))
        except redis.RedisError as exc:
            log.warning("cannot reach Redis to drop repeated deliveries (%s); processing this one",
                        type(exc).__name__)
            return True


class RecentKeys:
    """Keys seen in the last ``ttl_s`` seconds, at most ``max_keys`` of them (oldest forgotten first).

    In memory, for one process (the default profile's single Rasa server).
    """

    def __init__(self, ttl_s: float = DEFAULT_TTL_S, max_keys: int = 50_000,
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
