"""Whether a domain is empty, from one empty domain made once (recruitbot/empty_domain.py), is Rasa's answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain

from recruitbot import empty_domain

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("make", [
    Domain.empty,
    lambda: Domain.from_dict({}),
    lambda: Domain.load(ROOT / "domain.yml"),
    lambda: Domain.from_dict({"intents": ["greet"]}),
    lambda: Domain.from_dict({"responses": {"utter_greet": [{"text": "Hi"}]}}),
    lambda: Domain.from_dict({"session_config": {"session_expiration_time": 5}}),
])
def test_the_answer_is_rasas(make) -> None:
    for _ in range(2):  # the empty domain's data made, then kept
        domain = make()
        assert empty_domain.is_empty(domain) == empty_domain.RASAS_IS_EMPTY(domain)
    assert empty_domain.is_empty(Domain.empty()) is True
    assert empty_domain.is_empty(Domain.load(ROOT / "domain.yml")) is False


def test_install_makes_it_every_domains(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Domain, "is_empty", empty_domain.RASAS_IS_EMPTY)
    empty_domain.install()
    assert Domain.is_empty is empty_domain.is_empty
