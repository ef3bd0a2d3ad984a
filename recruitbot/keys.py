"""Secrets from the environment, or generated once and kept in the var directory.

An offline install has no secrets configured; generating one per process would break signed
links and sessions at every restart, so the first one generated is kept in a file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from recruitbot.settings import Settings

# The secret the bot's own processes share: Rasa presents it to the action server, and the
# action server, web app and supervisor present it to Rasa's erasure routes (connectors/erasure.py).
SECRET_HEADER = "X-Recruitbot-Action-Secret"
ACTION_SECRET_FILE_NAME = "action-secret"


def action_secret(settings: Settings) -> str:
    """RECRUITBOT_ACTION_SECRET, or else the one kept in var/ (shared by the bot's processes)."""
    return kept_secret(settings.action_secret, settings.var_dir, ACTION_SECRET_FILE_NAME)


def kept_secret(configured: str, var_dir: Path, file_name: str) -> str:
    """``configured`` when set; otherwise the secret kept in ``var_dir/file_name`` (created on first use)."""
    if configured:
        return configured
    path = var_dir / file_name
    if not path.exists():
        _create_secret_file(path)
    return path.read_text(encoding="ascii").strip()


def _create_secret_file(path: Path) -> None:
    """Write a new random secret to ``path``, readable by its owner only, unless one appeared first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, path)  # a hard link appears whole or not at all; if another process won, theirs stays
    except FileExistsError:
        pass
    finally:
        draft.unlink()
