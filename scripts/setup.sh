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
# Byte-compile the package now: where PYTHONDONTWRITEBYTECODE is set, Python never writes the
# .pyc files itself and every launch would compile aistui from source (~30 ms of the first frame).
.venv/bin/python -m compileall -q aistui assets >/dev/null
scripts/install-aisnode.sh
