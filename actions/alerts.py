"""Job alerts in chat: a consented sign-up form, and listing, editing, pausing and deleting alerts.

The sign-up takes every criterion the message gives ("let me know when new marketing jobs come
up in Leeds"), or the last search's when it gives none (the "alert me" button under results),
and asks only for what is missing: criteria when there are none, how often, where to (on
Telegram and Slack: this chat or email; the website: email), the address, then the consent
wording with an explicit yes. The alert service (recruitbot/alerts) does the rest: it records
the consent, emails the double opt-in link, and refuses what it must.
"""

from __future__ import annotations

import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import asdict, replace
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import services
from actions.responses import response_text
from actions.stop_form import in_form, stop_form
from actions.vacancies import criteria_from, place_name
from recruitbot.alert_words import ABOUT_ALERTS
from recruitbot.alerts.model import (
    EMAIL,
    Alert,
    ChangeOutcome,
    ChangeStatus,
    ConfirmStatus,
    ConsentWording,
    ErasureStatus,
    Frequency,
    Requester,
    SignupStatus,
    Status,
)
from recruitbot.alerts.service import AlertService, email_address
from recruitbot.contact import EmailProblem, said_contact
from recruitbot.vacancies.asked_hours import asked_hours
from recruitbot.vacancies.asked_salary import asked_min_salary
from recruitbot.vacancies.cards import describe_criteria
from recruitbot.vacancies.model import JOB_TYPES, SearchCriteria, is_too_broad

log = logging.getLogger(__name__)

FORM = "alert_form"
CONSENT_VERSION = "alert-consent-2026-11"
FORM_SLOTS = ("alert_criteria", "alert_frequency", "alert_delivery", "alert_email", "alert_consent",
              "alert_consent_text")
CRITERIA_ENTITIES = ("keyword", "location", "job_type")
CHAT = "chat"
# Intents that leave the question unanswered: the form steps aside and the rules take them
# (answer and come back, or cancel on "deny" and "goodbye"). Anything else is taken as an attempt to answer,
# and re-asked with the choices when it is not one.
_SEARCHES = frozenset({"search_vacancies", "more_vacancies", "similar_vacancies"})
INTERRUPTIONS = frozenset({
    "deny", "faq", "bot_challenge", "human_handoff", "search_vacancies", "more_vacancies", "similar_vacancies",
    "list_alerts", "unsubscribe_alerts", "pause_alerts", "resume_alerts", "edit_alert", "forget_me",
    "goodbye", "thank", "what_next", "ask_privacy",
})
_DAILY = re.compile(r"\b(daily|day|days|digest|once a day|once daily|summary|evening|morning)\b", re.I)
# In the sign-up's first message only a plain choice counts ("email me daily about admin jobs").
_STATED_FREQUENCY = re.compile(
    r"\b(daily|once a day|every day|digest|instantly|immediately|straight away|right away|as soon as)\b", re.I)
_INSTANT = re.compile(
    r"\b(instant\w*|immediate\w*|straight away|right away|asap|as soon|soon as|when(ever)? (they|one|a job|new)|"
    r"each time|every time|as they|live|now)\b", re.I)
_NOT_NOW = re.compile(r"\bnot\s+(?:right\s+|just\s+)?now\b", re.I)
# Frequencies candidates ask for that alerts do not offer: the re-ask says so.
_NOT_OFFERED_FREQUENCY = re.compile(r"\b(weekly|week|weeks|fortnight\w*|monthly|month|months)\b", re.I)
# A message that is nothing but a frequency ("every fortnight", "once a day please", "as soon as they come in"):
# at the how-often question it is the answer whatever intent the NLU reads into it ("once a day" and "every
# fortnight" read as goodbyes, "as soon as they come in" as an FAQ question). Under such an intent a message
# with more to it is not: "bye for now" and "thanks, that's all for now" had set instant alerts ("now").
_ONLY_A_FREQUENCY = re.compile(
    r"^\W*(?:(?:just|maybe|erm|um|hmm|ok|okay|oh|er|no|nah|yes|yeah|yep|actually|sorry|"
    r"(?:i'?d|i\s+would|i'?ll|i)\s+(?:like|prefer|want|have|take)(?:\s+them|\s+it)?|make\s+it|let'?s\s+do|go\s+for|"
    r"(?:send|email|e-mail|message)\s+(?:them|me|it)(?:\s+to\s+me)?)\W+)*(?:"
    r"(?:(?:once|twice)\s+(?:a|per|every)\s+|every\s+(?:other\s+|two\s+|2\s+|single\s+)?|each\s+|per\s+|bi-?)?"
    r"(?:day|week|fortnight|month|daily|weekly|fortnightly|monthly)s?"
    r"|as\s+soon\s+as\s+(?:possible|(?:they|one|jobs?|new\s+ones?|there'?s\s+one)\s+"
    r"(?:come|comes|appear|appears|are\s+posted|is\s+posted|arrive|arrives|go\s+live|goes\s+live)(?:\s+in|\s+up)?)"
    r"|asap|instant(?:ly)?|immediately|straight\s+away|right\s+away|in\s+real\s+time|every\s+time"
    r"|when(?:ever)?\s+(?:they|one|a\s+new\s+one|new\s+ones)\s+(?:come|comes)\s+in)"
    r"(?:\W+(?:please|pls|plz|thanks|thank you|ta|is fine|would be good|would be great|if possible|ideally))*\W*$",
    re.I)
_BY_EMAIL = re.compile(r"\b(e-?mail|inbox|mail)\b|@", re.I)
_IN_CHAT = re.compile(r"\b(here|chat|telegram|slack|this app|message me|dm|direct message|in this)\b", re.I)
# "(just) send them here", "message me on telegram instead", "here please": at the address question this
# is a change of mind whatever intent the NLU reads into it ("send them" also reads as "start sending my
# alerts again", "actually ... instead" as a question).
_SEND_HERE = re.compile(
    r"\b(send|message|ping|post|put|drop)\b.{0,30}\b(here|this chat|the chat|in chat|on telegram|on slack)\b|"
    r"^\W*(just\s+|actually\s+)*(here|in (this|the) chat|on here)\b", re.I)
# "By email", "email please", "to my email": at the address question an answer with no address in it,
# whatever intent the NLU reads into it ("by email" reads as "unsubscribe", "my email" as "list my alerts").
_EMAIL_WITHOUT_ADDRESS = re.compile(
    r"^\W*((by|via|through|over|to|on|in)\s+)?((an?|my|the)\s+)?(e-?mail|inbox)"
    r"(\s+(please|pls|plz|is fine|is good|is ok|is okay|works|thanks|thank you|ta|address|one|then))*\W*$", re.I)
# Words before a place, role or job type that set it aside: "leeds not york", "not in london", "perm rather than
# temp". In the sign-up the value after them is the one replaced or refused, not the new one.
_SET_ASIDE = re.compile(r"\b(?:not|no|rather\s+than|instead\s+of|except|apart\s+from)\s+(?:\w+\s+)?$", re.I)
# How a message that names criteria says it corrects the sign-up's: "make it marketing", "I meant perm", "change
# it to Bradford", whatever the NLU reads into it ("no wait, make it marketing" read as a no, which cancelled the
# sign-up, and as the FAQ on how long to wait, at 1.00).
_CORRECTION = re.compile(
    r"\b(?:make\s+(?:it|that|them|this|those)|(?:change|switch)\s+(?:(?:it|that|them|this)\s+)?to|"
    r"i\s+mean|i\s+meant|should\s+(?:be|have\s+been|say))\b", re.I)
# In a message read as a no, these say it too ("no wait, admin", "no, leeds instead"); a no with criteria and
# none of these ("no thanks, leeds is too far") still cancels.
_NO_THAT_CORRECTS = re.compile(r"\b(?:wait|actually|instead|rather|meant)\b", re.I)
# Intents a correction's words do not override: leaving the sign-up, or asking for a person.
_NOT_A_CORRECTION = frozenset({"goodbye", "forget_me", "unsubscribe_alerts", "human_handoff"})
# Intents that still end or leave the sign-up when the message also says "here".
_LEAVES_SIGN_UP = frozenset({"deny", "goodbye", "forget_me", "unsubscribe_alerts", "human_handoff"})
# Never an answer to how often or where to, whatever words it holds ("now what?", "what do you do with my
# email?"). Only these intents: the NLU reads real answers as others ("once a day" as a goodbye), and the form
# must take them first.
_NOT_AN_ANSWER = frozenset({"what_next", "ask_privacy"})
# Intents under which a frequency's words count only in a plain answer (_ONLY_A_FREQUENCY): "thanks, that's all
# for now", not understood (nlu_fallback), had set instant alerts.
_UNSURE_ANSWERS = INTERRUPTIONS | {"nlu_fallback"}


def requester_of(tracker: Tracker) -> Requester:
    """Who is asking: the channel the last message came in on, and the conversation's sender id."""
    return Requester(tracker.get_latest_input_channel() or "unknown", tracker.sender_id)


def _intent(tracker: Tracker) -> str:
    """The latest message's intent; a search that names nothing ("hmm" taken for one) counts as an answer."""
    intent = str((tracker.latest_message.get("intent") or {}).get("name") or "")
    if intent in _SEARCHES and not _named_criteria(tracker) and not str(_text(tracker)).startswith("/"):
        return "inform"
    return intent


def _text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def _entity_values(tracker: Tracker, entity: str, *, without_set_aside: bool = False) -> list[str]:
    """The values of ``entity`` in the latest message; ``without_set_aside``, not those it sets aside ("not York")."""
    text = _text(tracker)
    return [str(found["value"]) for found in tracker.latest_message.get("entities") or []
            if found.get("entity") == entity and found.get("value") not in (None, "")
            and not (without_set_aside and _set_aside(text, found))]


def _set_aside(text: str, entity: dict[str, Any]) -> bool:
    """True when the words just before the entity set it aside: "leeds not *york*", "not in *london*"."""
    start = entity.get("start")
    return isinstance(start, int) and bool(_SET_ASIDE.search(text[:start]))


def _sets_aside_criteria(tracker: Tracker) -> bool:
    text = _text(tracker)
    return any(found.get("entity") in CRITERIA_ENTITIES and _set_aside(text, found)
               for found in tracker.latest_message.get("entities") or [])


def _named_criteria(tracker: Tracker, *, without_set_aside: bool = False) -> dict[str, Any]:
    """The criteria the latest message names (its last value of each), for changing a sign-up's.

    ``without_set_aside`` leaves out the values it sets aside ("perm *not temp*"). Finding alerts to
    stop or pause keeps them: "stop all except Leeds" must not read as "stop all" (nor as "stop the
    Leeds one": see ``ActionChangeAlerts._targets``).
    """
    named: dict[str, Any] = {}
    for entity in CRITERIA_ENTITIES:
        values = _entity_values(tracker, entity, without_set_aside=without_set_aside)
        if values:
            named[entity] = values[-1]
    if named.get("location"):
        named["location"] = place_name(named["location"])
    if named.get("job_type") not in JOB_TYPES:
        named.pop("job_type", None)
    salary = asked_min_salary(_text(tracker))
    if salary:
        named["min_salary"] = salary
    return named


def _with_place_names(criteria: SearchCriteria) -> SearchCriteria:
    return replace(criteria, location=place_name(criteria.location)) if criteria.location else criteria


def _criteria(value: Any) -> SearchCriteria:
    fields = value if isinstance(value, dict) else {}
    return SearchCriteria(**{key: fields.get(key) for key in ("keyword", "location", "job_type", "min_salary")})


def parse_frequency(text: str) -> str | None:
    """"daily", "instant" or None from an answer such as "once a day" or "straight away"."""
    if _DAILY.search(text):
        return Frequency.DAILY.value
    if _NOT_NOW.search(text):  # "no, not now" turns the sign-up down (a rule): it is not "straight away"
        return None
    if _INSTANT.search(text):
        return Frequency.INSTANT.value
    return None


def parse_delivery(text: str) -> str | None:
    """"email", "chat" or None from an answer such as "by email" or "send them here"."""
    if _BY_EMAIL.search(text):
        return EMAIL
    if _IN_CHAT.search(text):
        return CHAT
    return None


def _criteria_label(domain: DomainDict, criteria: SearchCriteria) -> str:
    return describe_criteria(criteria) or response_text(domain, "utter_criteria_anything") or ""


_FREQUENCY_WORDS = {"instant": "utter_alert_frequency_instant", "daily": "utter_alert_frequency_daily"}
_CHANNEL_WORDS = {"telegram": "utter_alert_delivery_telegram", "slack": "utter_alert_delivery_slack"}
_STATUS_WORDS = {
    Status.PENDING: "utter_alert_status_pending", Status.ACTIVE: "utter_alert_status_active",
    Status.PAUSED: "utter_alert_status_paused", Status.DELETED: "utter_alert_status_deleted",
}


def _frequency_label(domain: DomainDict, frequency: str) -> str:
    return response_text(domain, _FREQUENCY_WORDS.get(frequency, "")) or frequency


def _channel_label(domain: DomainDict, channel: str) -> str:
    return response_text(domain, _CHANNEL_WORDS.get(channel, "")) or channel


def _delivery_label(domain: DomainDict, alert: Alert) -> str:
    if alert.delivery == EMAIL:
        return (response_text(domain, "utter_alert_delivery_email") or "{address}").format(address=alert.address_hint)
    return _channel_label(domain, alert.delivery)


def _button(domain: DomainDict, response: str, payload: str, **values: str) -> dict[str, str]:
    title = (response_text(domain, response) or payload).format(**values)
    return {"title": title, "payload": payload}


class _AlertAction:
    """Gives an action the injected alert service, or the real one built from settings."""

    def __init__(self, service: AlertService | None = None) -> None:
        self._service = service

    @property
    def service(self) -> AlertService:
        """The alert service for this process."""
        return self._service or services.alert_service()


class _ManageAlertsAction(_AlertAction, Action, ABC):
    """Base for the actions that read or change alerts: a database failure gets an apology, not silence."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Run :meth:`manage` for the person asking; say sorry if the database fails."""
        try:
            return await self.manage(dispatcher, tracker, domain, requester_of(tracker))
        except SQLAlchemyError:
            log.exception("%s failed for conversation %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(response="utter_alerts_failed")
            return []

    @abstractmethod
    def name(self) -> str:
        """The action's name."""

    @abstractmethod
    async def manage(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, requester: Requester
    ) -> list[EventType]:
        """Do the action's work."""


def _events_and_last_user(tracker: Tracker) -> tuple[list[dict[str, Any]], int]:
    """The conversation's events and the index of the latest user message among them (-1 if none)."""
    events = list(tracker.events)
    return events, max((i for i, event in enumerate(events) if event.get("event") == "user"), default=-1)


def _starting(tracker: Tracker) -> bool:
    """True while Rasa starts the sign-up in this turn.

    Rasa validates answers given before the form starts with the form already marked active (so the
    loop was activated after the latest user message), and validates the first message with it not
    yet active.
    """
    if (tracker.active_loop or {}).get("name") != FORM:
        return True
    events, last_user = _events_and_last_user(tracker)
    return any(event.get("event") == "active_loop" and event.get("name") == FORM for event in events[last_user + 1:])


class ValidateAlertForm(_AlertAction, FormValidationAction):
    """Fills the sign-up from what the person says; re-asks with the reason when an answer will not do."""

    def name(self) -> str:
        """The form's validation action."""
        return "validate_alert_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Validate; a sign-up that is starting begins empty.

        A sign-up stopped earlier ("no", "stop") leaves its answers in the slots: without this, the next
        "job alerts please" went straight to the address question for the old criteria.
        """
        if _starting(tracker):
            stale: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS if tracker.get_slot(slot) is not None]
            tracker.add_slots(stale)
            return [*stale, *await super().run(dispatcher, tracker, domain)]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """Where the alerts go is asked only on Telegram and Slack; the address only for email."""
        slots = ["alert_criteria", "alert_frequency"]
        if requester_of(tracker).is_chat_user:
            slots.append("alert_delivery")
        if tracker.get_slot("alert_delivery") in (EMAIL, None) or not requester_of(tracker).is_chat_user:
            slots.append("alert_email")
        return [*slots, "alert_consent"]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventType | None:
        """The first missing slot, always decided here (rasa-sdk leaves it to Rasa when the lists happen to match)."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet("requested_slot", next((slot for slot in required if tracker.slots.get(slot) is None), None))

    def _asked(self, tracker: Tracker, slot: str) -> bool:
        return tracker.get_slot("requested_slot") == slot

    def _answers(self, tracker: Tracker, slot: str) -> bool:
        """True when the message is the answer to ``slot``'s question (not a change of criteria, not a detour)."""
        return (self._asked(tracker, slot) and _intent(tracker) not in INTERRUPTIONS
                and not (self._changes_criteria(tracker)))

    def _chooses_chat_instead(self, tracker: Tracker) -> bool:
        """At the address question: "send them here" (read as an answer, or said plainly whatever the intent)."""
        text = _text(tracker)
        if not self._asked(tracker, "alert_email") or "@" in text or parse_delivery(text) != CHAT:
            return False
        return self._answers(tracker, "alert_email") or (
            bool(_SEND_HERE.search(text)) and _intent(tracker) not in _LEAVES_SIGN_UP
            and not self._changes_criteria(tracker))

    def _answers_with_a_search(self, tracker: Tracker) -> bool:
        """Asked what to look out for, jobs named as a search ("marketing in Manchester") are the answer.

        The question's own example reads as a search; taken as a detour, the search ran and the same question
        came back, over and over.
        """
        return self._asked(tracker, "alert_criteria") and _intent(tracker) == "search_vacancies"

    @staticmethod
    def _changes_criteria(tracker: Tracker) -> bool:
        return (bool(_named_criteria(tracker, without_set_aside=True))
                and tracker.get_slot("requested_slot") != "alert_criteria")

    @staticmethod
    def _corrects_the_sign_up(tracker: Tracker) -> bool:
        """"No wait, make it marketing", "no, leeds not york", "change it to Bradford": new criteria for this sign-up.

        The NLU reads them as a no (which cancelled the sign-up), an FAQ question, a search, or as editing
        an existing alert (which answered "This chat has no job alerts"); the caller checks that they name
        criteria.
        """
        intent, text = _intent(tracker), _text(tracker)
        if tracker.get_slot("requested_slot") is None or intent in _NOT_A_CORRECTION:
            return False
        if intent == "edit_alert" or _CORRECTION.search(text):
            return True
        return intent == "deny" and (bool(_NO_THAT_CORRECTS.search(text)) or _sets_aside_criteria(tracker))

    async def extract_alert_criteria(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The criteria the sign-up starts with; later, any the person changes ("make that perm")."""
        current = tracker.get_slot("alert_criteria")
        if current is None and tracker.get_slot("requested_slot") is None:
            return {"alert_criteria": asdict(_with_place_names(criteria_from(tracker)))}
        named = _named_criteria(tracker, without_set_aside=True)
        if named and (_intent(tracker) not in INTERRUPTIONS or self._answers_with_a_search(tracker)
                      or self._corrects_the_sign_up(tracker)):
            changed = replace(_criteria(current), **named)
            if current is not None and not self._asked(tracker, "alert_criteria"):
                dispatcher.utter_message(response="utter_alert_criteria_changed",
                                         criteria=_criteria_label(domain, changed))
            return {"alert_criteria": asdict(changed)}
        if self._asked(tracker, "alert_criteria") and _intent(tracker) not in INTERRUPTIONS:
            return {"alert_criteria": current}  # said nothing usable: validation re-asks
        return {}

    def validate_alert_criteria(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep criteria that name at least a role, a place or temp/perm; hours asked for are said to be unmatched."""
        if value is None or is_too_broad(_criteria(value)):
            if self._asked(tracker, "alert_criteria"):
                dispatcher.utter_message(response="utter_alert_criteria_needed")
            return {"alert_criteria": None}
        hours = asked_hours(_text(tracker))
        if hours:
            dispatcher.utter_message(response="utter_alert_hours_unknown", hours=hours)
        return {"alert_criteria": value}

    async def extract_alert_frequency(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Instant or daily, from a button or from words; an unclear answer is re-asked."""
        chosen = next(iter(_entity_values(tracker, "alert_frequency")), None)
        text, intent = _text(tracker), _intent(tracker)
        plain = bool(_ONLY_A_FREQUENCY.match(text))
        # Under an interruption's intent, or one the NLU is unsure of, only a plain frequency is an answer.
        if chosen is None and intent not in _NOT_AN_ANSWER and (plain or intent not in _UNSURE_ANSWERS) and (
                self._asked(tracker, "alert_frequency") or _STATED_FREQUENCY.search(text)):
            chosen = parse_frequency(text)
        if chosen in (Frequency.INSTANT.value, Frequency.DAILY.value):
            return {"alert_frequency": chosen}
        if self._answers(tracker, "alert_frequency") or (self._asked(tracker, "alert_frequency") and plain):
            unclear = ("utter_alert_frequency_not_offered" if _NOT_OFFERED_FREQUENCY.search(text)
                       else "utter_alert_frequency_unclear")
            dispatcher.utter_message(response=unclear)
            return {"alert_frequency": None}
        return {}

    async def extract_alert_delivery(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """This chat or email (Telegram and Slack only)."""
        chosen = next(iter(_entity_values(tracker, "alert_delivery")), None)
        if chosen is None and self._asked(tracker, "alert_delivery") and _intent(tracker) not in _NOT_AN_ANSWER:
            chosen = parse_delivery(_text(tracker))
        if chosen in (EMAIL, CHAT):
            return {"alert_delivery": chosen}
        if self._answers(tracker, "alert_delivery"):
            dispatcher.utter_message(response="utter_alert_delivery_unclear")
            return {"alert_delivery": None}
        return {}

    async def extract_alert_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """An address the message gives (tagged, or typed when it was asked for)."""
        tagged = _entity_values(tracker, "email")
        if tagged:
            return {"alert_email": tagged[-1]}
        if self._chooses_chat_instead(tracker):
            if requester_of(tracker).is_chat_user:  # Telegram, Slack: a change of mind, to this chat
                return {"alert_delivery": CHAT}
            # A channel that cannot message later (the website): say why it has to be email.
            dispatcher.utter_message(response="utter_alert_email_only")
            return {"alert_email": None}
        if self._asked(tracker, "alert_email") and _EMAIL_WITHOUT_ADDRESS.match(_text(tracker)):
            dispatcher.utter_message(response="utter_alert_email_needs_address")
            return {"alert_email": None}
        if self._answers(tracker, "alert_email") or (self._asked(tracker, "alert_email") and "@" in _text(tracker)):
            return {"alert_email": _text(tracker).strip()}
        return {}

    def validate_alert_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A deliverable-looking address, normalised; otherwise the reason, and the question again."""
        if value is None:  # the extraction has already said why ("send them here")
            return {"alert_email": None}
        if "@" not in str(value):  # "yes", "my gmail one": not an attempt at an address
            dispatcher.utter_message(response="utter_alert_email_needs_address")
            return {"alert_email": None}
        checked = email_address(said_contact(str(value)))  # "my email is ..." without a tag: a mistyped one
        if isinstance(checked, EmailProblem):
            dispatcher.utter_message(response="utter_invalid_email", reason=checked.reason)
            return {"alert_email": None}
        return {"alert_email": checked}

    async def extract_alert_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Only an explicit yes to the wording shown; "no" cancels (a rule), anything else is asked again."""
        if not self._asked(tracker, "alert_consent"):
            return {}
        if _intent(tracker) == "affirm":
            return {"alert_consent": True}
        if not self._answers(tracker, "alert_consent"):
            return {}
        dispatcher.utter_message(response="utter_alert_consent_needs_yes")
        return {"alert_consent": None}


class ActionAskAlertConsent(Action):
    """Shows the exact consent wording (what, how often, where to, how to stop) and remembers it."""

    def name(self) -> str:
        """The consent question of the sign-up form."""
        return "action_ask_alert_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Say the wording with Yes and No buttons; keep the text said, for the consent record."""
        criteria = _criteria(tracker.get_slot("alert_criteria"))
        frequency = tracker.get_slot("alert_frequency") or Frequency.INSTANT.value
        to_chat = tracker.get_slot("alert_delivery") == CHAT and requester_of(tracker).is_chat_user
        if to_chat:
            where = _channel_label(domain, requester_of(tracker).channel)
            template = response_text(domain, "utter_alert_consent_chat") or ""
        else:
            where = str(tracker.get_slot("alert_email") or "")
            template = response_text(domain, "utter_alert_consent_email") or ""
        text = template.format(criteria=_criteria_label(domain, criteria),
                               frequency=_frequency_label(domain, frequency), where=where)
        dispatcher.utter_message(text=text, buttons=[
            _button(domain, "utter_button_consent_yes", "/affirm"),
            _button(domain, "utter_button_consent_no", "/deny"),
        ])
        return [SlotSet("alert_consent_text", text)]


class ActionSubmitAlert(_AlertAction, Action):
    """Records the sign-up with its consent; confirms it here on Telegram and Slack, by email otherwise."""

    def name(self) -> str:
        """The sign-up form's submit action."""
        return "action_submit_alert"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Start the alert and say what happens next; clear the form either way."""
        clear: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        requester = requester_of(tracker)
        criteria = _criteria(tracker.get_slot("alert_criteria"))
        to_chat = tracker.get_slot("alert_delivery") == CHAT and requester.is_chat_user
        consent = ConsentWording(CONSENT_VERSION, str(tracker.get_slot("alert_consent_text") or ""))
        if tracker.get_slot("alert_consent") is not True or not consent.text:
            dispatcher.utter_message(response="utter_alert_cancelled")
            return clear
        try:
            outcome = self.service.start_signup(
                requester, criteria, Frequency(tracker.get_slot("alert_frequency") or Frequency.INSTANT.value),
                consent, email=None if to_chat else tracker.get_slot("alert_email"),
            )
            status, alert = outcome.status, outcome.alert
            if status is SignupStatus.AWAITING_CHAT_CONFIRMATION and alert is not None:
                # The yes was a button pressed in the person's own chat, which the channel vouches for.
                confirmed = self.service.confirm_in_chat(requester, alert.id)
                if confirmed.status is ConfirmStatus.CONFIRMED:
                    dispatcher.utter_message(response="utter_alert_active_in_chat",
                                             criteria=_criteria_label(domain, criteria),
                                             frequency=_frequency_label(domain, alert.frequency.value))
                    return clear
        except SQLAlchemyError:
            log.exception("alert sign-up failed for conversation %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_alerts_failed")
            return clear
        if status is SignupStatus.AWAITING_EMAIL_CONFIRMATION and alert is not None:
            response = "utter_alert_check_email" if outcome.confirmation_sent else "utter_alert_email_not_sent"
            dispatcher.utter_message(response=response, address=alert.address_hint,
                                     criteria=_criteria_label(domain, criteria))
        elif status is SignupStatus.ALREADY_SUBSCRIBED:
            dispatcher.utter_message(response="utter_alert_already", criteria=_criteria_label(domain, criteria))
        elif status is SignupStatus.NOT_PRIVATE_CHAT:
            dispatcher.utter_message(response="utter_alert_private_chat_only")
        elif status is SignupStatus.INVALID_EMAIL:
            dispatcher.utter_message(response="utter_invalid_email", reason=outcome.problem or "")
        else:
            log.warning("alert sign-up for conversation %s refused: %s", tracker.sender_id, status.value)
            dispatcher.utter_message(response="utter_alert_criteria_needed")
        return clear


def _alert_line(domain: DomainDict, number: int, alert: Alert) -> str:
    template = response_text(domain, "utter_alert_list_line") or "{number}. {criteria}"
    return template.format(
        number=number, criteria=_criteria_label(domain, alert.criteria), where=_delivery_label(domain, alert),
        frequency=_frequency_label(domain, alert.frequency.value),
        status=response_text(domain, _STATUS_WORDS[alert.status]) or alert.status.value,
    )


def _manage_buttons(domain: DomainDict, alerts: list[Alert]) -> list[dict[str, str]]:
    buttons: list[dict[str, str]] = []
    for number, alert in enumerate(alerts[:3], start=1):
        payload = json.dumps({"alert_id": alert.id}, separators=(",", ":"))
        if alert.status is Status.ACTIVE:
            buttons.append(_button(domain, "utter_button_pause_alert", f"/pause_alerts{payload}", number=str(number)))
        elif alert.status is Status.PAUSED:
            buttons.append(_button(domain, "utter_button_resume_alert", f"/resume_alerts{payload}",
                                   number=str(number)))
        buttons.append(_button(domain, "utter_button_delete_alert", f"/unsubscribe_alerts{payload}",
                               number=str(number)))
    return buttons


def _alert_lines(domain: DomainDict, alerts: list[Alert]) -> str:
    return "\n".join(_alert_line(domain, number, alert) for number, alert in enumerate(alerts, start=1))


def _say_no_alerts(dispatcher: CollectingDispatcher, domain: DomainDict, requester: Requester) -> None:
    response = "utter_alerts_none_chat" if requester.is_chat_user else "utter_alerts_none_website"
    dispatcher.utter_message(response=response, buttons=[
        _button(domain, "utter_button_alert_me", "/subscribe_alerts")])


# The responses that count alerts, and how each words a single one ("your job alert for ...").
_WORDED_FOR_ONE = {
    "utter_alert_list": "utter_alert_list_one",
    "utter_alerts_deleted": "utter_alerts_deleted_one",
    "utter_alerts_paused": "utter_alerts_paused_one",
    "utter_alerts_resumed": "utter_alerts_resumed_one",
    "utter_alerts_not_started": "utter_alerts_not_started_one",
}


def _labels(domain: DomainDict, alerts: Iterable[Alert]) -> str:
    """What the alerts look for, each once, in order: "admin · Leeds, payroll · Bristol"."""
    return ", ".join(sorted({_criteria_label(domain, alert.criteria) for alert in alerts}))


def _counted(response: str, count: int) -> str:
    """The response that counts ``count`` alerts, worded for one when there is one."""
    return _WORDED_FOR_ONE[response] if count == 1 else response


def _show_alerts(
    dispatcher: CollectingDispatcher, domain: DomainDict, requester: Requester, alerts: list[Alert], response: str
) -> None:
    """Each alert on a line with buttons to change it, or that there are none."""
    if not alerts:
        _say_no_alerts(dispatcher, domain, requester)
        return
    dispatcher.utter_message(response=response, count=len(alerts), alerts=_alert_lines(domain, alerts),
                             buttons=_manage_buttons(domain, alerts))


class ActionListAlerts(_ManageAlertsAction):
    """"What alerts do I have?": each alert, how and how often it sends, and buttons to change it."""

    def name(self) -> str:
        """The list action."""
        return "action_list_alerts"

    async def manage(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, requester: Requester
    ) -> list[EventType]:
        """List the alerts this person (Telegram, Slack) or this conversation (website) has."""
        alerts = self.service.list_alerts(requester)
        _show_alerts(dispatcher, domain, requester, alerts, _counted("utter_alert_list", len(alerts)))
        return []


# intent: (service method, what to say when done, what to say when there was nothing to change)
# Words that say a "stop" or "cancel" is about the alerts. "Should I stop looking for jobs?" can read
# as unsubscribe_alerts to the NLU, and deleting alerts cannot be undone: without one of these words,
# a button or an alert described, the bot asks first, and only a yes to that question deletes.
_ABOUT_ALERTS = ABOUT_ALERTS
CONFIRM_STOP = "utter_confirm_stop_alerts"


def _stop_is_clear(tracker: Tracker) -> bool:
    """True when a request to stop alerts says it is about alerts (or came from a button)."""
    text = _text(tracker)
    return (text.startswith("/") or bool(_entity_values(tracker, "alert_id")) or bool(_named_criteria(tracker))
            or bool(_ABOUT_ALERTS.search(text)))


def _answers_bot_response(tracker: Tracker, response: str) -> bool:
    """True when the bot's last message before the latest user message was ``response``."""
    events, last_user = _events_and_last_user(tracker)
    for event in reversed(events[:max(last_user, 0)]):
        if event.get("event") == "bot":
            return bool((event.get("metadata") or {}).get("utter_action") == response)
    return False


_CHANGES = {
    "unsubscribe_alerts": ("delete", "utter_alerts_deleted", "utter_alerts_deleted_already"),
    "pause_alerts": ("pause", "utter_alerts_paused", "utter_alerts_paused_already"),
    "resume_alerts": ("resume", "utter_alerts_resumed", "utter_alerts_resumed_already"),
}


class ActionChangeAlerts(_ManageAlertsAction):
    """Delete, pause or resume one alert (a button, or "my Leeds alert") or all of them."""

    def name(self) -> str:
        """The action for unsubscribe_alerts, pause_alerts and resume_alerts."""
        return "action_change_alerts"

    async def manage(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, requester: Requester
    ) -> list[EventType]:
        """Apply the change to the alerts meant and say which changed; ask first when a stop is unclear."""
        intent = _intent(tracker)
        form = in_form(tracker)
        if form and intent == "unsubscribe_alerts":  # "stop", "cancel that" that the form could not take
            return stop_form(form, dispatcher, tracker, domain)
        if intent == "affirm":  # a yes right after this action
            if not _answers_bot_response(tracker, CONFIRM_STOP):
                dispatcher.utter_message(response="utter_anything_else")
                return []
            intent = "unsubscribe_alerts"
        elif intent == "unsubscribe_alerts" and not _stop_is_clear(tracker):
            # With no alerts there is nothing to check: it was likely about job hunting.
            has_alerts = bool(self.service.list_alerts(requester))
            dispatcher.utter_message(response=CONFIRM_STOP if has_alerts else "utter_nothing_to_stop")
            return []
        operation, done_response, unchanged_response = _CHANGES.get(intent, _CHANGES["unsubscribe_alerts"])
        change = getattr(self.service, operation)
        targets = self._targets(tracker, requester)
        if targets is None:
            outcome = change(requester, None)
        elif not targets:
            # Described, but none fits: show the ones there are.
            _show_alerts(dispatcher, domain, requester, self.service.list_alerts(requester), "utter_alert_not_found")
            return []
        else:
            changed = [change(requester, alert.id) for alert in targets]
            outcome = ChangeOutcome(
                next((each.status for each in changed if each.status is not ChangeStatus.UNCHANGED),
                     ChangeStatus.UNCHANGED),
                tuple(alert for each in changed for alert in each.alerts))
        if outcome.status is ChangeStatus.NOT_FOUND:
            _say_no_alerts(dispatcher, domain, requester)
        elif outcome.status is ChangeStatus.UNCHANGED and intent != "unsubscribe_alerts" and outcome.alerts and all(
                alert.status is Status.PENDING for alert in outcome.alerts):
            self._say_not_started(dispatcher, domain, requester, list(outcome.alerts))
        elif outcome.status is ChangeStatus.UNCHANGED:
            dispatcher.utter_message(response=unchanged_response)
        else:
            count = len(outcome.alerts)
            dispatcher.utter_message(response=_counted(done_response, count), count=count,
                                     alerts=_labels(domain, outcome.alerts))
        return []

    def _say_not_started(
        self, dispatcher: CollectingDispatcher, domain: DomainDict, requester: Requester, pending: list[Alert]
    ) -> None:
        """Pausing or resuming alerts still waiting for their email's confirmation: they have not started.

        Each gets its "Delete alert N" button, numbered as "what alerts do I have?" lists it.
        """
        numbers = {alert.id: number for number, alert in enumerate(self.service.list_alerts(requester), start=1)}
        buttons = [_button(domain, "utter_button_delete_alert",
                           "/unsubscribe_alerts" + json.dumps({"alert_id": alert.id}, separators=(",", ":")),
                           number=str(numbers[alert.id]))
                   for alert in pending if alert.id in numbers]
        dispatcher.utter_message(response=_counted("utter_alerts_not_started", len(pending)),
                                 alerts=_labels(domain, pending), buttons=buttons)

    def _targets(self, tracker: Tracker, requester: Requester) -> list[Alert] | None:
        """The alerts meant: the button's, the described ones, or None for all of them."""
        chosen = _entity_values(tracker, "alert_id")
        if chosen:
            return [alert for alert in self.service.list_alerts(requester) if alert.id in chosen]
        if _sets_aside_criteria(tracker):
            # "Stop all my alerts except Leeds": described as the Leeds one, that is the one it stopped. Nothing is
            # changed; the alerts are shown with a button each.
            return []
        named = _named_criteria(tracker)
        if not named:
            return None
        return self.service.find_alerts(requester, _criteria(named))

class ActionEditAlert(_ManageAlertsAction):
    """"Change my Leeds alert to Bradford": the alert described gets the new value, keeping its consent."""

    def name(self) -> str:
        """The edit action."""
        return "action_edit_alert"

    async def manage(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, requester: Requester
    ) -> list[EventType]:
        """Find the alert from the old value (or the only alert), and set the new value."""
        alerts = self.service.list_alerts(requester)
        if not alerts:
            _say_no_alerts(dispatcher, domain, requester)
            return []
        old, new = self._old_and_new(tracker)
        if not new:
            dispatcher.utter_message(response="utter_alert_edit_how")
            return []
        meant = self.service.find_alerts(requester, _criteria(old)) if old else alerts
        if len(meant) != 1:
            dispatcher.utter_message(response="utter_alert_edit_which", alerts="\n" + _alert_lines(domain, alerts))
            return []
        [alert] = meant
        changed = replace(alert.criteria, **new)
        outcome = self.service.edit_alert(requester, alert.id, changed)
        responses = {
            ChangeStatus.UPDATED: "utter_alert_updated", ChangeStatus.UNCHANGED: "utter_alert_unchanged",
            ChangeStatus.DUPLICATE: "utter_alert_duplicate", ChangeStatus.NOT_FOUND: "utter_alert_edit_which",
        }
        dispatcher.utter_message(response=responses.get(outcome.status, "utter_alert_criteria_needed"),
                                 before=_criteria_label(domain, alert.criteria),
                                 criteria=_criteria_label(domain, changed), alerts="")
        return []

    @staticmethod
    def _old_and_new(tracker: Tracker) -> tuple[dict[str, Any], dict[str, Any]]:
        """What describes the alert and what it should become: of two values, the first old, the second new."""
        old: dict[str, Any] = {}
        new: dict[str, Any] = {}
        for entity in CRITERIA_ENTITIES:
            values = _entity_values(tracker, entity)
            if entity == "location":
                values = [place_name(value) for value in values]
            if entity == "job_type":
                values = [value for value in values if value in JOB_TYPES]
            if len(values) >= 2:
                old[entity], new[entity] = values[0], values[-1]
            elif values:
                new[entity] = values[0]
        salary = asked_min_salary(_text(tracker))
        if salary:
            new["min_salary"] = salary
        return old, new


class ActionForgetMe(_AlertAction, Action):
    """Erases everything held about the person: alerts, consents, callback requests, this conversation."""

    def name(self) -> str:
        """The erasure action (after the person confirmed)."""
        return "action_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Erase, say so, and forget the conversation's slots."""
        try:
            outcome = self.service.forget_me(requester_of(tracker))
        except (SQLAlchemyError, OSError):
            log.exception("erasure failed for conversation %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_forget_me_failed")
            return []
        dispatcher.utter_message(
            response="utter_forget_me_done" if outcome.status is ErasureStatus.ERASED else "utter_forget_me_nothing")
        return [AllSlotsReset()]

