"""Cluster screen: nodes (role, state and alerts, version, uptime, CPU, memory, capacity), live
GET/PUT rates from counter deltas, and attached remote clusters. Refreshes on a timer that never
overlaps itself (the next poll is scheduled when the previous one ends); ``p`` pauses."""

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

from .. import format as fmt
from ..core.errors import AISError

if TYPE_CHECKING:  # the models load with the first refresh, after the first frame
    from collections.abc import Awaitable

    from ..core.models import NodeRates, NodeStatus, RemoteCluster, Smap, Snode
from ..messages import LoadFailed
from ..session import HealthState
from ..widgets.keybar import KeyBar
from ..widgets.linetable import LineTable
from ..widgets.status import StatusBar
from .polling import Polling

NODE_COLUMNS = ("role", "id", "url", "state", "version", "uptime", "cpu", "load", "rss", "used", "free", "disk%")


@dataclass
class ClusterSnapshot:
    smap: Smap
    statuses: dict[str, NodeStatus | AISError]
    rates: dict[str, NodeRates]
    remotes: list[RemoteCluster]


class ClusterScreen(Polling):
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
        from ..widgets.dialogs import ChoiceDialog

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

    # ------------------------------------------------------------------ node lifecycle (m, D, X)

    def _selected_node(self, verb: str) -> Snode | None:
        """The node under the cursor, when ``verb`` may be done to it; else None and a notice
        (no node yet, or the primary proxy, which the v1.5.0 CLI refuses too)."""
        node_id = self.query_one("#nodes", LineTable).cursor_key
        node = self._smap.node(node_id) if self._smap and node_id else None
        if node is None:
            self.notify(f"{verb}: no node selected (wait for the first refresh)", severity="warning", markup=False)
            return None
        if node.is_primary:
            self.notify(f"cannot {verb} the primary proxy {node.daemon_id}: make another proxy primary first "
                        "(ais cluster set-primary)", severity="warning", markup=False, timeout=8)
            return None
        return node

    def _rebalance_lines(self, node: Snode, back: bool = False, first: str = "") -> list[str]:
        """What a membership change of ``node`` does to the data: a target's objects move in a
        global rebalance, to the other active targets or (``back``) back to it; the job monitor
        (3) follows it. A proxy holds none. Each line fits an 80-column dialog."""
        if node.role != "target":
            return ["Proxies hold no objects: no data moves, no rebalance runs."]
        if back:
            lines = ["A global rebalance moves its share of the objects back to it."]
        else:
            n = sum(1 for t in self._smap.targets if t.daemon_id != node.daemon_id and not t.in_maintenance) \
                if self._smap else 0
            lines = [f"A global rebalance {first}moves its objects to the {n} other active target"
                     f"{'' if n == 1 else 's'}." if n else "No other target is active to take its objects."]
        return lines + ["The jobs screen (3) follows it; a notice says when it ends.",
                        "Until it ends, the cluster refuses other membership changes."]

    def action_maintenance(self) -> None:
        """``m``: put the node under the cursor into maintenance, or take it out (by its state
        in the Smap), after a confirm saying what happens to its data."""
        if self.console.refuse_if_read_only("maintenance"):
            return
        node = self._selected_node("change maintenance of")
        if node is None:
            return
        from ..spell.admin import node_lifecycle
        from ..widgets.dialogs import ConfirmDialog

        kind = "Target" if node.role == "target" else "Proxy"
        if node.flags & 8:
            self.notify(f"{node.daemon_id} is being decommissioned: it cannot leave maintenance", severity="warning",
                        markup=False)
            return
        client = self.session.client
        if node.in_maintenance:
            title, what, verb = f"Take {node.daemon_id} out of maintenance?", "stop maintenance", "stop-maintenance"
            lines = [f"{kind} {node.daemon_id} at {node.public_url} returns to service."]
            lines += self._rebalance_lines(node, back=True)
            call = lambda: client.cluster.stop_maintenance(node.daemon_id)  # noqa: E731
        else:
            title, what, verb = f"Put {node.daemon_id} into maintenance?", "start maintenance", "start-maintenance"
            lines = [f"{kind} {node.daemon_id} at {node.public_url}:",
                     "stays in the cluster map but stops serving; m again brings it back."]
            lines += self._rebalance_lines(node)
            call = lambda: client.cluster.start_maintenance(node.daemon_id)  # noqa: E731

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_call(f"{what} {node.daemon_id}", call(), then=self.load,
                              cmd=node_lifecycle(verb, node.daemon_id))

        self.app.push_screen(ConfirmDialog(title, lines, confirm_label=what.capitalize()), answered)

    def action_decommission(self) -> None:
        """``D``: decommission the node under the cursor (it leaves the Smap for good): for a
        target, first whether its user data is removed too (``--rm-user-data``), then a confirm
        that needs its id typed."""
        if self.console.refuse_if_read_only("decommission"):
            return
        node = self._selected_node("decommission")
        if node is None:
            return
        from ..widgets.dialogs import ChoiceDialog

        if node.role != "target":
            self._confirm_decommission(node, rm_user_data=False)
            return

        def chosen(key: str | None) -> None:
            if key:
                self._confirm_decommission(node, rm_user_data=key == "r")

        self.app.push_screen(ChoiceDialog(f"Decommission {node.daemon_id}: the objects left on its disks", [
            ("k", "keep them (they are copies: the rebalance moves every object first)"),
            ("r", "remove them too (ais ... decommission --rm-user-data)"),
        ]), chosen)

    def _confirm_decommission(self, node: Snode, *, rm_user_data: bool) -> None:
        from ..spell.admin import node_lifecycle
        from ..widgets.dialogs import ConfirmDialog

        client = self.session.client
        lines = [f"{node.daemon_id} at {node.public_url}:",
                 "leaves the cluster map for good and shuts down. This cannot be undone:",
                 "the node must be redeployed to rejoin."]
        lines += self._rebalance_lines(node, first="first ")
        if node.role == "target":
            lines.append("Then the objects left on its disks are removed." if rm_user_data
                         else "The objects left on its disks are kept.")

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_call(f"decommission {node.daemon_id}",
                              client.cluster.decommission(node.daemon_id, rm_user_data=rm_user_data),
                              then=self.load, cmd=node_lifecycle("decommission", node.daemon_id,
                                                                 rm_user_data=rm_user_data))

        self.app.push_screen(ConfirmDialog(f"Decommission {node.daemon_id}?", lines, confirm_label="Decommission",
                                           type_to_confirm=node.daemon_id), answered)

    def action_shutdown(self) -> None:
        """``X``: shut the node under the cursor down (it stays in the Smap and can rejoin), after
        typing its id."""
        if self.console.refuse_if_read_only("shutdown"):
            return
        node = self._selected_node("shut down")
        if node is None:
            return
        from ..spell.admin import node_lifecycle
        from ..widgets.dialogs import ConfirmDialog

        client = self.session.client
        lines = [f"{node.daemon_id} at {node.public_url}:",
                 "shuts down but stays in the cluster map (in maintenance): restart its",
                 "aisnode to rejoin, then m brings it back."]
        lines += self._rebalance_lines(node, first="first ")

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_call(f"shut down {node.daemon_id}", client.cluster.shutdown_node(node.daemon_id),
                              then=self.load, cmd=node_lifecycle("shutdown", node.daemon_id))

        self.app.push_screen(ConfirmDialog(f"Shut down {node.daemon_id}?", lines, confirm_label="Shut down",
                                           type_to_confirm=node.daemon_id), answered)

    # ------------------------------------------------------------------ remote clusters (R, x)

    def action_attach_remote(self) -> None:
        """``R``: attach a remote AIS cluster (alias and URL, checked as the proxy checks them)."""
        if self.console.refuse_if_read_only("attach remote cluster"):
            return
        from ..core.cluster import validate_remote_alias, validate_remote_url
        from ..spell.admin import remote_attach
        from ..widgets.form import Field, FormDialog

        def validate(v: dict[str, str]) -> tuple[str, str]:
            return validate_remote_alias(v["alias"]), validate_remote_url(v["url"])

        def got(pair: tuple[str, str] | None) -> None:
            if pair:
                alias, url = pair
                self.run_call(f"attach remote cluster {alias}", self._none(self.session.client.cluster.attach_remote(
                    alias, url)), then=self.load, cmd=remote_attach(alias, url))

        self.app.push_screen(FormDialog("Attach a remote AIS cluster", [
            Field("alias", "Alias (its buckets become ais://@ALIAS/...)", placeholder="remais"),
            Field("url", "URL of one of its proxies", placeholder="http://10.0.0.5:8080"),
        ], validate, submit_label="Attach"), got)

    def action_detach_remote(self) -> None:
        """``x`` in the remote clusters table: detach the remote cluster under the cursor."""
        if self.console.refuse_if_read_only("detach remote cluster"):
            return
        table = self.query_one("#remotes", LineTable)
        alias = table.cursor_key
        if not table.has_focus or not alias:
            self.notify("x detaches a remote cluster: tab to the remote clusters table and pick one",
                        severity="warning", markup=False)
            return
        from ..spell.admin import remote_detach
        from ..widgets.dialogs import ConfirmDialog

        lines = [f"The remote cluster {alias} is detached from this cluster's config.",
                 f"Its buckets (ais://@{alias}/...) can no longer be reached from here;",
                 "nothing in either cluster is deleted. R attaches it again."]

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_call(f"detach remote cluster {alias}",
                              self._none(self.session.client.cluster.detach_remote(alias)), then=self.load,
                              cmd=remote_detach(alias))

        self.app.push_screen(ConfirmDialog(f"Detach remote cluster {alias}?", lines, confirm_label="Detach"), answered)

    @staticmethod
    async def _none(call: Awaitable[None]) -> list[str] | None:
        """``call`` as :meth:`run_call` takes it: one that starts no job."""
        await call
        return None
