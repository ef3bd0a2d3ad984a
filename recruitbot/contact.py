"""Validation of the personal details people type into chat: names, emails, UK phones."""

from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

_NAME_PREFIX = re.compile(r"^(?:hi,?\s+)?(?:my name is|my name's|name's|i am|i'm|im|it's|its|this is|call me)\s+", re.I)
_NAME = re.compile(r"^[^\W\d_]+(?:(?:\.?[ '\-]|\.)[^\W\d_]+)*\.?$")
_PHONE_CHARS = re.compile(r"^[+()\d][\d ()\-.]{6,24}$")
MAX_NAME_LENGTH = 80


@dataclass(frozen=True)
class Contact:
    """A validated contact: ``kind`` is "email" or "phone", ``value`` its normal form."""

    kind: str
    value: str


@dataclass(frozen=True)
class EmailProblem:
    """Why an email address was refused, in the library's words (safe to show its owner)."""

    reason: str


# Words of a sentence that are nobody's name ("i don't know", "what now", "not telling you"). Words that
# are names somewhere (Will, May, Hope, Can, Do, No, Who as in "Dr. Who") are not listed.
_NOT_IN_NAMES = frozenset({
    "i", "me", "my", "you", "your", "the", "is", "are", "am", "don't", "dont", "what", "why", "how", "when",
    "where", "which", "now", "not", "yes", "yeah", "want", "need", "know", "please", "thanks", "thank", "job",
    "jobs", "help", "could", "would", "should", "just", "about", "this", "that", "it", "idk", "dunno", "okay",
    "ok", "mind", "changed", "rather", "anything", "nothing", "something", "sure",
})


def clean_name(text: str) -> str | None:
    """Return the person's name from what they typed, or None when it is not a name."""
    candidate = _NAME_PREFIX.sub("", text.strip()).strip(" .!,")
    if not candidate or len(candidate) > MAX_NAME_LENGTH or len(candidate.split()) > 5:
        return None
    if any(word.strip(".,").lower().replace("\u2019", "'") in _NOT_IN_NAMES for word in candidate.split()):
        return None
    return candidate if _NAME.match(candidate) else None


# Only the openings that cannot be anything but a name ("I'm talking to a bot?" is not one).
_GIVES_NAME = re.compile(r"^(?:hi,?\s+)?(?:my name is|my name's|name's|call me|i'm called|i am called)\s+", re.I)


def gives_name(text: str) -> bool:
    """True when ``text`` states a name ("my name's Kerry Hughes", "call me Sam")."""
    return bool(_GIVES_NAME.match(text.strip())) and clean_name(text) is not None


def written_as_name(text: str) -> bool:
    """True when ``text`` is a name written as people write their own: "Robin Shaw", "it's Lucy O'Brien".

    Every word of the name starts with a capital (so "admin assistant" is not one); whether it is a
    search instead ("Sales Manager", "Leeds") is for the caller to weigh with what the NLU found.
    """
    name = clean_name(text)
    return name is not None and all(part[0].isupper() for part in re.split(r"[ \-]+", name) if part)


# Words said around an address or number ("my email is sam@example.com", "you can reach me on 07700
# 900123, thanks"). Only these are taken off: "jo bloggs@example.com" is still one mistyped address,
# not bloggs@example.com.
_SAID_AROUND = frozenset({
    "my", "email", "e-mail", "mail", "address", "number", "phone", "mobile", "tel", "is", "it's", "its", "it",
    "at", "on", "to", "use", "reach", "me", "you", "can", "contact", "send", "please", "thanks", "thank", "ta",
    "cheers", "ok", "okay", "sure", "yes", "yeah", "the", "best", "one", "i'm", "im", "am", "via", "by", "or",
    "email's", "number's", "here", "try",
})
_EDGE_MARKS = "<>\"'`,;:!?."


def said_contact(text: str) -> str:
    """The address or number in ``text`` without the words said around it."""
    words = text.split()

    def plain(word: str) -> str:
        return word.strip(_EDGE_MARKS).lower().replace("\u2019", "'")

    while words and plain(words[0]) in _SAID_AROUND:
        words.pop(0)
    while words and plain(words[-1]) in _SAID_AROUND:
        words.pop()
    return " ".join(words).strip(_EDGE_MARKS) if words else text.strip()


def check_email(text: str) -> Contact | EmailProblem:
    """Validate an email address's syntax (no network look-up: that would leak and stall)."""
    try:
        result = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        return EmailProblem(reason=str(exc))
    return Contact(kind="email", value=result.normalized)


def parse_uk_phone(text: str) -> Contact | None:
    """Return a UK phone number in E.164 form, or None when it is not one."""
    raw = text.strip()
    if not _PHONE_CHARS.match(raw):
        return None
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        if not digits.startswith("44"):
            return None
        national = digits[2:]
    elif digits.startswith("0044"):
        national = digits[4:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return None
    national = national.removeprefix("0")  # "+44 (0)7700 ..." written with the trunk zero
    # UK numbers are ten digits after the trunk prefix (a few old areas have nine).
    if len(national) not in (9, 10) or national[0] not in "1237":
        return None
    return Contact(kind="phone", value=f"+44{national}")


def parse_contact(text: str) -> Contact | EmailProblem | None:
    """Read an email address or a UK phone number from what the person typed.

    Returns:
        The contact; an EmailProblem when it looks like an email but is not valid;
        None when it is neither.
    """
    stripped = said_contact(text)
    if "@" in stripped:
        return check_email(stripped)
    return parse_uk_phone(stripped)


def mask(value: str) -> str:
    """A log-safe form of an email address or phone number ("j***@example.com")."""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{value[:3]}***{value[-2:]}" if len(value) > 5 else "***"
