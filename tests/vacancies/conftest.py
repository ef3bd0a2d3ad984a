"""Fixtures for the catalogue tests: the gazetteer, both databases, a local feed server."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import OperationalError

from recruitbot.db import make_engine
from recruitbot.places import Gazetteer
from recruitbot.schema import metadata
from recruitbot.vacancies.search import Catalogue

PLACES_CSV = Path(__file__).resolve().parent / "data" / "places.csv"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def places_csv() -> Path:
    return PLACES_CSV


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_csv(PLACES_CSV)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the test PostgreSQL server for this session, dropped at the end."""
    server = make_url(os.environ.get("RECRUITBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    name = f"recruitbot_test_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL is not available: {exc.orig}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty catalogue database: a SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'catalogue.db'}")
    else:
        engine = make_engine(request.getfixturevalue("postgres_url"))
        tables = ", ".join(table.name for table in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    yield engine
    engine.dispose()


@pytest.fixture
def catalogue(engine: Engine, gazetteer: Gazetteer) -> Catalogue:
    return Catalogue(engine, gazetteer)


@dataclass
class FeedServer:
    """A local web server answering the paths a test gives it; anything else is a 404."""

    base_url: str
    routes: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    user_agents: list[str] = field(default_factory=list)
    hung: set[str] = field(default_factory=set)

    def serve(self, path: str, body: bytes, content_type: str = "application/json", status: int = 200) -> str:
        self.routes[path] = (status, content_type, body)
        return self.base_url + path

    def hang(self, path: str) -> str:
        """A path that never answers until the test ends."""
        self.hung.add(path)
        return self.base_url + path


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    release = threading.Event()
    state = FeedServer(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.user_agents.append(self.headers.get("User-Agent", ""))
            if self.path in state.hung:
                release.wait(timeout=30)
                return
            status, content_type, body = state.routes.get(self.path, (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output clean."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join()
