"""The quick classifier names only the intents it is sure of and that carry no entity; DIET reads the rest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix

from recruitbot.nlu.quick_intent import READ_QUICKLY, GatedDIETClassifier, QuickIntent, entity_intents

# Three words, one feature each: "hi" is greet, "thanks" is thank, "jobs" is a search (which carries entities).
WORDS = ("hi", "thanks", "jobs")
INTENTS = {"hi": "greet", "thanks": "thank", "jobs": "search_vacancies"}


def _message(text: str, intent: str | None = None, entities: list[dict[str, object]] | None = None) -> Message:
    counts = [[float(word in text.split()) for word in WORDS]]
    message = Message(data={TEXT: text, **({INTENT: intent} if intent else {}),
                            **({"entities": entities} if entities else {})})
    message.add_features(Features(csr_matrix(counts), FEATURE_TYPE_SENTENCE, TEXT, "counts"))
    return message


def _training_data() -> TrainingData:
    examples = [_message(word, intent) for word, intent in INTENTS.items() for _ in range(5)]
    examples.append(_message("jobs", "search_vacancies", [{"entity": "keyword", "value": "jobs", "start": 0,
                                                            "end": 4}]))
    return TrainingData(examples)


def _quick(tmp_path: Path, threshold: float = 0.9) -> QuickIntent:
    storage, resource = LocalModelStorage(tmp_path), Resource("quick")
    context = ExecutionContext(GraphSchema({}), "quick")
    config = {**QuickIntent.get_default_config(), "C": 100, "threshold": threshold}
    QuickIntent.create(config, storage, resource, context).train(_training_data())
    return QuickIntent.load(config, storage, resource, context)


def test_entity_intents_are_those_annotated_in_training() -> None:
    assert entity_intents(_training_data()) == {"search_vacancies"}


def test_a_sure_intent_without_entities_is_named_and_flagged(tmp_path: Path) -> None:
    quick = _quick(tmp_path)
    hi, thanks = _message("hi"), _message("thanks")
    quick.process([hi, thanks])
    assert (hi.get(INTENT)["name"], thanks.get(INTENT)["name"]) == ("greet", "thank")
    assert hi.get(INTENT)["confidence"] >= 0.9 and hi.get(READ_QUICKLY) is True
    ranking = hi.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "greet" and len(ranking) == 3
    assert sum(entry["confidence"] for entry in ranking) == pytest.approx(1.0)


def test_an_intent_that_carries_entities_is_left_to_diet(tmp_path: Path) -> None:
    quick = _quick(tmp_path)
    jobs = _message("jobs")
    assert quick.clf.predict_proba(quick._create_X([jobs])).max() >= 0.9  # sure of it, and still not named
    quick.process([jobs])
    assert jobs.get(INTENT) is None and jobs.get(READ_QUICKLY) is None


def test_an_intent_configured_to_be_left_to_diet_is_never_named(tmp_path: Path) -> None:
    storage, resource = LocalModelStorage(tmp_path), Resource("quick")
    context = ExecutionContext(GraphSchema({}), "quick")
    config = {**QuickIntent.get_default_config(), "C": 100, "threshold": 0.9, "leave_to_diet": ["greet"]}
    QuickIntent.create(config, storage, resource, context).train(_training_data())
    quick = QuickIntent.load(config, storage, resource, context)
    hi, thanks = _message("hi"), _message("thanks")
    assert quick.clf.predict_proba(quick._create_X([hi])).max() >= 0.9  # sure of it, and still not named
    quick.process([hi, thanks])
    assert hi.get(INTENT) is None and hi.get(READ_QUICKLY) is None
    assert thanks.get(INTENT)["name"] == "thank" and thanks.get(READ_QUICKLY) is True


def test_an_unsure_message_is_left_to_diet(tmp_path: Path) -> None:
    quick = _quick(tmp_path, threshold=0.999999)
    hi = _message("hi")
    assert quick.clf.predict_proba(quick._create_X([hi])).max() < 0.999999
    quick.process([hi])
    assert hi.get(INTENT) is None and hi.get(READ_QUICKLY) is None


def test_a_model_without_the_trained_regression_does_not_load(tmp_path: Path) -> None:
    storage, resource = LocalModelStorage(tmp_path), Resource("never-trained")
    with pytest.raises((ValueError, FileNotFoundError)):
        QuickIntent.load(QuickIntent.get_default_config(), storage, resource, ExecutionContext(GraphSchema({}), "q"))


def test_a_regression_of_two_intents_does_not_load(tmp_path: Path) -> None:
    # Two classes make scikit-learn's regression binary: its probabilities are not a softmax of one row per class.
    storage, resource = LocalModelStorage(tmp_path), Resource("quick")
    context = ExecutionContext(GraphSchema({}), "quick")
    examples = [_message(word, intent) for word, intent in list(INTENTS.items())[:2] for _ in range(5)]
    QuickIntent.create(QuickIntent.get_default_config(), storage, resource, context).train(TrainingData(examples))
    with pytest.raises(ValueError, match="at least three classes; it was trained on 2"):
        QuickIntent.load(QuickIntent.get_default_config(), storage, resource, context)


def test_diet_reads_only_the_messages_not_read_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    monkeypatch.setattr(DIETClassifier, "process", lambda self, messages: read.extend(m.get(TEXT) for m in messages))
    quick, slow = Message(data={TEXT: "hi", READ_QUICKLY: True}), Message(data={TEXT: "admin jobs in leeds"})
    gated = GatedDIETClassifier.__new__(GatedDIETClassifier)
    assert gated.process([quick, slow]) == [quick, slow]
    assert read == ["admin jobs in leeds"]
    read.clear()
    gated.process([quick])
    assert read == []


def test_the_probabilities_are_the_regressions(tmp_path: Path) -> None:
    quick = _quick(tmp_path)
    hi = _message("hi")
    expected = quick.clf.predict_proba(quick._create_X([hi]))[0]
    quick.process([hi])
    by_name = {entry["name"]: entry["confidence"] for entry in hi.get(INTENT_RANKING_KEY)}
    assert np.allclose([by_name[str(name)] for name in quick.clf.classes_], expected)


def _in_two_blocks(text: str, intent: str | None = None) -> Message:
    # As the pipeline gives them: two featurizers' sentence rows (and dense ones after), beside sequence rows.
    counts = [float(word in text.split()) for word in WORDS]
    message = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    message.add_features(Features(csr_matrix([counts[:2]]), FEATURE_TYPE_SENTENCE, TEXT, "words"))
    message.add_features(Features(np.array([[len(text) / 10.0]]), FEATURE_TYPE_SENTENCE, TEXT, "length"))
    message.add_features(Features(csr_matrix(np.eye(2, 3)), FEATURE_TYPE_SEQUENCE, TEXT, "words"))
    message.add_features(Features(csr_matrix([counts[2:]]), FEATURE_TYPE_SENTENCE, TEXT, "jobs"))
    return message


def test_the_probabilities_read_off_several_feature_blocks_are_scikit_learns(tmp_path: Path) -> None:
    storage, resource = LocalModelStorage(tmp_path), Resource("quick")
    context = ExecutionContext(GraphSchema({}), "quick")
    config = {**QuickIntent.get_default_config(), "C": 100}
    examples = [_in_two_blocks(word, intent) for word, intent in INTENTS.items() for _ in range(5)]
    QuickIntent.create(config, storage, resource, context).train(TrainingData(examples))
    quick = QuickIntent.load(config, storage, resource, context)
    assert quick.clf.coef_.shape[1] == 4  # two sparse columns, the third sparse one, then the dense one
    for text in ("hi", "thanks", "jobs", "hi jobs", "nothing known at all"):
        message = _in_two_blocks(text)
        expected = quick.clf.predict_proba(quick._create_X([message]))[0]
        assert np.allclose(quick._probabilities(message), expected, rtol=1e-12, atol=1e-15), text


def test_the_loaded_regression_is_the_trained_one(tmp_path: Path) -> None:
    storage, resource = LocalModelStorage(tmp_path), Resource("quick")
    context = ExecutionContext(GraphSchema({}), "quick")
    config = {**QuickIntent.get_default_config(), "C": 100}
    trained = QuickIntent.create(config, storage, resource, context)
    trained.train(_training_data())
    loaded = QuickIntent.load(config, storage, resource, context)
    messages = [_message(text) for text in ("hi", "thanks", "jobs", "hi thanks", "nothing known")]
    assert np.array_equal(loaded.clf.predict_proba(loaded._create_X(messages)),
                          trained.clf.predict_proba(trained._create_X(messages)))
    assert list(loaded.clf.classes_) == list(trained.clf.classes_) and loaded.entity_intents == {"search_vacancies"}
    assert not list(tmp_path.rglob("*.skops"))  # no pickle-based file: the arrays load without skops


def test_a_message_with_no_features_is_left_to_diet(tmp_path: Path) -> None:
    # Only spaces: the tokenizer finds nothing, so the featurizers add nothing (the fuzz test sends such messages).
    quick = _quick(tmp_path)
    blank, hi = Message(data={TEXT: "   "}), _message("hi")
    assert quick.process([blank]) == [blank]
    assert blank.get(INTENT) is None and blank.get(READ_QUICKLY) is None
    quick.process([blank, hi])
    assert blank.get(READ_QUICKLY) is None and hi.get(READ_QUICKLY) is True and hi.get(INTENT)["name"] == "greet"
