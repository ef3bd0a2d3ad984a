"""Rasa's prediction graph run node after node, without dask's scheduler.

Rasa 3.6 runs its model graph through ``DaskGraphRunner`` for every parse and every prediction
of the next action (three to five times a turn here). Each run finds the nodes the targets need
(``GraphSchema.minimal_graph_schema``, a recursive walk that visits a shared dependency once per
path to it), builds a dask task graph from them, and hands it to ``dask.get``, which orders the
tasks, sets up a queue and a synchronous executor, and runs them one by one. In a py-spy profile
of the Rasa server on 2026-11-28 the scheduling (dask, its queue and thread-pool objects) took
about 14 % of the busy time, as much as DIET.

:class:`SequentialGraphRunner` runs the same nodes, with the same inputs, in an order in which
every node comes after the nodes it needs, found once per set of targets. A node's call is Rasa's
own ``GraphNode.__call__`` as dask would make it: each need's ``(node name, output)`` pair, or the
bare name for one nothing provides (``GraphNode`` warns about it, as with dask). The outputs are
what ``DaskGraphRunner.run`` returns, and an error in a node propagates as it does there (a
``RuntimeError`` becomes ``GraphRunError``). ``tests/core/test_graph_runner.py`` compares the two
on the parse of every training, held-out, dev and benchmark message and on the prediction at every
point of every story and rule. Training keeps Rasa's runner.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

# A node to run and the names of what it needs, in the order of its schema's ``needs``.
_Step = tuple[str, tuple[str, ...]]


class SequentialGraphRunner(DaskGraphRunner):
    """``DaskGraphRunner`` that runs the nodes one after the other in an order found once per targets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Rasa's runner (its nodes made from the schema), with no plan made yet."""
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, ...], list[_Step]] = {}

    def run(self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        """Run the nodes the targets need; each target's output by its name (as Rasa's runner returns them)."""
        run_targets = list(targets) if targets else self._graph_schema.target_names
        plan = self._plan(tuple(run_targets))
        outputs: dict[str, Any] = {}
        if inputs:
            # Rasa's check, against what its task graph holds so far: the nodes to run and the inputs before.
            keys = {name for name, _ in plan}
            for name, value in inputs.items():
                if isinstance(value, str) and value in keys:
                    raise GraphRunError(
                        f"Input value '{value}' clashes with a node name. Make sure that none of the input "
                        f"names passed to the `run` method are the same as node names in the graph schema.")
                keys.add(name)
                outputs[name] = (name, value)
        try:
            for name, needs in plan:
                if name not in outputs:  # an input named as a node stands in for it, as with dask
                    outputs[name] = self._instantiated_nodes[name](*(outputs.get(need, need) for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(outputs.get(target, target) for target in run_targets)

    def _plan(self, targets: tuple[str, ...]) -> list[_Step]:
        plan = self._plans.get(targets)
        if plan is None:
            plan = self._plans[targets] = self._order(targets)
        return plan

    def _order(self, targets: tuple[str, ...]) -> list[_Step]:
        """Every node the targets need (themselves included), each after its own needs."""
        nodes = self._graph_schema.nodes
        ordered: list[_Step] = []
        placed: set[str] = set()
        on_path: set[str] = set()

        def place(name: str) -> None:
            if name in placed or name not in nodes:  # done, or an input: not a node to run
                return
            if name in on_path:
                raise GraphRunError(f"The graph has a cycle through '{name}'.")
            on_path.add(name)
            needs = tuple(nodes[name].needs.values())
            for need in needs:
                place(need)
            on_path.discard(name)
            placed.add(name)
            ordered.append((name, needs))

        for target in targets:
            place(target)
        return ordered


def install() -> None:
    """Make the Rasa server load its models with :class:`SequentialGraphRunner`."""
    import rasa.core.processor

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
