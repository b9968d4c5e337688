#!/usr/bin/env python3
"""Benchmark: the gallery's first full screen of ``--count`` (default 48) thumbnails, fetched with
ONE get-batch request (``client.batch.iter_batch``, ``GET /v1/ml/moss``) vs. one GET per
object on the same cluster, each answer decoded and shrunk with Pillow on a thread as the gallery
does (``aistui.widgets.thumbs.make_thumb``, the sixel/TGP box: the larger decode).

Starts its own 1-proxy/2-target local cluster from ``aisnode`` (or uses ``--endpoint``), puts
``--count`` JPEGs (640x480, ~60 KB, derived from scikit-learn's bundled ``china.jpg`` and
``flower.jpg``: crops at different offsets), then runs, alternating, ``--repeat`` times (median):

- ``get-batch``: one request, the thumbnails decoded as the entries stream in;
- ``GETs x16``: 48 GETs, 16 at a time (``objects.get``), each decoded as it arrives;
- ``GETs x1``: 48 GETs one after the other.

Reported: wall time to the last thumbnail, the client process's CPU time (all threads) per
thumbnail, and the decode's share of it (the same 48 decodes timed alone).

Then the console itself (``--ui``, default on): a headless ``AISTui`` (Textual's ``run_test``)
sized for exactly 48 cells (sixel 128x45: 8 x 6 cells; half-blocks 160x57: 8 x 6), from
``show_gallery`` to every cell showing its thumbnail and the screen painted, and the process's
CPU time over that (the console's widgets, textual-image's rendering, the decode, the fetch).

    python bench/bench_gallery.py
    python bench/bench_gallery.py --count 48 --repeat 7 --endpoint http://127.0.0.1:8080
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def images(count: int) -> list[bytes]:
    """``count`` distinct 640x480 JPEGs cut from the two bundled sample images."""
    from PIL import Image

    from aistui.playground.demo import sample_images

    srcs = [Image.open(io.BytesIO(data)).convert("RGB") for _, data in sample_images()]
    out = []
    for i in range(count):
        src = srcs[i % len(srcs)]
        w, h = src.size
        x, y = (i * 37) % (w - 320), (i * 23) % (h - 240)
        img = src.crop((x, y, x + 320, y + 240)).resize((640, 480))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85)
        out.append(buf.getvalue())
    return out


async def run(endpoint: str, count: int, repeat: int) -> None:
    from aistui.core import AISClient, Bck
    from aistui.widgets.thumbs import make_thumb, pixel_box

    box = pixel_box("sixel")
    bck = Bck.parse(f"ais://gallery-{uuid.uuid4().hex[:6]}")
    names = [f"imgs/{i:04}.jpg" for i in range(count)]
    datas = images(count)
    async with AISClient(endpoint) as c:
        await c.buckets.create(bck)
        try:
            await asyncio.gather(*[c.objects.put(bck, n, d) for n, d in zip(names, datas, strict=True)])
            log(f"put {count} JPEGs, {sum(map(len, datas)) / count / 1024:.0f} KiB on average")

            async def batch() -> int:
                decoding = []  # as the gallery does: decodes overlap the rest of the answer
                async for item in c.batch.iter_batch(bck, names, timeout=120):
                    assert item.data is not None, item.error
                    decoding.append(asyncio.create_task(asyncio.to_thread(make_thumb, item.data, box)))
                await asyncio.gather(*decoding)
                return len(decoding)

            async def gets(parallel: int) -> int:
                gate = asyncio.Semaphore(parallel)

                async def one(name: str) -> None:
                    async with gate:
                        data = await c.objects.get(bck, name)
                    await asyncio.to_thread(make_thumb, data, box)

                await asyncio.gather(*[one(n) for n in names])
                return len(names)

            ways: dict[str, Any] = {"get-batch": batch, "GETs x16": lambda: gets(16), "GETs x1": lambda: gets(1)}
            for fn in ways.values():  # warm: connections, the targets' page cache
                await fn()
            res: dict[str, list[tuple[float, float]]] = {k: [] for k in ways}
            for _ in range(repeat):
                for k, fn in ways.items():
                    t0, c0 = time.perf_counter(), time.process_time()
                    assert await fn() == count
                    res[k].append((time.perf_counter() - t0, time.process_time() - c0))
            c0 = time.process_time()
            for _ in range(repeat):
                for d in datas:
                    make_thumb(d, box)
            decode_ms = 1000 * (time.process_time() - c0) / (repeat * count)
            ui = {p: [await first_screen(endpoint, bck, p, size) for _ in range(repeat)]
                  for p, size in (("sixel", (128, 45)), ("halfcell", (160, 57)))} if count == 48 else {}
        finally:
            await c.objects.delete_many(bck, prefix="imgs/")
            await c.buckets.destroy(bck, missing_ok=True)
    load = os.getloadavg()[0]
    print(f"\n{count} thumbnails (640x480 JPEG -> {box[0]}x{box[1]} box), 1 proxy + 2 targets, loopback; "
          f"median of {repeat} (min..max); load average {load:.1f} on {os.cpu_count()} cores\n")
    print("| fetch | wall s to the last thumbnail | client CPU ms per thumbnail | of which decode |")
    print("|---|---|---|---|")
    for k, rs in res.items():
        wall = [w for w, _ in rs]
        cpu = [1000 * cp / count for _, cp in rs]
        print(f"| {k} | {statistics.median(wall):.3f} ({min(wall):.3f}..{max(wall):.3f}) | "
              f"{statistics.median(cpu):.1f} ({min(cpu):.1f}..{max(cpu):.1f}) | {decode_ms:.1f} |")
    if ui:
        print("\n| console (headless), first full screen of 48 | wall s | client CPU ms per thumbnail |")
        print("|---|---|---|")
        for p, rs in ui.items():
            wall = [w for w, _ in rs]
            cpu = [1000 * cp / count for _, cp in rs]
            print(f"| {p} | {statistics.median(wall):.3f} ({min(wall):.3f}..{max(wall):.3f}) | "
                  f"{statistics.median(cpu):.1f} ({min(cpu):.1f}..{max(cpu):.1f}) |")


async def first_screen(endpoint: str, bck: Any, protocol: str, size: tuple[int, int]) -> tuple[float, float]:
    """Seconds and CPU seconds from ``show_gallery`` to 48 thumbnails shown and painted."""
    from aistui.app import AISTui
    from aistui.core import ConnectionSettings
    from aistui.screens.gallery import GalleryScreen
    from aistui.widgets.thumbs import ThumbGrid

    app = AISTui(ConnectionSettings(endpoint=endpoint), refresh_s=3600, image_protocol=protocol)
    async with app.run_test(size=size) as pilot:
        while app.health != "ok":
            await pilot.pause(0.05)
        t0, c0 = time.perf_counter(), time.process_time()
        app.show_gallery(bck, "imgs/")
        while True:
            await asyncio.sleep(0.01)  # not pilot.pause: it forces a screen update each time
            screen = app.screen
            if isinstance(screen, GalleryScreen) and screen.is_mounted:
                cells = screen.query_one(ThumbGrid).cells
                if len(cells) == 48 and all(c.tile.image is not None and c.is_mounted for c in cells):
                    break
        await pilot.pause()  # the paint with every image
        return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=48)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--endpoint", default="")
    a = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="aistui-bench-gallery-", dir="/tmp")
    cluster = None
    try:
        endpoint = a.endpoint.rstrip("/")
        if not endpoint:
            from aistui.playground.cluster import LocalCluster

            log("starting a local cluster (1 proxy + 2 targets)")
            cluster = LocalCluster.start_new(Path(workdir) / "cluster", ntargets=2)
            endpoint = cluster.endpoint
        asyncio.run(run(endpoint, a.count, a.repeat))
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
