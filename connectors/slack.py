"""Slack: Rasa's channel, hardened.

Beyond Rasa 3.6's SlackInput: every retried or replayed delivery is dropped by its event id
(Rasa drops only ``http_timeout`` retries); a channel message that mentions the bot is
answered once, although Slack delivers it as both ``message`` and ``app_mention``; replies
are Block Kit (quick replies as buttons, vacancy cards as sections with Apply and "More like
this"); replies in channels go to the mention's thread; messages the bot starts go to the
user's direct messages. The request is acknowledged at once and the turn runs after it, within
Slack's 3 seconds whatever the turn takes. SLACK_API_BASE points the Web API at a local fake in
tests. With neither SLACK_BOT_TOKEN nor SLACK_SIGNING_SECRET set the channel is off (503).
Typed text never names an intent; a button's value does only if it is one of the bot's payloads
(connectors/payloads.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.dedup import recent_keys
from connectors.messages import BotMessage
from connectors.payloads import screen
from connectors.slack_api import SlackMessenger, web_client
from recruitbot.settings import load_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackTurn:
    """One user message to hand to the bot, and where its replies go."""

    user_id: str
    text: str
    channel: str | None
    thread_ts: str | None


class RecruitbotSlackBot(SlackBot):
    """Replies as Block Kit, in the conversation the user wrote in or else their direct messages."""

    def __init__(self, messenger: SlackMessenger, channel: str | None = None, thread_ts: str | None = None) -> None:
        super().__init__(messenger.client.token or "", channel, thread_ts)
        # Rasa's SlackBot makes its own client for slack.com; use the configured API base instead.
        self.client = messenger.client
        self._messenger = messenger

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Post one bot message; ``recipient_id`` is the Slack user the conversation belongs to."""
        neutral = BotMessage.from_rasa(message)
        if neutral is None:
            await super().send_response(recipient_id, message)
            return
        channel = self.slack_channel or await self._messenger.direct_message_channel(recipient_id)
        await self._messenger.post(channel, neutral, thread_ts=self.thread_id)


class RecruitbotSlackInput(SlackInput):
    """Rasa's Slack channel with delivery de-duplication, early acknowledgement and Block Kit replies."""

    @classmethod
    def name(cls) -> str:
        """Named like Rasa's channel: the webhook is /webhooks/slack/webhook."""
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build from credentials.yml (``slack_token``, ``slack_signing_secret``) and SLACK_API_BASE."""
        credentials = credentials or {}
        return cls(str(credentials.get("slack_token") or ""), str(credentials.get("slack_signing_secret") or ""),
                   load_settings().slack_api_base)

    def __init__(self, slack_token: str, slack_signing_secret: str, api_base: str) -> None:
        super().__init__(slack_token, slack_signing_secret=slack_signing_secret)
        self.enabled = bool(slack_token)
        self.api_base = api_base
        self._deliveries = recent_keys("slack-deliveries")
        self._messages = recent_keys("slack-messages")
        self._turns: set[asyncio.Task[Any]] = set()

    def _validate_credentials(self) -> None:
        if bool(self.slack_token) != bool(self.slack_signing_secret):
            raise InvalidConfigException(
                "Slack channel: set both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or neither to leave it off.")

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        """Replies to ``channel`` (and thread), or to the user's direct messages when it is None."""
        return RecruitbotSlackBot(SlackMessenger(web_client(self.slack_token, self.api_base)), channel, thread_id)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The Events API and interactivity webhook (one URL for both)."""
        slack_webhook = Blueprint("slack_webhook", __name__)

        @slack_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off"})

        @slack_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text("Slack is not configured here.", status=HTTPStatus.SERVICE_UNAVAILABLE)
            # Signed with the signing secret, and no older than 5 minutes (Rasa's check).
            if not self.is_request_from_slack_authentic(request):
                log.warning("Slack request refused: missing, wrong or stale signature")
                return response.text("Invalid or stale request signature.", status=HTTPStatus.UNAUTHORIZED)
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
            if content_type == "application/json":
                body = request.json if isinstance(request.json, dict) else {}
                if body.get("type") == "url_verification":
                    return response.json({"challenge": body.get("challenge")})
                turn = self._turn_from_event(body)
            elif content_type == "application/x-www-form-urlencoded":
                turn = self._turn_from_interaction(request.form.get("payload") or "")
            else:
                return response.text("Unsupported content type.", status=HTTPStatus.BAD_REQUEST)
            if turn:
                self._start(turn, on_new_message)
            # Acknowledge now: Slack retries anything not answered within 3 seconds.
            return response.text("")

        return slack_webhook

    def _turn_from_event(self, body: dict[str, Any]) -> SlackTurn | None:
        """The user message in an Events API delivery; None for duplicates and everything else."""
        event_id = body.get("event_id")
        if event_id and not self._deliveries.first_time(f"event:{event_id}"):
            log.info("Slack delivery %s already handled (retry %s)", event_id, body.get("retry_attempt", "?"))
            return None
        event = body.get("event") or {}
        if body.get("type") != "event_callback" or event.get("type") not in ("message", "app_mention"):
            return None
        if event.get("bot_id") or event.get("subtype") or not event.get("text") or not event.get("user"):
            return None
        direct = event.get("channel_type") == "im"
        if event["type"] == "message" and not direct:
            return None  # outside direct messages the bot answers mentions only: the app_mention event
        # A mention in a DM can come as message and app_mention: two event ids, one message.
        if not self._messages.first_time(f"message:{event.get('channel')}:{event.get('ts')}"):
            return None
        bot_users = [a.get("user_id") for a in body.get("authorizations") or [] if isinstance(a, dict)]
        text = self._sanitize_user_message(str(event["text"]), bot_users + list(body.get("authed_users") or []))
        thread_ts = None if direct else event.get("thread_ts") or event.get("ts")
        return SlackTurn(str(event["user"]), screen(text, typed=True), event.get("channel"), thread_ts)

    def _turn_from_interaction(self, raw_payload: str) -> SlackTurn | None:
        """The button value in a block_actions payload; None for link buttons and duplicates."""
        try:
            payload = json.loads(raw_payload)
        except ValueError:
            return None
        if not isinstance(payload, dict) or payload.get("type") != "block_actions" or not payload.get("actions"):
            return None
        action = payload["actions"][0]
        value = self._get_interactive_response(action) if self._is_interactive_message(payload) else None
        user_id = (payload.get("user") or {}).get("id")
        if not value or not user_id:
            return None  # a link button (Apply): Slack opens the URL itself
        delivery = payload.get("trigger_id") or f"{user_id}:{action.get('action_ts')}"
        if not self._deliveries.first_time(f"action:{delivery}"):
            return None
        # Replies follow the clicked message: into its thread if it was in one.
        thread_ts = (payload.get("message") or {}).get("thread_ts")
        return SlackTurn(str(user_id), screen(str(value)), (payload.get("channel") or {}).get("id"), thread_ts)

    def _start(self, turn: SlackTurn, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        message = UserMessage(turn.text, self.get_output_channel(turn.channel, turn.thread_ts), turn.user_id,
                              input_channel=self.name(), metadata={"out_channel": turn.channel})
        task: asyncio.Task[Any] = asyncio.ensure_future(on_new_message(message))
        # Keep a reference until it ends (asyncio holds only weak ones), and log what went wrong.
        self._turns.add(task)
        task.add_done_callback(lambda done: self._finished(done, turn))

    def _finished(self, task: asyncio.Task[Any], turn: SlackTurn) -> None:
        self._turns.discard(task)
        if not task.cancelled() and task.exception():
            log.error("Slack turn for user %s failed", turn.user_id, exc_info=task.exception())
