"""The Rasa server's model loading without a training step parses every message as Rasa's own does.

``recruitbot.rasa_server.load_without_training_trace`` replaces ``RasaModel.load`` in the server
and in ``recruitbot.evaluate`` (see its module docstring). Here the trained model is loaded both
ways in this process, and the held-out messages and the benchmark's conversations are parsed by
each: the parses must be equal in every field and every confidence.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.tensorflow.models import RasaModel

from bench.ours import SCRIPTS
from recruitbot.evaluate import HELDOUT
from recruitbot.rasa_server import fast_model_load, load_without_training_trace

pytestmark = pytest.mark.model


def _messages() -> list[str]:
    return [example.get("text") for example in load_data(str(HELDOUT)).intent_examples] + [
        text for script in SCRIPTS for text in script
    ]


def _parses(model: Path, messages: list[str]) -> list[str]:
    agent = Agent.load(str(model))

    async def parse_all() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in messages]

    return [json.dumps(parse, sort_keys=True) for parse in asyncio.run(parse_all())]


def test_messages_parse_exactly_as_with_rasas_own_loading(trained_model: Path, monkeypatch) -> None:
    messages = _messages()
    assert len(messages) > 250
    # Every training step taken while loading, by whose loading: eagerly (True) or traced (False).
    steps: dict[str, list[bool]] = {"rasa": [], "ours": []}
    fit = RasaModel.fit

    def spied_fit(model: RasaModel, *args: Any, **kwargs: Any) -> Any:
        ours = RasaModel.load.__func__ is load_without_training_trace
        steps["ours" if ours else "rasa"].append(model.run_eagerly)
        return fit(model, *args, **kwargs)

    monkeypatch.setattr(RasaModel, "fit", spied_fit)
    with_rasas_loading = _parses(trained_model, messages)
    rasas_own = RasaModel.__dict__["load"]
    with fast_model_load():
        assert RasaModel.load.__func__ is load_without_training_trace
        without_training_step = _parses(trained_model, messages)
    assert RasaModel.__dict__["load"] is rasas_own

    assert steps == {"rasa": [False, False], "ours": []}  # DIET and the FAQ ResponseSelector; for prediction, none
    pairs = zip(messages, without_training_step, with_rasas_loading, strict=True)
    differing = [(text, ours, theirs) for text, ours, theirs in pairs if ours != theirs]
    assert not differing, differing[:3]
