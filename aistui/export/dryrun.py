"""Loader dry-run: run the generated code in separate processes and measure it, with references.

:func:`dry_run` is an async generator of progress events (for the TUI and the CLI alike) that
ends with the full result. For each ``num_workers`` in the sweep it runs the *same text* the user
copies, through :mod:`aistui.export.harness`, for N batches or T seconds, whichever comes first,
discarding the data. Around the sweep (A-B-A) it runs :mod:`aistui.export.reference`: the raw GET
rate of the async core over the same objects (the cluster's ceiling for this client) and, when
images are decoded, Pillow decode-only throughput. Everything measured runs in child processes
(own process group; cancelling kills the group), so this module imports neither torch nor
aistore, and nothing is ever written to the bucket.

Figures (units: MiB = 2^20 bytes; samples are counted from the names in each batch):

* time to first batch, split into listing (list-objects pages in the main process plus the
  slowest worker's, before the first batch), worker start, and the rest (first GETs, decode, IPC);
* steady state: samples/s and MiB/s after a warm-up of ``max(3, 2 x workers x prefetch 2)``
  batches and at least 2 s after the first batch, capped at half the batches;
* p50/p99 of the consumer's wait in ``next()`` over the steady window (``p99_is_max`` below
  100 batches);
* CPU seconds of the loader's process and its workers, and their share of one core;
* ratios ``reference rate / loader rate`` (headroom); the stage with the lowest is the bottleneck,
  or the loader itself when every reference has more than 2x headroom.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .snippet import ExportSpec, generate, validate

MIB = 1 << 20
SCHEMA_ID = "aistui.dryrun/1"
PREFETCH = 2            # DataLoader's default prefetch_factor
LOADER_BOUND = 2.0      # every reference this many times faster: the loader itself is the limit


@dataclass
class DryRunConfig:
    """``workers``: the num_workers sweep; ``max_batches``/``max_seconds``: per run, whichever
    comes first; ``ref_seconds``: per GET reference run; ``endpoint``/``token`` go to the
    children through the environment (never a file or an argument)."""

    workers: list[int] = field(default_factory=lambda: [0, 2])
    max_batches: int = 100
    max_seconds: float = 20.0
    ref_seconds: float = 4.0
    concurrency: int = 16
    endpoint: str = ""
    token: str = ""


# ----------------------------------------------------------------------------- statistics


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(q / 100 * len(s)) - 1))
    return s[k]


def warmup_batches(batches: list[dict], workers: int) -> int:
    """How many leading batches are warm-up (see the module docstring)."""
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
            "p50": None if not waits else round(percentile(waits, 50), 4),
            "p99": None if not waits else round(percentile(waits, 99), 4),
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


# ----------------------------------------------------------------------------- processes


async def _lines(cmd: list[str], env: dict[str, str]) -> AsyncIterator[dict]:
    """Run ``cmd`` in its own process group; yield its JSON lines. Cancelling (or leaving the
    loop early) kills the whole group, DataLoader workers included."""
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE, env=env,
                                                start_new_session=True, limit=1 << 24)
    ok = False
    try:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            try:
                yield json.loads(raw)
            except ValueError:
                continue
        await proc.wait()
        ok = True
        if proc.returncode:
            err = (await proc.stderr.read()).decode(errors="replace") if proc.stderr else ""
            tail = err.strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
            yield {"ev": "error", "message": tail[0]}
    finally:
        if not ok or proc.returncode is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            await proc.wait()


def child_env(cfg: DryRunConfig) -> dict[str, str]:
    env = dict(os.environ)
    if cfg.endpoint:
        env["AIS_ENDPOINT"] = cfg.endpoint
    if cfg.token:
        env["AIS_AUTHN_TOKEN"] = cfg.token
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


class DryRunError(RuntimeError):
    pass


async def dry_run(spec: ExportSpec, cfg: DryRunConfig, *, code: str | None = None,
                  python: str = sys.executable) -> AsyncIterator[dict]:
    """Events: ``{"kind": "phase", "text"}``, ``{"kind": "batch", "workers", "batches",
    "samples", "max_batches"}``, ``{"kind": "run", "run"}``, and last ``{"kind": "result",
    "result"}`` (the JSON document). Raises :class:`DryRunError` when a child fails."""
    bck = validate(spec)
    code = code if code is not None else generate(spec)
    env = child_env(cfg)
    with tempfile.TemporaryDirectory(prefix="aistui-dryrun-") as tmp:
        d = Path(tmp)
        module = d / "aistui_loader.py"
        module.write_text(code)
        sizes = d / "sizes.json"
        ref_cmd = [python, "-m", "aistui.export.reference", "--bucket", str(bck),
                   "--concurrency", str(cfg.concurrency), "--max-seconds", str(cfg.ref_seconds),
                   "--max-objects", str(max(64, cfg.max_batches * spec.batch_size))]
        if spec.names is not None:
            (d / "names.json").write_text(json.dumps(spec.names))
            ref_cmd += ["--names-file", str(d / "names.json")]
        else:
            ref_cmd += ["--prefix", spec.prefix]
        if spec.style == "shard":
            ref_cmd += ["--shards", "--image-member", spec.image_member]

        async def reference(extra: list[str]) -> dict[str, dict]:
            got: dict[str, dict] = {}
            async with contextlib.aclosing(_lines(ref_cmd + extra, env)) as lines:
                async for ev in lines:
                    if ev.get("ev") == "error":
                        raise DryRunError(f"reference: {ev.get('message')}")
                    got[ev["ev"]] = ev
            return got

        yield {"kind": "phase", "text": "listing the objects and measuring the raw GET rate"}
        first = await reference(["--sizes-out", str(sizes), "--get"]
                                + (["--decode", "--resize", str(spec.resize)] if spec.decode else []))
        listed = first.get("listed", {})
        source = {k: listed.get(k, 0) for k in ("objects", "object_bytes", "samples", "sample_bytes")}
        if not source["objects"]:
            raise DryRunError("nothing to read: the bucket, prefix or selection is empty")
        get_runs = [first["get"]] if "get" in first else []
        setup: dict[str, Any] = {}
        runs: list[dict] = []
        for w in cfg.workers:
            yield {"kind": "phase", "text": f"running the loader with num_workers={w}"}
            batches: list[dict] = []
            done: dict = {}
            cmd = [python, "-m", "aistui.export.harness", "--module", str(module), "--workers", str(w),
                   "--max-batches", str(cfg.max_batches), "--max-seconds", str(cfg.max_seconds),
                   "--sizes", str(sizes)]
            async with contextlib.aclosing(_lines(cmd, env)) as lines:
                async for ev in lines:
                    kind = ev.get("ev")
                    if kind == "start":
                        setup = {k: ev.get(k) for k in ("python", "torch", "aistore", "start_method", "cpus")}
                        setup["torch_import_s"] = ev.get("import_s")
                    elif kind == "batch":
                        batches.append(ev)
                        yield {"kind": "batch", "workers": w, "batches": len(batches),
                               "samples": sum(b["n"] for b in batches), "max_batches": cfg.max_batches}
                    elif kind == "done":
                        done = ev
                    elif kind == "error":
                        raise DryRunError(f"loader (num_workers={w}): {ev.get('message')}")
            run = summarize_run(w, batches, done)
            runs.append(run)
            yield {"kind": "run", "run": run}
        yield {"kind": "phase", "text": "measuring the raw GET rate again (A-B-A)"}
        last = await reference(["--get"])
        if "get" in last:
            get_runs.append(last["get"])
        refs = summarize_refs(get_runs, first.get("decode"), source)
        cpus = setup.get("cpus") or os.cpu_count() or 1
        for run in runs:
            add_ratios(run, refs, cpus)
        result = {
            "schema": SCHEMA_ID,
            "spec": {"bucket": str(bck), "prefix": spec.prefix, "selection": len(spec.names or []),
                     "style": spec.style, "labels": spec.labels, "decode": spec.decode,
                     "resize": spec.resize, "batch_size": spec.batch_size},
            "setup": {**setup, "endpoint": cfg.endpoint or env.get("AIS_ENDPOINT", "")},
            "limits": {"max_batches": cfg.max_batches, "max_seconds": cfg.max_seconds},
            "source": source,
            "references": refs,
            "runs": runs,
        }
        result["verdict"] = verdict(result)
        yield {"kind": "result", "result": result}


# ----------------------------------------------------------------------------- schema

_NUM = {"type": ["number", "null"]}
_RUN = {
    "type": "object",
    "required": ["workers", "reason", "batches", "samples", "bytes", "ttfb", "steady", "wait_ms", "cpu",
                 "ratios", "bottleneck"],
    "properties": {
        "workers": {"type": "integer", "minimum": 0},
        "reason": {"enum": ["batches", "seconds", "exhausted", "error"]},
        "batches": {"type": "integer", "minimum": 0},
        "samples": {"type": "integer", "minimum": 0},
        "bytes": {"type": "integer", "minimum": 0},
        "ttfb": {"type": ["object", "null"], "required": ["total_s", "listing_s", "workers_s", "first_batch_s"],
                 "properties": {k: {"type": "number", "minimum": 0}
                                for k in ("total_s", "listing_s", "workers_s", "first_batch_s")}},
        "steady": {"type": "object",
                   "required": ["warmup_batches", "batches", "samples", "bytes", "seconds", "samples_per_s",
                                "mib_per_s"],
                   "properties": {"warmup_batches": {"type": "integer"}, "batches": {"type": "integer"},
                                  "samples": {"type": "integer"}, "bytes": {"type": "integer"},
                                  "seconds": {"type": "number"}, "samples_per_s": _NUM, "mib_per_s": _NUM}},
        "wait_ms": {"type": "object", "required": ["n", "p50", "p99", "p99_is_max"],
                    "properties": {"n": {"type": "integer"}, "p50": _NUM, "p99": _NUM,
                                   "p99_is_max": {"type": "boolean"}}},
        "cpu": {"type": "object", "required": ["main_s", "workers_s", "sys_s", "wall_s", "cores"],
                "properties": {"main_s": {"type": "number"}, "workers_s": {"type": "number"},
                               "sys_s": {"type": "number"}, "wall_s": {"type": "number"}, "cores": _NUM}},
        "ratios": {"type": "object", "additionalProperties": _NUM},
        "bottleneck": {"enum": [None, "get", "decode", "loader"]},
    },
}

#: JSON Schema (draft 2020-12) of the dry-run result (``aistui export --dry-run --json``).
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "type": "object",
    "required": ["schema", "spec", "setup", "limits", "source", "references", "runs", "verdict"],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "spec": {"type": "object", "required": ["bucket", "prefix", "style", "batch_size"]},
        "setup": {"type": "object", "required": ["python", "torch", "aistore", "start_method", "cpus"]},
        "limits": {"type": "object", "required": ["max_batches", "max_seconds"]},
        "source": {"type": "object", "required": ["objects", "object_bytes", "samples", "sample_bytes"],
                   "properties": {k: {"type": "integer", "minimum": 0}
                                  for k in ("objects", "object_bytes", "samples", "sample_bytes")}},
        "references": {"type": "object", "required": ["get", "decode"],
                       "properties": {
                           "get": {"type": ["object", "null"],
                                   "required": ["runs", "objects_per_s", "mib_per_s", "samples_per_s"]},
                           "decode": {"type": ["object", "null"], "required": ["images", "seconds",
                                                                                "images_per_s_core"]}}},
        "runs": {"type": "array", "items": _RUN},
        "verdict": {"type": "string"},
    },
}


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
