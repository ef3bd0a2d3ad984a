"""One channel-neutral card per vacancy; each channel turns it into its own native form."""

from __future__ import annotations

from typing import Any

from recruitbot.vacancies.model import SearchCriteria, Vacancy, Widening

SUMMARY_CHARS = 220


def short_summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def vacancy_card(vacancy: Vacancy, apply_title: str, similar_title: str) -> dict[str, Any]:
    """The card schema: the vacancy's facts plus its two actions (a link and a postback)."""
    return {
        "id": vacancy.id,
        "title": vacancy.title,
        "location": vacancy.location,
        "job_type": vacancy.job_type,
        "salary": vacancy.salary,
        "closes": vacancy.closes.isoformat() if vacancy.closes else None,
        "posted": vacancy.posted.isoformat(),
        "summary": short_summary(vacancy.summary),
        "url": vacancy.url,
        "actions": [
            {"type": "link", "title": apply_title, "url": vacancy.url},
            {"type": "postback", "title": similar_title,
             "payload": f'/similar_vacancies{{"vacancy_id": "{vacancy.id}"}}'},
        ],
    }


def describe_criteria(criteria: SearchCriteria) -> str | None:
    """A compact label of the criteria ("temp · admin · Leeds · £30,000+"), None when empty."""
    parts = [criteria.job_type, criteria.keyword, criteria.location,
             f"£{criteria.min_salary:,}+" if criteria.min_salary else None]
    present = [part for part in parts if part]
    return " · ".join(present) if present else None


def describe_widening(steps: list[Widening]) -> str:
    """The widening steps as "Leeds → West Yorkshire, payroll clerk → payroll"."""
    return ", ".join(f"{step.from_value} → {step.to_value}" for step in steps)
