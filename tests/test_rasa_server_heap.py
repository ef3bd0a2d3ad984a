"""The Rasa server freezes its heap once the model has loaded (recruitbot.rasa_server.install_heap_freeze)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest
import rasa.core.run

from recruitbot.rasa_server import install_heap_freeze


@pytest.fixture
def unfrozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(rasa.core.run, "load_agent_on_start", rasa.core.run.load_agent_on_start)
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_model_and_what_was_alive_before_it_are_frozen_after_loading(
    unfrozen: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = [object()]  # a list: the collector tracks it
    frozen_when_loading: list[int] = []

    async def load_agent_on_start(*args: object, **kwargs: object) -> list[object]:
        frozen_when_loading.append(gc.get_freeze_count())
        return model

    monkeypatch.setattr(rasa.core.run, "load_agent_on_start", load_agent_on_start)
    install_heap_freeze()
    loaded = asyncio.run(rasa.core.run.load_agent_on_start("model.tar.gz", None, None, None, None))

    assert loaded is model
    assert frozen_when_loading == [0]
    # gc.get_objects() lists the collected generations only: a frozen object is no longer among them.
    assert not any(candidate is model for candidate in gc.get_objects())
