#!/usr/bin/env python3
"""Benchmark: the dataset doctor's scan (``aistui.core.doctor.scan``, ``images="none"``) over a
bucket of ``--objects`` (default 100,000) small objects in a two-level tree (10 x 10 directories,
``e3/d7/o0000123``), each content 100 times (so ``objects - objects/100`` duplicates are found).

Starts its own 1-proxy/1-target local cluster from ``aisnode`` (or uses ``--endpoint``), seeds the
bucket (objects/100 PUTs of distinct bytes, then two rounds of 10 server-side copies with distinct
prepends), then runs the scan ``--repeat`` times, each in a fresh subprocess: findings are counted,
not kept. Reported: wall time, the client's CPU time as a share of one core, peak RSS growth
(``ru_maxrss`` after the run minus after imports) in MiB, and bytes of RSS per object (the two
per-object maps: content -> first name, folded name -> first name).

    python bench/bench_doctor.py                      # 100k objects
    python bench/bench_doctor.py --objects 1000000    # 1M objects
    python bench/bench_doctor.py --endpoint http://127.0.0.1:8080
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


def child(endpoint: str, bucket: str) -> None:
    """In a fresh interpreter: imports, the RSS baseline, one scan, a JSON line."""
    from aistui.core import AISClient, Bck
    from aistui.core.doctor import DoctorOptions, Finding, ScanProgress, scan
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
            kinds: dict[str, int] = {}
            last: ScanProgress | None = None
            async for ev in scan(c, Bck.parse(f"ais://{bucket}"), "", DoctorOptions(images="none")):
                if isinstance(ev, Finding):
                    kinds[ev.kind] = kinds.get(ev.kind, 0) + 1
                else:
                    last = ev
            assert last is not None and last.done
            return {"objects": last.objects, "pages": last.pages, "kinds": kinds,
                    "seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}

    res = asyncio.run(run())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(res | {"rss_mib": (peak_kib - base_kib) / 1024}))


def run_child(endpoint: str, bucket: str) -> dict[str, Any]:
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", "--endpoint", endpoint,
                        "--bucket", bucket], capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"scan child failed:\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


async def seed(endpoint: str, n: int) -> str:
    from aistui.core import AISClient, Bck

    if n % 100 or n < 100:
        raise SystemExit("--objects must be a multiple of 100")
    tag = uuid.uuid4().hex[:6]
    async with AISClient(endpoint) as c:
        s, mid, big = (Bck.parse(f"ais://doctor-{w}-{tag}") for w in ("seed", "mid", "big"))
        await c.buckets.create(s)
        sem = asyncio.Semaphore(8)

        async def put1(i: int) -> None:
            async with sem:
                await c.objects.put(s, f"o{i:07d}", f"content {i}".encode())

        await asyncio.gather(*[put1(i) for i in range(n // 100)])
        for src, dst, pfx in ((s, mid, "d"), (mid, big, "e")):
            for k in range(10):
                [xid] = await c.buckets.copy(src, dst, prepend=f"{pfx}{k}/")
                job = await c.jobs.wait(xid, timeout=1800)
                if job.state != "finished":
                    raise RuntimeError(f"copy job {xid} ended {job.state}")
        for b in (s, mid):
            await c.buckets.destroy(b)
        for _ in range(600):  # a copy job can be reported finished before a listing shows every copy
            listed = 0
            async for page in c.objects.iter_pages(big, props="name"):
                listed += len(page.entries or [])
            if listed == n:
                return big.name
            await asyncio.sleep(1)
        raise RuntimeError(f"ais://{big.name} lists {listed:,} objects, not {n:,}")


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
    workdir = tempfile.mkdtemp(prefix="aistui-bench-doctor-", dir="/tmp")
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
        runs: list[dict[str, Any]] = []
        for r in range(a.repeat):
            res = run_child(endpoint, bucket)
            assert res["objects"] == a.objects, res
            assert res["kinds"] == {"duplicate": a.objects - a.objects // 100}, res["kinds"]
            runs.append(res)
            log(f"scan #{r + 1}: {res['seconds']:.2f} s, cpu {res['cpu_s']:.2f} s, +{res['rss_mib']:.1f} MiB")
        secs = [x["seconds"] for x in runs]
        cpu = [100 * x["cpu_s"] / x["seconds"] for x in runs]
        rss = [x["rss_mib"] for x in runs]
        med = statistics.median(secs)
        print(f"\n{a.objects:,} objects, 1 proxy + 1 target, loopback; median of {a.repeat} (min..max)\n")
        print("| run | wall s | client CPU (% of one core) | peak RSS growth MiB | RSS bytes/object | objects/s |")
        print("|---|---|---|---|---|---|")
        print(f"| doctor scan | {med:.2f} ({min(secs):.2f}..{max(secs):.2f}) | {statistics.median(cpu):.0f}% "
              f"| {statistics.median(rss):.1f} ({min(rss):.1f}..{max(rss):.1f}) "
              f"| {statistics.median(rss) * 1024 * 1024 / a.objects:,.0f} | {a.objects / med:,.0f} |")
        print(f"\n{runs[-1]['pages']} pages; findings: {runs[-1]['kinds']}")
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
