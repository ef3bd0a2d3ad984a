#!/usr/bin/env bash
# pip-audit of the exact versions in requirements.lock, from its own virtualenv (.venv-audit,
# pinned by security/pip-audit.lock) so that its dependencies never move Rasa's pins.
# Known vulnerabilities that rasa 3.6.21's pins keep us from fixing are accepted one by one in
# security/pip-audit-ignore.txt; anything else fails.
#
# Where the vulnerability service (PyPI's JSON API) cannot be reached at all, the network is
# taken as offline for auditing: this prints that nothing was audited and exits 0, unless
# RECRUITBOT_AUDIT_REQUIRED=1 (set it where the service is reachable, so that losing it fails).
# A service that answers but cannot audit every package fails.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-audit
IGNORE=security/pip-audit-ignore.txt
say() { printf '\033[1m[audit]\033[0m %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV for pip-audit"
  .venv/bin/python -m venv "$VENV"
fi
lock_hash=$(sha256sum security/pip-audit.lock | cut -d' ' -f1)
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$lock_hash" ]; then
  say "installing pip-audit (security/pip-audit.lock)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r security/pip-audit.lock
  echo "$lock_hash" > "$VENV/.installed"
fi

# pip-audit asks https://pypi.org/pypi/<name>/<version>/json about each package; ask it about
# itself first, to tell "no vulnerability service here" from "the audit failed".
if ! reason=$("$VENV/bin/python" - <<'PY'
import sys
import urllib.error
import urllib.request

try:
    with urllib.request.urlopen("https://pypi.org/pypi/pip-audit/2.10.1/json", timeout=20) as answer:
        answer.read(1)
except urllib.error.HTTPError as exc:
    print(f"PyPI's JSON API answered HTTP {exc.code} for a package it has")
    sys.exit(1)
except (urllib.error.URLError, OSError) as exc:
    print(f"PyPI's JSON API cannot be reached ({getattr(exc, 'reason', exc)})")
    sys.exit(1)
PY
); then
  if [ "${RECRUITBOT_AUDIT_REQUIRED:-0}" = 1 ]; then
    say "FAILED: the vulnerability service is unreachable: $reason (RECRUITBOT_AUDIT_REQUIRED=1)"
    exit 1
  fi
  say "NOT AUDITED: the vulnerability service is unreachable from this network: $reason."
  say "No package was checked for known vulnerabilities. Run scripts/audit.sh where pypi.org is reachable"
  say "(RECRUITBOT_AUDIT_REQUIRED=1 makes this a failure)."
  exit 0
fi

ignored=()
while read -r id _; do
  ignored+=(--ignore-vuln "$id")
done < <(grep -Ev '^[[:space:]]*(#|$)' "$IGNORE")

say "pip-audit of requirements.lock ($(( ${#ignored[@]} / 2 )) accepted vulnerabilities in $IGNORE)"
# --strict: a package that could not be audited fails the run instead of being skipped quietly.
"$VENV/bin/pip-audit" --requirement requirements.lock --no-deps --disable-pip --strict \
  --progress-spinner off --cache-dir "$VENV/http-cache" --desc off "${ignored[@]}"
