"""Webhook retries dropped across servers: the production profile remembers delivery ids in Redis."""

from __future__ import annotations

import logging
import uuid

import pytest
import redis

from connectors.dedup import RecentKeys, SharedRecentKeys, recent_keys
from recruitbot.run import free_port

REDIS = "redis://127.0.0.1:6379/13"


def test_a_delivery_seen_by_one_server_is_a_repeat_on_the_other() -> None:
    namespace = f"test-{uuid.uuid4().hex}"
    first = SharedRecentKeys(redis.Redis.from_url(REDIS), namespace, ttl_s=60)
    second = SharedRecentKeys(redis.Redis.from_url(REDIS), namespace, ttl_s=60)
    assert first.first_time("event:Ev123")
    assert not second.first_time("event:Ev123")
    assert not first.first_time("event:Ev123")
    assert second.first_time("event:Ev124")
    assert SharedRecentKeys(redis.Redis.from_url(REDIS), f"{namespace}-other").first_time("event:Ev123")


def test_without_redis_the_delivery_is_processed_and_the_operator_warned(caplog: pytest.LogCaptureFixture) -> None:
    unreachable = SharedRecentKeys(redis.Redis(port=free_port(), socket_timeout=0.5), "test")
    with caplog.at_level(logging.WARNING, logger="connectors.dedup"):
        assert unreachable.first_time("event:Ev1")
    assert "cannot reach Redis" in caplog.text


def test_the_profile_chooses_where_delivery_ids_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECRUITBOT_PROFILE", raising=False)
    assert isinstance(recent_keys("slack"), RecentKeys)
    monkeypatch.setenv("RECRUITBOT_PROFILE", "production")
    monkeypatch.setenv("RECRUITBOT_REDIS_URL", REDIS)
    assert isinstance(recent_keys("slack"), SharedRecentKeys)
