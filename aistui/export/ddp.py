"""DDP dry-run: the generated loader as N ``torch.distributed`` ranks on this machine, one epoch.

:func:`ddp_run` lists the source with the reference child (every sample key, for the check),
then runs :mod:`aistui.export.harness` with ``--ranks N --start-method M``: gloo ranks started
by ``torch.multiprocessing.start_processes``, each building the loader of the *same text* the
user copies (generated with ``ddp=True``: a ``DistributedSampler`` for the map styles, the
per-rank split of the names for the iterable styles and shards) and reading one whole epoch.
:func:`coverage` then checks that the ranks together read every sample exactly once:

* ``missing``: samples no rank read;
* ``overlap``: samples read by more than one rank (or twice by one);
* ``padding``: for a ``DistributedSampler`` (map styles, ``drop_last=False``), the samples it
  repeats so that every rank gets ``ceil(n / N)`` of them (PyTorch does this so no rank waits
  for the others' gradients); those extra reads are expected, reported, and not an overlap
  beyond their number.

Throughput per rank is samples / the rank's seconds (building the loader included, one epoch);
the aggregate is all samples read / the wall time of the whole run (ranks started and joined).
This module imports neither torch nor aistore (the children do). Nothing is written to the bucket.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import START_METHODS
from .dryrun import DryRunConfig, DryRunError, _lines, _reference, _reference_cmd, child_env
from .snippet import ExportSpec, generate, validate
from .spec import MAP_STYLES

__all__ = ["START_METHODS", "coverage", "ddp_run", "format_ddp"]



def coverage(expected: list[str], per_rank: list[list[str]], *, padded: bool) -> dict[str, Any]:
    """Check the ranks' reads (``per_rank[r]``: the sample keys rank r read, in order) against
    ``expected`` (every sample key of the source). ``padded``: a DistributedSampler without
    ``drop_last`` may repeat ``ceil(n / N) * N - n`` samples. Returns ``{"samples", "reads",
    "missing", "overlap", "padding", "unexpected", "ok"}``: counts, and up to 5 example keys
    each in ``examples``."""
    n, world = len(expected), max(1, len(per_rank))
    exp = set(expected)
    counts = Counter(k for keys in per_rank for k in keys)
    missing = sorted(exp - counts.keys())
    unexpected = sorted(counts.keys() - exp)
    extra = sum(c - 1 for c in counts.values() if c > 1)
    padding = (math.ceil(n / world) * world - n) if padded else 0
    overlap = max(0, extra - padding)
    reads = sum(counts.values())
    return {
        "samples": n, "reads": reads, "missing": len(missing), "overlap": overlap,
        "padding": min(extra, padding), "unexpected": len(unexpected),
        "ok": not missing and not unexpected and overlap == 0 and extra <= padding,
        "examples": {"missing": missing[:5], "overlap": sorted(k for k, c in counts.items() if c > 1)[:5],
                     "unexpected": unexpected[:5]},
    }


async def ddp_run(spec: ExportSpec, cfg: DryRunConfig, ranks: int, *, start_method: str = "fork",
                  workers: int = 0, code: str | None = None, python: str = sys.executable) -> AsyncIterator[dict]:
    """Events: ``{"kind": "phase", "text"}``, ``{"kind": "rank", "rank", "samples", "bytes",
    "seconds", "samples_per_s", "mib_per_s", "ttfb_s", "sampler"}`` per rank, last
    ``{"kind": "ddp", "result"}`` with ``ranks``, ``start_method``, ``workers``, ``wall_s``,
    aggregate ``samples_per_s``/``mib_per_s``, ``per_rank`` and ``coverage``
    (:func:`coverage`). ``code`` replaces the generated text (``spec`` with ``ddp=True``).
    Raises :class:`DryRunError` when a child fails or the source is empty, ``ValueError`` for
    fewer than 1 rank or an unknown start method."""
    if ranks < 1:
        raise ValueError("ranks: at least 1")
    if start_method not in START_METHODS:
        raise ValueError(f"start method: one of {', '.join(START_METHODS)}")
    spec = replace(spec, ddp=True)
    bck = validate(spec)
    code = code if code is not None else generate(spec)
    env = child_env(cfg)
    with tempfile.TemporaryDirectory(prefix="aistui-ddp-") as tmp:
        d = Path(tmp)
        module = d / "aistui_loader.py"
        module.write_text(code)
        sizes = d / "sizes.json"
        yield {"kind": "phase", "text": "listing the samples (for the coverage check)"}
        await _reference(_reference_cmd(python, spec, bck, cfg, d) + ["--sizes-out", str(sizes)], env)
        expected = list(json.loads(sizes.read_text()))
        if not expected:
            raise DryRunError("nothing to read: the bucket, prefix or selection is empty")
        yield {"kind": "phase", "text": f"running {ranks} ranks (gloo, {start_method}), one epoch each"}
        cmd = [python, "-m", "aistui.export.harness", "--module", str(module), "--workers", str(workers),
               "--sizes", str(sizes), "--ranks", str(ranks), "--start-method", start_method]
        per_rank: list[dict[str, Any]] = []
        wall = 0.0
        async with contextlib.aclosing(_lines(cmd, env)) as lines:
            async for ev in lines:
                kind = ev.get("ev")
                if kind == "error":
                    raise DryRunError(f"ddp ({ranks} ranks, {start_method}): {ev.get('message')}")
                if kind == "rank":
                    sec = ev.get("seconds") or 0.0
                    ev["samples_per_s"] = round(ev["samples"] / sec, 3) if sec else None
                    ev["mib_per_s"] = round(ev["bytes"] / (1 << 20) / sec, 4) if sec else None
                    per_rank.append(ev)
                    yield {"kind": "rank", **{k: v for k, v in ev.items() if k not in ("ev", "keys")}}
                elif kind == "ddp":
                    wall = ev.get("wall_s") or 0.0
        if len(per_rank) != ranks:
            raise DryRunError(f"ddp: {len(per_rank)} of {ranks} ranks reported")
        per_rank.sort(key=lambda r: r["rank"])
        cov = coverage(expected, [r["keys"] for r in per_rank], padded=spec.style in MAP_STYLES)
        total = sum(r["samples"] for r in per_rank)
        nbytes = sum(r["bytes"] for r in per_rank)
        result = {
            "spec": {"bucket": str(bck), "prefix": spec.prefix, "style": spec.style,
                     "batch_size": spec.batch_size, "shuffle": spec.shuffle},
            "ranks": ranks, "start_method": start_method, "workers": workers, "wall_s": wall,
            "samples_per_s": round(total / wall, 3) if wall else None,
            "mib_per_s": round(nbytes / (1 << 20) / wall, 4) if wall else None,
            "per_rank": [{k: v for k, v in r.items() if k not in ("ev", "keys")} for r in per_rank],
            "coverage": cov,
        }
        yield {"kind": "ddp", "result": result}


def format_ddp(result: dict[str, Any]) -> str:
    """The plain-text DDP report the CLI prints."""
    cov = result["coverage"]
    out = [f"ddp dry-run: {result['spec']['style']} loader on {result['spec']['bucket']}/{result['spec']['prefix']}, "
           f"{result['ranks']} ranks (gloo, {result['start_method']}), num_workers={result['workers']}, one epoch",
           f"{'rank':>4} {'samples':>8} {'batches':>7} {'seconds':>8} {'samples/s':>10} {'MiB/s':>8}  sampler"]
    for r in result["per_rank"]:
        sps = r.get("samples_per_s")
        mib = r.get("mib_per_s")
        out.append(f"{r['rank']:>4} {r['samples']:>8,} {r['batches']:>7} {r['seconds']:>8.2f} "
                   f"{(f'{sps:,.0f}' if sps else '-'):>10} {(f'{mib:,.2f}' if mib else '-'):>8}  "
                   f"{r.get('sampler') or '-'}")
    agg = result.get("samples_per_s")
    out.append(f" all {cov['reads']:>8,} {'':>7} {result['wall_s']:>8.2f} {(f'{agg:,.0f}' if agg else '-'):>10}"
               "  (wall time: ranks started, one epoch, joined)")
    word = "OK" if cov["ok"] else "FAILED"
    line = (f"coverage {word}: {cov['samples']:,} samples, {cov['reads']:,} reads, {cov['missing']} missing, "
            f"{cov['overlap']} read by more than one rank")
    if cov["padding"]:
        line += f", {cov['padding']} repeated by DistributedSampler to even the ranks (expected)"
    if cov["unexpected"]:
        line += f", {cov['unexpected']} not in the source"
    out.append(line)
    return "\n".join(out)
