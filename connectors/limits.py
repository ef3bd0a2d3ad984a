"""Limits at the edge, shared by the REST and widget channels: message length and messages per minute.

Rates are counted per session (the sender id) and per client IP address, each in a sliding window
of one minute: a key may send ``limit`` messages in any 60 seconds, and a refused message does not
count. The counts live in memory, per process: Rasa runs here as one process with one Sanic worker;
several processes behind a load balancer would each count on their own (so the effective limit
would be multiplied by their number) and would need a shared store such as Redis instead.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from recruitbot.settings import EdgeLimits

WINDOW_S = 60.0
MAX_KEYS = 100_000  # sessions or addresses remembered at most; the least recently active go first

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SlidingWindow:
    """At most ``limit`` events per key in any ``window_s`` seconds; ``limit`` 0 means no limit."""

    def __init__(self, limit: int, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = MAX_KEYS) -> None:
        self._limit = limit
        self._window_s = window_s
        self._clock = clock
        self._max_keys = max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may have another event; 0.0 when it may now."""
        if self._limit <= 0:
            return 0.0
        now = self._clock()
        times = self._recent(key, now)
        if len(times) < self._limit:
            return 0.0
        return times[0] + self._window_s - now

    def record(self, key: str) -> None:
        """Count one event for ``key`` now."""
        if self._limit <= 0:
            return
        now = self._clock()
        self._recent(key, now).append(now)
        self._events.move_to_end(key)
        while len(self._events) > self._max_keys:
            self._events.popitem(last=False)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._events.setdefault(key, deque())
        while times and times[0] <= now - self._window_s:
            times.popleft()
        return times


@dataclass(frozen=True)
class Refusal:
    """Why a message was refused: too long (``limit`` characters) or over a rate (retry after some seconds)."""

    reason: Literal["too_long", "rate_limited"]
    limit: int
    retry_after_s: int = 0


class EdgeGuard:
    """Admits a message only when it is short enough and its session and address are within their rates."""

    def __init__(self, limits: EdgeLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._sessions = SlidingWindow(limits.session_messages_per_minute, clock=clock)
        self._addresses = SlidingWindow(limits.ip_messages_per_minute, clock=clock)

    def admit(self, text: str, session: str, ip: str) -> Refusal | None:
        """None when the message may go on (and it is counted); otherwise why not."""
        if len(text) > self.limits.max_message_chars:
            return Refusal("too_long", self.limits.max_message_chars)
        by_session, by_address = self._sessions.wait(session), self._addresses.wait(ip)
        if by_session or by_address:
            limit = (self.limits.session_messages_per_minute if by_session >= by_address
                     else self.limits.ip_messages_per_minute)
            return Refusal("rate_limited", limit, max(1, math.ceil(max(by_session, by_address))))
        self._sessions.record(session)
        self._addresses.record(ip)
        return None


def trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    """The networks of RECRUITBOT_TRUSTED_PROXIES; a ValueError names an entry that is not one."""
    networks = []
    for proxy in proxies:
        try:
            networks.append(ipaddress.ip_network(proxy, strict=False))
        except ValueError as exc:
            raise ValueError(f"RECRUITBOT_TRUSTED_PROXIES: {proxy!r} is not an IP address or network") from exc
    return tuple(networks)


def client_ip(peer: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The client's address: the peer's, or, when the peer is a trusted proxy, the one it was forwarded for.

    X-Forwarded-For is read from the right (each proxy appends the address it received from), past
    every trusted proxy, so a client cannot choose its address by writing the header itself.
    """
    if not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
