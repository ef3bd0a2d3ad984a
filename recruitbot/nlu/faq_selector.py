"""Rasa's ResponseSelector, run only on the messages whose FAQ key anything reads, unless a regression is sure.

The FAQ key is read in two places: the retrieval action ``utter_faq`` (the intent is ``faq``) and
the two-stage fallback, which offers the likeliest FAQ keys as buttons (the intent is
``nlu_fallback``). For any other message (a search, an answer to a form's question, "thanks") the
selector's second TensorFlow model was a quarter of the parse, and its output, the chosen answer's
whole text included, was stored with the message in the tracker and read by no one.

For a message read as ``faq``, a logistic regression over the FAQ keys, trained on the same
examples and reading the same sentence features (as :class:`~recruitbot.nlu.quick_intent.QuickIntent`
does for intents), names the key when it is at least ``quick_threshold`` sure of it, in the
selector's own output format; the selector's transformer reads the others and every fallback
(whose ranking of keys becomes the buttons). ``quick_threshold: null`` turns the regression off.

It goes after FallbackClassifier and UnknownWordsFallback, so it sees their final intent; the
model, its training and its output for the messages it runs on are Rasa's own.
"""

from __future__ import annotations

from typing import Any, cast

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data import util
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from recruitbot.nlu.quick_intent import load_regression, probabilities, regression_rows, save_regression
from recruitbot.nlu.tuned_lr import TunedLogisticRegression

_KEYS_FILE = "key_regression.npz"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqResponseSelector(ResponseSelector):
    """Selects the response for messages read as the retrieval intent, or not understood."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's settings, and the regression's: how sure it must be to name a key, and its ``C``."""
        return {**ResponseSelector.get_default_config(), "quick_threshold": None, "quick_C": 100}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, model_storage, resource, execution_context, *args, **kwargs)
        self.key_regression: LogisticRegression | None = None

    def _new_regression(self) -> LogisticRegression:
        """A regression set as Rasa's LogisticRegressionClassifier sets its own, with the configured ``C``."""
        config = {**TunedLogisticRegression.get_default_config(), "C": self.component_config["quick_C"]}
        return TunedLogisticRegression(config, "faq_keys", self._model_storage, self._resource).clf

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the key regression (when configured), then train Rasa's selector, whose persisting saves both."""
        if self.component_config["quick_threshold"] is not None:
            examples = [example for example in training_data.intent_examples
                        if example.get(INTENT) == self.retrieval_intent and example.get(TEXT)]
            self.key_regression = self._new_regression()
            keys = [example.get(INTENT_RESPONSE_KEY) for example in examples]
            self.key_regression.fit(regression_rows(examples), keys)
        return super().train(training_data)

    def persist(self) -> None:
        """Rasa's files, and the key regression's weights beside them."""
        super().persist()
        if self.key_regression is not None:
            with self._model_storage.write_to(self._resource) as model_dir:
                save_regression(self.key_regression, model_dir / _KEYS_FILE)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> FaqResponseSelector:
        """Rasa's selector and, when configured, the key regression; a trained model without it is an error."""
        selector = cast(FaqResponseSelector, super().load(config, model_storage, resource, execution_context, **kwargs))
        if selector.component_config["quick_threshold"] is not None and selector.model is not None:
            selector.key_regression = selector._new_regression()
            with model_storage.read_from(resource) as model_dir:
                if not (model_dir / _KEYS_FILE).exists():
                    raise ValueError("the model's FAQ selector was trained without the key regression that "
                                     "config.yml asks for (quick_threshold); train the model again")
                load_regression(selector.key_regression, model_dir / _KEYS_FILE)
        return selector

    def needs_selection(self, message: Message) -> bool:
        """True when the message's intent is this selector's retrieval intent or the NLU fallback."""
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        return intent in {self.retrieval_intent, DEFAULT_NLU_FALLBACK_INTENT_NAME}

    def process(self, messages: list[Message]) -> list[Message]:
        """The key of the messages the regression is sure of; Rasa's selection for the others that need one."""
        left = [message for message in messages if self.needs_selection(message) and not self._select_quickly(message)]
        if left:
            super().process(left)
        return messages

    def _select_quickly(self, message: Message) -> bool:
        """Set the key the regression is sure of, as Rasa's selector sets its own; False when it is not sure."""
        if self.key_regression is None or (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != self.retrieval_intent:
            return False
        confidences = probabilities(self.key_regression, message)
        if confidences is None or confidences.max() < self.component_config["quick_threshold"]:
            return False
        ranking = [{PREDICTED_CONFIDENCE_KEY: float(confidence), INTENT_RESPONSE_KEY: str(key)}
                   for confidence, key in sorted(zip(confidences, self.key_regression.classes_, strict=True),
                                                 reverse=True)][: self.component_config["ranking_length"] or None]
        key = ranking[0][INTENT_RESPONSE_KEY]
        utter_action = util.intent_response_key_to_template_key(key)
        if not self.responses.get(utter_action):  # Rasa's selector warns of it: let it
            return False
        self._set_message_property(message, {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self.responses[utter_action],
                PREDICTED_CONFIDENCE_KEY: ranking[0][PREDICTED_CONFIDENCE_KEY],
                INTENT_RESPONSE_KEY: key,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
            },
            RESPONSE_SELECTOR_RANKING_KEY: ranking,
        }, self.retrieval_intent)
        return True
