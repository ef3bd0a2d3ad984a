"""The production profile: PostgreSQL trackers, Redis locks, several Rasa servers behind nginx.

``RECRUITBOT_PROFILE=production`` (docs/production.md) moves the bot off its embedded
defaults:

- conversations go to PostgreSQL (Rasa's SQL tracker store, endpoints.production.yml), in the
  database RECRUITBOT_TRACKER_STORE_URL names, by default the catalogue's and alerts' own
  RECRUITBOT_DATABASE_URL, which must be PostgreSQL;
- conversation locks go to Redis (RECRUITBOT_REDIS_URL) through
  :class:`recruitbot.locks.AtomicRedisLockStore`, so that any server may take any message;
- RECRUITBOT_RASA_SERVERS Rasa servers (default: one per core, at least two), each a single
  Sanic worker (Rasa's socket.io channel does not support several workers in one server),
  behind nginx on RASA_PORT. The widget's socket.io connections stay on one server per client
  address (its long-polling transport keeps its state in that server); every other request
  goes to any server. nginx also caps request sizes and messages per client address (429).

The action server and the web app are stateless and stay as in the default profile.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from recruitbot.settings import Deployment, Settings

ENDPOINTS = {"default": "endpoints.yml", "production": "endpoints.production.yml"}
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")


class ProfileError(ValueError):
    """The profile's settings are incomplete or inconsistent; the message says what to set."""


@dataclass(frozen=True)
class TrackerDatabase:
    """Where Rasa keeps conversations, as endpoints.production.yml wants it (in parts)."""

    host: str
    port: int
    name: str
    user: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> TrackerDatabase:
        """The parts of a ``postgresql://`` URL."""
        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            raise ProfileError(
                "the production profile keeps conversations in PostgreSQL: set RECRUITBOT_DATABASE_URL "
                "(or RECRUITBOT_TRACKER_STORE_URL) to postgresql://user:password@host:5432/database")
        if not parsed.database:
            raise ProfileError("the PostgreSQL URL for the tracker store names no database")
        return cls(parsed.host or "127.0.0.1", parsed.port or 5432, parsed.database,
                   parsed.username or "", parsed.password or "")


def production_environment(settings: Settings, deployment: Deployment) -> dict[str, str]:
    """The variables endpoints.production.yml and the servers read in the production profile."""
    if make_url(settings.database_url).get_backend_name() != "postgresql":
        raise ProfileError(
            "the production profile keeps the catalogue and alerts in PostgreSQL: set RECRUITBOT_DATABASE_URL "
            "to postgresql://user:password@host:5432/database")
    tracker_url = settings.tracker_store_url
    if make_url(tracker_url).get_backend_name() == "sqlite":  # only the default was there
        tracker_url = settings.database_url
    tracker = TrackerDatabase.from_url(tracker_url)
    redis = make_url(deployment.redis_url)
    if redis.get_backend_name() != "redis":
        raise ProfileError(f"RECRUITBOT_REDIS_URL must be a redis:// URL, not {deployment.redis_url!r}")
    return {
        "RECRUITBOT_TRACKER_STORE_URL": tracker_url,
        "RECRUITBOT_TRACKER_HOST": tracker.host,
        "RECRUITBOT_TRACKER_PORT": str(tracker.port),
        "RECRUITBOT_TRACKER_NAME": tracker.name,
        "RECRUITBOT_TRACKER_USER": tracker.user,
        "RECRUITBOT_TRACKER_PASSWORD": tracker.password,
        "RECRUITBOT_REDIS_HOST": redis.host or "127.0.0.1",
        "RECRUITBOT_REDIS_PORT": str(redis.port or 6379),
        "RECRUITBOT_REDIS_DB": str(redis.database or "1"),
        "RECRUITBOT_REDIS_PASSWORD": redis.password or "",
        # The servers see nginx's address; the client's comes in X-Forwarded-For (connectors/limits.py).
        "RECRUITBOT_TRUSTED_PROXIES": "127.0.0.1",
        # The channels share what they have seen through Redis (connectors/dedup.py).
        "RECRUITBOT_PROFILE": deployment.profile,
        "RECRUITBOT_REDIS_URL": deployment.redis_url,
    }


def nginx_binary() -> str:
    """The nginx executable, or ProfileError saying how to get it."""
    for candidate in NGINX_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise ProfileError("the production profile puts nginx in front of the Rasa servers, and nginx is not "
                       "installed: apt-get install nginx-light (Debian/Ubuntu)")


def nginx_config(
    listen: str, upstreams: list[str], folder: Path, requests_per_minute: int = 600, max_body_kib: int = 64
) -> str:
    """The nginx configuration: ``listen`` (host:port) in front of the Rasa servers at ``upstreams`` (host:port).

    ``folder`` holds nginx's pid and error log.

    ``requests_per_minute`` caps each client address on the webhooks (429 beyond; 0: no cap),
    above the channels' own per-session limits (connectors/limits.py).
    """
    rate_zone = rate_limit = ""
    if requests_per_minute > 0:
        burst = max(1, requests_per_minute // 10)
        rate_zone = (f"  limit_req_zone $binary_remote_addr zone=per_address:10m rate={requests_per_minute}r/m;\n"
                     "  limit_req_status 429;\n")
        rate_limit = f"      limit_req zone=per_address burst={burst} nodelay;\n"
    servers = "".join(f"    server {upstream} max_fails=1 fail_timeout=5s;\n" for upstream in upstreams)
    proxied = (
        "      proxy_http_version 1.1;\n"
        "      proxy_set_header Host $host;\n"
        "      proxy_set_header X-Forwarded-For $remote_addr;\n"
        "      proxy_read_timeout 75s;\n"
    )
    return (
        "worker_processes 1;\n"
        "daemon off;\n"
        f"pid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "  access_log off;\n"
        "  server_tokens off;\n"
        f"  client_body_temp_path {folder / 'body'};\n"
        f"  proxy_temp_path {folder / 'proxy'};\n"
        f"  fastcgi_temp_path {folder / 'fastcgi'};\n"
        f"  uwsgi_temp_path {folder / 'uwsgi'};\n"
        f"  scgi_temp_path {folder / 'scgi'};\n"
        f"{rate_zone}"
        f"  client_max_body_size {max_body_kib}k;\n"
        # Bodies and replies stay in memory: nginx's workers need no writable folder.
        f"  client_body_buffer_size {max_body_kib}k;\n"
        "  proxy_max_temp_file_size 0;\n"
        "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
        f"  upstream rasa_any {{\n{servers}  }}\n"
        f"  upstream rasa_sticky {{\n    ip_hash;\n{servers}  }}\n"
        "  server {\n"
        f"    listen {listen};\n"
        "    location /socket.io/ {\n"
        f"{proxied}"
        "      proxy_set_header Upgrade $http_upgrade;\n"
        "      proxy_set_header Connection $connection_upgrade;\n"
        "      proxy_pass http://rasa_sticky;\n"
        "    }\n"
        # The Rasa servers' erasure routes are for the bot's own processes (connectors/erasure.py).
        "    location /webhooks/erasure/ { return 404; }\n"
        "    location /webhooks/ {\n"
        f"{rate_limit}"
        f"{proxied}"
        "      proxy_set_header Connection \"\";\n"
        "      proxy_pass http://rasa_any;\n"
        "    }\n"
        "    location = / {\n"
        f"{proxied}"
        "      proxy_pass http://rasa_any;\n"
        "    }\n"
        "    location / { return 404; }\n"
        "  }\n"
        "}\n"
    )


def write_nginx_config(listen_port: int, rasa_ports: list[int], var_dir: Path, requests_per_minute: int = 600) -> Path:
    """Write nginx's configuration for servers on loopback (and its working folders) under ``var_dir``/nginx."""
    folder = var_dir / "nginx"
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    path = folder / "nginx.conf"
    upstreams = [f"127.0.0.1:{port}" for port in rasa_ports]
    path.write_text(nginx_config(f"127.0.0.1:{listen_port}", upstreams, folder, requests_per_minute))
    return path


def nginx_command(config: Path) -> list[str]:
    """The nginx command, in the foreground, with ``config`` (its prefix the config's folder)."""
    return [nginx_binary(), "-c", str(config), "-p", str(config.parent)]


def main(argv: list[str] | None = None) -> int:
    """Print the nginx configuration for servers elsewhere (deploy/nginx.conf is made with this)."""
    parser = argparse.ArgumentParser(description="Print the production profile's nginx configuration.")
    parser.add_argument("--listen", default="0.0.0.0:8080", help="host:port nginx listens on")
    parser.add_argument("--upstream", action="append", required=True, help="host:port of a Rasa server (repeat)")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/nginx"), help="nginx's pid, log and temp folder")
    parser.add_argument("--requests-per-minute", type=int, default=600, help="per client address; 0: no limit")
    args = parser.parse_args(argv)
    sys.stdout.write(nginx_config(args.listen, args.upstream, args.folder, args.requests_per_minute))
    return 0


if __name__ == "__main__":
    sys.exit(main())
