"""Fixtures for the job-alert tests: both databases, a real SMTP server, fake chats, a tracker store."""

# The catalogue's fixtures are imported below and then named as parameters, which ruff reads
# as redefinitions. (They would sit better in tests/conftest.py, shared by both packages.)
# ruff: noqa: F811

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sanic import Sanic
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from recruitbot.alerts.conversations import SqlConversationStore
from recruitbot.alerts.notify import EmailNotifier
from recruitbot.alerts.service import AlertService
from recruitbot.alerts.web import make_blueprint
from recruitbot.mail import SmtpMailer
from recruitbot.places import Gazetteer
from recruitbot.settings import load_settings
from tests.alerts.helpers import FakeChat, FakeConversations, RecordingNotifier, make_service

# The test gazetteer, and an empty database on SQLite or (marked "postgres") PostgreSQL.
from tests.vacancies.conftest import engine, gazetteer, places_csv, postgres_url  # noqa: F401

# Lets one process start several Sanic apps: Sanic 21.12 rewrites its HTTP methods at each
# start-up, and only in test mode keeps the originals to rewrite again.
Sanic.test_mode = True


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def chat() -> FakeChat:
    return FakeChat()


@pytest.fixture
def conversations() -> FakeConversations:
    return FakeConversations()


@pytest.fixture
def service(
    engine: Engine, gazetteer: Gazetteer, recorder: RecordingNotifier, chat: FakeChat, conversations: FakeConversations
) -> AlertService:
    return make_service(engine, gazetteer, recorder, chat, conversations)


@dataclass
class MailServer:
    """A real SMTP server on a loopback port; ``messages`` holds what it received."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [message for message in self.messages if message["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer("127.0.0.1", free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_notifier(mail_server: MailServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> EmailNotifier:
    """The real email notifier, sending through SMTP to ``mail_server``."""
    monkeypatch.setenv("SMTP_HOST", mail_server.host)
    monkeypatch.setenv("SMTP_PORT", str(mail_server.port))
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    monkeypatch.setenv("RECRUITBOT_VAR_DIR", str(tmp_path / "var"))
    settings = load_settings()
    return EmailNotifier(SmtpMailer(settings, timeout=10), settings.smtp_from)


@pytest.fixture
def tracker_db(tmp_path: Path) -> str:
    """The URL of an SQLite file for a Rasa SQL tracker store."""
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def tracker_store_engine(tracker_db: str) -> Iterator[Engine]:
    tracker_engine = create_engine(tracker_db, future=True)
    yield tracker_engine
    tracker_engine.dispose()


@pytest.fixture
def sql_conversations(tracker_store_engine: Engine) -> SqlConversationStore:
    return SqlConversationStore(tracker_store_engine)


@pytest.fixture
def web_socket() -> Iterator[socket.socket]:
    """A listening-ready socket on a free loopback port, for a web server started later."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock
    finally:
        sock.close()


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


@asynccontextmanager
async def serving(service: AlertService, sock: socket.socket) -> AsyncIterator[str]:
    """A real Sanic server with the alert pages on ``sock``; yields its base URL."""
    app = Sanic(f"alerts_test_{uuid.uuid4().hex}", configure_logging=False)
    app.blueprint(make_blueprint(service))
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    assert server is not None  # listening; requests wait for the start-up below
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield base_url(sock)
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
