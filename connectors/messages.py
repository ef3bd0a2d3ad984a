"""The bot's messages in channel-neutral form, read from the dicts Rasa hands to output channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

VACANCY_CARDS = "vacancy_cards"

# What a proactive send achieved, for the caller to act on (e.g. stop alerting a blocked user).
DeliveryOutcome = Literal["sent", "not_configured", "unknown_recipient", "blocked", "failed"]

# Card chrome shared by the Slack and Telegram renderings (the widget has its own copy in JS).
CLOSES_LABEL = "Closes {date}"
JOB_TYPE_LABELS = {"temp": "Temporary", "perm": "Permanent", "contract": "Contract"}


@dataclass(frozen=True)
class Button:
    """A quick reply: ``title`` is shown, ``payload`` is sent back as the user's message."""

    title: str
    payload: str


@dataclass(frozen=True)
class Link:
    """A button that opens ``url``."""

    title: str
    url: str


@dataclass(frozen=True)
class VacancyCard:
    """One vacancy as recruitbot/vacancies/cards.py describes it, with its link and postback actions."""

    id: str
    title: str
    location: str
    job_type: str
    salary: str | None
    closes: date | None
    summary: str
    url: str
    links: tuple[Link, ...]
    postbacks: tuple[Button, ...]

    @classmethod
    def from_dict(cls, card: dict[str, Any]) -> VacancyCard:
        """Read a card from the custom payload."""
        actions = [action for action in card.get("actions") or [] if isinstance(action, dict)]
        return cls(
            id=str(card.get("id", "")),
            title=str(card.get("title", "")),
            location=str(card.get("location") or ""),
            job_type=str(card.get("job_type") or ""),
            salary=str(card["salary"]) if card.get("salary") else None,
            closes=_iso_date(card.get("closes")),
            summary=str(card.get("summary") or ""),
            url=str(card.get("url") or ""),
            links=tuple(Link(str(a.get("title", "")), str(a.get("url", "")))
                        for a in actions if a.get("type") == "link" and a.get("url")),
            postbacks=tuple(Button(str(a.get("title", "")), str(a.get("payload", "")))
                            for a in actions if a.get("type") == "postback" and a.get("payload")),
        )

    def facts(self) -> str:
        """Location, job type and salary on one line ("Leeds · Temporary · £12.50 per hour")."""
        parts = [self.location, JOB_TYPE_LABELS.get(self.job_type, self.job_type), self.salary or ""]
        return " · ".join(part for part in parts if part)

    def closing(self) -> str | None:
        """The closing date as shown to people ("Closes 9 Dec 2026"), None when open-ended."""
        if self.closes is None:
            return None
        return CLOSES_LABEL.format(date=f"{self.closes.day} {self.closes:%b %Y}")


@dataclass(frozen=True)
class BotMessage:
    """What one bot utterance shows: text, then vacancy cards, then quick replies."""

    text: str = ""
    buttons: tuple[Button, ...] = ()
    cards: tuple[VacancyCard, ...] = ()

    @classmethod
    def from_rasa(cls, message: dict[str, Any]) -> BotMessage | None:
        """Read the dict Rasa passes to ``OutputChannel.send_response``.

        Returns None when the message holds something this model does not cover (an image,
        an attachment, elements or another custom payload): the caller falls back to Rasa's
        own rendering for it.
        """
        if any(message.get(key) for key in ("image", "attachment", "elements")):
            return None
        custom = message.get("custom")
        if custom and not is_vacancy_cards(custom):
            return None
        buttons = message.get("buttons") or message.get("quick_replies") or []
        return cls(
            text=str(message.get("text") or "").strip(),
            buttons=tuple(Button(str(b.get("title", "")), str(b.get("payload", ""))) for b in buttons),
            cards=tuple(VacancyCard.from_dict(card) for card in (custom or {}).get("cards", [])),
        )

    def fallback_text(self) -> str:
        """Plain text for notifications and previews: the text, else the card titles."""
        return self.text or ", ".join(card.title for card in self.cards)


def is_vacancy_cards(custom: object) -> bool:
    """True for the vacancy cards custom payload."""
    return isinstance(custom, dict) and custom.get("type") == VACANCY_CARDS and isinstance(custom.get("cards"), list)


def _iso_date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
