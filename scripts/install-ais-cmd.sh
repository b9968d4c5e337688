#!/usr/bin/env bash
# Install one AIStore v1.5.0 command (aisnode, aisloader, ...) into $AISTUI_BIN (default
# ~/.cache/aistui/bin), once: a second run finds the cached binary and returns at once.
#
#   scripts/install-ais-cmd.sh NAME      # builds github.com/NVIDIA/aistore/cmd/NAME
#
# It runs `go install github.com/NVIDIA/aistore/cmd/NAME@v1.5.0`. Some module proxies refuse the
# version list that `go install pkg@version` reads for its deprecation check; then it builds the
# same package at the same version from a throw-away module whose go.sum is aistore's own, so every
# dependency is still checked against the hashes aistore pinned.
set -euo pipefail
NAME="${1:?usage: install-ais-cmd.sh NAME (e.g. aisnode)}"
VERSION=v1.5.0
BIN_DIR="${AISTUI_BIN:-$HOME/.cache/aistui/bin}"
TARGET="$BIN_DIR/$NAME"
STAMP="$BIN_DIR/$NAME.version"
PKG="github.com/NVIDIA/aistore/cmd/$NAME"

if [[ -x "$TARGET" && -f "$STAMP" && "$(cat "$STAMP")" == "$VERSION" ]]; then
  echo "$NAME $VERSION: cached at $TARGET"
  exit 0
fi
command -v go >/dev/null || { echo "error: Go 1.26+ is needed to build $NAME" >&2; exit 1; }
mkdir -p "$BIN_DIR"
echo "$NAME $VERSION: building (a few minutes on 2 cores)..."
err=$(mktemp)
work=$(mktemp -d)
trap 'rm -rf "$work" "$err"' EXIT
if ! GOBIN="$BIN_DIR" go install "$PKG@$VERSION" 2>"$err"; then
  echo "go install failed ($(tail -n 1 "$err")); building from a throw-away module"
  cd "$work"
  # Fetch the module itself (this needs no version list), then reuse its go.sum.
  GOFLAGS=-mod=mod GONOSUMDB=github.com/NVIDIA/aistore \
    go mod download -json "github.com/NVIDIA/aistore@$VERSION" > mod.json
  moddir=$(python3 -c 'import json; print(json.load(open("mod.json"))["Dir"])')
  # go.mod: require aistore at $VERSION plus aistore's own require blocks (same versions).
  python3 - "$moddir/go.mod" "$VERSION" "$NAME" > go.mod <<'PY'
import re, sys
text = open(sys.argv[1]).read()
print(f"module aistui.local/{sys.argv[3]}-build\n\ngo 1.26\n")
print(f"require github.com/NVIDIA/aistore {sys.argv[2]}")
print("\n".join("require (" + b + ")" for b in re.findall(r"require \((.*?)\)", text, re.S)))
PY
  cp "$moddir/go.sum" go.sum
  GOFLAGS=-mod=mod GONOSUMDB=github.com/NVIDIA/aistore go build -trimpath -o "$TARGET" "$PKG"
fi
echo "$VERSION" > "$STAMP"
echo "$NAME $VERSION: installed at $TARGET"
