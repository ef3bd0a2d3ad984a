"""The Rasa server's model loading without a traced training step parses every message as Rasa's own does.

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
    with_rasas_loading = _parses(trained_model, messages)

    # How each model's one training step ran: eagerly (True) or through a traced graph (False).
    steps_run_eagerly: list[bool] = []
    fit = RasaModel.fit

    def spied_fit(model: RasaModel, *args: Any, **kwargs: Any) -> Any:
        steps_run_eagerly.append(model.run_eagerly)
        return fit(model, *args, **kwargs)

    monkeypatch.setattr(RasaModel, "fit", spied_fit)
    rasas_own = RasaModel.__dict__["load"]
    with fast_model_load():
        assert RasaModel.load.__func__ is load_without_training_trace
        without_trace = _parses(trained_model, messages)
    assert RasaModel.__dict__["load"] is rasas_own

    assert steps_run_eagerly == [True, True]  # DIET and the FAQ ResponseSelector
    pairs = zip(messages, without_trace, with_rasas_loading, strict=True)
    differing = [(text, ours, theirs) for text, ours, theirs in pairs if ours != theirs]
    assert not differing, differing[:3]
