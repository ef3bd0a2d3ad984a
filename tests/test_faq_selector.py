"""The ResponseSelector runs only for FAQ and not-understood messages, and nothing else changes.

The trained model parses the held-out messages and the benchmark's conversations twice: with the
selector run on every message (Rasa's own behaviour) and as configured. The parses must be equal,
except that the messages read as neither ``faq`` nor ``nlu_fallback`` carry no selection.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recruitbot.nlu.faq_selector import FaqResponseSelector
from recruitbot.rasa_server import fast_model_load
from tests.test_fast_model_load import _messages, _parses

pytestmark = pytest.mark.model


# Not understood whatever the model: most of its words are in no vocabulary (UnknownWordsFallback).
GIBBERISH = ["qwxz plorf zzzt", "blorp snizzle wug"]


def test_only_faq_and_fallback_messages_are_given_a_selection(trained_model: Path, monkeypatch) -> None:
    messages = [*_messages(), *GIBBERISH]
    with fast_model_load():
        configured = [json.loads(parse) for parse in _parses(trained_model, messages)]
        with monkeypatch.context() as patch:
            patch.setattr(FaqResponseSelector, "needs_selection", lambda self, message: True)
            always = [json.loads(parse) for parse in _parses(trained_model, messages)]
    intents = [parse["intent"]["name"] for parse in always]
    assert {"faq", "nlu_fallback", "search_vacancies", "inform"} <= set(intents)
    for text, ours, rasas, intent in zip(messages, configured, always, intents, strict=True):
        assert rasas["response_selector"]["faq"]["ranking"], text
        if intent in ("faq", "nlu_fallback"):
            assert ours == rasas, text
        else:
            assert ours == {key: value for key, value in rasas.items() if key != "response_selector"}, text
