"""Outgoing email: SMTP when SMTP_HOST is set, otherwise .eml files in an outbox folder."""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from recruitbot.settings import Settings

log = logging.getLogger(__name__)


class Mailer(Protocol):
    """Sends one message; returns how it went ("smtp" or "outbox"), raises on failure."""

    def send(self, message: EmailMessage) -> str:
        """Send ``message``."""


class SmtpMailer:
    """Delivers through an SMTP server (STARTTLS and login when configured)."""

    def __init__(self, settings: Settings, timeout: float = 20.0) -> None:
        self._settings = settings
        self._timeout = timeout

    def send(self, message: EmailMessage) -> str:
        """Send ``message`` through the configured server."""
        s = self._settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self._timeout) as client:
            if s.smtp_starttls:
                client.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                client.login(s.smtp_user, s.smtp_password)
            client.send_message(message)
        return "smtp"


class OutboxMailer:
    """Writes each message as an .eml file: the offline default, readable by any mail client."""

    def __init__(self, outbox_dir: Path) -> None:
        self._outbox_dir = outbox_dir

    def send(self, message: EmailMessage) -> str:
        """Write ``message`` to the outbox atomically (a reader never sees half a file)."""
        self._outbox_dir.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid4().hex}.eml"
        partial = self._outbox_dir / f".{name}.part"
        partial.write_bytes(bytes(message))
        partial.rename(self._outbox_dir / name)
        return "outbox"


def make_mailer(settings: Settings) -> Mailer:
    """The mailer the configuration asks for."""
    if settings.smtp_host:
        return SmtpMailer(settings)
    return OutboxMailer(settings.outbox_dir)
