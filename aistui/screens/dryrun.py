"""Live dry-run screen: the loader of the export screen measured second by second.

Opened from the export screen (``l``, through ``console.show_dryrun``). One worker runs the dry-run
(:func:`aistui.export.dryrun.dry_run` with ``live``: the generated code in separate processes, the
harness reporting each second: samples/s, MiB/s, the consumer's batch wait p50/p99 in ms, the CPU
of its process and of its DataLoader workers in cores, and with a CUDA device the host-to-device
copy and the GPU utilization). Beside it, a :class:`Polling` refresh every second reads the
cluster's counters through the session, as the cluster screen does: the GET rate from the
targets' ``node_status`` counter deltas (``ClusterAPI.rates``) and each target's disk
utilization (``StorageAPI.target``: ``what=disk``). Both go on one time axis (seconds since
the screen opened) in a textual-plotext plot; the bottleneck label
(:func:`aistui.export.live.tick_bottleneck`) is listed each time it changes. ``esc`` stops the run
(its processes are killed) and closes; ``p`` pauses the cluster refresh.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static

from ..core.errors import AISError
from ..export.live import bottleneck_text, tick_bottleneck
from ..export.snippet import ExportSpec
from ..messages import LoadFailed
from ..widgets.keybar import KeyBar
from ..widgets.status import StatusBar
from .polling import Polling

HISTORY = 600  # points kept per series (10 minutes at one a second)
POLL_S = 1.0   # the cluster refresh: once a second, as the loader reports

EventSource = Callable[[], AsyncIterator[dict[str, Any]]]


@dataclass
class ClusterSample(Message):
    """One cluster refresh: ``get_ops`` (objects/s over all targets, None on the first poll:
    rates need two), ``disk_util`` (target id → % of its disks busy)."""

    get_ops: float | None
    disk_util: dict[str, int]


@dataclass
class LiveEvent(Message):
    """One event of the dry-run (:func:`aistui.export.dryrun.dry_run`'s, ``kind`` and fields)."""

    event: dict[str, Any]


@dataclass
class LiveEnded(Message):
    """The dry-run ended: ``error`` is its one-line reason ("" when it finished)."""

    error: str


class DryRunScreen(Polling):
    """``DryRunScreen(spec, code, workers, max_batches, max_seconds, source=None)``: ``source``
    replaces the dry-run with a recorded event stream (tests); ``clock`` (seconds) places points
    on the time axis."""

    POLL_WHAT = "cluster refresh"
    BINDINGS = [
        Binding("escape", "back", "Stop / back", id="dryrun.back"),
        Binding("p", "pause", "Pause cluster", id="dryrun.pause"),
    ]
    DEFAULT_CSS = """
    #dr-head { height: auto; padding: 0 1; }
    #dr-body { height: 1fr; }
    #dr-now { width: 44; height: auto; padding: 0 1; }
    #dr-plot { width: 1fr; height: 1fr; min-height: 8; }
    #dr-log { height: auto; max-height: 6; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, spec: ExportSpec, code: str, workers: list[int], max_batches: int = 1000,
                 max_seconds: float = 20.0, source: EventSource | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.spec, self.code = spec, code
        self.sweep, self.max_batches, self.max_seconds = workers, max_batches, max_seconds
        self.source = source
        self.clock = clock
        self.t0 = clock()
        self.phase = "starting"
        self.device = ""
        self.refs: dict[str, Any] | None = None
        self.cpus = os.cpu_count() or 1  # the harness runs on this machine
        self.num_workers = workers[0] if workers else 0
        self.tick: dict[str, Any] = {}
        self.bottleneck: str | None = None
        self.changes: list[str] = []   # "t s: bottleneck" each time it changed, and run results
        self.loader: deque[tuple[float, float]] = deque(maxlen=HISTORY)   # (t, samples/s)
        self.cluster: deque[tuple[float, float]] = deque(maxlen=HISTORY)  # (t, GET objects/s)
        self.get_ops: float | None = None
        self.disk_util: dict[str, int] = {}
        self.ticks = 0
        self.running = False
        self.ended = ""
        self._prev: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot  # ~0.3 s to import: only for this screen

        status = StatusBar()
        self.console.sync_status(status)
        status.breadcrumb = f"export › live dry-run › {self.spec.style} on {self.spec.bucket}/{self.spec.prefix}"
        yield status
        yield Static("", id="dr-head", markup=False)
        with Horizontal(id="dr-body"):
            yield Static("", id="dr-now")
            yield PlotextPlot(id="dr-plot")
        yield Static("", id="dr-log", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.running = True
        self.run_live()
        self.load()
        self._show()

    def schedule(self) -> None:
        """The next cluster refresh in :data:`POLL_S` (not ``session.refresh_s``): the loader
        reports each second, and both share the time axis."""
        self._stop_timer()
        if not self.paused and not self._suspended and self.is_attached:
            self._timer = self.set_timer(POLL_S, self.load)

    def now(self) -> float:
        """Seconds since the screen opened (the time axis)."""
        return round(self.clock() - self.t0, 3)

    # ------------------------------------------------------------------ the dry-run

    def _events(self) -> AsyncIterator[dict[str, Any]]:
        if self.source is not None:
            return self.source()
        from ..export.dryrun import DryRunConfig, dry_run

        settings = self.session.settings
        cfg = DryRunConfig(workers=self.sweep, max_batches=self.max_batches, max_seconds=self.max_seconds,
                           endpoint=settings.endpoint, token=settings.token or "", live=True)
        return dry_run(self.spec, cfg, code=self.code)

    @work(exclusive=True, group="dryrun-live", exit_on_error=False)
    async def run_live(self) -> None:
        from ..export.dryrun import DryRunError

        error = ""
        events = self._events()
        try:
            async for ev in events:
                self.post_message(LiveEvent(ev))
        except DryRunError as e:
            error = str(e)
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()  # a cancel (esc) kills the children
        self.post_message(LiveEnded(error))

    @on(LiveEvent)
    def _event(self, msg: LiveEvent) -> None:
        self.apply(msg.event)

    def apply(self, ev: dict[str, Any]) -> None:
        """Apply one dry-run event to what the screen shows."""
        kind = ev.get("kind")
        if kind == "phase":
            self.phase = str(ev.get("text", ""))
        elif kind == "reference":
            self.refs = ev.get("references")
        elif kind == "device":
            self.device = str(ev.get("name") or ev.get("note") or "")
        elif kind == "tick":
            self.num_workers = int(ev.get("workers", self.num_workers))
            self.tick = ev
            self.ticks += 1
            t = self.now()
            self.loader.append((t, float(ev.get("samples_per_s") or 0.0)))
            stage = tick_bottleneck(ev, self.refs, self.cpus, self.num_workers)
            if stage is not None and stage != self.bottleneck:
                self.bottleneck = stage
                self.changes.append(f"{t:.0f} s, num_workers={self.num_workers}: bottleneck {bottleneck_text(stage)}")
        elif kind == "run":
            r = ev["run"]
            sps = r["steady"]["samples_per_s"]
            self.changes.append(f"{self.now():.0f} s: num_workers={r['workers']} steady "
                                + (f"{sps:,.0f} samples/s" if sps else "(too few batches)"))
        elif kind == "result":
            self.changes.append(str(ev["result"].get("verdict", "")))
            self.cpus = int(ev["result"].get("setup", {}).get("cpus") or self.cpus)
        self._show()

    @on(LiveEnded)
    def _ended(self, msg: LiveEnded) -> None:
        self.running = False
        self.ended = f"dry-run failed: {msg.error}" if msg.error else "dry-run finished"
        if msg.error:
            self.notify(self.ended, severity="error", markup=False, timeout=10)
        self._show()

    # ------------------------------------------------------------------ the cluster

    @work(exclusive=True, group="dryrun-cluster", exit_on_error=False)
    async def load(self) -> None:
        """One refresh: the targets' ``node_status`` (GET rate from counter deltas against the
        previous refresh) and each target's disks (``what=disk``), concurrently."""
        await self.session.connected.wait()
        client = self.session.client
        try:
            smap = await client.cluster.smap()
            tids = sorted(t.daemon_id for t in smap.targets if not t.in_maintenance)
            statuses, disks = await asyncio.gather(
                client.cluster.all_node_status(dataclasses.replace(smap, proxies=())),
                asyncio.gather(*(client.storage.target(t) for t in tids), return_exceptions=True))
        except AISError as e:
            self.post_message(LoadFailed(e))
            return
        rates = client.cluster.rates(self._prev, statuses)
        self._prev = statuses
        util = {tid: d.util for tid, d in zip(tids, disks, strict=True) if not isinstance(d, BaseException)}
        get_ops = sum(r.get_ops for r in rates.values()) if rates else None
        self.post_message(ClusterSample(get_ops, util))

    @on(ClusterSample)
    def _cluster(self, msg: ClusterSample) -> None:
        self.add_cluster(msg.get_ops, msg.disk_util)
        self.poll_ok()

    def add_cluster(self, get_ops: float | None, disk_util: dict[str, int]) -> None:
        """Apply one cluster refresh (GET objects/s, disk utilization % per target)."""
        self.get_ops, self.disk_util = get_ops, disk_util
        if get_ops is not None:
            self.cluster.append((self.now(), get_ops))
        self._show()

    @on(LoadFailed)
    def _failed(self, msg: LoadFailed) -> None:
        self.poll_failed(msg.error)

    # ------------------------------------------------------------------ drawing

    def now_table(self) -> Table:
        """The current second: the loader's figures, the cluster's, the bottleneck."""
        t, tk = Table.grid(padding=(0, 1)), self.tick

        def f(v: Any, fmt: str, unit: str = "") -> str:
            return format(v, fmt) + unit if isinstance(v, (int, float)) else "-"

        t.add_column(style="dim", justify="right")
        t.add_column()
        t.add_row("num_workers", str(self.num_workers) if tk else "-")
        t.add_row("samples/s", f(tk.get("samples_per_s"), ",.0f"))
        t.add_row("MiB/s", f(tk.get("mib_per_s"), ",.2f"))
        t.add_row("wait p50/p99", f"{f(tk.get('wait_p50_ms'), '.1f')} / {f(tk.get('wait_p99_ms'), '.1f')} ms")
        t.add_row("CPU workers", f(tk.get("cpu_workers"), ".2f", " cores"))
        t.add_row("CPU main", f(tk.get("cpu_main"), ".2f", " cores"))
        t.add_row("cluster GET", f(self.get_ops, ",.0f", " obj/s"))
        for tid, u in sorted(self.disk_util.items()):
            t.add_row(f"disk {tid[:10]}", f"{u}%")
        if "h2d_p50_ms" in tk:
            t.add_row("H→D copy", f"{f(tk.get('h2d_p50_ms'), '.2f')} ms, {f(tk.get('h2d_mib_per_s'), ',.1f')} MiB/s")
            t.add_row("GPU util", f(tk.get("gpu_util"), ".0f", "%"))
        t.add_row("bottleneck", Text(bottleneck_text(self.bottleneck), style="bold"))
        return t

    def _show(self) -> None:
        if not self.is_mounted:
            return
        state = self.ended or self.phase
        device = self.device or "device: waiting for the loader"
        self.query_one("#dr-head", Static).update(f"{state} · {device}")
        self.query_one("#dr-now", Static).update(self.now_table())
        self.query_one("#dr-log", Static).update("\n".join(self.changes[-5:]) or "bottleneck changes show here")
        self._plot()

    def _plot(self) -> None:
        from textual_plotext import PlotextPlot  # already imported: compose mounted it

        plot = self.query_one("#dr-plot", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("loader samples/s · cluster GET objects/s")
        plt.xlabel("s")
        if self.loader:
            plt.plot([p[0] for p in self.loader], [p[1] for p in self.loader], label="loader samples/s",
                     color="green", marker="braille")
        if self.cluster:
            plt.plot([p[0] for p in self.cluster], [p[1] for p in self.cluster], label="cluster GET/s",
                     color="cyan", marker="braille")
        plot.refresh()

    # ------------------------------------------------------------------ keys

    def action_back(self) -> None:
        if self.running:
            self.stop_run()
            return
        self.dismiss()

    def stop_run(self) -> None:
        """Stop the dry-run (its processes are killed) and say so; a second ``esc`` closes."""
        self.workers.cancel_group(self, "dryrun-live")
        self.running = False
        self.ended = "dry-run stopped (its processes were killed)"
        self._show()
