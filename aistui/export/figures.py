"""The figures of a loader dry-run (:mod:`aistui.export.dryrun`): warm-up, steady state, waits,
CPU, reference ratios and the bottleneck, from the JSON events of the child processes
(:mod:`aistui.export.harness`, :mod:`aistui.export.reference`), and the plain-text report. Pure
functions over dicts; units: MiB = 2^20 bytes, seconds, samples counted from the batch names.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MIB", "PREFETCH", "LOADER_BOUND", "STAGE_NAMES", "percentile", "warmup_batches", "summarize_run",
           "add_ratios", "verdict", "summarize_refs", "format_text"]

MIB = 1 << 20
PREFETCH = 2            # DataLoader's default prefetch_factor
LOADER_BOUND = 2.0      # every reference this many times faster: the loader itself is the limit


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(q / 100 * len(s)) - 1))
    return s[k]


def _round(v: float | None, digits: int) -> float | None:
    """``round(v, digits)``, None for None (a percentile of no values)."""
    return None if v is None else round(v, digits)


def warmup_batches(batches: list[dict], workers: int) -> int:
    """How many leading batches are warm-up (see :mod:`aistui.export.dryrun`)."""
    n = len(batches)
    if n < 2:
        return 0
    k = max(3, 2 * workers * PREFETCH)
    t_first = batches[0]["t_s"]
    while k < n and batches[k - 1]["t_s"] < t_first + 2.0:
        k += 1
    return min(k, n // 2)


def summarize_run(workers: int, batches: list[dict], done: dict) -> dict:
    """One sweep point from the harness's events."""
    samples = sum(b["n"] for b in batches)
    nbytes = sum(b["bytes"] for b in batches)
    w = warmup_batches(batches, workers)
    steady_b = batches[w:]
    if w:
        t_from = batches[w - 1]["t_s"]
    else:  # too few batches for a warm-up: the window starts when the first batch was asked for
        t_from = batches[0]["t_s"] - batches[0]["wait_s"] if batches else 0.0
    seconds = (steady_b[-1]["t_s"] - t_from) if steady_b else 0.0
    s_samples = sum(b["n"] for b in steady_b)
    s_bytes = sum(b["bytes"] for b in steady_b)
    waits = [b["wait_s"] * 1000 for b in steady_b]
    ttfb = done.get("ttfb_s")
    listing = done.get("listing_main_s", 0.0) + done.get("listing_workers_s", 0.0)
    start = done.get("workers_start_s", 0.0)
    wall = done.get("wall_s") or 0.0
    cpu_main, cpu_workers = done.get("cpu_main_s", 0.0), done.get("cpu_workers_s", 0.0)
    return {
        "workers": workers,
        "reason": done.get("reason", "error"),
        "batches": len(batches),
        "samples": samples,
        "bytes": nbytes,
        "ttfb": None if ttfb is None else {
            "total_s": ttfb,
            "listing_s": round(min(listing, ttfb), 6),
            "workers_s": round(min(start, max(0.0, ttfb - listing)), 6),
            "first_batch_s": round(max(0.0, ttfb - listing - start), 6),
        },
        "steady": {
            "warmup_batches": w,
            "batches": len(steady_b),
            "samples": s_samples,
            "bytes": s_bytes,
            "seconds": round(seconds, 6),
            "samples_per_s": round(s_samples / seconds, 3) if seconds > 0 else None,
            "mib_per_s": round(s_bytes / MIB / seconds, 4) if seconds > 0 else None,
        },
        "wait_ms": {
            "n": len(waits),
            "p50": _round(percentile(waits, 50), 4),
            "p99": _round(percentile(waits, 99), 4),
            "p99_is_max": len(waits) < 100,
        },
        "cpu": {
            "main_s": cpu_main,
            "workers_s": cpu_workers,
            "sys_s": done.get("cpu_sys_s", 0.0),
            "wall_s": wall,
            "cores": round((cpu_main + cpu_workers) / wall, 3) if wall else None,
        },
    }


def add_ratios(run: dict, refs: dict, cpus: int) -> None:
    """``ratios`` (reference / loader, samples per second) and ``bottleneck`` for one run."""
    rate = run["steady"]["samples_per_s"]
    ratios: dict[str, float | None] = {}
    get = refs.get("get")
    if get and get.get("samples_per_s"):
        ratios["get"] = round(get["samples_per_s"] / rate, 3) if rate else None
    dec = refs.get("decode")
    if dec and dec.get("images_per_s_core"):
        cores = min(cpus, max(1, run["workers"]))
        ratios["decode"] = round(dec["images_per_s_core"] * cores / rate, 3) if rate else None
    run["ratios"] = ratios
    known = {k: v for k, v in ratios.items() if v is not None}
    if not known:
        run["bottleneck"] = None
    elif min(known.values()) > LOADER_BOUND:
        run["bottleneck"] = "loader"
    else:
        run["bottleneck"] = min(known, key=known.__getitem__)


STAGE_NAMES = {"get": "GET (cluster + client ceiling)", "decode": "image decode (CPU)",
               "loader": "the loader itself (per-sample Python work and worker IPC)"}


def verdict(result: dict) -> str:
    """One line on the best run: its num_workers, samples/s, share of the GET ceiling and the
    bottleneck stage (:data:`STAGE_NAMES`)."""
    runs = [r for r in result["runs"] if r["steady"]["samples_per_s"]]
    if not runs:
        return "no steady-state figures (too few batches): raise the batch or time limit"
    best = max(runs, key=lambda r: r["steady"]["samples_per_s"])
    text = f"best: num_workers={best['workers']}, {best['steady']['samples_per_s']:,.0f} samples/s"
    g = best["ratios"].get("get")
    if g:
        text += f", {100 / g:.0f}% of the GET ceiling"
    if best.get("bottleneck"):
        text += f"; bottleneck: {STAGE_NAMES[best['bottleneck']]}"
    return text


def summarize_refs(get_runs: list[dict], decode: dict | None, source: dict) -> dict:
    """Mean of the A-B-A GET runs, converted to samples (a shard GET brings many samples)."""
    per_obj = source["samples"] / source["objects"] if source.get("objects") else 1.0
    refs: dict[str, Any] = {"get": None, "decode": None}
    good = [g for g in get_runs if g.get("seconds")]
    if good:
        ops = sum(g["objects"] / g["seconds"] for g in good) / len(good)
        mib = sum(g["bytes"] / MIB / g["seconds"] for g in good) / len(good)
        refs["get"] = {"runs": get_runs, "objects_per_s": round(ops, 3), "mib_per_s": round(mib, 4),
                       "samples_per_s": round(ops * per_obj, 3), "samples_per_object": round(per_obj, 4),
                       "concurrency": good[0].get("concurrency")}
    if decode and decode.get("seconds"):
        refs["decode"] = {**decode, "images_per_s_core": round(decode["images"] / decode["seconds"], 3)}
    return refs


def format_text(result: dict) -> str:
    """The plain-text report the CLI prints (the TUI draws the same figures as a table)."""
    out = []
    src = result["source"]
    spec = result["spec"]
    setup = result["setup"]
    out.append(f"dry-run: {spec['style']} loader on {spec['bucket']}/{spec['prefix']}: {src['objects']:,} objects, "
               f"{src['samples']:,} samples, {src['sample_bytes'] / MIB:,.1f} MiB")
    out.append(f"setup: python {setup.get('python')}, torch {setup.get('torch')}, aistore {setup.get('aistore')}, "
               f"{setup.get('cpus')} CPUs, start method {setup.get('start_method')}")
    refs = result["references"]
    if refs.get("get"):
        g = refs["get"]
        out.append(f"reference GET (async core, {g.get('concurrency')} at a time): "
                   f"{g['objects_per_s']:,.0f} objects/s, "
                   f"{g['mib_per_s']:,.1f} MiB/s = {g['samples_per_s']:,.0f} samples/s")
    if refs.get("decode"):
        dd = refs["decode"]
        out.append(f"reference decode (Pillow, 1 core): {dd['images_per_s_core']:,.0f} images/s")
    head = (f"{'workers':>7} {'TTFB s':>7} {'list':>6} {'start':>6} {'1st':>6} {'samples/s':>10} {'MiB/s':>8} "
            f"{'wait p50':>9} {'p99 ms':>8} {'CPU':>5} {'GET x':>6} {'dec x':>6}  bottleneck")
    out.append(head)
    for r in result["runs"]:
        t = r["ttfb"] or {}
        s = r["steady"]
        w = r["wait_ms"]

        def f(v, fmt):
            return format(v, fmt) if isinstance(v, (int, float)) else "-"

        p99 = f(w["p99"], ".1f") + ("*" if w["p99_is_max"] and w["p99"] is not None else "")
        out.append(f"{r['workers']:>7} {f(t.get('total_s'), '.2f'):>7} {f(t.get('listing_s'), '.2f'):>6} "
                   f"{f(t.get('workers_s'), '.2f'):>6} {f(t.get('first_batch_s'), '.2f'):>6} "
                   f"{f(s['samples_per_s'], ',.0f'):>10} {f(s['mib_per_s'], ',.2f'):>8} {f(w['p50'], '.1f'):>9} "
                   f"{p99:>8} {f(r['cpu']['cores'], '.2f'):>5} {f(r['ratios'].get('get'), '.2f'):>6} "
                   f"{f(r['ratios'].get('decode'), '.2f'):>6}  {r.get('bottleneck') or '-'}")
    out.append("(steady state after warm-up; p99* = max, fewer than 100 batches; CPU in cores; "
               "GET x / dec x = reference rate / loader rate, MiB = 2^20 bytes)")
    out.append(result["verdict"])
    return "\n".join(out)
