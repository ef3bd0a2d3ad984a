"""The action server: rasa-sdk's own app, answering only Rasa, and never echoing a conversation back.

rasa-sdk 3.6's ``/webhook`` (``rasa_sdk/endpoint.py``) has no authentication, and its catch-all
error handler answers an exception in an action with the request body, that is the
conversation's whole tracker::

    body = {"error": str(exception), "request_body": request.json}
    return response.json(body, status=500)

This entry point builds the same app with ``rasa_sdk.endpoint.create_app`` and adds two things:

- every request but ``GET /health`` (the readiness check) must carry the shared secret in the
  ``X-Recruitbot-Action-Secret`` header: 401 without it, 403 with a wrong one. Rasa sends it from
  ``action_endpoint.headers`` in endpoints.yml (``${RECRUITBOT_ACTION_SECRET}``);
- any error is answered with its HTTP status and a short fixed message, never with the request
  or the exception's text. An action's own rejection (``ActionExecutionRejection``, 400) keeps
  rasa-sdk's answer: its action name and message, which Rasa needs and which our code writes.

And it puts back the domain that the Rasa server names by its digest instead of sending it with
every call (recruitbot/domain_digest.py). Actions get the one kept copy: they must read it, never
change it (ours only read their responses and forms from it, as rasa-sdk's forms do).

``python -m recruitbot.action_server`` takes rasa-sdk's command-line options (``--actions``,
``--port``, ``--cors``, TLS, logging); ``python -m recruitbot.run`` starts it with the secret set.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
from http import HTTPStatus

from rasa_sdk import endpoint, utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from recruitbot.domain_digest import DOMAIN_WANTED, DOMAIN_WANTED_STATUS, KnownDomains
from recruitbot.keys import SECRET_HEADER, action_secret
from recruitbot.settings import load_settings

MIN_SECRET_LENGTH = 32
OPEN_PATHS = frozenset({"/health"})
WEBHOOK_PATH = "/webhook"

log = logging.getLogger(__name__)


def create_app(
    secret: str, actions_package: str = "actions", cors_origins: str | list[str] | None = None,
    auto_reload: bool = False,
) -> Sanic:
    """rasa-sdk's action server app for ``actions_package``, open only to requests that present ``secret``."""
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"the action server secret must be at least {MIN_SECRET_LENGTH} characters "
                         "(RECRUITBOT_ACTION_SECRET)")
    # Only Rasa calls this server, never a browser: no CORS origin unless the operator names one.
    app = endpoint.create_app(actions_package, cors_origins=cors_origins, auto_reload=auto_reload)
    expected = secret.encode()

    @app.middleware("request")
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        presented = request.headers.get(SECRET_HEADER)
        if presented is None:
            return _error(HTTPStatus.UNAUTHORIZED)
        if not hmac.compare_digest(presented.encode(), expected):
            return _error(HTTPStatus.FORBIDDEN)
        return None

    domains = KnownDomains()

    @app.middleware("request")
    async def fill_in_domain(request: Request) -> HTTPResponse | None:
        # Registered after require_secret, so it runs after it (Sanic runs request middleware in order).
        if request.path != WEBHOOK_PATH or request.headers.get("Content-Encoding") == "deflate":
            return None
        call = request.json  # parsed once: rasa-sdk's webhook reads this same dict
        if isinstance(call, dict) and not domains.fill_in(call):
            return response.json({"error": DOMAIN_WANTED}, status=DOMAIN_WANTED_STATUS)
        return None

    # Replaces rasa-sdk's handler for Exception (the one that echoes the request body).
    app.error_handler.add(Exception, _answer_error)
    return app


def _answer_error(request: Request, exception: Exception) -> HTTPResponse:
    if isinstance(exception, SanicException):  # the caller's mistake: unknown path, unreadable JSON, ...
        return _error(HTTPStatus(exception.status_code))
    # The traceback is for the operator; the caller (Rasa) logs whatever it gets back.
    log.error("%s %s failed with %s", request.method, request.path, type(exception).__name__, exc_info=exception)
    return _error(HTTPStatus.INTERNAL_SERVER_ERROR)


def _error(status: HTTPStatus) -> HTTPResponse:
    return response.json({"error": status.phrase}, status=status.value)


def main(argv: list[str] | None = None) -> None:
    """Run the action server with rasa-sdk's options until it is stopped."""
    args = endpoint.create_argument_parser().parse_args(argv)
    _configure_logging(args)
    try:
        app = create_app(action_secret(load_settings()), args.actions, args.cors, args.auto_reload)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from exc
    plugin_manager().hook.attach_sanic_app_extensions(app=app)  # as rasa_sdk.endpoint.run does
    ssl_context = endpoint.create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    # Where rasa_sdk.endpoint.run listens: SANIC_HOST, or every interface.
    host = os.environ.get("SANIC_HOST", "0.0.0.0")
    app.run(host, args.port, ssl=ssl_context, workers=utils.number_of_sanic_workers())


def _configure_logging(args: argparse.Namespace) -> None:
    # What rasa_sdk.__main__ does before it starts the server.
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file)
    utils.update_sanic_log_level()


if __name__ == "__main__":
    main()
