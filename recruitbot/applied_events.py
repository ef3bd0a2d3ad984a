"""A tracker's applied events, carried on from the last time they were asked for.

``DialogueStateTracker.applied_events`` (rasa/shared/core/trackers.py) walks every event of the
conversation, twice (once for the names of its forms, once to apply the reverts, restarts and
form rewinds), with an ``isinstance`` check against Rasa's abstract event classes for each, and
Rasa asks for it again and again in a turn: before each prediction of the policies (through the
states of the conversation), when it checks the session, when it looks for the last event of a kind.
It was about 6 % of the Rasa server's busy time (py-spy, 2026-11-28), growing with the conversation.

A tracker's events only grow: Rasa appends to its deque and never changes or removes one (the
deque is made once, in ``__init__``). So :func:`applied_events` keeps, on the tracker, what Rasa's
loop had built after the events it has seen (the applied list and the forms' names) and, asked again,
runs the same loop over the new events only. It starts from the first event again when the new
events name a form not seen before (Rasa's loop treats a form's earlier executions by the names of
all the forms in the conversation), when the events are not the ones it has seen followed by new
ones, or for a tracker that keeps a bounded number of events (its deque drops the oldest). Callers
get a list of their own, as from Rasa.

:func:`install` makes it the trackers' in this process (the Rasa server). ``tests/core/test_applied_events.py``
compares it with Rasa's after every event of every story, rule and conversation test, and of
thousands of random conversations with forms, reverts, restarts and new sessions.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

_ON_TRACKER = "_recruitbot_applied_events"  # the attribute of the tracker that keeps them

RASAS_APPLIED_EVENTS = DialogueStateTracker.applied_events


@dataclass
class _Applied:
    """Rasa's loop, stopped after ``seen`` events of ``events``: its applied list and the forms' names."""

    events: object  # the tracker's deque when they were seen (a tracker gets a new one only when made)
    seen: int = 0
    last: Event | None = None  # the last event seen, to check that the events seen are still there
    loop_names: set[str] = field(default_factory=set)
    applied: list[Event] = field(default_factory=list)


def _apply(tracker: DialogueStateTracker, event: Event, carried: _Applied) -> None:
    """One pass of the loop of Rasa's ``applied_events``."""
    applied = carried.applied
    if isinstance(event, (Restarted, SessionStarted)):
        carried.applied = []
    elif isinstance(event, ActionReverted):
        tracker._undo_till_previous(ActionExecuted, applied)
    elif isinstance(event, UserUtteranceReverted):
        tracker._undo_till_previous(UserUttered, applied)
        tracker._undo_till_previous(ActionExecuted, applied)
    elif (
        isinstance(event, ActionExecuted)
        and event.action_name in carried.loop_names
        and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
    ):
        tracker._undo_till_previous_loop_execution(event.action_name, applied)
    else:
        applied.append(event)


def _loop_names(events: list[Event]) -> set[str]:
    return {event.name for event in events if isinstance(event, ActiveLoop) and event.name}


def applied_events(self: DialogueStateTracker) -> list[Event]:
    """The events Rasa's ``applied_events`` returns, worked out from the events added since the last call."""
    events: deque[Event] = self.events
    if events.maxlen is not None:
        return RASAS_APPLIED_EVENTS(self)
    count = len(events)
    carried: _Applied | None = self.__dict__.get(_ON_TRACKER)
    if carried is not None and (
        carried.events is not events or carried.seen > count
        or (carried.seen and events[carried.seen - 1] is not carried.last)
    ):
        carried = None
    new = [events[index] for index in range(carried.seen, count)] if carried is not None else list(events)
    if carried is not None and not _loop_names(new) <= carried.loop_names:
        carried, new = None, list(events)
    if carried is None:
        carried = _Applied(events, loop_names=_loop_names(new))
        self.__dict__[_ON_TRACKER] = carried
    for event in new:
        _apply(self, event, carried)
    carried.seen = count
    carried.last = events[-1] if count else None
    return list(carried.applied)


def install() -> None:
    """Make :func:`applied_events` the trackers' in this process."""
    DialogueStateTracker.applied_events = applied_events
