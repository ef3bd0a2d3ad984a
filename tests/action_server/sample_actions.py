"""Actions for the action server tests: one answers, one fails with the user's words, one reads the domain."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionAcknowledge(Action):
    """Sets one slot."""

    def name(self) -> str:
        """The action's name."""
        return "action_acknowledge"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Set ``acknowledged``."""
        return [SlotSet("acknowledged", True)]


class ActionCrash(Action):
    """Fails the way a bug would, with the message's text in the exception."""

    def name(self) -> str:
        """The action's name."""
        return "action_crash"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Raise."""
        raise RuntimeError(f"cannot handle {tracker.latest_message.get('text')}")


class ActionSayGreeting(Action):
    """Says the domain's first greeting: what it says shows which domain the action was given."""

    def name(self) -> str:
        """The action's name."""
        return "action_say_greeting"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Utter the text of ``utter_greet``'s first variation."""
        dispatcher.utter_message(text=domain["responses"]["utter_greet"][0]["text"])
        return []
