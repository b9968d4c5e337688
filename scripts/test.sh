#!/usr/bin/env bash
# The test command: set up (scripts/setup.sh), then run the whole suite - unit, integration on a
# real local AIS cluster pair, and UI (Pilot). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export AISTUI_BIN="${AISTUI_BIN:-$HOME/.cache/aistui/bin}"
exec .venv/bin/python -m pytest tests -q -p no:cacheprovider -o console_output_style=classic "$@"
