"""The website widget's channel: Rasa's socket.io channel, opened only by a server-signed session.

Rasa 3.6 lets a client name any session id in ``session_request`` and in each message, so a
client that learns someone's id joins their conversation. Here a socket is bound to a session
only with the token the web app issued for it (recruitbot/web/sessions.py), messages always go
to the bound session, and socket.io accepts browsers only from the allowed origins.

Events, beyond Rasa's ``session_request``/``session_confirm``/``user_uttered``/``bot_uttered``:
``session_history`` (the conversation so far, sent after ``session_confirm``),
``session_rejected`` (bad or missing token), ``user_echo`` (a message typed in another tab of
the same session), ``bot_typing`` and ``turn_complete`` (a turn started and ended).
Bot messages are emitted whole, in the REST channel's shape: ``{text, buttons, custom, ...}``.

Limits at the edge (connectors/limits.py): a socket.io packet over RECRUITBOT_MAX_REQUEST_BYTES
closes the connection (engine.io's ``max_http_buffer_size``); a message over
RECRUITBOT_MAX_MESSAGE_CHARS, or over the per-session or per-address rate, is not processed and the
bot says why (``utter_message_too_long``, ``utter_slow_down``) to that tab, followed by
``turn_complete``. Text that spells an intent is kept only when a button sent it
(connectors/payloads.py; the widget marks presses with ``metadata.display``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from connectors.limits import EdgeGuard, Network, Refusal, client_ip, trusted_networks
from connectors.payloads import screen
from connectors.responses import response_text
from recruitbot.settings import EdgeLimits, load_edge_limits, load_settings
from recruitbot.web.sessions import SessionSigner

log = logging.getLogger(__name__)

HISTORY_LIMIT = 100
LOCK_POLL_S = 0.05  # how often session_request looks again at a conversation lock a turn holds
INVALID_SESSION = "invalid_session"
_BOT_MESSAGE_KEYS = ("text", "buttons", "quick_replies", "custom", "image", "attachment", "elements")
# Page context the widget may attach to a message, and the longest value kept for each.
_PAGE_FIELDS = {"url": 1000, "path": 500, "title": 300, "referrer": 1000, "vacancy_id": 64}
_DISPLAY_CHARS = 300
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def bot_message_payload(message: dict[str, Any]) -> dict[str, Any]:
    """A bot message as the widget receives it: the REST channel's keys, without empty ones."""
    payload = {key: message[key] for key in _BOT_MESSAGE_KEYS if message.get(key)}
    if "quick_replies" in payload and "buttons" not in payload:
        payload["buttons"] = payload.pop("quick_replies")
    return payload


def widget_metadata(raw: object) -> dict[str, Any]:
    """The metadata worth keeping from a widget message: page context and the button label shown.

    Anything else is dropped, and long values are cut, so that a client cannot fill the tracker.
    """
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, dict):
        return {}
    kept: dict[str, Any] = {}
    page = raw.get("page")
    if isinstance(page, dict):
        fields = {key: page[key][:limit] for key, limit in _PAGE_FIELDS.items() if isinstance(page.get(key), str)}
        if fields:
            kept["page"] = fields
    if isinstance(raw.get("display"), str) and raw["display"].strip():
        kept["display"] = raw["display"].strip()[:_DISPLAY_CHARS]
    return kept


def transcript(events: list[Any], limit: int = HISTORY_LIMIT) -> list[dict[str, Any]]:
    """The last ``limit`` messages of a conversation, as the widget shows them."""
    entries: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered) and event.text:
            # The id lets a tab that sent the message see that it has been answered.
            entries.append({"sender": "user", "text": (event.metadata or {}).get("display") or event.text,
                            "message_id": event.message_id})
        elif isinstance(event, BotUttered):
            payload = bot_message_payload(event.message())
            if payload:
                entries.append({"sender": "bot", **payload})
    return entries[-limit:]


class SessionOutput(SocketIOOutput):
    """Sends each bot message whole to every socket of the session (all the user's tabs)."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Emit the message in the REST channel's shape to the session's room."""
        payload = bot_message_payload(message)
        if payload:
            await self._send_message(recipient_id, payload)
            self.sent += 1


class SignedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with signed sessions and an origin allow-list."""

    @classmethod
    def name(cls) -> str:
        """Named like Rasa's channel, so trackers and analytics see the same channel name."""
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build from credentials.yml; ``session_secret`` is required."""
        credentials = credentials or {}
        secret = str(credentials.get("session_secret") or "")
        try:
            signer = SessionSigner(secret)
        except ValueError as exc:
            raise InvalidConfigException(
                f"socketio channel: {exc}. `python -m recruitbot.run` sets it for you; "
                "when running `rasa run` yourself, export the same secret the web app uses."
            ) from exc
        return cls(
            signer,
            load_settings().allowed_origins,
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            metadata_key=credentials.get("metadata_key", "metadata"),
            limits=load_edge_limits(),
        )

    def __init__(
        self,
        signer: SessionSigner,
        allowed_origins: tuple[str, ...],
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        socketio_path: str = "/socket.io",
        metadata_key: str = "metadata",
        limits: EdgeLimits | None = None,
        guard: EdgeGuard | None = None,
    ) -> None:
        super().__init__(user_message_evt, bot_message_evt, session_persistence=True,
                         socketio_path=socketio_path, metadata_key=metadata_key)
        self.signer = signer
        self.allowed_origins = allowed_origins
        self.limits = limits or EdgeLimits()
        self.guard = guard or EdgeGuard(self.limits)
        self._proxies: tuple[Network, ...] = trusted_networks(self.limits.trusted_proxies)
        self._sessions: dict[str, str] = {}
        self._addresses: dict[str, str] = {}
        self._app: Sanic | None = None

    def get_output_channel(self) -> OutputChannel | None:
        """The output for messages Rasa sends outside a turn (reminders, external events)."""
        return SessionOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The socket.io server and its health route."""
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=list(self.allowed_origins),
                          max_http_buffer_size=self.limits.max_request_bytes)
        self.sio = sio
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)

        @socketio_webhook.listener("before_server_start")
        async def remember_app(app: Sanic, _loop: Any) -> None:
            self._app = app

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect")
        async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None) -> bool:
            self._addresses[sid] = self._client_ip(environ)
            # A client may authenticate on connect (then messages it buffered while offline are
            # safe to deliver straight away) or later with session_request.
            if auth and not await self._bind(sid, auth):
                raise SocketRefused(INVALID_SESSION)
            return True

        @sio.on("disconnect")
        async def disconnect(sid: str, _reason: Any = None) -> None:
            self._sessions.pop(sid, None)
            self._addresses.pop(sid, None)

        @sio.on("session_request")
        async def session_request(sid: str, data: Any) -> None:
            if not await self._bind(sid, data):
                await sio.emit("session_rejected", {"reason": INVALID_SESSION}, to=sid)
                return
            session_id = self._sessions[sid]
            await sio.emit("session_confirm", session_id, to=sid)
            # Under the conversation's lock: a turn in flight (a message the client buffered while
            # connecting) either ends before the history is read, or starts after it is sent. Read
            # mid-turn, the history would arrive after that turn's replies and wipe them from the
            # client's screen.
            async with self._conversation_lock(session_id):
                await sio.emit("session_history", {"messages": await self._history(session_id)}, to=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: Any) -> None:
            session_id = self._sessions.get(sid)
            claimed = data.get("session_id") if isinstance(data, dict) else None
            if session_id is None or (claimed and claimed != session_id):
                log.warning("socket.io message refused: socket %s has no valid session for it", sid)
                await sio.emit("session_rejected", {"reason": INVALID_SESSION}, to=sid)
                return
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str) or not text.strip():
                return
            metadata = widget_metadata(data.get(self.metadata_key))
            # The client's id for the message lets the tab that sent it match the turn's end.
            message_id = data.get("message_id") if _MESSAGE_ID.match(str(data.get("message_id"))) else None
            refusal = self.guard.admit(text, session_id, self._addresses.get(sid, ""))
            if refusal:
                log.warning("socket.io message from %s (session %s) refused: %s",
                            self._addresses.get(sid), session_id[:12], refusal.reason)
                await self._refuse(sid, refusal, message_id)
                return
            # The widget sends a pressed button's label as metadata.display; anything else was typed.
            understood = screen(text, typed="display" not in metadata)
            await sio.emit("user_echo", {"text": metadata.get("display") or text}, room=session_id, skip_sid=sid)
            await sio.emit("bot_typing", {}, room=session_id)
            output = SessionOutput(sio, self.bot_message_evt)
            try:
                await on_new_message(UserMessage(understood, output, session_id, input_channel=self.name(),
                                                 message_id=message_id, metadata=metadata))
            finally:
                await sio.emit("turn_complete", {"message_id": message_id, "replies": output.sent}, room=session_id)

        return socketio_webhook

    def _client_ip(self, environ: dict[str, Any]) -> str:
        # engineio's Sanic driver puts a fixed REMOTE_ADDR in the environ; the request has the real peer.
        request = environ.get("sanic.request")
        if request is None:
            return str(environ.get("REMOTE_ADDR", ""))
        return client_ip(request.ip, request.headers.get("x-forwarded-for"), self._proxies)

    async def _refuse(self, sid: str, refusal: Refusal, message_id: str | None) -> None:
        """Tell the tab that sent a refused message why, and end its turn."""
        if refusal.reason == "too_long":
            text = response_text("utter_message_too_long", limit=refusal.limit)
        else:
            text = response_text("utter_slow_down", seconds=refusal.retry_after_s)
        assert self.sio is not None
        await self.sio.emit(self.bot_message_evt, {"text": text}, to=sid)
        await self.sio.emit("turn_complete", {"message_id": message_id, "replies": 1}, to=sid)

    async def _bind(self, sid: str, credentials: Any) -> bool:
        """Join the socket to the session its credentials prove, if they do."""
        if not isinstance(credentials, dict):
            return False
        session_id, token = credentials.get("session_id"), credentials.get("token")
        if not self.signer.is_valid(session_id, token):
            log.warning("socket.io session refused for socket %s: missing or invalid session token", sid)
            return False
        assert self.sio is not None and isinstance(session_id, str)
        previous = self._sessions.get(sid)
        if previous and previous != session_id:
            await self.sio.leave_room(sid, previous)
        self._sessions[sid] = session_id
        await self.sio.enter_room(sid, session_id)
        return True

    def _agent(self) -> Agent | None:
        return getattr(self._app.ctx, "agent", None) if self._app else None

    def _conversation_lock(self, session_id: str) -> AbstractAsyncContextManager[Any]:
        agent = self._agent()
        if agent is None or agent.lock_store is None:
            return nullcontext()
        return agent.lock_store.lock(session_id, wait_time_in_seconds=LOCK_POLL_S)

    async def _history(self, session_id: str) -> list[dict[str, Any]]:
        agent = self._agent()
        if agent is None or agent.tracker_store is None:
            return []
        tracker = await agent.tracker_store.retrieve_full_tracker(session_id)
        return transcript(list(tracker.events)) if tracker else []
