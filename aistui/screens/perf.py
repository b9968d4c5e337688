"""Per-target performance (``P`` on the cluster screen, ``:perf``): what the ``ais performance``
tabs show, one row per target (storage node), updated in place every refresh interval.

Each row: GET and PUT rates (objects/s), average latency (ms) and throughput (bytes/s) over the
last interval, errors/s, a sparkline of the recent GET rate, append, delete and cold-GET rates,
intra-cluster traffic received and sent (bytes/s), the cumulative GET/PUT/append/delete counts,
and the error counters by kind. The numbers are deltas of the targets' counters between two
refreshes (:mod:`aistui.core.perf`); until there are two, the rates say so. Narrow terminals drop
the least important columns first.

``s`` cycles the order (worst first: errors/s, then latency; then GET, PUT, throughput, latency,
errors, cold GETs, intra-cluster traffic, node id), ``enter`` opens the history pane of the node
under the cursor (GET/PUT rates and latencies plotted over this screen's refreshes, with
textual-plotext; it follows the cursor), ``p`` pauses, ``r`` refreshes, ``esc`` closes the pane or
goes back. Polls never overlap and stop while another screen is on top (:class:`Polling`).
Everything here only reads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from .. import format as fmt
from ..core.errors import AISError
from ..core.perf import SORTS, NodePerf, PerfHistory, perf_table, sort_nodes
from ..messages import LoadFailed
from ..session import HealthState
from ..widgets.keybar import KeyBar
from ..widgets.linetable import Column, LineTable
from ..widgets.status import StatusBar
from .polling import Polling

if TYPE_CHECKING:
    from ..core.models import NodeStatus

SPARK = 12  # cells of the GET/s sparkline
#: (key, label, width, priority): priority 0 is always shown, the highest number is dropped first.
COLUMNS: list[Column] = [
    ("node", "target", None, 0),
    ("get", f"{'GET/s':>8}", 8, 0),
    ("get_lat", f"{'GET ms':>7}", 7, 0),
    ("put", f"{'PUT/s':>8}", 8, 0),
    ("put_lat", f"{'PUT ms':>7}", 7, 1),
    ("err", f"{'err/s':>6}", 6, 0),
    ("spark", "GET/s trend", SPARK, 1),
    ("get_bps", f"{'GET B/s':>11}", 11, 2),
    ("put_bps", f"{'PUT B/s':>11}", 11, 3),
    ("append", f"{'APP/s':>6}", 6, 5),
    ("del", f"{'DEL/s':>6}", 6, 5),
    ("cold", f"{'cold/s':>6}", 6, 4),
    ("errors", "errors by kind", None, 4),
    ("counts", "GET/PUT/APP/DEL", None, 5),
    ("rx", f"{'intra rx':>11}", 11, 6),
    ("tx", f"{'intra tx':>11}", 11, 6),
]
SORT_LABELS = {"worst": "worst first (errors/s, then latency)", "get": "GET/s", "put": "PUT/s",
               "throughput": "throughput", "latency": "latency", "errors": "errors/s", "cold": "cold GETs/s",
               "intra": "intra-cluster traffic", "node": "node id"}
HISTORY = 300  # refreshes kept per node for the history pane


def count(n: int) -> str:
    """A cumulative count, short: ``999``, ``12.3k``, ``4.5M``, ``1.2G``."""
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            return f"{n / div:.1f}{unit}"
    return str(n)


def ops(v: float) -> str:
    """A rate in objects/s: ``0``, ``0.4``, ``12.5``, ``1,234``."""
    if v == 0:
        return "0"
    return f"{v:,.0f}" if v >= 1000 else f"{v:.1f}"


def ms(v: float) -> str:
    """An average latency in ms (``-`` when nothing was measured)."""
    if v == 0:
        return "-"
    return f"{v:.0f}" if v >= 100 else f"{v:.2f}" if v < 10 else f"{v:.1f}"


def perf_cells(p: NodePerf, spark: str) -> list[str | Text]:
    """The row of one node, in :data:`COLUMNS` order (rates as ``…`` until measured)."""
    kinds = " ".join(f"{e.kind}:{count(e.total)}" for e in p.errors)
    counts = f"{count(p.get_n)}/{count(p.put_n)}/{count(p.append_n)}/{count(p.del_n)}"
    if not p.measured:
        w = "…"
        return [p.daemon_id, f"{w:>8}", f"{w:>7}", f"{w:>8}", f"{w:>7}", f"{w:>6}", "", f"{w:>11}", f"{w:>11}",
                f"{w:>6}", f"{w:>6}", f"{w:>6}", kinds, counts, f"{w:>11}", f"{w:>11}"]
    err = Text(f"{ops(p.err_ops):>6}", style="bold red" if p.err_ops else "")
    return [p.daemon_id, f"{ops(p.get_ops):>8}", f"{ms(p.get_lat_ms):>7}", f"{ops(p.put_ops):>8}",
            f"{ms(p.put_lat_ms):>7}", err, Text(spark, style="green"),
            f"{fmt.rate(p.get_bps):>11}", f"{fmt.rate(p.put_bps):>11}", f"{ops(p.append_ops):>6}",
            f"{ops(p.del_ops):>6}", f"{ops(p.cold_ops):>6}", kinds, counts, f"{fmt.rate(p.rx_bps):>11}",
            f"{fmt.rate(p.tx_bps):>11}"]


def detail_text(p: NodePerf) -> str:
    """The history pane's lines under the plots: everything about the node's last interval."""
    errs = ", ".join(f"{e.kind} {e.total:,} ({ops(e.rate)}/s)" for e in p.errors) or "none"
    return (f"{p.daemon_id}: GET {ops(p.get_ops)}/s {fmt.rate(p.get_bps)} {ms(p.get_lat_ms)} ms · "
            f"PUT {ops(p.put_ops)}/s {fmt.rate(p.put_bps)} {ms(p.put_lat_ms)} ms · "
            f"append {ops(p.append_ops)}/s {ms(p.append_lat_ms)} ms · delete {ops(p.del_ops)}/s · "
            f"cold GET {ops(p.cold_ops)}/s {fmt.rate(p.cold_bps)} {ms(p.cold_lat_ms)} ms\n"
            f"intra-cluster rx {ops(p.rx_ops)}/s {fmt.rate(p.rx_bps)}, tx {ops(p.tx_ops)}/s "
            f"{fmt.rate(p.tx_bps)} · totals GET {p.get_n:,} PUT {p.put_n:,} append {p.append_n:,} "
            f"delete {p.del_n:,} cold {p.cold_n:,} · errors: {errs}")


class PerfScreen(Polling):
    """Per-target performance, live."""

    POLL_WHAT = "performance refresh"

    BINDINGS = [
        Binding("escape", "back", "Back", id="perf.back"),
        Binding("s", "cycle_sort", "Sort", id="perf.sort"),
        Binding("enter", "toggle_plot", "History", id="perf.plot"),
        Binding("p", "pause", "Pause", id="perf.pause"),
        Binding("r", "refresh", "Refresh", id="perf.refresh"),
    ]
    DEFAULT_CSS = """
    #perf { height: auto; max-height: 100%; }
    PerfScreen.plotting #perf { max-height: 45%; }
    #perf-pane { height: 1fr; display: none; }
    PerfScreen.plotting #perf-pane { display: block; }
    #perf-plots { height: 1fr; }
    #perf-detail { height: auto; padding: 0 1; }
    """

    @dataclass
    class Loaded(Message):
        """One poll: every target's status (or the error reaching it) and the rates since the
        previous poll."""

        statuses: dict[str, NodeStatus | AISError]
        perfs: dict[str, NodePerf]
        taken_ns: int

    def __init__(self) -> None:
        super().__init__()
        self.sort = "worst"
        self.history = PerfHistory(HISTORY)
        self.perfs: dict[str, NodePerf] = {}
        self.polls = 0  # polls applied (tests wait on it)
        self.plot_node: str | None = None  # the node in the history pane (None: closed)
        self.unreachable: dict[str, AISError] = {}  # targets whose status failed in the last poll
        self._prev: dict[str, NodeStatus | AISError] = {}

    def compose(self) -> ComposeResult:
        status = StatusBar()
        self.console.sync_status(status)
        status.breadcrumb = "cluster › performance"
        yield status
        yield Static("loading …", id="perf-hint", classes="hint", markup=False)
        yield LineTable(COLUMNS, zebra=True, id="perf")
        with Vertical(id="perf-pane"):
            yield Horizontal(id="perf-plots")
            yield Static("", id="perf-detail", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(LineTable).focus()
        self.load()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.is_mounted:
            self.load()  # polling stopped while another screen was on top

    @work(exclusive=True, group="perf", exit_on_error=False)
    async def load(self) -> None:
        """One poll: the Smap, then every target's ``node_status`` concurrently, then the rates
        against the previous poll (:func:`aistui.core.perf.perf_table`)."""
        await self.session.connected.wait()
        cluster = self.session.client.cluster
        try:
            smap = await cluster.smap()
            statuses = await cluster.all_node_status(dataclasses.replace(smap, proxies=()))
        except AISError as e:
            self.post_message(LoadFailed(e))
            return
        perfs = perf_table(self._prev, statuses)
        self._prev = statuses
        taken = max((s.taken_ns for s in statuses.values() if not isinstance(s, AISError)), default=0)
        self.post_message(self.Loaded(statuses, perfs, taken))

    @on(Loaded)
    def _loaded(self, msg: Loaded) -> None:
        self.session.set_health(HealthState.OK)
        self.perfs = msg.perfs
        self.history.add(msg.perfs, msg.taken_ns)
        self.history.prune(msg.statuses)
        self.unreachable = {k: v for k, v in msg.statuses.items() if isinstance(v, AISError)}
        self.polls += 1
        self._fill()
        self.poll_ok()

    @on(LoadFailed)
    def _failed(self, msg: LoadFailed) -> None:
        self.session.set_health(HealthState.UNREACHABLE)
        self.poll_failed(msg.error)

    def _fill(self) -> None:
        """Rows in the current order (the cursor stays on its node), the hint, and the pane."""
        rows: list[tuple[str, Sequence[str | Text]]] = []
        for p in sort_nodes(self.perfs.values(), self.sort):
            spark = fmt.sparkline(self.history.recent(p.daemon_id, "get_ops", SPARK), SPARK)
            rows.append((p.daemon_id, perf_cells(p, spark)))
        for nid, err in sorted(self.unreachable.items()):
            rows.append((nid, [nid, f"unreachable: {err}"] + [""] * (len(COLUMNS) - 2)))
        self.query_one(LineTable).set_rows(rows)
        self._hint()
        if self.plot_node is not None:
            self._draw_plot()

    def _hint(self) -> None:
        measured = [p for p in self.perfs.values() if p.measured]
        if not self.perfs:
            text = "no targets answered"
        elif not measured:
            text = "measuring: rates need two refreshes …"
        else:
            get = sum(p.get_ops for p in measured)
            put = sum(p.put_ops for p in measured)
            bps = sum(p.get_bps + p.put_bps for p in measured)
            err = sum(p.err_ops for p in measured)
            text = (f"{len(self.perfs)} targets · GET {ops(get)}/s · PUT {ops(put)}/s · {fmt.rate(bps)}"
                    f" · errors {ops(err)}/s")
        paused = " · paused" if self.paused else ""
        keys = "" if self.plot_node else " · enter: history"
        self.query_one("#perf-hint", Static).update(f"{text} · sort: {SORT_LABELS[self.sort]}{paused}{keys}")

    def paused_changed(self) -> None:
        self._hint()

    # ------------------------------------------------------------------ the history pane

    def _draw_plot(self) -> None:
        """Plot the history of :attr:`plot_node`: GET and PUT objects/s, and their latencies."""
        nid = self.plot_node
        if nid is None:
            return
        pts = self.history.points(nid)
        from textual_plotext import PlotextPlot  # already imported: the pane mounted these

        plots = list(self.query("#perf-plots > *").results(PlotextPlot))
        if len(plots) != 2:
            return
        xs = [p.t_s for p in pts]
        for plot, (title, series) in zip(plots, (
                (f"{nid}: objects/s", (("GET", "get_ops", "green"), ("PUT", "put_ops", "cyan"))),
                (f"{nid}: latency ms", (("GET", "get_lat_ms", "green"), ("PUT", "put_lat_ms", "cyan")))),
                strict=True):
            plt = plot.plt
            plt.clear_data()
            plt.clear_figure()
            plt.title(title)
            plt.xlabel("s")
            if xs:
                for label, field, color in series:
                    plt.plot(xs, [getattr(p, field) for p in pts], label=label, color=color, marker="braille")
            plot.refresh()
        p = self.perfs.get(nid)
        detail = detail_text(p) if p is not None else f"{nid}: no longer in the cluster map"
        if not pts:
            detail = "history: needs two refreshes …\n" + detail
        self.query_one("#perf-detail", Static).update(detail)

    def action_toggle_plot(self) -> None:
        """``enter``: open (or close) the history pane of the node under the cursor."""
        if self.plot_node is not None:
            self.plot_node = None
            self.remove_class("plotting")
            self._hint()
            return
        nid = self.query_one(LineTable).cursor_key
        if nid is None:
            return
        from textual_plotext import PlotextPlot  # ~0.3 s to import: only when a pane opens

        box = self.query_one("#perf-plots")
        if not box.children:
            box.mount(PlotextPlot(), PlotextPlot())
        self.plot_node = nid
        self.add_class("plotting")
        self._hint()
        self.call_after_refresh(self._draw_plot)

    @on(LineTable.Highlighted, "#perf")
    def _cursor(self, msg: LineTable.Highlighted) -> None:
        if self.plot_node is not None and msg.key and msg.key != self.plot_node:
            self.plot_node = msg.key
            self._draw_plot()

    @on(LineTable.Activated, "#perf")
    def _activated(self, _msg: LineTable.Activated) -> None:
        self.action_toggle_plot()

    # ------------------------------------------------------------------ keys

    def action_cycle_sort(self) -> None:
        """``s``: the next order of :data:`aistui.core.perf.SORTS`."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._fill()
        self.notify(f"sort: {SORT_LABELS[self.sort]}", timeout=2)

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        if self.plot_node is not None:
            self.action_toggle_plot()
            return
        self.dismiss()
