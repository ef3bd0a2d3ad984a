"""Rasa's own checks of the training data, and the conversation tests in tests/test_stories.yml."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def _rasa(*args: str, launcher: str = "rasa") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", launcher, *args], cwd=ROOT, env=ENV, capture_output=True, text=True)


# Sent by Rasa's own actions: action_default_fallback and the two-stage fallback's rephrase.
RASA_BUILTIN_RESPONSES = {"utter_default", "utter_ask_rephrase"}


def _sent_by_code(response: str) -> bool:
    """A response that a custom action sends, or a form asks with (Rasa cannot see those)."""
    # The actions, the Rasa launcher that apologises when the action server fails, and the channels
    # that answer a message they refuse (too long, too fast).
    sources = [*(ROOT / "actions").glob("*.py"), ROOT / "recruitbot" / "rasa_server.py",
               *(ROOT / "connectors").glob("*.py")]
    code = "\n".join(p.read_text() for p in sources)
    if response in RASA_BUILTIN_RESPONSES:
        return True
    return response.startswith("utter_ask_") or f'"{response}"' in code or (
        response.startswith("utter_topic_") and "utter_topic_" in code
    )


def test_data_validates_with_only_the_known_false_alarms():
    result = _rasa("data", "validate", "--domain", "domain.yml", "--data", "data", "--config", "config.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    warnings = re.findall(r"UserWarning: (.*)", result.stderr + result.stdout)
    unexplained = []
    for warning in warnings:
        unused = re.match(r"The utterance '(\w+)' is not used in any story or rule", warning)
        if unused and _sent_by_code(unused[1]):
            continue
        # Set from the words alone by recruitbot/nlu/clear_phrases.py, so it has no training examples.
        if warning.startswith("The intent 'what_next' is listed in the domain file, but is not found in the NLU"):
            continue
        # Rasa lists `faq` again when it merges retrieval responses from data/ into the domain.
        if warning.startswith("The following duplicated intents have been found across multiple domain files: faq"):
            continue
        unexplained.append(warning)
    assert unexplained == []


@pytest.mark.model
def test_conversation_stories_pass(trained_model, tmp_path):
    # Rasa's `rasa test`, through the server's launcher so that the model loads as the server loads it
    # (in a quarter of the time; the parses are identical: tests/test_fast_model_load.py).
    result = _rasa(
        "test", "core", "--model", str(trained_model), "--stories", "tests/test_stories.yml",
        "--e2e", "--fail-on-prediction-errors", "--out", str(tmp_path), launcher="recruitbot.rasa_server",
    )
    failed = (tmp_path / "failed_test_stories.yml")
    assert result.returncode == 0, (failed.read_text() if failed.exists() else "") + result.stdout[-3000:]


def test_no_place_is_annotated_in_lower_case():
    # Rasa's EntitySynonymMapper learns lower-cased text -> annotated value for every annotated
    # entity, so one "[leeds](location)" makes every later "Leeds" come out as "leeds".
    annotated = re.findall(r"\[([^\]]+)\]\(location\)", "\n".join(
        path.read_text() for path in sorted((ROOT / "data" / "nlu").glob("*.yml"))))
    assert annotated and [place for place in annotated if not place[0].isupper()] == []
