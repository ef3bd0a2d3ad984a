"""schema.org ``JobPosting`` JSON-LD: finding postings and mapping them to the feed's own fields."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from typing import Any

from recruitbot.vacancies.records import SUMMARY_MAX_CHARS, InvalidFieldError, json_type, shorten

# How each of our fields is called in a JobPosting, so errors name what the feed's author wrote.
PROPERTY_NAMES = {
    "id": "identifier",
    "title": "title",
    "location": "jobLocation",
    "job_type": "employmentType",
    "salary": "baseSalary",
    "summary": "description",
    "url": "url",
    "posted": "datePosted",
    "closes": "validThrough",
    "sector": "industry",
}

# employmentType values (schema.org's and the free text feeds use) to our job types.
_EMPLOYMENT_TYPES = {
    "CONTRACTOR": "contract",
    "CONTRACT": "contract",
    "FREELANCE": "contract",
    "FIXED_TERM": "contract",
    "INTERIM": "contract",
    "TEMPORARY": "temp",
    "TEMP": "temp",
    "PER_DIEM": "temp",
    "SEASONAL": "temp",
    "INTERN": "temp",
    "INTERNSHIP": "temp",
    "FULL_TIME": "perm",
    "PART_TIME": "perm",
    "PERMANENT": "perm",
    "PERM": "perm",
}
# A posting may list several types ("FULL_TIME", "TEMPORARY"): the least permanent one is
# what the candidate needs to know.
_JOB_TYPE_PRIORITY = ("contract", "temp", "perm")

_UNIT_TEXT = {
    "HOUR": "per hour",
    "DAY": "per day",
    "WEEK": "per week",
    "MONTH": "per month",
    "YEAR": "per year",
}
_BLOCK_TAGS = {"p", "br", "li", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "section"}


def looks_like_jsonld(document: Any) -> bool:
    """True for JSON-LD: an object, or an array of objects, carrying ``@type``/``@context``/``@graph``."""
    items = document if isinstance(document, list) else [document]
    return any(isinstance(item, dict) and {"@type", "@context", "@graph"} & item.keys() for item in items)


def job_postings(document: Any) -> list[dict[str, Any]]:
    """Every JobPosting in ``document``, however nested (``@graph``, arrays, ItemList)."""
    if isinstance(document, list):
        return [posting for item in document for posting in job_postings(item)]
    if not isinstance(document, dict):
        return []
    if _is_job_posting(document):
        return [document]
    return [posting for value in document.values() for posting in job_postings(value)]


def _is_job_posting(node: dict[str, Any]) -> bool:
    types = node.get("@type")
    names = types if isinstance(types, list) else [types]
    return any(isinstance(name, str) and name.rsplit("/", 1)[-1] == "JobPosting" for name in names)


def posting_id(posting: dict[str, Any]) -> str | None:
    """The posting's identifier (a string or PropertyValue), else its url; None when it has neither."""
    identifier = _first(posting.get("identifier"))
    if isinstance(identifier, dict):
        identifier = identifier.get("value", identifier.get("@id"))
    if isinstance(identifier, (str, int)) and not isinstance(identifier, bool) and str(identifier).strip():
        return str(identifier).strip()
    url = posting.get("url")
    return url.strip() if isinstance(url, str) and url.strip() else None


def posting_fields(posting: dict[str, Any], page_url: str | None) -> dict[str, Any]:
    """The posting in the feed's own field names, ready for validation.

    Raises:
        InvalidFieldError: a property is missing or cannot be mapped (named as the JobPosting calls it).
    """
    url = posting.get("url") if posting.get("url") is not None else page_url
    return {
        "id": posting_id(posting),
        "title": _plain(posting.get("title")),
        "location": _location(posting),
        "job_type": _job_type(posting.get("employmentType")),
        "salary": _salary_text(posting.get("baseSalary")),
        "summary": shorten(html_to_text(_plain(posting.get("description")) or ""), SUMMARY_MAX_CHARS),
        "url": url,
        "posted": posting.get("datePosted"),
        "closes": posting.get("validThrough"),
        "sector": _name(posting.get("industry")) or _name(posting.get("occupationalCategory")),
    }


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _plain(value: Any) -> Any:
    """Entity-decoded text; other types pass through so validation can name them."""
    return html.unescape(value) if isinstance(value, str) else value


def _name(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("codeValue")
    return _plain(value) if isinstance(value, str) and value.strip() else None


def _location(posting: dict[str, Any]) -> str | None:
    place = _first(posting.get("jobLocation"))
    if isinstance(place, str):
        return place
    if isinstance(place, dict):
        address = place.get("address")
        if isinstance(address, str):
            return address
        if isinstance(address, dict):
            parts = [_name(address.get(key)) for key in ("addressLocality", "addressRegion")]
            text = ", ".join(dict.fromkeys(part.strip() for part in parts if part))
            if text:
                return text
        if _name(place.get("name")):
            return _name(place.get("name"))
    if "TELECOMMUTE" in str(posting.get("jobLocationType", "")).upper():
        return "Remote"
    if place is not None:
        raise InvalidFieldError("location", "no addressLocality or addressRegion")
    return None


def _job_type(employment_type: Any) -> str | None:
    if employment_type is None:
        return None
    values = employment_type if isinstance(employment_type, list) else [employment_type]
    if not all(isinstance(value, str) for value in values):
        raise InvalidFieldError("job_type", f"expected text, found {json_type(employment_type)}")
    written = [re.sub(r"[\s-]+", "_", value.strip().upper()) for value in values]
    found = {_EMPLOYMENT_TYPES[value] for value in written if value in _EMPLOYMENT_TYPES}
    for job_type in _JOB_TYPE_PRIORITY:
        if job_type in found:
            return job_type
    raise InvalidFieldError("job_type", f"{', '.join(values)} is not a temp, permanent or contract job")


def _salary_text(salary: Any) -> str | None:
    """Salary as advertised text ("£25,000 - £28,000 per year"), which the model then annualises."""
    if salary is None or isinstance(salary, str):
        return salary
    if not isinstance(salary, dict):
        return f"£{_money(_number(salary))}"
    value = salary.get("value")
    # The figures sit in a QuantitativeValue, or on the MonetaryAmount itself.
    amount = value if isinstance(value, dict) else salary
    bounds = [amount.get(key) for key in ("minValue", "maxValue") if amount.get(key) is not None]
    if not bounds and amount.get("value") is not None:
        bounds = [amount["value"]]
    figures = list(dict.fromkeys(map(_number, bounds)))
    if not figures:
        return None
    currency = str(salary.get("currency") or "GBP").upper()
    prefix = "£" if currency == "GBP" else f"{currency} "
    text = " - ".join(f"{prefix}{_money(figure)}" for figure in figures)
    unit = _UNIT_TEXT.get(str(amount.get("unitText") or salary.get("unitText") or "").upper())
    return f"{text} {unit}" if unit else text


def _number(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").replace("£", "").strip())
        except ValueError:
            pass
    raise InvalidFieldError("salary", f"{value!r} is not an amount")


def _money(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML fragment, a space at each block boundary."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return " ".join("".join(extractor.parts).split())


class _JsonLdScripts(HTMLParser):
    """Collects the bodies of ``<script type="application/ld+json">`` blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.blocks: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = (dict(attrs).get("type") or "").split(";")[0].strip().lower()
        if tag == "script" and kind == "application/ld+json":
            self._current = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.blocks.append("".join(self._current))
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)


def documents_in_html(page: str) -> tuple[list[Any], list[str]]:
    """The parsed JSON-LD blocks of an HTML page, and a problem line for each block that is not JSON."""
    scripts = _JsonLdScripts()
    scripts.feed(page)
    scripts.close()
    documents: list[Any] = []
    problems: list[str] = []
    for number, block in enumerate(scripts.blocks, 1):
        try:
            documents.append(json.loads(block))
        except json.JSONDecodeError as exc:
            problems.append(f"ld+json block {number} is not valid JSON: {exc.msg} at line {exc.lineno}")
    return documents, problems
