"""The harness's ``--live`` side (:mod:`aistui.export.harness`): the one seam that needs a GPU
(:func:`open_device`, a CUDA :class:`Device` for the host-to-device copy and NVML utilization,
``nvidia-ml-py`` imported lazily) and the per-second ``tick`` events (:class:`Ticker`: samples,
bytes and batches of that second, batch-wait percentiles, the CPU of this process and of its
DataLoader workers from ``/proc/<pid>/stat``). Imports torch only when a device is opened; run
as part of the harness child, never imported by the console."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from .figures import percentile
from .harness_base import emit

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


class Ticker(threading.Thread):
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
            waits = [r[2] * 1000 for r in rows]
            samples = sum(r[0] for r in rows)
            nbytes = sum(r[1] for r in rows)
            tick: dict[str, Any] = {
                "t_s": round(now - self.t0, 3), "dt_s": round(dt, 3), "batches": len(rows),
                "samples": samples, "bytes": nbytes,
                "samples_per_s": round(samples / dt, 3), "mib_per_s": round(nbytes / (1 << 20) / dt, 4),
                "wait_p50_ms": _round3(percentile(waits, 50)),
                "wait_p99_ms": _round3(percentile(waits, 99)),
                "cpu_main": round((m - cpu_main) / dt, 3), "cpu_workers": round(workers_s / dt, 3),
                "workers_alive": len(cur)}
            cpu_main = m
            if self.device is not None:
                h2d = [r[3] * 1000 for r in rows]
                tick["h2d_p50_ms"] = _round3(percentile(h2d, 50))
                tick["h2d_mib_per_s"] = round(sum(r[4] for r in rows) / (1 << 20) / dt, 4)
                tick["gpu_util"] = self.device.utilization()
            emit("tick", **tick)


def _round3(x: float | None) -> float | None:
    return None if x is None else round(x, 3)

