"""DIET run only on the messages a quick classifier is unsure of.

DIET's transformer is most of a parse's CPU (docs/performance.md), yet most messages are plain:
"hi", "thanks", "show more", a question the FAQ knows word for word. :class:`QuickIntent`, a
logistic regression on the same sparse features DIET reads (a fraction of a millisecond), names
the intent of such a message; :class:`GatedDIETClassifier` then leaves it alone and reads every
other message as Rasa's DIET does.

A message is left to DIET unless all of these hold:

- the regression is at least ``threshold`` sure of its intent (chosen on the dev set; the
  held-out set is scored once, README, NLU);
- that intent has no entity annotated in any training example. DIET alone finds the ``keyword``
  entities ("admin" in "temp admin jobs"), so every message of an intent that may carry one
  (a search, an answer to a form's question, a sign-up) is read by DIET, entities and all;
- that intent is not in ``leave_to_diet``: intents the regression is sure of where it should not
  be (config.yml names them, with what it got wrong).

What the rest of the pipeline sees is the same either way: an intent and a ranking (the
regression's or DIET's), the entities the spaCy and regex extractors found, and DIET's, when it ran.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, spmatrix, vstack
from sklearn.linear_model import LogisticRegression
from sklearn.utils.extmath import softmax

from recruitbot.nlu.diet_forward import DietForward
from recruitbot.nlu.tuned_lr import TunedLogisticRegression

logger = logging.getLogger(__name__)

READ_QUICKLY = "read_quickly"  # message attribute (not in the parse's output): QuickIntent named the intent
_ENTITY_INTENTS_FILE = "entity_intents.json"
_WEIGHTS_FILE = "regression.npz"


def sentence_blocks(message: Message) -> list[spmatrix | np.ndarray]:
    """The message's sentence feature matrices, sparse then dense, as Rasa's ``_create_X`` puts them side by side."""
    sentence = [feature for feature in message.features
                if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE]
    return [feature.features for feature in sentence if feature.is_sparse()] + [
        feature.features for feature in sentence if feature.is_dense()]


def probabilities(clf: LogisticRegression, message: Message) -> np.ndarray | None:
    """A multinomial regression's probability of each class for the message; None for one without sparse features.

    What ``predict_proba`` gives (a softmax of the decision function), read straight off the
    feature matrices. Building a scikit-learn row through Rasa's ``Message.get_sparse_features``
    deep-copied every feature matrix, the sequence ones too, then stacked them: 3.5 ms of a 16 ms
    parse on a machine of this kind; this takes about 0.2.
    """
    blocks = sentence_blocks(message)
    # A message with no features (only spaces, say) has nothing to read: the caller leaves it to its model.
    if not blocks or not isinstance(blocks[0], spmatrix):
        return None
    coef = clf.coef_
    scores, column = clf.intercept_.copy(), 0
    for block in blocks:
        width = block.shape[-1]
        if isinstance(block, spmatrix):
            row = block.tocoo()
            scores += coef[:, column + row.col] @ row.data
        else:
            scores += coef[:, column:column + width] @ np.ravel(block)
        column += width
    if column != coef.shape[1]:
        raise ValueError(f"the message has {column} sentence features; the regression was trained on "
                         f"{coef.shape[1]}")
    return softmax(scores[np.newaxis, :])[0]


def regression_rows(messages: list[Message]) -> csr_matrix:
    """The messages' sentence features as the rows of a scikit-learn matrix, in :func:`probabilities`' column order."""
    return vstack([hstack([csr_matrix(block) for block in sentence_blocks(message)]) for message in messages]).tocsr()


def save_regression(clf: LogisticRegression, path: Path) -> None:
    """Save a fitted regression's weights and classes as plain arrays (no pickle).

    Rasa's own persistence (skops) imports every scikit-learn estimator on loading, which took
    9 s of the server's cold start on a machine of this kind; the arrays load in milliseconds.
    """
    np.savez(path, coef=clf.coef_, intercept=clf.intercept_, classes=clf.classes_.astype(str))


def load_regression(clf: LogisticRegression, path: Path) -> None:
    """Give ``clf`` the weights and classes :func:`save_regression` saved; refuse a binary one.

    Two classes make scikit-learn's regression binary, whose probabilities are not a softmax of
    one row of weights per class.
    """
    with np.load(path, allow_pickle=False) as weights:
        clf.coef_, clf.intercept_, clf.classes_ = weights["coef"], weights["intercept"], weights["classes"]
    clf.n_features_in_ = clf.coef_.shape[1]
    if len(clf.classes_) < 3:
        raise ValueError(f"a quick classifier needs at least three classes; it was trained on {len(clf.classes_)}")


def entity_intents(training_data: TrainingData) -> set[str]:
    """The intents with an entity annotated in at least one training example."""
    return {example.get(INTENT) for example in training_data.intent_examples if example.get(ENTITIES)}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class QuickIntent(TunedLogisticRegression):
    """Names the intent of the messages it is sure of, for intents that never carry an entity."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The regression's settings, how sure it must be to name an intent, and the intents it never names."""
        return {**TunedLogisticRegression.get_default_config(), "threshold": 0.98, "leave_to_diet": []}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.entity_intents: set[str] = set()

    def train(self, training_data: TrainingData) -> Resource:
        """Train the regression on every intent, and remember which intents carry entities."""
        self.entity_intents = entity_intents(training_data)
        return super().train(training_data)

    def persist(self) -> None:
        """Save the regression (:func:`save_regression`) and the intents that carry entities."""
        with self._model_storage.write_to(self._resource) as model_dir:
            save_regression(self.clf, model_dir / _WEIGHTS_FILE)
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
            load_regression(component.clf, model_dir / _WEIGHTS_FILE)
            component.entity_intents = set(json.loads((model_dir / _ENTITY_INTENTS_FILE).read_text()))
        return component

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the intent and ranking of the messages it is sure of and flag them; leave the others untouched."""
        left_to_diet = self.entity_intents | set(self.config["leave_to_diet"])
        for message in messages:
            probabilities = self._probabilities(message)
            if probabilities is None:
                continue
            ranking = [{INTENT_NAME_KEY: str(intent), "confidence": float(p)}
                       for p, intent in sorted(zip(probabilities, self.clf.classes_, strict=True), reverse=True)]
            best = ranking[0]
            if best["confidence"] < self.config["threshold"] or best[INTENT_NAME_KEY] in left_to_diet:
                continue
            message.set(INTENT, best, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[: self.config["ranking_length"] or None], add_to_output=True)
            message.set(READ_QUICKLY, True)
        return messages

    def _probabilities(self, message: Message) -> np.ndarray | None:
        """The regression's probability of each class for the message; None for a message without sparse features."""
        return probabilities(self.clf, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave the training data as it is (the regression's guesses are no one's input)."""
        return training_data


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class GatedDIETClassifier(DIETClassifier):
    """Rasa's DIET, run on the messages :class:`QuickIntent` did not read, its prediction computed with numpy.

    :class:`~recruitbot.nlu.diet_forward.DietForward` does DIET's arithmetic from the trained weights
    without TensorFlow's dispatch (a search's parse 40 % cheaper, docs/performance.md); a model it
    does not implement, or a parse that asks for DIET's diagnostic data, runs in TensorFlow as in Rasa.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        """DIET's intent, ranking and entities for the messages not read quickly; the others untouched."""
        unread = [message for message in messages if not message.get(READ_QUICKLY)]
        forward = self._forward_pass
        if forward is None or self._execution_context.should_add_diagnostic_data:
            if unread:
                super().process(unread)
            return messages
        for message in unread:
            prediction = forward.predict(message)
            label, ranking = self._predict_label(prediction)
            message.set(INTENT, label, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            message.set(ENTITIES, self._predict_entities(prediction, message), add_to_output=True)
        return messages

    @functools.cached_property
    def _forward_pass(self) -> DietForward | None:
        """The numpy pass for this model, built on the first parse; None where TensorFlow must run."""
        forward, unsupported = DietForward.from_model(self)
        if forward is None:
            logger.info(f"DIET runs in TensorFlow: the numpy pass does not implement {unsupported}")
        return forward
