#!/usr/bin/env bash
# Install aisloader (AIStore v1.5.0's load generator) into $AISTUI_BIN (default
# ~/.cache/aistui/bin), once. Only bench/bench_loader.py uses it (the GET ceiling); CI does not.
exec "$(dirname "$0")/install-ais-cmd.sh" aisloader
