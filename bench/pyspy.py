"""Sampling profiles of a running server with py-spy, and where their time goes in a few lines."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PY_SPY = Path(sys.executable).with_name("py-spy")
SAMPLES_PER_S = 100
SITE_PACKAGES = "site-packages/"
SCAFFOLDING_SHARE = 0.95  # frames on (nearly) every sampled stack: process, runpy, Sanic's serve loop


@contextmanager
def recording(pid: int, output: Path) -> Iterator[None]:
    """Sample the process (and its children) for the block; write a speedscope profile to ``output``.

    py-spy pauses the process for each sample: non-blocking sampling tore about one stack in ten
    here. The profiled level's latencies are therefore a little worse than an unprofiled run's.
    """
    if not PY_SPY.exists():
        raise RuntimeError("py-spy is not installed: .venv/bin/pip install -r requirements.lock")
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [str(PY_SPY), "record", "--pid", str(pid), "--format", "speedscope", "--output", str(output),
               "--rate", str(SAMPLES_PER_S), "--subprocesses"]
    with output.with_suffix(".log").open("wb") as log:
        profiler = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield
        finally:
            profiler.send_signal(signal.SIGINT)  # py-spy writes the profile when interrupted
            profiler.wait(timeout=120)


def _frame_name(frame: dict[str, object]) -> str:
    path = str(frame.get("file", ""))
    if SITE_PACKAGES in path:
        path = path.split(SITE_PACKAGES, 1)[1]
    return f"{frame.get('name')} ({path}:{frame.get('line')})"


@dataclass(frozen=True)
class Hotspots:
    """Where a profile's samples fall (``python -m bench`` prints them; speedscope.app shows the whole profile)."""

    sampled_s: float  # the time covered by samples, in seconds
    busy_s: float  # of which the server was not waiting in its event loop
    inclusive: list[tuple[str, float]]  # function -> share of busy samples it is on the stack of
    own: list[tuple[str, float]]  # function -> share of busy samples it is the innermost frame of


def hotspots(profile: Path, top: int = 25) -> Hotspots:
    """The functions the busy samples fall in most.

    Frames on (nearly) every sample are the process's scaffolding (runpy, Sanic's serve loop):
    they are left out of the lists, and a sample whose innermost frame is one of them is the
    server waiting in its event loop (py-spy cannot tell that uvloop is idle), so it is not busy.
    """
    document = json.loads(profile.read_text())
    frames = document["shared"]["frames"]
    samples = [(stack, weight) for thread in document["profiles"]
               for stack, weight in zip(thread["samples"], thread["weights"], strict=True) if stack]
    sampled = sum(weight for _stack, weight in samples)  # py-spy weighs samples in seconds
    on_stack: Counter[int] = Counter()
    for stack, weight in samples:
        on_stack.update(dict.fromkeys(set(stack), weight))
    scaffolding = {index for index, weight in on_stack.items() if weight >= SCAFFOLDING_SHARE * sampled}
    busy = [(stack, weight) for stack, weight in samples if stack[-1] not in scaffolding]
    busy_s = sum(weight for _stack, weight in busy)
    inclusive: Counter[int] = Counter()
    own: Counter[int] = Counter()
    for stack, weight in busy:
        inclusive.update(dict.fromkeys(set(stack) - scaffolding, weight))
        own[stack[-1]] += weight

    def ranked(counts: Counter[int], limit: int) -> list[tuple[str, float]]:
        return [(_frame_name(frames[index]), weight / busy_s) for index, weight in counts.most_common(limit)]

    return Hotspots(sampled, busy_s, ranked(inclusive, top), ranked(own, top // 2)) if busy_s else \
        Hotspots(sampled, 0.0, [], [])
