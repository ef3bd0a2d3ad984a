"""The limits at the edge (connectors/limits.py), on a clock the tests move by hand."""

from __future__ import annotations

import pytest

from connectors.limits import EdgeGuard, Refusal, SlidingWindow, client_ip, trusted_networks
from recruitbot.settings import EdgeLimits, load_edge_limits


class Clock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_window_allows_the_limit_in_any_minute_and_says_how_long_to_wait() -> None:
    clock = Clock()
    window = SlidingWindow(3, clock=clock)
    for _ in range(3):
        assert window.wait("a") == 0.0
        window.record("a")
        clock.now += 10
    assert window.wait("a") == pytest.approx(30.0)  # the first of the three leaves the window at +60 s
    assert window.wait("b") == 0.0
    clock.now += 30
    assert window.wait("a") == 0.0


def test_a_limit_of_zero_is_no_limit() -> None:
    window = SlidingWindow(0, clock=Clock())
    for _ in range(1000):
        window.record("a")
    assert window.wait("a") == 0.0


def test_a_window_forgets_the_least_recently_active_keys_beyond_its_size() -> None:
    window = SlidingWindow(1, clock=Clock(), max_keys=2)
    for key in ("a", "b", "c"):
        window.record(key)
    assert [window.wait(key) > 0 for key in ("a", "b", "c")] == [False, True, True]


def guard(clock: Clock, per_session: int = 2) -> EdgeGuard:
    limits = EdgeLimits(max_message_chars=10, session_messages_per_minute=per_session, ip_messages_per_minute=3)
    return EdgeGuard(limits, clock=clock)


def test_a_session_over_its_rate_is_refused_with_the_seconds_to_wait() -> None:
    clock = Clock()
    edge = guard(clock)
    assert edge.admit("hi", "s1", "10.0.0.1") is None
    clock.now += 15.2
    assert edge.admit("hi", "s1", "10.0.0.1") is None
    assert edge.admit("hi", "s1", "10.0.0.1") == Refusal("rate_limited", 2, 45)
    assert edge.admit("hi", "s2", "10.0.0.2") is None  # other sessions and addresses are untouched
    clock.now += 45
    assert edge.admit("hi", "s1", "10.0.0.1") is None


def test_an_address_over_its_rate_is_refused_whatever_session_it_names() -> None:
    clock = Clock()
    edge = guard(clock)
    for session in ("s1", "s2", "s3"):
        assert edge.admit("hi", session, "10.0.0.1") is None
    assert edge.admit("hi", "s4", "10.0.0.1") == Refusal("rate_limited", 3, 60)
    assert edge.admit("hi", "s4", "10.0.0.9") is None


def test_a_refused_message_does_not_count() -> None:
    clock = Clock()
    edge = guard(clock)
    edge.admit("hi", "s1", "ip")
    edge.admit("hi", "s1", "ip")
    for _ in range(10):
        assert edge.admit("hi", "s1", "ip") is not None
    clock.now += 60
    assert edge.admit("hi", "s1", "ip") is None


def test_a_long_message_is_refused_and_not_counted() -> None:
    edge = guard(Clock(), per_session=1)
    assert edge.admit("x" * 11, "s1", "ip") == Refusal("too_long", 10)
    assert edge.admit("x" * 10, "s1", "ip") is None


def test_forwarded_addresses_are_believed_only_from_trusted_proxies() -> None:
    proxies = trusted_networks(("10.0.0.0/8", "192.168.1.5"))
    assert client_ip("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9"
    assert client_ip("10.1.2.3", "198.51.100.7", proxies) == "198.51.100.7"
    # The client wrote its own X-Forwarded-For; each trusted proxy appended what it saw.
    assert client_ip("10.1.2.3", "1.2.3.4, 198.51.100.7, 192.168.1.5", proxies) == "198.51.100.7"
    assert client_ip("10.1.2.3", None, proxies) == "10.1.2.3"
    assert client_ip("10.1.2.3", "1.2.3.4", ()) == "10.1.2.3"


def test_the_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RECRUITBOT_MAX_MESSAGE_CHARS", "RECRUITBOT_MAX_REQUEST_BYTES", "RECRUITBOT_TRUSTED_PROXIES",
                 "RECRUITBOT_SESSION_MESSAGES_PER_MINUTE", "RECRUITBOT_IP_MESSAGES_PER_MINUTE"):
        monkeypatch.delenv(name, raising=False)
    assert load_edge_limits() == EdgeLimits(4000, 65536, 30, 120, ())
    monkeypatch.setenv("RECRUITBOT_SESSION_MESSAGES_PER_MINUTE", "5")
    monkeypatch.setenv("RECRUITBOT_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")
    assert load_edge_limits().session_messages_per_minute == 5
    assert load_edge_limits().trusted_proxies == ("10.0.0.0/8", "127.0.0.1")
    with pytest.raises(ValueError, match="RECRUITBOT_TRUSTED_PROXIES"):
        trusted_networks(("proxy.internal",))
