"""The one shape every feed format is validated in, and helpers shared by the formats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from recruitbot.vacancies.model import JOB_TYPES, Vacancy
from recruitbot.vacancies.salary import annual_salary_range

SUMMARY_MAX_CHARS = 400
_MAX_LENGTHS = {"id": 200, "title": 300, "location": 200, "salary": 200, "url": 2000, "sector": 200}
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class RecordError:
    """Why one record was skipped: its position in the feed, its id if known, the field at fault."""

    index: int
    record_id: str | None
    field: str
    problem: str


class InvalidFieldError(ValueError):
    """A record's field is missing or wrong; the record is skipped."""

    def __init__(self, field: str, problem: str) -> None:
        """Name the field at fault and what is wrong with it."""
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def json_type(value: Any) -> str:
    """How JSON would name the type of ``value``, for error messages."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number")


def record_id(record: Any) -> str | None:
    """The id a raw own-format record claims, for error reports; None when it has none."""
    if isinstance(record, dict) and isinstance(record.get("id"), (str, int)):
        return str(record["id"]).strip() or None
    return None


def vacancy_from_fields(record: dict[str, Any]) -> Vacancy:
    """Validate one record in the project's own shape and build its :class:`Vacancy`.

    Args:
        record: the fields id, title, location, job_type, salary, summary, url, posted,
            closes, sector.

    Raises:
        InvalidFieldError: a required field is missing, or a field has the wrong type or value.
    """
    vacancy_id = _identifier(record)
    title = _text(record, "title")
    location = _text(record, "location")
    job_type = _text(record, "job_type").lower()
    if job_type not in JOB_TYPES:
        raise InvalidFieldError("job_type", f"{job_type!r} is not one of {', '.join(JOB_TYPES)}")
    salary = _optional_text(record, "salary")
    summary = _text(record, "summary", allow_empty=True)
    url = _text(record, "url")
    if not _URL.match(url):
        raise InvalidFieldError("url", f"{url!r} is not an http(s) URL")
    posted = _date(record, "posted")
    closes = _optional_date(record, "closes")
    if closes is not None and closes < posted:
        raise InvalidFieldError("closes", f"{closes.isoformat()} is before posted {posted.isoformat()}")
    salary_min, salary_max = annual_salary_range(salary)
    return Vacancy(
        id=vacancy_id,
        title=title,
        location=location,
        job_type=job_type,
        salary=salary,
        salary_min=salary_min,
        salary_max=salary_max,
        summary=shorten(summary, SUMMARY_MAX_CHARS),
        url=url,
        posted=posted,
        closes=closes,
        sector=_optional_text(record, "sector"),
    )


def _identifier(record: dict[str, Any]) -> str:
    value = record.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(record, "id")


def _text(record: dict[str, Any], field: str, *, allow_empty: bool = False) -> str:
    value = _optional_text(record, field)
    if value is None and not (allow_empty and field in record and record[field] is not None):
        raise InvalidFieldError(field, "missing")
    return value or ""


def _optional_text(record: dict[str, Any], field: str) -> str | None:
    value = record.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidFieldError(field, f"expected text, found {json_type(value)}")
    value = _SPACES.sub(" ", value).strip()
    limit = _MAX_LENGTHS.get(field)
    if limit is not None and len(value) > limit:
        raise InvalidFieldError(field, f"longer than {limit} characters")
    return value or None


def _date(record: dict[str, Any], field: str) -> date:
    value = _optional_date(record, field)
    if value is None:
        raise InvalidFieldError(field, "missing")
    return value


def _optional_date(record: dict[str, Any], field: str) -> date | None:
    value = record.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidFieldError(field, f"expected an ISO date, found {json_type(value)}")
    return _parse_iso_date(value, field)


def _parse_iso_date(value: str, field: str) -> date:
    """The date in an ISO 8601 date or date-time string ("2024-05-01", "2024-05-01T09:00Z")."""
    text = value.strip()
    try:
        if len(text) <= 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise InvalidFieldError(field, f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis if cut."""
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    head = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return head.rstrip(" ,;:.-") + "…"
