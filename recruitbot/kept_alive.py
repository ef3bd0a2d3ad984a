"""Custom action calls over kept-alive connections, instead of a new HTTP session for every call.

Rasa 3.6.21 opens a new aiohttp session, and so a new TCP connection, for every call to the
action server, and closes both when the call returns (``rasa/utils/endpoints.py``,
``EndpointConfig.request``)::

        async with self.session() as session:
            async with session.request(

:class:`KeptAliveEndpoint` is the same endpoint (URL, headers, authentication, parameters; Rasa's
``request`` unchanged) whose ``session()`` lends one session per event loop, so calls reuse the
connections it keeps. An idle connection is dropped after :data:`IDLE_S`, well before the action
server (Sanic, ``KEEP_ALIVE_TIMEOUT`` 5 s) would close it: a request is never written to a
connection the server is closing. :func:`close_sessions` closes them when the Rasa server stops.

The shared session writes a call's JSON body with orjson (:func:`encode_json`): the body holds the
conversation's every event, and ``json.dumps`` of it was about 3.6 % of the Rasa server's busy time
(py-spy, 2026-11-28), ten times what orjson takes. Whatever orjson would write differently from
``json.dumps`` goes to ``json.dumps`` itself: integers beyond 64 bits, keys that are not strings,
text that is not valid Unicode, and subclasses of ``str``, ``int``, ``dict`` and ``list``; dates and
dataclasses fail as they fail in ``json.dumps``. The text differs only in form (no spaces, UTF-8
instead of escapes, the shortest form of a float) and reads back as the same value, but for a float
that is not a number, which orjson writes as ``null`` (``json.dumps`` writes ``NaN``, not JSON), and
an enum member, which orjson writes as its value (``json.dumps`` does so for int and str enums only).
"""

from __future__ import annotations

import asyncio
import json
from types import TracebackType
from typing import Any

import aiohttp
import orjson
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

IDLE_S = 2.0
# What orjson leaves to json.dumps (it raises a TypeError for them instead of writing them its way).
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def encode_json(value: Any) -> str:
    """``value`` as JSON text: orjson's, or ``json.dumps``'s for what orjson does not write as it does."""
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value)


class _Lent:
    """``async with`` gives the shared session and leaves it open (Rasa's ``request`` closes what it gets)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None,
    ) -> None:
        return None


class KeptAliveEndpoint(EndpointConfig):
    """An :class:`EndpointConfig` whose requests share one session (and its connections) per event loop."""

    def __init__(self, endpoint: EndpointConfig) -> None:
        super().__init__()
        self.__dict__.update(vars(endpoint))
        self._shared: aiohttp.ClientSession | None = None
        self._shared_loop: asyncio.AbstractEventLoop | None = None

    def session(self) -> aiohttp.ClientSession:
        """The shared session, lent for one request (typed as Rasa's, which callers enter with ``async with``)."""
        loop = asyncio.get_running_loop()
        if self._shared is None or self._shared.closed or self._shared_loop is not loop:
            auth = self.basic_auth
            self._shared = aiohttp.ClientSession(
                headers=self.headers,
                auth=aiohttp.BasicAuth(auth["username"], auth["password"]) if auth else None,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_S),
                json_serialize=encode_json,
            )
            self._shared_loop = loop
        return _Lent(self._shared)  # type: ignore[return-value]

    async def close(self) -> None:
        """Close the shared session, if it was opened on the running loop (another loop's is gone with it)."""
        if self._shared is not None and self._shared_loop is asyncio.get_running_loop():
            await self._shared.close()
        self._shared = None
        self._shared_loop = None


_ENDPOINTS: dict[int, tuple[EndpointConfig, KeptAliveEndpoint]] = {}


def kept_alive(endpoint: EndpointConfig | None) -> EndpointConfig | None:
    """The kept-alive twin of ``endpoint`` (the same one for every call with the same endpoint object)."""
    if endpoint is None or isinstance(endpoint, KeptAliveEndpoint):
        return endpoint
    known = _ENDPOINTS.get(id(endpoint))
    if known is None or known[0] is not endpoint:
        known = _ENDPOINTS[id(endpoint)] = (endpoint, KeptAliveEndpoint(endpoint))
    return known[1]


async def close_sessions() -> None:
    """Close every shared session opened on the running loop."""
    for _, endpoint in list(_ENDPOINTS.values()):
        await endpoint.close()
