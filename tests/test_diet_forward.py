"""DIET's prediction computed with numpy (``recruitbot/nlu/diet_forward.py``) is TensorFlow's, message by message.

The CRF's decoding is compared with Rasa's ``crf_decode`` on random potentials, lengths and
transitions. Then the trained model parses every training, held-out and dev message and the
benchmark's conversations twice, with DIET reading every message (the quick classifier naming
none): once with the numpy pass, once with DIET run in TensorFlow as Rasa runs it. The parses must
name the same intent, rank the same intents with the same confidences (to float32 rounding), and
find the same entities.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tensorflow as tf
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.tensorflow.crf import crf_decode as rasas_crf_decode

from bench.ours import SCRIPTS
from recruitbot.evaluate import DEV, HELDOUT
from recruitbot.nlu import diet_forward
from recruitbot.nlu.diet_forward import DietForward, crf_decode
from recruitbot.nlu.quick_intent import GatedDIETClassifier, QuickIntent
from recruitbot.rasa_server import fast_model_load
from tests.test_fast_model_load import _parses

CONFIDENCE_TOLERANCE = 1e-5


@pytest.mark.parametrize("length", [1, 2, 3, 7, 12])
def test_crf_decoding_gives_rasas_tags_and_confidences(length: int) -> None:
    rng = np.random.default_rng(length)
    for _ in range(20):
        tags = int(rng.integers(2, 9))
        potentials = rng.normal(scale=3.0, size=(length, tags)).astype(np.float32)
        transitions = rng.normal(scale=2.0, size=(tags, tags)).astype(np.float32)
        # Rasa decodes the token positions of a batch whose last position is the sentence's (length + 1).
        padded = np.vstack([potentials, rng.normal(size=(1, tags)).astype(np.float32)])
        expected_tags, expected_scores, _ = rasas_crf_decode(
            tf.constant(padded[np.newaxis]), tf.constant(transitions), tf.constant([length]))

        ours_tags, ours_scores = crf_decode(potentials, transitions)

        np.testing.assert_array_equal(ours_tags, expected_tags.numpy()[0, :length])
        np.testing.assert_allclose(ours_scores, expected_scores.numpy()[0, :length], atol=1e-6)


def test_confidences_carry_rasas_index_from_one_step_to_the_next() -> None:
    """A confidence of exactly 1 makes Rasa read the step before's confidence of tag 1, not of the tag decoded there."""
    potentials = np.array([[20, 20, 40], [60, 0, 60], [40, 20, 40]], dtype=np.float32)
    transitions = np.array([[40, 20, 20], [40, 40, 40], [20, 60, 20]], dtype=np.float32)
    padded = np.vstack([potentials, np.zeros((1, 3), dtype=np.float32)])
    expected_tags, expected_scores, _ = rasas_crf_decode(
        tf.constant(padded[np.newaxis]), tf.constant(transitions), tf.constant([3]))

    tags, scores = crf_decode(potentials, transitions)

    assert tags.tolist() == expected_tags.numpy()[0, :3].tolist() == [0, 0, 0]
    # The first token's confidence of tag 0 is a third (three equal paths into it); Rasa reports tag 1's.
    assert scores.tolist() == pytest.approx(expected_scores.numpy()[0, :3].tolist()) == [1.0, 1.0, 0.5]


def _training_messages() -> list[str]:
    texts = [example.get("text") for example in load_data("data/nlu").intent_examples]
    texts += [example.get("text") for path in (HELDOUT, DEV) for example in load_data(str(path)).intent_examples]
    texts += [text for script in SCRIPTS for text in script]
    return sorted(set(texts))


def _assert_same_parse(text: str, ours: dict[str, Any], tensorflows: dict[str, Any]) -> None:
    assert ours["intent"]["name"] == tensorflows["intent"]["name"], text
    assert ours["intent"]["confidence"] == pytest.approx(tensorflows["intent"]["confidence"], abs=CONFIDENCE_TOLERANCE)
    # An intent ranked by one and not the other is in the tail of both: its confidence is all but 0 in each.
    ranked = {item["name"]: item["confidence"] for item in ours["intent_ranking"]}
    expected = {item["name"]: item["confidence"] for item in tensorflows["intent_ranking"]}
    for name in ranked.keys() | expected.keys():
        assert ranked.get(name, 0.0) == pytest.approx(expected.get(name, 0.0), abs=CONFIDENCE_TOLERANCE), (text, name)
    entity_confidences = [entity.pop("confidence_entity", None) for entity in ours["entities"]]
    expected_confidences = [entity.pop("confidence_entity", None) for entity in tensorflows["entities"]]
    assert ours["entities"] == tensorflows["entities"], text
    assert entity_confidences == pytest.approx(expected_confidences, abs=1e-4), text
    for parse in (ours, tensorflows):
        del parse["intent"], parse["intent_ranking"], parse["entities"]
    assert ours == tensorflows, text


@pytest.mark.model
def test_every_message_parses_as_with_diet_in_tensorflow(trained_model: Path, monkeypatch) -> None:
    messages = _training_messages()
    assert len(messages) > 1000
    built: list[bool] = []
    from_model = DietForward.from_model.__func__  # type: ignore[attr-defined]

    def spied(cls: type[DietForward], classifier: GatedDIETClassifier) -> tuple[DietForward | None, str | None]:
        forward, reason = from_model(cls, classifier)
        built.append(forward is not None)
        return forward, reason

    monkeypatch.setattr(QuickIntent, "process", lambda self, messages: messages)
    with fast_model_load():
        monkeypatch.setattr(DietForward, "from_model", classmethod(spied))
        with_numpy = [json.loads(parse) for parse in _parses(trained_model, messages)]
        monkeypatch.setattr(DietForward, "from_model", classmethod(lambda cls, classifier: (None, "switched off")))
        with_tensorflow = [json.loads(parse) for parse in _parses(trained_model, messages)]

    assert built == [True], "the numpy pass should stand in for the trained DIET"
    assert any(entity["extractor"] == "GatedDIETClassifier" for parse in with_numpy for entity in parse["entities"])
    for text, ours, tensorflows in zip(messages, with_numpy, with_tensorflow, strict=True):
        _assert_same_parse(text, ours, tensorflows)


@pytest.mark.model
def test_an_architecture_it_does_not_implement_is_left_to_tensorflow(trained_model: Path) -> None:
    from rasa.core.agent import Agent

    with fast_model_load():
        agent = Agent.load(str(trained_model))
    diet = next(node for node in _graph_components(agent) if isinstance(node, GatedDIETClassifier))
    assert diet_forward._unsupported(diet) is None
    diet.model.config["unidirectional_encoder"] = True
    assert DietForward.from_model(diet) == (None, "a unidirectional encoder")
    diet.model.config["unidirectional_encoder"] = False
    transformer = diet.model._tf_layers["sequence_layer.text"]._tf_layers["transformer"]
    transformer._layer_norm.epsilon = 1e-3
    assert DietForward.from_model(diet) == (None, "a layer normalisation with epsilon 0.001")


def _graph_components(agent: Any) -> list[Any]:
    runner = agent.processor.graph_runner
    return [node._component for node in runner._instantiated_nodes.values() if hasattr(node, "_component")]
