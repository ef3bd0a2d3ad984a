"""Talk to a person: collect name, contact and question, then hand them to the agency."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import services
from recruitbot.contact import Contact, EmailProblem, clean_name, gives_name, parse_contact, written_as_name
from recruitbot.handoff import CallbackRequest, HandoffService

log = logging.getLogger(__name__)

MIN_QUESTION_CHARS = 3
MAX_QUESTION_CHARS = 2000
HANDOFF_SLOTS = ("handoff_name", "handoff_contact", "handoff_question")


# What a search names besides a keyword: a name has none of them ("Robin Shaw" may be read as a role).
_SEARCH_ONLY_ENTITIES = frozenset({"location", "job_type", "min_salary", "email"})


def name_read_as_search(tracker: Tracker) -> bool:
    """True for an answer to "What's your name?" that the NLU read as a search but is written as a name.

    This model reads some names ("Robin Shaw") as a search for that role. At the name question, a
    message that names nothing else a search could (no place, job type or salary) and is written as
    people write their names is the name: the search action then says nothing, and the form takes it.
    """
    latest = tracker.latest_message
    return (
        (tracker.active_loop or {}).get("name") == "handoff_form"
        and tracker.get_slot("requested_slot") == "handoff_name"
        and (latest.get("intent") or {}).get("name") == "search_vacancies"
        and not any(entity.get("entity") in _SEARCH_ONLY_ENTITIES for entity in latest.get("entities") or [])
        and written_as_name(str(latest.get("text") or ""))
    )


class ValidateHandoffForm(FormValidationAction):
    """Validates each answer; a refused answer is re-asked with the reason."""

    def name(self) -> str:
        """The form's validation action."""
        return "validate_handoff_form"

    async def extract_handoff_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A name given in words that read as asking the bot's name ("my name's Kerry Hughes"), or as a search.

        The slot's mapping leaves out bot_challenge and search_vacancies, so that "are you a bot?" or
        "any admin jobs in Leeds?" mid-form is answered by its rule; a message that plainly gives a
        name is still the answer.
        """
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = str(tracker.latest_message.get("text") or "")
        if tracker.get_slot("requested_slot") != "handoff_name":
            return {}
        if (intent == "bot_challenge" and gives_name(text)) or name_read_as_search(tracker):
            return {"handoff_name": text}
        return {}

    def validate_handoff_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep the name without "my name is"; refuse what is not a name."""
        name = clean_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(response="utter_invalid_name")
        return {"handoff_name": name}

    def validate_handoff_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept a valid email address or UK phone number, normalised."""
        contact = parse_contact(str(value or ""))
        if isinstance(contact, EmailProblem):
            dispatcher.utter_message(response="utter_invalid_email", reason=contact.reason)
            return {"handoff_contact": None}
        if contact is None:
            dispatcher.utter_message(response="utter_invalid_contact")
            return {"handoff_contact": None}
        return {"handoff_contact": contact.value}

    def validate_handoff_question(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept any question of a sensible length."""
        question = str(value or "").strip()
        if not MIN_QUESTION_CHARS <= len(question) <= MAX_QUESTION_CHARS:
            dispatcher.utter_message(response="utter_invalid_question")
            return {"handoff_question": None}
        return {"handoff_question": question}


class ActionSubmitHandoff(Action):
    """Stores the callback request, mails the agency and tells the candidate when to expect a reply."""

    def __init__(self, service: HandoffService | None = None, reply_within_hours: int | None = None) -> None:
        self._service = service
        self._reply_within_hours = reply_within_hours

    def name(self) -> str:
        """The form's submit action."""
        return "action_submit_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Submit the request; clear the form's slots once it is sent."""
        clear = [SlotSet(slot, None) for slot in HANDOFF_SLOTS]
        contact = parse_contact(tracker.get_slot("handoff_contact") or "")
        if not isinstance(contact, Contact):
            # Only reachable if the slot was set around the form's validation.
            dispatcher.utter_message(response="utter_invalid_contact")
            return clear
        request = CallbackRequest(
            sender_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            name=tracker.get_slot("handoff_name") or "",
            contact=contact,
            question=tracker.get_slot("handoff_question") or "",
        )
        service = self._service or services.handoff_service()
        try:
            outcome = service.submit(request)
        except (OSError, smtplib.SMTPException, SQLAlchemyError):
            log.exception("callback request for conversation %s could not be sent", tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_failed")
            return []  # the details are kept, so asking again retries without retyping
        if outcome.office_open:
            hours = self._reply_within_hours or services.reply_within_hours()
            dispatcher.utter_message(
                response="utter_handoff_sent_open", reference=outcome.reference, reply_within_hours=hours
            )
        else:
            dispatcher.utter_message(
                response="utter_handoff_sent_closed",
                reference=outcome.reference,
                next_open_day=outcome.next_opening.strftime("%A"),
                next_open_time=outcome.next_opening.strftime("%H:%M"),
            )
        return clear
