"""The ResponseSelector runs only for FAQ and not-understood messages, and nothing else changes.

The trained model parses the held-out messages and the benchmark's conversations with the
selector run on every message (Rasa's own behaviour) and as configured. The parses must be equal,
except that the messages read as neither ``faq`` nor ``nlu_fallback`` carry no selection, and
that the FAQ questions whose key the key regression is sure of carry its selection, in Rasa's format:
the same key as the selector's but for a few, and never a wrong one where the selector's is right.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from recruitbot.evaluate import HELDOUT
from recruitbot.nlu.faq_selector import FaqResponseSelector
from recruitbot.rasa_server import fast_model_load
from recruitbot.settings import PROJECT_ROOT
from tests.test_fast_model_load import _messages, _parses

pytestmark = pytest.mark.model


# Not understood whatever the model: most of its words are in no vocabulary (UnknownWordsFallback).
GIBBERISH = ["qwxz plorf zzzt", "blorp snizzle wug"]


@pytest.fixture(scope="module")
def parses(trained_model: Path) -> dict[str, list[dict[str, Any]]]:
    """The parses as configured, without the key regression, and with Rasa's selector on every message."""
    messages = [*_messages(), *GIBBERISH]
    result = {"messages": messages}
    with fast_model_load(), pytest.MonkeyPatch.context() as patch:
        result["configured"] = [json.loads(parse) for parse in _parses(trained_model, messages)]
        patch.setattr(FaqResponseSelector, "_select_quickly", lambda self, message: False)
        result["gated"] = [json.loads(parse) for parse in _parses(trained_model, messages)]
        patch.setattr(FaqResponseSelector, "needs_selection", lambda self, message: True)
        result["always"] = [json.loads(parse) for parse in _parses(trained_model, messages)]
    return result


def test_only_faq_and_fallback_messages_are_given_a_selection(parses: dict[str, list[Any]]) -> None:
    messages, configured, always = parses["messages"], parses["gated"], parses["always"]
    intents = [parse["intent"]["name"] for parse in always]
    assert {"faq", "nlu_fallback", "search_vacancies", "inform"} <= set(intents)
    for text, ours, rasas, intent in zip(messages, configured, always, intents, strict=True):
        assert rasas["response_selector"]["faq"]["ranking"], text
        if intent in ("faq", "nlu_fallback"):
            assert ours == rasas, text
        else:
            assert ours == {key: value for key, value in rasas.items() if key != "response_selector"}, text


def _without_selection(parse: dict[str, Any]) -> dict[str, Any]:
    """The parse without what the FAQ key's choice sets: the selection, and the intent's full name."""
    def unnamed(intent: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in intent.items() if key != "full_retrieval_intent_name"}

    return {**{key: value for key, value in parse.items() if key != "response_selector"},
            "intent": unnamed(parse["intent"]), "intent_ranking": [unnamed(item) for item in parse["intent_ranking"]]}


def test_the_key_regression_answers_some_faq_questions_and_changes_nothing_else(
        parses: dict[str, list[Any]]) -> None:
    quick, other_keys = 0, []
    for text, ours, rasas in zip(parses["messages"], parses["configured"], parses["gated"], strict=True):
        assert _without_selection(ours) == _without_selection(rasas), text
        if ours == rasas:
            continue
        quick += 1
        assert ours["intent"]["name"] == "faq", text  # a fallback's buttons are always Rasa's selector's
        mine, theirs = ours["response_selector"], rasas["response_selector"]
        assert mine["all_retrieval_intents"] == theirs["all_retrieval_intents"] == ["faq"]
        assert set(mine["faq"]["response"]) == set(theirs["faq"]["response"]), text
        assert mine["faq"]["response"]["confidence"] >= _quick_threshold(), text
        assert len(mine["faq"]["ranking"]) == len(theirs["faq"]["ranking"]), text
        key = mine["faq"]["response"]["intent_response_key"]
        assert ours["intent"]["full_retrieval_intent_name"] == key, text  # the answer given is the one chosen
        if key != theirs["faq"]["response"]["intent_response_key"]:
            other_keys.append((text, key, theirs["faq"]["response"]["intent_response_key"]))
    faq = sum(parse["intent"]["name"] == "faq" for parse in parses["configured"])
    print(f"{quick} of {faq} FAQ questions read by the key regression; another key than the selector's: {other_keys}")
    assert faq / 2 < quick < faq, f"{quick} of {faq} FAQ questions read by the key regression"
    # Sure as it is, the regression may name another key than the selector would, rarely (one dev question of
    # 118 when its threshold was chosen), and never a wrong one where the selector's is the held-out label.
    assert len(other_keys) <= quick * 0.03, other_keys
    labels = {example.get("text"): example.get_full_intent() for example in load_data(str(HELDOUT)).intent_examples}
    assert [(text, key, label) for text, key, selectors in other_keys
            if (label := labels.get(text)) == selectors != key] == []


def _quick_threshold() -> float:
    pipeline = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["pipeline"]
    return next(float(step["quick_threshold"]) for step in pipeline if step["name"].endswith("FaqResponseSelector"))
