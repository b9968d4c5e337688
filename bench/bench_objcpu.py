#!/usr/bin/env python3
"""Client CPU per object on the small-object data path: PUT and GET of ``--objects`` (default
5,000) objects of ``--size`` bytes (default 10 KiB) through the core, ``--concurrency`` (default
32) at once, against an existing cluster (``--endpoint``).

CPU is this process's user+system time (``time.process_time()``) over the timed loop, divided by
the objects: microseconds of client CPU per object (the cluster's own CPU is not counted). Three
loops: ``put`` is ``client.objects.put(bck, name, bytes)``; ``upload`` is ``transfer.upload`` of
as many local files (what ``bench_core.py`` and the console's upload run: file reads, progress,
the retry policy); ``get`` is ``client.objects.get(bck, name)`` into memory. Each is run
``--repeat`` times (default 3) and the median reported. To compare two versions of the core,
run the script with ``PYTHONPATH`` set to each checkout in turn. ``--via-proxy`` sends every request
through the proxy (the switch of the same name); ``--profile DIR`` records each phase with
py-spy (``py-spy record --format speedscope``, the dev extra) into DIR.
``AISTUI_LEAN_HTTP=0`` in the environment sends the object requests over aiohttp instead of the
lean client (``core/leanhttp.py``), for a before/after on one checkout.

    python bench/bench_objcpu.py --endpoint http://127.0.0.1:8080
    python bench/bench_objcpu.py --endpoint http://127.0.0.1:8080 --via-proxy
    AISTUI_LEAN_HTTP=0 python bench/bench_objcpu.py --endpoint http://127.0.0.1:8080
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path


async def run(args: argparse.Namespace) -> dict[str, list[tuple[float, float]]]:
    import tempfile

    from aistui.core import AISClient, Bck, transfer
    from aistui.core.config import ConnectionSettings

    settings = ConnectionSettings(endpoint=args.endpoint)
    if args.via_proxy:
        settings = ConnectionSettings(endpoint=args.endpoint, via_proxy=True)  # type: ignore[call-arg]
    out: dict[str, list[tuple[float, float]]] = {"put": [], "upload": [], "get": []}
    body = os.urandom(args.size)
    names = [f"d{i % 100}/obj-{i:06d}" for i in range(args.objects)]
    src = Path(tempfile.mkdtemp(prefix="objcpu-"))
    for i in range(args.objects):
        (src / f"f{i:06d}").write_bytes(body)
    files = transfer.plan_upload([src])
    async with AISClient(settings) as client:
        bck = Bck(f"objcpu-{uuid.uuid4().hex[:8]}")
        await client.buckets.create(bck)
        try:
            sem = asyncio.Semaphore(args.concurrency)

            async def put(n: str) -> None:
                async with sem:
                    await client.objects.put(bck, n, body)

            async def upload_all(rep: int) -> None:
                b = Bck(f"{bck.name}-up{rep}")
                await client.buckets.create(b)
                res = await transfer.upload(client, b, files, concurrency=args.concurrency)
                if res.failed:
                    raise RuntimeError(f"upload: {len(res.failed)} failed")

            async def get(n: str) -> None:
                async with sem:
                    if len(await client.objects.get(bck, n)) != args.size:
                        raise RuntimeError(f"{n}: short read")

            for n in names[:50]:  # warm-up: connections, the Smap, imports
                await put(n)
                await get(n)
            for rep in range(args.repeat):
                for phase, fn in (("put", put), ("upload", None), ("get", get)):
                    spy = _spy(args.profile, f"{phase}-{'proxy' if args.via_proxy else 'direct'}-{rep}")
                    c0, t0 = time.process_time(), time.perf_counter()
                    if fn is None:
                        await upload_all(rep)
                    else:
                        await asyncio.gather(*(fn(n) for n in names))
                    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
                    _stop(spy)
                    out[phase].append((cpu, wall))
                    print(f"{phase} rep {rep + 1}: {cpu / args.objects * 1e6:.0f} us CPU/object, "
                          f"{args.objects / wall:.0f} obj/s", file=sys.stderr, flush=True)
        finally:
            for rep in range(args.repeat):
                await client.buckets.destroy(Bck(f"{bck.name}-up{rep}"), missing_ok=True)
            await client.buckets.destroy(bck, missing_ok=True)
            shutil.rmtree(src, ignore_errors=True)
    return out


def _spy(profile: str | None, name: str) -> subprocess.Popen[bytes] | None:
    if not profile:
        return None
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    Path(profile).mkdir(parents=True, exist_ok=True)
    p = subprocess.Popen([exe, "record", "--pid", str(os.getpid()), "--rate", "250", "--format", "speedscope",
                          "-o", f"{profile}/{name}.json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return p


def _stop(p: subprocess.Popen[bytes] | None) -> None:
    if p is not None:
        p.send_signal(signal.SIGINT)
        p.wait(30)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--endpoint", required=True, help="the cluster's proxy URL")
    ap.add_argument("--objects", type=int, default=5000)
    ap.add_argument("--size", type=int, default=10 * 1024, help="bytes per object")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--via-proxy", action="store_true", help="every request through the proxy")
    ap.add_argument("--profile", metavar="DIR", help="record each phase with py-spy into DIR")
    args = ap.parse_args(argv)
    res = asyncio.run(run(args))
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"| phase | client CPU (us/object, median of {args.repeat}) | obj/s (median) |")
    print("|---|---|---|")
    for phase, runs in res.items():
        cpu = statistics.median(c for c, _ in runs) / args.objects * 1e6
        rate = statistics.median(args.objects / w for _, w in runs)
        print(f"| {phase} | {cpu:.0f} | {rate:.0f} |")
    print(f"\n{args.objects} x {args.size} B, concurrency {args.concurrency}, "
          f"{'via the proxy' if args.via_proxy else 'default route'}, load average {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
