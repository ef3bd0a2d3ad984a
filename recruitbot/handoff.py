"""Callback requests: a candidate asks for a person; we store it and mail the agency's inbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy.engine import Engine

from recruitbot.contact import Contact, mask
from recruitbot.mail import Mailer
from recruitbot.office_hours import OfficeHours
from recruitbot.schema import callback_requests

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackRequest:
    """What the candidate gave us."""

    sender_id: str
    channel: str
    name: str
    contact: Contact
    question: str


@dataclass(frozen=True)
class HandoffOutcome:
    """The stored request's reference and when the candidate can expect a reply."""

    reference: str
    office_open: bool
    next_opening: datetime


class HandoffService:
    """Stores callback requests and forwards them to the agency."""

    def __init__(
        self, engine: Engine, mailer: Mailer, office_hours: OfficeHours, agency_inbox: str, sender: str
    ) -> None:
        self._engine = engine
        self._mailer = mailer
        self._office_hours = office_hours
        self._agency_inbox = agency_inbox
        self._sender = sender

    def submit(self, request: CallbackRequest, now: datetime | None = None) -> HandoffOutcome:
        """Store and forward ``request``.

        The row is written in the same transaction that the mail is sent in, so a failed
        send leaves no stored request claiming to have been delivered.

        Raises:
            OSError, smtplib.SMTPException: the mail could not be sent (nothing is stored).
        """
        now = now or datetime.now(timezone.utc)
        with self._engine.begin() as conn:
            row_id = conn.execute(
                callback_requests.insert().values(
                    sender_id=request.sender_id,
                    channel=request.channel,
                    name=request.name,
                    contact=request.contact.value,
                    contact_kind=request.contact.kind,
                    question=request.question,
                    created_at=now,
                    delivered_via="pending",
                )
            ).inserted_primary_key[0]
            reference = f"CB-{row_id:06d}"
            delivered_via = self._mailer.send(self._message(reference, request, now))
            conn.execute(
                callback_requests.update()
                .where(callback_requests.c.id == row_id)
                .values(delivered_via=delivered_via)
            )
        log.info(
            "callback request %s stored and sent via %s (contact %s)",
            reference, delivered_via, mask(request.contact.value),
        )
        return HandoffOutcome(
            reference=reference,
            office_open=self._office_hours.is_open(now),
            next_opening=self._office_hours.next_opening(now),
        )

    def _message(self, reference: str, request: CallbackRequest, now: datetime) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = f"Callback request {reference} from {request.name}"
        message["From"] = self._sender
        message["To"] = self._agency_inbox
        if request.contact.kind == "email":
            message["Reply-To"] = request.contact.value
        message["Date"] = formatdate(now.timestamp(), localtime=False)
        message["Message-ID"] = make_msgid(domain="recruitbot.local")
        message.set_content(
            "\n".join(
                [
                    f"Reference: {reference}",
                    f"Name: {request.name}",
                    f"Contact ({request.contact.kind}): {request.contact.value}",
                    f"Channel: {request.channel}",
                    f"Conversation: {request.sender_id}",
                    f"Received: {now.isoformat(timespec='seconds')}",
                    "",
                    "Question:",
                    request.question,
                ]
            )
        )
        return message
