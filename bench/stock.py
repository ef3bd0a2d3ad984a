"""The stock bot: the project ``rasa init --no-prompt`` creates, trained once per rasa version and cached.

Also the floor (``--floor``): the same project with the cheapest NLU and policies Rasa 3.6 has (Rasa's
keyword matcher, rules and memoization; no model at all), on the same chats. What it costs a turn is
what Rasa itself costs (the REST channel, the processor, the tracker, the policy ensemble, the
replies), which no bot built on Rasa 3.6 can go under on the same machine.
"""

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
FLOOR_NAME = f"floor-rasa-{version('rasa')}"
FLOOR_PROJECT = CACHE_DIR / FLOOR_NAME
FLOOR_MODEL = FLOOR_PROJECT / "models" / "floor.tar.gz"
FLOOR_CONFIG = """\
# The benchmark's floor: the stock project with no trained model (bench/stock.py).
recipe: default.v1
assistant_id: floor
language: en
pipeline:
  - name: KeywordIntentClassifier
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
"""

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


def _create_project(project: Path, config: str | None) -> None:
    # What `rasa init --no-prompt` does before it trains (rasa/cli/scaffold.py copies this
    # template); copying it ourselves avoids a training that nobody would time.
    staging = project.with_name(project.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(_initial_project(), staging, ignore=shutil.ignore_patterns("__pycache__"))
    if config is not None:
        (staging / "config.yml").write_text(config)
    staging.rename(project)


def _prepare(name: str, model: Path, config: str | None, retrain: bool, log_dir: Path) -> Trained:
    with cache_lock(name):
        project = model.parents[1]
        if not project.exists():
            _create_project(project, config)
        seconds = recorded_train_time(name)
        if model.exists() and seconds is not None and not retrain:
            return Trained(model, seconds, "recorded by an earlier run")
        print(f"training {name} in {project}...", file=sys.stderr, flush=True)
        stem = model.name.removesuffix(".tar.gz")
        seconds = train(project, model.parent, stem, log_dir / f"{stem}-train.log")
        record_train_time(name, seconds)
        return Trained(model, seconds, "timed now")


def prepare(retrain: bool, log_dir: Path) -> Trained:
    """Create and train the stock bot unless this rasa version's is cached (or ``retrain``)."""
    return _prepare(NAME, MODEL, None, retrain, log_dir)


def prepare_floor(retrain: bool, log_dir: Path) -> Trained:
    """Create and train the floor bot unless this rasa version's is cached (or ``retrain``)."""
    return _prepare(FLOOR_NAME, FLOOR_MODEL, FLOOR_CONFIG, retrain, log_dir)


@contextmanager
def running(trained: Trained, log_dir: Path) -> Iterator[Started]:
    """Run the stock (or floor) bot (``rasa run``, REST channel, in-memory tracker) on loopback for the block."""
    port = free_port()
    project, name = trained.model.parents[1], trained.model.name.removesuffix(".tar.gz")
    command = [sys.executable, "-m", "rasa", "run", "--model", str(trained.model), "--port", str(port),
               "--interface", "127.0.0.1", "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"]
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"{name}-rasa.log").open("wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=project, env=child_env(), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)

        def check_alive() -> None:
            if process.poll() is not None:
                raise RuntimeError(f"the {name} bot exited with code {process.returncode}; see {log.name}")

        try:
            cold_start = first_correct_reply_s(port, greeting_texts(project / "domain.yml"), started, check_alive)
            yield Started(name, {"rasa": port}, cold_start)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
