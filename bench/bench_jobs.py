#!/usr/bin/env python3
"""Jobs monitor benchmark: client CPU of one refresh with 1,000 finished jobs, and idle CPU.

    python bench/bench_jobs.py [--jobs 1000] [--targets 2] [--refreshes 20] [--endpoint URL]

Starts a local cluster with the harness (``aistui.playground.cluster``; or uses ``--endpoint``), runs
``--jobs`` bucket summaries on a one-object bucket (each a short ``summary-bck`` job that every
target keeps in its registry once finished), then opens the console headless (160x48) on the
jobs screen and measures, in this process:

* one refresh: process CPU time (``time.process_time``) from asking for a refresh to the next
  frame after the table was updated: the ``qryxstats`` request, decoding and merging, the table
  diff and the repaint. The first refresh (every row added) is reported apart from the steady
  ones (every job already shown and unchanged, which is what a monitor left open does).
* idle: process CPU over ``--idle`` seconds of wall time with the refresh paused (``p``), and
  with the refresh running every 2 s, as a percentage of one core.

Prints a Markdown report. CPU time counts only this process (not the cluster).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aistui.app import AISTui  # noqa: E402
from aistui.core import AISClient, Bck, ConnectionSettings  # noqa: E402
from aistui.screens.jobs import JobsScreen  # noqa: E402


async def make_jobs(endpoint: str, n: int) -> int:
    """``n`` finished summary jobs; returns how many jobs the cluster lists."""
    async with AISClient(endpoint) as c:
        b = Bck.parse("ais://bench-jobs")
        await c.buckets.create(b, exist_ok=True)
        await c.objects.put(b, "one", b"1")
        sem = asyncio.Semaphore(16)

        async def one() -> str:
            async with sem:
                return await c.buckets.summary_start(b)

        ids = await asyncio.gather(*(one() for _ in range(n)))
        await c.jobs.wait(ids[-1], timeout=120)
        for _ in range(100):
            jobs = await c.jobs.list()
            if sum(1 for j in jobs if j.kind == "summary-bck" and j.state == "finished") >= n:
                return len(jobs)
            await asyncio.sleep(0.5)
        return len(await c.jobs.list())


async def measure(endpoint: str, refreshes: int, idle_s: float) -> dict:
    app = AISTui(ConnectionSettings(endpoint=endpoint), refresh_s=2.0, jobs_keep_s=1e9)
    out: dict = {}
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("3")
        while not (isinstance(app.screen, JobsScreen) and app.screen.polls >= 1):
            await pilot.pause(0.01)
        screen: JobsScreen = app.screen
        await pilot.press("p")  # pause: only the refreshes we ask for
        await pilot.pause(0.5)

        async def one_refresh() -> tuple[float, float, float]:
            n = screen.polls
            w0, c0 = time.perf_counter(), time.process_time()
            screen.action_refresh()
            while screen.polls == n:
                await asyncio.sleep(0.001)
            await pilot.pause()  # let the frame render
            return time.process_time() - c0, time.perf_counter() - w0, screen.last.cpu_s

        # cold: a fresh screen adds every row (measured on a second app instance below)
        steady = [await one_refresh() for _ in range(refreshes)]
        out["rows"] = screen.query_one("#jobs").row_count
        out["steady_cpu_ms"] = [x[0] * 1000 for x in steady]
        out["steady_wall_ms"] = [x[1] * 1000 for x in steady]
        out["steady_decode_ms"] = [x[2] * 1000 for x in steady]

        c0, w0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(idle_s)
        out["idle_paused_pct"] = 100 * (time.process_time() - c0) / (time.perf_counter() - w0)
        await pilot.press("p")  # resume: a refresh every 2 s
        await pilot.pause(2.5)
        c0, w0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(idle_s)
        out["live_pct"] = 100 * (time.process_time() - c0) / (time.perf_counter() - w0)
        out["live_polls"] = screen.polls

    cold = AISTui(ConnectionSettings(endpoint=endpoint), refresh_s=3600, jobs_keep_s=1e9)
    async with cold.run_test(size=(160, 48)) as pilot:
        while cold.health != "ok":
            await pilot.pause(0.01)
        c0 = time.process_time()
        await pilot.press("3")
        while not (isinstance(cold.screen, JobsScreen) and cold.screen.polls >= 1):
            await asyncio.sleep(0.001)
        await pilot.pause()
        out["cold_cpu_ms"] = (time.process_time() - c0) * 1000
    return out


def report(n_jobs: int, listed: int, ntargets: int, r: dict) -> str:
    def stat(xs: list[float]) -> str:
        return f"{statistics.median(xs):.1f} ms (min {min(xs):.1f}, max {max(xs):.1f})"

    return "\n".join([
        f"Jobs monitor, {listed:,} jobs listed ({n_jobs:,} finished summaries), {ntargets} targets, "
        f"{r['rows']:,} rows shown, 160x48 headless:",
        "",
        "| measurement | result |",
        "|---|---|",
        f"| one refresh, steady (client CPU, request to repainted frame), {len(r['steady_cpu_ms'])} runs | "
        f"{stat(r['steady_cpu_ms'])} |",
        f"| of which decode and merge (`JobMonitor.poll`) | {stat(r['steady_decode_ms'])} |",
        f"| one refresh, wall time | {stat(r['steady_wall_ms'])} |",
        f"| first refresh of a fresh screen (every row added), client CPU | {r['cold_cpu_ms']:.1f} ms |",
        f"| idle, refresh paused | {r['idle_paused_pct']:.2f}% of one core |",
        f"| monitor live, refresh every 2 s (incl. the refreshes) | {r['live_pct']:.2f}% of one core |",
    ])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=1000)
    ap.add_argument("--targets", type=int, default=2)
    ap.add_argument("--refreshes", type=int, default=20)
    ap.add_argument("--idle", type=float, default=10.0, help="seconds per idle measurement")
    ap.add_argument("--endpoint", help="an existing cluster (its jobs are added to)")
    args = ap.parse_args()
    cluster = None
    endpoint = args.endpoint
    if not endpoint:
        from aistui.playground.cluster import LocalCluster

        root = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
        t0 = time.monotonic()
        cluster = LocalCluster(root, ntargets=args.targets).start()
        endpoint = cluster.endpoint
        print(f"cluster (1 proxy, {args.targets} targets) up in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    try:
        t0 = time.monotonic()
        listed = asyncio.run(make_jobs(endpoint, args.jobs))
        print(f"{args.jobs} jobs made in {time.monotonic() - t0:.0f} s; {listed} listed", file=sys.stderr)
        r = asyncio.run(measure(endpoint, args.refreshes, args.idle))
        print(report(args.jobs, listed, args.targets, r))
    finally:
        if cluster is not None:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
