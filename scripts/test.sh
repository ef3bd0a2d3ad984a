#!/usr/bin/env bash
# The whole test suite: set up what is missing, lint, type-check, then every test
# (unit, integration, held-out NLU accuracy, conversation stories, real servers).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

say() { printf '\033[1m[test]\033[0m %s\n' "$*" >&2; }
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2

say "ruff"
.venv/bin/ruff check .
say "mypy"
.venv/bin/mypy recruitbot actions
say "pytest"
.venv/bin/python -m pytest -p no:cacheprovider --timeout 1200 -ra "$@"
