#!/usr/bin/env python3
"""Console benchmark: launch to first frame, first page of a 100k-object bucket, RSS after
scrolling to its end (and, with ``--million``, to the end of a 1,000,000-object bucket), and
keypress-to-screen latency while a 10,000-file upload runs, on one local AIS cluster in one run.

    python bench/bench_console.py [--objects 100000] [--repeat 5] [--million] [--json out.json]

* first frame: the installed ``aistui`` command runs on a pseudo-terminal read by a terminal
  emulator (``bench/firstframe.py``); the time is from the fork to the first screen showing the
  whole cluster view (header, nodes table header, key bar). A bare one-widget Textual app is
  launched the same way, interleaved, as the floor. For comparison with earlier runs, a fresh
  process also builds the app headless and reports the app's ``Ready`` event (Textual's first
  layout; it came ~0.5 s before the whole frame while the client import still ran in the event
  loop) and whether torch, the aistore SDK or aiohttp were imported by then.
* first page: in a fresh process, the time from pushing the objects screen of a flat bucket to
  its first rows in the table (page size 1,000).
* RSS: in a fresh process, ``ru_maxrss`` after moving the cursor to the end until every page
  is loaded, against the same process's RSS after the first page.

* input latency: in a fresh process, a 10,000-file upload (10 KiB files) runs as the objects
  screen runs it (its own thread, event loop and client) while ``j``/``k`` are pressed every 50 ms; each
  latency is from posting the key to the list drawing the row the cursor moved to (``render_line`` of
  that row).

Prints a Markdown report. Headless runs have no terminal, so image protocol probing is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD_FIRST_FRAME = r"""
import os, sys, time
t0 = float(os.environ["BENCH_T0"])
from textual import events
import aistui.cli  # what the console script imports first
from aistui.app import AISTui
from aistui.core import ConnectionSettings
class App(AISTui):
    def on_ready(self, event: events.Ready) -> None:
        bad = [m for m in ("torch", "aistore", "aiohttp") if m in sys.modules]
        print(f"READY {time.time() - t0:.4f} {','.join(bad) or '-'}", flush=True)
        self.exit()
App(ConnectionSettings(endpoint=sys.argv[1]), refresh_s=3600).run(headless=True, size=(160, 48))
"""

CHILD_OBJECTS = r"""
import asyncio, json, resource, sys, time
from aistui.app import AISTui
from aistui.widgets.objlist import ObjectList
from aistui.core import Bck, ConnectionSettings
from aistui.screens.objects import ObjectsScreen
endpoint, bucket, mode = sys.argv[1], sys.argv[2], sys.argv[3]
async def main():
    app = AISTui(ConnectionSettings(endpoint=endpoint), refresh_s=3600)
    async with app.run_test(size=(160, 48)) as pilot:
        while app.health != "ok":
            await pilot.pause(0.01)
        screen = ObjectsScreen(Bck.parse(f"ais://{bucket}"))
        t0 = time.perf_counter()
        await app.push_screen(screen)
        table = screen.query_one(ObjectList)
        while table.row_count == 0:
            await pilot.pause(0.002)
        first = time.perf_counter() - t0
        rss_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out = {"first_page_s": first, "rows_first": table.row_count, "rss_first_mib": rss_first}
        if mode == "scroll":
            t1 = time.perf_counter()
            while not screen._done or screen._loading:
                table.move_cursor(row=table.row_count - 1)
                await pilot.pause(0.01)
            out |= {"rows_end": table.row_count, "scroll_s": time.perf_counter() - t1,
                    "rss_end_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        print("RESULT " + json.dumps(out), flush=True)
asyncio.run(main())
"""


CHILD_LATENCY = r"""
import asyncio, json, os, statistics, sys, tempfile, time
from pathlib import Path
from textual import events
from aistui.app import AISTui
from aistui.core import Bck, ConnectionSettings
from aistui.core.transfer import plan_upload, upload
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.objlist import ObjectList
endpoint, bucket, nfiles, where = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
src = Path(tempfile.mkdtemp(prefix="lat-"))
for i in range(nfiles):
    (src / f"f{i:05d}.bin").write_bytes(os.urandom(10 * 1024))
drawn = {}
orig = ObjectList.render_line
def render_line(self, y):
    row = int(self.scroll_y) + y
    if row == self.cursor_row and row not in drawn:
        drawn[row] = time.perf_counter()
    return orig(self, y)
ObjectList.render_line = render_line
async def main():
    app = AISTui(ConnectionSettings(endpoint=endpoint), refresh_s=2)
    async with app.run_test(size=(160, 48)) as pilot:
        while app.health != "ok":
            await pilot.pause(0.01)
        screen = ObjectsScreen(Bck.parse(f"ais://{bucket}"))
        await app.push_screen(screen)
        olist = screen.query_one(ObjectList)
        while olist.row_count < 200:
            await pilot.pause(0.01)
        dst = Bck.parse("ais://latency-upload")
        await app.client.buckets.create(dst, exist_ok=True)
        plan = plan_upload([str(src)], prefix="up/")
        done = {}
        class Sink:  # stands in for the progress dialog
            def update_progress(self, p):
                pass
        async def run():
            t = time.perf_counter()
            if where == "thread":  # the objects screen's path: its own thread, loop and client
                res = await screen._in_io_thread(
                    lambda client, on_progress: upload(client, dst, plan, on_progress=on_progress), Sink())
            else:  # for comparison: in the console's own event loop
                res = await upload(app.client, dst, plan)
            done["s"], done["files"] = time.perf_counter() - t, len(res.done)
        task = asyncio.ensure_future(run())
        lat, key = [], "j"
        while not task.done():
            target = olist.cursor_row + (1 if key == "j" else -1)
            drawn.pop(target, None)
            t0 = time.perf_counter()
            app.post_message(events.Key(key, key))
            while target not in drawn:
                await asyncio.sleep(0.0005)
            lat.append((drawn[target] - t0) * 1000)
            key = "k" if key == "j" else "j"
            await asyncio.sleep(0.05)
        await task
        lat.sort()
        print("RESULT " + json.dumps({"keys": len(lat), "p50_ms": statistics.median(lat),
              "p95_ms": lat[int(0.95 * (len(lat) - 1))], "max_ms": lat[-1], "upload_s": done["s"],
              "files": done["files"]}), flush=True)
asyncio.run(main())
"""


async def seed_million(endpoint: str, flat: str) -> str:
    """1,000,000 objects from the 100k flat bucket: 10 server-side copies with name prefixes."""
    from aistui.core import AISClient, Bck

    async with AISClient(endpoint) as c:
        src, big = Bck.parse(f"ais://{flat}"), Bck.parse("ais://console-million")
        for k in range(10):
            job = await c.jobs.wait(await c.buckets.copy(src, big, prepend=f"m{k}-"), timeout=3600)
            assert job.state == "finished", job
        return big.name


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


async def seed_flat_bucket(endpoint: str, n: int) -> str:
    """``n`` 1-byte objects with flat names: n/100 PUTs, then 2 rounds of 10 server-side copies
    with name prefixes (no '/', so the root directory holds them all)."""
    from aistui.core import AISClient, Bck

    async with AISClient(endpoint) as c:
        seed, mid, big = (Bck.parse(f"ais://console-{x}") for x in ("seed", "mid", "flat"))
        await c.buckets.create(seed, exist_ok=True)
        sem = asyncio.Semaphore(16)

        async def put1(i: int) -> None:
            async with sem:
                await c.objects.put(seed, f"o{i:07d}.jpg", b"x")

        await asyncio.gather(*(put1(i) for i in range(n // 100)))
        for src, dst, pfx in ((seed, mid, "d"), (mid, big, "e")):
            for k in range(10):
                job = await c.jobs.wait(await c.buckets.copy(src, dst, prepend=f"{pfx}{k}-"), timeout=900)
                assert job.state == "finished", job
        total = len(await c.objects.list_all(big))
        assert total == n, total
        return big.name


def run_child(code: str, *args: str, env: dict | None = None) -> str:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return out.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--million", action="store_true", help="also seed 1,000,000 objects and scroll through them")
    ap.add_argument("--upload-files", type=int, default=10_000)
    a = ap.parse_args()
    from aistui.playground.cluster import LocalCluster

    root = Path(tempfile.mkdtemp(prefix="aistui-console-bench-"))
    cluster = LocalCluster(root, ntargets=1, name="console").start()
    res: dict = {"objects": a.objects}
    try:
        log(f"cluster at {cluster.endpoint}; seeding {a.objects} objects")
        t = time.perf_counter()
        bucket = asyncio.run(seed_flat_bucket(cluster.endpoint, a.objects))
        log(f"seeded in {time.perf_counter() - t:.1f} s")
        frames, imported = [], set()
        for _ in range(a.repeat):
            env = dict(os.environ, BENCH_T0=repr(time.time()))
            line = next(x for x in run_child(CHILD_FIRST_FRAME, cluster.endpoint, env=env).splitlines()
                        if x.startswith("READY"))
            _, s, bad = line.split()
            frames.append(float(s))
            imported |= set() if bad == "-" else set(bad.split(","))
        res["ready_headless_s"] = frames
        res["imported_at_first_frame"] = sorted(imported)
        log(f"headless Ready: {frames}")
        from firstframe import compare

        res["first_frame_pty_s"] = compare(cluster.endpoint, max(a.repeat, 10))
        log(f"first frame on a terminal: {res['first_frame_pty_s']}")
        pages = []
        for _ in range(a.repeat):
            out = run_child(CHILD_OBJECTS, cluster.endpoint, bucket, "first")
            pages.append(json.loads(out.split("RESULT ", 1)[1])["first_page_s"])
        res["first_page_s"] = pages
        log(f"first page: {pages}")
        out = run_child(CHILD_OBJECTS, cluster.endpoint, bucket, "scroll")
        res["scroll"] = json.loads(out.split("RESULT ", 1)[1])
        log(f"scroll: {res['scroll']}")
        for where in ("thread", "loop"):
            out = run_child(CHILD_LATENCY, cluster.endpoint, bucket, str(a.upload_files), where)
            res["latency" if where == "thread" else "latency_in_loop"] = json.loads(out.split("RESULT ", 1)[1])
            log(f"latency ({where}): {res['latency' if where == 'thread' else 'latency_in_loop']}")
        if a.million:
            t = time.perf_counter()
            big = asyncio.run(seed_million(cluster.endpoint, bucket))
            log(f"seeded 1M in {time.perf_counter() - t:.0f} s")
            out = run_child(CHILD_OBJECTS, cluster.endpoint, big, "scroll")
            res["scroll_million"] = json.loads(out.split("RESULT ", 1)[1])
            log(f"scroll 1M: {res['scroll_million']}")
    finally:
        cluster.stop()
    med = statistics.median
    s = res["scroll"]
    print("# Console benchmark\n")
    print(f"Command: `python bench/bench_console.py --objects {a.objects} --repeat {a.repeat}`; "
          f"{os.cpu_count()} CPUs, headless 160x48, local cluster (1 proxy, 1 target).\n")
    print("| measurement | median (min..max) | target |")
    print("|---|---|---|")
    ff, bare = res["first_frame_pty_s"]["aistui"], res["first_frame_pty_s"]["bare"]
    print(f"| launch to first frame on a terminal (`aistui`, {len(ff)} runs) "
          f"| {med(ff):.3f} s ({min(ff):.3f}..{max(ff):.3f}) | < 0.6 s |")
    print(f"| the same for a bare one-widget Textual app (the floor) "
          f"| {med(bare):.3f} s ({min(bare):.3f}..{max(bare):.3f}); aistui / bare = {med(ff) / med(bare):.2f} | |")
    print(f"| headless, in-process: launch to the app's Ready event | {med(frames):.3f} s "
          f"({min(frames):.3f}..{max(frames):.3f}) | |")
    print(f"| open a {a.objects:,}-object bucket to first page | {med(pages) * 1000:.0f} ms "
          f"({min(pages) * 1000:.0f}..{max(pages) * 1000:.0f}) | < 300 ms |")
    print(f"| RSS after scrolling to the end ({s['rows_end']:,} rows) | {s['rss_end_mib']:.0f} MiB "
          f"(after the first page: {s['rss_first_mib']:.0f} MiB; scrolling took {s['scroll_s']:.1f} s) | "
          f"< 300 MB at 1,000,000 |")
    if "scroll_million" in res:
        m = res["scroll_million"]
        print(f"| RSS after scrolling to the end of 1,000,000 objects ({m['rows_end']:,} rows) | "
              f"{m['rss_end_mib']:.0f} MiB (first page {m['first_page_s'] * 1000:.0f} ms; scrolling took "
              f"{m['scroll_s']:.0f} s) | < 300 MB |")
    for key, how in (("latency", "upload in its own thread, as the console runs it"),
                     ("latency_in_loop", "upload in the console's event loop, for comparison")):
        lt = res[key]
        print(f"| keypress to screen while uploading {lt['files']:,} files ({how}; {lt['keys']} keys) | p50 "
              f"{lt['p50_ms']:.0f} ms, p95 {lt['p95_ms']:.0f} ms, max {lt['max_ms']:.0f} ms "
              f"(upload took {lt['upload_s']:.1f} s) | < 100 ms |")
    print(f"\nModules imported by the first frame among torch, aistore, aiohttp: "
          f"{', '.join(res['imported_at_first_frame']) or 'none'}.")
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
