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

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import FrameType

from connectors.environment import credential_variables
from recruitbot import openblas
from recruitbot.alerts.factory import build_alert_service
from recruitbot.alerts.worker import AlertJobs
from recruitbot.db import shared_engine
from recruitbot.keys import action_secret
from recruitbot.places import load_gazetteer
from recruitbot.profile import ENDPOINTS, ProfileError, nginx_command, production_environment, write_nginx_config
from recruitbot.readiness import ask as ask  # the tests and tools ask the bot through here
from recruitbot.readiness import readiness_problem
from recruitbot.settings import PROJECT_ROOT, Deployment, Settings, load_deployment, load_settings
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


def child_environment(ports: Ports, deployment: Deployment | None = None) -> dict[str, str]:
    """The environment the servers run with (endpoints.yml or endpoints.production.yml reads these variables)."""
    settings = load_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("RECRUITBOT_TRACKER_DB", str(settings.var_dir / "tracker.db"))
    if deployment is not None and deployment.profile == "production":
        try:
            env.update(production_environment(settings, deployment))
        except ProfileError as exc:
            raise StartupError(str(exc)) from exc
    env["RECRUITBOT_ACTION_URL"] = f"http://127.0.0.1:{ports.actions}/webhook"
    # Rasa presents this secret to the action server (endpoints.yml), which refuses requests without it.
    env["RECRUITBOT_ACTION_SECRET"] = action_secret(settings)
    # With SQLite, the other processes have this server erase conversations (connectors/erasure.py).
    env["RECRUITBOT_RASA_URL"] = f"http://127.0.0.1:{ports.rasa}"
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # numpy's OpenBLAS takes its slower AVX2 kernels on an AMD CPU with AVX-512 (recruitbot/openblas.py).
    blas_core = openblas.server_core_type()
    if blas_core:
        env.setdefault("OPENBLAS_CORETYPE", blas_core)
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


def _server_commands(
    ports: Ports, model: Path, rasa_ports: list[int], deployment: Deployment, var_dir: Path
) -> dict[str, list[str]]:
    """The command of each server. Production: a Rasa server on each of ``rasa_ports``, nginx on RASA_PORT."""
    python = sys.executable
    endpoints = ENDPOINTS[deployment.profile]

    def rasa(port: int) -> list[str]:
        return [
            python, "-m", "recruitbot.rasa_server", "run",
            "--model", str(model),
            "--port", str(port),
            "--credentials", "credentials.yml",
            "--endpoints", endpoints,
        ]

    commands = {"actions": [python, "-m", "recruitbot.action_server", "--actions", "actions",
                            "--port", str(ports.actions)]}
    if deployment.profile == "production":
        commands |= {f"rasa-{number}": rasa(port) for number, port in enumerate(rasa_ports, start=1)}
        try:
            config = write_nginx_config(ports.rasa, rasa_ports, var_dir, deployment.edge_requests_per_minute)
            commands["proxy"] = nginx_command(config)
        except ProfileError as exc:
            raise StartupError(str(exc)) from exc
    else:
        commands["rasa"] = rasa(ports.rasa)
    commands["web"] = [python, "-m", "recruitbot.web", "--port", str(ports.web)]  # channels: the web app
    return commands


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
        self, ports: Ports, model: Path, log_dir: Path | None = None, after_seed: ImportHook | None = None,
        deployment: Deployment | None = None,
    ) -> None:
        """Serve ``model`` on ``ports``; ``after_seed`` gets the report when the sample feed is loaded.

        ``deployment`` (default: from the environment) chooses the profile (recruitbot.profile).
        """
        self.ports = ports
        self.model = model
        self.deployment = deployment or load_deployment()
        # The Rasa servers' own ports: RASA_PORT itself, or in production the servers behind nginx.
        self.rasa_ports: list[int] = []
        self.tracker_store_url = ""
        self._log_dir = log_dir
        self._after_seed = after_seed
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._commands: dict[str, list[str]] = {}
        self._env: dict[str, str] = {}

    def start(self) -> None:
        """Start the servers and wait until each is ready (the bot answers a canary message)."""
        for port in (self.ports.rasa, self.ports.actions, self.ports.web):
            if _port_taken(port):
                raise StartupError(
                    f"port {port} is already in use: stop what uses it or set RASA_PORT/ACTION_PORT/WEB_PORT")
        settings = load_settings()
        self._env = child_environment(self.ports, self.deployment)
        production = self.deployment.profile == "production"
        self.rasa_ports = (
            [free_port() for _ in range(self.deployment.rasa_servers)] if production else [self.ports.rasa])
        self.tracker_store_url = self._env.get("RECRUITBOT_TRACKER_STORE_URL") or settings.tracker_store_url
        self._commands = _server_commands(self.ports, self.model, self.rasa_ports, self.deployment, settings.var_dir)
        seed_catalogue(settings, self._after_seed)
        for name in self._commands:
            self._launch(name)
        self._wait_ready()

    @property
    def rasa_servers(self) -> list[str]:
        """The names of the Rasa servers ("rasa", or "rasa-1", "rasa-2"... behind nginx)."""
        return [name for name in self._commands if name == "rasa" or name.startswith("rasa-")]

    def pid(self, name: str) -> int:
        """The process id of the named server ("rasa", "actions", "web", ...)."""
        return self._processes[name].pid

    def restart(self, *names: str) -> None:
        """Stop the named servers, start them again as they were, and wait until every server is ready."""
        for name in names:
            self.stop_server(name)
        for name in names:
            self._launch(name)
        self._wait_ready()

    def _launch(self, name: str) -> None:
        output = None
        if self._log_dir:
            self._log_dir.mkdir(parents=True, exist_ok=True)
            output = (self._log_dir / f"{name}.log").open("ab")
        # A session of its own: Ctrl-C reaches only us, and we stop the children in order.
        self._processes[name] = subprocess.Popen(
            self._commands[name], cwd=PROJECT_ROOT, env=self._env, stdout=output, stderr=output,
            start_new_session=True,
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        # Each check gives why its server is not ready yet, or None.
        checks: list[tuple[str, Callable[[], str | None]]] = [
            ("actions", lambda: None if _action_server_up(self.ports.actions) else "no answer on /health")]
        names = [f"rasa-{n}" for n in range(1, len(self.rasa_ports) + 1)] if len(self.rasa_ports) > 1 else ["rasa"]
        secret = self._env["RECRUITBOT_ACTION_SECRET"]
        checks += [(name, partial(readiness_problem, port, self.tracker_store_url, secret=secret))
                   for name, port in zip(names, self.rasa_ports, strict=True)]
        if self.ports.rasa not in self.rasa_ports:  # production: nginx in front of them
            checks.append(("proxy", partial(readiness_problem, self.ports.rasa, self.tracker_store_url,
                                            secret=secret)))
        checks.append(("web", lambda: None if _web_app_up(self.ports.web) else "no answer on /healthz"))
        for name, check in checks:
            while (problem := check()) is not None:
                self.raise_if_exited()
                if time.monotonic() > deadline:
                    raise StartupError(
                        f"the {name} server did not become ready in {READY_TIMEOUT_S:.0f} s: {problem}")
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
            _wait_or_kill(process)
        self._processes.clear()

    def stop_server(self, name: str) -> None:
        """Stop one server ("actions", "rasa" or "web"), to see how the others cope; ``stop()`` stops the rest."""
        process = self._processes[name]
        process.terminate()
        _wait_or_kill(process)

    @contextmanager
    def running(self) -> Iterator[Stack]:
        """Start the servers for the ``with`` block and stop them after it."""
        try:
            self.start()
            yield self
        finally:
            self.stop()


def _wait_or_kill(process: subprocess.Popen[bytes]) -> None:
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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


def _deployment() -> Deployment:
    try:
        return load_deployment()
    except ValueError as exc:
        raise StartupError(str(exc)) from exc


def _raise_keyboard_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the bot (or, with --jobs-only, only its background jobs) until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(description="Run recruitbot: its servers and its background jobs.")
    parser.add_argument("--jobs-only", action="store_true",
                        help="run only the background jobs (feed sync, alert dispatch and purge, retention), "
                             "for a deployment whose servers run on their own (deploy/compose.yml)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    _log_to_stderr()
    syncing: FeedSync | None = None
    jobs: AlertJobs | None = None
    try:
        ports = Ports.from_env()
        model = model_path()
        if not model.exists() and not args.jobs_only:
            raise StartupError("no trained model for the current data: run `make run` (it trains first)")
        deployment = _deployment()
        if deployment.profile == "production":
            # This process's own jobs ("forget me", retention) erase from the same tracker store.
            try:
                os.environ.update(production_environment(load_settings(), deployment))
            except ProfileError as exc:
                raise StartupError(str(exc)) from exc
        settings = load_settings()
        jobs = alert_jobs(settings)
        if args.jobs_only:
            seed_catalogue(settings, jobs.after_import)
            jobs.start()
            syncing = start_feed_sync(settings, jobs.after_import)
            print(f"recruitbot jobs running ({deployment.profile} profile). Press Ctrl-C to stop.", file=sys.stderr,
                  flush=True)
            while True:
                time.sleep(1)
        stack = Stack(ports, model, after_seed=jobs.after_import, deployment=deployment)
        print(f"starting recruitbot (model {model.name}, {deployment.profile} profile); this takes about a minute...",
              file=sys.stderr)
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
