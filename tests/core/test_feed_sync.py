"""Scheduled feed sync: a feed that goes down leaves the last good catalogue serving."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from recruitbot.db import make_engine
from recruitbot.places import load_gazetteer
from recruitbot.vacancies.model import SearchCriteria
from recruitbot.vacancies.schedule import FeedSync, sync_once
from recruitbot.vacancies.search import Catalogue

TODAY = date.today()


def record(vacancy_id: str, title: str) -> dict:
    return {"id": vacancy_id, "title": title, "location": "Leeds", "job_type": "perm", "summary": "A role.",
            "url": f"https://jobs.example/{vacancy_id}", "posted": (TODAY - timedelta(days=1)).isoformat()}


class Feed:
    """What the fake feed server answers: a body, or an HTTP error status."""

    body: bytes = b"[]"
    status: int = 200
    served = 0


@pytest.fixture
def feed_url() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            Feed.served += 1
            self.send_response(Feed.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            if Feed.status == 200:
                self.wfile.write(Feed.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.json"
    server.shutdown()


def test_feed_down_keeps_last_good_catalogue(tmp_path, feed_url):
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    gazetteer = load_gazetteer()
    catalogue = Catalogue(engine, gazetteer)
    Feed.status, Feed.body = 200, json.dumps([record("A1", "Payroll Clerk"), record("A2", "HR Adviser")]).encode()
    assert sync_once(engine, gazetteer, feed_url) is True
    assert catalogue.count_open() == 2

    Feed.status = 404
    assert sync_once(engine, gazetteer, feed_url) is False
    Feed.status, Feed.body = 200, b"{not json"
    assert sync_once(engine, gazetteer, feed_url) is False
    Feed.body = b"[]"  # parses, but would close everything: refused
    assert sync_once(engine, gazetteer, feed_url) is False
    assert [v.id for v in catalogue.search(SearchCriteria(keyword="payroll")).vacancies] == ["A1"]
    assert catalogue.count_open() == 2


def test_schedule_runs_at_once_and_stops(tmp_path, feed_url):
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    Feed.status, Feed.body, Feed.served = 200, json.dumps([record("B1", "Receptionist")]).encode(), 0
    done = threading.Event()
    sync = FeedSync(engine, load_gazetteer(), feed_url, interval_s=3600, after_import=lambda report: done.set())
    sync.start()
    assert done.wait(timeout=30)
    sync.stop()
    assert Feed.served == 1
    assert Catalogue(engine, load_gazetteer()).count_open() == 1
