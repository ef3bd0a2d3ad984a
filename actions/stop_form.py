"""A "stop" or "cancel" in the middle of a form stops that form.

The NLU reads "stop", "cancel that" and "stop the sign up" as unsubscribe_alerts, which is right
outside a form (a "stop" after an alert). In the middle of the job-alert sign-up or a callback
request they mean "stop this". A form first takes what it can from the message ("by email" at the
address question); a stop it cannot take as an answer reaches ``action_change_alerts`` by the
"stop job alerts" rule, which hands it here. Before this, the sign-up answered "This chat has no
job alerts" and asked its question again, and the callback request took "stop" as the name.

The one answer that is free text, the question for a consultant, can be about stopping alerts
("the unsubscribe link doesn't work, how do i stop them?"): there the message is the answer,
unless it is nothing but a stop word.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff import ValidateHandoffForm
from recruitbot.alert_words import is_bare_stop

# What each form says when it is stopped (the same as for a "no").
CANCELLED = {"alert_form": "utter_alert_cancelled", "handoff_form": "utter_handoff_cancelled"}
FREE_TEXT_ANSWERS = {"handoff_form": "handoff_question"}

def in_form(tracker: Tracker) -> str | None:
    """The form this conversation is in, if it is one this module can stop."""
    form = (tracker.active_loop or {}).get("name")
    return form if form in CANCELLED else None


def stop_form(form: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
    """Stop ``form`` (see :func:`in_form`) and say nothing was set up or sent; or take a free-text answer."""
    text = str(tracker.latest_message.get("text") or "")
    free_text = FREE_TEXT_ANSWERS.get(form)
    if free_text and tracker.get_slot("requested_slot") == free_text and not is_bare_stop(text):
        answer = ValidateHandoffForm().validate_handoff_question(text, dispatcher, tracker, domain)
        return [SlotSet(free_text, answer[free_text]), FollowupAction(form)]
    # The form's own "stopped" response runs next, as it does after a "no", so the rules for what follows
    # it ("anything else?" answered yes or no) apply the same.
    return [ActiveLoop(None), SlotSet("requested_slot", None), FollowupAction(CANCELLED[form])]
