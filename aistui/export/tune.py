"""The loader tuner: search styles x ``num_workers`` x batch size (x requests in flight for the
``pipe`` style) within a time budget and recommend the best configuration.

Every point is measured as the dry-run measures (:mod:`aistui.export.dryrun`): the *generated
code* of that configuration runs in a separate process (:mod:`aistui.export.harness`), warm-up
batches are excluded, samples are counted from the batch names. Around the search, the
reference child (:mod:`aistui.export.reference`) lists the objects and measures the raw GET rate
twice (A-B-A), so each point has its ratio to the GET ceiling and a named bottleneck. This
module imports neither torch nor aistore (the children do).

The search is staged, and stops early on points that are clearly worse (successive halving in
spirit; rates are samples/s in the steady state):

1. ``styles``: every candidate style once, at the spec's ``num_workers`` and batch size; a style
   below ``1/DROP`` of the best is dropped;
2. ``workers``: the kept styles over the ``num_workers`` grid (best style first); a style whose
   best falls below ``1/DROP`` of the overall best stops there;
3. ``batch``: the best two (style, workers) over the batch-size grid, and over the in-flight
   grid for ``pipe``;
4. ``confirm``: the top ``CONFIRM`` points measured again for twice as long; the pick is the best
   mean of each point's measurements.

Before each point the tuner checks the budget (its mean point time so far); what does not fit is
not measured (the first point always runs, so a small budget still gives an answer). The pick's
code is :func:`aistui.export.snippet.generate` of the spec with the picked options and a
``# Tuned by aistui`` line.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInput
from .dryrun import DryRunConfig, DryRunError, _LoaderRun, _reference, _reference_cmd, _run_loader, child_env
from .figures import STAGE_NAMES, add_ratios, summarize_refs, summarize_run
from .snippet import ExportSpec, generate, validate

__all__ = ["TuneConfig", "TuneError", "tune", "candidate_styles", "pick_text", "SCHEMA_ID", "DROP", "CONFIRM"]

SCHEMA_ID = "aistui.tune/1"
DROP = 2.0      # a point below best / DROP is clearly worse: not expanded further
CONFIRM = 3     # points measured again at the end

#: per-object styles, the likely fastest first (the order the ``styles`` stage runs them)
PER_OBJECT = ("pipe", "batch", "iter", "map", "plain")


class TuneError(RuntimeError):
    """The search could not start or measure anything (a child's error, an empty source, a
    budget too small for one point)."""


@dataclass
class TuneConfig:
    """``budget_s``: wall seconds for the whole search (references included); ``point_seconds``
    / ``point_batches``: each point's run limit (whichever comes first; the confirm stage doubles
    them); the grids (``styles`` empty: :func:`candidate_styles`); ``endpoint``/``token`` go to
    the children through the environment."""

    budget_s: float = 120.0
    point_seconds: float = 5.0
    point_batches: int = 400
    styles: list[str] = field(default_factory=list[str])
    workers: list[int] = field(default_factory=lambda: [0, 1, 2, 4])
    batch_sizes: list[int] = field(default_factory=lambda: [32, 128])
    inflight: list[int] = field(default_factory=lambda: [2, 4, 8])
    ref_seconds: float = 3.0
    endpoint: str = ""
    token: str = ""


def candidate_styles(spec: ExportSpec) -> list[str]:
    """The styles that can read ``spec``'s data with its options: ``["shard"]`` for shards,
    else the per-object styles (:data:`PER_OBJECT`) the options allow (an ETL rules out the
    get-batch styles). Raises nothing."""
    if spec.style == "shard":
        return ["shard"]
    out = []
    for style in PER_OBJECT:
        try:
            validate(spec.with_(style=style))
        except InvalidInput:
            continue
        out.append(style)
    return out


def _key(p: dict) -> tuple:
    return (p["style"], p["workers"], p["batch_size"], p["inflight"])


def _options(style: str, workers: int, batch_size: int, inflight: int | None) -> dict[str, Any]:
    return {"style": style, "num_workers": workers, "batch_size": batch_size,
            **({"inflight": inflight} if inflight is not None else {})}


def pick_text(pick: dict) -> str:
    """One line on a picked point: options, samples/s, share of the GET ceiling, bottleneck."""
    opts = f"style={pick['style']}, num_workers={pick['workers']}, batch_size={pick['batch_size']}"
    if pick.get("inflight") is not None:
        opts += f", inflight={pick['inflight']}"
    text = f"{opts}: {pick['samples_per_s']:,.0f} samples/s"
    if pick.get("get_share") is not None:
        text += f", {100 * pick['get_share']:.0f}% of the GET ceiling"
    if pick.get("bottleneck"):
        text += f"; bottleneck: {STAGE_NAMES[pick['bottleneck']]}"
    return text


def tuned_spec(spec: ExportSpec, pick: dict) -> ExportSpec:
    """``spec`` with the picked style, ``num_workers``, batch size (and in-flight requests) and a
    ``tuned`` note (written into the code as a comment)."""
    return spec.with_(**_options(pick["style"], pick["workers"], pick["batch_size"], pick.get("inflight")),
                      tuned=pick_text(pick))


class _Search:
    """The points measured so far and the budget left."""

    def __init__(self, spec: ExportSpec, cfg: TuneConfig, d: Path, env: dict[str, str], python: str,
                 t0: float) -> None:
        self.spec, self.cfg, self.d, self.env, self.python, self.t0 = spec, cfg, d, env, python, t0
        self.points: dict[tuple, dict] = {}
        self.walls: list[float] = []
        self.skipped = 0
        self.setup: dict[str, Any] = {}
        self.sizes = d / "sizes.json"

    def left(self) -> float:
        return self.cfg.budget_s - (time.monotonic() - self.t0)

    def fits(self, factor: float = 1.0) -> bool:
        """Whether one more point fits the budget (by the mean point time so far); the first
        point always runs, so a small budget still gives an answer."""
        if not self.walls:
            return True
        est = sum(self.walls) / len(self.walls)
        return est * factor + self.cfg.ref_seconds + 1.0 <= self.left()

    def rate(self, key: tuple) -> float:
        p = self.points.get(key)
        return p["samples_per_s"] if p and p["samples_per_s"] else 0.0

    def best(self) -> dict | None:
        good = [p for p in self.points.values() if p["samples_per_s"]]
        return max(good, key=lambda p: p["samples_per_s"]) if good else None

    async def measure(self, stage: str, style: str, workers: int, batch_size: int, inflight: int | None,
                      factor: float = 1.0) -> AsyncIterator[dict]:
        """Run one point (or measure a known one again); yields ``point`` events."""
        pipe_inflight = inflight if style == "pipe" else None
        key = (style, workers, batch_size, pipe_inflight)
        if key in self.points and stage != "confirm":
            return
        if not self.fits(factor):
            self.skipped += 1
            return
        code = generate(self.spec.with_(**_options(style, workers, batch_size, pipe_inflight)))
        module = self.d / f"aistui_tune_{len(self.walls)}.py"
        module.write_text(code)
        cmd = [self.python, "-m", "aistui.export.harness", "--module", str(module), "--workers", str(workers),
               "--max-batches", str(int(self.cfg.point_batches * factor)),
               "--max-seconds", str(self.cfg.point_seconds * factor), "--sizes", str(self.sizes)]
        lr = _LoaderRun(setup=self.setup)
        t = time.monotonic()
        dcfg = DryRunConfig(max_batches=int(self.cfg.point_batches * factor))
        error = ""
        try:
            async with contextlib.aclosing(_run_loader(cmd, self.env, workers, dcfg, lr)) as events:
                async for _ in events:
                    pass
        except DryRunError as e:  # this point failed (e.g. a style that cannot read this data): go on
            error = str(e)
        self.walls.append(time.monotonic() - t)
        self.setup = lr.setup
        run = summarize_run(workers, lr.batches, lr.done)
        rate = run["steady"]["samples_per_s"]
        p = self.points.get(key)
        if p is None:
            p = {"style": style, "workers": workers, "batch_size": batch_size, "inflight": pipe_inflight,
                 "stage": stage, "rates": [], "samples_per_s": None, "mib_per_s": None, "runs": [], "error": ""}
            self.points[key] = p
        p["error"] = p["error"] or error
        p["runs"].append(run)
        if rate:
            p["rates"].append(rate)
            p["samples_per_s"] = round(sum(p["rates"]) / len(p["rates"]), 3)
            good = [r["steady"]["mib_per_s"] for r in p["runs"] if r["steady"]["mib_per_s"]]
            p["mib_per_s"] = round(sum(good) / len(good), 4) if good else None
        yield {"kind": "point", "point": _public(p), "elapsed_s": round(time.monotonic() - self.t0, 2)}


def _public(p: dict) -> dict:
    """A point as events and the result carry it (without the harness runs' details)."""
    return {k: p[k] for k in ("style", "workers", "batch_size", "inflight", "stage", "rates", "samples_per_s",
                              "mib_per_s", "error")} | {k: p[k] for k in ("get_share", "bottleneck") if k in p}


async def tune(spec: ExportSpec, cfg: TuneConfig, *, python: str = sys.executable,
               exhaustive: bool = False) -> AsyncIterator[dict]:
    """Events: ``{"kind": "phase", "text"}``, ``{"kind": "point", "point", "elapsed_s"}`` per
    measurement, and last ``{"kind": "result", "result"}`` (``schema`` ``aistui.tune/1``:
    ``references``, ``points`` with ``samples_per_s``, ``get_share`` (loader / GET ceiling) and
    ``bottleneck``, ``pick``, ``code`` (the generated code with the pick), ``verdict``).
    Raises :class:`TuneError` when a child fails, the source is empty or no point fits the
    budget, :class:`InvalidInput` for options that cannot work. Only reads from the cluster.

    ``exhaustive``: measure every point of the grid once instead (stage ``grid``; no early stop,
    no confirm), within the budget: the reference the tuner's pick is compared with in
    ``bench/bench_tuner.py``."""
    bck = validate(spec)
    styles = cfg.styles or candidate_styles(spec)
    for s in styles:
        validate(spec.with_(style=s))
    t0 = time.monotonic()
    env = child_env(DryRunConfig(endpoint=cfg.endpoint, token=cfg.token))
    rcfg = DryRunConfig(ref_seconds=cfg.ref_seconds, max_batches=cfg.point_batches, concurrency=16)
    with tempfile.TemporaryDirectory(prefix="aistui-tune-") as tmp:
        d = Path(tmp)
        s = _Search(spec, cfg, d, env, python, t0)
        ref_cmd = _reference_cmd(python, spec, bck, rcfg, d)
        yield {"kind": "phase", "text": "listing the objects and measuring the raw GET rate"}
        try:
            first = await _reference(ref_cmd + ["--sizes-out", str(s.sizes), "--get"], env)
        except DryRunError as e:
            raise TuneError(str(e)) from e
        listed = first.get("listed", {})
        source = {k: listed.get(k, 0) for k in ("objects", "object_bytes", "samples", "sample_bytes")}
        if not source["objects"]:
            raise TuneError("nothing to read: the bucket, prefix or selection is empty")
        get_runs = [first["get"]] if "get" in first else []
        w0 = spec.num_workers if spec.num_workers in cfg.workers else (cfg.workers[len(cfg.workers) // 2]
                                                                         if cfg.workers else spec.num_workers)
        bs0 = spec.batch_size
        k0 = spec.inflight
        try:
            if exhaustive:
                yield {"kind": "phase", "text": "the full grid"}
                for st in styles:
                    for w in cfg.workers:
                        for bs in cfg.batch_sizes:
                            for k in (cfg.inflight if st == "pipe" else [None]):
                                async for ev in s.measure("grid", st, w, bs, k):
                                    yield ev
            else:
                # 1. styles
                yield {"kind": "phase", "text": f"styles at num_workers={w0}, batch_size={bs0}"}
                for st in styles:
                    async for ev in s.measure("styles", st, w0, bs0, k0):
                        yield ev
                best = s.best()
                if best is None:
                    raise TuneError("no point measured: raise the budget (a point takes "
                                    f"~{cfg.point_seconds + 4:.0f} s plus the references)")
                kept = [st for st in styles if s.rate((st, w0, bs0, k0 if st == "pipe" else None))
                        >= best["samples_per_s"] / DROP]
                kept.sort(key=lambda st: -s.rate((st, w0, bs0, k0 if st == "pipe" else None)))
                # 2. workers
                yield {"kind": "phase", "text": f"num_workers for {', '.join(kept)}"}
                for st in kept:
                    ki = k0 if st == "pipe" else None
                    for w in cfg.workers:
                        async for ev in s.measure("workers", st, w, bs0, ki):
                            yield ev
                        top = s.best()
                        mine = max(s.rate((st, x, bs0, ki)) for x in cfg.workers)
                        if top and mine < top["samples_per_s"] / DROP:
                            break  # clearly worse: the rest of this style's workers are not run
                # 3. batch size (and in-flight requests for pipe) around the best two
                ranked = sorted((p for p in s.points.values() if p["samples_per_s"]), key=lambda p: -p["samples_per_s"])
                seeds, seen_styles = [], set()
                for p in ranked:
                    if p["style"] not in seen_styles:
                        seeds.append(p)
                        seen_styles.add(p["style"])
                    if len(seeds) == 2:
                        break
                yield {"kind": "phase", "text": "batch size" + (" and requests in flight" if "pipe" in seen_styles
                                                                 else "")}
                for p in seeds:
                    for bs in cfg.batch_sizes:
                        async for ev in s.measure("batch", p["style"], p["workers"], bs, p["inflight"]):
                            yield ev
                    if p["style"] == "pipe":
                        same = [q for q in s.points.values()
                                if q["style"] == "pipe" and q["workers"] == p["workers"] and q["samples_per_s"]]
                        bbest = max(same, key=lambda q: q["samples_per_s"])
                        for k in cfg.inflight:
                            async for ev in s.measure("batch", "pipe", p["workers"], bbest["batch_size"], k):
                                yield ev
                # 4. confirm the top points, measured again for twice as long
                ranked = sorted((p for p in s.points.values() if p["samples_per_s"]), key=lambda p: -p["samples_per_s"])
                top = ranked[:CONFIRM]
                if len(top) > 1:
                    yield {"kind": "phase", "text": f"measuring the best {len(top)} again"}
                    for p in top:
                        async for ev in s.measure("confirm", p["style"], p["workers"], p["batch_size"], p["inflight"],
                                                  factor=2.0):
                            yield ev
        except DryRunError as e:
            raise TuneError(str(e)) from e
        yield {"kind": "phase", "text": "measuring the raw GET rate again (A-B-A)"}
        try:
            last = await _reference(ref_cmd + ["--get"], env)
        except DryRunError as e:
            raise TuneError(str(e)) from e
        if "get" in last:
            get_runs.append(last["get"])
        refs = summarize_refs(get_runs, None, source)
        cpus = s.setup.get("cpus") or os.cpu_count() or 1
        points = []
        for p in s.points.values():
            best_run = max(p["runs"], key=lambda r: r["steady"]["samples_per_s"] or 0.0)
            run = {**best_run, "steady": {**best_run["steady"], "samples_per_s": p["samples_per_s"]}}
            add_ratios(run, refs, cpus)
            g = refs.get("get")
            p["get_share"] = (round(p["samples_per_s"] / g["samples_per_s"], 4)
                              if g and g.get("samples_per_s") and p["samples_per_s"] else None)
            p["bottleneck"] = run["bottleneck"]
            points.append(_public(p))
        best = s.best()
        if best is None:
            raise TuneError("no point gave steady-state figures: raise the budget or the seconds per point")
        pick = _public(best)
        code = generate(tuned_spec(spec, pick))
        result = {
            "schema": SCHEMA_ID,
            "spec": {"bucket": str(bck), "prefix": spec.prefix, "selection": len(spec.names or []),
                     "labels": spec.labels, "decode": spec.decode},
            "setup": {**s.setup, "endpoint": cfg.endpoint or env.get("AIS_ENDPOINT", "")},
            "budget_s": cfg.budget_s,
            "elapsed_s": round(time.monotonic() - t0, 2),
            "grid": {"styles": styles, "workers": cfg.workers, "batch_sizes": cfg.batch_sizes,
                     "inflight": cfg.inflight, "point_seconds": cfg.point_seconds},
            "source": source,
            "references": refs,
            "points": points,
            "skipped": s.skipped,
            "pick": pick,
            "code": code,
            "verdict": "pick: " + pick_text(pick),
        }
        yield {"kind": "result", "result": result}


def format_text(result: dict) -> str:
    """The plain-text report of a search (``aistui export --tune`` without ``--json``)."""
    out = [f"tune: {result['spec']['bucket']}/{result['spec']['prefix']}: {result['source']['samples']:,} samples; "
           f"{len(result['points'])} points in {result['elapsed_s']:.0f} s of a {result['budget_s']:.0f} s budget"
           + (f" ({result['skipped']} not run: budget)" if result["skipped"] else "")]
    g = result["references"].get("get")
    if g:
        out.append(f"GET ceiling (async core, {g.get('concurrency')} at a time): {g['samples_per_s']:,.0f} samples/s")
    out.append(f"{'style':<6} {'workers':>7} {'batch':>6} {'inflight':>8} {'samples/s':>10} {'% GET':>6}  "
               "stage     bottleneck")
    for p in sorted(result["points"], key=lambda p: -(p["samples_per_s"] or 0)):
        share = f"{100 * p['get_share']:.0f}%" if p.get("get_share") is not None else "-"
        rate = f"{p['samples_per_s']:,.0f}" if p["samples_per_s"] else "-"
        out.append(f"{p['style']:<6} {p['workers']:>7} {p['batch_size']:>6} "
                   f"{p['inflight'] if p['inflight'] is not None else '-':>8} {rate:>10} {share:>6}  "
                   f"{p['stage']:<9} {p.get('bottleneck') or '-'}")
    out.append(result["verdict"])
    return "\n".join(out)
