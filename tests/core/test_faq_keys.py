"""The FAQ keys learnt by DIET, folded back into the intent ``faq`` and a response selection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from recruitbot.nlu.faq_keys import FaqKeysAsIntents, FaqKeysToResponseSelector

THANKS = [{"text": "A short thank-you email the same day is worth sending."}]
TIMELINE = [{"text": "A week or two is usual."}]


def _training_data() -> TrainingData:
    return TrainingData(
        training_examples=[
            Message.build("should i send a thank you email", intent="faq/thank_you_email"),
            Message.build("how long do they take to decide", intent="faq/decision_timeline"),
            Message.build("hi there", intent="greet"),
        ],
        responses={"utter_faq/thank_you_email": THANKS, "utter_faq/decision_timeline": TIMELINE,
                   "utter_greet": [{"text": "Hello"}]},
    )


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


@pytest.fixture
def folder(tmp_path: Path) -> FaqKeysToResponseSelector:
    storage = LocalModelStorage(tmp_path)
    component = FaqKeysToResponseSelector.create({}, storage, Resource("faq_keys"), _context())
    training_data = FaqKeysAsIntents.create({}, storage, Resource("as_intents"), _context()).process_training_data(
        _training_data())
    component.train(training_data)
    return FaqKeysToResponseSelector.load({}, storage, Resource("faq_keys"), _context())


def _parsed(ranking: list[tuple[str, float]]) -> Message:
    message = Message.build("some text")
    labels = [{"id": index, "name": name, "confidence": confidence} for index, (name, confidence) in enumerate(ranking)]
    message.set("intent", dict(labels[0]), add_to_output=True)
    message.set("intent_ranking", labels, add_to_output=True)
    return message


def test_training_labels_each_faq_example_with_its_key_and_leaves_other_intents() -> None:
    data = FaqKeysAsIntents.create({}, None, Resource("x"), _context()).process_training_data(  # type: ignore[arg-type]
        _training_data())
    assert [(example.get("intent"), example.get("intent_response_key")) for example in data.intent_examples] == [
        ("faq/thank_you_email", "faq/thank_you_email"),
        ("faq/decision_timeline", "faq/decision_timeline"),
        ("greet", None),
    ]


def test_keys_fold_into_faq_with_their_summed_confidence_and_a_selection(folder: FaqKeysToResponseSelector) -> None:
    ranking = [("faq/thank_you_email", 0.5), ("greet", 0.3), ("faq/decision_timeline", 0.2)]
    message = folder.process([_parsed(ranking)])[0]
    assert message.get("intent") == {"id": 0, "name": "faq", "confidence": pytest.approx(0.7)}
    assert message.get("intent_ranking") == [
        {"id": 0, "name": "faq", "confidence": pytest.approx(0.7)},
        {"id": 1, "name": "greet", "confidence": 0.3},
    ]
    selector: dict[str, Any] = message.get("response_selector")
    assert selector == {
        "all_retrieval_intents": ["faq"],
        "faq": {
            "response": {"responses": THANKS, "confidence": pytest.approx(0.5 / 0.7),
                         "intent_response_key": "faq/thank_you_email", "utter_action": "utter_faq/thank_you_email"},
            "ranking": [
                {"id": 0, "confidence": pytest.approx(0.5 / 0.7), "intent_response_key": "faq/thank_you_email"},
                {"id": 2, "confidence": pytest.approx(0.2 / 0.7), "intent_response_key": "faq/decision_timeline"},
            ],
        },
    }
    assert "response_selector" in message.as_dict(only_output_properties=True)


def test_keys_that_together_outweigh_the_top_intent_make_faq_the_intent(folder: FaqKeysToResponseSelector) -> None:
    ranking = [("greet", 0.4), ("faq/decision_timeline", 0.35), ("faq/thank_you_email", 0.25)]
    message = folder.process([_parsed(ranking)])[0]
    assert message.get("intent")["name"] == "faq"
    assert message.get("intent")["confidence"] == pytest.approx(0.6)
    assert message.get("response_selector")["faq"]["response"]["utter_action"] == "utter_faq/decision_timeline"


def test_a_ranking_without_keys_has_no_faq_selection(folder: FaqKeysToResponseSelector) -> None:
    message = folder.process([_parsed([("greet", 0.9), ("goodbye", 0.1)])])[0]
    assert message.get("intent") == {"id": 0, "name": "greet", "confidence": 0.9}
    assert message.get("response_selector") == {"all_retrieval_intents": ["faq"]}


def test_a_message_with_no_ranking_is_left_alone(folder: FaqKeysToResponseSelector) -> None:
    message = Message.build("/greet")
    message.set("intent", {"name": "greet", "confidence": 1.0})
    folder.process([message])
    assert message.get("intent") == {"name": "greet", "confidence": 1.0}
    assert message.get("response_selector") == {"all_retrieval_intents": ["faq"]}
