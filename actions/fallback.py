"""Two-stage fallback: offer the two likeliest topics, a person, or "something else"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.responses import response_text

# Intents that make sense as a suggestion; small talk ("greet", "affirm") does not.
SUGGESTIBLE_INTENTS = ("search_vacancies", "subscribe_alerts")
HANDOFF_TOPIC = "human_handoff"
SUGGESTIONS = 2


def ranked_topics(latest_message: dict[str, Any]) -> list[str]:
    """Topics ("faq/<key>" or an intent name), likeliest first, from the NLU's rankings.

    A FAQ key's score is the faq intent's confidence times the key's confidence within
    the response selector, so keys and plain intents compare on one scale.
    """
    scores: dict[str, float] = {}
    faq_ranking = latest_message.get("response_selector", {}).get("faq", {}).get("ranking", [])
    for intent in latest_message.get("intent_ranking", []):
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
        if name == "faq":
            for candidate in faq_ranking:
                key = candidate.get("intent_response_key")
                if key:
                    scores[key] = confidence * float(candidate.get("confidence") or 0.0)
        elif name in SUGGESTIBLE_INTENTS:
            scores[name] = confidence
    return sorted(scores, key=lambda topic: scores[topic], reverse=True)


def topic_button(domain: DomainDict, topic: str) -> dict[str, str] | None:
    """A quick-reply button for ``topic``; FAQ buttons send their question as text."""
    title = response_text(domain, "utter_topic_" + topic.replace("/", "_"))
    if title is None:
        return None
    payload = title if topic.startswith("faq/") else f"/{topic}"
    return {"title": title, "payload": payload}


class ActionAskAffirmation(Action):
    """First stage of the fallback: say we did not understand and suggest topics."""

    def name(self) -> str:
        """Rasa's name for the first fallback stage."""
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Offer the two likeliest topics, a consultant, and "something else"."""
        buttons: list[dict[str, str]] = []
        for topic in ranked_topics(tracker.latest_message):
            button = topic_button(domain, topic)
            if button:
                buttons.append(button)
            if len(buttons) == SUGGESTIONS:
                break
        handoff = topic_button(domain, HANDOFF_TOPIC)
        if handoff:
            buttons.append(handoff)
        something_else = response_text(domain, "utter_affirmation_something_else")
        if something_else:
            # Rasa's two-stage fallback reads out_of_scope as "none of these": ask to rephrase.
            buttons.append({"title": something_else, "payload": "/out_of_scope"})
        dispatcher.utter_message(response="utter_ask_affirmation", buttons=buttons)
        return []
