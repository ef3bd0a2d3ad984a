"""nginx as the production profile configures it, in front of two stand-in servers on loopback."""

from __future__ import annotations

import http.server
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from recruitbot.profile import nginx_command, write_nginx_config
from recruitbot.run import free_port

pytestmark = pytest.mark.servers


class _Upstream(http.server.BaseHTTPRequestHandler):
    """A stand-in Rasa server: answers with its own name and the client address nginx passed on."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = f"{self.server.name} {self.headers.get('X-Forwarded-For')}".encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer  # noqa: N815 - the names http.server calls

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def upstreams() -> Iterator[list[int]]:
    servers = []
    for name in ("one", "two"):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
        server.name = name  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield [server.server_address[1] for server in servers]
    for server in servers:
        server.shutdown()


def start_nginx(upstreams: list[int], folder: Path, requests_per_minute: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    config = write_nginx_config(port, upstreams, folder, requests_per_minute)
    process = subprocess.Popen(nginx_command(config), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return process, port
        except (OSError, urllib.error.URLError):
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            time.sleep(0.1)
    process.kill()
    pytest.fail("nginx did not start")


def post(port: int, path: str, body: bytes = b"{}") -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_webhooks_reach_every_server_and_nothing_else_is_exposed(upstreams: list[int], tmp_path: Path) -> None:
    process, port = start_nginx(upstreams, tmp_path, requests_per_minute=0)
    try:
        answers = [post(port, "/webhooks/rest/webhook") for _ in range(6)]
        assert {status for status, _ in answers} == {200}
        assert {body.split()[0] for _, body in answers} == {"one", "two"}
        assert all(body.split()[1] == "127.0.0.1" for _, body in answers)  # the client's address, passed on
        assert post(port, "/conversations/someone/tracker")[0] == 404  # Rasa's HTTP API paths stay private
        assert post(port, "/webhooks/erasure/senders")[0] == 404  # only for the bot's own processes
        assert post(port, "/webhooks/rest/webhook", b"x" * (65 * 1024))[0] == 413
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_client_address_over_the_rate_gets_429(upstreams: list[int], tmp_path: Path) -> None:
    process, port = start_nginx(upstreams, tmp_path, requests_per_minute=60)  # burst of 6
    try:
        statuses = [post(port, "/webhooks/rest/webhook")[0] for _ in range(20)]
        assert statuses[:6] == [200] * 6
        assert 429 in statuses[6:]
    finally:
        process.terminate()
        process.wait(timeout=10)
