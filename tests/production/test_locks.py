"""The atomic Redis lock store, on the real Redis server: one ticket per message, whichever server asks."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from recruitbot.locks import AtomicRedisLockStore

REDIS_DB = 14  # a database of its own; each test uses its own conversation ids


@pytest.fixture()
def stores() -> Iterator[list[AtomicRedisLockStore]]:
    """Two lock stores, as two Rasa servers would hold them."""
    made = [AtomicRedisLockStore(host="127.0.0.1", port=6379, db=REDIS_DB) for _ in range(2)]
    try:
        made[0].red.ping()
    except Exception as exc:
        pytest.fail(f"Redis on 127.0.0.1:6379 is needed for the production profile's tests ({exc})")
    yield made
    for store in made:
        store.red.close()


def test_tickets_issued_at_once_by_two_servers_are_all_different(stores: list[AtomicRedisLockStore]) -> None:
    conversation = f"locks-{uuid.uuid4().hex}"
    with ThreadPoolExecutor(max_workers=16) as pool:
        tickets = list(pool.map(lambda n: stores[n % 2].issue_ticket(conversation), range(64)))
    assert sorted(tickets) == list(range(64))
    lock = stores[0].get_lock(conversation)
    assert lock is not None and lock.now_serving == 0 and lock.last_issued == 63


def test_the_lock_goes_when_its_last_ticket_is_done(stores: list[AtomicRedisLockStore]) -> None:
    conversation = f"locks-{uuid.uuid4().hex}"
    first, second = stores[0].issue_ticket(conversation), stores[1].issue_ticket(conversation)
    stores[1].cleanup(conversation, first)
    lock = stores[0].get_lock(conversation)
    assert lock is not None and not lock.is_locked(second)
    stores[0].cleanup(conversation, second)
    assert stores[1].get_lock(conversation) is None


def test_messages_taken_by_two_servers_are_processed_one_after_the_other(
    stores: list[AtomicRedisLockStore],
) -> None:
    conversation = f"locks-{uuid.uuid4().hex}"
    trace: list[str] = []

    async def turn(store: AtomicRedisLockStore, name: str) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            trace.append(f"{name} starts")
            await asyncio.sleep(0.05)  # another turn in between would show up in the trace
            trace.append(f"{name} ends")

    async def both() -> None:
        await asyncio.gather(*(turn(stores[n % 2], f"turn {n}") for n in range(6)))

    asyncio.run(both())
    assert len(trace) == 12
    for start in range(0, 12, 2):
        assert trace[start].replace("starts", "ends") == trace[start + 1]
    assert stores[0].get_lock(conversation) is None


def test_built_from_the_production_endpoints_as_rasa_builds_it() -> None:
    config = EndpointConfig(url="127.0.0.1", type="recruitbot.locks.AtomicRedisLockStore",
                            port="6379", db=str(REDIS_DB), password="")
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    conversation = f"locks-{uuid.uuid4().hex}"
    assert store.issue_ticket(conversation) == 0
    store.cleanup(conversation, 0)
    assert store.get_lock(conversation) is None
