"""The storage screen (``s`` on the cluster screen, ``:storage``): like ``ais show storage`` and
``ais storage mountpath`` together. One row per target (its totals) followed by a row per
mountpath: state (available, disabled, detached, waiting for resilver), used, available and
percent against the cluster's space watermarks, filesystem and label, the disks under it, live
disk utilization and read/write throughput; then cluster totals and the alerts in words.

Refreshes through :class:`~aistui.screens.polling.Polling` (never overlapping, stopped while
hidden, ``p`` pauses). ``e`` enables, ``d`` disables, ``x`` detaches the mountpath under the
cursor, ``a`` attaches one by path to the target under the cursor; each asks first, naming the
target and the mountpath, is refused in ``--read-only``, goes through the session (the command
log shows the ``ais storage mountpath ...`` command) and the resilver it starts is tracked as a
job (a toast when it ends; ``3`` follows it). The data come from ``client.storage``
(:mod:`aistui.core.storage`).
"""

from __future__ import annotations

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
from ..messages import LoadFailed
from ..session import HealthState
from ..widgets.keybar import KeyBar
from ..widgets.linetable import LineTable
from ..widgets.status import StatusBar
from .polling import Polling

if TYPE_CHECKING:
    from ..core.storagemodel import MountpathInfo, StorageSnapshot, TargetStorage

SEP = "\t"  # row keys: "<target>" for a target's row, "<target>\t<mountpath>" for a mountpath's
# (key, title, width, drop priority: higher goes first when the line is too wide)
COLUMNS = [("target", "target", 12), ("mountpath", "mountpath", 20), ("state", "state", 20),
           ("used", f"{'used':>9}", 9, 5), ("avail", f"{'avail':>9}", 9), ("pct", f"{'use%':>4}", 4),
           ("wm", "watermark", 12, 3), ("fs", "filesystem", 15, 6), ("label", "label", 8, 8),
           ("disks", "disks", 8, 4), ("util", f"{'util':>4}", 4, 2), ("read", f"{'read':>11}", 11, 7),
           ("write", f"{'write':>11}", 11, 7)]
STATE_STYLE = {"available": "green", "disabled": "yellow", "detached": "red", "waiting": "magenta"}


def mp_key(target: str, path: str) -> str:
    return f"{target}{SEP}{path}"


class StorageScreen(Polling):
    """Every target's mountpaths; ``target`` puts the cursor on that target's row first."""

    POLL_WHAT = "storage refresh"

    BINDINGS = [
        Binding("escape", "back", "Back", id="storage.back"),
        Binding("r", "refresh", "Refresh", id="storage.refresh"),
        Binding("p", "pause", "Pause", id="storage.pause"),
        Binding("e", "enable", "Enable", id="storage.enable"),
        Binding("d", "disable", "Disable", id="storage.disable"),
        Binding("x", "detach", "Detach", id="storage.detach"),
        Binding("a", "attach", "Attach", id="storage.attach"),
    ]
    DEFAULT_CSS = """
    #storage { height: 1fr; }
    #storage-wm { height: 1; color: $text-muted; padding: 0 1; }
    #storage-totals { height: auto; padding: 0 1; }
    #storage-alerts { height: auto; max-height: 8; padding: 0 1; }
    """

    @dataclass
    class Loaded(Message):
        snap: StorageSnapshot

    def __init__(self, target: str = "") -> None:
        super().__init__()
        self.target = target
        self.snap: StorageSnapshot | None = None
        self._placed = False  # the cursor was put on ``target`` once

    def compose(self) -> ComposeResult:
        status = StatusBar()
        self.console.sync_status(status)
        status.breadcrumb = "cluster › storage"
        yield status
        yield Static("space watermarks: loading …", id="storage-wm", markup=False)
        yield LineTable(COLUMNS, zebra=True, id="storage")
        yield Static("", id="storage-totals")
        yield Static("Alerts", classes="section-title")
        yield Static("", id="storage-alerts")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(LineTable).focus()
        self.load()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.is_mounted:
            self.load()

    @work(exclusive=True, group="storage", exit_on_error=False)
    async def load(self) -> None:
        await self.session.connected.wait()
        try:
            snap = await self.session.client.storage.snapshot()
        except AISError as e:
            self.post_message(LoadFailed(e))
            return
        self.post_message(self.Loaded(snap))

    # ------------------------------------------------------------------ showing

    @on(Loaded)
    def _loaded(self, msg: Loaded) -> None:
        self.snap = snap = msg.snap
        self.session.set_health(HealthState.OK)
        wm = snap.watermarks
        self.query_one("#storage-wm", Static).update(
            f"space watermarks: cleanup {wm.cleanup}% · low {wm.low}% · high {wm.high}% · "
            f"out of space {wm.oos}% · busy disk over {wm.disk_util_high}%")
        rows: list[tuple[str, list[str | Text]]] = []
        for t in snap.targets:
            rows.append((t.target, self._target_row(t)))
            rows.extend((mp_key(m.target, m.path), self._mp_row(m)) for m in t.mountpaths)
        table = self.query_one(LineTable)
        table.set_rows(rows)
        if not self._placed and self.target and self.target in table.keys:
            table.cursor_row = table.get_row_index(self.target)
        self._placed = self._placed or bool(rows)
        self.query_one("#storage-totals", Static).update(self._totals(snap))
        self.query_one("#storage-alerts", Static).update(self._alerts(snap))
        self.poll_ok()

    def _band(self, pct: int) -> Text:
        assert self.snap is not None
        band = self.snap.watermarks.band(pct)
        style = {"out of space": "bold red", "over high": "red", "over low": "yellow"}.get(band, "")
        return Text(band, style=style)

    def _target_row(self, t: TargetStorage) -> list[str | Text]:
        name = Text(f"t[{t.target}]", style="bold")
        if t.error:
            return [name, Text("unreachable", style="red"), Text(t.error, style="red")] + [""] * 10
        n = len(t.mountpaths)
        avail = sum(1 for m in t.mountpaths if m.state == "available")
        spread = f"min {t.pct_min} avg {t.pct_avg}%" if t.pct_min != t.pct_max else ""
        return [name, f"{n} mountpath{'s' if n != 1 else ''}",
                Text(f"{avail} of {n} available", style="bold" if avail == n else "bold yellow"),
                f"{fmt.size(t.used):>9}", f"{fmt.size(t.avail):>9}", f"{t.pct_max:>3}%", self._band(t.pct_max),
                spread, "", f"{len(t.disks)} disk{'s' if len(t.disks) != 1 else ''}", f"{t.util:>3}%",
                f"{fmt.rate(t.read_bps):>11}", f"{fmt.rate(t.write_bps):>11}"]

    def _mp_row(self, m: MountpathInfo) -> list[str | Text]:
        state = Text(m.state_text, style=STATE_STYLE.get(m.state, ""))
        path = "  " + m.path
        if m.state not in ("available", "waiting"):
            return ["", path, state] + [""] * 10
        disks = ",".join(m.disks)
        fs = f"{m.fs}({m.fs_type})" if m.fs_type else m.fs
        return ["", path, state, f"{fmt.size(m.used):>9}", f"{fmt.size(m.avail):>9}", f"{m.pct_used:>3}%",
                self._band(m.pct_used), fs, m.label, Text(disks, style="red" if m.disk_alerts else ""),
                f"{m.util:>3}%", f"{fmt.rate(m.read_bps):>11}", f"{fmt.rate(m.write_bps):>11}"]

    @staticmethod
    def _totals(snap: StorageSnapshot) -> Text:
        mps = snap.mountpaths
        counts = {s: sum(1 for m in mps if m.state == s) for s in ("available", "disabled", "waiting", "detached")}
        parts = [f"{n} {'waiting for resilver' if s == 'waiting' else s}" for s, n in counts.items() if n]
        out = Text()
        out.append("Cluster: ", style="bold")
        out.append(f"used {fmt.size(snap.used)} of {fmt.size(snap.used + snap.avail)} ({snap.pct_used:.0f}%), "
                   f"{fmt.size(snap.avail)} available · read {fmt.rate(snap.read_bps)}, "
                   f"write {fmt.rate(snap.write_bps)} · {len(snap.targets)} target"
                   f"{'s' if len(snap.targets) != 1 else ''}, {len(mps)} mountpaths"
                   f"{' (' + ', '.join(parts) + ')' if parts else ''}")
        return out

    @staticmethod
    def _alerts(snap: StorageSnapshot) -> Text:
        if not snap.alerts:
            return Text("none", style="green")
        return Text("\n").join(Text(a.text, style="red" if a.severity == "error" else "yellow")
                               for a in snap.alerts)

    @on(LoadFailed)
    def _failed(self, msg: LoadFailed) -> None:
        self.poll_failed(msg.error)

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self.load()

    def _cursor(self) -> tuple[str, MountpathInfo | None]:
        """The target and (on a mountpath row) the mountpath under the cursor; ``("", None)``
        before the first refresh."""
        key = self.query_one(LineTable).cursor_key or ""
        target, _, path = key.partition(SEP)
        m = self.snap.find(target, path) if self.snap is not None and path else None
        return target, m

    def _mountpath_for(self, verb: str, states: tuple[str, ...]) -> MountpathInfo | None:
        _, m = self._cursor()
        if m is None:
            self.notify(f"{verb}: put the cursor on a mountpath row", severity="warning", markup=False)
            return None
        if m.state not in states:
            self.notify(f"t[{m.target}] {m.path} is {m.state_text}: nothing to {verb}", severity="warning",
                        markup=False)
            return None
        return m

    def _ask(self, action: str, target: str, path: str, lines: list[str], label: str = "") -> None:
        """Confirm, then run the action through the session (logged, resilver tracked)."""
        from ..spell.admin import mountpath_action
        from ..widgets.dialogs import ConfirmDialog

        def go(ok: bool | None) -> None:
            if not ok:
                return
            storage = self.session.client.storage
            call = {"enable": storage.enable, "disable": storage.disable, "detach": storage.detach}.get(action)
            coro = call(target, path) if call is not None else storage.attach(target, path, label=label)
            self.run_call(f"{action} mountpath t[{target}] {path}", coro, then=self.load,
                          cmd=mountpath_action(action, target, path, label=label))

        self.app.push_screen(ConfirmDialog(f"{action.capitalize()} mountpath {path} on t[{target}]?",
                                           [f"target:    t[{target}]", f"mountpath: {path}", *lines],
                                           confirm_label=action.capitalize()), go)

    def action_enable(self) -> None:
        """``e``: enable the disabled mountpath under the cursor."""
        if self.console.refuse_if_read_only("enable mountpath"):
            return
        m = self._mountpath_for("enable", ("disabled",))
        if m is not None:
            self._ask("enable", m.target, m.path, ["The target uses it again; a resilver moves objects",
                                                   "that belong on it back onto it."])

    def action_disable(self) -> None:
        """``d``: disable the mountpath under the cursor (kept in the target's volume)."""
        if self.console.refuse_if_read_only("disable mountpath"):
            return
        m = self._mountpath_for("disable", ("available",))
        if m is not None:
            self._ask("disable", m.target, m.path, ["Its objects are resilvered to the target's other",
                                                    "mountpaths first; it waits meanwhile. 'e' re-enables it."])

    def action_detach(self) -> None:
        """``x``: detach the mountpath under the cursor from its target."""
        if self.console.refuse_if_read_only("detach mountpath"):
            return
        m = self._mountpath_for("detach", ("available", "disabled"))
        if m is not None:
            self._ask("detach", m.target, m.path, ["It is removed from the target's volume after its",
                                                   "objects are resilvered away; only 'a' (attach) adds it back."])

    def action_attach(self) -> None:
        """``a``: attach a mountpath by path to the target under the cursor."""
        if self.console.refuse_if_read_only("attach mountpath"):
            return
        from ..widgets.dialogs import PromptDialog

        target, m = self._cursor()
        if not target:
            self.notify("attach: put the cursor on a target", severity="warning", markup=False)
            return
        default = m.path if m is not None and m.state == "detached" else ""

        def got(path: str | None) -> None:
            if not path:
                return
            if not path.startswith("/"):
                self.notify(f"attach: {path!r} is not an absolute path", severity="error", markup=False)
                return
            self._ask("attach", target, path, ["A directory on the target's host; a resilver moves",
                                               "objects that belong on it onto it."])

        self.app.push_screen(PromptDialog(f"Attach a mountpath to t[{target}]",
                                          "An absolute path on the target's host (a mounted filesystem).",
                                          value=default, placeholder="/ais/mp3"), got)
