"""An event's class by its type name from an index (recruitbot/event_types.py) is Rasa's."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from recruitbot import event_types
from recruitbot.event_types import RASAS_RESOLVE_BY_TYPE, resolve_by_type


def test_every_event_type_name_gives_rasas_class() -> None:
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "slot", "bot", "action", "active_loop"} <= names
    for name in names:
        assert resolve_by_type(name) is RASAS_RESOLVE_BY_TYPE(name), name


def test_names_that_are_no_class_are_answered_as_rasa_answers_them() -> None:
    assert resolve_by_type("topic") is None
    assert resolve_by_type("no such event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no such event'"):
        resolve_by_type("no such event")


def test_a_class_defined_later_is_found() -> None:
    class Shouted(UserUttered):
        type_name = "recruitbot_test_shouted"

    assert resolve_by_type("recruitbot_test_shouted") is Shouted
    assert resolve_by_type("user") is UserUttered


def test_the_rasa_server_installs_it(monkeypatch) -> None:
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(RASAS_RESOLVE_BY_TYPE))
    event_types.install()
    assert Event.resolve_by_type is resolve_by_type
    assert type(Event.from_parameters({"event": "slot", "name": "keyword", "value": "admin"})) is SlotSet
