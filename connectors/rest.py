"""REST: Rasa's channel with limits at the edge and payload screening.

Beyond Rasa 3.6's RestInput (same URL, /webhooks/rest/webhook, and the same request and
response shapes): the body is read up to RECRUITBOT_MAX_REQUEST_BYTES (413 beyond, before the
rest is read; Rasa's Sanic would buffer up to 100 MB); a message over
RECRUITBOT_MAX_MESSAGE_CHARS is refused (413); over the per-sender or per-address rate, 429 with
Retry-After (connectors/limits.py); a missing sender or message is a 400 (Rasa would file it under
the shared sender "default"); text that spells an intent is kept only if it is a button's payload
(connectors/payloads.py); the client cannot name the input channel (Rasa takes ``input_channel``
from the body, so a REST client could pose as Telegram). Errors are JSON:
``{"error": "message_too_long", "message": "...", "limit": 4000}``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from connectors.limits import EdgeGuard, Network, Refusal, client_ip, trusted_networks
from connectors.payloads import screen
from recruitbot.settings import EdgeLimits, load_edge_limits

log = logging.getLogger(__name__)

MAX_SENDER_CHARS = 256


class RecruitbotRestInput(RestInput):
    """Rasa's REST channel with size and rate limits and payload screening."""

    @classmethod
    def name(cls) -> str:
        """Named like Rasa's channel: the webhook stays /webhooks/rest/webhook."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build from the environment's edge limits (credentials.yml has nothing for this channel)."""
        return cls(load_edge_limits())

    def __init__(self, limits: EdgeLimits, guard: EdgeGuard | None = None) -> None:
        self.limits = limits
        self.guard = guard or EdgeGuard(limits)
        self.proxies: tuple[Network, ...] = trusted_networks(limits.trusted_proxies)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The health route and the webhook."""
        rest_webhook = Blueprint("custom_webhook_RecruitbotRestInput", __name__)

        @rest_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        # A streamed route: Sanic leaves the body unread, so an oversized one is refused early.
        @rest_webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse | ResponseStream:
            if not await self._read_body(request):
                return _error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request_too_large",
                              f"The request body can be at most {self.limits.max_request_bytes} bytes.",
                              self.limits.max_request_bytes)
            body = json_object(request)
            sender, text = body.get("sender"), body.get("message")
            if (not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS
                    or not sender.isprintable()):
                # Not printable covers control characters and lone surrogates ("\\ud800" in JSON), which
                # no tracker store can key a conversation by (Rasa's SQL store exits the server on one).
                return _error(HTTPStatus.BAD_REQUEST, "invalid_sender",
                              f"`sender` must be printable text of 1 to {MAX_SENDER_CHARS} characters.")
            if not isinstance(text, str):
                return _error(HTTPStatus.BAD_REQUEST, "invalid_message", "`message` must be a string.")
            ip = client_ip(request.ip, request.headers.get("x-forwarded-for"), self.proxies)
            refusal = self.guard.admit(text, sender, ip)
            if refusal:
                log.warning("REST message from %s (sender %s) refused: %s", ip, sender[:40], refusal.reason)
                return _refused(refusal)
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            text = screen(text)
            if bool_arg(request, "stream", default=False):
                return response.stream(self.stream_response(on_new_message, text, sender, self.name(), metadata),
                                       content_type="text/event-stream")
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 metadata=metadata))
            except Exception:
                # Like Rasa: whatever was said before the failure is still answered; the text is not logged.
                log.exception("REST turn for sender %s failed", sender[:40])
            return response.json(collector.messages)

        return rest_webhook

    async def _read_body(self, request: Request) -> bool:
        """Read the body into ``request.body``; False (and stop reading) once it is over the limit."""
        limit = self.limits.max_request_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return False
        chunks: list[bytes] = []
        size = 0
        stream = request.stream  # None only for a request without a body
        while stream is not None and (chunk := await stream.read()) is not None:
            size += len(chunk)
            if size > limit:
                return False
            chunks.append(chunk)
        request.body = b"".join(chunks)
        return True


def json_object(request: Request) -> dict[str, Any]:
    """The request's body as a JSON object; empty when it is not one."""
    try:
        body = request.json
    except InvalidUsage:  # not JSON
        return {}
    return body if isinstance(body, dict) else {}


def _error(status: HTTPStatus, error: str, message: str, limit: int | None = None,
           headers: dict[str, str] | None = None) -> HTTPResponse:
    body: dict[str, Any] = {"error": error, "message": message}
    if limit is not None:
        body["limit"] = limit
    return response.json(body, status=status, headers=headers)


def _refused(refusal: Refusal) -> HTTPResponse:
    if refusal.reason == "too_long":
        return _error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "message_too_long",
                      f"A message can be at most {refusal.limit} characters.", refusal.limit)
    return _error(HTTPStatus.TOO_MANY_REQUESTS, "rate_limited",
                  f"At most {refusal.limit} messages a minute; try again in {refusal.retry_after_s} s.",
                  refusal.limit, headers={"Retry-After": str(refusal.retry_after_s)})
