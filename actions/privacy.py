"""What happens to what the candidate tells the bot: asked at any time, and in the middle of a form.

"why do you need my email?" at the alert sign-up's address question had been read as a goodbye, which
ended the sign-up. The answer says why the detail being asked for is needed (the alert's address, or how
a consultant can get back to you), then what is kept and for how long (RECRUITBOT_RETENTION_DAYS) and how
to have it erased; the form's rules then ask the same question again.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.responses import response_text

# The detail a form is asking for, and the response that says why it needs it.
WHY_ASKED = {
    ("alert_form", "alert_email"): "utter_privacy_why_email",
    ("handoff_form", "handoff_name"): "utter_privacy_why_contact",
    ("handoff_form", "handoff_contact"): "utter_privacy_why_contact",
}


def kept_for(domain: DomainDict, days: int) -> str:
    """How long a conversation is kept, in the words of the domain's responses."""
    if days <= 0:
        return response_text(domain, "utter_privacy_kept_always") or ""
    wording = response_text(domain, "utter_privacy_kept_days") or ""
    return wording.replace("{days}", str(days))


class ActionExplainPrivacy(Action):
    """Why a detail is asked for, what is kept, for how long, and how to have it erased."""

    def name(self) -> str:
        """The action the privacy rules run."""
        return "action_explain_privacy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Say why the detail being asked for is needed (in a form), then what is kept."""
        asked = (tracker.active_loop_name, tracker.get_slot("requested_slot"))
        why = WHY_ASKED.get(asked)
        if why:
            dispatcher.utter_message(response=why)
        values: dict[str, Any] = {"kept": kept_for(domain, services.retention_days())}
        dispatcher.utter_message(response="utter_privacy", **values)
        return []
