"""Readiness: a Rasa server is ready when it answers a message and that conversation was stored.

Rasa answers ``GET /`` even with no model loaded, so only a real reply proves a model. And
Rasa 3.6 quietly keeps conversations in memory when its tracker store fails
(``FailSafeTrackerStore`` saves to memory, ``create_tracker_store`` falls back to memory on an
unknown store): a reply alone would call a bot ready that forgets everything on restart. So
the check sends a canary message from a one-off sender, then erases that conversation from the
tracker store the deployment names: erasing nothing means it was never stored, and the server
is not ready. The canary leaves nothing behind.

``python -m recruitbot.readiness --port 5005`` runs the check for a container's health check
(exit 0 ready, 1 not, with the reason on stderr).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import urllib.error
import urllib.request
import uuid

from recruitbot.alerts.conversations import make_conversation_store
from recruitbot.keys import action_secret
from recruitbot.settings import load_settings

log = logging.getLogger(__name__)

CANARY_TEXT = "hello"


def ask(port: int, sender: str, text: str, timeout: float = 30.0, host: str = "127.0.0.1") -> list[dict[str, object]]:
    """Send one message over the REST channel and return the bot's replies."""
    request = urllib.request.Request(
        f"http://{host}:{port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        replies: list[dict[str, object]] = json.load(response)
        return replies


def readiness_problem(
    port: int, tracker_store_url: str, key_prefix: str = "", host: str = "127.0.0.1", secret: str = ""
) -> str | None:
    """Why the Rasa server on ``port`` is not ready, or None when it is.

    An SQLite tracker store is erased by that server itself (connectors/erasure.py), presenting
    ``secret`` (default: the one the bot's processes share, see recruitbot.keys).
    """
    sender = f"readiness-{uuid.uuid4().hex}"
    try:
        replies = ask(port, sender, CANARY_TEXT, timeout=10, host=host)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        return f"no answer on port {port} ({type(exc).__name__})"
    if not replies:
        return f"the server on port {port} answered nothing (no model loaded?)"
    try:
        store = make_conversation_store(
            tracker_store_url, key_prefix, f"http://{host}:{port}", secret or action_secret(load_settings()))
        stored = store.erase([sender])
    except Exception as exc:  # any failure of the store means the same thing here: not ready
        return f"the tracker store cannot be read ({type(exc).__name__})"
    if not stored:
        return "the conversation was answered but not stored: the tracker store is failing (see the Rasa log)"
    return None


def main(argv: list[str] | None = None) -> int:
    """Check one server; exit 0 when ready, 1 (with the reason) when not."""
    parser = argparse.ArgumentParser(description="Is the Rasa server ready (answers, and stores conversations)?")
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    settings = load_settings()
    problem = readiness_problem(args.port, settings.tracker_store_url, settings.tracker_key_prefix, args.host)
    if problem:
        print(f"not ready: {problem}", file=sys.stderr)
        return 1
    print("ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
