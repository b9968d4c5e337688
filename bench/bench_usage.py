#!/usr/bin/env python3
"""Benchmark: the usage map's exact mode (``aistui.core.usage.usage``) over a bucket of
``--objects`` (default 100,000) 1-byte objects in a two-level tree (10 x 10 child directories).

Starts its own 1-proxy/1-target local cluster from ``aisnode`` (or uses ``--endpoint``), seeds the
bucket (objects/100 PUTs, then two rounds of 10 server-side copies with distinct prepends: names
like ``e3/d7/o0000123``), then runs, each in a fresh subprocess and ``--repeat`` times (median):

- ``usage``: the whole aggregation of the bucket's top (one listing, snapshots per page);
- ``list_all``: the core's full listing kept in memory, for contrast (the memory a map would need
  if it kept the entries).

Reported per run: wall time, the client process's CPU time as a share of one core over the wall
time, and peak RSS growth (``ru_maxrss`` after the run minus after imports), in MiB.

    python bench/bench_usage.py                      # 100k objects
    python bench/bench_usage.py --objects 1000000    # 1M objects
    python bench/bench_usage.py --endpoint http://127.0.0.1:8080
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
import uuid
from pathlib import Path
from typing import Any


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def child(what: str, endpoint: str, bucket: str) -> None:
    """In a fresh interpreter: imports, the RSS baseline, one run, a JSON line."""
    from aistui.core import AISClient, Bck
    from aistui.core.usage import usage
    try:
        import aiohttp  # noqa: F401  (the core's transport, imported on the first request)
        import httpx_aiohttp  # noqa: F401
    except ImportError:
        pass
    gc.collect()
    base_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    async def run() -> dict[str, Any]:
        async with AISClient(endpoint) as c:
            bck = Bck.parse(f"ais://{bucket}")
            t0, c0 = time.perf_counter(), time.process_time()
            if what == "usage":
                snap = None
                async for s in usage(c, bck):
                    snap = s
                assert snap is not None and snap.done
                out = {"objects": snap.objects, "bytes": snap.bytes, "dirs": len(snap.dirs), "pages": snap.pages}
            else:
                entries = await c.objects.list_all(bck)
                out = {"objects": len(entries)}
            return out | {"seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}

    res = asyncio.run(run())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(res | {"what": what, "rss_mib": (peak_kib - base_kib) / 1024}))


def run_child(what: str, endpoint: str, bucket: str) -> dict[str, Any]:
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", what, "--endpoint", endpoint,
                        "--bucket", bucket], capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"{what} child failed:\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


async def seed(endpoint: str, n: int) -> str:
    from aistui.core import AISClient, Bck

    if n % 100 or n < 100:
        raise SystemExit("--objects must be a multiple of 100")
    tag = uuid.uuid4().hex[:6]
    async with AISClient(endpoint) as c:
        s, mid, big = (Bck.parse(f"ais://usage-{w}-{tag}") for w in ("seed", "mid", "big"))
        await c.buckets.create(s)
        sem = asyncio.Semaphore(8)

        async def put1(i: int) -> None:
            async with sem:
                await c.objects.put(s, f"o{i:07d}", b"x")

        await asyncio.gather(*[put1(i) for i in range(n // 100)])
        for src, dst, pfx in ((s, mid, "d"), (mid, big, "e")):
            for k in range(10):
                [xid] = await c.buckets.copy(src, dst, prepend=f"{pfx}{k}/")
                job = await c.jobs.wait(xid, timeout=1800)
                if job.state != "finished":
                    raise RuntimeError(f"copy job {xid} ended {job.state}")
        for b in (s, mid):
            await c.buckets.destroy(b)
        return big.name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--endpoint", default="")
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    ap.add_argument("--bucket", default="", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child, a.endpoint, a.bucket)
        return
    workdir = tempfile.mkdtemp(prefix="aistui-bench-usage-", dir="/tmp")
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
        runs: dict[str, list[dict[str, Any]]] = {"usage": [], "list_all": []}
        for r in range(a.repeat):
            for what in runs:
                res = run_child(what, endpoint, bucket)
                assert res["objects"] == a.objects, res
                runs[what].append(res)
                log(f"{what} #{r + 1}: {res['seconds']:.2f} s, cpu {res['cpu_s']:.2f} s, +{res['rss_mib']:.1f} MiB")
        print(f"\n{a.objects:,} objects, 1 proxy + 1 target, loopback; median of {a.repeat} (min..max)\n")
        print("| run | wall s | client CPU (% of one core) | peak RSS growth MiB | objects/s |")
        print("|---|---|---|---|---|")
        for what, rs in runs.items():
            secs = [x["seconds"] for x in rs]
            cpu = [100 * x["cpu_s"] / x["seconds"] for x in rs]
            rss = [x["rss_mib"] for x in rs]
            med = statistics.median(secs)
            print(f"| {what} | {med:.2f} ({min(secs):.2f}..{max(secs):.2f}) | {statistics.median(cpu):.0f}% "
                  f"| {statistics.median(rss):.1f} ({min(rss):.1f}..{max(rss):.1f}) | {a.objects / med:,.0f} |")
        u = runs["usage"][-1]
        print(f"\nusage: {u['pages']} pages, {u['dirs']} child directories")
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
