"""Record the targets' ``node_status`` answers around known traffic, for the performance screen's
unit tests, snapshots and benchmark (``tests/unit/recorded/perf_node_status.json``).

Starts a fresh local cluster pair (1 proxy + 2 targets, ``@remais`` attached, as the test
session does), then takes snapshots of every target's ``GET /v1/reverse/daemon?what=node_status``
(the raw answer and the local monotonic ns it was taken at) between phases of traffic: PUTs, GETs,
GETs of missing objects, cold GETs from ``@remais``, deletes, and a bucket copy (intra-cluster
streams). Run: ``.venv/bin/python bench/record_perf_counters.py [--out FILE]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from aistui.core import AISClient, Bck
from aistui.core.errors import AISError
from aistui.playground.pair import start_pair

OUT = Path(__file__).resolve().parent.parent / "tests" / "unit" / "recorded" / "perf_node_status.json"


async def snapshot(c: AISClient, label: str) -> dict[str, Any]:
    smap = await c.cluster.smap()
    nodes: dict[str, Any] = {}
    for t in smap.targets:
        r = await c.request("GET", "/v1/reverse/daemon", params={"what": "node_status"},
                            headers={"Ais-Node-Id": t.daemon_id})
        nodes[t.daemon_id] = {"taken_ns": time.monotonic_ns(), "body": r.json()}
    return {"label": label, "nodes": nodes}


async def record(endpoint: str) -> list[dict[str, Any]]:
    snaps: list[dict[str, Any]] = []
    b, dst = Bck.parse("ais://perf-rec"), Bck.parse("ais://perf-rec-copy")
    rb = Bck.parse("ais://@remais/perf-rec-remote")
    async with AISClient(endpoint) as c:
        await c.buckets.create(b)
        await c.buckets.create(rb)
        for i in range(40):  # stored in the remote cluster; evicted, so the GETs below are cold
            await c.objects.put(rb, f"r{i:03d}", b"r" * 4096)
        ids = await c.buckets.evict(rb, keep_md=True)
        if ids:
            await c.jobs.wait(ids, timeout=120)
        snaps.append(await snapshot(c, "start"))
        t0 = time.monotonic()
        for i in range(200):
            await c.objects.put(b, f"o{i:04d}", bytes([i % 256]) * (16384 + i))
        snaps.append(await snapshot(c, f"after 200 PUTs ({time.monotonic() - t0:.1f} s)"))
        for _ in range(3):
            for i in range(200):
                await c.objects.get(b, f"o{i:04d}")
        for i in range(20):
            try:
                await c.objects.get(b, f"missing-{i}")
            except AISError:
                pass
        snaps.append(await snapshot(c, "after 600 GETs and 20 GETs of missing objects"))
        for i in range(40):
            await c.objects.get(rb, f"r{i:03d}")
        snaps.append(await snapshot(c, "after 40 cold GETs from @remais"))
        await c.jobs.wait(await c.buckets.copy(b, dst), timeout=120)
        for i in range(50):
            await c.objects.delete(b, f"o{i:04d}")
        snaps.append(await snapshot(c, "after a bucket copy and 50 deletes"))
        for x in (b, dst, rb):
            await c.buckets.destroy(x, missing_ok=True)
    return snaps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        main_c, remote = start_pair(Path(tmp), ntargets=2)
        try:
            snaps = asyncio.run(record(main_c.endpoint))
        finally:
            main_c.stop()
            remote.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(snaps, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(snaps)} snapshots to {args.out}")


if __name__ == "__main__":
    main()
