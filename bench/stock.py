"""The stock bot: the project ``rasa init --no-prompt`` creates, trained once per rasa version and cached."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

from bench.bots import (
    CACHE_DIR,
    Started,
    Trained,
    cache_lock,
    child_env,
    first_correct_reply_s,
    greeting_texts,
    record_train_time,
    recorded_train_time,
    train,
)
from bench.load import Script
from recruitbot.run import free_port

NAME = f"stock-rasa-{version('rasa')}"
PROJECT = CACHE_DIR / NAME
MODEL = PROJECT / "models" / "stock.tar.gz"

# Chats in the stock bot's own domain (greet, mood_great/unhappy, affirm/deny, bot_challenge, goodbye),
# every turn covered by one of its stories or rules: its TED policy trains without a random seed, so
# a turn outside them (say "that sounds good" after "am I talking to a bot?") gets a reply from one
# trained model and silence from the next, which would count as an error against the stock bot.
SCRIPTS: tuple[Script, ...] = (
    ("hello there", "I am feeling very good", "am I talking to a bot?", "bye bye"),
    ("hey", "I am sad", "yes", "are you a human?", "goodbye"),
    ("good morning", "not good", "no", "have a nice day"),
)


def _initial_project() -> Path:
    spec = importlib.util.find_spec("rasa")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("rasa is not installed in this Python")
    return Path(next(iter(spec.submodule_search_locations))) / "cli" / "initial_project"


def _create_project() -> None:
    # What `rasa init --no-prompt` does before it trains (rasa/cli/scaffold.py copies this
    # template); copying it ourselves avoids a training that nobody would time.
    staging = PROJECT.with_name(PROJECT.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(_initial_project(), staging, ignore=shutil.ignore_patterns("__pycache__"))
    staging.rename(PROJECT)


def prepare(retrain: bool, log_dir: Path) -> Trained:
    """Create and train the stock bot unless this rasa version's is cached (or ``retrain``)."""
    with cache_lock(NAME):
        if not PROJECT.exists():
            _create_project()
        seconds = recorded_train_time(NAME)
        if MODEL.exists() and seconds is not None and not retrain:
            return Trained(MODEL, seconds, "recorded by an earlier run")
        print(f"training the stock bot in {PROJECT}...", file=sys.stderr, flush=True)
        seconds = train(PROJECT, MODEL.parent, MODEL.name.removesuffix(".tar.gz"), log_dir / "stock-train.log")
        record_train_time(NAME, seconds)
        return Trained(MODEL, seconds, "timed now")


@contextmanager
def running(trained: Trained, log_dir: Path) -> Iterator[Started]:
    """Run the stock bot (``rasa run``, REST channel, in-memory tracker) on loopback for the block."""
    port = free_port()
    command = [sys.executable, "-m", "rasa", "run", "--model", str(trained.model), "--port", str(port),
               "--interface", "127.0.0.1", "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"]
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "stock-rasa.log").open("wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=PROJECT, env=child_env(), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)

        def check_alive() -> None:
            if process.poll() is not None:
                raise RuntimeError(f"the stock bot exited with code {process.returncode}; see {log.name}")

        try:
            cold_start = first_correct_reply_s(port, greeting_texts(PROJECT / "domain.yml"), started, check_alive)
            yield Started("stock", {"rasa": port}, cold_start)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
