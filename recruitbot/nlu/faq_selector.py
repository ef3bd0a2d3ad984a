"""Rasa's ResponseSelector, run only on the messages whose FAQ key anything reads.

The FAQ key is read in two places: the retrieval action ``utter_faq`` (the intent is ``faq``) and
the two-stage fallback, which offers the likeliest FAQ keys as buttons (the intent is
``nlu_fallback``). For any other message (a search, an answer to a form's question, "thanks") the
selector's second TensorFlow model was a quarter of the parse, and its output, the chosen answer's
whole text included, was stored with the message in the tracker and read by no one.

It goes after FallbackClassifier and UnknownWordsFallback, so it sees their final intent; the
model, its training and its output for the messages it runs on are Rasa's own.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqResponseSelector(ResponseSelector):
    """Selects the response for messages read as the retrieval intent, or not understood."""

    def needs_selection(self, message: Message) -> bool:
        """True when the message's intent is this selector's retrieval intent or the NLU fallback."""
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        return intent in {self.retrieval_intent, DEFAULT_NLU_FALLBACK_INTENT_NAME}

    def process(self, messages: list[Message]) -> list[Message]:
        """Rasa's selection for the messages that need one; the others are passed on untouched."""
        selected = [message for message in messages if self.needs_selection(message)]
        if selected:
            super().process(selected)
        return messages
