"""The environment variables that credentials.yml refers to.

Rasa refuses to start when a ``${VAR}`` in credentials.yml is unset, so the launcher gives each
unset one an empty value: a channel whose variables are empty stays off (Slack, Telegram).
"""

from __future__ import annotations

import re
from pathlib import Path

_REFERENCE = re.compile(r"\$\{(\w+)\}")


def credential_variables(credentials: Path) -> list[str]:
    """The names of the variables ``credentials`` refers to, in order of first use."""
    lines = [line.split("#", 1)[0] for line in credentials.read_text(encoding="utf-8").splitlines()]
    return list(dict.fromkeys(_REFERENCE.findall("\n".join(lines))))
