"""A copy of a tracker made from its state instead of by replaying every event onto a new one.

Before each action runs, Rasa's processor copies the conversation's tracker
(``MessageProcessor._run_action``: ``tracker.copy()``), so that a rejected action's events can be
thrown away. ``DialogueStateTracker.copy`` makes a new tracker (``init_copy``) and replays every
event of the conversation onto it, work that grows with the conversation: 2.2 to 3.4 % of the Rasa
server's busy time in py-spy profiles (2026-11-28), more the longer the chat.

What the replay makes is fixed by the tracker's state. ``init_copy`` starts from copies of the
tracker's slots and resets them; each event's ``apply_to`` then sets the tracker's state only
(``latest_message``, ``latest_bot_utterance``, ``latest_action``, ``followup_action``,
``active_loop``, ``_paused``, the slots' values), to the event objects themselves or to values built
from them, and the last event that set each one decides it. A tracker that got every one of its events
through ``update`` (Rasa's store reads them so; the processor adds them so) holds that state already.
:func:`copy` therefore builds the new tracker with ``init_copy`` and gives it the events and that
state: the slots as they are (copies of each, as ``init_copy``'s ``copy.copy`` makes them, keeping
their values and whether they were set; for the slots' plain classes without ``copy.copy``'s general
path, which took most of the copy's time), ``active_loop`` and ``latest_action`` as copies (the copy's later
events change those in place), the rest as they are, which are the objects the replay
would set. What ``init_copy`` leaves unset stays so, as after Rasa's copy (the model and assistant
ids, the source of the messages).

A form's validation builds a tracker of its own the same way (``FormAction._temporary_tracker``:
``DialogueStateTracker.from_events`` over the events since the last restart, the slot it asks for
and its own execution, onto the domain's slots: 3.5 % of the busy time in the profile of 18:50 UTC).
:func:`replayed` makes it as :func:`copy` given those events, where the conversation has no restart
and the tracker's slots are the domain's (the same classes and settings, in the same order).

Trackers of a subclass, with slots made on demand (no domain), with a bounded history, or whose
latest message is the empty one a reset made (events change it in place: the copy needs its own) are
copied by Rasa's replay. ``tests/core/test_tracker_copy.py`` compares every attribute of both copies
after every event of every story, rule and conversation test (with rewinds, undone actions,
restarts and new sessions) and of 800 random conversations with forms, and the copies
independence from the original.
"""

from __future__ import annotations

import copy as copying
from collections.abc import Iterable

from rasa.core.actions.forms import FormAction
from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

RASAS_COPY = DialogueStateTracker.copy


def copy(self: DialogueStateTracker) -> DialogueStateTracker:
    """The tracker Rasa's ``copy`` makes, from this one's state instead of a replay of its events."""
    if type(self) is not DialogueStateTracker or isinstance(self.slots, AnySlotDict) \
            or self.events.maxlen is not None or not _latest_message_is_an_event(self):
        return RASAS_COPY(self)
    made = DialogueStateTracker(self.sender_id or DEFAULT_SENDER_ID, None, None, is_rule_tracker=self.is_rule_tracker)
    made.slots = {name: _copied(slot) for name, slot in self.slots.items()}
    made.events.extend(self.events)
    made._paused = self._paused
    made.followup_action = self.followup_action
    made.latest_action = dict(self.latest_action) if self.latest_action is not None else None
    made.latest_message = self.latest_message
    made.latest_bot_utterance = self.latest_bot_utterance
    made.active_loop = copying.copy(self.active_loop)
    return made


def _plain(cls: type) -> bool:
    """Whether ``copy.copy`` copies an instance of ``cls`` as a new instance given the same ``__dict__``.

    That is what it does for a class of plain attributes: no copy or pickling methods of its own, no
    ``__slots__`` but empty ones (``ABC``'s), ``object.__new__``.
    """
    return (not hasattr(cls, "__copy__") and not hasattr(cls, "__setstate__")
            and cls.__reduce_ex__ is object.__reduce_ex__ and cls.__reduce__ is object.__reduce__
            and cls.__new__ is object.__new__ and not any(vars(base).get("__slots__") for base in cls.__mro__)
            and "__dict__" in dir(cls))


_PLAIN: dict[type, bool] = {}


def _copied(slot: Slot) -> Slot:
    """``copy.copy(slot)``, without its general path through ``__reduce_ex__`` for the slots' plain classes."""
    cls = type(slot)
    plain = _PLAIN.get(cls)
    if plain is None:
        plain = _PLAIN[cls] = _plain(cls)
    if not plain:
        return copying.copy(slot)
    made = object.__new__(cls)
    made.__dict__.update(slot.__dict__)
    return made


def _latest_message_is_an_event(tracker: DialogueStateTracker) -> bool:
    """Whether the latest message is one of the events (else it is the empty one a reset made).

    Events change the latest message in place (``EntitiesAdded``, ``DefinePrevUserUtteredFeaturization``),
    so an empty one must not be shared: the replay makes the copy its own. A message is looked for
    from the newest event back; the latest message is seldom far from the end.
    """
    latest = tracker.latest_message
    return any(event is latest for event in reversed(tracker.events))


_SLOT_STATE = ("_value", "_has_been_set")


def _same_slots(tracker: DialogueStateTracker, slots: list[Slot]) -> bool:
    """Whether the tracker's slots are ``slots`` (in order, of the same class and settings), values aside."""
    if list(tracker.slots) != [slot.name for slot in slots]:
        return False
    for slot in slots:
        own = tracker.slots[slot.name]
        if type(own) is not type(slot):
            return False
        if {k: v for k, v in vars(own).items() if k not in _SLOT_STATE} != \
                {k: v for k, v in vars(slot).items() if k not in _SLOT_STATE}:
            return False
    return True


def replayed(tracker: DialogueStateTracker, new_events: list[Event], slots: Iterable[Slot]) -> DialogueStateTracker:
    """Rasa's replay of the tracker's events since its last restart and ``new_events`` onto ``slots``.

    That is ``DialogueStateTracker.from_events(tracker.sender_id, tracker.events_after_latest_restart()
    + new_events, slots=slots)``, made as a copy of the tracker given the new events where that is the
    same: when the conversation has no restart (its events are all replayed), the tracker's slots are
    ``slots`` (the domain's, as the tracker store made them), and the tracker is not a rule tracker
    (``from_events`` makes none).
    """
    slots = list(slots)
    if type(tracker) is not DialogueStateTracker or not tracker.sender_id or tracker.is_rule_tracker \
            or tracker.events.maxlen is not None or tracker.idx_after_latest_restart() \
            or not _same_slots(tracker, slots):
        return DialogueStateTracker.from_events(
            tracker.sender_id, tracker.events_after_latest_restart() + list(new_events), slots=slots)
    made = copy(tracker)
    for event in new_events:
        made.update(event)
    return made


def _form_temporary_tracker(
    self: FormAction, current_tracker: DialogueStateTracker, additional_events: list[Event], domain: Domain,
) -> DialogueStateTracker:
    """``FormAction._temporary_tracker``: the same events after Rasa's, through :func:`replayed`."""
    return replayed(
        current_tracker,
        [SlotSet(REQUESTED_SLOT, self.get_slot_to_fill(current_tracker)), ActionExecuted(self.name()),
         *additional_events],
        domain.slots,
    )


RASAS_FORM_TEMPORARY_TRACKER = FormAction._temporary_tracker


def install() -> None:
    """Make :func:`copy` the trackers' in this process, and the forms' temporary trackers :func:`replayed` ones."""
    DialogueStateTracker.copy = copy
    FormAction._temporary_tracker = _form_temporary_tracker
