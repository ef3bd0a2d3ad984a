"""Reading vacancy feeds: fetching a path or URL, detecting the format, validating records.

Two formats are read: the project's own JSON feed (an array of flat objects) and schema.org
``JobPosting`` JSON-LD (see :mod:`recruitbot.vacancies.jsonld`). A bad record is skipped with
a :class:`RecordError`; a feed that cannot be read or parsed at all raises :class:`FeedError`.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recruitbot.vacancies import jsonld
from recruitbot.vacancies.model import Vacancy
from recruitbot.vacancies.records import (
    InvalidFieldError,
    RecordError,
    json_type,
    record_id,
    vacancy_from_fields,
)

OWN_FORMAT = "recruitbot-json"
JSONLD_FORMAT = "schema.org-jsonld"

MAX_FEED_BYTES = 200 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 30.0
USER_AGENT = "recruitbot-feed-importer/1.0 (+https://11recruitment.example)"


class FeedError(Exception):
    """The feed as a whole cannot be fetched or parsed; nothing should be imported."""


@dataclass(frozen=True)
class ParsedFeed:
    """The valid vacancies of a feed, in feed order, and the records that were skipped."""

    format: str
    vacancies: list[Vacancy]
    errors: list[RecordError]


def read_source(source: str, *, timeout: float = FETCH_TIMEOUT_SECONDS, max_bytes: int = MAX_FEED_BYTES) -> bytes:
    """The bytes of ``source``: an http(s) URL or a file path.

    Raises:
        FeedError: the file or URL cannot be read, answers an HTTP error, times out or is too big.
    """
    if re.match(r"^https?://", source, re.IGNORECASE):
        return _fetch_url(source, timeout, max_bytes)
    if re.match(r"^[a-z][a-z0-9+.-]*://", source, re.IGNORECASE):
        raise FeedError(f"{source}: only http(s) URLs and file paths can be imported")
    path = Path(source)
    try:
        if path.stat().st_size > max_bytes:
            raise FeedError(f"{source}: larger than the {max_bytes:,}-byte limit")
        return path.read_bytes()
    except OSError as exc:
        raise FeedError(f"cannot read {source}: {exc.strerror or exc}") from exc


def _fetch_url(url: str, timeout: float, max_bytes: int) -> bytes:
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/json, application/ld+json, text/html;q=0.9, */*;q=0.1",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FeedError(f"{url}: larger than the {max_bytes:,}-byte limit")
            data: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise FeedError(f"{url} answered HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise FeedError(f"{url} did not answer within {timeout:g} s") from exc
        raise FeedError(f"cannot reach {url}: {exc.reason}") from exc
    except TimeoutError as exc:
        raise FeedError(f"{url} did not answer within {timeout:g} s") from exc
    except OSError as exc:
        raise FeedError(f"cannot read {url}: {exc}") from exc
    if len(data) > max_bytes:
        raise FeedError(f"{url}: larger than the {max_bytes:,}-byte limit")
    return data


def decode_feed(data: bytes) -> str:
    """Feed bytes as text: UTF-8 (with or without BOM), else Windows-1252 as older exports use."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_feed(data: bytes | str, page_url: str | None = None) -> ParsedFeed:
    """Detect the format of ``data`` and parse it into valid vacancies and skipped records.

    Args:
        data: the feed as fetched.
        page_url: where an HTML page came from; a JobPosting without its own url links there.

    Raises:
        FeedError: not JSON or HTML, or holding neither vacancy array nor JobPosting.
    """
    text = decode_feed(data) if isinstance(data, bytes) else data
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return _parse_jsonld_documents(*jsonld.documents_in_html(text), page_url=page_url)
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise FeedError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    if jsonld.looks_like_jsonld(document):
        return _parse_jsonld_documents([document], [], page_url=page_url)
    if not isinstance(document, list):
        raise FeedError("expected a JSON array of vacancies or schema.org JobPosting JSON-LD")
    return _parse_own_records(document)


def _parse_own_records(records: list[Any]) -> ParsedFeed:
    found: list[tuple[int, Vacancy]] = []
    errors: list[RecordError] = []
    for index, record in enumerate(records):
        try:
            if not isinstance(record, dict):
                raise InvalidFieldError("record", f"expected an object, found {json_type(record)}")
            found.append((index, vacancy_from_fields(record)))
        except InvalidFieldError as exc:
            errors.append(RecordError(index, record_id(record), exc.field, exc.problem))
    return _without_repeated_ids(OWN_FORMAT, found, errors, "id")


def _parse_jsonld_documents(documents: list[Any], block_errors: list[str], page_url: str | None) -> ParsedFeed:
    postings = [posting for document in documents for posting in jsonld.job_postings(document)]
    if not postings:
        detail = f" ({'; '.join(block_errors)})" if block_errors else ""
        raise FeedError(f"no schema.org JobPosting found{detail}")
    found: list[tuple[int, Vacancy]] = []
    errors = [RecordError(-1, None, "script", problem) for problem in block_errors]
    for index, posting in enumerate(postings):
        try:
            found.append((index, vacancy_from_fields(jsonld.posting_fields(posting, page_url))))
        except InvalidFieldError as exc:
            # Named as the JobPosting calls it, so the feed's author knows what to fix.
            field = jsonld.PROPERTY_NAMES.get(exc.field, exc.field)
            errors.append(RecordError(index, jsonld.posting_id(posting), field, exc.problem))
    return _without_repeated_ids(JSONLD_FORMAT, found, errors, jsonld.PROPERTY_NAMES["id"])


def _without_repeated_ids(
    feed_format: str, found: list[tuple[int, Vacancy]], errors: list[RecordError], id_field: str
) -> ParsedFeed:
    """Keep the first record of each id; a repeat is an error in the feed, not an update."""
    first_index: dict[str, int] = {}
    vacancies: list[Vacancy] = []
    for index, vacancy in found:
        if vacancy.id in first_index:
            problem = f"repeats the id of record {first_index[vacancy.id]}"
            errors.append(RecordError(index, vacancy.id, id_field, problem))
        else:
            first_index[vacancy.id] = index
            vacancies.append(vacancy)
    errors.sort(key=lambda error: error.index)
    return ParsedFeed(feed_format, vacancies, errors)
