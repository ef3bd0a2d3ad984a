"""The website widget in Debian's chromium, against the real action server, Rasa server and web app.

Screenshots go to tests/artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Dialog,
    Page,
    Playwright,
    WebSocketRoute,
    expect,
    sync_playwright,
)

from recruitbot.db import shared_engine
from recruitbot.places import load_gazetteer
from recruitbot.run import Stack
from recruitbot.vacancies.feeds import parse_feed
from recruitbot.vacancies.importer import sync_feed
from tests.channels.conftest import ROOT

pytestmark = [pytest.mark.model, pytest.mark.servers]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
XSS = "<img src=x onerror=alert(1)>"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
REPLY_TIMEOUT_MS = 60_000


def response_text(name: str) -> str:
    for source in (ROOT / "domain.yml", ROOT / "data" / "responses" / "faq.yml"):
        responses = yaml.safe_load(source.read_text()).get("responses", {})
        if name in responses:
            return str(responses[name][0]["text"])
    raise KeyError(name)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs it (apt-get install chromium)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, channel_stack: Stack) -> Page:
    page = context.new_page()
    page.goto(home(channel_stack))
    return page


def home(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.ports.web}/"


def launcher(page: Page) -> Any:
    return page.get_by_role("button", name=re.compile("^Chat with 11 Recruitment"))


def message_box(page: Page) -> Any:
    return page.get_by_role("textbox", name="Your message")


def send(page: Page, text: str) -> None:
    message_box(page).fill(text)
    message_box(page).press("Enter")


def bot_says(page: Page, text: str) -> None:
    expect(page.locator(".rb-bot .rb-bubble", has_text=text).last).to_be_visible(timeout=REPLY_TIMEOUT_MS)


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"widget-{name}.png"))


def test_a_candidate_asks_clicks_a_quick_reply_and_sees_vacancy_cards(page: Page, artifacts: Path) -> None:
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")
    launcher(page).click()
    expect(launcher(page)).to_have_attribute("aria-expanded", "true")
    expect(message_box(page)).to_be_focused()

    send(page, "does getting a 2nd interview mean ive got the job??")
    bot_says(page, response_text("utter_faq/second_interview_meaning")[:60])

    send(page, "hi")
    bot_says(page, response_text("utter_greet")[:40])
    page.get_by_role("group", name="Suggested replies").get_by_role("button", name="See vacancies").click()
    bot_says(page, response_text("utter_ask_vacancy_criteria")[:40])
    expect(page.get_by_role("button", name="Does a 2nd interview mean I got it?")).to_have_count(0)

    send(page, "temp admin jobs in Leeds")
    cards = page.locator("article.rb-card")
    expect(cards.first).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    first = cards.first
    apply = first.get_by_role("link", name=re.compile("^Apply"))
    expect(apply).to_have_attribute("href", re.compile(r"^https://"))
    expect(apply).to_have_attribute("target", "_blank")
    expect(apply).to_have_attribute("rel", "noopener noreferrer")
    shown = cards.count()
    shot(page, artifacts, "desktop-cards")

    first.get_by_role("button", name="More like this").click()
    expect(page.locator(".rb-user .rb-bubble").last).to_contain_text("More like this: ")
    expect(cards).not_to_have_count(shown, timeout=REPLY_TIMEOUT_MS)
    shot(page, artifacts, "desktop-more-like-this")


def test_the_conversation_survives_a_reload_and_follows_into_another_tab(
        page: Page, context: BrowserContext, channel_stack: Stack) -> None:
    launcher(page).click()
    send(page, "hi there")
    bot_says(page, response_text("utter_greet")[:40])
    # Forget the local copy: what comes back after the reload is the server's history.
    page.evaluate("Object.keys(localStorage).filter(k => k.endsWith(':transcript'))"
                  ".forEach(k => localStorage.removeItem(k))")
    page.reload()
    expect(page.locator(".rb-user .rb-bubble", has_text="hi there")).to_be_visible()
    bot_says(page, response_text("utter_greet")[:40])
    expect(message_box(page)).to_be_visible()  # still open after the reload

    other = context.new_page()
    other.goto(home(channel_stack))
    launcher(other).click()
    expect(other.locator(".rb-user .rb-bubble", has_text="hi there")).to_be_visible()
    send(other, "wait, am I talking to a bot?")
    bot_says(other, response_text("utter_iamabot")[:40])
    expect(page.locator(".rb-user .rb-bubble", has_text="wait, am I talking to a bot?")).to_be_visible()
    bot_says(page, response_text("utter_iamabot")[:40])


def test_markup_in_answers_is_shown_as_text(page: Page, channel_var: Path, artifacts: Path) -> None:
    add_vacancy(channel_var, {
        "id": "11R-XSS-0001", "title": f"Zythum Brewer {XSS}", "location": "Leeds", "job_type": "temp",
        "salary": "£12.50 per hour", "summary": f"Brew {XSS} and <script>alert(2)</script> for a Leeds taproom.",
        "url": "https://www.11recruitment.example/vacancies/11r-xss-0001",
        "posted": date.today().isoformat(), "closes": (date.today() + timedelta(days=30)).isoformat()})
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    launcher(page).click()

    send(page, XSS)
    expect(page.locator(".rb-user .rb-bubble").last).to_have_text(XSS)
    send(page, "find me zythum jobs")  # typed, so read by NLU (a typed "/intent{...}" no longer forces one)
    title = page.locator(".rb-card-title").first
    expect(title).to_have_text(f"Zythum Brewer {XSS}", timeout=REPLY_TIMEOUT_MS)
    expect(page.locator(".rb-card-summary").first).to_contain_text("<script>alert(2)</script>")

    shot(page, artifacts, "xss-as-text")
    assert page.locator("img").count() == 0
    assert page.locator("[data-recruitbot-widget] script").count() == 0
    assert dialogs == []


def test_a_keyboard_alone_opens_chats_picks_a_reply_and_closes(page: Page, artifacts: Path) -> None:
    page.keyboard.press("Shift+Tab")  # from the top of the page, backwards: the launcher is last
    expect(launcher(page)).to_be_focused()
    page.keyboard.press("Enter")
    expect(message_box(page)).to_be_focused()
    expect(page.get_by_role("dialog", name="11 Recruitment")).to_be_visible()
    expect(page.get_by_role("log", name="Conversation")).to_have_attribute("aria-live", "polite")

    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    bot_says(page, response_text("utter_greet")[:40])
    # Back from the message box over the newest quick replies ("Talk to a consultant", "Get job
    # alerts") to "See vacancies"; a slow reply may add a "try again" control on the way, so walk
    # a bounded number of steps rather than an exact count.
    see_vacancies = page.get_by_role("button", name="See vacancies").last
    for _ in range(6):
        page.keyboard.press("Shift+Tab")
        if see_vacancies.evaluate("button => button === button.getRootNode().activeElement"):
            break
    expect(see_vacancies).to_be_focused()
    shot(page, artifacts, "keyboard-focus")
    page.keyboard.press("Enter")
    bot_says(page, response_text("utter_ask_vacancy_criteria")[:40])
    expect(message_box(page)).to_be_focused()

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="11 Recruitment")).to_be_hidden()
    expect(launcher(page)).to_be_focused()


def test_on_a_phone_the_open_chat_fills_the_screen(browser: Browser, channel_stack: Stack, artifacts: Path) -> None:
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(home(channel_stack))
        box = launcher(page).bounding_box()
        assert box and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
        shot(page, artifacts, "phone-closed")

        launcher(page).tap()
        panel = page.get_by_role("dialog", name="11 Recruitment")
        expect(panel).to_be_visible()
        assert panel.bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
        send(page, "hi")
        bot_says(page, response_text("utter_greet")[:40])
        for chip in page.locator(".rb-chip").all():
            chip_box = chip.bounding_box()
            assert chip_box and chip_box["x"] >= 0 and chip_box["x"] + chip_box["width"] <= 390
        assert page.locator(".rb-log").evaluate("log => log.scrollWidth <= log.clientWidth")
        send(page, "temp admin jobs in Leeds")
        expect(page.locator("article.rb-card").first).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        shot(page, artifacts, "phone-cards")
        page.get_by_role("button", name="Close chat").tap()
        expect(launcher(page)).to_be_visible()
    finally:
        context.close()


def test_a_vacancy_page_tells_the_bot_which_vacancy_without_the_query_string(
        context: BrowserContext, channel_stack: Stack, channel_var: Path) -> None:
    web = home(channel_stack).rstrip("/")
    page = context.new_page()
    page.goto(f"{web}/demo/vacancy?email=sam%40example.com")
    launcher(page).click()
    send(page, "is this one still open?")
    expect(page.locator(".rb-bot").first).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    session_id = page.evaluate(
        "JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.endsWith(':session')))).session_id")
    [metadata] = user_metadata(channel_var, session_id)
    assert metadata["page"] == {"url": f"{web}/demo/vacancy", "path": "/demo/vacancy",
                                "title": "Temporary Office Administrator, Brighton | 11 Recruitment",
                                "vacancy_id": "11R-2026-02592"}


def test_it_says_when_the_chat_is_unreachable_and_recovers(context: BrowserContext, channel_stack: Stack,
                                                           artifacts: Path) -> None:
    offline = {"on": True}
    sockets: list[WebSocketRoute] = []
    context.route("**/api/session", lambda route: route.abort() if offline["on"] else route.continue_())
    context.route("**/socket.io/**", lambda route: route.abort() if offline["on"] else route.continue_())

    def through(ws: WebSocketRoute) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    page = context.new_page()
    page.route_web_socket(re.compile(r"/socket\.io/"), through)
    page.goto(home(channel_stack))
    launcher(page).click()
    expect(page.get_by_role("status").filter(has_text="unavailable")).to_be_visible()

    offline["on"] = False
    send(page, "hi")
    bot_says(page, response_text("utter_greet")[:40])
    expect(page.get_by_role("status").filter(has_text="unavailable")).to_be_hidden()

    offline["on"] = True
    until(page, lambda: bool(sockets), "the widget to upgrade to a websocket")
    sockets[-1].close()
    reconnecting = page.get_by_role("status").filter(has_text="Reconnecting")
    expect(reconnecting).to_be_visible()
    shot(page, artifacts, "reconnecting")
    offline["on"] = False
    expect(reconnecting).to_be_hidden()
    send(page, "wait, am I talking to a bot?")
    bot_says(page, response_text("utter_iamabot")[:40])


def until(page: Page, condition: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    """Poll ``condition`` (Playwright delivers its events meanwhile) until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        page.wait_for_timeout(50)


def add_vacancy(var: Path, record: dict[str, Any]) -> None:
    engine = shared_engine(f"sqlite:///{var / 'recruitbot.db'}")
    sync_feed(engine, load_gazetteer(), parse_feed(json.dumps([record])), source="widget test", partial=True)


def user_metadata(var: Path, sender_id: str) -> list[dict[str, Any]]:
    with sqlite3.connect(var / "tracker.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender_id,))
        return [json.loads(data).get("metadata", {}) for (data,) in rows]
