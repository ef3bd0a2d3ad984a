"""Builders shared by the tests: in-memory trackers and the project's domain."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker

ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def domain() -> dict[str, Any]:
    """The project's domain.yml as the action server receives it (responses included)."""
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text())
    return loaded


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
