"""Compare NLU configurations on the held-out set: ``python -m bench.nlu_configs [CONFIG ...]``.

Trains an NLU-only model per config (config.yml plus the variants in bench/nlu_configs/),
scores each on the held-out set (tests/nlu/heldout.yml) and the dev set, and prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recruitbot import nlp
from recruitbot.evaluate import DEV, HELDOUT, evaluate
from recruitbot.settings import PROJECT_ROOT

VARIANTS = PROJECT_ROOT / "bench" / "nlu_configs"


def _train_nlu(config: Path, out: Path) -> tuple[Path, float]:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config), "--nlu", "data",
         "--domain", "domain.yml", "--out", str(out), "--fixed-model-name", config.stem],
        cwd=PROJECT_ROOT, check=True, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        stdout=subprocess.DEVNULL,
    )
    return out / f"{config.stem}.tar.gz", time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    """Train, score and tabulate each configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", type=Path)
    args = parser.parse_args(argv)
    configs = [config.resolve() for config in args.configs] or [
        PROJECT_ROOT / "config.yml", *sorted(VARIANTS.glob("*.yml"))]
    nlp.ensure_built()
    rows = ["| config | NLU train (s) | held-out accuracy | lowest held-out label | held-out entities | dev accuracy |",
            "| --- | ---: | ---: | --- | ---: | ---: |"]
    with tempfile.TemporaryDirectory() as out:
        for config in configs:
            model, seconds = _train_nlu(config, Path(out))
            report = asyncio.run(evaluate(model, HELDOUT))
            dev = asyncio.run(evaluate(model, DEV))
            label, lowest = min(report.label_accuracy().items(), key=lambda item: item[1])
            rows.append(f"| {config.relative_to(PROJECT_ROOT)} | {seconds:.0f} | {report.accuracy:.3f} | "
                        f"{label} {lowest:.2f} | {report.entity_recall:.2f} | {dev.accuracy:.3f} |")
            print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
