"""Let DIET tell the FAQ keys apart itself, instead of a second model reading the message again.

Rasa's way with a retrieval intent is two TensorFlow models per message: DIET says "faq", then a
ResponseSelector, trained on the FAQ examples alone, reads the same message again to say which
key. Here DIET learns each key as a label of its own ("faq/thank_you_email" beside "greet"), and
after it the labels are folded back into what Rasa and our actions expect, the same output a
ResponseSelector gives:

- the intent ``faq``, with the summed confidence of its keys (the FallbackClassifier judges that,
  as it judged DIET's "faq" before);
- ``response_selector["faq"]``: the likeliest key as the response (its ``utter_action``, its
  responses) and every key DIET ranked, with its share of the FAQ confidence.

``FaqKeysAsIntents`` goes first in the pipeline (at training time it relabels each FAQ example
with its key; at prediction time it does nothing); ``FaqKeysToResponseSelector`` goes straight
after DIET.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import raise_warning

DELIMITER = "/"
RESPONSES_FILE = "responses.json"


def is_key(label: str | None) -> bool:
    """True for a retrieval intent's key label such as ``faq/thank_you_email``."""
    return bool(label) and DELIMITER in str(label)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class FaqKeysAsIntents(GraphComponent):
    """At training time, gives every retrieval example its full key as its intent."""

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> FaqKeysAsIntents:
        """The component (it has nothing to learn)."""
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """``intent: faq`` with ``intent_response_key: faq/<key>`` becomes ``intent: faq/<key>``."""
        for example in training_data.intent_examples:
            key = example.get(INTENT_RESPONSE_KEY)
            if is_key(key):
                example.set(INTENT, key)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Nothing to do when predicting."""
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqKeysToResponseSelector(GraphComponent):
    """Folds DIET's ``faq/<key>`` labels into the intent ``faq`` and a response selection."""

    def __init__(
        self, model_storage: ModelStorage, resource: Resource, responses: dict[str, list[dict[str, Any]]]
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._use(responses)

    def _use(self, responses: dict[str, list[dict[str, Any]]]) -> None:
        self._responses = responses
        self._retrieval_intents = sorted({name[len("utter_"):].split(DELIMITER)[0] for name in responses})

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> FaqKeysToResponseSelector:
        """A new component; training gives it the retrieval responses."""
        return cls(model_storage, resource, {})

    def train(self, training_data: TrainingData) -> Resource:
        """Keep the responses of every retrieval key (``utter_faq/<key>``) for the output."""
        # FaqKeysAsIntents keeps each example's intent_response_key beside the intent it sets.
        keys = {key for example in training_data.intent_examples if is_key(key := example.get(INTENT_RESPONSE_KEY))}
        responses = {f"utter_{key}": training_data.responses.get(f"utter_{key}", []) for key in sorted(keys)}
        for name, texts in responses.items():
            if not texts:
                raise_warning(f"No response {name} for the retrieval key its examples train.")
        with self._model_storage.write_to(self._resource) as directory:
            (directory / RESPONSES_FILE).write_text(json.dumps(responses))
        self._use(responses)
        return self._resource

    @classmethod
    def load(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> FaqKeysToResponseSelector:
        """The component with the responses kept at training time."""
        with model_storage.read_from(resource) as directory:
            responses = json.loads((directory / RESPONSES_FILE).read_text())
        return cls(model_storage, resource, responses)

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace key labels in the intent and its ranking; add the response selection."""
        for message in messages:
            self._fold(message)
        return messages

    def _fold(self, message: Message) -> None:
        ranking = message.get(INTENT_RANKING_KEY) or []
        folded: dict[str, dict[str, Any]] = {}  # intent -> its entry, in DIET's order
        keys: dict[str, list[dict[str, Any]]] = {}  # retrieval intent -> its keys' labels, likeliest first
        for label in ranking:
            name = str(label.get(INTENT_NAME_KEY))
            intent = name.split(DELIMITER)[0]
            entry = folded.setdefault(
                intent, {"id": label.get("id"), INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 0.0}
            )
            entry[PREDICTED_CONFIDENCE_KEY] += float(label.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            if is_key(name):
                keys.setdefault(intent, []).append(label)
        if folded:
            intents = sorted(folded.values(), key=lambda entry: entry[PREDICTED_CONFIDENCE_KEY], reverse=True)
            message.set(INTENT_RANKING_KEY, intents, add_to_output=True)
            message.set(INTENT, dict(intents[0]), add_to_output=True)
        selector: dict[str, Any] = {RESPONSE_SELECTOR_RETRIEVAL_INTENTS: self._retrieval_intents}
        for intent in self._retrieval_intents:
            if intent in keys:
                selector[intent] = self._selection(keys[intent])
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)

    def _selection(self, keys: list[dict[str, Any]]) -> dict[str, Any]:
        total = sum(float(key.get(PREDICTED_CONFIDENCE_KEY) or 0.0) for key in keys) or 1.0
        ranking = [
            {"id": key.get("id"), PREDICTED_CONFIDENCE_KEY: float(key.get(PREDICTED_CONFIDENCE_KEY) or 0.0) / total,
             INTENT_RESPONSE_KEY: key[INTENT_NAME_KEY]}
            for key in keys
        ]
        return selection(ranking, self._responses.get(f"utter_{ranking[0][INTENT_RESPONSE_KEY]}", []))


def selection(ranking: list[dict[str, Any]], responses: list[dict[str, Any]]) -> dict[str, Any]:
    """A retrieval intent's entry in Rasa's ``response_selector`` output: the first key of ``ranking`` chosen.

    ``ranking`` holds ``{"confidence", "intent_response_key"}`` entries, likeliest first; ``responses``
    are the chosen key's (the retrieval action reads only its ``utter_action``).
    """
    best = ranking[0]
    return {
        RESPONSE_SELECTOR_PREDICTION_KEY: {
            RESPONSE_SELECTOR_RESPONSES_KEY: responses,
            PREDICTED_CONFIDENCE_KEY: best[PREDICTED_CONFIDENCE_KEY],
            INTENT_RESPONSE_KEY: best[INTENT_RESPONSE_KEY],
            RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{best[INTENT_RESPONSE_KEY]}",
        },
        RESPONSE_SELECTOR_RANKING_KEY: ranking,
    }
