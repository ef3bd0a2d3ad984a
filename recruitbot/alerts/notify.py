"""Delivering alerts: one :class:`Notifier` per way of sending, email and the chat channels.

A notifier sends one :class:`AlertMessage` (one alert's new vacancies for one person) and
raises when it cannot; the dispatcher records the failure and retries later. Email goes
through :mod:`recruitbot.mail` (SMTP, or .eml files offline); Telegram and Slack through a
``send(user_id, text, buttons, cards)`` function per channel that the connectors provide,
always to the user's own chat, never to a shared channel.
"""

from __future__ import annotations

import html
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol

from recruitbot.alerts.model import Alert, Frequency
from recruitbot.alerts.wording import Wording
from recruitbot.contact import mask
from recruitbot.mail import Mailer
from recruitbot.vacancies.cards import describe_criteria, short_summary, vacancy_card
from recruitbot.vacancies.model import SearchCriteria, Vacancy

log = logging.getLogger(__name__)

# Long URLs in headers must not be folded or encoded: mail providers read List-Unsubscribe raw.
_MAIL_POLICY = SMTP.clone(max_line_length=998)
# The chat button that stops an alert: the existing intent, with the alert's id as an entity.
STOP_INTENT = "unsubscribe_alerts"


@dataclass(frozen=True)
class AlertMessage:
    """One alert's new vacancies, ready to send to ``recipient`` (an address or chat user id)."""

    alert: Alert
    recipient: str
    vacancies: tuple[Vacancy, ...]
    unsubscribe_url: str
    unsubscribe_mailto: str
    erase_url: str
    sent_at: datetime


@dataclass(frozen=True)
class ConfirmationMessage:
    """The double opt-in email for an alert."""

    alert: Alert
    recipient: str
    link: str
    expires_at: datetime


class Notifier(Protocol):
    """Sends alert messages one way (email, Telegram, Slack)."""

    def send(self, message: AlertMessage) -> None:
        """Deliver ``message``, or raise (the dispatcher retries it later)."""
        ...


class ConfirmationSender(Protocol):
    """Sends double opt-in emails."""

    def send_confirmation(self, message: ConfirmationMessage) -> None:
        """Deliver ``message``, or raise."""
        ...


class ChannelSend(Protocol):
    """What a chat connector provides: post to the user's own chat (Telegram) or DM (Slack)."""

    def __call__(self, user_id: str, text: str, buttons: list[dict[str, Any]], cards: list[dict[str, Any]]) -> None:
        """Send ``text``, then the vacancy ``cards`` (vacancy_card schema), with ``buttons``."""
        ...


class DeliveryError(Exception):
    """A message could not be handed over for delivery.

    ``permanent`` when retrying cannot help (the user blocked the bot, or no longer exists).
    """

    def __init__(self, reason: str, permanent: bool = False) -> None:
        """Say why, and whether it is worth trying again."""
        super().__init__(reason)
        self.permanent = permanent


def criteria_label(criteria: SearchCriteria, wording: Wording) -> str:
    """The alert's criteria as a compact label ("temp · admin · Leeds · £30,000+")."""
    return describe_criteria(criteria) or wording.any_job


def frequency_text(frequency: Frequency, wording: Wording) -> str:
    """How often the alert sends, in words."""
    return wording.frequency_daily if frequency is Frequency.DAILY else wording.frequency_instant


def _intro(message: AlertMessage, wording: Wording) -> str:
    template = wording.intro_one if len(message.vacancies) == 1 else wording.intro
    return template.format(count=len(message.vacancies), criteria=criteria_label(message.alert.criteria, wording))


class EmailNotifier:
    """Alert emails and double opt-in emails, through a :class:`~recruitbot.mail.Mailer`."""

    def __init__(self, mailer: Mailer, sender: str, wording: Wording | None = None) -> None:
        """Send through ``mailer`` from ``sender`` ("Name <address>")."""
        self._mailer = mailer
        self._sender = sender
        self._wording = wording or Wording()

    def send(self, message: AlertMessage) -> None:
        """Send the alert email: plain text and HTML, with one-click unsubscribe headers (RFC 8058)."""
        w = self._wording
        subject = w.subject_daily if message.alert.frequency is Frequency.DAILY else w.subject_instant
        email = self._envelope(message.recipient, subject.format(criteria=criteria_label(message.alert.criteria, w)))
        email["Date"] = format_datetime(message.sent_at)
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>, <{message.unsubscribe_mailto}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email.set_content(self._plain(message))
        email.add_alternative(self._html(message), subtype="html")
        how = self._mailer.send(email)
        log.info("alert %s: %d vacancies emailed to %s via %s", message.alert.id, len(message.vacancies),
                 mask(message.recipient), how)

    def send_confirmation(self, message: ConfirmationMessage) -> None:
        """Send the double opt-in email for an alert."""
        w = self._wording
        email = self._envelope(message.recipient, w.confirm_subject)
        email["Date"] = format_datetime(message.alert.created_at)
        body = w.confirm_body.format(
            agency=w.agency,
            criteria=criteria_label(message.alert.criteria, w),
            frequency=frequency_text(message.alert.frequency, w),
            link=message.link,
            expires=message.expires_at.strftime("%d %B %Y %H:%M UTC"),
        )
        email.set_content(body)
        paragraphs = "".join(f"<p>{html.escape(part)}</p>" for part in body.split("\n\n") if message.link not in part)
        button = f'<p><a href="{html.escape(message.link)}">{html.escape(w.confirm_button)}</a></p>'
        email.add_alternative(_html_page(w.confirm_subject, paragraphs + button), subtype="html")
        how = self._mailer.send(email)
        log.info("alert %s: confirmation emailed to %s via %s", message.alert.id, mask(message.recipient), how)

    def _envelope(self, recipient: str, subject: str) -> EmailMessage:
        email = EmailMessage(policy=_MAIL_POLICY)
        email["Subject"] = subject
        email["From"] = self._sender
        email["To"] = recipient
        email["Message-ID"] = make_msgid(domain="recruitbot.local")
        email["Auto-Submitted"] = "auto-generated"
        return email

    def _plain(self, message: AlertMessage) -> str:
        w = self._wording
        lines = [_intro(message, w), ""]
        for vacancy in message.vacancies:
            facts = " · ".join(part for part in (vacancy.location, vacancy.job_type, vacancy.salary) if part)
            lines += [vacancy.title, facts, short_summary(vacancy.summary), f"{w.apply}: {vacancy.url}", ""]
        lines += [
            "--",
            w.footer.format(frequency=frequency_text(message.alert.frequency, w), agency=w.agency),
            f"{w.unsubscribe_text}: {message.unsubscribe_url}",
            f"{w.erase_text}: {message.erase_url}",
        ]
        return "\n".join(lines) + "\n"

    def _html(self, message: AlertMessage) -> str:
        w = self._wording
        cards = "".join(_html_card(vacancy, w) for vacancy in message.vacancies)
        footer = w.footer.format(frequency=frequency_text(message.alert.frequency, w), agency=w.agency)
        body = (
            f"<p>{html.escape(_intro(message, w))}</p>{cards}<hr>"
            f"<p>{html.escape(footer)}</p>"
            f'<p><a href="{html.escape(message.unsubscribe_url)}">{html.escape(w.unsubscribe_text)}</a> · '
            f'<a href="{html.escape(message.erase_url)}">{html.escape(w.erase_text)}</a></p>'
        )
        return _html_page(w.agency, body)


def _html_card(vacancy: Vacancy, wording: Wording) -> str:
    facts = " · ".join(html.escape(part) for part in (vacancy.location, vacancy.job_type, vacancy.salary) if part)
    url = html.escape(vacancy.url)
    return (
        '<div style="border:1px solid #ccc;border-radius:6px;padding:12px;margin:12px 0">'
        f'<h2 style="font-size:1.1em;margin:0 0 4px"><a href="{url}">{html.escape(vacancy.title)}</a></h2>'
        f'<p style="margin:0 0 8px;color:#444">{facts}</p>'
        f'<p style="margin:0 0 8px">{html.escape(short_summary(vacancy.summary))}</p>'
        f'<p style="margin:0"><a href="{url}">{html.escape(wording.apply)}</a></p>'
        "</div>"
    )


def _html_page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f'<body style="font-family:Arial,sans-serif;line-height:1.4;max-width:40em">{body}</body></html>'
    )


class ChannelNotifier:
    """Alert messages to Telegram and Slack users, through the connectors' send functions."""

    def __init__(self, senders: Mapping[str, ChannelSend], wording: Wording | None = None) -> None:
        """Send through ``senders``: one function per channel name ("telegram", "slack")."""
        self._senders = dict(senders)
        self._wording = wording or Wording()

    def send(self, message: AlertMessage) -> None:
        """Post the intro, the vacancy cards and a button that stops the alert to the user's own chat."""
        channel = message.alert.delivery
        send = self._senders.get(channel)
        if send is None:
            raise DeliveryError(f"no sender is configured for {channel}")
        w = self._wording
        cards = [vacancy_card(vacancy, w.apply, w.similar) for vacancy in message.vacancies]
        send(message.recipient, _intro(message, w), [stop_button(message.alert.id, w)], cards)
        log.info("alert %s: %d vacancies sent by %s to %s", message.alert.id, len(message.vacancies), channel,
                 mask(message.recipient))


def stop_button(alert_id: str, wording: Wording) -> dict[str, str]:
    """The button that stops one alert (its payload fits Telegram's 64-byte callback data)."""
    entities = json.dumps({"alert_id": alert_id}, separators=(",", ":"))
    return {"title": wording.chat_stop, "payload": f"/{STOP_INTENT}{entities}"}


class OutboxChannelSend:
    """The offline stand-in for a chat connector: each message becomes a JSON file in the outbox."""

    def __init__(self, outbox_dir: Path, channel: str) -> None:
        """Write files under ``outbox_dir``/``channel``."""
        self._folder = outbox_dir / channel
        self._channel = channel

    def __call__(self, user_id: str, text: str, buttons: list[dict[str, Any]], cards: list[dict[str, Any]]) -> None:
        """Write the message atomically (a reader never sees half a file)."""
        self._folder.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid4().hex}.json"
        record = {"channel": self._channel, "user_id": user_id, "text": text, "buttons": buttons, "cards": cards}
        partial = self._folder / f".{name}.part"
        partial.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        partial.rename(self._folder / name)
