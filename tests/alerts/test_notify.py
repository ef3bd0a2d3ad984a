from __future__ import annotations

import json
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from recruitbot.alerts.factory import chat_senders, connector_send
from recruitbot.alerts.model import Alert, Frequency, Status
from recruitbot.alerts.notify import (
    AlertMessage,
    ChannelNotifier,
    ConfirmationMessage,
    DeliveryError,
    EmailNotifier,
    OutboxChannelSend,
    stop_button,
)
from recruitbot.alerts.wording import Wording
from recruitbot.settings import load_settings
from recruitbot.vacancies.model import SearchCriteria, Vacancy
from tests.alerts.helpers import T0, FakeChat

TOKEN = "unsubscribe." + "A" * 22 + ".1748944860." + "B" * 43
LONG_URL = f"https://jobs.11recruitment.example/alerts/unsubscribe?token={TOKEN}"
MAILTO = "mailto:unsubscribe@example.com?subject=unsubscribe%20token"


def alert(delivery: str = "email", frequency: Frequency = Frequency.INSTANT) -> Alert:
    return Alert("Zr3kq0vPZ2nU6t7y8mQ1aA", SearchCriteria(keyword="payroll", location="Leeds"), frequency, delivery,
                 Status.ACTIVE, "", T0, T0)


def vacancy(vacancy_id: str, title: str = "Payroll Clerk") -> Vacancy:
    return Vacancy(vacancy_id, title, "Leeds", "perm", "£24,000", 24000, 24000, "Busy payroll team.",
                   f"https://jobs.example/{vacancy_id}", date(2024, 6, 1))


def message(delivery: str = "email", frequency: Frequency = Frequency.INSTANT) -> AlertMessage:
    return AlertMessage(alert(delivery, frequency), "jo@example.com" if delivery == "email" else "424242",
                        (vacancy("V1"), vacancy("V2", "Payroll Officer")), LONG_URL,
                        MAILTO, "https://x.example/erase", T0)


class KeptMail:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, email: EmailMessage) -> str:
        self.sent.append(email)
        return "outbox"


def test_unsubscribe_headers_go_out_whole_on_one_line() -> None:
    mailer = KeptMail()
    EmailNotifier(mailer, "11 Recruitment <no-reply@example.com>").send(message(frequency=Frequency.DAILY))
    raw = bytes(mailer.sent[0]).decode()
    assert f"\r\nList-Unsubscribe: <{LONG_URL}>, <{MAILTO}>\r\n" in raw
    assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    assert mailer.sent[0]["Subject"] == "Your daily job alert: payroll · Leeds"


def test_the_confirmation_email_carries_the_link_in_both_parts() -> None:
    mailer = KeptMail()
    link = "https://jobs.example/alerts/confirm?token=confirm.abc.1.x"
    EmailNotifier(mailer, "bot@example.com").send_confirmation(
        ConfirmationMessage(alert(), "jo@example.com", link, T0 + timedelta(hours=48)))
    [email] = mailer.sent
    assert "List-Unsubscribe" not in email
    plain = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = email.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert link in plain and f'href="{link}"' in html
    assert "payroll · Leeds" in plain and "05 June 2024 09:00 UTC" in plain


def test_chat_alerts_go_to_the_users_own_chat_with_cards_and_a_stop_button() -> None:
    telegram, slack = FakeChat(), FakeChat()
    ChannelNotifier({"telegram": telegram, "slack": slack}).send(message("telegram"))
    assert slack.sent == []
    [sent] = telegram.sent
    assert sent["user_id"] == "424242"
    assert sent["text"] == "2 new vacancies match your job alert (payroll · Leeds):"
    assert [card["id"] for card in sent["cards"]] == ["V1", "V2"]
    assert sent["buttons"] == [stop_button("Zr3kq0vPZ2nU6t7y8mQ1aA", Wording())]


def test_the_stop_button_fits_telegrams_64_byte_callback_data() -> None:
    payload = stop_button("Zr3kq0vPZ2nU6t7y8mQ1aA", Wording())["payload"]
    assert payload == '/unsubscribe_alerts{"alert_id":"Zr3kq0vPZ2nU6t7y8mQ1aA"}'
    assert len(payload.encode()) <= 64


def test_a_channel_without_a_sender_fails_the_delivery() -> None:
    with pytest.raises(DeliveryError, match="no sender is configured for slack"):
        ChannelNotifier({"telegram": FakeChat()}).send(message("slack"))


def test_the_offline_chat_sender_writes_json_files(tmp_path: Path) -> None:
    ChannelNotifier({"telegram": OutboxChannelSend(tmp_path, "telegram")}).send(message("telegram"))
    [written] = list((tmp_path / "telegram").iterdir())
    record = json.loads(written.read_text())
    assert (record["channel"], record["user_id"], len(record["cards"])) == ("telegram", "424242", 2)


@pytest.mark.parametrize(
    ("outcome", "permanent"), [("failed", False), ("not_configured", False), ("blocked", True),
                               ("unknown_recipient", True)]
)
def test_connector_outcomes_become_delivery_errors(outcome: str, permanent: bool) -> None:
    async def send(user_id: str, bot_message: Any, settings: Any) -> str:
        return outcome

    with pytest.raises(DeliveryError) as raised:
        connector_send(send, load_settings())("42", "text", [], [])
    assert raised.value.permanent is permanent


def test_connector_send_hands_the_connector_one_bot_message() -> None:
    received: list[Any] = []

    async def send(user_id: str, bot_message: Any, settings: Any) -> str:
        received.append((user_id, bot_message))
        return "sent"

    telegram = connector_send(send, load_settings())
    ChannelNotifier({"telegram": telegram}).send(message("telegram"))
    [(user_id, bot_message)] = received
    assert user_id == "424242" and bot_message.text.startswith("2 new vacancies")
    assert [card.id for card in bot_message.cards] == ["V1", "V2"]
    assert [button.payload for button in bot_message.buttons] == [
        '/unsubscribe_alerts{"alert_id":"Zr3kq0vPZ2nU6t7y8mQ1aA"}']


def test_chat_goes_to_the_outbox_unless_a_bot_token_is_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECRUITBOT_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:test-token")
    senders = chat_senders(load_settings())
    assert isinstance(senders["slack"], OutboxChannelSend)
    assert not isinstance(senders["telegram"], OutboxChannelSend)
