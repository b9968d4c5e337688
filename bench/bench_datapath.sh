#!/usr/bin/env bash
# Issue 15's numbers in one run, against the official SDK and the Go `ais` CLI:
#   1. listing of 100k, PUT and GET (into memory and to disk) of 10k x 10 KiB  (bench_core.py)
#   2. GET and PUT of 1 GiB and 4 GiB objects, MiB/s, client CPU and peak RSS (bench_large.py)
# Each part starts its own 1-proxy/1-target cluster from aisnode. Needs ~13 GiB free under OUT
# and the `ais` CLI at ~/.cache/aistui/bin/ais (../shared/tools/build-ais-cli.sh); ~25 min on 2 cores.
#
#   bash bench/bench_datapath.sh [OUT]      # writes OUT/core.md, OUT/core.json, OUT/large.md
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/aistui-bench-datapath}
mkdir -p "$out"
export PATH="$HOME/.cache/aistui/bin:$PATH"
command -v ais >/dev/null || { echo "no ais CLI on PATH (build it with ../shared/tools/build-ais-cli.sh)" >&2; exit 2; }
echo "== small objects and listing -> $out/core.md" >&2
.venv/bin/python bench/bench_core.py --concurrency 16,32,64 --json "$out/core.json" > "$out/core.md"
echo "== large objects -> $out/large.md" >&2
.venv/bin/python bench/bench_large.py --sizes 1,4 --workdir "$out/large" > "$out/large.md"
rm -rf "$out/large"
echo "done: $out/core.md $out/large.md" >&2
