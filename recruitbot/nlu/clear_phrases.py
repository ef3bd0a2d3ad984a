"""Messages whose meaning is plain from their words, read the same way whatever DIET makes of them.

DIET misreads a few short messages whose mistakes cost the candidate most, and more training
examples moved the rest of the model more than they fixed them (README, NLU):

- **A change of mind** ("i changed my mind", "never mind", "forget it") typed at a form's question.
  Read as "edit my alert" it got "This chat has no job alerts"; at the callback form's name
  question it was taken as the name ("What's the best email address ..., i changed my mind?").
  :class:`ChangeOfMind` reads the whole message, and only a message that is nothing but a change
  of mind, as ``deny``: the forms' rules then cancel the form, as they do for "no".
- **"What now?"** after an answer ("so what do i do now", "now what"). DIET has no such intent and read
  it as a goodbye ("Take care, and best of luck"), or as a greeting. :class:`WhatNow` reads the
  whole message, and only a message that is nothing but that question, as ``what_next``: the bot
  sets out what it can do from here (a form in progress says what it is asking for instead).
- **Good news told** ("they rang to say i got the job, what now?", "i got the job!!"). Read as the
  rejection FAQ, the bot answered "It's disappointing"; read as a search, it asked what role they
  were after. :class:`OfferNews` gives such a message the before-offer answer (keep going until
  the offer is formal and in writing, then your consultant checks it with you), unless DIET read
  it as something that fits good news too (the thank-you email, an alert to stop, a consultant
  asked for by name), and unless the message also says it went wrong ("i thought i got the job
  but they turned me down") or asks whether it did ("does a second interview mean i got the job?").

All three are set as Rasa's KeywordIntentClassifier sets an intent: the name with confidence 1.0,
first in the ranking, DIET's ranking kept after it.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME, RESPONSE_SELECTOR_RETRIEVAL_INTENTS
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from recruitbot.alert_words import ABOUT_ALERTS, is_bare_stop
from recruitbot.evaluate import predicted_label
from recruitbot.nlu.faq_keys import selection

FAQ = "faq"
BEFORE_OFFER = "faq/before_offer"


def _plain(text: str) -> str:
    """Lower case, straight apostrophes, single spaces."""
    return " ".join(text.lower().replace("\u2019", "'").replace("\u2018", "'").split())


_CHANGE_OF_MIND = re.compile(
    r"^(?:(?:oh|ah|um+|hmm+|sorry|actually|no|nah|ok|okay|wait|erm|tbh)[,.!]?\s+)*"
    r"(?:i(?:'ve| have)?\s+)?(?:just\s+)?(?:changed|change)\s+my\s+mind"
    r"|^(?:(?:oh|ah|um+|hmm+|sorry|actually|no|nah|ok|okay|wait|erm)[,.!]?\s+)*"
    r"(?:never\s?mind|nvm|forget\s+(?:it|that|this)|(?:don't|dont|do not)\s+bother|scrap\s+(?:it|that|this)"
    # "quit" read as a greeting, "exit" as inform: alone, they are this too.
    r"|(?:quit|exit|abort)(?:\s+(?:it|that|this))?)"
)
_TRAILER = re.compile(r"^[\s,.!]*(?:(?:thanks|thank you|ta|sorry|please|then|actually)[\s,.!]*)*$")


def is_change_of_mind(text: str) -> bool:
    """True when the whole message only says the person changed their mind ("oh never mind, thanks")."""
    plain = _plain(text).strip(" .!")
    match = _CHANGE_OF_MIND.match(plain)
    return match is not None and bool(_TRAILER.match(plain[match.end():]))


_WHAT_NOW = re.compile(
    r"^(?:(?:ok|okay|so|right|well|and|um+|erm|hmm+|ok so|alright|hi|hello|hey)[,.!]?\s+)*"
    r"(?:what\s+now|now\s+what|what\s+(?:do|should|can)\s+i\s+do(?:\s+(?:now|next))?"
    r"|where\s+do\s+i\s+go\s+from\s+here|what\s+are\s+my\s+options(?:\s+now)?"
    # What the bot can do: DIET read "how can you help me" as out of scope, "help" as a thank-you,
    # "what else can you do" as the next page of results and "what can you do" as nothing it knew.
    r"|what\s+(?:else\s+)?can\s+(?:you|u)\s+(?:do|help(?:\s+me)?(?:\s+with)?)(?:\s+for\s+me)?"
    r"|how\s+(?:can|could|do)\s+(?:you|u)\s+help(?:\s+me)?|what\s+can\s+i\s+ask(?:\s+(?:you|u))?"
    r"|help(?:\s+me)?(?:\s+please)?|menu|options)"
    r"(?:\s+then)?[\s?!.]*$"
)


def is_what_now(text: str) -> bool:
    """True when the whole message only asks what to do now ("so what do i do now?")."""
    return bool(_WHAT_NOW.match(_plain(text)))


_SUBJECT = r"(?:i|i've|ive|i have|i just|i've just|ive just|i have just)"
_OFFER_NEWS = re.compile(
    rf"\b{_SUBJECT}\s+(?:got|landed|been offered|received|secured|had)\s+(?:the|a|an|my|that)\s+"
    r"(?:job|role|position|post|offer|job offer)\b"
    r"|\b(?:offered|(?:are|they're|theyre)\s+offering)\s+me\s+(?:the|a|that)\s+(?:job|role|position|post)\b"
    r"|(?<!you )\b(?:got|had|received)\s+(?:an|a|the)\s+(?:job\s+)?offer\b"
    r"|\bthey\s+(?:want|wanna)\s+me\s*(?:[!.,]|$)"
)
_BAD_NEWS = re.compile(
    r"n't\b|\b(?:not|never|no longer|didnt|wasnt|havent|hasnt|dont|doesnt|cant|wont|isnt|arent|werent|"
    r"couldnt|wouldnt|shouldnt|unsuccessful|rejected|rejection|"
    r"turned\s+(?:me\s+)?down|withdrawn|withdrew|pulled|rescinded|retracted|gone with|went with|someone else|"
    r"thought|if|hope|hoping|would|might|when|until|before|whether|mean|means|meant|does|did i|have i|am i|will i)\b"
)
_ASKS_FOR_PERSON = re.compile(r"\b(?:talk|speak|chat|ring|call me|phone me|consultant|person|human|someone|negotiat)")
# DIET's readings that fit good news as well: kept. Every other reading gives way to the before-offer answer.
_FITS_GOOD_NEWS = frozenset({
    BEFORE_OFFER, "faq/thank_you_email", "faq/good_impression", "faq/ask_next_steps", "faq/about_agency",
    "thank", "bot_challenge", "subscribe_alerts", "unsubscribe_alerts", "list_alerts", "edit_alert",
    "pause_alerts", "resume_alerts", "forget_me",
})


# "do i stop looking for jobs now": the candidate asks whether to stop their own job hunt (the before-offer
# question), and says nothing about the bot's alerts or emails.
_STOPS_JOB_HUNT = re.compile(
    r"\b(?:should|do|can|shall|must|could)\s+i\s+(?:now\s+|just\s+)?stop\s+(?:looking|applying|searching|job\s*hunting)\b"
    r"|\btime\s+to\s+stop\s+(?:looking|applying|searching|job\s*hunting)\b"
)
# DIET's readings that would stop the bot's alerts, or run a search (DIET read "do i stop looking for jobs now"
# as a search at 0.67 in a model of 2026-11-27): these give way to the before-offer answer.
_STOP_MISREADINGS = frozenset({"unsubscribe_alerts", "pause_alerts", "search_vacancies"})


def asks_to_stop_job_hunt(text: str) -> bool:
    """True when the candidate asks whether to stop looking for jobs, without a word about alerts."""
    plain = _plain(text)
    return bool(_STOPS_JOB_HUNT.search(plain)) and not ABOUT_ALERTS.search(plain)


def tells_offer_news(text: str) -> bool:
    """True when the message says, without a but, a maybe or a no, that they got the job or an offer."""
    plain = _plain(text)
    return bool(_OFFER_NEWS.search(plain)) and not _BAD_NEWS.search(plain)


# "can you chase them for me?": the candidate asks the agency to act with the employer, which is a
# consultant's job (the FAQ answers say so). DIET read it as a thank-you ("ok thanks, can you chase them
# for me?") and the next message, the candidate's name, as a vacancy search.
_ASKS_AGENCY_TO_ACT = re.compile(
    r"\b(?:can|could|would|will)\s+(?:you|u|someone|somebody|a\s+consultant|my\s+consultant|the\s+agency)\s+"
    r"(?:please\s+)?(?:be\s+able\s+to\s+)?(?:"
    r"(?:chase|contact|ring|call|phone|e-?mail|speak\s+to|talk\s+to|follow\s+up\s+with|nudge)\s+"
    r"(?:them|the\s+(?:employer|company|client|firm|recruiter|hiring\s+manager|interviewer))\b"
    r"|chase\s+(?:it|this|that|my\s+application|up)\b"
    r"|get\s+(?:me\s+)?(?:some\s+|the\s+|any\s+)?feedback\b"
    r"|ask\s+(?:them|the\s+(?:employer|company|client|firm))\b)"
)
HANDOFF = "human_handoff"


def asks_agency_to_act(text: str) -> bool:
    """True when the candidate asks the bot or a consultant to chase, contact or ask the employer."""
    return bool(_ASKS_AGENCY_TO_ACT.search(_plain(text)))


def _set_intent(message: Message, name: str) -> None:
    ranking = [label for label in message.get(INTENT_RANKING_KEY) or [] if label.get(INTENT_NAME_KEY) != name]
    chosen = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)


class _PlainComponent(GraphComponent):
    """A component with nothing to learn or configure."""

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> _PlainComponent:
        """The component."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Correct each message that needs it."""
        for message in messages:
            self.correct(message, str(message.get(TEXT) or ""))
        return messages

    def correct(self, message: Message, text: str) -> None:
        """Set the message's intent (and selection) where its words leave no doubt."""
        raise NotImplementedError


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ChangeOfMind(_PlainComponent):
    """A message that is only a change of mind is ``deny``. Goes after the fallback classifiers."""

    def correct(self, message: Message, text: str) -> None:
        """``deny`` for "i changed my mind", "never mind", "forget it"."""
        if is_change_of_mind(text):
            _set_intent(message, "deny")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class BareStop(_PlainComponent):
    """A message that only says "stop" or "cancel that" is ``unsubscribe_alerts``. Goes after ChangeOfMind.

    That is how the NLU mostly reads it, and what ``actions/stop_form.py`` turns into "stop this form"
    in the middle of one. A model read "cancel that" as not understood, and the alert sign-up then took
    it for a mistyped email address.
    """

    def correct(self, message: Message, text: str) -> None:
        """``unsubscribe_alerts`` for "stop", "cancel that", "ok stop it please" (not for "quit": ChangeOfMind's)."""
        if is_bare_stop(text) and not is_change_of_mind(text) and predicted_label(message.as_dict_nlu()) != "deny":
            _set_intent(message, "unsubscribe_alerts")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class WhatNow(_PlainComponent):
    """A message that only asks "what now?" is ``what_next``. Goes after the fallback classifiers."""

    def correct(self, message: Message, text: str) -> None:
        """``what_next`` for "what now", "so what do i do now?", "where do i go from here"."""
        if is_what_now(text):
            _set_intent(message, "what_next")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class AgencyActs(_PlainComponent):
    """Asking the agency to chase or contact the employer is ``human_handoff``. Goes after the fallbacks."""

    def correct(self, message: Message, text: str) -> None:
        """``human_handoff`` for "can you chase them for me?", "could someone get me feedback"."""
        if asks_agency_to_act(text):
            _set_intent(message, HANDOFF)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OfferNews(_PlainComponent):
    """Good news told gets the before-offer answer. Goes last, after the FAQ ResponseSelector."""

    def correct(self, message: Message, text: str) -> None:
        """The before-offer FAQ where DIET's reading does not fit the good news the message tells.

        Also where a question about stopping one's own job hunt was read as stopping the alerts or as a search.
        """
        # The words first: most messages stop here, before any dict is built.
        if tells_offer_news(text):
            label = predicted_label(message.as_dict_nlu())
            if label in _FITS_GOOD_NEWS or (label == "human_handoff" and _ASKS_FOR_PERSON.search(_plain(text))):
                return
        elif not asks_to_stop_job_hunt(text) or predicted_label(message.as_dict_nlu()) not in _STOP_MISREADINGS:
            return
        _set_intent(message, FAQ)
        chosen = selection([{PREDICTED_CONFIDENCE_KEY: 1.0, INTENT_RESPONSE_KEY: BEFORE_OFFER}], [])
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, {RESPONSE_SELECTOR_RETRIEVAL_INTENTS: [FAQ], FAQ: chosen},
                    add_to_output=True)
