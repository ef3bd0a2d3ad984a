"""widget.js as served: socket.io-client's browser build and the widget's own code, in one closure.

Nothing is vendored or built ahead: setup installs socket.io-client with ``npm ci`` in widget/,
and this joins the pieces when the web app starts. Inside the closure ``module`` and
``exports`` are local, so socket.io's UMD wrapper hands its ``io`` to the widget and leaves the
host page's globals (and any socket.io of its own) alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from recruitbot.settings import PROJECT_ROOT

WIDGET_DIR = PROJECT_ROOT / "widget"
SOCKET_IO_CLIENT = Path("node_modules/socket.io-client/dist/socket.io.min.js")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


class WidgetBuildError(RuntimeError):
    """The widget cannot be assembled; the message says what to install."""


@dataclass(frozen=True)
class Bundle:
    """The script's text and a validator for conditional requests."""

    javascript: str
    etag: str


def build_widget(widget_dir: Path = WIDGET_DIR) -> Bundle:
    """Read the widget's sources and socket.io-client, and join them into one script."""
    client = widget_dir / SOCKET_IO_CLIENT
    if not client.exists():
        raise WidgetBuildError(
            f"{client} is missing: run `npm ci` in {widget_dir} (scripts/setup.sh does it; needs Node.js 18+ and npm)")
    css = (widget_dir / "src" / "widget.css").read_text(encoding="utf-8")
    widget = (widget_dir / "src" / "widget.js").read_text(encoding="utf-8")
    javascript = "\n".join([
        "/*! 11 Recruitment chat widget. Includes socket.io-client (MIT licence, see below). */",
        "(function () {",
        "var module = { exports: {} }, exports = module.exports, define = undefined;",
        _SOURCE_MAP.sub("", client.read_text(encoding="utf-8")),
        "var io = module.exports;",
        f"var WIDGET_CSS = {json.dumps(css)};",
        widget,
        "})();",
        "",
    ])
    return Bundle(javascript, '"' + hashlib.sha256(javascript.encode()).hexdigest()[:32] + '"')
