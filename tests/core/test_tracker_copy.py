"""A tracker's copy made from its state (recruitbot/tracker_copy.py) is the one Rasa's replay makes.

After every event of every story, rule and conversation test (also with rewinds, undone actions,
restarts and new sessions added) and of 800 random conversations with forms, both copies
must hold the same attributes: the same event objects, slots with the same values (the same objects)
and flags, the same latest message and bot utterance, equal loop and action dicts. Then each copy
gets more events, which must change neither the original nor the other copy, and the two copies must
still agree. A conversation with the trained model, through Rasa's processor, compares both copies
at every copy the processor makes.
"""

from __future__ import annotations

import asyncio
import copy
import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.actions.forms import FormAction
from rasa.core.agent import Agent
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import ListSlot, TextSlot
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity, TrackerActiveLoop

from recruitbot import tracker_copy
from recruitbot.tracker_copy import RASAS_COPY
from tests.helpers import story_trackers, taken_back

FORMS = ("alert_form", "handoff_form")
_SAME_OBJECT = ("latest_message", "latest_bot_utterance")


def _slot_state(tracker: DialogueStateTracker) -> dict[str, tuple[Any, ...]]:
    return {name: (type(slot), slot.value, {k: v for k, v in vars(slot).items() if k != "_value"})
            for name, slot in tracker.slots.items()}


def _differences(ours: DialogueStateTracker, rasas: DialogueStateTracker) -> list[str]:
    """What differs between two copies of one tracker (empty when they are the same)."""
    found = []
    ours_vars = {k: v for k, v in vars(ours).items() if not k.startswith("_recruitbot")}
    rasas_vars = {k: v for k, v in vars(rasas).items() if not k.startswith("_recruitbot")}
    if ours_vars.keys() != rasas_vars.keys():
        found.append(f"attributes {sorted(ours_vars.keys() ^ rasas_vars.keys())}")
    for name in ours_vars.keys() & rasas_vars.keys():
        mine, theirs = ours_vars[name], rasas_vars[name]
        if name == "events":
            same = len(mine) == len(theirs) and all(a is b for a, b in zip(mine, theirs, strict=True)) \
                and mine.maxlen == theirs.maxlen
        elif name == "slots":
            same = _slot_state(ours) == _slot_state(rasas) and all(
                ours.slots[key] is not rasas.slots[key] for key in ours.slots)
        elif name in _SAME_OBJECT and any(mine is event for event in ours.events):
            same = mine is theirs
        elif isinstance(mine, (dict, TrackerActiveLoop)):
            same = mine == theirs and (mine is not theirs or not mine)
        else:
            same = type(mine) is type(theirs) and mine == theirs
        if not same:
            found.append(f"{name}: {mine!r} against {theirs!r}")
    return found


def _check_copies(tracker: DialogueStateTracker, more: list[Event]) -> None:
    """Both copies agree, leave the original as it was, and agree again after the same new events."""
    before = _slot_state(tracker), copy.copy(tracker.active_loop), dict(tracker.latest_action or {}), \
        len(tracker.events)
    ours, rasas = tracker_copy.copy(tracker), RASAS_COPY(tracker)
    assert not _differences(ours, rasas), _differences(ours, rasas)
    for event in more:  # the same objects to both, as the processor adds an action's events
        ours.update(event)
        rasas.update(event)
    assert not _differences(ours, rasas), _differences(ours, rasas)
    after = _slot_state(tracker), copy.copy(tracker.active_loop), dict(tracker.latest_action or {}), \
        len(tracker.events)
    assert before == after


def _slots() -> list[Any]:
    return [TextSlot("x", mappings=[]), ListSlot("places", mappings=[]), TextSlot("requested_slot", mappings=[])]


def _grown(events: list[Event], slots: list[Any]) -> Iterator[DialogueStateTracker]:
    tracker = DialogueStateTracker("candidate", slots)
    for event in events:
        tracker.update(event)
        yield tracker


def _more() -> list[Event]:
    return [EntitiesAdded([{"entity": "location", "value": "Hull"}]), ActionExecuted("action_listen"),
            UserUttered("hi", {"name": "greet", "confidence": 1.0}),
            EntitiesAdded([{"entity": "location", "value": "Leeds", "start": 0, "end": 5}]),
            ActiveLoop("alert_form"), LoopInterrupted(True), SlotSet("x", "later"), BotUttered("hello")]


@pytest.mark.model
def test_after_every_event_of_every_story_the_copy_is_rasas(loaded_agent: Agent) -> None:
    compared = 0
    for story in story_trackers(loaded_agent.domain):
        for events in (list(story.events), list(taken_back(list(story.events)))):
            for tracker in _grown(events, list(loaded_agent.domain.slots)):
                _check_copies(tracker, _more())
                compared += 1
    assert compared > 1500


def _random_event(rng: random.Random) -> Event:
    form = rng.choice(FORMS)
    return rng.choice([
        lambda: ActionExecuted("action_listen"),
        lambda: ActionExecuted(form),
        lambda: ActionExecuted(rng.choice(["utter_greet", "action_search_vacancies"])),
        lambda: ActiveLoop(form),
        lambda: ActiveLoop(None),
        lambda: UserUttered("hi", {"name": "greet", "confidence": 1.0}, [{"entity": "keyword", "value": "hr"}]),
        lambda: UserUtteranceReverted(),
        lambda: ActionReverted(),
        lambda: Restarted(),
        lambda: SessionStarted(),
        lambda: SlotSet("x", rng.choice(["value", None, "other"])),
        lambda: SlotSet("places", ["Leeds", "York"]),
        lambda: SlotSet("requested_slot", rng.choice(["x", None])),
        lambda: AllSlotsReset(),
        lambda: DefinePrevUserUtteredFeaturization(rng.random() < 0.5),
        lambda: EntitiesAdded([{"entity": "location", "value": rng.choice(["Leeds", "Hull"])}]),
        lambda: ActionExecutionRejected(form),
        lambda: LoopInterrupted(rng.random() < 0.5),
        lambda: FollowupAction("utter_greet"),
        lambda: ConversationPaused(),
        lambda: ConversationResumed(),
        lambda: BotUttered(rng.choice(["hello", "bye"])),
    ])()


def test_random_conversations_copied_at_every_point_get_rasas_copy() -> None:
    for seed in range(800):
        rng = random.Random(seed)
        events = [_random_event(rng) for _ in range(rng.randint(1, 50))]
        for tracker in _grown(events, _slots()):
            _check_copies(tracker, [_random_event(rng) for _ in range(3)])


def test_a_copy_after_a_reset_gets_its_own_empty_message() -> None:
    # Rasa's copy replays onto a new tracker, whose reset makes a new empty message; entities added
    # to the copy's must not reach the original's.
    [*_, tracker] = _grown([ActionExecuted("action_listen"), SessionStarted(), ActionExecuted("action_listen")],
                           _slots())
    made = tracker_copy.copy(tracker)
    made.update(EntitiesAdded([{"entity": "location", "value": "Leeds"}]))
    assert made.latest_message is not tracker.latest_message
    assert tracker.latest_message.entities == []


def test_trackers_rasa_copies_itself_are_left_to_it() -> None:
    bounded = DialogueStateTracker("candidate", _slots(), max_event_history=3)
    no_domain = DialogueStateTracker("candidate", None)
    for tracker in (bounded, no_domain):
        for event in (ActionExecuted("action_listen"), UserUttered("hi"), SlotSet("x", "a")):
            tracker.update(event)
        assert not _differences(tracker_copy.copy(tracker), RASAS_COPY(tracker))
    assert tracker_copy.copy(bounded).events.maxlen == 3


def test_a_version_that_shares_the_loop_dict_is_caught() -> None:
    # The flawed version hands the copy the original's active loop: the copy's LoopInterrupted then
    # changes the original.
    tracker = next(t for t in _grown([ActiveLoop("alert_form")], _slots()))
    made = tracker_copy.copy(tracker)
    made.active_loop = tracker.active_loop
    made.update(LoopInterrupted(True))
    assert tracker.active_loop is not None and tracker.active_loop.is_interrupted is True
    fresh = next(t for t in _grown([ActiveLoop("alert_form")], _slots()))
    tracker_copy.copy(fresh).update(LoopInterrupted(True))
    assert fresh.active_loop is not None and fresh.active_loop.is_interrupted is False


@pytest.mark.model
def test_the_processors_copies_in_conversations_with_the_model_are_rasas(
        loaded_agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[int] = []
    differences: list[str] = []

    def checked(self: DialogueStateTracker) -> DialogueStateTracker:
        # Rasa's processor logs and swallows what the copy raises: the differences are kept and checked after.
        ours, rasas = tracker_copy.copy(self), RASAS_COPY(self)
        differences.extend(_differences(ours, rasas))
        compared.append(len(self.events))
        return ours

    def checked_form_tracker(self: FormAction, current: DialogueStateTracker, more: list[Event], domain: Any,
                             ) -> DialogueStateTracker:
        ours = tracker_copy._form_temporary_tracker(self, current, more, domain)
        rasas = tracker_copy.RASAS_FORM_TEMPORARY_TRACKER(self, current, more, domain)
        if _state(ours, domain) != _state(rasas, domain):
            differences.append(f"{self.name()}'s temporary tracker")
        compared_forms.append(len(current.events))
        return ours

    compared_forms: list[int] = []
    monkeypatch.setattr(DialogueStateTracker, "copy", checked)
    monkeypatch.setattr(FormAction, "_temporary_tracker", checked_form_tracker)
    chats = [["hi", "any admin jobs in Leeds?", "what about perm ones?", "does a second interview mean i got the job",
              "thanks", "bye"],
             ["job alerts for marketing in York please", "straight away", "no wait, make it hr", "stop"],
             ["can i speak to a person", "Sam Patel", "sam@example.com", "bye"]]

    async def talk() -> None:  # no action server: the custom actions fail, and Rasa carries on
        for chat in chats:
            sender = f"copy-{uuid.uuid4().hex}"
            for text in chat:
                await loaded_agent.handle_text(text, sender_id=sender)

    asyncio.run(talk())
    assert not differences
    assert len(compared) > 10 and max(compared) > 20 and compared_forms


def test_install_makes_it_the_trackers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DialogueStateTracker, "copy", RASAS_COPY)
    monkeypatch.setattr(FormAction, "_temporary_tracker", tracker_copy.RASAS_FORM_TEMPORARY_TRACKER)
    tracker_copy.install()
    assert DialogueStateTracker.copy is tracker_copy.copy
    assert FormAction._temporary_tracker is tracker_copy._form_temporary_tracker


class _CopiesItself(TextSlot):
    def __copy__(self) -> _CopiesItself:
        made = TextSlot.__new__(_CopiesItself)
        made.__dict__.update(self.__dict__, copied_by_itself=True)
        return made


def test_slots_of_a_class_with_its_own_copy_are_copied_by_it() -> None:
    tracker = DialogueStateTracker("candidate", [_CopiesItself("x", mappings=[]), TextSlot("y", mappings=[])])
    tracker.update(SlotSet("x", "kept"))
    made = tracker_copy.copy(tracker)
    assert vars(made.slots["x"]).get("copied_by_itself") is True and made.slots["x"].value == "kept"
    assert not _differences(made, RASAS_COPY(tracker))


def _state(tracker: DialogueStateTracker, domain: Any) -> tuple[Any, ...]:
    """What a tracker holds, by value: Rasa's dump of it with every event, and the policies' states.

    The times are left out: each of the two ways makes its own new events, a moment apart.
    """
    dump = tracker.current_state(EventVerbosity.ALL)
    dump.pop("latest_event_time")
    for event in dump["events"]:
        event.pop("timestamp")
    return dump, tracker.past_states(domain), _slot_state(tracker)


def _new_events() -> list[Event]:
    return [SlotSet("requested_slot", "alert_email"), ActionExecuted("alert_form"), SlotSet("alert_email", "a@b.co")]


@pytest.mark.model
def test_a_replay_onto_the_domains_slots_is_rasas_after_every_event_of_every_story(loaded_agent: Agent) -> None:
    domain = loaded_agent.domain
    fast = 0
    for story in story_trackers(domain):
        for events in (list(story.events), list(taken_back(list(story.events)))):
            for tracker in _grown(events, list(domain.slots)):
                new = _new_events()
                ours = tracker_copy.replayed(tracker, new, domain.slots)
                rasas = DialogueStateTracker.from_events(
                    tracker.sender_id, tracker.events_after_latest_restart() + new, slots=domain.slots)
                assert not _differences(ours, rasas), _differences(ours, rasas)
                fast += not tracker.idx_after_latest_restart()
    assert fast > 1500


def test_a_replay_onto_other_slots_or_after_a_restart_is_rasas() -> None:
    other = [TextSlot("x", mappings=[], initial_value="start"), ListSlot("places", mappings=[]),
             TextSlot("requested_slot", mappings=[])]
    for seed in range(300):
        rng = random.Random(seed)
        events = [_random_event(rng) for _ in range(rng.randint(1, 40))]
        for tracker in _grown(events, _slots()):
            for slots in (_slots(), other, list(reversed(_slots()))):
                new = [_random_event(rng) for _ in range(2)]
                ours = tracker_copy.replayed(tracker, new, slots)
                rasas = DialogueStateTracker.from_events(
                    tracker.sender_id, tracker.events_after_latest_restart() + new, slots=slots)
                assert not _differences(ours, rasas), (seed, _differences(ours, rasas))
