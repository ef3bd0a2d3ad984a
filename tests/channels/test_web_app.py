"""The web app in process: signed sessions, the origin allow-list, widget.js and the demo page."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from recruitbot.settings import Settings, load_settings
from recruitbot.web.app import create_app
from recruitbot.web.bundle import WidgetBuildError, build_widget
from recruitbot.web.sessions import SECRET_FILE_NAME, SessionSigner, session_secret
from tests.channels.conftest import serving

ALLOWED = "https://www.11recruitment.example"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The alert pages' database sits beside var_dir, which must hold nothing but the session secret.
    return dataclasses.replace(load_settings(), var_dir=tmp_path, session_secret="", rasa_port=5999, chat_url="",
                               allowed_origins=(ALLOWED, "http://localhost:8000"),
                               database_url=f"sqlite:///{tmp_path.parent / (tmp_path.name + '-web.db')}")


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[str]:
    async with serving(create_app(settings)) as url:
        yield url


async def post_session(web: str, body: object = None, origin: str | None = ALLOWED) -> aiohttp.ClientResponse:
    headers = {"Origin": origin} if origin else {}
    async with aiohttp.ClientSession() as http:
        response = await http.post(f"{web}/api/session", json=body, headers=headers)
        await response.read()
        return response


async def test_a_new_session_is_issued_with_a_token_that_proves_it(web: str, settings: Settings) -> None:
    response = await post_session(web)
    issued = await response.json()
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Cache-Control"] == "no-store"
    assert set(issued) == {"session_id", "token", "socket_url", "socket_path"}
    assert issued["socket_url"] == "http://127.0.0.1:5999" and issued["socket_path"] == "/socket.io"
    assert SessionSigner(session_secret(settings)).is_valid(issued["session_id"], issued["token"])


async def test_a_valid_session_is_kept_and_anything_else_replaced(web: str) -> None:
    issued = await (await post_session(web)).json()
    kept = await (await post_session(web, {"session_id": issued["session_id"], "token": issued["token"]})).json()
    assert (kept["session_id"], kept["token"]) == (issued["session_id"], issued["token"])

    claimed = await (await post_session(web, {"session_id": issued["session_id"], "token": "guessed"})).json()
    assert claimed["session_id"] != issued["session_id"]
    for body in ("not an object", {"session_id": "../../etc", "token": issued["token"]}, None):
        assert (await (await post_session(web, body)).json())["session_id"] != issued["session_id"]


async def test_origins_outside_the_allow_list_are_refused(web: str) -> None:
    refused = await post_session(web, origin="https://evil.example")
    assert refused.status == 403
    assert "Access-Control-Allow-Origin" not in refused.headers
    async with aiohttp.ClientSession() as http:
        preflight = await http.options(f"{web}/api/session", headers={
            "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert preflight.status in (200, 204)
        assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
        foreign = await http.options(f"{web}/api/session", headers={"Origin": "https://evil.example"})
        assert foreign.status == 403


async def test_widget_js_is_one_script_revalidated_by_etag(web: str) -> None:
    async with aiohttp.ClientSession() as http:
        first = await http.get(f"{web}/widget.js")
        script = await first.text()
        assert first.headers["Content-Type"].startswith("application/javascript")
        assert first.headers["Cache-Control"] == "no-cache"
        assert "Socket.IO v4" in script and "data-server" in script and "sourceMappingURL" not in script
        again = await http.get(f"{web}/widget.js", headers={"If-None-Match": first.headers["ETag"]})
        assert again.status == 304


async def test_the_demo_pages_embed_the_widget_with_one_tag(web: str) -> None:
    async with aiohttp.ClientSession() as http:
        page = await (await http.get(f"{web}/")).text()
        vacancy = await (await http.get(f"{web}/demo/vacancy")).text()
    assert f'<script src="{web}/widget.js" data-server="{web}" defer></script>' in page
    assert f'<script src="{web}/widget.js" data-server="{web}" data-vacancy-id="11R-2026-02592" defer>' in vacancy
    assert page.count('<nav aria-label="Main">') == vacancy.count('<nav aria-label="Main">') == 1


def test_the_session_secret_is_generated_once_and_kept(settings: Settings) -> None:
    secret = session_secret(settings)
    path = settings.var_dir / SECRET_FILE_NAME
    assert len(secret) >= 48 and path.read_text() == secret
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert session_secret(settings) == secret
    assert session_secret(dataclasses.replace(settings, session_secret="x" * 40)) == "x" * 40
    assert not [name for name in os.listdir(settings.var_dir) if name != SECRET_FILE_NAME]


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        SessionSigner("short")


def test_a_missing_socket_io_client_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(WidgetBuildError, match="npm ci"):
        build_widget(tmp_path)
