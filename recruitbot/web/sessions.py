"""Signed chat sessions: the server picks the session id and signs it; only the signature opens it.

A browser that presents a session id without the matching token gets a new, empty session:
it never joins someone else's conversation. The web app issues sessions, the socket.io
channel (connectors/socketio.py) checks them; both sign with the same secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass

from recruitbot.keys import kept_secret
from recruitbot.settings import Settings

SECRET_FILE_NAME = "session-secret"
_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
# Binds the signature to its purpose: the same secret may sign other things later.
_CONTEXT = b"recruitbot-chat-session:v1:"


@dataclass(frozen=True)
class Session:
    """A session id and the token that proves it was issued to its holder."""

    session_id: str
    token: str


class SessionSigner:
    """Issues and checks session tokens (HMAC-SHA256 of the session id)."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("the session secret must be at least 32 characters (RECRUITBOT_SESSION_SECRET)")
        self._key = secret.encode()

    def issue(self) -> Session:
        """A new session with a random id."""
        session_id = uuid.uuid4().hex
        return Session(session_id, self._token(session_id))

    def is_valid(self, session_id: object, token: object) -> bool:
        """True when ``token`` was issued for ``session_id`` (both as the client sent them)."""
        if not isinstance(session_id, str) or not isinstance(token, str) or not _SESSION_ID.match(session_id):
            return False
        return hmac.compare_digest(self._token(session_id), token)

    def _token(self, session_id: str) -> str:
        digest = hmac.new(self._key, _CONTEXT + session_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def session_secret(settings: Settings) -> str:
    """RECRUITBOT_SESSION_SECRET, or else the one kept in var/ (so sessions survive restarts)."""
    return kept_secret(settings.session_secret, settings.var_dir, SECRET_FILE_NAME)
