"""Start the whole bot: the action server, the Rasa server and the web app, ready-checked, stopped together.

`make run` calls this after setup. Ports come from RASA_PORT (5005), ACTION_PORT (5055) and
WEB_PORT (8000). Ctrl-C (or SIGTERM) stops every process cleanly.

This process also runs the background work, and is the only one that does: the feed sync
(RECRUITBOT_FEED_URL) and the job alerts' jobs (:mod:`recruitbot.alerts.worker`): matching
after every import (the first start's sample feed included), a periodic dispatch (digests,
retries) and a periodic purge (expired sign-ups, "forget me"). The web app answers the links
in alert emails.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from connectors.environment import credential_variables
from recruitbot.alerts.factory import build_alert_service
from recruitbot.alerts.worker import AlertJobs
from recruitbot.db import shared_engine
from recruitbot.places import load_gazetteer
from recruitbot.settings import PROJECT_ROOT, Settings, load_settings
from recruitbot.train import model_path
from recruitbot.vacancies.importer import ImportReport
from recruitbot.vacancies.sample import seed_if_empty
from recruitbot.vacancies.schedule import FeedSync, ImportHook
from recruitbot.web.sessions import session_secret

READY_TIMEOUT_S = 240.0

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """The bot could not start; the message says why and what to do."""


@dataclass(frozen=True)
class Ports:
    """The TCP ports the bot listens on (all on this host)."""

    rasa: int = 5005
    actions: int = 5055
    web: int = 8000  # channels: the web app (widget.js, widget sessions, demo page)

    @classmethod
    def from_env(cls) -> Ports:
        """Ports from RASA_PORT, ACTION_PORT and WEB_PORT, with the defaults above."""
        try:
            return cls(
                rasa=int(os.environ.get("RASA_PORT") or cls.rasa),
                actions=int(os.environ.get("ACTION_PORT") or cls.actions),
                web=int(os.environ.get("WEB_PORT") or cls.web),
            )
        except ValueError as exc:
            raise StartupError(f"RASA_PORT, ACTION_PORT and WEB_PORT must be port numbers ({exc})") from exc


def free_port() -> int:
    """A TCP port that is free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def child_environment(ports: Ports) -> dict[str, str]:
    """The environment both servers run with (endpoints.yml reads these variables)."""
    settings = load_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("RECRUITBOT_TRACKER_DB", str(settings.var_dir / "tracker.db"))
    env["RECRUITBOT_ACTION_URL"] = f"http://127.0.0.1:{ports.actions}/webhook"
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Rasa's dependencies warn about their own dependencies on every start; the operator can't act on it.
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    # Channels: the web app and Rasa's socket.io channel sign and check widget sessions with one
    # secret; both derive their URLs and allowed origins from the ports; credentials.yml
    # variables left unset become empty, which leaves those channels (Slack, Telegram) off.
    env["RASA_PORT"], env["WEB_PORT"] = str(ports.rasa), str(ports.web)
    env["RECRUITBOT_SESSION_SECRET"] = session_secret(settings)
    for name in credential_variables(PROJECT_ROOT / "credentials.yml"):
        env.setdefault(name, "")
    return env


def _server_commands(ports: Ports, model: Path) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "actions": [python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(ports.actions)],
        "rasa": [
            python, "-m", "rasa", "run",
            "--model", str(model),
            "--port", str(ports.rasa),
            "--credentials", "credentials.yml",
            "--endpoints", "endpoints.yml",
        ],
        "web": [python, "-m", "recruitbot.web", "--port", str(ports.web)],  # channels: the web app
    }


def ask(port: int, sender: str, text: str, timeout: float = 30.0) -> list[dict[str, object]]:
    """Send one message over the REST channel and return the bot's replies."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        replies: list[dict[str, object]] = json.load(response)
        return replies


def _answers_canary(port: int) -> bool:
    # GET / answers 200 even when no model loaded; only a real reply proves readiness.
    try:
        return bool(ask(port, f"readiness-{uuid.uuid4().hex}", "hello", timeout=10))
    except (OSError, urllib.error.URLError, ValueError):
        return False


def _answers_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _action_server_up(port: int) -> bool:
    return _answers_ok(f"http://127.0.0.1:{port}/health")


def _web_app_up(port: int) -> bool:
    # Channels: the web app answers /healthz once it has built widget.js and read the session secret.
    return _answers_ok(f"http://127.0.0.1:{port}/healthz")


class Stack:
    """The running servers; use ``running()`` to start them and stop them afterwards."""

    def __init__(
        self, ports: Ports, model: Path, log_dir: Path | None = None, after_seed: ImportHook | None = None
    ) -> None:
        """Serve ``model`` on ``ports``; ``after_seed`` gets the report when the sample feed is loaded."""
        self.ports = ports
        self.model = model
        self._log_dir = log_dir
        self._after_seed = after_seed
        self._processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        """Start the servers and wait until each is ready (the bot answers a canary message)."""
        for port in (self.ports.rasa, self.ports.actions, self.ports.web):
            if _port_taken(port):
                raise StartupError(
                    f"port {port} is already in use: stop what uses it or set RASA_PORT/ACTION_PORT/WEB_PORT")
        seed_catalogue(load_settings(), self._after_seed)
        env = child_environment(self.ports)
        for name, command in _server_commands(self.ports, self.model).items():
            output = None
            if self._log_dir:
                self._log_dir.mkdir(parents=True, exist_ok=True)
                output = (self._log_dir / f"{name}.log").open("ab")
            # A session of its own: Ctrl-C reaches only us, and we stop the children in order.
            self._processes[name] = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=output, start_new_session=True
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        checks = (("actions", lambda: _action_server_up(self.ports.actions)),
                  ("rasa", lambda: _answers_canary(self.ports.rasa)),
                  ("web", lambda: _web_app_up(self.ports.web)))
        for name, check in checks:
            while not check():
                self.raise_if_exited()
                if time.monotonic() > deadline:
                    raise StartupError(f"the {name} server did not become ready in {READY_TIMEOUT_S:.0f} s")
                time.sleep(0.5)

    def raise_if_exited(self) -> None:
        """Raise StartupError if any server has stopped."""
        for name, process in self._processes.items():
            if process.poll() is not None:
                raise StartupError(f"the {name} server exited with code {process.returncode}")

    def stop(self) -> None:
        """Stop every server: SIGTERM, then SIGKILL after 15 s."""
        for process in self._processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self._processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()

    @contextmanager
    def running(self) -> Iterator[Stack]:
        """Start the servers for the ``with`` block and stop them after it."""
        try:
            self.start()
            yield self
        finally:
            self.stop()


def seed_catalogue(settings: Settings, after_import: ImportHook | None = None) -> ImportReport | None:
    """Load the sample feed into a catalogue with no open vacancy (a new installation); then call ``after_import``.

    The sample module logs what it loaded. A failing ``after_import`` is logged; the seed stands.
    """
    seeded = seed_if_empty(shared_engine(settings.database_url), load_gazetteer())
    if seeded and after_import:
        try:
            after_import(seeded)
        except Exception as exc:  # the catalogue is loaded; matching catches up at the next dispatch
            log.error("after loading the sample feed, matching new vacancies failed (%s)", type(exc).__name__)
            log.debug("after-import hook failed", exc_info=True)
    return seeded


def alert_jobs(settings: Settings) -> AlertJobs:
    """The job alerts' background jobs (not started), at the intervals the settings ask for."""
    try:
        return AlertJobs.from_settings(build_alert_service(settings), settings)
    except ValueError as exc:
        raise StartupError(f"cannot run the job alerts: {exc}") from exc


def feed_sync(settings: Settings, after_import: ImportHook | None = None) -> FeedSync | None:
    """The sync from RECRUITBOT_FEED_URL every RECRUITBOT_FEED_INTERVAL_MINUTES (not started); None without a URL."""
    if not settings.feed_url:
        return None
    return FeedSync(shared_engine(settings.database_url), load_gazetteer(), settings.feed_url,
                    settings.feed_interval_minutes * 60, after_import=after_import)


def start_feed_sync(settings: Settings, after_import: ImportHook | None = None) -> FeedSync | None:
    """Start the feed sync (``after_import`` gets each import's report), when a URL is set."""
    sync = feed_sync(settings, after_import)
    if sync is None:
        return None
    sync.start()
    print(f"syncing vacancies from {settings.feed_url} every {settings.feed_interval_minutes} min", file=sys.stderr)
    return sync


def _log_to_stderr() -> None:
    """Show this process's own INFO logs (imports, alert jobs: counts, no addresses) on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("recruitbot")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _raise_keyboard_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """Run the bot until Ctrl-C or SIGTERM."""
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    _log_to_stderr()
    syncing: FeedSync | None = None
    jobs: AlertJobs | None = None
    try:
        ports = Ports.from_env()
        model = model_path()
        if not model.exists():
            raise StartupError("no trained model for the current data: run `make run` (it trains first)")
        settings = load_settings()
        jobs = alert_jobs(settings)
        stack = Stack(ports, model, after_seed=jobs.after_import)
        print(f"starting recruitbot (model {model.name}); this takes about a minute...", file=sys.stderr)
        with stack.running():
            jobs.start()
            syncing = start_feed_sync(settings, jobs.after_import)
            print(
                "\nrecruitbot is ready:\n"
                f"  REST       POST http://localhost:{ports.rasa}/webhooks/rest/webhook\n"
                f"  socket.io  http://localhost:{ports.rasa}/socket.io\n"
                f"  actions    http://localhost:{ports.actions}/webhook\n"
                f"  widget     http://localhost:{ports.web}/ (demo page; script at /widget.js)\n"
                f"  alerts     email links open {settings.public_url}/alerts/...; dispatch every "
                f"{settings.alerts_dispatch_seconds} s, purge every {settings.alerts_purge_minutes} min\n"
                "Press Ctrl-C to stop.",
                file=sys.stderr,
                flush=True,
            )
            while True:
                stack.raise_if_exited()
                time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopped recruitbot", file=sys.stderr)
        return 0
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if syncing:
            syncing.stop()
        if jobs:
            jobs.stop()


if __name__ == "__main__":
    sys.exit(main())
