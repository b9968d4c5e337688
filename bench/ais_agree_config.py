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

import json
import sys
from typing import Any

from agree_common import main, run_ais

from aistui.core.client import AISClient
from aistui.core.conftree import BOOKKEEPING, flatten, get_path, leaf_text, node_local_keys

KEYS = ("space.highwm", "log.level", "mirror.copies", "lru.enabled", "checksum.type", "disk.disk_util_high_wm")


def ais_json(ais: str, endpoint: str, *args: str) -> Any:
    """``ais ARGS`` (with ``--json``) parsed; a warning line may come before the JSON."""
    text = run_ais(ais, endpoint, *args, timeout=60)
    return json.loads(text[text.index("{"):])


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
              differing(flatten(cluster), flatten(ais_json(ais, endpoint, "config", "cluster", "--json"))))
        for key in KEYS:
            ours = get_path(cluster, key)
            section = ais_json(ais, endpoint, "config", "cluster", key.split(".")[0], "--json")
            check(f"cluster {key} = {ours!r} vs ais config cluster {key.split('.')[0]} --json",
                  [] if get_path(section, key) == ours else [f"{key}: {get_path(section, key)!r}"])
            shown = table_value(run_ais(ais, endpoint, "config", "cluster", key, timeout=60), key)
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
                inherited = ais_json(ais, endpoint, "config", "node", n.daemon_id, "inherited", "--json")
                check(f"{n.daemon_id} inherited, every leaf",
                      differing(flatten({k: v for k, v in node.items() if k not in local}), flatten(inherited)))
                theirs_local = ais_json(ais, endpoint, "config", "node", n.daemon_id, "local", "--json")
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


if __name__ == "__main__":
    sys.exit(main(__doc__, lambda endpoint, ais, own: compare(endpoint, ais, override=own),
                  endpoint_help="an existing cluster (only read); default: start one"))
