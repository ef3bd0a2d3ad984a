"""Reading response texts from the domain, for button titles that actions assemble."""

from __future__ import annotations

from typing import Any

from rasa_sdk.types import DomainDict


def response_text(domain: DomainDict, name: str) -> str | None:
    """The first text variation of response ``name``, or None when the domain lacks it."""
    variations: list[dict[str, Any]] = domain.get("responses", {}).get(name) or []
    return variations[0].get("text") if variations else None
