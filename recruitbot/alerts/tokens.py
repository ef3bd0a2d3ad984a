"""Signed links: confirm, unsubscribe and erase, each bound to one alert or person and one purpose.

A token is ``purpose.subject.expiry.signature``: the subject is the alert's or person's random
public id, the expiry a Unix time, and the signature an HMAC-SHA256 over the rest. Nothing in
it can be changed without the secret, and a token made for one purpose is refused for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime
from enum import Enum
from urllib.parse import quote, urlencode

from recruitbot.keys import kept_secret
from recruitbot.settings import Settings

SECRET_FILE_NAME = "link-secret"
MIN_SECRET_LENGTH = 32
# Binds signatures to this use, in case the same secret is ever given to something else.
_CONTEXT = b"recruitbot-alert-link:v1:"
_TOKEN = re.compile(r"^(confirm|unsubscribe|erase)\.([A-Za-z0-9_-]{1,64})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")

URL_PREFIX = "/alerts"
CONFIRM_PATH = "/confirm"
UNSUBSCRIBE_PATH = "/unsubscribe"
ERASE_PATH = "/erase"


class Purpose(str, Enum):
    """What a link may do."""

    CONFIRM = "confirm"
    UNSUBSCRIBE = "unsubscribe"
    ERASE = "erase"


class TokenProblem(str, Enum):
    """Why a token was refused."""

    INVALID = "invalid"  # malformed, forged, altered, or made for another purpose
    EXPIRED = "expired"


class LinkSigner:
    """Makes and checks signed tokens."""

    def __init__(self, secret: str) -> None:
        """Sign with ``secret``.

        Raises:
            ValueError: the secret is shorter than 32 characters.
        """
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"RECRUITBOT_LINK_SECRET must be at least {MIN_SECRET_LENGTH} characters long")
        self._key = secret.encode("utf-8")

    def sign(self, purpose: Purpose, subject: str, expires_at: datetime) -> str:
        """A token for ``purpose`` on ``subject`` (a public id) that stops working at ``expires_at``."""
        payload = f"{purpose.value}.{subject}.{int(expires_at.timestamp())}"
        if not _TOKEN.match(f"{payload}.{'A' * 43}"):
            raise ValueError(f"cannot sign subject {subject!r}: ids are 1-64 letters, digits, - and _")
        return f"{payload}.{self._signature(payload)}"

    def verify(self, token: str, purpose: Purpose, now: datetime) -> str | TokenProblem:
        """The subject ``token`` was made for, if it is genuine, for ``purpose`` and unexpired."""
        match = _TOKEN.match(token.strip()) if isinstance(token, str) else None
        if match is None:
            return TokenProblem.INVALID
        payload, signature = token.strip().rsplit(".", 1)
        if not hmac.compare_digest(self._signature(payload), signature):
            return TokenProblem.INVALID
        if match.group(1) != purpose.value:
            return TokenProblem.INVALID
        if int(match.group(3)) <= now.timestamp():
            return TokenProblem.EXPIRED
        return match.group(2)

    def _signature(self, payload: str) -> str:
        digest = hmac.new(self._key, _CONTEXT + payload.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Links:
    """The public URLs of the alert pages (served by :mod:`recruitbot.alerts.web`)."""

    def __init__(self, public_url: str, unsubscribe_mailbox: str) -> None:
        """Build links under ``public_url`` (the web app's address as the internet sees it)."""
        self._base = public_url.rstrip("/") + URL_PREFIX
        self._mailbox = unsubscribe_mailbox

    def confirm(self, token: str) -> str:
        """The double opt-in link."""
        return self._page(CONFIRM_PATH, token)

    def unsubscribe(self, token: str) -> str:
        """The one-click unsubscribe link (RFC 8058: a POST to it unsubscribes)."""
        return self._page(UNSUBSCRIBE_PATH, token)

    def erase(self, token: str) -> str:
        """The link that erases everything held about a person."""
        return self._page(ERASE_PATH, token)

    def unsubscribe_mailto(self, token: str) -> str:
        """The mailto: form of the unsubscribe link, for List-Unsubscribe."""
        return f"mailto:{quote(self._mailbox, safe='@')}?subject={quote('unsubscribe ' + token)}"

    def _page(self, path: str, token: str) -> str:
        return f"{self._base}{path}?{urlencode({'token': token})}"


def link_secret(settings: Settings) -> str:
    """RECRUITBOT_LINK_SECRET, or else the one kept in the var directory (created on first use).

    Keeping the generated secret lets links in sent emails keep working across restarts.
    """
    return kept_secret(settings.link_secret, settings.var_dir, SECRET_FILE_NAME)
