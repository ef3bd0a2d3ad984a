#!/usr/bin/env bash
# The whole test suite: set up what is missing, lint, type-check, then every test
# (unit, integration, held-out NLU accuracy, conversation stories, real servers).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

say() { printf '\033[1m[test]\033[0m %s\n' "$*" >&2; }

# --- channels: the widget tests drive Debian's chromium (never a downloaded browser) ---
if [ ! -x /usr/bin/chromium ]; then
  say "installing chromium from the Debian packages (for the widget tests)"
  if [ "$(id -u)" = 0 ]; then as_root=(); elif command -v sudo >/dev/null 2>&1; then as_root=(sudo); else
    echo "[test] error: /usr/bin/chromium is missing; install it as root: apt-get install chromium" >&2; exit 3
  fi
  "${as_root[@]}" apt-get update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
# --- end channels ---

export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2

say "ruff"
.venv/bin/ruff check .
say "mypy"
.venv/bin/mypy recruitbot actions connectors bench
say "pytest"
.venv/bin/python -m pytest -p no:cacheprovider --timeout 1200 -ra "$@"
