"""Words that say a message is about the bot's job alerts (shared by the NLU's phrase readers and the alert actions).

"Should I stop looking for jobs?" can read as unsubscribe_alerts to the NLU; without one of these
words, a "stop" is not taken to be about the alerts.
"""

from __future__ import annotations

import re

ABOUT_ALERTS = re.compile(
    r"\b(alerts?|e-?mails?|mail|notifications?|notify|unsub\w*|subscri\w*|mailing|list|texts?|messages?|"
    r"sending|opt\w* (me )?out)\b", re.I)
