#!/usr/bin/env bash
# Set up everything aistui needs on a fresh machine (Python 3.11 + pip, Go 1.26): .venv with exactly
# the versions in uv.lock (aistui editable, with its dev and demo extras), and aisnode v1.5.0 (built
# once, then cached). Idempotent: a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"

# uv, pinned, from PyPI with pip: into a directory of its own, reused while it holds this version.
UV_VERSION=0.13.8
uv_home="${AISTUI_UV_HOME:-$HOME/.cache/aistui/uv-$UV_VERSION}"
uv="$uv_home/bin/uv"
have="$("$uv" --version 2>/dev/null || true)"
if [[ "$have" != "uv $UV_VERSION" && "$have" != "uv $UV_VERSION "* ]]; then
  tmp="$uv_home.tmp.$$"
  rm -rf "$tmp"
  # --target needs only pip (no venv module) and is what PEP 668 allows on a system Python
  PIP_ROOT_USER_ACTION=ignore "$PY" -m pip install -q --disable-pip-version-check --no-warn-script-location \
    --target "$tmp" "uv==$UV_VERSION"
  rm -rf "$uv_home"
  mv "$tmp" "$uv_home"
fi

# uv never downloads a Python: .venv is made with this machine's python3 (3.11+).
export UV_PYTHON_DOWNLOADS=never
UV_PYTHON="$("$PY" -c 'import sys; print(sys.executable)')"
export UV_PYTHON
export UV_PROJECT_ENVIRONMENT="$PWD/.venv"
# Exactly the lock, and nothing else: --frozen never re-resolves, and sync removes what the lock
# does not list. Update the lock with `uv lock` (see README, "Dependencies").
"$uv" sync --frozen --extra dev --extra demo --quiet
ln -sfn "$uv" .venv/bin/uv  # the same uv for `uv lock` (README) and .ci/run's `uv lock --check`
touch .venv/.aistui-installed
# Byte-compile the package now: where PYTHONDONTWRITEBYTECODE is set, Python never writes the
# .pyc files itself and every launch would compile aistui from source (~30 ms of the first frame).
.venv/bin/python -m compileall -q aistui assets >/dev/null
scripts/install-aisnode.sh
