#!/usr/bin/env bash
# Install aisnode (AIStore v1.5.0, i.e. AIS 5.0) into $AISTUI_BIN (default ~/.cache/aistui/bin),
# once: a second run finds the cached binary and returns at once.
#
# It runs `go install github.com/NVIDIA/aistore/cmd/aisnode@v1.5.0`. Some module proxies refuse the
# version list that `go install pkg@version` reads for its deprecation check; then it builds the
# same package at the same version from a throw-away module whose go.sum is aistore's own, so every
# dependency is still checked against the hashes aistore pinned.
set -euo pipefail
VERSION=v1.5.0
BIN_DIR="${AISTUI_BIN:-$HOME/.cache/aistui/bin}"
TARGET="$BIN_DIR/aisnode"
STAMP="$BIN_DIR/aisnode.version"

if [[ -x "$TARGET" && -f "$STAMP" && "$(cat "$STAMP")" == "$VERSION" ]]; then
  echo "aisnode $VERSION: cached at $TARGET"
  exit 0
fi
command -v go >/dev/null || { echo "error: Go 1.26+ is needed to build aisnode" >&2; exit 1; }
mkdir -p "$BIN_DIR"
echo "aisnode $VERSION: building (a few minutes on 2 cores)..."

if GOBIN="$BIN_DIR" go install "github.com/NVIDIA/aistore/cmd/aisnode@$VERSION" 2>/tmp/aisnode-install.err; then
  echo "$VERSION" > "$STAMP"
  echo "aisnode $VERSION: installed at $TARGET (go install)"
  exit 0
fi
echo "go install failed ($(tail -n 1 /tmp/aisnode-install.err)); building from a throw-away module"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# Fetch the module itself (this needs no version list), then reuse its go.sum.
GOFLAGS=-mod=mod GONOSUMDB=github.com/NVIDIA/aistore GONOSUMCHECK=1 \
  go mod download -json "github.com/NVIDIA/aistore@$VERSION" > mod.json
moddir=$(python3 -c 'import json,sys; print(json.load(open("mod.json"))["Dir"])')
cat > go.mod <<EOM
module aistui.local/aisnode-build

go 1.26

require github.com/NVIDIA/aistore $VERSION
EOM
cp "$moddir/go.sum" go.sum
# aistore's own go.mod lists its dependencies; copy the require blocks so versions match exactly.
python3 - "$moddir/go.mod" >> go.mod <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for block in re.findall(r"require \((.*?)\)", text, re.S):
    print("require (" + block + ")")
PY
GOFLAGS=-mod=mod GONOSUMDB=github.com/NVIDIA/aistore \
  go build -trimpath -o "$TARGET" github.com/NVIDIA/aistore/cmd/aisnode
echo "$VERSION" > "$STAMP"
echo "aisnode $VERSION: installed at $TARGET"
