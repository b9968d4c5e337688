"""The tuner's pick against the best point of the full grid, on the same objects of one cluster.

    python bench/bench_tuner.py --endpoint http://127.0.0.1:8080 --bucket ais://b --prefix obj/ \\
        --budget 120 --json tuner-results.json

1. the full grid (:func:`aistui.export.tune.tune` with ``exhaustive=True``): every style x
   num_workers x batch size (x requests in flight for ``pipe``) measured once;
2. the tuner (the staged search, early stops) within ``--budget`` seconds;
3. the tuner's pick and the grid's best point measured again, alternately (A-B-A-B...,
   ``--repeats`` each, twice as long as a grid point), since one measurement on a shared 2-core
   box varies by 10-20%: the verdict compares their medians (target: the pick >= 90% of the
   grid's best).

Every point runs the generated code in a separate process as the dry-run does (warm-up
excluded, samples counted). Units: samples/s. Without ``--endpoint`` a local cluster is started
and ``--objects`` objects of ``--size`` bytes are written to ``ais://bench-tuner``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aistui.core import AISClient, Bck  # noqa: E402
from aistui.export.snippet import ExportSpec  # noqa: E402
from aistui.export.tune import TuneConfig, tune  # noqa: E402


async def run(spec: ExportSpec, cfg: TuneConfig, exhaustive: bool, label: str) -> dict:
    result = None
    async for ev in tune(spec, cfg, exhaustive=exhaustive):
        if ev["kind"] == "point":
            p = ev["point"]
            print(f"  [{label}] {p['style']} w={p['workers']} bs={p['batch_size']} k={p['inflight']}: "
                  f"{p['samples_per_s'] or 0:,.0f}/s", file=sys.stderr, flush=True)
        elif ev["kind"] == "result":
            result = ev["result"]
    assert result is not None
    return result


def one_point(cfg: TuneConfig, p: dict, seconds: float) -> TuneConfig:
    return TuneConfig(budget_s=10_000, point_seconds=seconds, point_batches=100_000, styles=[p["style"]],
                      workers=[p["workers"]], batch_sizes=[p["batch_size"]],
                      inflight=[p["inflight"] if p["inflight"] is not None else 4], ref_seconds=1.0,
                      endpoint=cfg.endpoint)


async def main_async(args: argparse.Namespace) -> dict:
    cluster = None
    endpoint = args.endpoint
    if not endpoint:
        from aistui.playground.cluster import LocalCluster

        cluster = LocalCluster(Path(tempfile.mkdtemp(prefix="aistui-tuner-bench-")), ntargets=1).start()
        endpoint = cluster.endpoint
    try:
        bucket, prefix = args.bucket, args.prefix
        if not bucket:
            bucket, prefix = "ais://bench-tuner", "obj/"
            async with AISClient(endpoint) as c:
                bck = Bck.parse(bucket)
                await c.buckets.create(bck, exist_ok=True)
                payload = os.urandom(args.size + args.objects)
                sem = asyncio.Semaphore(32)

                async def put(i: int) -> None:
                    async with sem:
                        await c.objects.put(bck, f"obj/{i:07d}.bin", payload[i:i + args.size])

                await asyncio.gather(*(put(i) for i in range(args.objects)))
        spec = ExportSpec(bucket=bucket, prefix=prefix)
        grid_cfg = TuneConfig(budget_s=100_000, point_seconds=args.point_seconds, styles=args.styles,
                              workers=args.workers, batch_sizes=args.batch_sizes, inflight=args.inflight,
                              endpoint=endpoint)
        t = time.monotonic()
        if args.grid_json:  # the grid of an earlier run on the same objects (it takes ~10 min here)
            old = json.loads(args.grid_json.read_text())
            grid = {"points": old["grid"]["points"], "pick": old["grid"]["pick"],
                    "source": {"objects": old["objects"]}}
            grid_s = old["grid"]["elapsed_s"]
        else:
            grid = await run(spec, grid_cfg, True, "grid")
            grid_s = time.monotonic() - t
        tune_cfg = TuneConfig(**{**grid_cfg.__dict__, "budget_s": args.budget})
        t = time.monotonic()
        tuned = await run(spec, tune_cfg, False, "tuner")
        tune_s = time.monotonic() - t
        best, pick = grid["pick"], tuned["pick"]
        again: dict[str, list[float]] = {"grid_best": [], "tuner_pick": []}
        same = (best["style"], best["workers"], best["batch_size"], best["inflight"]) == \
            (pick["style"], pick["workers"], pick["batch_size"], pick["inflight"])
        for _ in range(args.repeats):
            for name, p in (("grid_best", best), ("tuner_pick", pick)):
                if same and name == "tuner_pick":
                    continue
                r = await run(spec, one_point(grid_cfg, p, 2 * args.point_seconds), True, f"again {name}")
                again[name].append(r["pick"]["samples_per_s"] or 0.0)
        if same:
            again["tuner_pick"] = list(again["grid_best"])
        med = {k: statistics.median(v) for k, v in again.items()}
        ratio = med["tuner_pick"] / med["grid_best"] if med["grid_best"] else None
        return {"endpoint": endpoint, "bucket": bucket, "prefix": prefix, "objects": grid["source"]["objects"],
                "grid": {"points": grid["points"], "pick": best, "elapsed_s": round(grid_s, 1)},
                "tuner": {"points": tuned["points"], "pick": pick, "elapsed_s": round(tune_s, 1),
                          "budget_s": args.budget, "skipped": tuned["skipped"]},
                "again": again, "medians": med, "same_point": same,
                "ratio": round(ratio, 3) if ratio else None}
    finally:
        if cluster is not None:
            cluster.stop()


def markdown(rep: dict) -> str:
    def opts(p: dict) -> str:
        return (f"{p['style']}, num_workers={p['workers']}, batch_size={p['batch_size']}"
                + (f", inflight={p['inflight']}" if p["inflight"] is not None else ""))

    g, t = rep["grid"], rep["tuner"]
    out = [f"{rep['objects']:,} objects of {rep['bucket']}/{rep['prefix']}",
           f"- full grid: {len(g['points'])} points in {g['elapsed_s']:.0f} s; best {opts(g['pick'])}: "
           f"{g['pick']['samples_per_s']:,.0f} samples/s",
           f"- tuner: {len(t['points'])} points in {t['elapsed_s']:.0f} s (budget {t['budget_s']:.0f} s, "
           f"{t['skipped']} not run); pick {opts(t['pick'])}: {t['pick']['samples_per_s']:,.0f} samples/s",
           f"- measured again alternately ({len(rep['again']['grid_best'])} runs each): grid best "
           f"{', '.join(f'{x:,.0f}' for x in rep['again']['grid_best'])}; tuner pick "
           f"{', '.join(f'{x:,.0f}' for x in rep['again']['tuner_pick'])}"
           + (" (the same point)" if rep["same_point"] else ""),
           f"- tuner pick / grid best (medians): {rep['ratio']:.2f} (target >= 0.90)"]
    return "\n".join(out)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ints = lambda s: [int(x) for x in s.split(",")]  # noqa: E731
    p.add_argument("--endpoint", default="")
    p.add_argument("--bucket", default="", help="default: write --objects objects to ais://bench-tuner")
    p.add_argument("--prefix", default="")
    p.add_argument("--objects", type=int, default=5000)
    p.add_argument("--size", type=int, default=10 * 1024)
    p.add_argument("--styles", type=lambda s: s.split(","), default=["pipe", "batch", "iter", "plain"])
    p.add_argument("--workers", type=ints, default=[0, 1, 2, 4])
    p.add_argument("--batch-sizes", type=ints, default=[32, 128])
    p.add_argument("--inflight", type=ints, default=[2, 4, 8])
    p.add_argument("--point-seconds", type=float, default=4.0)
    p.add_argument("--budget", type=float, default=120.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--grid-json", type=Path, help="reuse the full grid of an earlier --json output")
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    rep = asyncio.run(main_async(args))
    if args.json:
        args.json.write_text(json.dumps(rep, indent=1))
    print(markdown(rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
