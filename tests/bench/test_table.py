"""The benchmark's table, from made-up figures: the columns, and the production profile's and floor's when they ran."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.bots import Trained
from bench.load import Level, LevelResult
from bench.run import FLOOR, PRODUCTION, LevelRun, Report, markdown

LEVELS = (Level(1, 2, 60), Level(50, 2, 60))
HOST: dict[str, object] = {"nproc": 2, "cpu_model": "test CPU", "ram_gb": 1.0, "python": "3.10", "rasa": "3.6",
                           "rasa_sdk": "3.6", "load_average": [0.0, 0.0, 0.0]}


def report(name: str, latency_ms: float, errors: int = 0) -> Report:
    # Ten messages a second at every level, each answered in latency_ms.
    levels = [LevelRun(LevelResult(level.concurrency, 2, 1.0, [latency_ms] * 10, Counter(http_500=errors)), 0.5, 0.0)
              for level in LEVELS]
    return Report(name, Trained(Path("/models") / f"{name}.tar.gz", None, "not timed"), 10.0, 100.0, 100.0, 2,
                  levels=levels)


def table(reports: dict[str, Report]) -> dict[str, list[str]]:
    lines = [line for line in markdown(reports, LEVELS, HOST, "test").splitlines() if line.startswith("|")]
    return {cells[0]: cells[1:] for line in lines if (cells := [cell.strip() for cell in line[1:-1].split("|")])}


def test_without_the_production_profile_the_table_has_the_usual_columns() -> None:
    rows = table({"ours": report("ours", 20), "stock": report("stock", 100)})
    assert rows["metric"] == ["ours", "stock", "ours/stock", "target"]
    assert rows["p50 latency, 1 conv. (ms)"] == ["20", "100", "0.20", "≤ 0.25 ✓"]


def test_the_production_profile_adds_its_figures_and_their_ratio_to_stock() -> None:
    rows = table({"ours": report("ours", 20), "stock": report("stock", 100),
                  PRODUCTION: report(PRODUCTION, 40, errors=1)})
    assert rows["metric"] == ["ours", "stock", "ours/stock", "target", "ours, production profile", "production/stock"]
    assert rows["p50 latency, 1 conv. (ms)"] == ["20", "100", "0.20", "≤ 0.25 ✓", "40", "0.40 ✗"]
    assert rows["errors, 50 conv. (failed / sent)"] == ["0 / 10", "0 / 10", "-", "= 0 ✓", "1 / 10", "- ✗"]


def test_the_floor_comes_after_the_production_profile_with_its_ratio_to_stock() -> None:
    rows = table({"ours": report("ours", 20), "stock": report("stock", 100), FLOOR: report(FLOOR, 30),
                  PRODUCTION: report(PRODUCTION, 40)})
    assert rows["metric"][4:] == ["ours, production profile", "production/stock", "floor (Rasa alone)", "floor/stock"]
    assert rows["p50 latency, 1 conv. (ms)"] == ["20", "100", "0.20", "≤ 0.25 ✓", "40", "0.40 ✗", "30", "0.30 ✗"]
    assert rows["throughput, 50 conv. (msg/s)"][4:] == ["10.0", "1.00 ✗", "10.0", "1.00 ✗"]


def test_the_floor_alone_beside_ours_and_stock() -> None:
    rows = table({"ours": report("ours", 20), "stock": report("stock", 100), FLOOR: report(FLOOR, 10)})
    assert rows["metric"] == ["ours", "stock", "ours/stock", "target", "floor (Rasa alone)", "floor/stock"]
    assert rows["p99 latency, 1 conv. (ms)"] == ["20", "100", "0.20", "≤ 0.5 ✓", "10", "0.10 ✓"]
