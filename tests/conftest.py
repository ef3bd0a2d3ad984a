"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current data and config, trained first if needed."""
    from recruitbot.train import ensure_trained

    return ensure_trained()


@pytest.fixture(scope="session")
def loaded_agent(trained_model: Path) -> Any:
    """The trained model loaded as Rasa's ``Agent`` (no action server, no tracker store of ours)."""
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))
