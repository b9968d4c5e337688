#!/usr/bin/env bash
# Install aisloader (AIStore v1.5.0's load generator) into $AISTUI_BIN (default ~/.cache/aistui/bin),
# once. Only bench/bench_loader.py uses it (the GET ceiling); CI does not.
#
# It runs `go install github.com/NVIDIA/aistore/cmd/aisloader@v1.5.0`; where the module proxy
# refuses the version list that needs, it builds the same package at the same version from a
# throw-away module that reuses aistore's own go.sum, exactly as install-aisnode.sh does for aisnode.
set -euo pipefail
VERSION=v1.5.0
BIN_DIR="${AISTUI_BIN:-$HOME/.cache/aistui/bin}"
TARGET="$BIN_DIR/aisloader"
STAMP="$BIN_DIR/aisloader.version"

if [[ -x "$TARGET" && -f "$STAMP" && "$(cat "$STAMP")" == "$VERSION" ]]; then
  echo "aisloader $VERSION: cached at $TARGET"
  exit 0
fi
command -v go >/dev/null || { echo "error: Go 1.26+ is needed to build aisloader" >&2; exit 1; }
mkdir -p "$BIN_DIR"
echo "aisloader $VERSION: building (a few minutes on 2 cores)..."
err=$(mktemp)
work=$(mktemp -d)
trap 'rm -rf "$work" "$err"' EXIT
PKG=github.com/NVIDIA/aistore/cmd/aisloader
if ! GOBIN="$BIN_DIR" go install "$PKG@$VERSION" 2>"$err"; then
  echo "go install failed ($(tail -n 1 "$err")); building from a throw-away module"
  cd "$work"
  GOFLAGS=-mod=mod GONOSUMDB=github.com/NVIDIA/aistore \
    go mod download -json "github.com/NVIDIA/aistore@$VERSION" > mod.json
  moddir=$(python3 -c 'import json; print(json.load(open("mod.json"))["Dir"])')
  # go.mod: require aistore at $VERSION plus aistore's own require blocks (same versions), and
  # aistore's go.sum, so every dependency is checked against the hashes aistore pinned.
  python3 - "$moddir/go.mod" "$VERSION" > go.mod <<'PY'
import re, sys
text = open(sys.argv[1]).read()
print("module aistui.local/aisloader-build\n\ngo 1.26\n")
print(f"require github.com/NVIDIA/aistore {sys.argv[2]}")
print("\n".join("require (" + b + ")" for b in re.findall(r"require \((.*?)\)", text, re.S)))
PY
  cp "$moddir/go.sum" go.sum
  GOFLAGS=-mod=mod GONOSUMDB=github.com/NVIDIA/aistore go build -trimpath -o "$TARGET" "$PKG"
fi
echo "$VERSION" > "$STAMP"
echo "aisloader $VERSION: installed at $TARGET"
