"""The bot's responses as written in domain.yml and the response files under data/, read when first needed.

Channels use them for the few things they say themselves (a message over the length or rate
limit) and to know which payloads the bot's buttons send (connectors/payloads.py).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from recruitbot.settings import PROJECT_ROOT


@lru_cache(maxsize=4)
def responses(root: Path = PROJECT_ROOT) -> dict[str, list[dict[str, Any]]]:
    """Every response by name, from domain.yml and from each data file that has ``responses:``."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for path in [root / "domain.yml", *sorted((root / "data").rglob("*.yml"))]:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        merged.update(loaded.get("responses") or {})
    return merged


def response_text(name: str, **values: object) -> str:
    """The first variant of response ``name``, filled with ``values``; KeyError if there is none."""
    return str(responses()[name][0]["text"]).format(**values)


def button_payloads(root: Path = PROJECT_ROOT) -> list[str]:
    """The payload of every button in every response, in file order, as the buttons send it."""
    return [as_sent(str(button["payload"])) for variants in responses(root).values() for variant in variants
            for button in variant.get("buttons") or [] if button.get("payload")]


def as_sent(payload: str) -> str:
    """A payload as written in a response file, the way Rasa sends it: ``{{`` and ``}}`` are single braces."""
    return payload.replace("{{", "{").replace("}}", "}")
