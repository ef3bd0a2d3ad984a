"""The Sanic web app: widget.js, the widget's signed sessions, the demo agency page and the job-alert links.

Features add their routes as blueprints in ``blueprints()``: job alerts add the confirm,
unsubscribe (RFC 8058 one-click) and erase pages that alert emails link to, under /alerts
(RECRUITBOT_PUBLIC_URL, by default this app's own http://localhost:WEB_PORT). Cross-origin
calls to /api/ are allowed from RECRUITBOT_ALLOWED_ORIGINS only; other origins get 403.

The alerts' background jobs (dispatch, purge) do not run here but in ``recruitbot.run``'s own
process (see :mod:`recruitbot.alerts.worker`): this app only answers the links.
"""

from __future__ import annotations

import html
import logging
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from sanic import Blueprint, Request, Sanic, response
from sanic.response import HTTPResponse

from recruitbot.alerts.factory import build_alert_service
from recruitbot.alerts.service import AlertService
from recruitbot.alerts.web import make_blueprint
from recruitbot.settings import Settings
from recruitbot.web.bundle import Bundle, build_widget
from recruitbot.web.sessions import SessionSigner, session_secret

log = logging.getLogger(__name__)

PAGES_DIR = Path(__file__).resolve().parent / "pages"
API_PREFIX = "/api/"
SOCKET_IO_PATH = "/socket.io"
_SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}


def create_app(settings: Settings) -> Sanic:
    """The web app for ``settings``; reads the widget sources, the session secret and the link secret now.

    Raises:
        WidgetBuildError: the widget's sources cannot be built.
        ValueError: a setting is unusable (a short secret, an unsupported tracker store URL).
    """
    app = Sanic("recruitbot_web", configure_logging=False)
    app.ctx.settings = settings
    app.ctx.signer = SessionSigner(session_secret(settings))
    app.ctx.widget = build_widget()
    app.ctx.alerts = build_alert_service(settings)
    for blueprint in blueprints(app.ctx.alerts):
        app.blueprint(blueprint)
    _allow_listed_origins(app, settings.allowed_origins)
    return app


def blueprints(alerts: AlertService) -> list[Blueprint]:
    """Every feature's routes."""
    return [widget_routes(), session_routes(), demo_routes(), make_blueprint(alerts)]


def widget_routes() -> Blueprint:
    """GET /widget.js, revalidated on each load so that a new version reaches browsers at once."""
    bp = Blueprint("widget")

    @bp.get("/widget.js")
    async def widget_js(request: Request) -> HTTPResponse:
        bundle: Bundle = request.app.ctx.widget
        headers = {"ETag": bundle.etag, "Cache-Control": "no-cache", **_SECURITY_HEADERS}
        if request.headers.get("if-none-match") == bundle.etag:
            return response.empty(status=HTTPStatus.NOT_MODIFIED, headers=headers)
        return response.text(bundle.javascript, headers=headers, content_type="application/javascript; charset=utf-8")

    @bp.get("/healthz")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    return bp


def session_routes() -> Blueprint:
    """POST /api/session: the client's session if its token is valid, else a new one."""
    bp = Blueprint("sessions")

    @bp.post("/api/session")
    async def session(request: Request) -> HTTPResponse:
        signer: SessionSigner = request.app.ctx.signer
        presented = request.json if _is_json_object(request) else {}
        if signer.is_valid(presented.get("session_id"), presented.get("token")):
            session_id, token = presented["session_id"], presented["token"]
        else:
            issued = signer.issue()
            session_id, token = issued.session_id, issued.token
        return response.json(
            {"session_id": session_id, "token": token,
             "socket_url": chat_server_url(request, request.app.ctx.settings), "socket_path": SOCKET_IO_PATH},
            headers={"Cache-Control": "no-store"})

    @bp.options("/api/session")
    async def preflight(_: Request) -> HTTPResponse:
        return response.empty()

    return bp


def demo_routes() -> Blueprint:
    """GET / and /demo/vacancy: agency pages with the widget embedded, as a site owner would do it."""
    bp = Blueprint("demo")

    @bp.get("/")
    async def home(request: Request) -> HTTPResponse:
        return _demo_page(request, "index.html")

    @bp.get("/demo/vacancy")
    async def vacancy(request: Request) -> HTTPResponse:
        return _demo_page(request, "vacancy.html")

    @bp.get("/demo.css")
    async def stylesheet(_: Request) -> HTTPResponse:
        return await response.file(PAGES_DIR / "demo.css", mime_type="text/css", headers=_SECURITY_HEADERS)

    return bp


def _demo_page(request: Request, name: str) -> HTTPResponse:
    server = html.escape(f"{request.scheme}://{request.host}", quote=True)
    header = (PAGES_DIR / "_header.html").read_text(encoding="utf-8").rstrip("\n")
    page = (PAGES_DIR / name).read_text(encoding="utf-8")
    return response.html(page.replace("{{ header }}", header).replace("{{ server }}", server),
                         headers=_SECURITY_HEADERS)


def chat_server_url(request: Request, settings: Settings) -> str:
    """Where browsers reach Rasa's socket.io: RECRUITBOT_CHAT_URL, else this host on RASA_PORT."""
    if settings.chat_url:
        return settings.chat_url
    hostname = urlsplit(f"//{request.host}").hostname or "localhost"
    host = f"[{hostname}]" if ":" in hostname else hostname
    return f"{request.scheme}://{host}:{settings.rasa_port}"


def _is_json_object(request: Request) -> bool:
    try:
        return isinstance(request.json, dict)
    except Exception:  # Sanic raises InvalidUsage for a body that is not JSON
        return False


def _allow_listed_origins(app: Sanic, allowed: tuple[str, ...]) -> None:
    """CORS for /api/: allowed origins get the headers (preflights included), others a 403."""

    @app.on_request
    async def refuse_foreign_origins(request: Request) -> HTTPResponse | None:
        origin = request.headers.get("origin")
        if request.path.startswith(API_PREFIX) and origin is not None and origin not in allowed:
            log.warning("refused %s %s from origin %s (not in RECRUITBOT_ALLOWED_ORIGINS)",
                        request.method, request.path, origin)
            return response.json({"error": "origin not allowed"}, status=HTTPStatus.FORBIDDEN)
        return None

    @app.on_response
    async def allow_origin(request: Request, reply: HTTPResponse) -> None:
        origin = request.headers.get("origin")
        if not request.path.startswith(API_PREFIX) or origin not in allowed:
            return
        reply.headers["Access-Control-Allow-Origin"] = origin
        reply.headers["Vary"] = "Origin"
        if request.method == "OPTIONS":
            reply.headers["Access-Control-Allow-Methods"] = "POST"
            reply.headers["Access-Control-Allow-Headers"] = "Content-Type"
            reply.headers["Access-Control-Max-Age"] = "600"
