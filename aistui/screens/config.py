"""Config (``c`` on the cluster screen, ``:config [NODE_ID]``): the cluster config, or one node's
config, as a tree (``ais config cluster`` / ``ais config node NODE_ID``). ``e`` or ``enter`` on a
leaf edits it in a dialog that shows old → new, the scope (every node, or this node only) and
transient vs persistent; ``/`` searches keys and values, ``n``/``N`` go to the next/previous match;
for a node, leaves that differ from the cluster are marked, ``d`` shows only those (its
overrides) and ``R`` drops them (back to the cluster config, after a confirm). ``r`` reads again,
``esc`` goes back. Edits and the reset are refused in ``--read-only``.

Data: ``client.config`` (:mod:`aistui.core.configapi`): ``GET /v1/cluster?what=cluster_config``,
``GET /v1/reverse/daemon?what=config`` with ``Ais-Node-Id``; set through ``set-config``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from ..core.conftree import ConfigDiff, config_value, leaf_text, nest, node_local_keys
from ..core.errors import AISError
from ..messages import LoadFailed
from ..spell import admin as spell
from ..widgets.jsontree import JsonTree
from ..widgets.keybar import KeyBar
from ..widgets.status import StatusBar
from .base import TreeScreen


def diff_tree(diffs: list[ConfigDiff]) -> dict[str, Any]:
    """The differing keys as one nested object of the node's values (for the ``d`` view)."""
    out: dict[str, Any] = {}
    for d in diffs:
        node = out
        parts = d.key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node.update(nest(parts[-1], d.node))
    return out


class ConfigScreen(TreeScreen):
    """The cluster config (``node_id`` None) or node ``node_id``'s config, as a tree."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="config.back"),
        Binding("e", "edit", "Edit", id="config.edit"),
        Binding("slash", "search", "Search", id="config.search"),
        Binding("n", "next_match", "Next", id="config.next"),
        Binding("N", "prev_match", "Prev match", show=False, id="config.prev"),
        Binding("d", "toggle_diff", "Differs", id="config.diff"),
        Binding("R", "reset", "Reset", id="config.reset"),
        Binding("r", "refresh", "Refresh", show=False, id="config.refresh"),
    ]
    DEFAULT_CSS = "#config-hint { height: 1; color: $text-muted; padding: 0 1; }"
    SEARCH_TITLE = "Search the config"

    @dataclass
    class Loaded(Message):
        config: dict[str, Any]
        diffs: list[ConfigDiff]
        local: list[str]

    def __init__(self, node_id: str | None = None) -> None:
        super().__init__()
        self.node_id = node_id
        self.config: dict[str, Any] = {}
        self.diffs: list[ConfigDiff] = []
        self.local: list[str] = []
        self.diff_only = False
        self.loaded = False

    @property
    def scope(self) -> str:
        """Where an edit applies, in words."""
        return f"node {self.node_id} only (an override)" if self.node_id else "cluster: every node"

    def compose(self) -> ComposeResult:
        status = StatusBar()
        self.console.sync_status(status)
        status.breadcrumb = self._crumb()
        yield status
        yield Static("loading …", id="config-hint", markup=False)
        yield JsonTree("config", id="config-tree")
        yield KeyBar()

    def _crumb(self) -> str:
        if self.node_id:
            return f"cluster › {self.node_id} › config" + (" (differs)" if self.diff_only else "")
        return "cluster › config"

    def on_mount(self) -> None:
        self.query_one(JsonTree).focus()
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_diff", "reset") and not self.node_id:
            return False  # a node's keys: hidden on the cluster config
        return True

    @work(exclusive=True, group="config", exit_on_error=False)
    async def load(self) -> None:
        from ..core.conftree import config_diff

        await self.session.connected.wait()
        cfg = self.session.client.config
        try:
            if self.node_id:
                node = await cfg.node(self.node_id)
                cluster = await cfg.cluster()
                self.post_message(self.Loaded(node, config_diff(node, cluster), node_local_keys(node, cluster)))
            else:
                self.post_message(self.Loaded(await cfg.cluster(), [], []))
        except AISError as e:
            self.post_message(LoadFailed(e))

    @on(Loaded)
    def _loaded(self, msg: Loaded) -> None:
        self.config, self.diffs, self.local, self.loaded = msg.config, msg.diffs, msg.local, True
        self._show()

    def _show(self) -> None:
        tree = self.query_one(JsonTree)
        marks = {d.key: f"cluster: {leaf_text(d.cluster)}" if not d.missing else "not in the cluster config"
                 for d in self.diffs}
        tree.set_data(diff_tree(self.diffs) if self.diff_only else self.config, marks)
        if self.diff_only:
            tree.root.expand_all()
        self._hint()

    def _hint(self) -> None:
        parts = [f"node {self.node_id}" if self.node_id else self.scope]
        if self.node_id:
            n = len(self.diffs)
            parts.append(f"{n} key{'s' if n != 1 else ''} differ{'s' if n == 1 else ''} from the cluster"
                         + (" (shown)" if self.diff_only else " (d: those only)"))
        if self.matches_text():
            parts.append(self.matches_text())
        self.query_one("#config-hint", Static).update(Text(" · ".join(parts)))

    @on(LoadFailed)
    def _failed(self, msg: LoadFailed) -> None:
        what = f"config of {self.node_id}" if self.node_id else "cluster config"
        self.query_one("#config-hint", Static).update(Text(f"cannot read the {what}: {msg.error}"))
        self.notify(f"cannot read the {what}: {msg.error}", severity="error", markup=False, timeout=8)

    # ------------------------------------------------------------------ keys

    def action_toggle_diff(self) -> None:
        """``d``: only the keys where this node differs from the cluster (again: everything)."""
        if not self.node_id:
            return
        self.diff_only = not self.diff_only
        self.query_one(StatusBar).breadcrumb = self._crumb()
        if self.diff_only and not self.diffs:
            self.notify(f"{self.node_id} has the cluster's config: no overrides", timeout=4)
        self._show()

    def action_edit(self) -> None:
        """``e``/``enter`` on a leaf: edit it (old → new, scope, transient or persistent)."""
        key = self.leaf_to_edit("edit config")
        if key is None:
            return
        from ..core.errors import InvalidInput
        from ..widgets.editvalue import Edited, EditValueDialog

        old = self.json_tree.value(key)
        local = frozenset(self.local)
        try:
            config_value(key, old, leaf_text(old), local=local)
        except InvalidInput as e:
            self.notify(str(e), severity="warning", markup=False, timeout=6)
            return
        node_id = self.node_id
        cfg = self.session.client.config

        def got(ed: Edited | None) -> None:
            if ed is None:
                return
            value: str = ed.value
            if value == leaf_text(old):
                self.notify(f"{key} unchanged", timeout=3)
                return
            if node_id:
                call = cfg.set_node(node_id, {key: value}, transient=ed.transient)
                cmd = spell.set_node_config(node_id, key, value, transient=ed.transient)
            else:
                call = cfg.set_cluster({key: value}, transient=ed.transient)
                cmd = spell.set_cluster_config(key, value, transient=ed.transient)
            self.run_call(f"set {key}={value}" + (" (transient)" if ed.transient else ""), call,
                          then=self.load, cmd=cmd)

        note = "a node's override: the other nodes keep the cluster's value" if node_id else ""
        self.app.push_screen(EditValueDialog(key, leaf_text(old), self.scope,
                                             lambda text: config_value(key, old, text, local=local),
                                             transient=False, note=note), got)

    def action_reset(self) -> None:
        """``R`` (a node's config): drop its overrides, back to the cluster config, after a confirm."""
        if not self.node_id or self.console.refuse_if_read_only("reset node config"):
            return
        from ..widgets.dialogs import ConfirmDialog

        node_id = self.node_id
        keys = [d.key for d in self.diffs]
        lines = [f"{node_id} drops its config overrides and takes the cluster config again.",
                 (f"{len(keys)} key{'s' if len(keys) != 1 else ''} change{'s' if len(keys) == 1 else ''}: "
                  + ", ".join(keys[:6]) + (" …" if len(keys) > 6 else "")) if keys else "It has none now.",
                 "Other nodes are not touched."]

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_call(f"reset config of {node_id}", self.session.client.config.reset_node(node_id),
                              then=self.load, cmd=spell.reset_node_config(node_id))

        self.app.push_screen(ConfirmDialog(f"Reset {node_id}'s config?", lines, confirm_label="Reset"), answered)

