"""Rasa's debug-log deep copies are skipped only where they are that and only while debug lines are dropped."""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import logging
from collections.abc import Iterator

import pytest
import structlog
from rasa.utils.log_utils import configure_structlog

from recruitbot import log_copies
from recruitbot.log_copies import LOG_ARGUMENT_COPY, MODULES


def _uses_of_copy(tree: ast.AST) -> list[ast.Attribute]:
    uses = [node for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "copy"]
    return sorted(uses, key=lambda node: (node.lineno, node.col_offset))


def _debug_log_arguments(tree: ast.AST) -> set[int]:
    """The ids of the nodes that are the argument values of ``structlogger.debug(...)`` calls."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "debug" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "structlogger":
            found.update(id(value) for value in [*node.args, *(keyword.value for keyword in node.keywords)])
    return found


def _call_of(tree: ast.AST, attribute: ast.Attribute) -> ast.Call:
    return next(node for node in ast.walk(tree) if isinstance(node, ast.Call) and node.func is attribute)


@pytest.mark.parametrize("name", MODULES)
def test_every_use_of_copy_in_the_modules_is_a_deep_copy_for_a_debug_line(name: str) -> None:
    tree = ast.parse(inspect.getsource(importlib.import_module(name)))
    uses = _uses_of_copy(tree)
    assert uses, name
    arguments = _debug_log_arguments(tree)
    for use in uses:
        assert use.attr == "deepcopy", (name, use.lineno)
        assert id(_call_of(tree, use)) in arguments, (name, use.lineno)


def test_the_check_finds_a_deep_copy_that_is_not_for_a_log_line() -> None:
    source = "def f(x, structlogger):\n    structlogger.debug('a', y=copy.deepcopy(x))\n    return copy.deepcopy(x)\n"
    tree = ast.parse(source)
    arguments = _debug_log_arguments(tree)
    assert [id(_call_of(tree, use)) in arguments for use in _uses_of_copy(tree)] == [True, False]


@pytest.fixture()
def structlog_restored() -> Iterator[None]:
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def test_the_copy_is_skipped_while_debug_lines_are_dropped(structlog_restored: None) -> None:
    value = {"events": [{"event": "user", "text": "hi"}]}
    configure_structlog(logging.INFO)
    assert log_copies.debug_dropped() and LOG_ARGUMENT_COPY.deepcopy(value) is value
    configure_structlog(logging.DEBUG)
    copied = LOG_ARGUMENT_COPY.deepcopy(value)
    assert not log_copies.debug_dropped() and copied == value and copied["events"] is not value["events"]
    structlog.reset_defaults()  # not set up: copies as before
    assert LOG_ARGUMENT_COPY.deepcopy(value) is not value
    assert LOG_ARGUMENT_COPY.copy is copy.copy


def test_install_gives_the_modules_the_log_argument_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in MODULES:
        monkeypatch.setattr(importlib.import_module(name), "copy", copy)
    log_copies.install()
    log_copies.install()  # twice is the same
    assert all(importlib.import_module(name).copy is LOG_ARGUMENT_COPY for name in MODULES)
    monkeypatch.setattr(importlib.import_module(MODULES[0]), "copy", object())
    with pytest.raises(RuntimeError):
        log_copies.install()
