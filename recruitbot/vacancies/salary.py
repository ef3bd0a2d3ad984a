"""Annual salary ranges read from advertised salary text ("£13.50 per hour", "£25k-£28k")."""

from __future__ import annotations

import re

# A full-time UK year: 37.5 hours a week, 52 weeks; contractors bill about 230 days.
HOURS_PER_YEAR = 37.5 * 52
DAYS_PER_YEAR = 230

_PER_YEAR = {
    "hour": HOURS_PER_YEAR,
    "day": DAYS_PER_YEAR,
    "week": 52,
    "month": 12,
    "year": 1,
}

_UNIT_PATTERNS = (
    ("hour", re.compile(r"\bper\s+hour\b|\bhourly\b|\ban\s+hour\b|/\s*h(ou)?r\b|\bp/?h\b|\d\s*ph\b|\bphr\b")),
    ("day", re.compile(r"\bper\s+day\b|\bdaily\b|\ba\s+day\b|/\s*day\b|\bp/?d\b|\d\s*pd\b")),
    ("week", re.compile(r"\bper\s+week\b|\bweekly\b|\ba\s+week\b|/\s*w(ee)?k\b|\bp/?w\b|\d\s*pw\b")),
    ("month", re.compile(r"\bper\s+(calendar\s+)?month\b|\bmonthly\b|\ba\s+month\b|/\s*month\b|\bpcm\b")),
    (
        "year",
        re.compile(r"\bper\s+(annum|year)\b|\bannual(ly)?\b|\ba\s+year\b|/\s*(year|yr|annum)\b|\bp\.?a\b|\bpa\b"),
    ),
)

_FOREIGN_CURRENCY = re.compile(r"[$€]|\b(usd|eur|euros?|dollars?)\b")
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(k\b)?"
_RANGE_TAIL = r"(?:\s*(?:-|\u2013|\u2014|to)\s*(?:£|gbp)?\s*" + _NUMBER + r")?"
_POUND_RANGE = re.compile(r"(?:£|\bgbp)\s*" + _NUMBER + _RANGE_TAIL)
_BARE_RANGE = re.compile(r"^" + _NUMBER + _RANGE_TAIL + r"\s*\+?$")
_UP_TO = re.compile(r"\b(up\s+to|max(imum)?)\b")
_FROM = re.compile(r"\b(from|min(imum)?|starting\s+at)\b|\d\s*k?\s*\+")


def _amounts(text: str) -> list[tuple[float, bool]]:
    match = _POUND_RANGE.search(text) or _BARE_RANGE.match(text)
    if match is None:
        return []
    groups = match.groups()
    return [
        (float(whole.replace(",", "") + (fraction or "")), bool(thousands))
        for whole, fraction, thousands in (groups[:3], groups[3:])
        if whole
    ]


def _unit(text: str, largest: float) -> str:
    for unit, pattern in _UNIT_PATTERNS:
        if pattern.search(text):
            return unit
    # No unit written: the size says it (nobody is paid £25,000 an hour or £12 a year).
    if largest < 100:
        return "hour"
    if largest < 1000:
        return "day"
    return "year"


def annual_salary_range(text: str | None) -> tuple[int | None, int | None]:
    """The annual GBP (minimum, maximum) that ``text`` advertises; (None, None) when unknown.

    Hourly rates are annualised at 37.5 hours for 52 weeks, day rates at 230 days. A single
    figure gives the same minimum and maximum; "up to" and "from" leave one side open.
    """
    text = (text or "").lower().strip()
    if not text or _FOREIGN_CURRENCY.search(text):
        return None, None
    amounts = _amounts(text)
    if not amounts or all(value == 0 for value, _ in amounts):
        return None, None
    # "£25-28k": the k written once covers both figures.
    if amounts[-1][1]:
        amounts = [(value, thousands or value < 1000) for value, thousands in amounts]
    values = sorted(value * 1000 if thousands else value for value, thousands in amounts)
    unit = "year" if any(thousands for _, thousands in amounts) else _unit(text, values[-1])
    low, high = (round(value * _PER_YEAR[unit]) for value in (values[0], values[-1]))
    if len(values) == 1 and _UP_TO.search(text):
        return None, high
    if len(values) == 1 and _FROM.search(text):
        return low, None
    return low, high
