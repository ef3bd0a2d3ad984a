"""Builders shared by the tests: in-memory trackers, the project's domain, the real servers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker

from recruitbot.run import Ports, Stack, free_port

ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def domain() -> dict[str, Any]:
    """The project's domain.yml as the action server receives it (responses included)."""
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text())
    return loaded


def rendered(message: dict[str, Any]) -> str:
    """The text a dispatched response shows: its first variation in the domain, filled as Rasa fills it."""
    from rasa.core.nlg.interpolator import interpolate_text

    text: str = domain()["responses"][message["response"]][0]["text"]
    return str(interpolate_text(text, {key: value for key, value in message.items() if key != "response"}))


def make_tracker(
    slots: dict[str, Any] | None = None,
    latest_message: dict[str, Any] | None = None,
    sender_id: str = "candidate-1",
    active_loop: str | None = None,
    channel: str = "rest",
) -> Tracker:
    """A tracker as the action server builds it from Rasa's request."""
    events = [{"event": "user", "text": (latest_message or {}).get("text", ""), "input_channel": channel}]
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=latest_message or {"intent": {"name": "inform", "confidence": 1.0}, "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


@contextmanager
def running_stack(model: Path, var: Path, *, unset: tuple[str, ...] = (), **env: str) -> Iterator[Stack]:
    """The real servers on free ports, offline, keeping their data and logs in ``var``.

    ``env`` is set and ``unset`` removed for the servers (which copy the environment as they
    start); SMTP_HOST is always removed, so mail goes to ``var``/outbox.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RECRUITBOT_VAR_DIR", str(var))
        for name in ("SMTP_HOST", *unset):
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        stack = Stack(Ports(rasa=free_port(), actions=free_port(), web=free_port()), model, log_dir=var / "logs")
        with stack.running():
            yield stack


def graph_component(agent: Any, component_type: type) -> Any:
    """The loaded agent's one graph component of exactly this type (RulePolicy is a MemoizationPolicy too)."""
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    [component] = [node._component for node in nodes if type(node._component) is component_type]
    return component


def story_trackers(domain: Any) -> list[Any]:
    """The trackers of every story and rule of the training data and of the conversation tests."""
    from rasa.core.training import load_data
    from rasa.shared.importers.importer import TrainingDataImporter

    from recruitbot.settings import PROJECT_ROOT

    importer = TrainingDataImporter.load_from_config(
        str(PROJECT_ROOT / "config.yml"),
        str(PROJECT_ROOT / "domain.yml"),
        [str(PROJECT_ROOT / "data"), str(PROJECT_ROOT / "tests" / "test_stories.yml")],
    )
    return load_data(importer, domain, augmentation_factor=0)


def taken_back(story: list[Any]) -> Iterator[Any]:
    """The story's events with what a live conversation can do in between: rewinds, undone actions, restarts."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
        UserUttered,
    )

    for number, event in enumerate(story):
        yield event
        if isinstance(event, UserUttered) and number % 3 == 0:
            yield UserUtteranceReverted()
            yield event
        if isinstance(event, ActionExecuted) and number % 5 == 0 and event.action_name != "action_listen":
            yield ActionReverted()
            yield event
        if number % 11 == 10:
            yield Restarted() if number % 2 else SessionStarted()
