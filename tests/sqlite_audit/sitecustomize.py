"""For tests/test_sqlite_single_writer.py: record which process opens which SQLite database.

Put this folder on PYTHONPATH and name a file in RECRUITBOT_SQLITE_AUDIT_LOG: every
``sqlite3.connect`` in the process then appends "<pid> <database> <command line>" to it
(Python's audit event ``sqlite3.connect``, raised by every connection SQLAlchemy opens).
"""

from __future__ import annotations

import os
import sys


def _record_sqlite_opens(log_path: str) -> None:
    def hook(event: str, args: tuple[object, ...]) -> None:
        if event != "sqlite3.connect":
            return
        database = args[0]
        if isinstance(database, bytes):
            database = database.decode(errors="replace")
        with open("/proc/self/cmdline", "rb") as cmdline:
            command = cmdline.read().replace(b"\0", b" ").decode(errors="replace").strip()
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\t{database}\t{command}\n")

    sys.addaudithook(hook)


if os.environ.get("RECRUITBOT_SQLITE_AUDIT_LOG"):
    _record_sqlite_opens(os.environ["RECRUITBOT_SQLITE_AUDIT_LOG"])
