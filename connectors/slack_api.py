"""The bot's messages as Slack Block Kit, posted through the Web API (SLACK_API_BASE)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from connectors.messages import BotMessage, Button, DeliveryOutcome, VacancyCard
from recruitbot.settings import Settings, load_settings

log = logging.getLogger(__name__)

# Block Kit limits (api.slack.com/reference/block-kit).
MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS_ELEMENTS = 25

_UNKNOWN_RECIPIENT = {"user_not_found", "users_not_found", "channel_not_found"}
_BLOCKED = {"cannot_dm_bot", "user_disabled", "account_inactive", "is_archived", "not_in_channel"}


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack reserves for its own markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…", "emoji": True}


def _sections(text: str) -> Iterator[dict[str, Any]]:
    escaped = escape_mrkdwn(text)
    for start in range(0, len(escaped), MAX_SECTION_CHARS):
        yield {"type": "section", "text": {"type": "mrkdwn", "text": escaped[start : start + MAX_SECTION_CHARS]}}


def _is_linkable(url: str) -> bool:
    # A URL inside <url|label> must not contain the markup's own delimiters.
    return url.startswith(("https://", "http://")) and not any(c in url for c in "<>| \n")


def _postback(button: Button, action_id: str) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": _plain(button.title, MAX_BUTTON_TEXT),
            "value": button.payload[:MAX_BUTTON_VALUE]}


def _card_blocks(card: VacancyCard, index: int) -> list[dict[str, Any]]:
    title = escape_mrkdwn(card.title)
    heading = f"*<{card.url}|{title}>*" if _is_linkable(card.url) else f"*{title}*"
    lines = [heading, escape_mrkdwn(card.facts()), escape_mrkdwn(card.summary)]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(line for line in lines if line)}}]
    closing = card.closing()
    if closing:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape_mrkdwn(closing)}]})
    elements = [{"type": "button", "action_id": f"card-{index}-link-{n}", "text": _plain(link.title, MAX_BUTTON_TEXT),
                 "url": link.url} for n, link in enumerate(card.links) if _is_linkable(link.url)]
    elements += [_postback(postback, f"card-{index}-postback-{n}") for n, postback in enumerate(card.postbacks)]
    if elements:
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def blocks_for(message: BotMessage) -> list[dict[str, Any]]:
    """The message as Block Kit blocks: text sections, one group per card, then the quick replies."""
    blocks = list(_sections(message.text)) if message.text else []
    for index, card in enumerate(message.cards):
        if index:
            blocks.append({"type": "divider"})
        blocks += _card_blocks(card, index)
    replies = [_postback(button, f"reply-{n}") for n, button in enumerate(message.buttons)]
    for start in range(0, len(replies), MAX_ACTIONS_ELEMENTS):
        blocks.append({"type": "actions", "elements": replies[start : start + MAX_ACTIONS_ELEMENTS]})
    return blocks


class SlackMessenger:
    """Posts the bot's messages with one Web API client."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post(self, channel: str, message: BotMessage, thread_ts: str | None = None) -> None:
        """Post ``message`` to ``channel`` (in the thread ``thread_ts``), in as few messages as Slack allows."""
        blocks = blocks_for(message)
        for start in range(0, max(len(blocks), 1), MAX_BLOCKS):
            await self.client.chat_postMessage(
                channel=channel, text=escape_mrkdwn(message.fallback_text()), blocks=blocks[start : start + MAX_BLOCKS],
                thread_ts=thread_ts, unfurl_links=False, unfurl_media=False)

    async def direct_message_channel(self, user_id: str) -> str:
        """The id of the bot's direct-message conversation with ``user_id`` (opened if needed)."""
        opened = await self.client.conversations_open(users=user_id)
        return str(opened["channel"]["id"])


def web_client(token: str, api_base: str) -> AsyncWebClient:
    """A Web API client for ``api_base`` (SLACK_API_BASE; tests point it at a local fake)."""
    return AsyncWebClient(token=token, base_url=api_base.rstrip("/") + "/")


async def send_slack_message(user_id: str, message: BotMessage, settings: Settings | None = None) -> DeliveryOutcome:
    """Send ``message`` to the Slack user ``user_id`` in their direct messages with the bot.

    For messages the bot starts itself (job alerts). Never raises for a delivery problem: the
    outcome says what happened, and the reason is logged.
    """
    settings = settings or load_settings()
    if not settings.slack_bot_token:
        return "not_configured"
    messenger = SlackMessenger(web_client(settings.slack_bot_token, settings.slack_api_base))
    try:
        channel = await messenger.direct_message_channel(user_id)
        await messenger.post(channel, message)
    except SlackApiError as exc:
        error = str(exc.response.get("error", ""))
        log.warning("Slack message to user %s not delivered: %s", user_id, error)
        if error in _UNKNOWN_RECIPIENT:
            return "unknown_recipient"
        return "blocked" if error in _BLOCKED else "failed"
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        log.warning("Slack message to user %s not delivered: %r", user_id, exc)
        return "failed"
    return "sent"
