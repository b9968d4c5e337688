#!/usr/bin/env python3
"""Benchmark: large objects (1 GiB and 4 GiB by default), GET and PUT, the aistui core against the
``ais`` CLI (v1.5.0, ``~/.cache/aistui/bin/ais``) and the official ``aistore`` SDK, with MiB/s
and peak RSS.

Every measurement runs in its own child process, reaped with ``os.wait4``, so its peak RSS
(``ru_maxrss``) is that tool's alone; the seconds are the wall time of the transfer itself (the
child's own timer for the Python sides, the process's wall time for the CLI, whose start-up is a
few ms), and the client CPU seconds (user + system, from the same ``wait4``) say what each tool
costs on a machine shared with other work, where the seconds vary with the load. GETs write the
object into a local file, which is checked for its size and removed.

Over plain http the core's large bodies go over :mod:`aistui.core.rawio` (ranges received into a
buffer and written at their offsets, the hash computed as they land; file PUTs and multipart parts
with ``sendfile``); ``--aiohttp`` adds the first variants again with ``AISTUI_RAW_IO=0`` (the
aiohttp path, what an HTTPS cluster gets), in the same run.

* PUT: every row stores its own object name, removed after the row. Core
  ``objects.put_multipart(part_size, concurrency)`` for each ``--mpu`` variant (what
  ``transfer.upload`` does for files of at least 64 MiB) and core ``objects.put`` (one stream);
  ``ais put FILE ais://b/o`` (above 1 GiB the v1.5.0 CLI asks whether to upload in chunks; with
  no answer on stdin it does, in 1 MiB chunks, ``cmd/cli/cli/multipart.go``); SDK ``obj.get_writer().put_file(FILE)``.
* GET: core ``objects.download_parallel(workers, chunk_size)`` for each ``--mpd`` variant (what
  ``transfer.download`` does for objects of at least 64 MiB) and core ``transfer.download``'s
  whole-object stream (``iter_get`` into a file); ``ais get`` and ``ais get --mpd`` (16 workers,
  8 MiB ranges); SDK ``obj.get_reader(num_workers=N).as_file()`` copied into a file, and without
  ``num_workers``.

    .venv/bin/python bench/bench_large.py > large.md          # THE run for docs/benchmarks.md
    .venv/bin/python bench/bench_large.py --sizes 1 --quick   # 1 GiB, first variants only
    .venv/bin/python bench/bench_large.py --sizes 1,4 --quick --aiohttp --no-sdk   # raw path vs aiohttp, and ais
    .venv/bin/python bench/bench_large.py --endpoint http://127.0.0.1:8080   # an existing cluster

Without ``--endpoint`` a local cluster (1 proxy, 1 target) is started from ``aisnode`` under
``--workdir`` and stopped at the end. Needs about 3x the largest size free under ``--workdir``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
GIB = 1024 * MIB
ROOT = Path(__file__).resolve().parent.parent


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- child side

def child(op: str, endpoint: str, bucket: str, obj: str, path: str, a: int, b: int) -> None:
    """One transfer in this process; prints ``{"seconds": s}``."""
    t = 0.0
    if op.startswith("core"):
        import asyncio

        sys.path.insert(0, str(ROOT))
        from aistui.core import AISClient, Bck

        async def run() -> float:
            async with AISClient(endpoint) as c:
                bck = Bck.parse(bucket)
                await c.cluster.smap()  # warm the pool and the map, as the SDK's first call does not count either
                t0 = time.perf_counter()
                if op == "core-put-mpu":
                    await c.objects.put_multipart(bck, obj, path, part_size=a, concurrency=b)
                elif op == "core-put":
                    await c.objects.put(bck, obj, Path(path))
                elif op == "core-get-parallel":
                    await c.objects.download_parallel(bck, obj, path, workers=a, chunk_size=b)
                elif op == "core-get-stream":
                    with open(path, "wb") as f:
                        async for chunk in c.objects.iter_get(bck, obj, chunk_size=MIB):
                            f.write(chunk)
                else:
                    raise SystemExit(f"unknown op {op}")
                return time.perf_counter() - t0

        t = asyncio.run(run())
    else:
        from aistore.sdk import Client

        c = Client(endpoint)
        name = bucket.split("://", 1)[-1]
        o = c.bucket(name).object(obj)
        t0 = time.perf_counter()
        if op == "sdk-put":
            o.get_writer().put_file(path)
        elif op == "sdk-get":
            reader = o.get_reader(num_workers=a) if a else o.get_reader()
            with open(path, "wb") as f:
                shutil.copyfileobj(reader.as_file(), f, 8 * MIB)
        else:
            raise SystemExit(f"unknown op {op}")
        t = time.perf_counter() - t0
    print(json.dumps({"seconds": t}))


# ---------------------------------------------------------------------------- parent side

def run_measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, str]:
    """Run ``argv`` through a fresh, small wrapper process (``--wrap``) that reaps it with
    ``os.wait4``: ``(wall seconds, peak RSS MiB, CPU seconds (user + system), stdout)``. The
    wrapper matters: Linux keeps ``ru_maxrss`` across ``exec``, so a child forked straight from
    this (large) process would report at least this process's size. Raises ``RuntimeError`` on a non-zero exit."""
    p = subprocess.run([sys.executable, "-S", os.path.abspath(__file__), "--wrap", *argv], env=env,
                       capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(f"{' '.join(argv[:5])}... exit {p.returncode}: {p.stderr[-800:]}")
    head, _, out = p.stdout.partition("\n")
    w = json.loads(head)
    return w["wall"], w["rss_kib"] / 1024, w["cpu_s"], out


def wrap(argv: list[str]) -> None:
    """The ``--wrap`` side: run ``argv``, print ``{"wall", "rss_kib"}`` then its stdout."""
    import tempfile as tf

    with tf.TemporaryFile() as out:
        t0 = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1)]) \
            if os.path.isabs(argv[0]) else os.posix_spawnp(argv[0], argv, os.environ)
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        body = out.read().decode()
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"wall": wall, "rss_kib": ru.ru_maxrss, "cpu_s": ru.ru_utime + ru.ru_stime}))
    print(body, end="")
    sys.exit(code)


def core_call(endpoint: str, what: str, bucket: str, obj: str, path: str = "") -> None:
    """An untimed ``put`` of ``path`` or ``rm`` (missing is fine) of one object with the core."""
    import asyncio

    sys.path.insert(0, str(ROOT))
    from aistui.core import AISClient, Bck

    async def run() -> None:
        async with AISClient(endpoint) as c:
            if what == "put":
                await c.objects.put(Bck.parse(bucket), obj, Path(path))
            else:
                await c.objects.delete(Bck.parse(bucket), obj, missing_ok=True)

    asyncio.run(run())


def make_file(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        left = size
        block = os.urandom(64 * MIB)
        i = 0
        while left > 0:
            n = min(left, len(block))
            # a different block each time (a counter in front), cheap and not compressible
            f.write(i.to_bytes(8, "big") + block[8:n] if n > 8 else block[:n])
            left -= n
            i += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1,4", help="object sizes in GiB, comma-separated (default 1,4)")
    ap.add_argument("--endpoint", default="", help="an existing cluster (default: start a local one)")
    ap.add_argument("--workdir", default="", help="where the files (and the local cluster) go")
    ap.add_argument("--cli", default=str(Path.home() / ".cache/aistui/bin/ais"), help="the ais CLI binary")
    ap.add_argument("--mpu", default="16:4,32:8,64:8",
                    help="multipart PUT variants PART_MiB:CONCURRENCY (the first is the default)")
    ap.add_argument("--mpd", default="4:16,8:8,16:8",
                    help="parallel GET variants WORKERS:CHUNK_MiB (the first is the default)")
    ap.add_argument("--sdk-workers", type=int, default=8, help="the SDK's num_workers for its GET")
    ap.add_argument("--quick", action="store_true", help="only the first variant of each kind")
    ap.add_argument("--aiohttp", action="store_true",
                    help="also the core's first PUT and GET variants over aiohttp (AISTUI_RAW_IO=0, the HTTPS path)")
    ap.add_argument("--no-sdk", action="store_true", help="leave the SDK rows out")
    ap.add_argument("--child", nargs=7, metavar=("OP", "EP", "BCK", "OBJ", "PATH", "A", "B"), help=argparse.SUPPRESS)
    if len(sys.argv) > 2 and sys.argv[1] == "--wrap":
        wrap(sys.argv[2:])
        return
    args = ap.parse_args()
    if args.child:
        op, ep, bck, obj, path, a, b = args.child
        child(op, ep, bck, obj, path, int(a), int(b))
        return

    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-large-"))
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(float(s) * GIB) for s in args.sizes.split(",") if s]
    free = shutil.disk_usage(work).free
    if free < 3.2 * max(sizes):
        raise SystemExit(f"{work}: {free / GIB:.1f} GiB free, need about {3.2 * max(sizes) / GIB:.1f}")
    cluster = None
    endpoint = args.endpoint
    if not endpoint:
        sys.path.insert(0, str(ROOT))
        from aistui.playground.cluster import LocalCluster

        cluster = LocalCluster(work / "cluster", ntargets=1, name="large")
        cluster.start()
        endpoint = cluster.endpoint
    cli = args.cli if Path(args.cli).exists() else ""
    env = dict(os.environ, AIS_ENDPOINT=endpoint)
    bucket = f"ais://large-{uuid.uuid4().hex[:6]}"
    py = sys.executable
    me = os.path.abspath(__file__)
    mpu = [tuple(int(x) for x in v.split(":")) for v in args.mpu.split(",")]
    mpd = [tuple(int(x) for x in v.split(":")) for v in args.mpd.split(",")]
    if args.quick:
        mpu, mpd = mpu[:1], mpd[:1]
    rows: list[dict[str, Any]] = []
    load0 = os.getloadavg()
    try:
        if cli:
            subprocess.run([cli, "bucket", "create", bucket], env=env, check=True, capture_output=True)
        else:
            import asyncio

            from aistui.core import AISClient, Bck

            async def mk() -> None:
                async with AISClient(endpoint) as c:
                    await c.buckets.create(Bck.parse(bucket))

            asyncio.run(mk())
        for size in sizes:
            src = work / f"src-{size}"
            log(f"making a {size / GIB:g} GiB file")
            make_file(src, size)
            dst = work / "dst"

            def record(op: str, tool: str, how: str, argv: list[str], check_dst: bool = False,
                       own_timer: bool = True, size: int = size, dst: Path = dst, raw: bool = True) -> None:
                try:
                    wall, rss, cpu, out = run_measured(argv, env if raw else dict(env, AISTUI_RAW_IO="0"))
                except RuntimeError as e:
                    log(f"{op} {tool} {how}: FAILED {e}")
                    rows.append({"size": size, "op": op, "tool": tool, "how": how, "error": str(e)[:200]})
                    return
                secs = json.loads(out.strip().splitlines()[-1])["seconds"] if own_timer else wall
                if check_dst:
                    got = dst.stat().st_size if dst.exists() else -1
                    dst.unlink(missing_ok=True)
                    if got != size:
                        log(f"{op} {tool} {how}: wrote {got} bytes, not {size}")
                        rows.append({"size": size, "op": op, "tool": tool, "how": how, "error": f"{got} bytes"})
                        return
                mibs = size / MIB / secs
                log(f"{size / GIB:g} GiB {op} {tool} {how}: {secs:.2f} s, {mibs:,.0f} MiB/s, peak RSS {rss:,.0f} MiB, "
                    f"CPU {cpu:.2f} s, load {os.getloadavg()[0]:.1f}")
                rows.append({"size": size, "op": op, "tool": tool, "how": how, "seconds": secs, "mib_s": mibs,
                             "rss_mib": rss, "cpu_s": cpu})

            obj = f"o-{size}"
            # PUT: each row stores a fresh name, removed after it (overwriting one object row after
            # row made the later rows wait on the earlier ones' cleanup); then one untimed PUT of
            # ``obj`` for the GETs
            puts: list[tuple[str, str, list[str], bool]] = []
            if cli:
                how = "ais put" if size <= GIB else "ais put (chunks of 1 MiB: its default above 1 GiB)"
                puts.append(("ais CLI", how, [cli, "put", str(src), f"{bucket}/{{n}}"], True))
            if not args.no_sdk:
                puts.append(("SDK", "put_file", [py, me, "--child", "sdk-put", endpoint, bucket, "{n}", str(src), "0",
                                                 "0"], True))
            puts.append(("core", "put (one stream)",
                         [py, me, "--child", "core-put", endpoint, bucket, "{n}", str(src), "0", "0"], True))
            for part, conc in mpu:
                puts.append(("core", f"put_multipart {part} MiB x{conc}",
                             [py, me, "--child", "core-put-mpu", endpoint, bucket, "{n}", str(src), str(part * MIB),
                              str(conc)], True))
            if args.aiohttp:  # the same calls over aiohttp (AISTUI_RAW_IO=0: what HTTPS clusters get)
                puts.append(("core", "put (one stream), aiohttp",
                             [py, me, "--child", "core-put", endpoint, bucket, "{n}", str(src), "0", "0"], False))
                part, conc = mpu[0]
                puts.append(("core", f"put_multipart {part} MiB x{conc}, aiohttp",
                             [py, me, "--child", "core-put-mpu", endpoint, bucket, "{n}", str(src), str(part * MIB),
                              str(conc)], False))
            for i, (tool, how, argv, raw) in enumerate(puts):
                name = f"{obj}-put{i}"
                record("PUT", tool, how, [x.replace("{n}", name) for x in argv], own_timer=tool != "ais CLI",
                       raw=raw)
                core_call(endpoint, "rm", bucket, name)
            core_call(endpoint, "put", bucket, obj, str(src))
            # GET
            if cli:
                record("GET", "ais CLI", "ais get", [cli, "get", f"{bucket}/{obj}", str(dst)], True, own_timer=False)
                record("GET", "ais CLI", "ais get --mpd", [cli, "get", "--mpd", f"{bucket}/{obj}", str(dst)], True,
                       own_timer=False)
            if not args.no_sdk:
                record("GET", "SDK", "get_reader",
                       [py, me, "--child", "sdk-get", endpoint, bucket, obj, str(dst), "0", "0"], True)
                record("GET", "SDK", f"get_reader(num_workers={args.sdk_workers})",
                       [py, me, "--child", "sdk-get", endpoint, bucket, obj, str(dst), str(args.sdk_workers), "0"],
                       True)
            record("GET", "core", "iter_get (one stream)",
                   [py, me, "--child", "core-get-stream", endpoint, bucket, obj, str(dst), "0", "0"], True)
            for workers, chunk in mpd:
                record("GET", "core", f"download_parallel {workers} x {chunk} MiB",
                       [py, me, "--child", "core-get-parallel", endpoint, bucket, obj, str(dst), str(workers),
                        str(chunk * MIB)], True)
            if args.aiohttp:
                workers, chunk = mpd[0]
                record("GET", "core", f"download_parallel {workers} x {chunk} MiB, aiohttp",
                       [py, me, "--child", "core-get-parallel", endpoint, bucket, obj, str(dst), str(workers),
                        str(chunk * MIB)], True, raw=False)
            src.unlink()
            if cli:
                subprocess.run([cli, "object", "rm", f"{bucket}/{obj}"], env=env, capture_output=True)
    finally:
        if cli:
            subprocess.run([cli, "bucket", "rm", bucket, "--yes"], env=env, capture_output=True)
        if cluster is not None:
            cluster.stop()
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    report(rows, load0, os.getloadavg(), endpoint, bool(cli))


def report(rows: list[dict[str, Any]], load0: tuple[float, float, float], load1: tuple[float, float, float],
           endpoint: str, cli: bool) -> None:
    print(f"load average before {load0[0]:.1f}, after {load1[0]:.1f} ({os.cpu_count()} cores); cluster {endpoint}\n")
    print("| size | op | tool | how | s | MiB/s | peak RSS MiB | client CPU s | vs best `ais` |")
    print("|---|---|---|---|---|---|---|---|---|")
    best_cli: dict[tuple[int, str], float] = {}
    for r in rows:
        if r["tool"] == "ais CLI" and "mib_s" in r:
            k = (r["size"], r["op"])
            best_cli[k] = max(best_cli.get(k, 0.0), r["mib_s"])
    for r in rows:
        size = f"{r['size'] / GIB:g} GiB"
        if "error" in r:
            print(f"| {size} | {r['op']} | {r['tool']} | {r['how']} | failed: {r['error']} | | | | |")
            continue
        base = best_cli.get((r["size"], r["op"]))
        ratio = f"{r['mib_s'] / base:.2f}x" if base else ("" if cli else "no CLI")
        print(f"| {size} | {r['op']} | {r['tool']} | {r['how']} | {r['seconds']:.2f} | {r['mib_s']:,.0f} | "
              f"{r['rss_mib']:,.0f} | {r['cpu_s']:.2f} | {ratio} |")


if __name__ == "__main__":
    main()
