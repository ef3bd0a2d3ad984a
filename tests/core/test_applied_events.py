"""A tracker's applied events carried on from the last call (recruitbot/applied_events.py) are Rasa's.

Every story, rule and conversation test grows one tracker event by event, with rewinds, undone
actions, restarts and new sessions added along the way, and so do thousands of random conversations
with two forms; after each event (or a few) the applied events must be Rasa's, the very same objects
in the same order. Versions that skip a safeguard must be caught.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest
from rasa.core.agent import Agent
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from recruitbot import applied_events
from recruitbot.applied_events import RASAS_APPLIED_EVENTS
from tests.helpers import story_trackers, taken_back

FORMS = ("alert_form", "handoff_form")


def _same(ours: list[Event], rasas: list[Event]) -> bool:
    return len(ours) == len(rasas) and all(a is b for a, b in zip(ours, rasas, strict=True))


def _grown(events: Iterator[Event], ask: Callable[[int], bool]) -> Iterator[DialogueStateTracker]:
    """One tracker growing by ``events``, yielded whenever ``ask(number of events so far)``."""
    tracker = DialogueStateTracker("candidate", [TextSlot("x", mappings=[])])
    for number, event in enumerate(events, start=1):
        tracker.update(event)
        if ask(number):
            yield tracker


@pytest.mark.model
def test_after_every_event_of_every_story_the_applied_events_are_rasas(loaded_agent: Agent) -> None:
    compared = 0
    for story in story_trackers(loaded_agent.domain):
        for events in (list(story.events), list(taken_back(list(story.events)))):
            for tracker in _grown(iter(events), lambda _number: True):
                assert _same(applied_events.applied_events(tracker), RASAS_APPLIED_EVENTS(tracker)), story.sender_id
                compared += 1
    assert compared > 1500


def _random_event(rng: random.Random) -> Event:
    form = rng.choice(FORMS)
    return rng.choice([
        lambda: ActionExecuted("action_listen"),
        lambda: ActionExecuted(form),
        lambda: ActionExecuted(form),
        lambda: ActionExecuted(rng.choice(["utter_greet", "action_search_vacancies"])),
        lambda: ActiveLoop(form),
        lambda: ActiveLoop(None),
        lambda: UserUttered("hi", {"name": "greet", "confidence": 1.0}),
        lambda: UserUttered("hi", {"name": "greet", "confidence": 1.0}),
        lambda: UserUtteranceReverted(),
        lambda: ActionReverted(),
        lambda: Restarted(),
        lambda: SessionStarted(),
        lambda: SlotSet("x", "value"),
        lambda: DefinePrevUserUtteredFeaturization(True),
        lambda: ActionExecutionRejected(form),
    ])()


def _random_conversations(count: int) -> Iterator[tuple[int, list[Event], random.Random]]:
    for seed in range(count):
        rng = random.Random(seed)
        yield seed, [_random_event(rng) for _ in range(rng.randint(1, 60))], rng


def test_random_conversations_asked_at_random_points_get_rasas_applied_events() -> None:
    for seed, events, rng in _random_conversations(3000):
        for tracker in _grown(iter(events), lambda _number, rng=rng: rng.random() < 0.4):
            assert _same(applied_events.applied_events(tracker), RASAS_APPLIED_EVENTS(tracker)), seed


def test_the_caller_gets_a_list_of_its_own() -> None:
    [tracker] = list(_grown(iter([ActionExecuted("action_listen"), UserUttered("hi")]), lambda number: number == 2))
    first = applied_events.applied_events(tracker)
    first.clear()
    assert _same(applied_events.applied_events(tracker), RASAS_APPLIED_EVENTS(tracker))
    assert len(applied_events.applied_events(tracker)) == 2


def test_a_tracker_keeping_a_bounded_history_gets_rasas_own() -> None:
    tracker = DialogueStateTracker("candidate", [], max_event_history=3)
    for event in (ActionExecuted("action_listen"), UserUttered("hi"), ActionExecuted("utter_greet"),
                  ActionExecuted("action_listen"), UserUttered("bye")):
        tracker.update(event)
        assert _same(applied_events.applied_events(tracker), RASAS_APPLIED_EVENTS(tracker))


def _without_new_forms_check(self: DialogueStateTracker) -> list[Event]:
    # The flawed version: carries on even when the new events name a form not seen before.
    carried = self.__dict__.get(applied_events._ON_TRACKER)
    if carried is None:
        return applied_events.applied_events(self)
    for index in range(carried.seen, len(self.events)):
        applied_events._apply(self, self.events[index], carried)
    carried.seen, carried.last = len(self.events), self.events[-1]
    return list(carried.applied)


def test_a_version_that_ignores_forms_named_later_is_caught() -> None:
    caught = False
    for _seed, events, rng in _random_conversations(3000):
        for tracker in _grown(iter(events), lambda _number, rng=rng: rng.random() < 0.4):
            if not _same(_without_new_forms_check(tracker), RASAS_APPLIED_EVENTS(tracker)):
                caught = True
                break
        if caught:
            break
    assert caught, "the random conversations never needed the check"


def test_install_makes_it_the_trackers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DialogueStateTracker, "applied_events", RASAS_APPLIED_EVENTS)
    applied_events.install()
    assert DialogueStateTracker.applied_events is applied_events.applied_events
