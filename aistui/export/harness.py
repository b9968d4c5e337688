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

With ``--live`` a thread also emits, once a second, ``{"ev": "tick", ...}`` (:class:`_Ticker`):
the samples, bytes and batches of that second, samples/s and MiB/s, the consumer's batch wait
p50/p99 (ms) over it, the CPU of this process and of its DataLoader workers (cores, from
``/proc/<pid>/stat``) and, with a CUDA device, the host-to-device copy time and the GPU
utilization (NVML, ``nvidia-ml-py`` imported lazily). :func:`open_device` is the one seam that
needs a GPU (``--device auto`` tries CUDA, ``none`` skips it). A live run goes on over further
epochs until the batch or time limit, so a small selection still gives ticks to watch.

With ``--ranks N`` (:func:`run_ddp`) the module runs as N ``torch.distributed`` ranks (gloo, on
this machine, started by ``torch.multiprocessing.start_processes`` with ``--start-method``), each
reading one whole epoch; after the join the parent emits one ``{"ev": "rank", "rank", "keys",
"samples", "bytes", "batches", "seconds", "ttfb_s", "sampler"}`` per rank and ``{"ev": "ddp",
"wall_s"}``; the coverage check is :mod:`aistui.export.ddp`'s.

This is the only place (with the generated code itself) where torch is imported. It never
writes to the cluster.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_EMIT = threading.Lock()


def emit(ev: str, **kw) -> None:
    line = json.dumps({"ev": ev, **kw}) + "\n"
    with _EMIT:  # the ticker thread writes too
        sys.stdout.write(line)
        sys.stdout.flush()


# ----------------------------------------------------------------------------- the device seam


class Device:
    """A CUDA device for the host-to-device copy: :meth:`copy` pins each tensor of a batch and
    copies it with ``non_blocking=True``, then waits for the stream; :meth:`utilization` is the
    GPU's busy percentage from NVML (None without ``nvidia-ml-py``). Only built by
    :func:`open_device` when ``torch.cuda.is_available()``."""

    def __init__(self) -> None:
        import torch

        self.torch = torch
        self.name = f"cuda:0 {torch.cuda.get_device_name(0)}"
        self.note = ""
        self._nvml: Any = None
        try:
            import pynvml  # pyright: ignore[reportMissingImports]  # nvidia-ml-py: pip install 'aistui[gpu]'

            pynvml.nvmlInit()
            self._nvml = (pynvml, pynvml.nvmlDeviceGetHandleByIndex(0))
        except Exception as e:  # noqa: BLE001 - no NVML: the copy is still measured
            self.note = f"no GPU utilization (NVML: {type(e).__name__}; pip install 'aistui[gpu]')"

    def copy(self, batch: Any) -> tuple[float, int]:
        """``(seconds, bytes)`` to copy the batch's tensors to the device (pinned, non_blocking)."""
        tensors = list(_tensors(batch, self.torch))
        t = time.perf_counter()
        for x in tensors:
            x = x if x.is_pinned() else x.pin_memory()
            x.to("cuda", non_blocking=True)
        self.torch.cuda.current_stream().synchronize()
        return time.perf_counter() - t, sum(x.numel() * x.element_size() for x in tensors)

    def utilization(self) -> float | None:
        if self._nvml is None:
            return None
        nv, h = self._nvml
        return float(nv.nvmlDeviceGetUtilizationRates(h).gpu)


def _tensors(batch: Any, torch: Any):
    """The tensors in a batch (nested lists, tuples and dicts)."""
    if isinstance(batch, torch.Tensor):
        yield batch
    elif isinstance(batch, (list, tuple)):
        for x in batch:
            yield from _tensors(x, torch)
    elif isinstance(batch, dict):
        for x in batch.values():
            yield from _tensors(x, torch)


def open_device(want: str) -> Any:
    """The seam that needs a GPU: a :class:`Device` when ``want`` is ``auto`` and CUDA is
    present, else ``(None, why)`` as a plain string reason. Tests replace this function."""
    if want == "none":
        return "device copy not measured (--device none)"
    import torch

    if not torch.cuda.is_available():
        return "no CUDA device on this machine: host-to-device copy and GPU utilization not measured"
    return Device()


# ----------------------------------------------------------------------------- per-second ticks


def _proc_cpu_s(pid: int) -> float:
    """utime + stime of a process in seconds (``/proc/<pid>/stat``), 0 when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    f = raw.rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def _children() -> list[int]:
    """This process's child pids (``/proc/self/task/*/children``)."""
    out: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        try:
            out += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


class _Ticker(threading.Thread):
    """Once a second, a ``tick`` event over the batches :meth:`add`-ed since the last one."""

    def __init__(self, t0: float, device: Any) -> None:
        super().__init__(daemon=True, name="aistui-ticker")
        self.t0, self.device = t0, device
        self.rows: list[tuple[int, int, float, float, int]] = []  # n, bytes, wait_s, h2d_s, h2d bytes
        self.stop = threading.Event()

    def add(self, n: int, nbytes: int, wait_s: float, h2d: tuple[float, int] = (0.0, 0)) -> None:
        self.rows.append((n, nbytes, wait_s, h2d[0], h2d[1]))

    def run(self) -> None:
        seen, last = 0, time.perf_counter()
        cpu_main = time.process_time()
        kids = {p: _proc_cpu_s(p) for p in _children()}
        while not self.stop.wait(1.0):
            now = time.perf_counter()
            rows = self.rows[seen:]
            seen += len(rows)
            dt = max(now - last, 1e-9)
            last = now
            m = time.process_time()
            cur = {p: _proc_cpu_s(p) for p in _children()}
            workers_s = sum(max(0.0, c - kids.get(p, 0.0)) for p, c in cur.items())
            kids = cur
            waits = sorted(r[2] * 1000 for r in rows)
            samples = sum(r[0] for r in rows)
            nbytes = sum(r[1] for r in rows)
            tick: dict[str, Any] = {
                "t_s": round(now - self.t0, 3), "dt_s": round(dt, 3), "batches": len(rows),
                "samples": samples, "bytes": nbytes,
                "samples_per_s": round(samples / dt, 3), "mib_per_s": round(nbytes / (1 << 20) / dt, 4),
                "wait_p50_ms": round(_pct(waits, 50), 3) if waits else None,
                "wait_p99_ms": round(_pct(waits, 99), 3) if waits else None,
                "cpu_main": round((m - cpu_main) / dt, 3), "cpu_workers": round(workers_s / dt, 3),
                "workers_alive": len(cur)}
            cpu_main = m
            if self.device is not None:
                h2d = sorted(r[3] * 1000 for r in rows)
                tick["h2d_p50_ms"] = round(_pct(h2d, 50), 3) if h2d else None
                tick["h2d_mib_per_s"] = round(sum(r[4] for r in rows) / (1 << 20) / dt, 4)
                tick["gpu_util"] = self.device.utilization()
            emit("tick", **tick)


def _pct(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    k = max(0, min(len(sorted_values) - 1, -(-len(sorted_values) * q // 100) - 1))
    return sorted_values[int(k)]


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


def _keys(batch) -> list:
    first = batch[0] if isinstance(batch, (list, tuple)) else batch
    return list(first)


def _start(args: argparse.Namespace) -> Any:
    """Import torch (timed) and the SDK, emit the ``start`` event; returns :mod:`multiprocessing`."""
    t_import = time.perf_counter()
    import multiprocessing as mp

    import torch

    import_s = time.perf_counter() - t_import
    import aistore

    emit("start", pid=os.getpid(), python=sys.version.split()[0], torch=torch.__version__,
         aistore=getattr(aistore, "__version__", "?"), start_method=mp.get_start_method(),
         cpus=os.cpu_count(), workers=args.workers, import_s=round(import_s, 4))
    return mp


def _module(path: Path) -> tuple[Any, Any]:
    """``(spec, module)`` of the generated loader at ``path``, registered in ``sys.modules`` by
    name (spawned workers import it so) but not executed yet."""
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    return spec, module


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
             ticker: _Ticker | None = None, device: Any = None, again: Any = None) -> _Iteration:
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
        keys = _keys(batch)
        nbytes = sum(sizes.get(str(k), 0) for k in keys)
        emit("batch", i=out.batches, n=len(keys), bytes=nbytes, wait_s=round(now - w0, 6), t_s=round(now - t0, 6))
        if ticker is not None:
            ticker.add(len(keys), nbytes, now - w0, device.copy(batch) if device is not None else (0.0, 0))
        del batch
        out.batches += 1
        epoch += 1
    return out


def run(args: argparse.Namespace) -> int:
    """Start (:func:`_start`), build the loader from ``--module``, iterate it (:func:`_iterate`),
    join its workers and emit ``done`` with the time-to-first-batch parts and CPU seconds."""
    if args.ranks > 0:
        return run_ddp(args)
    mp = _start(args)
    sizes: dict[str, int] = json.loads(Path(args.sizes).read_text()) if args.sizes else {}
    spec, module = _module(Path(args.module).resolve())
    device = ticker = None
    if args.live:
        dev = open_device(args.device)
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
        ticker = _Ticker(t0, device)
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


# ----------------------------------------------------------------------------- DDP ranks


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank(rank: int, args: argparse.Namespace, world: int, port: int, out: str) -> None:
    """One rank (a process of ``torch.multiprocessing``): join the gloo group, build the loader
    (which sees ``dist.is_initialized()`` and takes its share), read one whole epoch, write the
    sample keys it read to ``<out>/rank<N>.json``."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    import torch.distributed as dist

    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        sizes: dict[str, int] = json.loads(Path(args.sizes).read_text()) if args.sizes else {}
        spec, module = _module(Path(args.module).resolve())
        t0 = time.perf_counter()
        spec.loader.exec_module(module)
        loader = module.make_loader(num_workers=args.workers,
                                    **({"batch_size": args.batch_size} if args.batch_size else {}))
        sampler = getattr(loader, "sampler", None)
        set_epoch = getattr(sampler, "set_epoch", None)  # DistributedSampler (map styles)
        if set_epoch is not None:
            set_epoch(0)
        keys: list[str] = []
        first, batches, nbytes = None, 0, 0
        for batch in loader:
            if first is None:
                first = time.perf_counter()
            k = [str(x) for x in _keys(batch)]
            keys += k
            nbytes += sum(sizes.get(x, 0) for x in k)
            batches += 1
            del batch
        t1 = time.perf_counter()
        Path(out, f"rank{rank}.json").write_text(json.dumps({
            "rank": rank, "keys": keys, "samples": len(keys), "bytes": nbytes, "batches": batches,
            "seconds": round(t1 - t0, 6), "ttfb_s": round(first - t0, 6) if first is not None else None,
            "sampler": type(sampler).__name__ if sampler is not None else None}))
        dist.barrier()
    finally:
        dist.destroy_process_group()


def run_ddp(args: argparse.Namespace) -> int:
    """``--ranks N``: run the module as N gloo ranks (``--start-method`` fork, spawn or
    forkserver), one epoch each; emit each rank's ``rank`` event and ``ddp`` with the wall time."""
    _start(args)
    from torch.multiprocessing.spawn import start_processes

    # by its import name (not __main__), so spawn/forkserver children find _rank
    harness = importlib.import_module("aistui.export.harness")

    with tempfile.TemporaryDirectory(prefix="aistui-ddp-") as out:
        t0 = time.perf_counter()
        start_processes(harness._rank, args=(args, args.ranks, _free_port(), out), nprocs=args.ranks,
                            join=True, start_method=args.start_method)
        wall = time.perf_counter() - t0
        for r in range(args.ranks):
            emit("rank", **json.loads(Path(out, f"rank{r}.json").read_text()))
    emit("ddp", ranks=args.ranks, start_method=args.start_method, wall_s=round(wall, 6))
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
    p.add_argument("--start-method", choices=("fork", "spawn", "forkserver"), default="fork")
    args = p.parse_args(argv)
    try:
        return run(args)
    except Exception as e:  # noqa: BLE001 - reported to the parent as a line, never a traceback
        emit("error", message=f"{type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
