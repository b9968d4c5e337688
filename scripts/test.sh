#!/usr/bin/env bash
# The test command: set up (scripts/setup.sh), then run the whole suite - unit, integration on a
# real local AIS cluster pair, and UI (Pilot). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export AISTUI_BIN="${AISTUI_BIN:-$HOME/.cache/aistui/bin}"
# Three pytest-xdist workers, whole files to one worker (each worker starts its own cluster pair):
# the suite waits on clusters and screens far more than it computes, so 3 fit 2 cores.
# AISTUI_TEST_WORKERS=0 runs it in one process.
exec .venv/bin/python -m pytest tests -q -p no:cacheprovider -o console_output_style=classic \
    -n "${AISTUI_TEST_WORKERS:-3}" --dist loadfile "$@"
