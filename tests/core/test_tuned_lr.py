"""The comparison variant's logistic regression takes its regularisation from the config."""

from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from recruitbot.nlu.tuned_lr import TunedLogisticRegression


def _classifier(tmp_path: Path, config: dict[str, object]) -> TunedLogisticRegression:
    return TunedLogisticRegression.create(
        {**TunedLogisticRegression.get_default_config(), **config}, LocalModelStorage(tmp_path), Resource("lr"),
        ExecutionContext(GraphSchema({}), "t"))


def test_c_and_iterations_reach_scikit_learn(tmp_path: Path) -> None:
    params = _classifier(tmp_path, {"C": 100}).clf.get_params()
    assert (params["C"], params["max_iter"], params["class_weight"]) == (100.0, 1000, "balanced")


def test_the_default_is_scikit_learns(tmp_path: Path) -> None:
    assert _classifier(tmp_path, {}).clf.get_params()["C"] == 1.0
