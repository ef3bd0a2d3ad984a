"""How the channels are configured: credentials.yml variables, ports, origins and the shared secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.environment import credential_variables
from recruitbot.keys import action_secret
from recruitbot.run import Ports, StartupError, child_environment
from recruitbot.settings import load_settings
from recruitbot.web.sessions import session_secret
from tests.channels.conftest import ROOT

CHANNEL_VARIABLES = ["RECRUITBOT_SESSION_SECRET", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "TELEGRAM_BOT_TOKEN",
                     "TELEGRAM_WEBHOOK_URL", "TELEGRAM_SECRET_TOKEN", "RECRUITBOT_ACTION_SECRET"]


def test_credentials_take_every_secret_from_the_environment(tmp_path: Path) -> None:
    assert credential_variables(ROOT / "credentials.yml") == CHANNEL_VARIABLES
    sample = tmp_path / "credentials.yml"
    sample.write_text("a:\n  b: ${ONE}  # not ${IN_A_COMMENT}\n  c: x${TWO}y\n  d: ${ONE}\n")
    assert credential_variables(sample) == ["ONE", "TWO"]


def test_the_servers_share_the_session_secret_and_unset_channels_stay_off(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECRUITBOT_VAR_DIR", str(tmp_path))
    for name in CHANNEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-set")

    env = child_environment(Ports(rasa=5101, actions=5151, web=8101))

    assert env["RECRUITBOT_SESSION_SECRET"] == session_secret(load_settings())
    assert (env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"], env["TELEGRAM_BOT_TOKEN"]) == ("xoxb-set", "", "")
    assert (env["RASA_PORT"], env["WEB_PORT"]) == ("5101", "8101")
    # The erasure channel (connectors/erasure.py) checks the secret the action server and jobs present.
    assert env["RECRUITBOT_ACTION_SECRET"] == action_secret(load_settings())
    assert env["RECRUITBOT_RASA_URL"] == "http://127.0.0.1:5101"


def test_allowed_origins_follow_the_web_port_unless_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECRUITBOT_ALLOWED_ORIGINS", raising=False)
    monkeypatch.setenv("WEB_PORT", "8123")
    assert load_settings().allowed_origins == ("http://localhost:8123", "http://127.0.0.1:8123")
    monkeypatch.setenv("RECRUITBOT_ALLOWED_ORIGINS", " https://www.11recruitment.co.uk/ ,https://jobs.example,")
    assert load_settings().allowed_origins == ("https://www.11recruitment.co.uk", "https://jobs.example")


def test_the_web_port_comes_from_web_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_PORT", "8200")
    assert Ports.from_env().web == 8200
    monkeypatch.setenv("WEB_PORT", "eighty")
    with pytest.raises(StartupError, match="WEB_PORT"):
        Ports.from_env()
