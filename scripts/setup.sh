#!/usr/bin/env bash
# Set up everything aistui needs on a fresh machine (Python 3.11 + pip, Go 1.26): a virtualenv in
# .venv with aistui and its dev/demo extras, and aisnode v1.5.0 (built once, then cached).
# Idempotent: a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.aistui-installed
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev,demo]"
  touch "$stamp"
fi
scripts/install-aisnode.sh
