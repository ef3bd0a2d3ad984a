"""The pages behind the links in alert emails: confirm, unsubscribe, erase.

GET shows what the link will do with a button; POST does it. Mail scanners open links, so
nothing happens on GET. The unsubscribe POST is RFC 8058's one-click: the token in the URL is
all it needs, no login and no cookie. Every page is small, plain, escaped HTML.
"""

from __future__ import annotations

import asyncio
import functools
import html
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import html as html_response

from recruitbot.alerts.model import (
    Alert,
    ChangeStatus,
    ConfirmStatus,
    ErasureStatus,
    LinkStatus,
    Status,
)
from recruitbot.alerts.notify import criteria_label, frequency_text
from recruitbot.alerts.service import AlertService
from recruitbot.alerts.tokens import CONFIRM_PATH, ERASE_PATH, UNSUBSCRIBE_PATH, URL_PREFIX, Purpose
from recruitbot.alerts.wording import Wording

_T = TypeVar("_T")

# Token-bearing pages: never cached, never indexed, never leaked in a Referer header.
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
_STYLE = (
    "body{font-family:system-ui,Arial,sans-serif;line-height:1.5;max-width:36em;margin:2em auto;padding:0 1em;"
    "color:#1a1a1a}button{font-size:1em;padding:.6em 1.2em;border-radius:6px;border:2px solid #1a4d8f;"
    "background:#1a4d8f;color:#fff;cursor:pointer}button:focus{outline:3px solid #f0b400;outline-offset:2px}"
)


def make_blueprint(service: AlertService, wording: Wording | None = None, name: str = "alerts") -> Blueprint:
    """The confirm, unsubscribe and erase pages, under ``/alerts``, for the web app to mount."""
    pages = _Pages(service, wording or Wording())
    blueprint = Blueprint(name, url_prefix=URL_PREFIX)
    routes = (
        (pages.show_confirm, CONFIRM_PATH, "GET"),
        (pages.confirm, CONFIRM_PATH, "POST"),
        (pages.show_unsubscribe, UNSUBSCRIBE_PATH, "GET"),
        (pages.unsubscribe, UNSUBSCRIBE_PATH, "POST"),
        (pages.show_erase, ERASE_PATH, "GET"),
        (pages.erase, ERASE_PATH, "POST"),
    )
    for page, path, method in routes:
        blueprint.add_route(_handler(page), path, methods=[method], name=page.__name__)
    return blueprint


_Page = Callable[[Request], Awaitable[HTTPResponse]]


def _handler(page: _Page) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
    """A plain function for a page method (Sanic labels its handlers, which a bound method cannot be)."""

    async def handle(request: Request) -> HTTPResponse:
        return await page(request)

    return handle


class _Pages:
    """The handlers; the service's (blocking) calls run in a worker thread."""

    def __init__(self, service: AlertService, wording: Wording) -> None:
        self._service = service
        self._w = wording

    async def show_confirm(self, request: Request) -> HTTPResponse:
        w, token = self._w, _token(request)
        check = await _off_loop(self._service.check_link, token, Purpose.CONFIRM)
        if check.status is not LinkStatus.VALID or check.alert is None:
            return self._link_problem(check.status)
        if check.alert.status is not Status.PENDING:
            return self._page(w.page_confirmed_title, [w.page_already_confirmed_text])
        text = w.page_confirm_text.format(**self._describe(check.alert))
        return self._page(w.page_confirm_title, [text], button=(w.confirm_button, token))

    async def confirm(self, request: Request) -> HTTPResponse:
        w = self._w
        outcome = await _off_loop(self._service.confirm_link, _token(request))
        if outcome.status is ConfirmStatus.ALREADY_CONFIRMED:
            return self._page(w.page_confirmed_title, [w.page_already_confirmed_text])
        if outcome.status is ConfirmStatus.CONFIRMED and outcome.alert is not None:
            return self._page(w.page_confirmed_title, [w.page_confirmed_text.format(**self._describe(outcome.alert))])
        return self._link_problem(_LINK_STATUS_OF_CONFIRM.get(outcome.status, LinkStatus.NOT_FOUND))

    async def show_unsubscribe(self, request: Request) -> HTTPResponse:
        w, token = self._w, _token(request)
        check = await _off_loop(self._service.check_link, token, Purpose.UNSUBSCRIBE)
        if check.status is not LinkStatus.VALID or check.alert is None:
            return self._link_problem(check.status)
        if check.alert.status is Status.DELETED:
            return self._page(w.page_unsubscribed_title, [w.page_unsubscribed_text])
        text = w.page_unsubscribe_text.format(**self._describe(check.alert))
        return self._page(w.page_unsubscribe_title, [text], button=(w.page_unsubscribe_button, token))

    async def unsubscribe(self, request: Request) -> HTTPResponse:
        """RFC 8058 one-click: the POST body (List-Unsubscribe=One-Click) adds nothing to the token."""
        w = self._w
        outcome = await _off_loop(self._service.unsubscribe_link, _token(request))
        if outcome.status in (ChangeStatus.DELETED, ChangeStatus.UNCHANGED):
            return self._page(w.page_unsubscribed_title, [w.page_unsubscribed_text])
        return self._link_problem(_LINK_STATUS_OF_CHANGE.get(outcome.status, LinkStatus.NOT_FOUND))

    async def show_erase(self, request: Request) -> HTTPResponse:
        w, token = self._w, _token(request)
        check = await _off_loop(self._service.check_link, token, Purpose.ERASE)
        if check.status is LinkStatus.NOT_FOUND:
            return self._page(w.page_erased_title, [w.page_nothing_held_text])
        if check.status is not LinkStatus.VALID:
            return self._link_problem(check.status)
        return self._page(w.page_erase_title, [w.page_erase_text.format(agency=w.agency)],
                          button=(w.page_erase_button, token))

    async def erase(self, request: Request) -> HTTPResponse:
        w = self._w
        outcome = await _off_loop(self._service.erase_link, _token(request))
        if outcome.status is ErasureStatus.ERASED:
            return self._page(w.page_erased_title, [w.page_erased_text])
        if outcome.status is ErasureStatus.NOTHING_HELD:
            return self._page(w.page_erased_title, [w.page_nothing_held_text])
        expired = outcome.status is ErasureStatus.EXPIRED
        return self._link_problem(LinkStatus.EXPIRED if expired else LinkStatus.INVALID)

    def _describe(self, alert: Alert) -> dict[str, str]:
        return {
            "criteria": criteria_label(alert.criteria, self._w),
            "frequency": frequency_text(alert.frequency, self._w),
            "delivery": self._w.delivery_name(alert.delivery),
        }

    def _link_problem(self, status: LinkStatus) -> HTTPResponse:
        w = self._w
        if status is LinkStatus.EXPIRED:
            return self._page(w.page_expired_title, [w.page_expired_text], status=410)
        if status is LinkStatus.NOT_FOUND:
            return self._page(w.page_gone_title, [w.page_gone_text], status=404)
        return self._page(w.page_invalid_title, [w.page_invalid_text], status=400)

    def _page(
        self, title: str, paragraphs: list[str], button: tuple[str, str] | None = None, status: int = 200
    ) -> HTTPResponse:
        body = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
        if button is not None:
            label, token = button
            # The token rides in the URL, as in the email's link (RFC 8058 posts to that URL).
            action = "?token=" + html.escape(token, quote=True)
            body += (
                f'<form method="post" action="{action}">'
                '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
                f'<button type="submit">{html.escape(label)}</button></form>'
            )
        page = (
            '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{html.escape(title)} - {html.escape(self._w.agency)}</title><style>{_STYLE}</style></head>"
            f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
        )
        return html_response(page, status=status, headers=_HEADERS)


_LINK_STATUS_OF_CONFIRM = {
    ConfirmStatus.EXPIRED: LinkStatus.EXPIRED,
    ConfirmStatus.INVALID_LINK: LinkStatus.INVALID,
    ConfirmStatus.NOT_FOUND: LinkStatus.NOT_FOUND,
}
_LINK_STATUS_OF_CHANGE = {
    ChangeStatus.EXPIRED: LinkStatus.EXPIRED,
    ChangeStatus.INVALID_LINK: LinkStatus.INVALID,
    ChangeStatus.NOT_FOUND: LinkStatus.NOT_FOUND,
}


def _token(request: Request) -> str:
    """The token from the URL (as in the email), else from a form field."""
    token = request.args.get("token")
    if not token and request.method == "POST" and _decodes(request.body) and request.form:
        token = request.form.get("token")
    return str(token or "")


def _decodes(body: bytes) -> bool:
    """Whether a body is UTF-8: Sanic logs a traceback at ERROR for each form it cannot decode."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


async def _off_loop(call: Callable[..., _T], *args: Any) -> _T:
    """Run a blocking service call in a worker thread, so the server keeps answering meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(call, *args))
