"""Only the bot's own buttons may name an intent: every channel screens user text with ``screen()``.

Rasa reads any message that starts with "/" as ``/intent{"entity": "value"}`` and skips NLU
(``RegexMessageHandler``), so a user could type any intent with any entities. Before a message
becomes a ``UserMessage``, every channel (REST, the widget, Slack, Telegram) passes it through
``screen()``: a payload that a button of the bot sends is kept, anything else that starts with
"/" loses its leading slashes and goes to NLU as the plain text it is, so the user still gets an
answer.

A payload is a button's when its intent and entities are exactly those of a button written in
domain.yml or data/ (read from there, so a new button there is allowed without a code change),
or when it is one that the bot's code builds (``CODE_PAYLOADS``, each entity with a check of its
value: an alert reference is a URL-safe token, a vacancy id a short printable string). Entities
must be a flat JSON object of strings and numbers, and lengths are bounded. Kept payloads are
re-written from what was checked, so Rasa parses exactly that.

Why a rule and not signed payloads: a button's payload is already public (anyone can press the
button), so the damage a forged payload can do is bounded by the allow-list, and entity values
that name something (an alert) are checked against their owner by the actions anyway. Signing
would change every button every channel renders (Telegram's callback data holds 64 bytes), would
have to cover history replayed to the widget, and would break REST clients that send payloads
from the responses they were given. Where a channel can tell that text was typed rather than sent
by a button (Slack and Telegram deliver presses as separate events; the widget marks presses with
``metadata.display``), ``typed=True`` keeps even allowed payloads from being typed; over REST the
two look the same, so a typed payload that some button sends is read as that button.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from connectors.responses import button_payloads
from recruitbot.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

MAX_PAYLOAD_CHARS = 400
MAX_ENTITIES = 5
MAX_VALUE_CHARS = 200
_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][A-Za-z0-9_]{0,63})(?P<entities>\{.*\})?$", re.DOTALL)
_ENTITY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_LEADING_SLASHES = re.compile(r"^[\s/]+")
_ALERT_REF = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # secrets.token_urlsafe, recruitbot/alerts/service.py

Scalar = str | int | float


def _is_alert_ref(value: Scalar) -> bool:
    return isinstance(value, str) and bool(_ALERT_REF.match(value))


def _is_vacancy_id(value: Scalar) -> bool:
    return isinstance(value, str) and bool(value.strip()) and value.isprintable()


# Payloads built in code (actions/*.py, recruitbot/vacancies/cards.py, recruitbot/alerts/notify.py):
# intent -> a check for each entity it carries. tests/channels/test_payloads.py fails when that
# code has a button whose intent is missing here.
CODE_PAYLOADS: dict[str, dict[str, Callable[[Scalar], bool]]] = {
    "affirm": {},
    "deny": {},
    "human_handoff": {},
    "more_vacancies": {},
    "out_of_scope": {},
    "search_vacancies": {},
    "subscribe_alerts": {},
    "pause_alerts": {"alert_id": _is_alert_ref},
    "resume_alerts": {"alert_id": _is_alert_ref},
    "unsubscribe_alerts": {"alert_id": _is_alert_ref},
    "similar_vacancies": {"vacancy_id": _is_vacancy_id},
}


@dataclass(frozen=True)
class Payload:
    """An intent with its entities, as a button sends it."""

    intent: str
    entities: tuple[tuple[str, Scalar], ...] = ()

    def text(self) -> str:
        """The payload as Rasa's RegexMessageHandler reads it."""
        return f"/{self.intent}{json.dumps(dict(self.entities)) if self.entities else ''}"


def parse_payload(text: str) -> Payload | None:
    """The payload ``text`` spells (a flat object of strings and numbers, lengths bounded), or None."""
    text = text.strip()
    match = _PAYLOAD.match(text) if len(text) <= MAX_PAYLOAD_CHARS else None
    if match is None:
        return None
    if not match["entities"]:
        return Payload(match["intent"])
    try:
        entities = json.loads(match["entities"], parse_constant=_refuse_constant)
    except ValueError:
        return None
    if not isinstance(entities, dict) or not 0 < len(entities) <= MAX_ENTITIES:
        return None
    if not all(_ENTITY_NAME.match(name) and _is_scalar(value) for name, value in entities.items()):
        return None
    return Payload(match["intent"], tuple(sorted(entities.items())))


def is_button_payload(payload: Payload) -> bool:
    """True when some button of the bot sends exactly this intent with these entities."""
    if payload in _file_payloads():
        return True
    checks = CODE_PAYLOADS.get(payload.intent)
    if checks is None or set(checks) != {name for name, _ in payload.entities}:
        return False
    return all(checks[name](value) for name, value in payload.entities)


def screen(text: str, *, typed: bool = False) -> str:
    """The text to hand to Rasa: a button's payload as such, anything else starting with "/" as plain text.

    ``typed`` says the channel knows a person typed it (not a button): then no payload is kept.
    Text that is not valid Unicode is made so first (:func:`readable`).
    """
    text = readable(text)
    if not text.strip().startswith("/"):
        return text
    payload = None if typed else parse_payload(text)
    if payload is not None and is_button_payload(payload):
        return payload.text()
    log.info("a message starting with '/' is not a button's payload; passed on as text for NLU")
    return _LEADING_SLASHES.sub("", text)


def readable(text: str) -> str:
    """``text`` with what no store or tokenizer takes out: lone surrogates become U+FFFD, NULs go.

    JSON may spell a lone surrogate (backslash, then ud800), and Python decodes it; spaCy cannot encode such
    text and PostgreSQL refuses NUL characters, so either would fail the turn after it was taken.
    """
    if text.isprintable() or all(char.isprintable() or char in "\n\r\t" for char in text):
        return text
    return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in text if char != "\x00")


@lru_cache(maxsize=4)
def _file_payloads(root: Path = PROJECT_ROOT) -> frozenset[Payload]:
    parsed = (parse_payload(payload) for payload in button_payloads(root) if payload.startswith("/"))
    return frozenset(payload for payload in parsed if payload is not None)


def _is_scalar(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return len(value) <= MAX_VALUE_CHARS
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")
