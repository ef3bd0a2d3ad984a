"""Run the web app: ``python -m recruitbot.web [--port N]`` (``python -m recruitbot.run`` starts it for you)."""

from __future__ import annotations

import argparse
import sys

from recruitbot.settings import load_settings
from recruitbot.web.app import create_app
from recruitbot.web.bundle import WidgetBuildError


def main(argv: list[str] | None = None) -> int:
    """Serve until Ctrl-C or SIGTERM."""
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="0.0.0.0", help="interface to listen on (default: all)")
    parser.add_argument("--port", type=int, default=settings.web_port, help="default: WEB_PORT or 8000")
    args = parser.parse_args(argv)
    try:
        app = create_app(settings)
    except (WidgetBuildError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    app.run(host=args.host, port=args.port, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
