"""A conversation's states for the policies, carried on from the last time instead of rebuilt from its start.

Before each prediction a policy asks for the conversation's states, one per action so far
(``Domain.states_for_tracker_history``): Rasa replays every event of the session onto a new tracker
and builds a state before each action, every time. Each turn asks several times (the rule policy twice
after a user message, the memoization policy once, again after each of the bot's actions), each time
for a conversation only a few events longer than the last, and a state never changes once built: it
depends on the events before it and the way of asking only. That was about 10 % of the Rasa server's
busy time (py-spy, 2026-11-27).

:func:`states_for_tracker_history` keeps, on the tracker itself, for each way of asking (domain, unset
slots omitted or not, rule-only turns ignored or not, the rule-only slots and loops), the events it has
replayed, the tracker they were replayed onto and the states built so far; the next call replays only
the events past those, when the conversation's applied events still begin with the very same event
objects (a rewind, an undo or a restart changes them: it starts again from the first event). What it
returns is a copy: callers change the states they are given (Rasa's featurizers delete the text or the
intent of the user's last message), and the copy shares sub-states between states where Rasa's does.

:func:`install` makes it the states of every policy in this process (the Rasa server); the model and
its training are unchanged. ``tests/core/test_state_history.py`` compares it with Rasa's at every point
of the training stories and rules, replayed one event at a time, and through rewinds and restarts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

_ON_TRACKER = "_recruitbot_state_history"  # the attribute of the tracker that keeps its histories

RASAS_STATES = Domain.states_for_tracker_history


@dataclass
class _Carried:
    """What Rasa's loop carries from one state to the next."""

    states: list[State] = field(default_factory=list)
    last_ml_action_sub_state: dict[str, str] | None = None
    turn_was_hidden: bool = False


@dataclass
class _History:
    """The events replayed so far for one way of asking, the tracker they were applied to, the states."""

    domain: Domain
    replay: DialogueStateTracker
    events: list[Event] = field(default_factory=list)
    carried: _Carried = field(default_factory=_Carried)


def _step(
    domain: Domain,
    replayed: DialogueStateTracker,
    hide_rule_turn: bool,
    carried: _Carried,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: dict[str, Any] | None,
) -> None:
    """One pass of the loop of Rasa's ``Domain.states_for_tracker_history`` (rasa/shared/core/domain.py)."""
    if ignore_rule_only_turns:
        if not carried.turn_was_hidden:
            carried.last_ml_action_sub_state = domain._get_prev_action_sub_state(replayed)
        if not replayed.followup_action and replayed.latest_action_name != replayed.active_loop_name:
            carried.turn_was_hidden = hide_rule_turn
        if carried.turn_was_hidden:
            return
    state = domain.get_active_state(replayed, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if carried.states:
            domain._substitute_rule_only_user_input(state, carried.states[-1])
        if carried.last_ml_action_sub_state:
            state[PREVIOUS_ACTION] = carried.last_ml_action_sub_state
    carried.states.append(domain._clean_state(state))


def _continues(replayed: list[Event], applied: list[Event]) -> bool:
    return len(applied) >= len(replayed) and all(a is b for a, b in zip(replayed, applied, strict=False))


def _copy(states: list[State]) -> list[State]:
    """The states with each sub-state copied once, shared between states where the originals are."""
    copies: dict[int, dict[str, Any]] = {}
    result = []
    for state in states:
        copied = {}
        for state_type, sub_state in state.items():
            copy = copies.get(id(sub_state))
            if copy is None:
                copy = copies[id(sub_state)] = dict(sub_state)
            copied[state_type] = copy
        result.append(copied)
    return result


def states_for_tracker_history(
    domain: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """The states Rasa's ``Domain.states_for_tracker_history`` gives, built on from the last call's."""
    way = (id(domain), omit_unset_slots, ignore_rule_only_turns, json.dumps(rule_only_data, sort_keys=True))
    histories: dict[tuple[Any, ...], _History] = tracker.__dict__.setdefault(_ON_TRACKER, {})
    applied = tracker.applied_events()
    history = histories.get(way)
    if history is None or history.domain is not domain or not _continues(history.events, applied):
        history = histories[way] = _History(domain, tracker.init_copy())
    asked = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    for event in applied[len(history.events) :]:
        if isinstance(event, ActionExecuted):
            _step(domain, history.replay, event.hide_rule_turn, history.carried, *asked)
        history.replay.update(event)
        history.events.append(event)
    # The state after the last event, not kept: the next call may have more events before it.
    carried = history.carried
    last = _Carried(list(carried.states), carried.last_ml_action_sub_state, carried.turn_was_hidden)
    _step(domain, history.replay, False, last, *asked)
    return _copy(last.states)


def install() -> None:
    """Make :func:`states_for_tracker_history` the states of every policy in this process."""
    Domain.states_for_tracker_history = states_for_tracker_history
