"""The count featurizers' matrices from kept word rows (recruitbot/count_vectors.py) are Rasa's, exactly."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from rasa.core.agent import Agent
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import ACTION_NAME, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from sklearn.feature_extraction.text import CountVectorizer

from recruitbot import count_vectors
from recruitbot.count_vectors import RASAS_CREATE_FEATURES, create_features
from tests.helpers import graph_component
from tests.test_diet_forward import _training_messages


def assert_same_matrices(ours: list[Any], rasas: list[Any], context: object) -> None:
    assert len(ours) == len(rasas), context
    for mine, theirs in zip(ours, rasas, strict=True):
        if theirs is None:
            assert mine is None, context
            continue
        assert type(mine) is type(theirs) and vars(mine).keys() == vars(theirs).keys(), context
        for name, expected in vars(theirs).items():
            got = vars(mine)[name]
            if isinstance(expected, np.ndarray):
                assert got.dtype == expected.dtype and np.array_equal(got, expected), (context, name)
            else:
                assert type(got) is type(expected) and got == expected, (context, name)
        assert np.array_equal(mine.toarray(), theirs.toarray()), context


def assert_same_features(featurizer: Any, attribute: str, all_tokens: list[list[str]]) -> None:
    rasas = RASAS_CREATE_FEATURES(featurizer, attribute, all_tokens)
    for _ in range(2):  # computed, then from the kept rows
        ours = create_features(featurizer, attribute, all_tokens)
        assert_same_matrices(ours[0], rasas[0], (attribute, all_tokens, "sequence"))
        assert_same_matrices(ours[1], rasas[1], (attribute, all_tokens, "sentence"))


@pytest.mark.model
def test_every_message_gets_rasas_matrices_from_both_featurizers(loaded_agent: Agent) -> None:
    nodes = [node._component for node in loaded_agent.processor.graph_runner._instantiated_nodes.values()]
    featurizers = [component for component in nodes if type(component) is CountVectorsFeaturizer]
    assert sorted(featurizer.analyzer for featurizer in featurizers) == ["char_wb", "word"]
    # SpacyNLP has two nodes (one provides the model, one runs it on messages): either will do.
    spacy_nlp = next(component for component in nodes if type(component) is SpacyNLP)
    tokenizer = graph_component(loaded_agent, SpacyTokenizer)
    texts = _training_messages()
    messages = [Message(data={TEXT: text}) for text in texts]
    spacy_nlp.process(messages, spacy_nlp.provide())
    tokenizer.process(messages)
    for featurizer in featurizers:
        assert count_vectors._reader(featurizer.vectorizers[TEXT]).sums_words
        for message in messages:
            assert message.get(TOKENS_NAMES[TEXT]), message.get(TEXT)
            tokens = featurizer._get_processed_message_tokens_by_attribute(message, TEXT)
            assert_same_features(featurizer, TEXT, [tokens])
        # Several messages at once, and a message with no tokens among them.
        assert_same_features(featurizer, TEXT, [["temp", "jobs"], [], ["jobs", "in", "leeds", "jobs"]])


ODD_TOKENS = [
    ["Ünïcödé", "naïve", "CAFÉ"], ["__NUMBER__", "£25k", "07700"], ["a", "b", "c"], ["ΟΔΟΣ", "\u03c3"],
    ["two words", "tab\there"], ["zzzzzz"], ["", "x"], ["jobs"] * 5, ["don't", "e-mail", "c++"],
]


@pytest.mark.parametrize("config", [
    {"analyzer": "char_wb", "ngram_range": (1, 4)},
    {"analyzer": "char_wb", "ngram_range": (2, 3), "binary": True, "strip_accents": "unicode"},
    {"analyzer": "word"},
    {"analyzer": "word", "binary": True, "lowercase": False, "dtype": np.float32},
    {"analyzer": "word", "ngram_range": (1, 2)},  # bigrams cross words: the sentence is transform's own
    {"analyzer": "char", "ngram_range": (1, 3)},  # character n-grams cross spaces: likewise
    {"analyzer": "word", "token_pattern": r"\S+ \S+"},  # a pattern that can hold a space: likewise
])
def test_odd_words_and_other_vectorizers_get_what_transform_gives(config: dict[str, Any]) -> None:
    vectorizer = CountVectorizer(**config).fit([
        "temp admin jobs in Leeds", "naive café ünicode", "£25k 07700 two words", "ΟΔΟΣ \u03c3 don't e-mail c++ x a b"])
    featurizer = SimpleNamespace(vectorizers={TEXT: vectorizer, INTENT: vectorizer})
    for tokens in ODD_TOKENS:
        assert_same_features(featurizer, TEXT, [tokens])
        assert_same_features(featurizer, INTENT, [tokens])  # no sentence features for a label
    assert_same_features(featurizer, ACTION_NAME, [["jobs"]])  # no vectorizer for it: Rasa's [None], [None]


def test_the_kept_rows_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(count_vectors, "KEPT_WORDS", 3)
    vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=(1, 2)).fit(["abc def ghi"])
    featurizer = SimpleNamespace(vectorizers={TEXT: vectorizer})
    for word in ("abc", "def", "ghi", "abd", "xyz"):
        assert_same_features(featurizer, TEXT, [[word]])
        assert len(count_vectors._reader(vectorizer)._rows) <= 3


def test_install_makes_it_the_featurizers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CountVectorsFeaturizer, "_create_features", RASAS_CREATE_FEATURES)
    count_vectors.install()
    assert CountVectorsFeaturizer._create_features is create_features
