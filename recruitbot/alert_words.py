"""Words that say a message is about the job alerts, or says only "stop" (shared by the NLU and the actions).

"Should I stop looking for jobs?" can read as unsubscribe_alerts to the NLU; without one of these
words, a "stop" is not taken to be about the alerts.
"""

from __future__ import annotations

import re

ABOUT_ALERTS = re.compile(
    r"\b(alerts?|e-?mails?|mail|notifications?|notify|unsub\w*|subscri\w*|mailing|list|texts?|messages?|"
    r"sending|opt\w* (me )?out)\b", re.I)

# "stop", "cancel that", "ok stop it please", "stop the sign up", "cancel this request".
_FILLER = r"(?:no|nah|ok|okay|oh|actually|please|just|wait|sorry|can\s+you|could\s+you|i\s+want\s+to)"
_BARE_STOP = re.compile(
    rf"^\W*(?:{_FILLER}\W+)*(?:stop|cancel|quit|exit|abort|end)"
    r"(?:\W+(?:it|that|this|now|please|then|thanks|the|sign\s?-?up|request|form|alerts?))*\W*$",
    re.IGNORECASE,
)


def is_bare_stop(text: str) -> bool:
    """True when the message says nothing but "stop this"."""
    return bool(_BARE_STOP.match(text.strip()))
