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
state: the slots as they are (``copy.copy`` of each, as ``init_copy`` makes them, keeping their
values and whether they were set), ``active_loop`` and ``latest_action`` as copies (the copy's later
events change those in place), the rest as they are, which are the objects the replay
would set. What ``init_copy`` leaves unset stays so, as after Rasa's copy (the model and assistant
ids, the source of the messages).

Trackers of a subclass, with slots made on demand (no domain), with a bounded history, or whose
latest message is the empty one a reset made (events change it in place: the copy needs its own) are
copied by Rasa's replay. ``tests/core/test_tracker_copy.py`` compares every attribute of both copies
after every event of every story, rule and conversation test (with rewinds, undone actions,
restarts and new sessions) and of thousands of random conversations with forms, and the copies'
independence from the original.
"""

from __future__ import annotations

import copy as copying

from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

RASAS_COPY = DialogueStateTracker.copy


def copy(self: DialogueStateTracker) -> DialogueStateTracker:
    """The tracker Rasa's ``copy`` makes, from this one's state instead of a replay of its events."""
    if type(self) is not DialogueStateTracker or isinstance(self.slots, AnySlotDict) \
            or self.events.maxlen is not None or not _latest_message_is_an_event(self):
        return RASAS_COPY(self)
    made = DialogueStateTracker(self.sender_id or DEFAULT_SENDER_ID, None, None, is_rule_tracker=self.is_rule_tracker)
    made.slots = {name: copying.copy(slot) for name, slot in self.slots.items()}
    made.events.extend(self.events)
    made._paused = self._paused
    made.followup_action = self.followup_action
    made.latest_action = dict(self.latest_action) if self.latest_action is not None else None
    made.latest_message = self.latest_message
    made.latest_bot_utterance = self.latest_bot_utterance
    made.active_loop = copying.copy(self.active_loop)
    return made


def _latest_message_is_an_event(tracker: DialogueStateTracker) -> bool:
    """Whether the latest message is one of the events (else it is the empty one a reset made).

    Events change the latest message in place (``EntitiesAdded``, ``DefinePrevUserUtteredFeaturization``),
    so an empty one must not be shared: the replay makes the copy its own. A message is looked for
    from the newest event back; the latest message is seldom far from the end.
    """
    latest = tracker.latest_message
    return any(event is latest for event in reversed(tracker.events))


def install() -> None:
    """Make :func:`copy` the trackers' in this process."""
    DialogueStateTracker.copy = copy
