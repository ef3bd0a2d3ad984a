"""RulePolicy's rule search (recruitbot/rule_search.py) gives exactly Rasa's answers.

The trained model's RulePolicy is asked for its next action at every point of every story and rule
of the training data and of the conversation tests, once with Rasa's search and once with ours: the
predictions must be equal. Then the search alone is compared on those conversations' states and on
thousands of altered ones (another intent, a slot unset or set, a form gone, a conversation start),
and a search that reads one of Rasa's conditions wrongly must be caught by the same cases.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, SHOULD_NOT_BE_SET, RulePolicy
from rasa.shared.core.constants import ACTIVE_LOOP, PREVIOUS_ACTION, USER
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from recruitbot import rule_search
from tests.helpers import graph_component, story_trackers

pytestmark = pytest.mark.model

RASAS_SEARCH = RulePolicy._get_possible_keys


@pytest.fixture(scope="module")
def policy_and_domain(loaded_agent: Agent) -> tuple[RulePolicy, Domain]:
    return graph_component(loaded_agent, RulePolicy), loaded_agent.domain


def _prediction_points(trackers: list[DialogueStateTracker], domain: Domain) -> Iterator[DialogueStateTracker]:
    """The conversation before each action of the stories and rules, after a user message or another action."""
    for tracker in trackers:
        events = tracker.applied_events()
        for end, event in enumerate(events):
            if end and isinstance(event, ActionExecuted) and isinstance(events[end - 1], (ActionExecuted, UserUttered)):
                yield DialogueStateTracker.from_events(tracker.sender_id, events[:end], domain.slots)


@pytest.fixture(scope="module")
def points(policy_and_domain: tuple[RulePolicy, Domain]) -> list[DialogueStateTracker]:
    _, domain = policy_and_domain
    found = list(_prediction_points(story_trackers(domain), domain))
    assert len(found) > 250
    return found


def _states(policy: RulePolicy, domain: Domain, points: list[DialogueStateTracker]) -> list[list[dict[str, Any]]]:
    rule_only_data = policy._get_rule_only_data()
    return [
        policy._prediction_states(point, domain, use_text, rule_only_data=rule_only_data)
        for point in points
        for use_text in (False, True)
    ]


def _prediction(policy: RulePolicy, domain: Domain, tracker: DialogueStateTracker) -> tuple[Any, ...]:
    prediction = policy.predict_action_probabilities(tracker, domain)
    return (
        tuple(prediction.probabilities),
        [event.as_dict() for event in prediction.events],
        prediction.is_end_to_end_prediction,
        prediction.is_no_user_prediction,
        prediction.hide_rule_turn,
    )


def test_every_prediction_of_the_stories_and_rules_is_rasas(
    policy_and_domain: tuple[RulePolicy, Domain], points: list[DialogueStateTracker], monkeypatch
) -> None:
    policy, domain = policy_and_domain
    rasas = [_prediction(policy, domain, point) for point in points]
    monkeypatch.setattr(RulePolicy, "_get_possible_keys", rule_search._get_possible_keys)
    ours = [_prediction(policy, domain, point) for point in points]
    assert ours == rasas
    # The rules decide most of these points (a probability of 1 for one action), not the fallback.
    assert sum(1.0 in probabilities for probabilities, *_ in rasas) > len(rasas) / 2


def _altered(state: dict[str, Any], domain: Domain, rng: random.Random) -> dict[str, Any]:
    state = copy.deepcopy(state)
    change = rng.randrange(6)
    if change == 0 and USER in state:
        state[USER]["intent"] = rng.choice(domain.intents)
    elif change == 1:
        slot = rng.choice([slot.name for slot in domain.slots])
        state.setdefault("slots", {})[slot] = rng.choice([SHOULD_NOT_BE_SET, (1.0,), (0.0,), (1.0, 0.0)])
    elif change == 2 and state.get("slots"):
        state["slots"].pop(rng.choice(sorted(state["slots"])))
    elif change == 3:
        state[ACTIVE_LOOP] = rng.choice([{"name": SHOULD_NOT_BE_SET}, {"name": rng.choice(domain.form_names)}, {}])
    elif change == 4:
        state.pop(PREVIOUS_ACTION, None)  # a conversation start
    else:
        state[PREVIOUS_ACTION] = {"action_name": rng.choice(domain.action_names_or_texts)}
    return state


def _cases(policy: RulePolicy, domain: Domain, points: list[DialogueStateTracker]) -> list[list[dict[str, Any]]]:
    rng = random.Random(20261127)
    real = _states(policy, domain, points)
    non_empty = [states for states in real if states]
    altered = []
    for _ in range(3000):
        states = list(rng.choice(non_empty))
        for _ in range(rng.randint(1, 3)):
            index = len(states) - 1 - min(rng.randrange(4), len(states) - 1)
            states[index] = _altered(states[index], domain, rng)
        altered.append(states)
    return real + altered + [[]]


def _disagreements(policy: RulePolicy, cases: list[list[dict[str, Any]]]) -> int:
    differ = 0
    for states in cases:
        for lookup in (policy.lookup[RULES], policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH]):
            if rule_search._get_possible_keys(policy, lookup, states) != RASAS_SEARCH(policy, lookup, states):
                differ += 1
    return differ


def test_the_search_gives_rasas_keys_for_real_and_altered_states(
    policy_and_domain: tuple[RulePolicy, Domain], points: list[DialogueStateTracker]
) -> None:
    policy, domain = policy_and_domain
    cases = _cases(policy, domain, points)
    assert _disagreements(policy, cases) == 0
    found = [RASAS_SEARCH(policy, policy.lookup[RULES], states) for states in cases]
    assert sum(bool(keys) for keys in found) > len(cases) / 4  # rules do apply to many of them
    assert sum(len(keys) > 1 for keys in found) > 50  # and several rules at once to some
    assert sum(not keys for keys in found) > len(cases) / 10  # and to some none


def _ignores_should_not_be_set(rule_state: Any, state: Any) -> bool:
    return all(
        from_rule in (SHOULD_NOT_BE_SET, None) or state.get(state_type, {}).get(key) == from_rule
        for state_type, sub_state in rule_state
        for key, from_rule in sub_state
    )


def _takes_a_missing_value_for_any(rule_state: Any, state: Any) -> bool:
    return all(
        state.get(state_type, {}).get(key) in (None, from_rule) or not from_rule
        for state_type, sub_state in rule_state
        for key, from_rule in sub_state
    )


def _matches_anything(rule_state: Any, state: Any) -> bool:
    return True


@pytest.mark.parametrize("wrong_match", [_ignores_should_not_be_set, _takes_a_missing_value_for_any, _matches_anything])
def test_a_search_that_reads_a_condition_wrongly_is_caught(
    policy_and_domain: tuple[RulePolicy, Domain], points: list[DialogueStateTracker], monkeypatch, wrong_match
) -> None:
    policy, domain = policy_and_domain
    monkeypatch.setattr(rule_search, "_matches", wrong_match)
    policy.__dict__.pop("_prepared_rules", None)
    assert _disagreements(policy, _cases(policy, domain, points)) > 0


def test_the_rasa_server_installs_it(monkeypatch) -> None:
    monkeypatch.setattr(RulePolicy, "_get_possible_keys", RASAS_SEARCH)
    rule_search.install()
    assert RulePolicy._get_possible_keys is rule_search._get_possible_keys


# Rules of every shape Rasa writes, including those our model has none of: a conversation start (no
# previous action), an action given by its text, an intent or a form that must not be set, a slot's
# list of values, rules several states long.
_RULES = [
    [{USER: {"intent": "greet"}}],
    [{}, {PREVIOUS_ACTION: {"action_name": "action_listen"}, USER: {"intent": "greet"}}],
    [{PREVIOUS_ACTION: {"action_text": "hello"}, USER: {"intent": "greet"}}],
    [{PREVIOUS_ACTION: {"action_name": "action_listen"}, USER: {"intent": SHOULD_NOT_BE_SET}}],
    [{PREVIOUS_ACTION: {"action_name": SHOULD_NOT_BE_SET}}],
    [{PREVIOUS_ACTION: {"action_name": "utter_ask"}, "slots": {"role": [1.0]}, ACTIVE_LOOP: {"name": "a_form"}}],
    [{PREVIOUS_ACTION: {"action_name": "action_listen"}, "slots": {"role": SHOULD_NOT_BE_SET}}],
    [{PREVIOUS_ACTION: {"action_name": "action_listen"}, ACTIVE_LOOP: {"name": SHOULD_NOT_BE_SET}}],
    [
        {PREVIOUS_ACTION: {"action_name": "utter_ask"}, USER: {"intent": "deny"}},
        {PREVIOUS_ACTION: {"action_name": "action_listen"}, USER: {"intent": "affirm"}},
    ],
    [
        {PREVIOUS_ACTION: {"action_name": "action_listen"}, USER: {"intent": "greet"}},
        {PREVIOUS_ACTION: {"action_name": "utter_ask"}, USER: {"intent": "greet"}},
        {PREVIOUS_ACTION: {"action_name": "action_listen"}, USER: {"intent": "affirm"}, "slots": {"role": [0.0]}},
    ],
    [{PREVIOUS_ACTION: {"action_name": "action_listen"}, USER: {"text": "hello"}}],
    [{PREVIOUS_ACTION: {"action_name": ""}, USER: {"intent": ""}}],
    [{PREVIOUS_ACTION: {"action_name": ""}, USER: {"intent": "greet"}}],
]


def _random_state(rng: random.Random) -> dict[str, Any]:
    state: dict[str, Any] = {}
    actions = [{"action_name": "action_listen"}, {"action_name": "utter_ask"}, {"action_text": "hello"}]
    previous = rng.choice([None, *actions])
    if previous:
        state[PREVIOUS_ACTION] = previous
    user = rng.choice([None, {"intent": "greet"}, {"intent": "affirm"}, {"intent": "deny"}, {"text": "hello"}])
    if user:
        state[USER] = user
    slot = rng.choice([None, (1.0,), (0.0,), SHOULD_NOT_BE_SET])
    if slot is not None:
        state["slots"] = {"role": slot}
    loop = rng.choice([None, "a_form", SHOULD_NOT_BE_SET])
    if loop is not None:
        state[ACTIVE_LOOP] = {"name": loop}
    return state


def test_the_search_gives_rasas_keys_for_rules_of_every_shape() -> None:
    import json

    lookup = {json.dumps(rule, sort_keys=True): "action" for rule in _RULES}
    rasas = RulePolicy.__new__(RulePolicy)  # Rasa's search reads nothing of the policy but its methods
    rng = random.Random(7)
    found = []
    for _ in range(5000):
        states = [_random_state(rng) for _ in range(rng.randint(0, 4))]
        keys = RASAS_SEARCH(rasas, lookup, states)
        assert rule_search.possible_keys(rule_search.PreparedRules(), lookup, states) == keys, states
        found.append(keys)
    # Every rule applies somewhere, and is refused somewhere.
    assert all(any(key in keys for keys in found) for key in lookup)
    assert all(any(key not in keys for keys in found) for key in lookup)
