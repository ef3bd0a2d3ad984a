from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recruitbot.alerts.tokens import Links, LinkSigner, Purpose, TokenProblem, link_secret
from recruitbot.settings import load_settings
from tests.alerts.helpers import SECRET, T0

signer = LinkSigner(SECRET)


def test_a_token_gives_back_its_subject_until_it_expires() -> None:
    token = signer.sign(Purpose.UNSUBSCRIBE, "abc_DEF-123", T0 + timedelta(days=1))
    assert signer.verify(token, Purpose.UNSUBSCRIBE, T0) == "abc_DEF-123"
    assert signer.verify(token, Purpose.UNSUBSCRIBE, T0 + timedelta(days=1)) is TokenProblem.EXPIRED


def test_a_token_for_one_purpose_is_refused_for_another() -> None:
    token = signer.sign(Purpose.CONFIRM, "alert1", T0 + timedelta(days=1))
    assert signer.verify(token, Purpose.UNSUBSCRIBE, T0) is TokenProblem.INVALID
    assert signer.verify(token, Purpose.ERASE, T0) is TokenProblem.INVALID
    relabelled = token.replace("confirm.", "erase.", 1)
    assert signer.verify(relabelled, Purpose.ERASE, T0) is TokenProblem.INVALID


def test_altering_the_subject_or_expiry_breaks_the_signature() -> None:
    token = signer.sign(Purpose.ERASE, "person1", T0 + timedelta(hours=1))
    purpose, subject, expiry, signature = token.split(".")
    later = str(int(expiry) + 10 * 365 * 86400)
    assert signer.verify(f"{purpose}.person2.{expiry}.{signature}", Purpose.ERASE, T0) is TokenProblem.INVALID
    assert signer.verify(f"{purpose}.{subject}.{later}.{signature}", Purpose.ERASE, T0) is TokenProblem.INVALID


def test_a_token_signed_with_another_secret_is_forged() -> None:
    forged = LinkSigner("another-secret-" + "y" * 32).sign(Purpose.ERASE, "person1", T0 + timedelta(days=1))
    assert signer.verify(forged, Purpose.ERASE, T0) is TokenProblem.INVALID


def test_an_expired_token_is_refused_even_when_genuine() -> None:
    token = signer.sign(Purpose.CONFIRM, "alert1", T0 - timedelta(seconds=1))
    assert signer.verify(token, Purpose.CONFIRM, T0) is TokenProblem.EXPIRED


@given(st.text(max_size=200))
def test_no_arbitrary_text_is_accepted(text: str) -> None:
    for purpose in Purpose:
        assert signer.verify(text, purpose, T0) is TokenProblem.INVALID


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        LinkSigner("short")


def test_links_carry_the_token_and_the_mailto_names_it_in_the_subject() -> None:
    links = Links("https://jobs.example/", "unsubscribe@jobs.example")
    token = signer.sign(Purpose.UNSUBSCRIBE, "alert1", T0 + timedelta(days=1))
    assert links.unsubscribe(token) == f"https://jobs.example/alerts/unsubscribe?token={token}"
    assert links.confirm(token).startswith("https://jobs.example/alerts/confirm?token=")
    assert links.unsubscribe_mailto(token) == f"mailto:unsubscribe@jobs.example?subject=unsubscribe%20{token}"


def test_the_offline_secret_is_made_once_private_and_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECRUITBOT_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("RECRUITBOT_LINK_SECRET", raising=False)
    first = link_secret(load_settings())
    assert len(first) >= 32 and link_secret(load_settings()) == first
    mode = stat.S_IMODE(os.stat(tmp_path / "link-secret").st_mode)
    assert mode == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["link-secret"]
    monkeypatch.setenv("RECRUITBOT_LINK_SECRET", SECRET)
    assert link_secret(load_settings()) == SECRET
