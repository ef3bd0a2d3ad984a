"""Vacancy search in chat: cards three at a time, refinement, "show more", "more like this"."""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from dataclasses import asdict
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import services
from actions.handoff import name_read_as_search
from actions.responses import response_text
from recruitbot.contact import parse_uk_phone
from recruitbot.nlp import strip_preposition
from recruitbot.places import load_gazetteer
from recruitbot.vacancies.asked_hours import asked_hours
from recruitbot.vacancies.asked_keyword import leftover_keyword
from recruitbot.vacancies.asked_salary import asked_min_salary
from recruitbot.vacancies.cards import describe_criteria, describe_widening, vacancy_card
from recruitbot.vacancies.model import JOB_TYPES, SearchCriteria, SearchResult, Vacancy, is_too_broad
from recruitbot.vacancies.search import Catalogue

log = logging.getLogger(__name__)

PAGE_SIZE = 3
# Words that make a search message a change to the last search rather than a new one.
# Intents whose criteria, when they name any, replace the last search's ("alert me to legal jobs").
_ASKING = ("search_vacancies", "subscribe_alerts")
# A hedge ("something in finance maybe") narrows the search under way rather than starting another.
_REFINING = re.compile(r"\b(what about|how about|what if|instead|same|ones|also|too|try|maybe|perhaps|possibly)\b",
                       re.I)
# A bare answer that gives a name, an address or a number ("ok fine, my name is Priya", "priya@example.com").
_GIVES_DETAILS = re.compile(
    r"\b(my name is|my name's|i'm called|i am called|call me|my (mobile|phone|number|email)\b)|@", re.I)
# A UK phone number inside a sentence ("my number is 07700 900123", "+44 7700 900123").
_PHONE_IN_TEXT = re.compile(r"(?<![\d+])(\+44\s?(\(0\)\s?)?|0)\d([\s-]?\d){8,9}(?!\d)")
_CRITERIA_ENTITIES = frozenset({"keyword", "location", "job_type", "min_salary"})


def gives_details_only(latest: dict[str, Any]) -> bool:
    """True for a bare answer (``inform``) with a name, an address or a UK phone number and nothing to search for."""
    text = latest.get("text") or ""
    if (latest.get("intent") or {}).get("name") != "inform" or any(
        entity.get("entity") in _CRITERIA_ENTITIES for entity in latest.get("entities") or []
    ):
        return False
    # A phone number first: "07700 900123" would otherwise read as a salary of £7,700.
    if parse_uk_phone(text) is not None or any(parse_uk_phone(m.group(0)) for m in _PHONE_IN_TEXT.finditer(text)):
        return True
    return bool(_GIVES_DETAILS.search(text)) and not asked_min_salary(text)


def _typed_keyword(latest: dict[str, Any]) -> str | None:
    """A role named in a search message that the NLU did not tag as a keyword ("astronaut jobs")."""
    entities = latest.get("entities") or []
    if (latest.get("intent") or {}).get("name") != "search_vacancies" or any(
        entity.get("entity") == "keyword" for entity in entities
    ):
        return None
    return leftover_keyword(latest.get("text") or "", entities)


def _is_new_search(latest: dict[str, Any], own_keyword: str | None, own_salary: int | None) -> bool:
    """True for a search that names criteria of its own without refining the last one.

    "any jobs in Kendal" starts afresh; "what about perm ones?", "something in finance maybe" or a
    bare "Leeds" refines.
    """
    if (latest.get("intent") or {}).get("name") not in _ASKING or _REFINING.search(latest.get("text") or ""):
        return False
    named = {entity.get("entity") for entity in latest.get("entities") or []}
    return bool(named & {"keyword", "location", "job_type"} or own_keyword or own_salary)


def place_name(location: str) -> str:
    """A place as the gazetteer spells it ("leeds" -> "Leeds"), or as typed when it is not a known place."""
    typed = strip_preposition(location)
    place = load_gazetteer().resolve(typed)
    return place.name if place is not None else typed


def criteria_from(tracker: Tracker) -> SearchCriteria:
    """The search the conversation asks for.

    A refinement keeps the last search's criteria (slots) and changes what the message names; a
    new search uses only what the message names.
    """
    latest = tracker.latest_message
    typed_keyword = _typed_keyword(latest)
    typed_salary = asked_min_salary(latest.get("text") or "")
    fresh = _is_new_search(latest, typed_keyword, typed_salary)
    named = {entity.get("entity") for entity in latest.get("entities") or []}

    def kept(slot: str) -> Any:
        return tracker.get_slot(slot) if not fresh or slot in named else None

    location, job_type, min_salary = kept("location"), kept("job_type"), typed_salary or kept("min_salary")
    keyword = typed_keyword or kept("keyword")
    return SearchCriteria(
        keyword=(keyword or "").strip() or None,
        location=place_name(location) if location else None,  # "birmingham" shown as "Birmingham"
        job_type=job_type if job_type in JOB_TYPES else None,
        min_salary=int(min_salary) if min_salary else None,
    )


def _criteria_label(domain: DomainDict, criteria: SearchCriteria) -> str:
    return describe_criteria(criteria) or response_text(domain, "utter_criteria_anything") or ""


def _button(domain: DomainDict, response: str, payload: str) -> dict[str, str]:
    return {"title": response_text(domain, response) or payload, "payload": payload}


def _result_buttons(domain: DomainDict, more: bool) -> list[dict[str, str]]:
    show_more = [_button(domain, "utter_button_show_more", "/more_vacancies")] if more else []
    return [
        *show_more,
        _button(domain, "utter_button_alert_me", "/subscribe_alerts"),
        _button(domain, "utter_topic_human_handoff", "/human_handoff"),
    ]


def send_cards(
    dispatcher: CollectingDispatcher, domain: DomainDict, found: list[Vacancy], buttons: list[dict[str, str]]
) -> None:
    """Send vacancies as cards in a custom payload, with the quick replies as buttons."""
    apply_title = response_text(domain, "utter_button_apply") or ""
    similar_title = response_text(domain, "utter_button_more_like_this") or ""
    cards = [vacancy_card(vacancy, apply_title, similar_title) for vacancy in found]
    dispatcher.utter_message(json_message={"type": "vacancy_cards", "cards": cards}, buttons=buttons)


def _remembered(result: SearchResult, shown: list[Vacancy]) -> SlotSet:
    search = {**asdict(result.criteria), "offset": result.offset, "total": result.total,
              "shown": [vacancy.id for vacancy in shown]}
    return SlotSet("vacancy_search", search)


class _CatalogueAction(Action, ABC):
    """Base for actions that read the catalogue (abstract, so rasa-sdk registers no action for it)."""

    def __init__(self, catalogue: Catalogue | None = None) -> None:
        self._catalogue = catalogue

    @property
    def catalogue(self) -> Catalogue:
        """The injected catalogue, or the real one built from settings."""
        return self._catalogue or services.catalogue()

    @abstractmethod
    def name(self) -> str:
        """The action's name."""


class ActionSearchVacancies(_CatalogueAction):
    """Search with the conversation's criteria; widen, explain and always offer an alert."""

    def name(self) -> str:
        """The search action."""
        return "action_search_vacancies"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask for criteria when the search would be too broad; otherwise show the first page.

        A name or contact details given out of the blue are not a search: the person is asked what they
        would like (most likely a consultant), not for criteria, nor shown the last search again.
        """
        if gives_details_only(tracker.latest_message):
            dispatcher.utter_message(response="utter_details_what_for")
            return []
        if name_read_as_search(tracker):
            return []  # the callback request's form takes it as the name it is
        criteria = criteria_from(tracker)
        if is_too_broad(criteria):
            dispatcher.utter_message(response="utter_ask_vacancy_criteria")
            return [SlotSet("vacancy_search", None)]
        try:
            result = self.catalogue.search(criteria, offset=0, limit=PAGE_SIZE)
        except SQLAlchemyError:
            log.exception("vacancy search failed for conversation %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_vacancy_search_failed")
            return []
        events: list[EventType] = [
            SlotSet("keyword", criteria.keyword),
            SlotSet("location", criteria.location),
            SlotSet("job_type", criteria.job_type),
            SlotSet("min_salary", criteria.min_salary),
        ]
        if not result.vacancies:
            dispatcher.utter_message(response="utter_vacancies_none", buttons=_result_buttons(domain, more=False))
            return [*events, SlotSet("vacancy_search", None)]
        if result.widened:
            dispatcher.utter_message(response="utter_vacancies_widened", widened=describe_widening(result.widened))
        hours = asked_hours(tracker.latest_message.get("text") or "")
        if hours:
            dispatcher.utter_message(response="utter_vacancies_hours_unknown", hours=hours)
        label = _criteria_label(domain, result.criteria)
        if result.total == 1:
            dispatcher.utter_message(response="utter_vacancies_found_one", criteria=label)
        else:
            dispatcher.utter_message(
                response="utter_vacancies_found_some", total=result.total, shown=len(result.vacancies), criteria=label
            )
        more = result.total > len(result.vacancies)
        send_cards(dispatcher, domain, result.vacancies, _result_buttons(domain, more))
        return [*events, _remembered(result, result.vacancies)]


class ActionMoreVacancies(_CatalogueAction):
    """The next page of the last search."""

    def name(self) -> str:
        """The "show more" action."""
        return "action_more_vacancies"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Show the next three, or say that was all."""
        last: dict[str, Any] | None = tracker.get_slot("vacancy_search")
        if not last:
            dispatcher.utter_message(response="utter_vacancies_no_search")
            return []
        criteria = SearchCriteria(**{key: last.get(key) for key in ("keyword", "location", "job_type", "min_salary")})
        offset = int(last.get("offset", 0)) + PAGE_SIZE
        try:
            result = self.catalogue.search(criteria, offset=offset, limit=PAGE_SIZE)
        except SQLAlchemyError:
            log.exception("vacancy search failed for conversation %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_vacancy_search_failed")
            return []
        if not result.vacancies:
            dispatcher.utter_message(
                response="utter_vacancies_no_more", criteria=_criteria_label(domain, criteria),
                buttons=_result_buttons(domain, more=False),
            )
            return []
        last_shown = offset + len(result.vacancies)
        more = "utter_vacancies_more_one" if len(result.vacancies) == 1 else "utter_vacancies_more"
        dispatcher.utter_message(response=more, first=offset + 1, last=last_shown, total=result.total)
        send_cards(dispatcher, domain, result.vacancies, _result_buttons(domain, result.total > last_shown))
        return [_remembered(result, result.vacancies)]


class ActionSimilarVacancies(_CatalogueAction):
    """Vacancies like the one on a card (or like the first one just shown)."""

    def name(self) -> str:
        """The "more like this" action."""
        return "action_similar_vacancies"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Show up to three similar open vacancies."""
        vacancy_id = next(tracker.get_latest_entity_values("vacancy_id"), None)
        if vacancy_id is None:
            shown = (tracker.get_slot("vacancy_search") or {}).get("shown") or []
            vacancy_id = shown[0] if shown else None
        if vacancy_id is None:
            dispatcher.utter_message(response="utter_vacancies_no_search")
            return []
        try:
            if self.catalogue.get(vacancy_id) is None:
                dispatcher.utter_message(response="utter_vacancy_gone")
            similar = self.catalogue.similar(vacancy_id, limit=PAGE_SIZE)
        except SQLAlchemyError:
            log.exception("similar-vacancy search failed for conversation %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_vacancy_search_failed")
            return []
        if not similar:
            dispatcher.utter_message(response="utter_no_similar_vacancies", buttons=_result_buttons(domain, False))
            return []
        send_cards(dispatcher, domain, similar, _result_buttons(domain, more=False))
        return []
