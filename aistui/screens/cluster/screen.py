"""Cluster screen: nodes (role, state and alerts, version, uptime, CPU, memory, capacity), live
GET/PUT rates from counter deltas, and attached remote clusters. Refreshes on a timer that never
overlaps itself (the next poll is scheduled when the previous one ends); ``p`` pauses. The
membership actions (maintenance, decommission, shutdown, remote clusters) are :mod:`.membership`."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from ... import format as fmt
from ...core.errors import AISError

if TYPE_CHECKING:  # the models load with the first refresh, after the first frame
    from ...core.models import NodeRates, NodeStatus, RemoteCluster, Smap
from ...messages import LoadFailed
from ...session import HealthState
from ...widgets.keybar import KeyBar
from ...widgets.linetable import LineTable
from ...widgets.status import StatusBar
from .membership import ClusterMembership

NODE_COLUMNS = ("role", "id", "url", "state", "version", "uptime", "cpu", "load", "rss", "used", "free", "disk%")


@dataclass
class ClusterSnapshot:
    smap: Smap
    statuses: dict[str, NodeStatus | AISError]
    rates: dict[str, NodeRates]
    remotes: list[RemoteCluster]


class ClusterScreen(ClusterMembership):
    """The cluster overview."""

    POLL_WHAT = "cluster refresh"

    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="cluster.refresh"),
        Binding("p", "pause", "Pause", id="cluster.pause"),
        Binding("C", "switch_cluster", "Clusters", id="cluster.switch"),
        Binding("l", "node_log", "Node log", id="cluster.node_log"),
        Binding("L", "collect_logs", "All logs", id="cluster.collect_logs"),
        Binding("P", "perf", "Perf", id="cluster.perf"),
        Binding("c", "config", "Config", id="cluster.config"),
        Binding("s", "storage", "Storage", id="cluster.storage"),
        # node lifecycle and remote clusters: in the help (?) and the palette, not the key bar
        # (full at 160 columns already)
        Binding("m", "maintenance", "Maintenance", id="cluster.maintenance", show=False),
        Binding("D", "decommission", "Decommission", id="cluster.decommission", show=False),
        Binding("X", "shutdown", "Shut down", id="cluster.shutdown", show=False),
        Binding("R", "attach_remote", "Attach remote", id="cluster.remotes", show=False),
        Binding("x", "detach_remote", "Detach remote", id="cluster.detach_remote", show=False),
    ]

    HISTORY = 40  # refreshes kept for the sparklines

    @dataclass
    class Loaded(Message):
        snap: ClusterSnapshot

    def __init__(self) -> None:
        super().__init__()
        self._prev: dict[str, NodeStatus | AISError] = {}
        self._hist = {k: deque(maxlen=self.HISTORY) for k in ("get_ops", "put_ops", "get_bps", "put_bps")}
        self._smap: Smap | None = None  # the last Smap shown: what the lifecycle keys act on

    def compose(self) -> ComposeResult:
        # The status goes in before the first layout, so that the first frame is whole (set in
        # on_mount, it came one frame later).
        status = StatusBar()
        self.console.sync_status(status)
        status.breadcrumb = "cluster"
        yield status
        yield Static("Nodes", classes="section-title")
        widths = (8, 11, 24, 24, 7, 8, 5, 5, 10, 10, 10, 5)
        # dropped first at narrow widths: url, version, rss, load, used, uptime (80 columns keep
        # role, id, state, cpu, free and disk%)
        drop = (0, 0, 9, 0, 8, 4, 0, 6, 7, 5, 3, 0)
        yield LineTable([(c, c, w, p) for c, w, p in zip(NODE_COLUMNS, widths, drop, strict=True)], zebra=True,
                        id="nodes")
        yield Static("", id="rates")
        yield Static("Remote clusters", classes="section-title")
        yield LineTable([("alias", "alias", None), ("url", "url", None, 1), ("uuid", "uuid", None, 2),
                         ("online", "online", None)], id="remotes")
        yield KeyBar()

    def on_mount(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        self.load()  # shown again: polling stopped while another mode or a dialog was on top

    @work(exclusive=True, group="cluster", exit_on_error=False)
    async def load(self) -> None:
        await self.session.connected.wait()  # the connection check speaks first
        client = self.session.client
        try:
            smap = await client.cluster.smap()
            statuses = await client.cluster.all_node_status(smap)
            remotes = await client.cluster.remotes()
        except AISError as e:
            self.post_message(LoadFailed(e))
            return
        rates = client.cluster.rates(self._prev, statuses)
        self._prev = statuses
        self.post_message(self.Loaded(ClusterSnapshot(smap, statuses, rates, remotes)))

    @on(Loaded)
    def _loaded(self, msg: Loaded) -> None:
        snap = msg.snap
        self.session.set_health(HealthState.OK)
        self._smap = snap.smap
        rows = []
        for n in snap.smap.nodes:
            st = snap.statuses.get(n.daemon_id)
            role = ("primary" if n.is_primary else n.role)
            flags = n.flag_names if n.in_maintenance else []
            if st is not None and not isinstance(st, AISError):
                parts = flags + [st.status] + list(st.alerts)
                state = ", ".join(dict.fromkeys(p for p in parts if p)) or "ok"
                tgt = st.role == "target"
                row = (role, n.daemon_id, n.public_url, state, st.version, fmt.duration(st.uptime_s),
                       f"{st.cpu_util:.0f}%", f"{st.load_avg[0]:.2f}", fmt.size(st.mem_used),
                       fmt.size(st.used) if tgt else "", fmt.size(st.avail) if tgt else "",
                       f"{st.pct_used:.0f}%" if tgt else "")
            else:
                state = ", ".join(flags + [f"unreachable: {st}"])
                row = (role, n.daemon_id, n.public_url, state) + ("",) * 8
            rows.append((n.daemon_id, row))
        self.query_one("#nodes", LineTable).set_rows(rows)
        self.query_one("#rates", Static).update(self._rates_text(snap.rates))
        self.query_one("#remotes", LineTable).set_rows(
            (r.alias, (r.alias, r.url, r.uuid, "yes" if r.online else "no")) for r in snap.remotes)
        self.poll_ok()

    @on(LoadFailed)
    def _load_failed(self, msg: LoadFailed) -> None:
        self.session.set_health(HealthState.UNREACHABLE)
        self.poll_failed(msg.error)

    def _rates_text(self, rates: dict[str, NodeRates]) -> Text:
        """Cluster-wide GET and PUT rates (objects/s, bytes/s, worst target latency) with a
        sparkline of the last :attr:`HISTORY` refreshes."""
        if not rates:
            return Text("Throughput: measuring (needs two snapshots)…")
        for k in self._hist:
            self._hist[k].append(sum(getattr(r, k) for r in rates.values()))
        out = Text()
        for op in ("get", "put"):
            lat = [getattr(r, f"{op}_lat_ms") for r in rates.values() if getattr(r, f"{op}_lat_ms")]
            ops, bps = self._hist[f"{op}_ops"][-1], self._hist[f"{op}_bps"][-1]
            out.append(f"{op.upper():<4}", style="bold")
            out.append(f"{ops:>9.1f} obj/s {fmt.rate(bps):>12}{f' ({max(lat):.1f} ms)' if lat else '':>12}  ")
            out.append(fmt.sparkline(self._hist[f"{op}_ops"], self.HISTORY), style="green" if op == "get" else "cyan")
            out.append("\n" if op == "get" else "")
        return out

    def action_switch_cluster(self) -> None:
        """``C``: pick another cluster from the config file (like k9s contexts)."""
        from ...widgets.dialogs import ChoiceDialog

        names = self.console.context_names()
        if not names:
            self.notify("no clusters in the config file: add them under \"clusters\" in "
                        "~/.config/aistui/config.json", severity="warning", markup=False, timeout=8)
            return
        keys = "123456789abcdefghijklmnopqrstuvwxyz"
        current = self.session.settings.name
        choices = [(keys[i], n + ("  (current)" if n == current else "")) for i, n in enumerate(names[:len(keys)])]

        def got(key: str | None) -> None:
            if key:
                self.console.switch_context(names[keys.index(key)])

        self.app.push_screen(ChoiceDialog("Switch cluster", choices), got)

    def action_refresh(self) -> None:
        self.load()

    def action_node_log(self) -> None:
        """``l``: the log of the node under the cursor."""
        node_id = self.query_one("#nodes", LineTable).cursor_key
        if node_id:
            self.console.show_node_log(node_id)

    def action_collect_logs(self) -> None:
        """``L``: every node's logs in one local archive."""
        self.console.collect_logs()

    def action_perf(self) -> None:
        """``P``: per-target performance (``:perf``)."""
        self.console.show_perf()

    def action_config(self) -> None:
        """``c``: the config of the node under the cursor (what differs from the cluster marked);
        the cluster config when no node row is selected (also ``:config``)."""
        self.console.show_config(self.query_one("#nodes", LineTable).cursor_key or None)

    def action_storage(self) -> None:
        """``s``: the storage screen (every target's mountpaths), its cursor on the node under
        this screen's cursor when that is a target."""
        self.console.show_storage(self.query_one("#nodes", LineTable).cursor_key or "")
