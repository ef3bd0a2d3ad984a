"""The one place that picks the alerts' real or offline parts from the settings.

Email goes by SMTP when SMTP_HOST is set, else to .eml files in the outbox. Telegram and
Slack go through the connectors when their bot tokens are set, else to JSON files in the
outbox. Conversations are erased from the tracker store RECRUITBOT_TRACKER_STORE_URL names.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from recruitbot.alerts.conversations import conversation_store
from recruitbot.alerts.model import CHAT_CHANNELS, EMAIL
from recruitbot.alerts.notify import ChannelNotifier, ChannelSend, DeliveryError, EmailNotifier, OutboxChannelSend
from recruitbot.alerts.policy import AlertPolicy
from recruitbot.alerts.service import AlertService
from recruitbot.alerts.tokens import Links, LinkSigner, link_secret
from recruitbot.alerts.wording import Wording
from recruitbot.db import shared_engine
from recruitbot.mail import make_mailer
from recruitbot.places import load_gazetteer
from recruitbot.settings import Settings

# What the connectors' proactive senders report; these two will not get better by retrying.
_PERMANENT_OUTCOMES = ("blocked", "unknown_recipient")

ConnectorSend = Callable[[str, Any, Settings], Coroutine[Any, Any, str]]


def build_alert_service(settings: Settings, channel_senders: Mapping[str, ChannelSend] | None = None) -> AlertService:
    """The alert service the configuration asks for; ``channel_senders`` replace the chat senders (tests)."""
    wording = Wording()
    email = EmailNotifier(make_mailer(settings), settings.smtp_from, wording)
    senders = {**chat_senders(settings), **(channel_senders or {})}
    chat = ChannelNotifier(senders, wording)
    return AlertService(
        engine=shared_engine(settings.database_url),
        gazetteer=load_gazetteer(),
        signer=LinkSigner(link_secret(settings)),
        links=Links(settings.public_url, settings.alerts_unsubscribe_mailbox or settings.agency_inbox),
        notifiers={EMAIL: email, **dict.fromkeys(CHAT_CHANNELS, chat)},
        confirmations=email,
        conversations=conversation_store(settings),
        policy=AlertPolicy.from_settings(settings),
    )


def chat_senders(settings: Settings) -> dict[str, ChannelSend]:
    """The connectors' proactive senders for the channels with a bot token, the outbox for the others."""
    senders: dict[str, ChannelSend] = {
        channel: OutboxChannelSend(settings.outbox_dir, channel) for channel in CHAT_CHANNELS
    }
    if settings.telegram_bot_token:
        from connectors.telegram_api import send_telegram_message

        senders["telegram"] = connector_send(send_telegram_message, settings)
    if settings.slack_bot_token:
        from connectors.slack_api import send_slack_message

        senders["slack"] = connector_send(send_slack_message, settings)
    return senders


def connector_send(send: ConnectorSend, settings: Settings) -> ChannelSend:
    """A :class:`ChannelSend` over a connector's ``async send(user_id, BotMessage, settings) -> outcome``."""
    from connectors.messages import BotMessage, Button, VacancyCard

    def send_to_chat(user_id: str, text: str, buttons: list[dict[str, Any]], cards: list[dict[str, Any]]) -> None:
        message = BotMessage(
            text=text,
            buttons=tuple(Button(button["title"], button["payload"]) for button in buttons),
            cards=tuple(VacancyCard.from_dict(card) for card in cards),
        )
        outcome: str = asyncio.run(send(user_id, message, settings))
        if outcome != "sent":
            raise DeliveryError(outcome, permanent=outcome in _PERMANENT_OUTCOMES)

    return send_to_chat
