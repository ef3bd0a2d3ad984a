"""Treat a message made mostly of words nobody uses ("qwxz plorf zzzt") as not understood.

DIET is confident about anything, gibberish included (it calls it out_of_scope with confidence
1.0), so the two-stage fallback would never start for it. This component learns the words of the
training data at training time, adds English words (spaCy's lemma table) and UK place names, and
at prediction time turns the intent into ``nlu_fallback`` when most of a message's words are in
none of them. It runs after FallbackClassifier, as that component would.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from recruitbot.nlp import english_lemma_table, english_words
from recruitbot.places import load_gazetteer

_WORD = re.compile(r"[a-z]{3,}")
VOCABULARY_FILE = "vocabulary.json"


def words(text: str) -> list[str]:
    """The alphabetic words of three letters or more, lower-cased."""
    return _WORD.findall(text.lower())


def is_unknown(text: str, vocabulary: set[str], share: float, minimum: int) -> bool:
    """True when at least ``minimum`` words, and ``share`` of all words, are outside ``vocabulary``."""
    found = words(text)
    unknown = [word for word in found if word not in vocabulary]
    return len(unknown) >= minimum and len(unknown) >= share * len(found)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(GraphComponent):
    """Sets ``nlu_fallback`` when a message is mostly words outside the bot's vocabulary."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``share``: the part of the words that must be unknown; ``minimum``: how many at least."""
        return {"share": 0.6, "minimum": 2}

    def __init__(
        self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, vocabulary: set[str]
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsFallback:
        """A new, untrained component."""
        return cls(config, model_storage, resource, set())

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the vocabulary: training words, English words and UK place names."""
        vocabulary = english_words(english_lemma_table())
        for name in load_gazetteer().all_names():
            vocabulary.update(words(name))
        for example in training_data.training_examples:
            vocabulary.update(words(example.get(TEXT) or ""))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(vocabulary)))
        self._vocabulary = vocabulary
        return self._resource

    @classmethod
    def load(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> UnknownWordsFallback:
        """Load the vocabulary stored at training time."""
        with model_storage.read_from(resource) as directory:
            vocabulary = set(json.loads((directory / VOCABULARY_FILE).read_text()))
        return cls(config, model_storage, resource, vocabulary)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Mark mostly-unknown messages as not understood, keeping the ranking for suggestions."""
        for message in messages:
            text = message.get(TEXT) or ""
            intent = message.get(INTENT) or {}
            if text.startswith("/") or intent.get("name") == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                continue
            if is_unknown(text, self._vocabulary, self._config["share"], self._config["minimum"]):
                fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
                message.data[INTENT] = fallback
                message.data.setdefault(INTENT_RANKING_KEY, []).insert(0, fallback)
        return messages
