#!/usr/bin/env bash
# Set up whatever is missing: a Python 3.10 virtualenv with the locked packages, the offline
# spaCy pipeline and a trained model. Safe to run again: each step is skipped when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

is_py310() { [ -x "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }

find_python310() {
  local candidate
  for candidate in "${PYTHON:-}" "$(command -v python3.10 2>/dev/null || true)" \
      "$(pyenv root 2>/dev/null)"/versions/3.10*/bin/python3.10 \
      "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
    if [ -n "$candidate" ] && is_py310 "$candidate"; then echo "$candidate"; return 0; fi
  done
  # pyenv's shim exists even when 3.10 is not the selected version: ask for it explicitly.
  if command -v pyenv >/dev/null 2>&1; then
    candidate=$(PYENV_VERSION="$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10' | tail -n1)" \
      pyenv which python3.10 2>/dev/null || true)
    if [ -n "$candidate" ] && is_py310 "$candidate"; then echo "$candidate"; return 0; fi
  fi
  return 1
}

if ! is_py310 "$VENV/bin/python"; then
  if ! PY=$(find_python310); then
    cat >&2 <<'MSG'
[setup] error: recruitbot needs Python 3.10 (Rasa Open Source 3.6 runs on 3.8-3.10 only) and
        none was found. Install one, then run this command again:
          pyenv install 3.10.13                      (with pyenv), or
          apt-get install python3.10 python3.10-venv (where your distribution has it), or
        point to an existing interpreter: PYTHON=/path/to/python3.10 make run
MSG
    exit 3
  fi
  say "creating $VENV with $PY"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi

lock_hash=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$lock_hash" ]; then
  say "installing the locked packages (first time: about 3 minutes)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check 'pip<24.1'
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.lock
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
  echo "$lock_hash" > "$VENV/.installed"
fi

# --- channels: the chat widget's npm packages (socket.io-client), installed when the lock changes ---
widget_lock_hash=$(sha256sum widget/package-lock.json | cut -d' ' -f1)
if [ "$(cat widget/node_modules/.recruitbot-lock 2>/dev/null)" != "$widget_lock_hash" ]; then
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    cat >&2 <<'MSG'
[setup] error: the chat widget needs Node.js (18 or later) and npm to install its packages
        (widget/package-lock.json); one or both are missing. Install them, then run this again:
          apt-get install nodejs npm      (Debian/Ubuntu), or see https://nodejs.org/
MSG
    exit 3
  fi
  say "installing the chat widget's npm packages"
  (cd widget && npm ci --no-audit --no-fund --loglevel=error)
  echo "$widget_lock_hash" > widget/node_modules/.recruitbot-lock
fi
# --- end channels ---

export RASA_TELEMETRY_ENABLED=false
"$VENV/bin/python" -m recruitbot.nlp
"$VENV/bin/python" -m recruitbot.train >/dev/null
