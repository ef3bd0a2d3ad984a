"""The link pages over HTTP: what GET shows, what POST does, and what a bad link gets."""

from __future__ import annotations

import socket
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from recruitbot.alerts.clock import utc_now
from recruitbot.alerts.model import Frequency, Status
from recruitbot.alerts.service import AlertService
from recruitbot.alerts.tokens import LinkSigner, Purpose
from recruitbot.places import Gazetteer
from recruitbot.schema import alert_people
from recruitbot.vacancies.model import SearchCriteria
from tests.alerts.conftest import base_url, serving
from tests.alerts.helpers import CONSENT, SECRET, WEB, RecordingNotifier, make_service

signer = LinkSigner(SECRET)
EVIL = "<script>alert(1)</script> marketing"


def link(site: str, purpose: Purpose, subject: str, days: float = 1) -> str:
    token = signer.sign(purpose, subject, utc_now() + timedelta(days=days))
    return f"{site}/alerts/{purpose.value}?token={token}"


def web_service(engine: Engine, gazetteer: Gazetteer, sock: socket.socket) -> AlertService:
    return make_service(engine, gazetteer, RecordingNotifier(), public_url=base_url(sock))


async def test_bad_forged_and_expired_links_are_refused_and_change_nothing(
    engine: Engine, gazetteer: Gazetteer, web_socket: socket.socket
) -> None:
    service = web_service(engine, gazetteer, web_socket)
    signup = service.start_signup(WEB, SearchCriteria(keyword="payroll"), Frequency.DAILY, CONSENT,
                                  email="jo@example.com", now=utc_now())
    assert signup.alert is not None
    alert_id = signup.alert.id
    forged = LinkSigner("someone-elses-secret-" + "z" * 32).sign(Purpose.CONFIRM, alert_id, utc_now() + timedelta(1))
    async with serving(service, web_socket) as site, aiohttp.ClientSession() as http:
        cases = [
            ("GET", f"{site}/alerts/confirm?token=nonsense", 400, "This link does not work"),
            ("POST", f"{site}/alerts/confirm?token={forged}", 400, "This link does not work"),
            ("POST", f"{site}/alerts/confirm", 400, "This link does not work"),
            ("POST", link(site, Purpose.CONFIRM, alert_id, days=-1), 410, "This link has expired"),
            ("POST", link(site, Purpose.UNSUBSCRIBE, alert_id, days=-1), 410, "This link has expired"),
            # A genuine unsubscribe token is no confirm token.
            ("POST", link(site, Purpose.UNSUBSCRIBE, alert_id).replace("/unsubscribe?", "/confirm?"), 400,
             "This link does not work"),
            ("POST", link(site, Purpose.ERASE, "nobody-at-all"), 200, "We hold nothing about you"),
            ("GET", link(site, Purpose.UNSUBSCRIBE, "no-such-alert"), 404, "no longer exists"),
        ]
        for method, url, status, text in cases:
            async with http.request(method, url) as page:
                assert (page.status, text in await page.text()) == (status, True), (method, url)
    assert [alert.status for alert in service.list_alerts(WEB)] == [Status.PENDING]


async def test_pages_escape_what_they_show_and_are_never_cached(
    engine: Engine, gazetteer: Gazetteer, web_socket: socket.socket
) -> None:
    service = web_service(engine, gazetteer, web_socket)
    signup = service.start_signup(WEB, SearchCriteria(keyword=EVIL), Frequency.INSTANT, CONSENT,
                                  email="jo@example.com", now=utc_now())
    assert signup.alert is not None and signup.confirmation_link is not None
    async with (
        serving(service, web_socket),
        aiohttp.ClientSession() as http,
        http.get(signup.confirmation_link) as page,
    ):
        body = await page.text()
        assert page.status == 200
        assert "&lt;script&gt;alert(1)&lt;/script&gt; marketing" in body and "<script>" not in body
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert '<html lang="en-GB">' in body and "<h1>Confirm your job alert</h1>" in body
        assert f'action="?token={signup.confirmation_token}"' in body


async def test_unsubscribe_and_erase_pages_ask_first_then_act_on_post(
    engine: Engine, gazetteer: Gazetteer, web_socket: socket.socket
) -> None:
    service = web_service(engine, gazetteer, web_socket)
    signup = service.start_signup(WEB, SearchCriteria(keyword="payroll"), Frequency.DAILY, CONSENT,
                                  email="jo@example.com", now=utc_now())
    assert signup.confirmation_token is not None and signup.alert is not None
    service.confirm_link(signup.confirmation_token)
    with engine.connect() as connection:
        person = connection.execute(select(alert_people.c.ref)).scalar_one()
    async with serving(service, web_socket) as site, aiohttp.ClientSession() as http:
        unsubscribe = link(site, Purpose.UNSUBSCRIBE, signup.alert.id)
        async with http.get(unsubscribe) as page:
            assert "Stop the job alert for payroll?" in await page.text()
        assert service.list_alerts(WEB)[0].status is Status.ACTIVE
        async with http.post(unsubscribe) as page:
            assert page.status == 200
        async with http.get(unsubscribe) as page:
            assert "You are unsubscribed" in await page.text()

        erase = link(site, Purpose.ERASE, person)
        async with http.get(erase) as page:
            assert "Erase everything" in await page.text()
        async with http.post(erase) as page:
            assert page.status == 200 and "Your details are erased" in await page.text()
        async with http.post(erase) as page:
            assert page.status == 200 and "We hold nothing about you any more" in await page.text()
    with engine.connect() as connection:
        assert connection.execute(select(alert_people.c.ref)).all() == []


async def test_a_form_that_is_not_utf8_is_a_bad_link_and_logs_no_traceback(
    engine: Engine, gazetteer: Gazetteer, web_socket: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    service = web_service(engine, gazetteer, web_socket)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with serving(service, web_socket) as site, aiohttp.ClientSession() as http, \
            http.post(f"{site}/alerts/confirm", data=b"token=\x99\xff", headers=form) as page:
        assert (page.status, "This link does not work" in await page.text()) == (400, True)
    assert "Failed when parsing form" not in caplog.text
