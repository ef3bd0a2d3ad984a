"""Alert emails end to end: a real SMTP server receives them, a real web server serves their links."""

from __future__ import annotations

import logging
import re
import socket
from datetime import datetime, timedelta

import aiohttp
import pytest
from sqlalchemy.engine import Engine

from recruitbot.alerts.clock import utc_now
from recruitbot.alerts.model import Frequency, Status
from recruitbot.alerts.notify import EmailNotifier
from recruitbot.places import Gazetteer
from recruitbot.vacancies.model import SearchCriteria
from tests.alerts.conftest import MailServer, base_url, serving
from tests.alerts.helpers import CONSENT, UNSUBSCRIBE_MAILBOX, WEB, import_vacancies, make_service
from tests.vacancies.builders import record

ADDRESS = "jo.bloggs@example.com"
LINK = re.compile(r"https?://\S+")


def links_in(text: str) -> list[str]:
    return LINK.findall(text)


async def test_signup_confirm_alert_email_and_one_click_unsubscribe_over_http(
    engine: Engine,
    gazetteer: Gazetteer,
    mail_server: MailServer,
    smtp_notifier: EmailNotifier,
    web_socket: socket.socket,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # The web server checks links against the real clock, so this story happens now.
    start = utc_now()

    def at(minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    service = make_service(engine, gazetteer, smtp_notifier, public_url=base_url(web_socket))
    async with serving(service, web_socket) as site, aiohttp.ClientSession() as http:
        signup = service.start_signup(WEB, SearchCriteria(keyword="marketing", location="West Yorkshire"),
                                      Frequency.INSTANT, CONSENT, email=ADDRESS, now=at(0))
        assert signup.confirmation_sent
        [confirmation] = mail_server.to(ADDRESS)
        assert confirmation["Subject"] == "Please confirm your job alert"
        confirm_link = signup.confirmation_link
        assert confirm_link is not None and confirm_link.startswith(f"{site}/alerts/confirm?token=")
        assert confirm_link in confirmation.get_body(("plain",)).get_content()  # type: ignore[union-attr]

        async with http.get(confirm_link) as page:  # a mail scanner opening the link confirms nothing
            assert page.status == 200 and "<form" in await page.text()
        assert service.list_alerts(WEB)[0].status is Status.PENDING
        async with http.post(confirm_link) as page:
            assert page.status == 200 and "Your job alert is on" in await page.text()
        assert service.list_alerts(WEB)[0].status is Status.ACTIVE

        import_vacancies(engine, gazetteer, [
            record("LEEDS", title="Marketing Executive", location="Leeds", salary="£28,000"),
            record("BRADFORD", title="Marketing <Lead> & Co", location="Bradford"),
            record("YORK", title="Marketing Manager", location="York"),
        ], now=at(30))
        for run in range(3):
            service.dispatch(now=at(31 + run))

        confirmation_and_alert = mail_server.to(ADDRESS)
        assert len(confirmation_and_alert) == 2
        mail = confirmation_and_alert[1]
        assert mail["Subject"] == "New jobs for your alert: marketing · West Yorkshire"
        assert mail["From"] == "11 Recruitment <no-reply@11recruitment.example>"
        assert mail.get_content_type() == "multipart/alternative"
        plain = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
        for text in (plain, html):
            assert "https://jobs.example/LEEDS" in text and "https://jobs.example/BRADFORD" in text
            assert "YORK" not in text
        assert "Marketing <Lead> & Co" in plain
        assert "Marketing &lt;Lead&gt; &amp; Co" in html and "<Lead>" not in html
        assert "Leeds · perm · £28,000" in plain

        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        header_links = re.findall(r"<([^>]+)>", mail["List-Unsubscribe"])
        assert len(header_links) == 2
        https_link, mailto = header_links
        assert https_link.startswith(f"{site}/alerts/unsubscribe?token=unsubscribe.")
        assert mailto.startswith(f"mailto:{UNSUBSCRIBE_MAILBOX}?subject=unsubscribe%20unsubscribe.")
        assert https_link in links_in(plain) and https_link in html
        erase_link = next(link for link in links_in(plain) if "/alerts/erase?" in link)

        # RFC 8058: a POST to the header's URL, with no cookie and no login, unsubscribes.
        async with http.post(https_link, data="List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:
            assert response.status == 200
            assert "You are unsubscribed" in await response.text()
            assert "Set-Cookie" not in response.headers
        assert service.list_alerts(WEB) == []
        async with http.get(erase_link) as page:
            assert page.status == 200 and "Erase everything" in await page.text()

        import_vacancies(engine, gazetteer, [record("LATER", title="Marketing Officer")], now=at(60))
        assert service.dispatch(now=at(61)).messages_sent == 0
        assert len(mail_server.to(ADDRESS)) == 2

    ours = "\n".join(entry.getMessage() for entry in caplog.records if entry.name.startswith("recruitbot"))
    assert ADDRESS not in ours and "j***@example.com" in ours
