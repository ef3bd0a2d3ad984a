"""DIET run only on the messages a quick classifier is unsure of.

DIET's transformer is most of a parse's CPU (README, Performance), yet most messages are plain:
"hi", "thanks", "show more", a question the FAQ knows word for word. :class:`QuickIntent`, a
logistic regression on the same sparse features DIET reads (a fraction of a millisecond), names
the intent of such a message; :class:`GatedDIETClassifier` then leaves it alone and reads every
other message as Rasa's DIET does.

A message is left to DIET unless both hold:

- the regression is at least ``threshold`` sure of its intent (chosen on the dev set; the
  held-out set is scored once, README, NLU);
- that intent has no entity annotated in any training example. DIET alone finds the ``keyword``
  entities ("admin" in "temp admin jobs"), so every message of an intent that may carry one
  (a search, an answer to a form's question, a sign-up) is read by DIET, entities and all.

What the rest of the pipeline sees is the same either way: an intent and a ranking (the
regression's or DIET's), the entities the spaCy and regex extractors found, and DIET's, when it ran.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from recruitbot.nlu.tuned_lr import TunedLogisticRegression

READ_QUICKLY = "read_quickly"  # message attribute (not in the parse's output): QuickIntent named the intent
_ENTITY_INTENTS_FILE = "entity_intents.json"
_WEIGHTS_FILE = "regression.npz"


def entity_intents(training_data: TrainingData) -> set[str]:
    """The intents with an entity annotated in at least one training example."""
    return {example.get(INTENT) for example in training_data.intent_examples if example.get(ENTITIES)}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class QuickIntent(TunedLogisticRegression):
    """Names the intent of the messages it is sure of, for intents that never carry an entity."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The regression's settings, and how sure it must be to name an intent."""
        return {**TunedLogisticRegression.get_default_config(), "threshold": 0.98}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.entity_intents: set[str] = set()

    def train(self, training_data: TrainingData) -> Resource:
        """Train the regression on every intent, and remember which intents carry entities."""
        self.entity_intents = entity_intents(training_data)
        return super().train(training_data)

    def persist(self) -> None:
        """Save the regression's weights and classes (plain arrays, no pickle) and the intents left to DIET.

        Rasa's own persistence (skops) imports every scikit-learn estimator on loading, which took
        9 s of the server's cold start on a machine of this kind; the arrays load in milliseconds.
        """
        with self._model_storage.write_to(self._resource) as model_dir:
            np.savez(model_dir / _WEIGHTS_FILE, coef=self.clf.coef_, intercept=self.clf.intercept_,
                     classes=self.clf.classes_.astype(str))
            (model_dir / _ENTITY_INTENTS_FILE).write_text(json.dumps(sorted(self.entity_intents)))

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> QuickIntent:
        """Load the trained regression; a model without it is an error, not an untrained classifier."""
        component = cls({**cls.get_default_config(), **config}, execution_context.node_name, model_storage, resource)
        with model_storage.read_from(resource) as model_dir:
            with np.load(model_dir / _WEIGHTS_FILE, allow_pickle=False) as weights:
                component.clf.coef_, component.clf.intercept_ = weights["coef"], weights["intercept"]
                component.clf.classes_ = weights["classes"]
            component.entity_intents = set(json.loads((model_dir / _ENTITY_INTENTS_FILE).read_text()))
        component.clf.n_features_in_ = component.clf.coef_.shape[1]
        return component

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the intent and ranking of the messages it is sure of and flag them; leave the others untouched."""
        # A message with no features (only spaces, say) has nothing to read: DIET deals with it as before.
        featured = [message for message in messages if message.get_sparse_features(TEXT)[1] is not None]
        if not featured:
            return messages
        for message, probabilities in zip(featured, self.clf.predict_proba(self._create_X(featured)), strict=True):
            ranking = [{INTENT_NAME_KEY: str(intent), "confidence": float(p)}
                       for p, intent in sorted(zip(probabilities, self.clf.classes_, strict=True), reverse=True)]
            best = ranking[0]
            if best["confidence"] < self.config["threshold"] or best[INTENT_NAME_KEY] in self.entity_intents:
                continue
            message.set(INTENT, best, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[: self.config["ranking_length"] or None], add_to_output=True)
            message.set(READ_QUICKLY, True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave the training data as it is (the regression's guesses are no one's input)."""
        return training_data


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class GatedDIETClassifier(DIETClassifier):
    """Rasa's DIET, run on the messages :class:`QuickIntent` did not read."""

    def process(self, messages: list[Message]) -> list[Message]:
        """DIET's intent, ranking and entities for the messages not read quickly; the others untouched."""
        unread = [message for message in messages if not message.get(READ_QUICKLY)]
        if unread:
            super().process(unread)
        return messages
