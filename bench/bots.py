"""What both bots under test share: training with a recorded time, and a cold start timed to the first correct reply."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from recruitbot.run import ask
from recruitbot.settings import PROJECT_ROOT

CACHE_DIR = PROJECT_ROOT / "var" / "bench"  # git-ignored; trained stock model and recorded training times
TRAIN_TIMES = CACHE_DIR / "train_times.json"
COLD_START_TIMEOUT_S = 300.0
POLL_INTERVAL_S = 0.1


@dataclass(frozen=True)
class Trained:
    """A model ready to serve, and how long it took to train."""

    model: Path
    train_s: float | None  # None: trained outside the benchmark and never timed
    train_source: str  # how train_s was obtained, for the report


@dataclass(frozen=True)
class Started:
    """A bot that answers on loopback."""

    name: str
    servers: dict[str, int]  # server name ("rasa", "actions") -> port; its listening processes make up the bot
    cold_start_s: float
    apologies: frozenset[str] = frozenset()  # replies that say the bot could not do it: a failed turn

    @property
    def webhook(self) -> str:
        """The REST channel's URL."""
        return f"http://127.0.0.1:{self.servers['rasa']}/webhooks/rest/webhook"


def child_env() -> dict[str, str]:
    """The environment Rasa processes started by the benchmark run with."""
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def train(project: Path, out: Path, name: str, log: Path) -> float:
    """Train the project in ``project`` (``rasa train``) into ``out/name.tar.gz``; return the seconds it took.

    Rasa reuses what its training cache (``.rasa/cache``) holds; an empty one makes this a first
    training, the same for both bots whatever was trained before.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR, prefix="rasa-cache-") as cache, log.open("wb") as output:
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain.yml",
             "--data", "data", "--out", str(out), "--fixed-model-name", name],
            cwd=project, env={**child_env(), "RASA_CACHE_DIRECTORY": cache}, stdout=output,
            stderr=subprocess.STDOUT, check=True,
        )
        return time.monotonic() - started


def recorded_train_time(model: str) -> float | None:
    """The training time recorded for this model (by its file name without .tar.gz), if any."""
    if not TRAIN_TIMES.exists():
        return None
    seconds = json.loads(TRAIN_TIMES.read_text()).get(model)
    return float(seconds) if seconds is not None else None


def record_train_time(model: str, seconds: float) -> None:
    """Remember how long this model took to train, for the runs that reuse it."""
    with cache_lock("train_times"):
        times = json.loads(TRAIN_TIMES.read_text()) if TRAIN_TIMES.exists() else {}
        times[model] = round(seconds, 1)
        TRAIN_TIMES.write_text(json.dumps(times, indent=2, sort_keys=True) + "\n")


@contextmanager
def cache_lock(name: str) -> Iterator[None]:
    """Hold an exclusive lock on the benchmark cache, so that two runs never train the same thing at once."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with (CACHE_DIR / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def response_texts(domain: Path, response: str) -> set[str]:
    """The texts of one response in a domain file."""
    responses = yaml.safe_load(domain.read_text()).get("responses", {})
    return {str(variation["text"]) for variation in responses.get(response, [])}


def greeting_texts(domain: Path) -> set[str]:
    """The texts of ``utter_greet`` in a domain file: the correct answers to "hello"."""
    return response_texts(domain, "utter_greet")


def first_correct_reply_s(port: int, greetings: set[str], started: float, check_alive: Callable[[], None]) -> float:
    """Say "hello" until the bot answers with its greeting; return the seconds since ``started``.

    ``GET /`` answers before the model is loaded, and a bot without a model answers nothing,
    so only a correct reply to a real message proves the bot is up.
    """
    deadline = started + COLD_START_TIMEOUT_S
    while time.monotonic() < deadline:
        check_alive()
        try:
            replies = ask(port, f"bench-cold-{uuid.uuid4().hex}", "hello", timeout=10)
            if any(reply.get("text") in greetings for reply in replies):
                return time.monotonic() - started
        except (OSError, urllib.error.URLError, ValueError):
            pass  # not listening yet, or still loading the model
        time.sleep(POLL_INTERVAL_S)
    raise RuntimeError(f"no greeting from the bot on port {port} within {COLD_START_TIMEOUT_S:.0f} s")
