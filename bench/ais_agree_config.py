"""Does the config aistui shows agree with the ``ais`` CLI's on the same cluster?

Compares every leaf of the config trees the config screen shows with what the v1.5.0 CLI prints:

* the cluster config (``client.config.cluster()``) with ``ais config cluster --json``, and for a
  few keys the value with ``ais config cluster SECTION --json`` and the text the tree shows
  with the VALUE that ``ais config cluster KEY`` prints (v1.5.0's ``ais config cluster
  space.highwm --json`` prints ``{"space": {"highwm": {}}}``, an empty object for any leaf, so
  a leaf is read from its section's JSON);
* each node's config (``client.config.node(id)``): the inherited part with ``ais config node ID
  inherited --json``, the local part with ``ais config node ID local --json``;
* on its own cluster (not with ``--endpoint``), after a transient override of ``log.level`` on one
  target, that the node's "differs from cluster" keys (``client.config.node_diff``) are exactly
  the keys where the two CLI outputs differ.

Usage (the ``ais`` binary: ``$AIS`` or ``~/.cache/aistui/bin/ais`` or on PATH)::

    python bench/ais_agree_config.py                    # starts its own 1-proxy, 2-target cluster
    python bench/ais_agree_config.py --endpoint URL     # an existing cluster (read only)

Prints one line per comparison and exits 1 if any disagree, 2 when ``ais`` is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from aistui.core.client import AISClient
from aistui.core.conftree import BOOKKEEPING, flatten, get_path, leaf_text, node_local_keys

KEYS = ("space.highwm", "log.level", "mirror.copies", "lru.enabled", "checksum.type", "disk.disk_util_high_wm")


def find_ais() -> str | None:
    for cand in (os.environ.get("AIS"), str(Path.home() / ".cache/aistui/bin/ais"), shutil.which("ais")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    return None


def run_ais(ais: str, endpoint: str, *args: str, json_out: bool = True) -> Any:
    env = {**os.environ, "AIS_ENDPOINT": endpoint, "NO_COLOR": "1"}
    out = subprocess.run([ais, *args], env=env, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise SystemExit(f"ais {' '.join(args)} failed: {out.stderr.strip() or out.stdout.strip()}")
    text = out.stdout
    return json.loads(text[text.index("{"):]) if json_out else text  # a warning line may come first


def table_value(text: str, key: str) -> str:
    """The VALUE column of ``ais config cluster KEY`` (a PROPERTY/VALUE table) for ``key``."""
    for line in text.splitlines():
        name, _, value = line.partition("\t")
        if name.strip() == key:
            return value.strip()
    raise SystemExit(f"ais config cluster {key}: no row for {key} in {text!r}")


def differing(flat_a: dict[str, Any], flat_b: dict[str, Any]) -> list[str]:
    return sorted(k for k in flat_a.keys() | flat_b.keys() if flat_a.get(k) != flat_b.get(k))


async def compare(endpoint: str, ais: str, *, override: bool) -> int:
    bad = 0

    def check(what: str, diff: list[str]) -> None:
        nonlocal bad
        bad += bool(diff)
        print(f"{'ok  ' if not diff else 'DIFF'} {what}" + (f": {', '.join(diff[:8])}" if diff else ""))

    async with AISClient(endpoint) as client:
        smap = await client.cluster.smap()
        cluster = await client.config.cluster()
        check("cluster config, every leaf vs ais config cluster --json",
              differing(flatten(cluster), flatten(run_ais(ais, endpoint, "config", "cluster", "--json"))))
        for key in KEYS:
            ours = get_path(cluster, key)
            section = run_ais(ais, endpoint, "config", "cluster", key.split(".")[0], "--json")
            check(f"cluster {key} = {ours!r} vs ais config cluster {key.split('.')[0]} --json",
                  [] if get_path(section, key) == ours else [f"{key}: {get_path(section, key)!r}"])
            shown = table_value(run_ais(ais, endpoint, "config", "cluster", key, json_out=False), key)
            check(f"cluster {key} as shown ({leaf_text(ours)}) vs ais config cluster {key} ({shown})",
                  [] if shown == leaf_text(ours) else [key])
        target = next(n.daemon_id for n in smap.nodes if n.role == "target")
        if override:
            level = str(int(get_path(cluster, "log.level")) % 5 + 1)
            await client.config.set_node(target, {"log.level": level}, transient=True)
        try:
            for n in smap.nodes:
                node = await client.config.node(n.daemon_id)
                local = node_local_keys(node, cluster)
                inherited = run_ais(ais, endpoint, "config", "node", n.daemon_id, "inherited", "--json")
                check(f"{n.daemon_id} inherited, every leaf",
                      differing(flatten({k: v for k, v in node.items() if k not in local}), flatten(inherited)))
                theirs_local = run_ais(ais, endpoint, "config", "node", n.daemon_id, "local", "--json")
                check(f"{n.daemon_id} local, every leaf",
                      differing(flatten({k: v for k, v in node.items() if k in local}), flatten(theirs_local)))
                ours = [d.key for d in await client.config.node_diff(n.daemon_id)]
                cli_diff = [k for k in differing(flatten(inherited), flatten(cluster)) if k not in BOOKKEEPING]
                check(f"{n.daemon_id} differs from cluster: {ours or 'nothing'}",
                      [] if ours == cli_diff else [f"aistui {ours} vs ais {cli_diff}"])
                if override and n.daemon_id == target and ours != ["log.level"]:
                    check(f"{target} shows the override", ["log.level not marked"])
        finally:
            if override:
                await client.config.reset_node(target)
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", help="an existing cluster (only read); default: start one")
    args = ap.parse_args()
    ais = find_ais()
    if ais is None:
        print("ais (v1.5.0 CLI) not found: build it with ../shared/tools/build-ais-cli.sh", file=sys.stderr)
        sys.exit(2)
    if args.endpoint:
        sys.exit(1 if asyncio.run(compare(args.endpoint, ais, override=False)) else 0)
    from aistui.playground.cluster import LocalCluster

    with tempfile.TemporaryDirectory(prefix="agree-config-") as root:
        cluster = LocalCluster(Path(root), ntargets=2, name="agree").start()
        try:
            bad = asyncio.run(compare(cluster.endpoint, ais, override=True))
        finally:
            cluster.stop()
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
