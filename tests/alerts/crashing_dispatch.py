"""A dispatch that dies (``os._exit``, no clean-up) right after its Nth message went out.

The child process of the restart test: ``python -m tests.alerts.crashing_dispatch DB_URL LOG N NOW``.
Each message is appended to LOG (and synced) before the process dies, as a mail server
would have accepted it.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

from recruitbot.alerts.notify import AlertMessage, ConfirmationMessage
from recruitbot.db import make_engine
from recruitbot.places import Gazetteer
from tests.alerts.helpers import PLACES_CSV, make_service

CRASHED = 17


class DyingNotifier:
    """Delivers by writing a line to the log; dies after the ``survive``-th delivery."""

    def __init__(self, log: Path, survive: int) -> None:
        self._log = log
        self._left = survive

    def send(self, message: AlertMessage) -> None:
        with self._log.open("a", encoding="utf-8") as file:
            file.write(f"{message.recipient} {' '.join(vacancy.id for vacancy in message.vacancies)}\n")
            file.flush()
            os.fsync(file.fileno())
        self._left -= 1
        if self._left == 0:
            os._exit(CRASHED)

    def send_confirmation(self, message: ConfirmationMessage) -> None:
        raise AssertionError("a dispatch sends no confirmations")


def main(argv: list[str]) -> int:
    url, log, survive, now = argv
    engine = make_engine(url)
    service = make_service(engine, Gazetteer.from_csv(PLACES_CSV), DyingNotifier(Path(log), int(survive)))
    service.dispatch(now=datetime.fromisoformat(now))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
