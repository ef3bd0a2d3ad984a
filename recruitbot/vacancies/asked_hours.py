"""Working hours a candidate asks for in chat ("part time", "20 hours a week"), which no search can filter on.

The feeds' employment types say whether a job is temporary, contract or permanent, and nothing
more reliable about its hours (schema.org's ``PART_TIME`` is imported as ``perm``), so the
catalogue does not record them. A search that asks for them is run without them, and says so.
"""

from __future__ import annotations

import re

_PATTERN = re.compile(
    # "full time permanent" is a job type (recruitbot/nlp.py): permanent, which a search can filter on.
    r"\b(?:(?P<part>part)[\s-]*time|(?P<full>full)[\s-]*time(?!\s+perm))\b"
    r"|\b(?P<other>flexible hours|school hours|term[\s-]*time(?: only)?|job[\s-]*share"
    r"|\d{1,2}(?:\s*(?:-|to)\s*\d{1,2})?\s*(?:hours|hrs)\s*(?:a|per|/)\s*(?:week|wk))\b",
    re.I,
)


def asked_hours(text: str) -> str | None:
    """The working hours the message asks for, as the bot would write them ("part-time"), or None."""
    match = _PATTERN.search(text)
    if match is None:
        return None
    if match["part"]:
        return "part-time"
    if match["full"]:
        return "full-time"
    return re.sub(r"\s+", " ", match["other"].lower())
