#!/usr/bin/env python3
"""Benchmark: the class balance view (``aistui.core.balance.balance``, class folders) over a
bucket of ``--objects`` (default 100,000) 1-byte objects laid out as 10 splits x 10 classes
(``e3/d7/o0000123``: split ``e3/``, class ``d7``), seeded as ``bench_usage.py`` seeds its tree.

Starts its own 1-proxy/1-target local cluster (or uses ``--endpoint``), then runs the count,
each time in a fresh subprocess and ``--repeat`` times (median): one streamed listing per split
(10 listings), folded into 10 x 10 counters. Reported: wall time, the client process's CPU time
as a share of one core, peak RSS growth (``ru_maxrss`` after the run minus after imports), MiB.

    python bench/bench_balance.py                      # 100k objects
    python bench/bench_balance.py --objects 1000000    # 1M objects
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SPLITS = [f"e{k}/" for k in range(10)]


def child(endpoint: str, bucket: str) -> None:
    """In a fresh interpreter: imports, the RSS baseline, one count, a JSON line."""
    from aistui.core import AISClient, Bck
    from aistui.core.balance import balance
    try:
        import aiohttp  # noqa: F401  (the core's transport, imported on the first request)
        import httpx_aiohttp  # noqa: F401
    except ImportError:
        pass
    gc.collect()
    base_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    async def run() -> dict[str, Any]:
        async with AISClient(endpoint) as c:
            t0, c0 = time.perf_counter(), time.process_time()
            snap = None
            async for s in balance(c, Bck.parse(f"ais://{bucket}"), "", SPLITS):
                snap = s
            assert snap is not None and snap.done
            return {"objects": snap.objects, "classes": len(snap.classes), "pages": snap.pages,
                    "ratio": snap.ratio(), "seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}

    res = asyncio.run(run())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(res | {"rss_mib": (peak_kib - base_kib) / 1024}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--endpoint", default="")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--bucket", default="", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.endpoint, a.bucket)
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_usage import log, seed  # the same tree: 10 x 10 directories

    workdir = tempfile.mkdtemp(prefix="aistui-bench-balance-", dir="/tmp")
    cluster = None
    try:
        endpoint = a.endpoint.rstrip("/")
        if not endpoint:
            from aistui.playground.cluster import LocalCluster

            log("starting a local cluster (1 proxy + 1 target)")
            cluster = LocalCluster.start_new(Path(workdir) / "cluster", ntargets=1)
            endpoint = cluster.endpoint
        t0 = time.perf_counter()
        bucket = asyncio.run(seed(endpoint, a.objects))
        log(f"seeded ais://{bucket} with {a.objects:,} objects in {time.perf_counter() - t0:.1f} s")
        runs = []
        for r in range(a.repeat):
            p = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", "--endpoint", endpoint,
                                "--bucket", bucket], capture_output=True, text=True, check=False)
            if p.returncode != 0:
                raise RuntimeError(f"child failed:\n{p.stderr}")
            res = json.loads(p.stdout.strip().splitlines()[-1])
            assert res["objects"] == a.objects and res["classes"] == 10, res
            runs.append(res)
            log(f"balance #{r + 1}: {res['seconds']:.2f} s, cpu {res['cpu_s']:.2f} s, +{res['rss_mib']:.1f} MiB")
        secs = [x["seconds"] for x in runs]
        cpu = [100 * x["cpu_s"] / x["seconds"] for x in runs]
        rss = [x["rss_mib"] for x in runs]
        med = statistics.median(secs)
        print(f"\n{a.objects:,} objects in 10 splits x 10 classes, 1 proxy + 1 target, loopback; "
              f"median of {a.repeat} (min..max), {runs[-1]['pages']} pages\n")
        print("| wall s | client CPU (% of one core) | peak RSS growth MiB | objects/s |")
        print("|---|---|---|---|")
        print(f"| {med:.2f} ({min(secs):.2f}..{max(secs):.2f}) | {statistics.median(cpu):.0f}% "
              f"| {statistics.median(rss):.1f} ({min(rss):.1f}..{max(rss):.1f}) | {a.objects / med:,.0f} |")
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
