#!/usr/bin/env bash
# The whole test suite: set up what is missing, lint, type-check, then every test
# (unit, integration, held-out NLU accuracy, conversation stories, real servers, the fuzz run),
# then pip-audit of the locked packages (scripts/audit.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

say() { printf '\033[1m[test]\033[0m %s\n' "$*" >&2; }

# --- Debian packages the tests drive: chromium (the widget tests; never a downloaded browser)
# --- and nginx (the production profile's tests put it in front of two Rasa servers) ---
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]} from the Debian packages (for the widget and production-profile tests)"
  if [ "$(id -u)" = 0 ]; then as_root=(); elif command -v sudo >/dev/null 2>&1; then as_root=(sudo); else
    echo "[test] error: missing ${missing[*]}; install as root: apt-get install ${missing[*]}" >&2; exit 3
  fi
  "${as_root[@]}" apt-get update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
# --- end Debian packages ---

export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2

say "ruff"
.venv/bin/ruff check .
say "mypy"
.venv/bin/mypy recruitbot actions connectors bench
say "pytest"
.venv/bin/python -m pytest -p no:cacheprovider --timeout 1200 -ra "$@"
say "pip-audit"
scripts/audit.sh
