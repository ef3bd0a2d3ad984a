"""Rasa's LogisticRegressionClassifier with scikit-learn's ``C`` (inverse regularisation) configurable.

Used by :class:`recruitbot.nlu.quick_intent.QuickIntent` and by the comparison variant
``bench/nlu_configs/no_tensorflow.yml``. Rasa 3.6 fixes ``C`` at
scikit-learn's default of 1.0, at which, with about 30 labels (every FAQ key its own), the confidences
stay low and many messages fell under the fallback threshold (dev accuracy 0.871).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TunedLogisticRegression(LogisticRegressionClassifier):
    """Rasa's classifier; ``C`` and ``max_iter`` are passed to scikit-learn."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's defaults, plus ``C`` (scikit-learn's default) and more iterations to converge."""
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "max_iter": 1000}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))
