"""The real action server (rasa-sdk's app behind the shared secret) over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest

from recruitbot.action_server import MIN_SECRET_LENGTH, SECRET_HEADER, create_app
from recruitbot.domain_digest import DIGEST_KEY, DOMAIN_WANTED, DOMAIN_WANTED_STATUS
from recruitbot.run import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret-" + "x" * 40
# Appears in the request only: an answer that contains it echoes the conversation.
MARKER = "Sam Patel 07700 900123"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "RECRUITBOT_ACTION_SECRET": SECRET,
           "RECRUITBOT_VAR_DIR": str(tmp_path_factory.mktemp("var"))}
    log = (tmp_path_factory.mktemp("logs") / "actions.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "recruitbot.action_server", "--actions", "tests.action_server.sample_actions",
         "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _status(f"{url}/health") != 200:
            assert process.poll() is None, f"the action server exited; see {log.name}"
            assert time.monotonic() < deadline, f"the action server did not start; see {log.name}"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def action_call(action: str) -> dict[str, Any]:
    """A request as Rasa sends it, with the user's words in the tracker."""
    return {
        "next_action": action,
        "sender_id": MARKER,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": MARKER,
            "slots": {},
            "latest_message": {"text": MARKER, "intent": {"name": "inform"}, "entities": []},
            "events": [{"event": "user", "text": MARKER}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{url}/webhook", data=body, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def call(url: str, action: str, headers: dict[str, str]) -> tuple[int, str]:
    return post(url, json.dumps(action_call(action)).encode(), headers)


def test_a_request_without_the_secret_is_refused(server: str) -> None:
    status, body = call(server, "action_acknowledge", {})
    assert (status, json.loads(body)) == (401, {"error": "Unauthorized"})


def test_a_request_with_a_wrong_secret_is_refused(server: str) -> None:
    for wrong in ("nope", SECRET[:-1], SECRET + "x", SECRET.upper()):
        status, body = call(server, "action_acknowledge", {SECRET_HEADER: wrong})
        assert (status, json.loads(body)) == (403, {"error": "Forbidden"})


def test_a_request_with_the_secret_runs_the_action(server: str) -> None:
    status, body = call(server, "action_acknowledge", {SECRET_HEADER: SECRET})
    assert status == 200
    assert json.loads(body) == {
        "events": [{"event": "slot", "timestamp": None, "name": "acknowledged", "value": True}],
        "responses": [],
    }


def test_the_action_list_needs_the_secret_too(server: str) -> None:
    assert _status(f"{server}/actions") == 401


def test_the_readiness_check_needs_no_secret(server: str) -> None:
    assert _status(f"{server}/health") == 200


def test_a_failing_action_answers_500_without_the_conversation(server: str) -> None:
    status, body = call(server, "action_crash", {SECRET_HEADER: SECRET})
    assert (status, json.loads(body)) == (500, {"error": "Internal Server Error"})
    assert MARKER not in body


def test_unreadable_json_answers_400_without_echoing_it(server: str) -> None:
    status, body = post(server, f'{{"sender_id": "{MARKER}", '.encode(), {SECRET_HEADER: SECRET})
    assert (status, json.loads(body)) == (400, {"error": "Bad Request"})
    assert MARKER not in body


def test_an_unknown_action_is_named_but_the_conversation_is_not(server: str) -> None:
    status, body = call(server, "action_missing", {SECRET_HEADER: SECRET})
    assert status == 404
    assert json.loads(body)["action_name"] == "action_missing"
    assert MARKER not in body


def test_a_short_secret_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="at least"):
        create_app("x" * (MIN_SECRET_LENGTH - 1), "tests.action_server.sample_actions")


def greeting_call(digest: str, greeting: str | None) -> bytes:
    """A call to action_say_greeting naming its domain by ``digest``; with a domain too unless ``greeting`` is None."""
    body = action_call("action_say_greeting")
    del body["domain"]
    body[DIGEST_KEY] = digest
    if greeting is not None:
        body["domain"] = {"responses": {"utter_greet": [{"text": greeting}]}}
    return json.dumps(body).encode()


def said(body: str) -> list[str]:
    return [message["text"] for message in json.loads(body)["responses"]]


def test_a_domain_named_by_a_digest_the_server_does_not_know_is_asked_for(server: str) -> None:
    status, body = post(server, greeting_call(f"unknown-{uuid.uuid4().hex}", None), {SECRET_HEADER: SECRET})
    assert (status, json.loads(body)) == (DOMAIN_WANTED_STATUS, {"error": DOMAIN_WANTED})
    assert MARKER not in body


def test_a_domain_sent_once_with_its_digest_is_given_to_the_calls_that_name_it(server: str) -> None:
    first, second = f"first-{uuid.uuid4().hex}", f"second-{uuid.uuid4().hex}"
    headers = {SECRET_HEADER: SECRET}
    assert post(server, greeting_call(first, "Hello from the first model"), headers) == (200, ANY)
    assert said(post(server, greeting_call(first, None), headers)[1]) == ["Hello from the first model"]
    # Another model's domain does not replace the first one's, and a call carrying a domain uses its own.
    assert said(post(server, greeting_call(second, "Hi from the second"), headers)[1]) == ["Hi from the second"]
    assert said(post(server, greeting_call(second, None), headers)[1]) == ["Hi from the second"]
    assert said(post(server, greeting_call(first, None), headers)[1]) == ["Hello from the first model"]
    status, body = post(server, json.dumps({**action_call("action_say_greeting"), "domain": {
        "responses": {"utter_greet": [{"text": "Rasa's own call"}]}}}).encode(), headers)
    assert (status, said(body)) == (200, ["Rasa's own call"])


def test_a_digest_does_not_get_past_the_secret(server: str) -> None:
    status, body = post(server, greeting_call(f"unknown-{uuid.uuid4().hex}", None), {})
    assert (status, json.loads(body)) == (401, {"error": "Unauthorized"})
