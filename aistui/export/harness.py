"""Run a generated loader module in this (separate) process and report what it does.

    python -m aistui.export.harness --module loader.py --workers 2 --max-batches 50 \\
        --max-seconds 20 [--sizes sizes.json]

It imports the module, calls ``make_loader(num_workers=...)`` and iterates it until the batch or
time limit (or the end of the data), discarding the data. One JSON object per line on stdout:

* ``{"ev": "start", ...}``: versions, start method, CPU count, seconds to import torch;
* ``{"ev": "batch", "i", "n", "bytes", "wait_s", "t_s"}`` per batch: ``n`` samples (counted
  from the names in the batch's first field), ``bytes`` payload bytes (object or shard-member
  sizes from ``--sizes``), ``wait_s`` time blocked in ``next()``, ``t_s`` since the start;
* ``{"ev": "done", ...}``: the stop reason, time-to-first-batch parts and the CPU seconds of
  this process and its (joined) DataLoader workers;
* ``{"ev": "error", "message"}`` when the loader fails.

With ``--live`` a thread also emits, once a second, ``{"ev": "tick", ...}``
(:class:`aistui.export.harness_live.Ticker`): the samples, bytes and batches of that second,
samples/s and MiB/s, the consumer's batch wait p50/p99 (ms) over it, the CPU of this process and
of its DataLoader workers (cores, from ``/proc/<pid>/stat``) and, with a CUDA device, the
host-to-device copy time and the GPU utilization (NVML, ``nvidia-ml-py`` imported lazily).
:func:`aistui.export.harness_live.open_device` is the one seam that needs a GPU (``--device
auto`` tries CUDA, ``none`` skips it). A live run goes on over further epochs until the batch or
time limit, so a small selection still gives ticks to watch.

With ``--ranks N`` (:func:`aistui.export.harness_ddp.run_ddp`) the module runs as N
``torch.distributed`` ranks (gloo, on this machine, started by
``torch.multiprocessing.start_processes`` with ``--start-method``), each reading one whole
epoch; after the join the parent emits one ``{"ev": "rank", "rank", "keys", "samples", "bytes",
"batches", "seconds", "ttfb_s", "sampler"}`` per rank and ``{"ev": "ddp", "wall_s"}``; the
coverage check is :mod:`aistui.export.ddp`'s.

This module runs one process's loader (:func:`run`); what the harness processes share (the JSON
lines, the ``start`` event, loading the module) is :mod:`aistui.export.harness_base`. The
harness modules (with the generated code itself) are the only place where torch is imported.
It never writes to the cluster.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import START_METHODS
from . import harness_live as live
from .harness_base import emit, keys_of, load_module, start
from .harness_ddp import run_ddp


class _WorkerStarted:
    """``worker_init_fn`` wrapper: records when each worker started (wall clock)."""

    def __init__(self, inner, stamps):
        self.inner, self.stamps = inner, stamps

    def __call__(self, worker_id: int) -> None:
        self.stamps[worker_id] = time.time()
        if self.inner is not None:
            self.inner(worker_id)


def _patch_listing(slots) -> None:
    """Accumulate the seconds spent in list-objects pages: slot 0 for this process, 1+id for
    each DataLoader worker (forked workers inherit the patch)."""
    from aistore.sdk.bucket import Bucket
    from torch.utils.data import get_worker_info

    orig = Bucket.list_objects

    def timed(self, *a, **kw):
        t = time.perf_counter()
        try:
            return orig(self, *a, **kw)
        finally:
            info = get_worker_info()
            i = 0 if info is None else 1 + info.id
            if i < len(slots):
                slots[i] += time.perf_counter() - t

    Bucket.list_objects = timed


@dataclass
class _Iteration:
    """How the batch loop ended: ``reason`` (batches, seconds, exhausted), ``batches`` taken,
    ``first`` (perf_counter of the first batch, None without one) and the slowest worker's
    listing seconds before it."""

    reason: str = "exhausted"
    batches: int = 0
    first: float | None = None
    listing_workers: float = 0.0
    it: Any = None  # the last epoch's iterator (its workers are shut down after the ticks stop)


def _iterate(it: Any, args: argparse.Namespace, sizes: dict[str, int], slots: Any, t0: float,
             ticker: live.Ticker | None = None, device: Any = None, again: Any = None) -> _Iteration:
    """Take batches from ``it`` until the batch or time limit (from ``t0``) or the end, emitting a
    ``batch`` event for each and discarding the data (after the device copy, with a device).
    With ``again`` (``--live``: the ticks watch the loader for the whole limit, however small
    the data), the end of an epoch that gave batches starts the next one (``again()``)."""
    out = _Iteration(it=it)
    deadline = t0 + args.max_seconds
    epoch = 0
    while True:
        if out.batches >= args.max_batches:
            out.reason = "batches"
            break
        if time.perf_counter() >= deadline:
            out.reason = "seconds"
            break
        w0 = time.perf_counter()
        try:
            batch = next(it)
        except StopIteration:
            if again is None or not epoch:
                break
            it = out.it = again()
            epoch = 0
            continue
        now = time.perf_counter()
        if out.first is None:
            out.first = now
            out.listing_workers = max((slots[k] for k in range(1, len(slots))), default=0.0)
        keys = keys_of(batch)
        nbytes = sum(sizes.get(str(k), 0) for k in keys)
        emit("batch", i=out.batches, n=len(keys), bytes=nbytes, wait_s=round(now - w0, 6), t_s=round(now - t0, 6))
        if ticker is not None:
            ticker.add(len(keys), nbytes, now - w0, device.copy(batch) if device is not None else (0.0, 0))
        del batch
        out.batches += 1
        epoch += 1
    return out


def run(args: argparse.Namespace) -> int:
    """Start (:func:`~aistui.export.harness_base.start`), build the loader from ``--module``,
    iterate it (:func:`_iterate`), join its workers and emit ``done`` with the
    time-to-first-batch parts and CPU seconds."""
    if args.ranks > 0:
        return run_ddp(args)
    mp = start(args)
    sizes: dict[str, int] = json.loads(Path(args.sizes).read_text()) if args.sizes else {}
    spec, module = load_module(Path(args.module).resolve())
    device = ticker = None
    if args.live:
        dev = live.open_device(args.device)
        device = None if isinstance(dev, str) else dev
        emit("device", name=getattr(device, "name", None),
             note=dev if isinstance(dev, str) else getattr(device, "note", ""))

    slots = mp.Array("d", 1 + max(args.workers, 0), lock=False)
    stamps = mp.Array("d", max(args.workers, 1), lock=False)
    _patch_listing(slots)
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    spec.loader.exec_module(module)
    loader = module.make_loader(num_workers=args.workers,
                                **({"batch_size": args.batch_size} if args.batch_size else {}))
    if args.workers > 0:
        loader.worker_init_fn = _WorkerStarted(loader.worker_init_fn, stamps)
    t_built = time.perf_counter()
    listing_main = slots[0]
    wall_iter = time.time()
    it = iter(loader)
    t_iter = time.perf_counter()
    if args.live:
        ticker = live.Ticker(t0, device)
        ticker.start()
    got = _iterate(it, args, sizes, slots, t0, ticker, device, (lambda: iter(loader)) if args.live else None)
    t_end = time.perf_counter()
    if ticker is not None:
        ticker.stop.set()
        ticker.join()
    it = got.it
    # Shut the workers down (joined, so their CPU time lands in RUSAGE_CHILDREN).
    shutdown = getattr(it, "_shutdown_workers", None)
    if shutdown is not None:
        shutdown()
    del it
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    ruc = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = [s for s in stamps[: args.workers]] if args.workers > 0 else []
    workers_s = max(0.0, max(started) - wall_iter) if started and all(started) else 0.0
    emit("done", reason=got.reason, batches=got.batches,
         construct_s=round(t_built - t0, 6), listing_main_s=round(listing_main, 6),
         listing_workers_s=round(got.listing_workers, 6), workers_start_s=round(workers_s, 6),
         iter_s=round(t_iter - t_built, 6),
         ttfb_s=round(got.first - t0, 6) if got.first is not None else None,
         wall_s=round(t_end - t0, 6),
         cpu_main_s=round((ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime), 4),
         cpu_workers_s=round(ruc.ru_utime + ruc.ru_stime, 4),
         cpu_sys_s=round(ru1.ru_stime - ru0.ru_stime + ruc.ru_stime, 4))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m aistui.export.harness")
    p.add_argument("--module", required=True, help="the generated loader (a .py file)")
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=0, help="override the module's batch size")
    p.add_argument("--max-batches", type=int, default=100)
    p.add_argument("--max-seconds", type=float, default=30.0)
    p.add_argument("--sizes", default="", help="JSON {sample key: payload bytes}")
    p.add_argument("--live", action="store_true", help="emit a tick event every second")
    p.add_argument("--device", choices=("auto", "none"), default="auto",
                   help="with --live: copy each batch to a CUDA device when there is one")
    p.add_argument("--ranks", type=int, default=0, help="run as N torch.distributed ranks (gloo), one epoch each")
    p.add_argument("--start-method", choices=START_METHODS, default="fork")
    args = p.parse_args(argv)
    try:
        return run(args)
    except Exception as e:  # noqa: BLE001 - reported to the parent as a line, never a traceback
        emit("error", message=f"{type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
