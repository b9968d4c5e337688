#!/usr/bin/env bash
# The main job: set up (scripts/setup.sh), start a local AIS demo cluster with @remais and demo
# images, and open the console on it. Quitting the console (q) stops the clusters.
# Extra arguments go to `aistui playground` (e.g. --targets 3, --no-demo-data).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export AISTUI_BIN="${AISTUI_BIN:-$HOME/.cache/aistui/bin}"
exec .venv/bin/aistui playground "$@"
