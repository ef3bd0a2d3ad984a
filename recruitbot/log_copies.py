"""No deep copies for Rasa's debug log lines when debug logging is off.

Rasa 3.6 passes deep copies of events, states and messages to its structured debug log lines
(``structlogger.debug("processor.actions.log", rasa_events=copy.deepcopy(events))``), so that its
anonymising log processor can change them without touching the conversation. Python evaluates those
arguments before the call, so the copies are made on every turn even when debug lines are dropped:
after each action (twice), for each memoization and rule prediction, for each form validation, for
every parse. About 3 % of the Rasa server's busy time in a py-spy profile (2026-11-28, 18:50 UTC).

In the four Rasa modules where every use of the ``copy`` module is such an argument (checked in
their source by ``tests/core/test_log_copies.py``, which fails if a use appears that is not), the
module's name ``copy`` is given :data:`LOG_ARGUMENT_COPY`: its ``deepcopy`` returns the object itself
while the debug level is dropped by structlog's configuration (Rasa's: a filtering bound logger
whose ``debug`` does nothing), and copies as before otherwise (``--debug``, or structlog not set up).
"""

from __future__ import annotations

import copy
import importlib
from types import ModuleType
from typing import Any

import structlog
from structlog import _native

# Rasa modules whose every use of ``copy`` is a deep copy for a debug log line (tests/core/test_log_copies.py).
MODULES = ("rasa.core.processor", "rasa.core.policies.memoization", "rasa.core.policies.rule_policy",
           "rasa.core.actions.forms")


def debug_dropped() -> bool:
    """Whether structlog drops debug lines: its bound loggers' ``debug`` does nothing."""
    wrapper = structlog.get_config().get("wrapper_class")
    return getattr(wrapper, "debug", None) is _native._nop


class _LogArgumentCopy:
    """The ``copy`` module as the modules of :data:`MODULES` see it."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        """``copy.deepcopy``, or the value itself while debug lines are dropped."""
        return value if debug_dropped() else copy.deepcopy(value, memo)


LOG_ARGUMENT_COPY = _LogArgumentCopy()


def _modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in MODULES]


def install() -> None:
    """Give the modules of :data:`MODULES` :data:`LOG_ARGUMENT_COPY` as their ``copy``."""
    for module in _modules():
        if module.copy is not copy and module.copy is not LOG_ARGUMENT_COPY:
            raise RuntimeError(f"{module.__name__}.copy is not the copy module")
        module.copy = LOG_ARGUMENT_COPY  # type: ignore[attr-defined]
