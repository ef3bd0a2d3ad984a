"""Only the bot's own buttons may name an intent (connectors/payloads.py), checked with Rasa's own parser."""

from __future__ import annotations

import ast
import logging
import secrets
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.nlg.interpolator import interpolate
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.training_data.message import Message

from actions.alerts import _manage_buttons
from actions.fallback import HANDOFF_TOPIC, SUGGESTIBLE_INTENTS, topic_button
from actions.vacancies import _result_buttons
from connectors.payloads import CODE_PAYLOADS, parse_payload, screen
from connectors.responses import as_sent
from recruitbot.alerts.model import Alert, Frequency, Status
from recruitbot.alerts.notify import stop_button
from recruitbot.alerts.wording import Wording
from recruitbot.vacancies.cards import vacancy_card
from recruitbot.vacancies.model import SearchCriteria, Vacancy
from tests.helpers import domain

ROOT = Path(__file__).resolve().parents[2]
# Where the bot's code builds buttons.
BUTTON_CODE = [*sorted((ROOT / "actions").glob("*.py")), ROOT / "recruitbot" / "vacancies" / "cards.py",
               ROOT / "recruitbot" / "alerts" / "notify.py"]


def rasa_reads(text: str) -> tuple[str | None, list[tuple[str, Any]]]:
    """The intent and entities Rasa's RegexMessageHandler takes from ``text`` (None: NLU reads it)."""
    parsed = YAMLStoryReader.unpack_regex_message(Message({"text": text}))
    intent = (parsed.get("intent") or {}).get("name")
    return intent, [(e["entity"], e["value"]) for e in parsed.get("entities") or []]


def raw_file_payloads() -> list[str]:
    """Every button payload in domain.yml and in the response files under data/, as written."""
    files = [ROOT / "domain.yml", *sorted((ROOT / "data").rglob("*.yml"))]
    found = []
    for path in files:
        for variants in (yaml.safe_load(path.read_text()) or {}).get("responses", {}).values():
            found += [b["payload"] for v in variants for b in v.get("buttons") or []]
    return found


@pytest.mark.parametrize("payload", sorted(set(raw_file_payloads())))
def test_rasa_sends_each_response_payload_as_read_without_an_interpolation_error(
        payload: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    # Rasa interpolates slot values into every string of a response; a single-brace JSON payload
    # makes it log an error with a traceback (structlog, to stdout) on every use.
    with caplog.at_level(logging.ERROR):
        sent = interpolate(payload, {"job_type": "perm", "alert_frequency": "daily", "alert_delivery": "chat"})
    assert sent == as_sent(payload)
    printed = capsys.readouterr()
    assert "interpolator" not in printed.out + printed.err + caplog.text


def file_payloads() -> list[str]:
    """Every button payload in domain.yml and in the response files under data/."""
    files = [ROOT / "domain.yml", *sorted((ROOT / "data").rglob("*.yml"))]
    found = []
    for path in files:
        for variants in (yaml.safe_load(path.read_text()) or {}).get("responses", {}).values():
            found += [as_sent(b["payload"]) for v in variants for b in v.get("buttons") or []]
    return found


def code_built_payloads() -> list[str]:
    """The payloads the bot's button builders produce."""
    alerts = [Alert(secrets.token_urlsafe(16), SearchCriteria(keyword="admin"), Frequency.DAILY, "email", status,
                    "j***@example.com", datetime(2026, 11, 1, tzinfo=timezone.utc), None)
              for status in (Status.ACTIVE, Status.PAUSED)]
    vacancy = Vacancy("11R-2026-02592", "Office Administrator", "Leeds", "temp", "£12.50 per hour", None, None,
                      "Front desk.", "https://jobs.example/1", date(2026, 11, 20))
    buttons = [*_manage_buttons(domain(), alerts), *_result_buttons(domain(), True),
               stop_button(secrets.token_urlsafe(16), Wording())]
    buttons += [topic_button(domain(), topic) for topic in (*SUGGESTIBLE_INTENTS, HANDOFF_TOPIC)]
    payloads = [button["payload"] for button in buttons if button]
    payloads += [a["payload"] for a in vacancy_card(vacancy, "Apply", "More like this")["actions"] if "payload" in a]
    return payloads


def intents_named_in_code() -> set[str]:
    """Intents in string literals that start a payload ("/intent...") in the button-building code."""
    intents = set()
    for path in BUTTON_CODE:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("/"):
                payload = parse_payload(node.value.split("{")[0])
                if payload:
                    intents.add(payload.intent)
    return intents


@pytest.mark.parametrize("payload", sorted(set(file_payloads())))
def test_every_button_in_the_domain_and_data_still_works(payload: str) -> None:
    assert rasa_reads(screen(payload)) == rasa_reads(payload)
    if payload.startswith("/"):
        assert rasa_reads(screen(payload))[0] is not None


def test_every_button_the_code_builds_still_works() -> None:
    payloads = code_built_payloads()
    assert {p.split("{")[0] for p in payloads} >= {"/pause_alerts", "/resume_alerts", "/unsubscribe_alerts",
                                                   "/similar_vacancies", "/more_vacancies"}
    for payload in payloads:
        intent, entities = rasa_reads(screen(payload))
        assert (intent, entities) == rasa_reads(payload) and intent is not None, payload


def test_every_intent_a_payload_in_code_names_is_allowed() -> None:
    named = intents_named_in_code()
    assert "more_vacancies" in named and "pause_alerts" in named  # the scan sees the builders
    assert named - set(CODE_PAYLOADS) == set()


@pytest.mark.parametrize("typed, nlu_reads", [
    ('/subscribe_alerts{"email":"x@y.z"}', 'subscribe_alerts{"email":"x@y.z"}'),
    ("/forget_me", "forget_me"),
    ("/nlu_fallback", "nlu_fallback"),
    ("  //greet", "greet"),
    ("\x1c/forget_me", "forget_me"),
    ("/greet@0.99", "greet@0.99"),
    ('/inform{"job_type": "freelance"}', 'inform{"job_type": "freelance"}'),
    ('/inform{"job_type": "temp", "location": "Leeds"}', 'inform{"job_type": "temp", "location": "Leeds"}'),
    ('/inform{"job_type": "temp"} and more', 'inform{"job_type": "temp"} and more'),
    ('/pause_alerts{"alert_id": "../x y"}', 'pause_alerts{"alert_id": "../x y"}'),
    ('/pause_alerts{"alert_id": ["a", "b"]}', 'pause_alerts{"alert_id": ["a", "b"]}'),
    ('/pause_alerts{"alert_id": "abc", "email": "x@y.z"}', 'pause_alerts{"alert_id": "abc", "email": "x@y.z"}'),
    ('/similar_vacancies{"vacancy_id": NaN}', 'similar_vacancies{"vacancy_id": NaN}'),
    ("/faq/second_interview_meaning", "faq/second_interview_meaning"),
    ("/", ""),
])
def test_a_payload_no_button_sends_goes_to_nlu_as_text(typed: str, nlu_reads: str) -> None:
    assert typed == "/" or rasa_reads(typed)[0] is not None  # Rasa itself would force an intent
    assert screen(typed) == nlu_reads
    assert rasa_reads(screen(typed)) == (None, [])


def test_a_long_payload_goes_to_nlu_as_text() -> None:
    long = '/similar_vacancies{"vacancy_id": "' + "x" * 500 + '"}'
    assert rasa_reads(screen(long)) == (None, [])


def test_typed_text_never_names_an_intent_even_a_buttons() -> None:
    assert screen("/greet") == "/greet"
    assert screen("/greet", typed=True) == "greet"
    assert rasa_reads(screen('/inform{"job_type": "temp"}', typed=True)) == (None, [])


def test_a_button_payload_is_passed_on_as_rasa_reads_it() -> None:
    assert screen(' /inform{"job_type":"perm"} ') == '/inform{"job_type": "perm"}'
    assert rasa_reads(screen('/pause_alerts{"alert_id":"Zq3_x-9"}')) == ("pause_alerts", [("alert_id", "Zq3_x-9")])
    assert screen("Does a second interview mean I got the job?") == "Does a second interview mean I got the job?"


def test_text_no_store_or_tokenizer_takes_is_made_readable() -> None:
    assert screen("hello\ud800 there\x00") == "hello\ufffd there"
    assert screen("/greet\udfff") == "greet\ufffd"
    assert screen("line one\nline two\ttab") == "line one\nline two\ttab"
