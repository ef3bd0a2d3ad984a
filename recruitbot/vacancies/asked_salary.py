"""The minimum salary a candidate asks for in chat ("paying over 30k", "£12 an hour+")."""

from __future__ import annotations

import re

from recruitbot.vacancies.salary import annual_salary_range

_AMOUNT = r"£?\s*\d[\d,]*(?:\.\d+)?\s*k?"
_PHRASE = re.compile(
    r"(?P<lead>\b(?:under|below|less than|up to|max(?:imum)?|over|above|at least|more than|min(?:imum)?|from|"
    r"paying|pays|earning|on|starting at|around|about)\s+)?"
    rf"(?P<amount>{_AMOUNT}(?:\s*(?:-|\u2013|to)\s*{_AMOUNT})?)\s*\+?"
    r"(?P<unit>\s*(?:per|an|a|/)\s*(?:hour|hr|day|week|month|year|annum)|\s*p\.?a\.?|\s*ph)?",
    re.I,
)
_CEILING_WORDS = {"under", "below", "less than", "up to", "max", "maximum"}


def _looks_like_money(amount: str, unit: str | None) -> bool:
    digits = re.sub(r"\D", "", amount.split(".")[0])
    return "£" in amount or amount.rstrip().lower().endswith("k") or bool(unit) or len(digits) >= 4


def asked_min_salary(text: str) -> int | None:
    """The annual minimum the message asks for, or None (a ceiling such as "under 25k" is not one)."""
    for match in _PHRASE.finditer(text):
        amount, unit = match["amount"], match["unit"]
        if not _looks_like_money(amount, unit):
            continue
        lead = (match["lead"] or "").strip().lower()
        if lead in _CEILING_WORDS:
            return None
        priced = amount if "£" in amount else "£" + amount.strip()
        low, _high = annual_salary_range(priced + (unit or ""))
        if low:
            return low
    return None
