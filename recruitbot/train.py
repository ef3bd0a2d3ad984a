"""Train the Rasa model only when its sources changed; the model's name is their hash."""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from recruitbot import nlp
from recruitbot.settings import PROJECT_ROOT

MODELS_DIR = PROJECT_ROOT / "models"
# The pipeline's own components (recruitbot/nlu) are sources too: what they learn and store is in the model.
SOURCES = ("config.yml", "domain.yml", "data", "recruitbot/nlu")
KEEP_MODELS = 3
# With the configs' random_seed, these make two trainings on the same sources give the same model.
DETERMINISTIC_ENV = {"PYTHONHASHSEED": "0", "TF_DETERMINISTIC_OPS": "1", "RASA_TELEMETRY_ENABLED": "false"}


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    """A hash of the training data, domain, config, the pipeline's own components and the spaCy pipeline's sources."""
    digest = hashlib.sha256(nlp.source_fingerprint().encode())
    for source in SOURCES:
        path = root / source
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def model_path(root: Path = PROJECT_ROOT) -> Path:
    """Where the model for the current sources is (or will be) stored."""
    return root / "models" / f"recruitbot-{fingerprint(root)}.tar.gz"


def _prune(models_dir: Path, keep: Path) -> None:
    old = sorted(models_dir.glob("recruitbot-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in [p for p in old if p != keep][KEEP_MODELS - 1 :]:
        stale.unlink()


def ensure_trained(root: Path = PROJECT_ROOT, force: bool = False) -> Path:
    """Train unless a model for the current sources exists; return the model's path."""
    nlp.ensure_built()
    target = model_path(root)
    if target.exists() and not force:
        print(f"model up to date: {target.relative_to(root)}", file=sys.stderr)
        return target
    print("training the model (data or config changed)...", file=sys.stderr)
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable, "-m", "rasa", "train",
            "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
            "--out", "models", "--fixed-model-name", target.name.removesuffix(".tar.gz"),
        ],
        cwd=root,
        check=True,
        env={**os.environ, **DETERMINISTIC_ENV},
    )
    print(f"trained in {time.monotonic() - started:.0f} s: {target.relative_to(root)}", file=sys.stderr)
    _prune(target.parent, target)
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: train when needed and print the model's path."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if up to date")
    args = parser.parse_args(argv)
    try:
        print(ensure_trained(force=args.force))
    except subprocess.CalledProcessError as exc:
        print(f"error: training failed (exit {exc.returncode}); see the output above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
