"""The prediction graph run node after node (recruitbot/graph_runner.py) gives what Rasa's dask runner gives.

The trained model's own nodes run under both runners: every training, held-out and dev message
and the benchmark's is parsed by each (the same parse, to the last digit), and the policies predict
at every point of every story and rule of the training data and the conversation tests (the same
prediction). An error in a node reaches the caller as with dask, and the plan runs each node once,
after everything it needs.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import rasa.core.processor
from rasa.core.agent import Agent
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from recruitbot import graph_runner
from recruitbot.graph_runner import SequentialGraphRunner
from tests.helpers import story_trackers
from tests.test_diet_forward import _training_messages

pytestmark = pytest.mark.model


def _sequential(runner: DaskGraphRunner) -> SequentialGraphRunner:
    """A sequential runner over the same instantiated nodes (so the two run the very same components)."""
    sequential = SequentialGraphRunner.__new__(SequentialGraphRunner)
    sequential.__dict__.update(runner.__dict__)
    sequential._plans = {}
    return sequential


@pytest.fixture(scope="module")
def runners(loaded_agent: Agent) -> tuple[DaskGraphRunner, SequentialGraphRunner]:
    runner = loaded_agent.processor.graph_runner
    assert type(runner) is DaskGraphRunner
    return runner, _sequential(runner)


def _parse_all(agent: Agent, runner: DaskGraphRunner, messages: list[str]) -> list[str]:
    agent.processor.graph_runner = runner

    async def parse_all() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in messages]

    return [json.dumps(parse, sort_keys=True) for parse in asyncio.run(parse_all())]


def test_every_message_parses_as_with_dask(loaded_agent: Agent, runners) -> None:
    dask_runner, sequential = runners
    messages = _training_messages()
    assert len(messages) > 1000
    try:
        with_dask = _parse_all(loaded_agent, dask_runner, messages)
        with_sequential = _parse_all(loaded_agent, sequential, messages)
    finally:
        loaded_agent.processor.graph_runner = dask_runner
    for text, ours, dasks in zip(messages, with_sequential, with_dask, strict=True):
        assert ours == dasks, text


def _points(tracker: DialogueStateTracker) -> list[DialogueStateTracker]:
    """The conversation as it stood after each message and each action: where the policies predict."""
    events = list(tracker.events)
    return [DialogueStateTracker.from_events(tracker.sender_id, events[:end + 1], tracker.slots.values())
            for end, event in enumerate(events) if isinstance(event, (UserUttered, ActionExecuted))]


def test_every_point_of_every_conversation_gets_the_same_prediction(loaded_agent: Agent, runners) -> None:
    dask_runner, sequential = runners
    target = loaded_agent.processor.model_metadata.core_target
    compared = 0
    for story in story_trackers(loaded_agent.domain):
        for point in _points(story):
            [(name, dasks)] = dask_runner.run(inputs={"__tracker__": point}, targets=[target]).items()
            [(same_name, ours)] = sequential.run(inputs={"__tracker__": point}, targets=[target]).items()
            assert (same_name, vars(ours)) == (name, vars(dasks)), [str(e) for e in point.events]
            compared += 1
    assert compared > 500


def _targets(agent: Agent) -> list[str]:
    """The nodes a parse and a prediction ask for."""
    return [agent.processor.model_metadata.nlu_target, agent.processor.model_metadata.core_target]


def test_each_node_runs_once_after_what_it_needs(loaded_agent: Agent, runners) -> None:
    dask_runner, sequential = runners
    schema = dask_runner._graph_schema
    for target in _targets(loaded_agent):
        plan = sequential._plan((target,))
        names = [name for name, _ in plan]
        assert sorted(names) == sorted(schema.minimal_graph_schema([target]).nodes)
        for position, (_, needs) in enumerate(plan):
            assert all(need not in schema.nodes or need in names[:position] for need in needs)


def test_an_error_in_a_node_reaches_the_caller_as_with_dask(loaded_agent: Agent, runners, monkeypatch) -> None:
    dask_runner, sequential = runners
    target = _targets(loaded_agent)[1]

    def broken(*inputs: Any) -> Any:
        raise RuntimeError("broken")

    # The two runners share their nodes.
    monkeypatch.setitem(dask_runner._instantiated_nodes, target, broken)
    for runner in (dask_runner, sequential):
        with pytest.raises(GraphRunError):
            runner.run(inputs={"__tracker__": DialogueStateTracker("someone", loaded_agent.domain.slots)},
                       targets=[target])
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        sequential.run(inputs={"anything": target}, targets=[target])


def test_the_rasa_server_installs_it(monkeypatch) -> None:
    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", DaskGraphRunner)
    graph_runner.install()
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
