"""DIET is skipped only where the quick classifier is sure, and nothing DIET would have found is lost.

The trained model parses the held-out and dev messages and the benchmark's conversations twice: as
configured, and with the quick classifier naming nothing, so that DIET reads every message (the
pipeline as it was before the quick classifier). The messages DIET read are parsed identically.
For the ones read quickly, DIET would have found no entity, the other extractors' entities are the
same, and the benchmark's messages, whose replies the load checks, get the intent DIET gives them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bench.ours import SCRIPTS
from recruitbot.evaluate import DEV, HELDOUT
from recruitbot.nlu.quick_intent import READ_QUICKLY, QuickIntent
from recruitbot.rasa_server import fast_model_load
from tests.test_fast_model_load import _parses

pytestmark = pytest.mark.model


def _diet_entities(parse: dict[str, object]) -> list[object]:
    return [entity for entity in parse["entities"] if entity["extractor"] == "GatedDIETClassifier"]  # type: ignore


def test_diet_reads_every_message_the_quick_classifier_is_unsure_of(trained_model: Path, monkeypatch) -> None:
    bench = sorted({text for script in SCRIPTS for text in script})
    messages = [example.get("text") for path in (HELDOUT, DEV) for example in load_data(str(path)).intent_examples]
    messages += bench
    read_quickly: set[str] = set()
    process = QuickIntent.process

    def spied(self: QuickIntent, messages: list[Message]) -> list[Message]:
        process(self, messages)
        read_quickly.update(message.get(TEXT) for message in messages if message.get(READ_QUICKLY))
        return messages

    with fast_model_load():
        monkeypatch.setattr(QuickIntent, "process", spied)
        configured = [json.loads(parse) for parse in _parses(trained_model, messages)]
        monkeypatch.setattr(QuickIntent, "process", lambda self, messages: messages)
        diet_everywhere = [json.loads(parse) for parse in _parses(trained_model, messages)]

    assert len(read_quickly) >= len(messages) / 2, "the quick classifier should read most messages"
    assert len(read_quickly & set(bench)) >= len(bench) / 2
    for text, ours, diets in zip(messages, configured, diet_everywhere, strict=True):
        if text not in read_quickly:
            assert ours == diets, text
            continue
        assert _diet_entities(diets) == [], text
        assert ours["entities"] == diets["entities"], text
        if text in bench:
            assert ours["intent"]["name"] == diets["intent"]["name"], text
