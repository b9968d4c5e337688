#!/usr/bin/env bash
# Install aisnode (AIStore v1.5.0, i.e. AIS 5.0) into $AISTUI_BIN (default ~/.cache/aistui/bin),
# once; see install-ais-cmd.sh for how it builds where `go install pkg@v1.5.0` is refused.
exec "$(dirname "$0")/install-ais-cmd.sh" aisnode
