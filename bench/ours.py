"""Our bot under test: the model of the current sources, run as ``make run`` runs it (``recruitbot.run.Stack``)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from bench.bots import (
    CACHE_DIR,
    Started,
    Trained,
    first_correct_reply_s,
    greeting_texts,
    record_train_time,
    recorded_train_time,
    train,
)
from bench.load import Script
from bench.procs import processes_running
from recruitbot.run import Ports, Stack, free_port, seed_catalogue
from recruitbot.settings import PROJECT_ROOT, load_settings
from recruitbot.train import ensure_trained, model_path

TRAINING_WAIT_S = 1800.0

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
def _environment(var_dir: Path) -> Iterator[None]:
    # The Stack reads its settings from this process's environment: a scratch state directory
    # (tracker, catalogue, outbox), and no SMTP server, so that callback requests stay in the outbox.
    saved = dict(os.environ)
    os.environ["RECRUITBOT_VAR_DIR"] = str(var_dir)
    # RECRUITBOT_DATABASE_URL is kept: it lets the catalogue be benchmarked on PostgreSQL.
    for name in ("SMTP_HOST", "RECRUITBOT_TRACKER_DB", "RECRUITBOT_OUTBOX_DIR"):
        os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def running(trained: Trained, log_dir: Path) -> Iterator[Started]:
    """Run our action server, Rasa server and web app on loopback for the block."""
    with tempfile.TemporaryDirectory(prefix="recruitbot-bench-") as var_dir, _environment(Path(var_dir)):
        seed_catalogue(load_settings())  # before the clock starts: a deployment has its vacancies already
        ports = Ports(rasa=free_port(), actions=free_port(), web=free_port())
        stack = Stack(ports, trained.model, log_dir=log_dir / "ours")
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
                yield Started("ours", {"rasa": ports.rasa, "actions": ports.actions}, cold_start)
            finally:
                stack.stop()
