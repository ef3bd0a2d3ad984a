"""The FAQ selector's key regression names the keys it is sure of, in Rasa's format; Rasa's selector reads the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    INTENT,
    INTENT_RESPONSE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix

from recruitbot.nlu.faq_selector import FaqResponseSelector
from recruitbot.nlu.quick_intent import regression_rows

# One word per FAQ key, and a word of no key at all.
WORDS = ("salary", "feedback", "notice", "weather")
KEYS = {"salary": "faq/salary", "feedback": "faq/feedback", "notice": "faq/notice"}
RESPONSES = {f"utter_{key}": [{"text": f"the answer on {word}"}] for word, key in KEYS.items()}


def _featurized(data: dict[str, Any]) -> Message:
    words = data[TEXT].split()
    sequence = [[float(word == known) for known in WORDS] for word in words]
    message = Message(data=data)
    message.add_features(Features(csr_matrix(sequence), FEATURE_TYPE_SEQUENCE, TEXT, "words"))
    message.add_features(Features(csr_matrix(np.sum(sequence, axis=0, keepdims=True)), FEATURE_TYPE_SENTENCE,
                                  TEXT, "words"))
    return message


def _message(text: str, intent: str) -> Message:
    """A message to parse, as the classifiers before the selector leave it."""
    return _featurized({TEXT: text, INTENT: {"name": intent, "confidence": 1.0}})


def _training_data() -> TrainingData:
    examples = [_featurized({TEXT: f"{word} please", INTENT: "faq", INTENT_RESPONSE_KEY: key})
                for word, key in KEYS.items() for _ in range(4)]
    examples += [_featurized({TEXT: "hello there", INTENT: "greet"}) for _ in range(4)]
    return TrainingData(examples, responses=RESPONSES)


SAME = -1.0  # train with the threshold it is loaded with


def _selector(tmp_path: Path, threshold: float | None, trained_with: float | None = SAME) -> FaqResponseSelector:
    storage, resource = LocalModelStorage(tmp_path), Resource("faq")
    context = ExecutionContext(GraphSchema({}), "faq")
    base = {**FaqResponseSelector.get_default_config(), "retrieval_intent": "faq", "epochs": 2, "random_seed": 7}
    FaqResponseSelector.create({**base, "quick_threshold": threshold if trained_with == SAME else trained_with},
                               storage, resource, context).train(_training_data())
    return FaqResponseSelector.load({**base, "quick_threshold": threshold}, storage, resource, context)


@pytest.fixture
def rasas_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of the messages given to Rasa's own selector (which still runs)."""
    read: list[str] = []
    process = ResponseSelector.process

    def recorded(self: ResponseSelector, messages: list[Message]) -> list[Message]:
        read.extend(message.get(TEXT) for message in messages)
        return process(self, messages)

    monkeypatch.setattr(ResponseSelector, "process", recorded)
    return read


def test_a_sure_key_is_named_in_rasas_format_without_the_transformer(tmp_path: Path, rasas_reads: list[str]) -> None:
    quick = _message("what about salary", "faq")
    _selector(tmp_path, threshold=0.9).process([quick])
    assert rasas_reads == []
    selection = quick.get("response_selector")
    assert selection["all_retrieval_intents"] == ["faq"]
    response = selection["faq"]["response"]
    assert response["intent_response_key"] == "faq/salary" and response["utter_action"] == "utter_faq/salary"
    assert response["responses"] == [{"text": "the answer on salary"}] and response["confidence"] >= 0.9
    ranking = selection["faq"]["ranking"]
    assert ranking[0]["intent_response_key"] == "faq/salary" and len(ranking) == 3
    assert sum(entry["confidence"] for entry in ranking) == pytest.approx(1.0)

    # The same shape as Rasa's own selection of that message.
    rasas = _message("what about salary", "faq")
    (tmp_path / "off").mkdir()
    _selector(tmp_path / "off", threshold=None).process([rasas])
    assert rasas_reads == ["what about salary"]
    theirs = rasas.get("response_selector")
    assert set(theirs) == set(selection) and set(theirs["faq"]) == set(selection["faq"])
    assert set(theirs["faq"]["response"]) == set(response)
    assert all(set(entry) == {"confidence", "intent_response_key"} for entry in theirs["faq"]["ranking"] + ranking)


def test_an_unsure_key_and_every_fallback_are_left_to_rasas_selector(tmp_path: Path, rasas_reads: list[str]) -> None:
    selector = _selector(tmp_path, threshold=0.9)
    unsure, fallback, sure = (_message("what about weather", "faq"), _message("salary", "nlu_fallback"),
                              _message("salary", "faq"))
    other = _message("salary", "greet")
    selector.process([unsure, fallback, sure, other])
    assert rasas_reads == ["what about weather", "salary"]  # the unsure FAQ question, then the fallback
    assert fallback.get("response_selector")["faq"]["ranking"] and unsure.get("response_selector")
    assert other.get("response_selector") is None


def test_the_confidences_are_scikit_learns(tmp_path: Path) -> None:
    selector = _selector(tmp_path, threshold=0.0)  # every FAQ question read by the regression
    assert selector.key_regression is not None
    for text in ("salary", "notice please", "feedback salary"):
        message = _message(text, "faq")
        expected = dict(zip(selector.key_regression.classes_,
                            selector.key_regression.predict_proba(regression_rows([message]))[0], strict=True))
        selector.process([message])
        ranking = message.get("response_selector")["faq"]["ranking"]
        assert {entry["intent_response_key"]: entry["confidence"] for entry in ranking} == pytest.approx(expected)


def test_a_model_trained_without_the_regression_does_not_load_with_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="trained without the key regression"):
        _selector(tmp_path, threshold=0.9, trained_with=None)


def test_without_a_threshold_there_is_no_regression(tmp_path: Path, rasas_reads: list[str]) -> None:
    selector = _selector(tmp_path, threshold=None)
    assert selector.key_regression is None
    selector.process([_message("salary", "faq")])
    assert rasas_reads == ["salary"]
