"""Our bot under test: the model of the current sources, run as ``make run`` runs it (``recruitbot.run.Stack``)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from bench.bots import (
    CACHE_DIR,
    Started,
    Trained,
    first_correct_reply_s,
    greeting_texts,
    record_train_time,
    recorded_train_time,
    response_texts,
    train,
)
from bench.catalogue import scratch_postgres
from bench.load import Script
from bench.procs import processes_running
from recruitbot.run import Ports, Stack, free_port, seed_catalogue
from recruitbot.settings import PROJECT_ROOT, load_settings
from recruitbot.train import ensure_trained, model_path

# recruitbot.rasa_server.APOLOGY_RESPONSE (not imported: that module loads Rasa), what a user gets when a
# custom action fails or times out; tests/bench checks that the two agree.
APOLOGY_RESPONSE = "utter_action_unavailable"

TRAINING_WAIT_S = 1800.0
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"  # the production column's scratch databases

# Chats as candidates hold them: FAQ turns, a vacancy search refined and paged, an alert sign-up
# and a callback request. Phrased afresh (not copied from data/nlu), as real users would type them.
SCRIPTS: tuple[Script, ...] = (
    ("hi", "does a second interview mean I got the job?", "should I send a thank you email",
     "temp admin jobs in Leeds", "what about perm ones?", "show more", "thanks", "bye"),
    ("hello", "any temp admin jobs in Leeds?", "what about perm ones?", "show more",
     "can you email me when new jobs like these come up?", "thank you", "goodbye"),
    ("good morning", "how long do they usually take to get back to you after an interview",
     "can I speak to a real person please", "Sam Patel", "sam.patel@example.co.uk",
     "could someone call me about temp work in Leeds?", "bye"),
)


def _wait_for_training_of(model: Path) -> None:
    # Two trainings on two cores would make both slow and the timing meaningless: wait for the other.
    deadline = time.monotonic() + TRAINING_WAIT_S
    name = model.name.removesuffix(".tar.gz")
    announced = False
    while processes_running("rasa", "train", name):
        if not announced:
            print(f"waiting for the training of {name} already running...", file=sys.stderr, flush=True)
            announced = True
        if time.monotonic() > deadline:
            raise RuntimeError(f"the training of {name} has not finished in {TRAINING_WAIT_S:.0f} s")
        time.sleep(2)


def prepare(retrain: bool, measure_unknown: bool, log_dir: Path) -> Trained:
    """Train our model as ``make run`` does, unless it is up to date; find how long a first training takes.

    ``ensure_trained`` lets Rasa reuse its training cache, so its duration says little: the time
    reported is that of a training from an empty cache into a scratch directory, recorded per
    model. Without a record it is measured when ``measure_unknown`` (or always, with ``retrain``).
    """
    target = model_path()
    name = target.name.removesuffix(".tar.gz")
    _wait_for_training_of(target)
    if not target.exists():
        ensure_trained()
    recorded = recorded_train_time(name)
    if recorded is not None and not retrain:
        return Trained(target, recorded, "recorded by an earlier run")
    if not (measure_unknown or retrain):
        return Trained(target, None, "not timed yet (a full run times it)")
    print(f"timing a first training of {name} in a scratch directory...", file=sys.stderr, flush=True)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR, prefix="model-") as scratch:
        seconds = train(PROJECT_ROOT, Path(scratch), name, log_dir / "ours-train.log")
    record_train_time(name, seconds)
    return Trained(target, seconds, "timed now")


@contextmanager
def _environ(changes: dict[str, str], removed: tuple[str, ...] = ()) -> Iterator[None]:
    # The Stack reads its settings from this process's environment; it is restored after the block.
    saved = dict(os.environ)
    for name in removed:
        os.environ.pop(name, None)
    os.environ.update(changes)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _environment(var_dir: Path) -> AbstractContextManager[None]:
    # A scratch state directory (tracker, catalogue, outbox), and no SMTP server, so that callback
    # requests stay in the outbox. RECRUITBOT_DATABASE_URL is kept: it lets the catalogue be
    # benchmarked on PostgreSQL. No message rates at the edge: the load comes from one address,
    # and the stock bot has none either.
    return _environ({"RECRUITBOT_VAR_DIR": str(var_dir), "RECRUITBOT_IP_MESSAGES_PER_MINUTE": "0",
                     "RECRUITBOT_SESSION_MESSAGES_PER_MINUTE": "0"},
                    removed=("SMTP_HOST", "RECRUITBOT_TRACKER_DB", "RECRUITBOT_OUTBOX_DIR"))


@contextmanager
def running(trained: Trained, log_dir: Path, name: str = "ours") -> Iterator[Started]:
    """Run our action server, Rasa server(s) and web app on loopback for the block, in the environment's profile."""
    with tempfile.TemporaryDirectory(prefix="recruitbot-bench-") as var_dir, _environment(Path(var_dir)):
        seed_catalogue(load_settings())  # before the clock starts: a deployment has its vacancies already
        ports = Ports(rasa=free_port(), actions=free_port(), web=free_port())
        stack = Stack(ports, trained.model, log_dir=log_dir / name)
        with ThreadPoolExecutor(max_workers=1) as starter:
            try:
                started = time.monotonic()
                startup = starter.submit(stack.start)

                def check_alive() -> None:
                    if startup.done():
                        startup.result()  # raises StartupError if a server failed

                cold_start = first_correct_reply_s(ports.rasa, greeting_texts(PROJECT_ROOT / "domain.yml"),
                                                   started, check_alive)
                startup.result()
                # In production RASA_PORT is nginx's, and the Rasa servers behind it have ports of their own.
                behind = {f"rasa-{number}": port for number, port in enumerate(stack.rasa_ports, start=1)
                          if port != ports.rasa}
                apologies = frozenset(response_texts(PROJECT_ROOT / "domain.yml", APOLOGY_RESPONSE))
                yield Started(name, {"rasa": ports.rasa, "actions": ports.actions, **behind}, cold_start, apologies)
            finally:
                stack.stop()


def _production_profile(database_url: str) -> AbstractContextManager[None]:
    # The conversations go to the same scratch database; no cap per address at nginx either.
    return _environ({"RECRUITBOT_PROFILE": "production", "RECRUITBOT_DATABASE_URL": database_url,
                     "RECRUITBOT_EDGE_REQUESTS_PER_MINUTE": "0"}, removed=("RECRUITBOT_TRACKER_STORE_URL",))


@contextmanager
def running_production(trained: Trained, log_dir: Path) -> Iterator[Started]:
    """Run ours in the production profile for the block: Rasa servers behind nginx, a scratch PostgreSQL database.

    The database is created on RECRUITBOT_BENCH_POSTGRES (this machine's server by default) and
    dropped afterwards; locks go to RECRUITBOT_REDIS_URL (the profile's default), where the
    benchmark's conversations have sender ids of their own.
    """
    server = os.environ.get("RECRUITBOT_BENCH_POSTGRES", POSTGRES_SERVER)
    with scratch_postgres(server) as database_url, _production_profile(database_url), \
            running(trained, log_dir, "production") as started:
        yield started
