"""Job alerts' data: who asks, what an alert is, and the outcomes the service returns.

Outcomes carry a status (a short machine name such as ``already_subscribed``) and data;
the chat actions and the web pages turn them into words. Nothing here is user-facing text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from recruitbot.vacancies.model import SearchCriteria

# Channels whose user ids the channel itself vouches for, and that can carry alerts to the
# user's own chat. Anyone else (the website) is identified by an email address they confirm.
CHAT_CHANNELS = ("telegram", "slack")
EMAIL = "email"
DELIVERIES = (EMAIL, *CHAT_CHANNELS)


class Frequency(str, Enum):
    """How often an alert sends: as soon as vacancies match, or one digest a day."""

    INSTANT = "instant"
    DAILY = "daily"


class Status(str, Enum):
    """Where an alert is in its life."""

    PENDING = "pending"  # waiting for confirmation; expires
    ACTIVE = "active"
    PAUSED = "paused"
    DELETED = "deleted"


@dataclass(frozen=True)
class Requester:
    """Who is asking, as Rasa tells it: the input channel's name and the conversation's sender id.

    On Telegram and Slack the sender id is the user's own id, vouched for by the channel; on
    the website it is only a browser session, so it reaches the alerts made in that session.
    """

    channel: str
    sender_id: str

    @property
    def is_chat_user(self) -> bool:
        """True on the channels that identify the user (Telegram, Slack)."""
        return self.channel in CHAT_CHANNELS


@dataclass(frozen=True)
class ConsentWording:
    """The consent text the person said yes to, exactly as shown, and its version name."""

    version: str
    text: str


@dataclass(frozen=True)
class Alert:
    """One alert as its owner may see it (the email address only masked)."""

    id: str
    criteria: SearchCriteria
    frequency: Frequency
    delivery: str
    status: Status
    address_hint: str
    created_at: datetime
    confirmed_at: datetime | None


class SignupStatus(str, Enum):
    """How a sign-up went."""

    AWAITING_EMAIL_CONFIRMATION = "awaiting_email_confirmation"
    AWAITING_CHAT_CONFIRMATION = "awaiting_chat_confirmation"
    ALREADY_SUBSCRIBED = "already_subscribed"
    INVALID_EMAIL = "invalid_email"
    INVALID_CRITERIA = "invalid_criteria"
    TOO_BROAD = "too_broad"
    NOT_PRIVATE_CHAT = "not_private_chat"
    CHAT_DELIVERY_UNAVAILABLE = "chat_delivery_unavailable"


@dataclass(frozen=True)
class SignupOutcome:
    """A sign-up's result.

    ``confirmation_token``/``confirmation_link`` are for the mailbox (the service has emailed
    the link when ``confirmation_sent``); showing them in chat would defeat double opt-in.
    ``problem`` says why an email address or criteria were refused, in the validator's words.
    """

    status: SignupStatus
    alert: Alert | None = None
    needs_email_confirmation: bool = False
    confirmation_token: str | None = None
    confirmation_link: str | None = None
    confirmation_sent: bool = False
    problem: str | None = None


class ConfirmStatus(str, Enum):
    """How a confirmation went."""

    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    EMAIL_CONFIRMATION_REQUIRED = "email_confirmation_required"
    EXPIRED = "expired"
    INVALID_LINK = "invalid_link"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class ConfirmOutcome:
    """A confirmation's result and the alert it concerns, when there is one."""

    status: ConfirmStatus
    alert: Alert | None = None


class ChangeStatus(str, Enum):
    """How an edit, pause, resume, delete or unsubscribe went."""

    UPDATED = "updated"
    PAUSED = "paused"
    RESUMED = "resumed"
    DELETED = "deleted"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"
    INVALID_CRITERIA = "invalid_criteria"
    TOO_BROAD = "too_broad"
    NOT_FOUND = "not_found"
    EXPIRED = "expired"
    INVALID_LINK = "invalid_link"


@dataclass(frozen=True)
class ChangeOutcome:
    """A change's result and the alerts as they now are (those it changed, or would have)."""

    status: ChangeStatus
    alerts: tuple[Alert, ...] = ()
    problem: str | None = None


class ErasureStatus(str, Enum):
    """How an erasure went."""

    ERASED = "erased"
    NOTHING_HELD = "nothing_held"
    EXPIRED = "expired"
    INVALID_LINK = "invalid_link"


@dataclass(frozen=True)
class ErasureOutcome:
    """An erasure's result: rows deleted per table (the tracker store's as ``tracker_store``)."""

    status: ErasureStatus
    deleted: dict[str, int] = field(default_factory=dict)


class LinkStatus(str, Enum):
    """What a signed link is good for, checked without acting on it."""

    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class LinkCheck:
    """A signed link's state and the alert it names (confirm and unsubscribe links)."""

    status: LinkStatus
    alert: Alert | None = None


@dataclass(frozen=True)
class DispatchReport:
    """What one dispatch did.

    ``in_doubt`` counts ledger rows left "sending" by a run that stopped mid-send: they may
    have been delivered, so they are never sent again (see :mod:`recruitbot.alerts.dispatch`).
    """

    scanned: int = 0
    matched: int = 0
    messages_sent: int = 0
    vacancies_sent: int = 0
    messages_failed: int = 0
    vacancies_abandoned: int = 0
    vacancies_skipped: int = 0
    in_doubt: int = 0


@dataclass(frozen=True)
class PurgeReport:
    """What a purge of expired sign-ups removed, and conversations erased after "forget me"."""

    subscriptions: int = 0
    people: int = 0
    conversations_erased: int = 0
