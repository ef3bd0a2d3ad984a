"""Configuration read from environment variables, with safe offline defaults.

Every other module asks this one; nothing else reads ``os.environ`` for configuration.
Secrets come only from the environment and are never given defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


def _env_list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    # A comma-separated list; origins are compared exactly, so trailing slashes are dropped.
    items = tuple(item.strip().rstrip("/") for item in os.environ.get(name, "").split(","))
    return tuple(item for item in items if item) or default


@dataclass(frozen=True)
class Settings:
    """A snapshot of the configuration for one process."""

    var_dir: Path
    database_url: str
    outbox_dir: Path
    agency_inbox: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str = field(repr=False)
    smtp_starttls: bool = True
    smtp_from: str = "11 Recruitment <no-reply@11recruitment.example>"
    office_hours: str = "Mon-Fri 09:00-17:30"
    office_timezone: str = "Europe/London"
    reply_within_hours: int = 4
    feed_url: str = ""
    feed_interval_minutes: int = 60
    # Channels (docs/channels.md): the web app, the widget's signed sessions, Slack and Telegram.
    web_port: int = 8000
    rasa_port: int = 5005
    chat_url: str = ""
    allowed_origins: tuple[str, ...] = ()
    session_secret: str = field(default="", repr=False)
    slack_bot_token: str = field(default="", repr=False)
    slack_api_base: str = "https://slack.com/api/"
    telegram_bot_token: str = field(default="", repr=False)
    telegram_api_base: str = "https://api.telegram.org"
    # Job alerts (recruitbot.alerts): links in emails, the tracker store "forget me" erases,
    # how long a sign-up waits for confirmation, when digests go out, delivery retries.
    public_url: str = "http://localhost:8000"
    link_secret: str = field(default="", repr=False)
    tracker_store_url: str = field(default="", repr=False)
    tracker_key_prefix: str = ""
    # The Rasa server that erases from an SQLite tracker store for the other processes (connectors/erasure.py).
    rasa_url: str = "http://127.0.0.1:5005"
    alerts_confirm_hours: int = 48
    alerts_link_days: int = 365
    alerts_digest_hour: int = 8
    alerts_retry_minutes: int = 5
    alerts_max_attempts: int = 6
    alerts_unsubscribe_mailbox: str = ""
    # The background jobs (recruitbot.alerts.worker): how often to dispatch and to purge.
    alerts_dispatch_seconds: int = 60
    alerts_purge_minutes: int = 10
    # The action server (recruitbot.action_server): the secret Rasa presents to it, and how long
    # Rasa waits for a custom action before the user gets an apology (recruitbot.rasa_server).
    action_secret: str = field(default="", repr=False)
    action_timeout_seconds: float = 2.5
    # Conversations idle for longer than this are deleted whole by the purge (0 keeps them forever).
    retention_days: int = 90


def load_settings() -> Settings:
    """Read the settings from the environment now (tests change the environment)."""
    var_dir = Path(_env("RECRUITBOT_VAR_DIR", str(PROJECT_ROOT / "var")))
    web_port = _env_int("WEB_PORT", 8000)
    return Settings(
        var_dir=var_dir,
        database_url=_env("RECRUITBOT_DATABASE_URL", f"sqlite:///{var_dir / 'recruitbot.db'}"),
        outbox_dir=Path(_env("RECRUITBOT_OUTBOX_DIR", str(var_dir / "outbox"))),
        agency_inbox=_env("RECRUITBOT_AGENCY_INBOX", "candidates@11recruitment.example"),
        smtp_host=_env("SMTP_HOST", ""),
        smtp_port=_env_int("SMTP_PORT", 587),
        smtp_user=_env("SMTP_USER", ""),
        smtp_password=os.environ.get("SMTP_PASSWORD", ""),
        smtp_starttls=_env_bool("SMTP_STARTTLS", True),
        smtp_from=_env("SMTP_FROM", "11 Recruitment <no-reply@11recruitment.example>"),
        office_hours=_env("RECRUITBOT_OFFICE_HOURS", "Mon-Fri 09:00-17:30"),
        office_timezone=_env("RECRUITBOT_OFFICE_TIMEZONE", "Europe/London"),
        reply_within_hours=_env_int("RECRUITBOT_REPLY_WITHIN_HOURS", 4),
        feed_url=_env("RECRUITBOT_FEED_URL", ""),
        feed_interval_minutes=_env_int("RECRUITBOT_FEED_INTERVAL_MINUTES", 60),
        # Channels (docs/channels.md).
        web_port=web_port,
        rasa_port=_env_int("RASA_PORT", 5005),
        chat_url=_env("RECRUITBOT_CHAT_URL", "").rstrip("/"),
        allowed_origins=_env_list(
            "RECRUITBOT_ALLOWED_ORIGINS", (f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}")),
        session_secret=os.environ.get("RECRUITBOT_SESSION_SECRET", "").strip(),
        slack_bot_token=os.environ.get("SLACK_BOT_TOKEN", "").strip(),
        slack_api_base=_env("SLACK_API_BASE", "https://slack.com/api/"),
        telegram_bot_token=os.environ.get("TELEGRAM_BOT_TOKEN", "").strip(),
        telegram_api_base=_env("TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/"),
        # Job alerts.
        public_url=_env("RECRUITBOT_PUBLIC_URL", f"http://localhost:{web_port}").rstrip("/"),
        link_secret=os.environ.get("RECRUITBOT_LINK_SECRET", "").strip(),
        tracker_store_url=_env(
            "RECRUITBOT_TRACKER_STORE_URL",
            f"sqlite:///{_env('RECRUITBOT_TRACKER_DB', str(var_dir / 'tracker.db'))}",
        ),
        tracker_key_prefix=_env("RECRUITBOT_TRACKER_KEY_PREFIX", ""),
        rasa_url=_env("RECRUITBOT_RASA_URL", f"http://127.0.0.1:{_env_int('RASA_PORT', 5005)}").rstrip("/"),
        alerts_confirm_hours=_env_int("RECRUITBOT_ALERTS_CONFIRM_HOURS", 48),
        alerts_link_days=_env_int("RECRUITBOT_ALERTS_LINK_DAYS", 365),
        alerts_digest_hour=_env_int("RECRUITBOT_ALERTS_DIGEST_HOUR", 8),
        alerts_retry_minutes=_env_int("RECRUITBOT_ALERTS_RETRY_MINUTES", 5),
        alerts_max_attempts=_env_int("RECRUITBOT_ALERTS_MAX_ATTEMPTS", 6),
        alerts_unsubscribe_mailbox=_env("RECRUITBOT_ALERTS_UNSUBSCRIBE_MAILBOX", ""),
        alerts_dispatch_seconds=_env_int("RECRUITBOT_ALERTS_DISPATCH_SECONDS", 60),
        alerts_purge_minutes=_env_int("RECRUITBOT_ALERTS_PURGE_MINUTES", 10),
        action_secret=os.environ.get("RECRUITBOT_ACTION_SECRET", "").strip(),
        action_timeout_seconds=_env_float("RECRUITBOT_ACTION_TIMEOUT_SECONDS", 2.5),
        retention_days=_env_int("RECRUITBOT_RETENTION_DAYS", 90),
    )


@dataclass(frozen=True)
class EdgeLimits:
    """Limits on what users send through the REST and widget channels (docs/channels.md); 0 turns a rate off."""

    max_message_chars: int = 4000
    max_request_bytes: int = 64 * 1024
    session_messages_per_minute: int = 30
    ip_messages_per_minute: int = 120
    # Proxies (addresses or networks) whose X-Forwarded-For is believed; none by default.
    trusted_proxies: tuple[str, ...] = ()


def load_edge_limits() -> EdgeLimits:
    """Read the edge limits from the environment now."""
    return EdgeLimits(
        max_message_chars=_env_int("RECRUITBOT_MAX_MESSAGE_CHARS", 4000),
        max_request_bytes=_env_int("RECRUITBOT_MAX_REQUEST_BYTES", 64 * 1024),
        session_messages_per_minute=_env_int("RECRUITBOT_SESSION_MESSAGES_PER_MINUTE", 30),
        ip_messages_per_minute=_env_int("RECRUITBOT_IP_MESSAGES_PER_MINUTE", 120),
        trusted_proxies=_env_list("RECRUITBOT_TRUSTED_PROXIES", ()),
    )


PROFILES = ("default", "production")


@dataclass(frozen=True)
class Deployment:
    """How the servers are laid out (recruitbot.profile): the embedded default or the production profile."""

    profile: str = "default"
    # Production: Rasa servers behind nginx, sharing PostgreSQL (trackers) and Redis (locks).
    rasa_servers: int = 2
    redis_url: str = "redis://127.0.0.1:6379/1"
    # nginx's limit per client address in front of the servers (429 beyond); 0 turns it off.
    edge_requests_per_minute: int = 600


def load_deployment() -> Deployment:
    """Read the deployment from the environment now (RECRUITBOT_PROFILE and the settings it brings)."""
    profile = _env("RECRUITBOT_PROFILE", "default").lower()
    if profile not in PROFILES:
        raise ValueError(f"RECRUITBOT_PROFILE must be one of {', '.join(PROFILES)}, not {profile!r}")
    servers = _env_int("RECRUITBOT_RASA_SERVERS", max(2, os.cpu_count() or 1))
    if servers < 1:
        raise ValueError(f"RECRUITBOT_RASA_SERVERS must be at least 1, not {servers}")
    return Deployment(profile=profile, rasa_servers=servers,
                      redis_url=_env("RECRUITBOT_REDIS_URL", "redis://127.0.0.1:6379/1"),
                      edge_requests_per_minute=_env_int("RECRUITBOT_EDGE_REQUESTS_PER_MINUTE", 600))
