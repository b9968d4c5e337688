"""Loader benchmark: the generated code of every export style, the official plugin as its README
shows it, and aisloader GET-only (the ceiling), on the same objects of one local cluster, in one run.

    python bench/bench_loader.py --json loader-results.json      # full run (~10 min on 2 cores)
    python bench/bench_loader.py --quick                         # 1,000 objects, shorter runs
    python bench/bench_loader.py --sets shards,objects --size 10240,102400 --objects 5000 \
        --styles iter,pipe,batch --workers 0,2                   # the pipe style against AISIterDataset

Datasets: the demo images (``ais://digits``: 1,797 PNG digits in class folders, decoded to
tensors with labels; ``ais://digits-shards``: the same as WebDataset shards) and ``--objects``
(10,000) random objects of each ``--size`` (100 KiB; several sizes comma-separated) read as
bytes; ``--sets`` picks among ``digits``, ``shards`` and ``objects``, ``--styles`` the
per-object styles (the ``pipe`` style: get-batch requests, K in flight per worker). Every loader runs through the
dry-run (aistui.export.dryrun: separate processes, warm-up excluded, samples counted), for each
``--workers`` value; the dry-run's own references (raw GET of the async core, Pillow decode) are
measured in the same run, and so is ``aisloader -pctput=0`` (``scripts/install-aisloader.sh``) on
the same bucket and prefix. Ratios are samples/s against aisloader's objects/s (converted to
samples for shards). Units: MiB = 2^20 bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aistui.core import AISClient, Bck  # noqa: E402
from aistui.export.discover import discover_classes  # noqa: E402
from aistui.export.dryrun import MIB, DryRunConfig, dry_run  # noqa: E402
from aistui.export.snippet import ExportSpec  # noqa: E402
from aistui.playground.demo import build, load_recipe  # noqa: E402

README_MAP = '''"""The official plugin as its README shows it (AISMapDataset section), wrapped in make_loader;
without .create(exist_ok=True), since a dry-run never writes."""
import os

import torch
from aistore.pytorch import AISMapDataset
from aistore.sdk import Client

ais_url = os.getenv("AIS_ENDPOINT", "http://localhost:8080")
client = Client(ais_url)


def make_loader(num_workers=2, batch_size=32):
    return torch.utils.data.DataLoader(
        AISMapDataset(ais_source_list=[client.bucket(%(bucket)r)]),
        batch_size=batch_size, shuffle=True,
        num_workers=num_workers, pin_memory=True,
    )
'''

README_SHARD = '''"""The official plugin as its README shows it (ShardReader section) in a DataLoader."""
import os

import torch
from aistore.pytorch import AISShardReader
from aistore.sdk import Client

ais_url = os.getenv("AIS_ENDPOINT", "http://localhost:8080")
client = Client(ais_url)


def make_loader(num_workers=2, batch_size=32):
    return torch.utils.data.DataLoader(
        AISShardReader(bucket_list=client.bucket(%(bucket)r)),
        batch_size=batch_size, num_workers=num_workers,
    )
'''


def aisloader(endpoint: str, bucket: str, prefix: str, workers: int, seconds: float) -> dict | None:
    exe = shutil.which("aisloader") or str(Path(os.environ.get("AISTUI_BIN", Path.home() / ".cache/aistui/bin"))
                                           / "aisloader")
    if not Path(exe).exists():
        return None
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "stats.json"
        cmd = [exe, f"-bucket={bucket}", "-pctput=0", f"-duration={int(seconds)}s", f"-numworkers={workers}",
               "-cleanup=false", "-quiet", "-json", f"-stats-output={out}", f"-statsinterval={int(seconds) + 30}"]
        if prefix:
            cmd.append(f"-subdir={prefix}")
        subprocess.run(cmd, env={**os.environ, "AIS_ENDPOINT": endpoint}, check=True, capture_output=True,
                       timeout=seconds + 60)
        rows = json.loads(out.read_text())
    g = rows[-1]["get"]
    count, nbytes, dur = int(g["count"]), int(g["bytes"]), g["duration"] / 1e9
    return {"workers": workers, "objects": count, "bytes": nbytes, "seconds": round(dur, 3),
            "objects_per_s": round(count / dur, 1), "mib_per_s": round(nbytes / MIB / dur, 2),
            "errors": g["errors"], "avg_latency_ms": round(g["latency"] / 1e6, 3)}


async def loader_rows(name: str, spec: ExportSpec, cfg: DryRunConfig, code: str | None = None) -> dict:
    t = time.monotonic()
    result = None
    async for ev in dry_run(spec, cfg, code=code):
        if ev["kind"] == "result":
            result = ev["result"]
        elif ev["kind"] == "phase":
            print(f"  [{name}] {ev['text']}", file=sys.stderr, flush=True)
    assert result is not None
    result["name"] = name
    result["elapsed_s"] = round(time.monotonic() - t, 1)
    return result


async def main_async(args: argparse.Namespace) -> dict:
    cluster = None
    endpoint = args.endpoint
    if not endpoint:
        from aistui.playground.cluster import LocalCluster

        root = Path(tempfile.mkdtemp(prefix="aistui-loader-bench-"))
        cluster = LocalCluster(root, ntargets=args.ntargets).start()
        endpoint = cluster.endpoint
    report: dict = {"endpoint": endpoint, "ntargets": args.ntargets if cluster else None, "datasets": []}
    try:
        async with AISClient(endpoint) as c:
            recipe = load_recipe()
            recipe["buckets"] = [b for b in recipe["buckets"] if b["bucket"] in ("ais://digits", "ais://digits-shards")]
            t = time.monotonic()
            await build(c, recipe, log=lambda *a: None)
            bigs = []
            for size in args.size:
                big = Bck.parse(f"ais://bench-loader-{args.objects}-{size}")
                bigs.append((size, big))
                if "objects" not in args.sets:
                    continue
                await c.buckets.create(big, exist_ok=True)
                sem = asyncio.Semaphore(32)
                payload = os.urandom(size + args.objects)

                async def put(i: int, big: Bck = big, size: int = size, payload: bytes = payload,
                              sem: asyncio.Semaphore = sem) -> None:
                    async with sem:
                        await c.objects.put(big, f"obj/{i:07d}.bin", payload[i:i + size])

                await asyncio.gather(*(put(i) for i in range(args.objects)))
            report["setup_s"] = round(time.monotonic() - t, 1)
            classes = await discover_classes(c, Bck.parse("ais://digits"), "")
        cfg = DryRunConfig(workers=args.workers, max_batches=args.batches, max_seconds=args.seconds,
                           ref_seconds=args.ref_seconds, endpoint=endpoint)
        plans = []
        if "digits" in args.sets:
            plans.append(("digits (1,797 PNG, decode + labels)", "ais://digits", "",
                          [(st, dict(labels="folder", decode=True)) for st in args.styles if st != "readme-map"]
                          + ([("readme-map", {})] if "readme-map" in args.styles else [])))
        if "shards" in args.sets:
            plans.append(("digits-shards (9 tar shards; raw bytes, then decode + .cls labels)", "ais://digits-shards",
                          "", [("shard", {}), ("readme-shard", {}), ("shard", dict(labels="member", decode=True))]))
        if "objects" in args.sets:
            for size, big in bigs:
                plans.append((f"{args.objects:,} x {size // 1024} KiB random objects (bytes)", str(big), "",
                              [(st, {}) for st in args.styles]))
        for title, bucket, prefix, styles in plans:
            print(f"== {title}", file=sys.stderr, flush=True)
            ds = {"title": title, "bucket": bucket, "aisloader": [], "loaders": []}
            for w in args.aisloader_workers:
                ds["aisloader"].append(aisloader(endpoint, bucket, prefix, w, args.aisloader_seconds))
            for style, opts in styles:
                if style.startswith("readme"):
                    spec = ExportSpec(bucket=bucket, prefix=prefix, style="shard" if "shard" in style else "map")
                    code = (README_SHARD if "shard" in style else README_MAP) % {"bucket": Bck.parse(bucket).name}
                    ds["loaders"].append(await loader_rows(style, spec, cfg, code))
                else:
                    spec = ExportSpec(bucket=bucket, prefix=prefix, style=style, classes=classes, **opts)
                    name = style + (" (decode, labels)" if opts.get("decode") and "shards" in title else "")
                    ds["loaders"].append(await loader_rows(name, spec, cfg))
            for w in args.aisloader_workers:  # A-B-A around the loaders
                ds["aisloader"].append(aisloader(endpoint, bucket, prefix, w, args.aisloader_seconds))
            report["datasets"].append(ds)
    finally:
        if cluster is not None:
            cluster.stop()
    return report


def markdown(report: dict) -> str:
    out = []
    for ds in report["datasets"]:
        out.append(f"\n### {ds['title']}\n")
        al = [a for a in ds["aisloader"] if a]
        ceiling = None
        if al:
            best = max(al, key=lambda a: a["objects_per_s"])
            ceiling = best["objects_per_s"]
            runs = ", ".join(f"{a['workers']} workers: {a['objects_per_s']:,.0f} obj/s ({a['mib_per_s']:,.1f} MiB/s)"
                             for a in al)
            out.append(f"aisloader GET-only (before and after the loaders): {runs}\n")
        else:
            out.append("aisloader: not installed (scripts/install-aisloader.sh)\n")
        per_obj = None
        out.append("| loader | workers | TTFB s | samples/s | MiB/s | wait p50 / p99 ms | CPU cores | "
                   "core GET x | decode x | % of aisloader | bottleneck |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for res in ds["loaders"]:
            src = res["source"]
            per_obj = src["samples"] / src["objects"] if src["objects"] else 1
            for r in res["runs"]:
                s = r["steady"]
                rate = s["samples_per_s"] or 0
                pct = f"{100 * rate / (ceiling * per_obj):.1f}%" if ceiling and rate else "-"
                w = r["wait_ms"]
                out.append(
                    f"| {res['name']} | {r['workers']} | {r['ttfb']['total_s']:.2f} | {rate:,.0f} | "
                    f"{(s['mib_per_s'] or 0):,.2f} | {w['p50']:.1f} / {w['p99']:.1f}{'*' if w['p99_is_max'] else ''} | "
                    f"{r['cpu']['cores']:.2f} | {r['ratios'].get('get', '-')} | {r['ratios'].get('decode', '-')} | "
                    f"{pct} | {r['bottleneck']} |")
        rates = {(res["name"], r["workers"]): r["steady"]["samples_per_s"] or 0
                 for res in ds["loaders"] for r in res["runs"]}
        for w in sorted({w for _, w in rates}):
            if rates.get(("iter", w)) and rates.get(("pipe", w)):
                out.append(f"\npipe / iter (AISIterDataset) at num_workers={w}: "
                           f"{rates[('pipe', w)] / rates[('iter', w)]:.1f}x (target >= 3x)")
            if rates.get(("shard", w)) and rates.get(("readme-shard", w)):
                out.append(f"\nplugin README AISShardReader / generated shard loader (raw bytes) at num_workers={w}: "
                           f"{rates[('readme-shard', w)] / rates[('shard', w)]:.2f}x (target <= 1.5x)")
        g = ds["loaders"][0]["references"]["get"]
        if g:
            out.append(f"\nraw GET of the async core (16 at a time, mean of the A-B-A runs of the first loader): "
                       f"{g['objects_per_s']:,.0f} obj/s, {g['mib_per_s']:,.1f} MiB/s")
    return "\n".join(out)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", default="", help="an existing cluster (default: start a local one)")
    p.add_argument("--ntargets", type=int, default=1)
    p.add_argument("--objects", type=int, default=10_000)
    p.add_argument("--size", type=lambda s: [int(x) for x in s.split(",")], default=[100 * 1024],
                   help="object sizes in bytes, comma-separated (one bucket each)")
    p.add_argument("--sets", type=lambda s: s.split(","), default=["digits", "shards", "objects"],
                   help="datasets: digits, shards, objects (default all)")
    p.add_argument("--styles", type=lambda s: s.split(","),
                   default=["iter", "pipe", "map", "batch", "plain", "readme-map"],
                   help="per-object loaders to run (styles, and readme-map: the plugin README's)")
    p.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")], default=[0, 2])
    p.add_argument("--batches", type=int, default=300)
    p.add_argument("--seconds", type=float, default=12.0)
    p.add_argument("--ref-seconds", type=float, default=4.0)
    p.add_argument("--aisloader-workers", type=lambda s: [int(x) for x in s.split(",")], default=[4, 16])
    p.add_argument("--aisloader-seconds", type=float, default=8.0)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    if args.quick:
        args.objects, args.seconds, args.batches, args.aisloader_seconds = 1000, 5.0, 60, 3.0
    report = asyncio.run(main_async(args))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
