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


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


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


def load_settings() -> Settings:
    """Read the settings from the environment now (tests change the environment)."""
    var_dir = Path(_env("RECRUITBOT_VAR_DIR", str(PROJECT_ROOT / "var")))
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
    )
