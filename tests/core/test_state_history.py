"""A conversation's states carried on from the last time (recruitbot/state_history.py) are Rasa's.

Every story and rule of the training data and of the conversation tests is replayed one event at a
time onto one growing tracker, as a conversation grows; at every point the trained model's rule and
memoization policies build their states and predict, with Rasa's states and with ours: they must be
equal. The same through rewinds, undone actions, restarts and new sessions, which change the events
already seen; and versions that skip one of the safeguards must be caught.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from recruitbot import state_history
from tests.helpers import graph_component, story_trackers

pytestmark = pytest.mark.model

_ASKED = "x_asked"  # what each call for states gets back, recorded by the checking tracker


@pytest.fixture(scope="module")
def policies(loaded_agent: Agent) -> tuple[list[Policy], Domain]:
    return [graph_component(loaded_agent, RulePolicy), graph_component(loaded_agent, MemoizationPolicy)], (
        loaded_agent.domain
    )


def _reverting(story: list[Event], domain: Domain) -> Iterator[Event]:
    """The story's events with the conversation taken back at places: what a live one can do."""
    slot = domain.slots[0].name
    for number, event in enumerate(story):
        yield event
        if isinstance(event, UserUttered) and number % 3 == 0:
            yield UserUtteranceReverted()  # a rewind: the message is taken back...
            yield event  # ...and said again
        if isinstance(event, ActionExecuted) and number % 5 == 0 and event.action_name != "action_listen":
            yield ActionReverted()
            yield event
        if number % 7 == 0:
            yield SlotSet(slot, None)
    yield Restarted()
    yield ActionExecuted("action_session_start")
    yield SessionStarted()
    yield ActionExecuted("action_listen")
    yield from story[:6]


def _conversations(domain: Domain) -> Iterator[list[Event]]:
    stories = [list(tracker.applied_events()) for tracker in story_trackers(domain)]
    yield from stories
    for story in stories[:40]:
        yield list(_reverting(story, domain))


def _predictions(policies: list[Policy], domain: Domain, tracker: DialogueStateTracker) -> list[Any]:
    found: list[Any] = []
    rule_only_data = policies[0]._get_rule_only_data()
    for policy in policies:
        for use_text in (False, True):
            found.append(policy._prediction_states(tracker, domain, use_text, rule_only_data=rule_only_data))
        prediction = policy.predict_action_probabilities(tracker, domain, rule_only_data=rule_only_data)
        found.append((prediction.probabilities, [event.as_dict() for event in prediction.events]))
    return found


def _compare_all(
    policies: list[Policy], domain: Domain, ours: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, int]:
    """Each conversation grown one event at a time; the points where Rasa's and these predictions differ."""
    points = differ = 0
    for events in _conversations(domain):
        tracker = DialogueStateTracker("growing", domain.slots)
        for event in events:
            tracker.update(event)
            if not isinstance(event, (ActionExecuted, UserUttered)):
                continue
            monkeypatch.setattr(Domain, "states_for_tracker_history", state_history.RASAS_STATES)
            fresh = DialogueStateTracker.from_events("fresh", tracker.events, domain.slots)
            rasas = _predictions(policies, domain, fresh)
            monkeypatch.setattr(Domain, "states_for_tracker_history", ours)
            points += 1
            differ += _predictions(policies, domain, tracker) != rasas
    return points, differ


def test_every_point_of_every_conversation_gets_rasas_states_and_predictions(policies, monkeypatch) -> None:
    points, differ = _compare_all(*policies, state_history.states_for_tracker_history, monkeypatch)
    assert points > 1000
    assert differ == 0


def _length_only(*args: Any, **kwargs: Any) -> Any:
    """Carries on whenever there are at least as many events (a rewind is not seen)."""
    continues = state_history._continues
    state_history._continues = lambda replayed, applied: len(applied) >= len(replayed)  # type: ignore[assignment]
    try:
        return state_history.states_for_tracker_history(*args, **kwargs)
    finally:
        state_history._continues = continues


def test_a_version_that_does_not_see_a_rewind_is_caught(policies, monkeypatch) -> None:
    _, differ = _compare_all(*policies, _length_only, monkeypatch)
    assert differ > 0


def _sharing(states: list[dict[str, Any]]) -> list[list[int]]:
    """Which earlier sub-state each sub-state is (by position of first appearance), state by state."""
    first: dict[int, int] = {}
    return [[first.setdefault(id(sub_state), len(first)) for sub_state in state.values()] for state in states]


@pytest.mark.parametrize("ignore_rule_only_turns", [False, True])
def test_what_a_caller_does_to_its_states_does_not_reach_the_next_call(policies, ignore_rule_only_turns) -> None:
    [rule_policy, _], domain = policies
    asked = {"ignore_rule_only_turns": ignore_rule_only_turns, "rule_only_data": rule_policy._get_rule_only_data()}
    shared = 0
    for events in _conversations(domain):
        tracker = DialogueStateTracker("growing", domain.slots)
        for event in events:
            tracker.update(event)
            ours = state_history.states_for_tracker_history(domain, tracker, **asked)
            rasas = state_history.RASAS_STATES(domain, tracker, **asked)
            assert ours == rasas
            assert _sharing(ours) == _sharing(rasas)  # a change to one state reaches the same others as in Rasa's
            shared += len({id(sub) for state in rasas for sub in state.values()}) < sum(map(len, rasas))
            for state in ours:  # the caller empties everything it was given
                for sub_state in state.values():
                    sub_state.clear()
                state.clear()
    if ignore_rule_only_turns:
        assert shared > 100  # Rasa's states share sub-states when rule-only turns are ignored


def test_the_rasa_server_installs_it(monkeypatch) -> None:
    monkeypatch.setattr(Domain, "states_for_tracker_history", state_history.RASAS_STATES)
    state_history.install()
    assert Domain.states_for_tracker_history is state_history.states_for_tracker_history
