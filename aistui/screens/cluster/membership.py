"""The cluster screen's membership actions on the node under the cursor (``m`` maintenance in
and out, ``D`` decommission, ``X`` shut down; the primary proxy refused) and on remote clusters
(``R`` attach, ``x`` detach). Each asks first with what it does to the data (a typed id for
``D``/``X``), runs through the session (logged as ``ais cluster ...``), and follows the
rebalance it starts; all refused in ``--read-only``. The calls are
:class:`aistui.core.cluster.ClusterAPI`'s (``PUT /v1/cluster`` with an ``ActValRmNode``;
``PUT /v1/cluster/attach|detach?what=remote``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...widgets.linetable import LineTable
from ..polling import Polling

if TYPE_CHECKING:  # the models load with the first refresh, after the first frame

    from ...core.models import Smap, Snode


class ClusterMembership(Polling):
    """The membership half of the cluster screen (:class:`~.screen.ClusterScreen` adds the
    tables and the polls; these act on its last Smap, ``_smap``, and reload with :meth:`load`)."""

    _smap: Smap | None

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
        from ...spell.admin import node_lifecycle
        from ...widgets.dialogs import ConfirmDialog

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
        from ...widgets.dialogs import ChoiceDialog

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
        from ...spell.admin import node_lifecycle
        from ...widgets.dialogs import ConfirmDialog

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
        from ...spell.admin import node_lifecycle
        from ...widgets.dialogs import ConfirmDialog

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
        from ...core.cluster import validate_remote_alias, validate_remote_url
        from ...spell.admin import remote_attach
        from ...widgets.form import Field, FormDialog

        def validate(v: dict[str, str]) -> tuple[str, str]:
            return validate_remote_alias(v["alias"]), validate_remote_url(v["url"])

        def got(pair: tuple[str, str] | None) -> None:
            if pair:
                alias, url = pair
                self.run_call(f"attach remote cluster {alias}", self.session.client.cluster.attach_remote(alias, url),
                              then=self.load, cmd=remote_attach(alias, url))

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
        from ...spell.admin import remote_detach
        from ...widgets.dialogs import ConfirmDialog

        lines = [f"The remote cluster {alias} is detached from this cluster's config.",
                 f"Its buckets (ais://@{alias}/...) can no longer be reached from here;",
                 "nothing in either cluster is deleted. R attaches it again."]

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_call(f"detach remote cluster {alias}",
                              self.session.client.cluster.detach_remote(alias), then=self.load,
                              cmd=remote_detach(alias))

        self.app.push_screen(ConfirmDialog(f"Detach remote cluster {alias}?", lines, confirm_label="Detach"), answered)
