from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from recruitbot.alerts.factory import build_alert_service
from recruitbot.alerts.model import Frequency
from recruitbot.alerts.service import AlertService
from recruitbot.cli import main
from recruitbot.db import shared_engine
from recruitbot.places import load_gazetteer
from recruitbot.schema import alert_deliveries
from recruitbot.settings import load_settings
from recruitbot.vacancies.model import SearchCriteria
from tests.alerts.helpers import CONSENT, SECRET, WEB, at, import_vacancies
from tests.vacancies.builders import record


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An offline installation in ``tmp_path``: SQLite, outbox mail, no chat tokens."""
    for name in ("SMTP_HOST", "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "RECRUITBOT_TRACKER_STORE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECRUITBOT_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RECRUITBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RECRUITBOT_LINK_SECRET", SECRET)
    return tmp_path


@pytest.fixture
def run(configured: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    def run_command(*args: str) -> tuple[int, str, str]:
        status = main(["alerts", *args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run_command


def signed_up(email: str = "jo@example.com") -> AlertService:
    service = build_alert_service(load_settings())
    outcome = service.start_signup(WEB, SearchCriteria(keyword="marketing", location="Leeds"), Frequency.INSTANT,
                                   CONSENT, email=email, now=at(0))
    assert outcome.confirmation_token is not None
    service.confirm_link(outcome.confirmation_token, now=at(1))
    return service


def test_dispatch_sends_once_to_the_outbox_and_says_what_it_did(run: Any, configured: Path) -> None:
    signed_up()
    engine = shared_engine(load_settings().database_url)
    import_vacancies(engine, load_gazetteer(), [record("V1", title="Marketing Executive")], now=at(30))

    status, out, err = run("dispatch", "--now", at(31).isoformat())
    assert (status, err) == (0, "")
    assert out == "scanned 1 new vacancies, 1 matches; sent 1 messages (1 vacancies); 0 failed, 0 given up, " \
                  "0 closed before sending\n"
    assert run("dispatch", "--now", "2024-06-03T10:32:00+01:00")[1].startswith("scanned 0 new vacancies")
    assert len(list((configured / "outbox").glob("*.eml"))) == 2  # the confirmation and one alert


def test_dispatch_warns_about_deliveries_a_crash_left_in_doubt(run: Any) -> None:
    signed_up()
    engine = shared_engine(load_settings().database_url)
    import_vacancies(engine, load_gazetteer(), [record("V1", title="Marketing Executive")], now=at(30))
    run("dispatch", "--now", at(31).isoformat())
    with engine.begin() as connection:
        connection.execute(update(alert_deliveries).values(status="sending", claimed_at=at(31)))
    status, _, err = run("dispatch", "--now", at(40).isoformat())
    assert status == 0 and err.startswith("warning: 1 deliveries were interrupted mid-send")


def test_purge_expired_and_list(run: Any) -> None:
    service = build_alert_service(load_settings())
    hr = SearchCriteria(keyword="hr")
    service.start_signup(WEB, hr, Frequency.DAILY, CONSENT, email="sam@example.com", now=at(0))
    signed_up()
    status, out, _ = run("list", "--email", "Jo@Example.com")
    assert status == 0 and " active   instant  email     keyword='marketing' location='Leeds'  created " in out
    assert run("purge-expired", "--now", at(47 * 60).isoformat())[1].startswith("purged 0 unconfirmed sign-ups")
    status, out, _ = run("purge-expired", "--now", at(48 * 60).isoformat())
    assert (status, out) == (0, "purged 1 unconfirmed sign-ups and 1 people; erased 0 conversations after forget-me\n")
    assert run("list", "--email", "sam@example.com")[1] == "no alerts for sam@example.com\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dispatch", "--now", "tomorrow"], "'tomorrow' is not an ISO date-time"),
        (["list"], "the following arguments are required: --email"),
        (["worker", "--interval-minutes", "0"], "'0' is not a positive number of minutes"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    configured: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["alerts", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_short_link_secret_is_an_operator_error(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECRUITBOT_LINK_SECRET", "too-short")
    status, _, err = run("dispatch")
    assert (status, err) == (1, "recruitbot: error: RECRUITBOT_LINK_SECRET must be at least 32 characters long\n")
