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
import os
import signal
import sys
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .figures import (
    MIB,
    add_ratios,
    format_text,
    percentile,
    summarize_refs,
    summarize_run,
    verdict,
    warmup_batches,
)
from .schema import SCHEMA, SCHEMA_ID
from .snippet import ExportSpec, generate, validate

__all__ = ["DryRunConfig", "DryRunError", "dry_run", "child_env", "SCHEMA", "SCHEMA_ID", "MIB", "format_text",
           "percentile", "warmup_batches", "summarize_run", "add_ratios", "verdict", "summarize_refs"]


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
    live: bool = False  # the harness emits per-second ticks (``{"kind": "tick"}`` events)


# ----------------------------------------------------------------------------- processes


async def _lines(cmd: list[str], env: dict[str, str]) -> AsyncGenerator[dict, None]:
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
    """The children's environment: this one, plus ``AIS_ENDPOINT`` / ``AIS_AUTHN_TOKEN`` from ``cfg``
    (never a file or an argument) and unbuffered output."""
    env = dict(os.environ)
    if cfg.endpoint:
        env["AIS_ENDPOINT"] = cfg.endpoint
    if cfg.token:
        env["AIS_AUTHN_TOKEN"] = cfg.token
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


class DryRunError(RuntimeError):
    """A dry-run child failed (its last stderr line), or there is nothing to read."""


def _reference_cmd(python: str, spec: ExportSpec, bck: Any, cfg: DryRunConfig, d: Path) -> list[str]:
    """The ``python -m aistui.export.reference`` command over the spec's objects (a names file in
    ``d`` for a selection, else the prefix), without the measuring flags."""
    cmd = [python, "-m", "aistui.export.reference", "--bucket", str(bck),
           "--concurrency", str(cfg.concurrency), "--max-seconds", str(cfg.ref_seconds),
           "--max-objects", str(max(64, cfg.max_batches * spec.batch_size))]
    if spec.names is not None:
        (d / "names.json").write_text(json.dumps(spec.names))
        cmd += ["--names-file", str(d / "names.json")]
    else:
        cmd += ["--prefix", spec.prefix]
    if spec.style == "shard":
        cmd += ["--shards", "--image-member", spec.image_member]
    return cmd


async def _reference(cmd: list[str], env: dict[str, str]) -> dict[str, dict]:
    """Run the reference child; its events by kind (``listed``, ``get``, ``decode``). Raises
    :class:`DryRunError` on its error event."""
    got: dict[str, dict] = {}
    async with contextlib.aclosing(_lines(cmd, env)) as lines:
        async for ev in lines:
            if ev.get("ev") == "error":
                raise DryRunError(f"reference: {ev.get('message')}")
            got[ev["ev"]] = ev
    return got


@dataclass
class _LoaderRun:
    """What one harness run reported: its batch events, its ``done`` event and (from its
    ``start`` event) the setup: versions, start method, CPUs, torch import seconds."""

    batches: list[dict] = field(default_factory=list)
    done: dict = field(default_factory=dict)
    setup: dict[str, Any] = field(default_factory=dict)


async def _run_loader(cmd: list[str], env: dict[str, str], w: int, cfg: DryRunConfig,
                      out: _LoaderRun) -> AsyncGenerator[dict, None]:
    """Run the harness child with ``num_workers=w``, filling ``out``; yields a ``batch`` progress
    event per batch. Raises :class:`DryRunError` on its error event."""
    async with contextlib.aclosing(_lines(cmd, env)) as lines:
        async for ev in lines:
            kind = ev.get("ev")
            if kind == "start":
                out.setup = {k: ev.get(k) for k in ("python", "torch", "aistore", "start_method", "cpus")}
                out.setup["torch_import_s"] = ev.get("import_s")
            elif kind == "batch":
                out.batches.append(ev)
                yield {"kind": "batch", "workers": w, "batches": len(out.batches),
                       "samples": sum(b["n"] for b in out.batches), "max_batches": cfg.max_batches}
            elif kind in ("tick", "device"):
                yield {**ev, "kind": kind, "workers": w}
            elif kind == "done":
                out.done = ev
            elif kind == "error":
                raise DryRunError(f"loader (num_workers={w}): {ev.get('message')}")


def _result(spec: ExportSpec, bck: Any, cfg: DryRunConfig, env: dict[str, str], setup: dict[str, Any],
            source: dict[str, Any], refs: dict, runs: list[dict]) -> dict:
    """The result document (:data:`SCHEMA`), with its verdict."""
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
    return result


async def dry_run(spec: ExportSpec, cfg: DryRunConfig, *, code: str | None = None,
                  python: str = sys.executable) -> AsyncIterator[dict]:
    """Events: ``{"kind": "phase", "text"}``, ``{"kind": "reference", "source", "references"}``
    (after the first reference run), ``{"kind": "batch", "workers", "batches", "samples",
    "max_batches"}``, with ``cfg.live`` the harness's ``tick`` and ``device`` events (with
    ``kind`` and ``workers``), ``{"kind": "run", "run"}``, and last ``{"kind": "result",
    "result"}`` (the JSON document). Raises :class:`DryRunError` when a child fails.

    Steps: the reference child lists the objects (sizes to ``sizes.json``) and measures GET (and
    decode); the harness child runs the loader once per ``cfg.workers``; the reference measures GET
    again (A-B-A); then the figures (:mod:`aistui.export.figures`)."""
    bck = validate(spec)
    code = code if code is not None else generate(spec)
    env = child_env(cfg)
    with tempfile.TemporaryDirectory(prefix="aistui-dryrun-") as tmp:
        d = Path(tmp)
        module = d / "aistui_loader.py"
        module.write_text(code)
        sizes = d / "sizes.json"
        ref_cmd = _reference_cmd(python, spec, bck, cfg, d)

        yield {"kind": "phase", "text": "listing the objects and measuring the raw GET rate"}
        first = await _reference(ref_cmd + ["--sizes-out", str(sizes), "--get"]
                                 + (["--decode", "--resize", str(spec.resize)] if spec.decode else []), env)
        listed = first.get("listed", {})
        source = {k: listed.get(k, 0) for k in ("objects", "object_bytes", "samples", "sample_bytes")}
        if not source["objects"]:
            raise DryRunError("nothing to read: the bucket, prefix or selection is empty")
        get_runs = [first["get"]] if "get" in first else []
        yield {"kind": "reference", "source": source,
               "references": summarize_refs(get_runs, first.get("decode"), source)}
        setup: dict[str, Any] = {}
        runs: list[dict] = []
        for w in cfg.workers:
            yield {"kind": "phase", "text": f"running the loader with num_workers={w}"}
            cmd = [python, "-m", "aistui.export.harness", "--module", str(module), "--workers", str(w),
                   "--max-batches", str(cfg.max_batches), "--max-seconds", str(cfg.max_seconds),
                   "--sizes", str(sizes)] + (["--live"] if cfg.live else [])
            lr = _LoaderRun(setup=setup)
            async with contextlib.aclosing(_run_loader(cmd, env, w, cfg, lr)) as events:
                async for ev in events:  # closed with dry_run, so a cancel kills the children
                    yield ev
            setup = lr.setup
            run = summarize_run(w, lr.batches, lr.done)
            runs.append(run)
            yield {"kind": "run", "run": run}
        yield {"kind": "phase", "text": "measuring the raw GET rate again (A-B-A)"}
        last = await _reference(ref_cmd + ["--get"], env)
        if "get" in last:
            get_runs.append(last["get"])
        refs = summarize_refs(get_runs, first.get("decode"), source)
        cpus = setup.get("cpus") or os.cpu_count() or 1
        for run in runs:
            add_ratios(run, refs, cpus)
        yield {"kind": "result", "result": _result(spec, bck, cfg, env, setup, source, refs, runs)}
