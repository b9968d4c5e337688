"""The aistui Textual application: the shell that renders the session and switches screens.

The :class:`~aistui.session.Session` owns the cluster (client, health, read-only rule, started
jobs); the shell turns its events into status bars, toasts and the connection screen. Screens do
network work only through the session, inside Textual workers (``exit_on_error=False``), and get
results back as messages.
"""

from __future__ import annotations

import gc
import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen

from . import assets  # pyright: ignore[reportAttributeAccessIssue]  # aistui.assets is assets/ (setuptools package-dir), which pyright does not map
from .core import ConnectionSettings
from .core.errors import InvalidInput
from .screens.cluster import ClusterScreen
from .screens.connection import ConnectionScreen
from .session import ConnectionLost, HealthChanged, HealthState, Notice, ReconnectNeeded, Session, SessionEvent
from .widgets.status import StatusBar

if TYPE_CHECKING:
    from .core.client import AISClient
    from .core.models import Bck
    from .export.spec import ExportSpec


def _later(module: str, name: str):
    """A mode's screen, imported when the mode is first shown (a faster first frame)."""
    def make() -> Screen:
        return getattr(importlib.import_module(f"{__package__}.screens.{module}"), name)()

    make.__qualname__ = name
    return make


def _commands():
    """The palette's context commands (textual.command is imported when the palette opens)."""
    from .commands import AISCommands

    return AISCommands


class _Stylesheet(Stylesheet):
    """Textual's stylesheet, except that re-parsing with unchanged CSS variables reuses the rules
    already parsed from each source (``_parse_rules`` caches them by source text; setting
    different variables still clears that cache). Textual re-parses every source from scratch
    when a mode shows its first screen (``App._init_mode`` calls ``refresh_css``), which
    tokenized the app's, the screens' and the widgets' CSS three times before the first frame."""

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables != self._variables:
            super().set_variables(variables)

    def reparse(self) -> None:
        self.parse()  # on an error it raises and keeps the current rules, like Stylesheet.reparse


class AISTui(App):
    """The console. ``settings`` says which cluster; ``read_only`` disables every mutating action;
    ``refresh_s`` is the cluster refresh interval (seconds); ``image_protocol`` is one of
    ``auto``, ``sixel``, ``tgp``, ``halfcell``, ``unicode`` (tests use ``halfcell``); ``client``
    replaces the one built from ``settings`` (snapshot tests pass one with recorded answers)."""

    TITLE = "aistui"
    COMMANDS = App.COMMANDS | {_commands}
    CSS_PATH = str(Path(assets.__file__).with_name("aistui.tcss"))
    MODES = {"cluster": ClusterScreen, "buckets": _later("buckets", "BucketsScreen"),
             "jobs": _later("jobs", "JobsScreen"), "etl": _later("etl", "ETLScreen")}
    DEFAULT_MODE = "cluster"
    BINDINGS = [
        Binding("1", "switch_mode('cluster')", "Cluster", id="app.cluster"),
        Binding("2", "switch_mode('buckets')", "Buckets", id="app.buckets"),
        Binding("3", "switch_mode('jobs')", "Jobs", id="app.jobs"),
        Binding("4", "switch_mode('etl')", "ETL", id="app.etl"),
        Binding("colon", "command_line", "Jump", id="app.jump"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("j", "cursor('down')", "Down", show=False, id="app.down"),
        Binding("k", "cursor('up')", "Up", show=False, id="app.up"),
        Binding("g", "cursor('top')", "First", show=False, id="app.first"),
        Binding("G", "cursor('bottom')", "Last", show=False, id="app.last"),
        Binding("question_mark", "toggle_help", "Help", id="app.help"),
    ]

    def __init__(self, settings: ConnectionSettings, *, read_only: bool = False, refresh_s: float = 2.0,
                 theme: str = "", keymap: dict[str, str] | None = None, image_protocol: str = "auto",
                 client: AISClient | None = None, jobs_keep_s: float = 3600.0):
        super().__init__()
        self.stylesheet = _Stylesheet(variables=self.get_css_variables())
        self.image_protocol = image_protocol
        self.session = Session(settings, read_only=read_only, refresh_s=refresh_s, jobs_keep_s=jobs_keep_s,
                               client=client)
        self.session.listen(self._on_session_event)
        if theme:
            self.theme = theme
        self._keymap = keymap or {}

    # What tests and scripts read of the console; the session holds each of them.
    @property
    def client(self) -> AISClient:
        """The core client for the current cluster (the session's)."""
        return self.session.client

    @property
    def settings(self) -> ConnectionSettings:
        """The current cluster's connection settings (the session's)."""
        return self.session.settings

    @property
    def read_only(self) -> bool:
        """Whether the read-only rule is on (the session's)."""
        return self.session.read_only

    @property
    def health(self) -> HealthState:
        """The session's health state (a ``str`` enum: ``"ok"``, ``"reconnecting"``, ...)."""
        return self.session.health

    def action_cursor(self, where: str) -> None:
        """``j``/``k``/``g``/``G`` in tables (the object list has its own)."""
        from textual.widgets import DataTable

        table = self.focused
        if isinstance(table, DataTable):
            {"down": table.action_cursor_down, "up": table.action_cursor_up,
             "top": table.action_scroll_top, "bottom": table.action_scroll_bottom}[where]()

    def action_toggle_help(self) -> None:
        """``?``: the key help of the focused screen, generated from its bindings."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    # ------------------------------------------------------------------ rendering the session

    def sync_status(self, target: Screen | StatusBar) -> None:
        """Copy the session's status into a screen's status bar (or into a status bar that is
        not mounted yet)."""
        bar = target if isinstance(target, StatusBar) else target.query_one(StatusBar)
        s = self.session
        bar.cluster = s.settings.label
        bar.health = str(s.health)
        bar.version = s.version
        bar.read_only = s.read_only
        bar.insecure = s.settings.skip_verify

    def _status_bars(self) -> list[StatusBar]:
        """The status bars of the shown mode's screens (a screen of another mode syncs its own
        when it is shown again: :class:`~aistui.screens.base.AISScreen`)."""
        return [bar for sc in self.screen_stack for bar in sc.query(StatusBar)]

    def _on_session_event(self, event: SessionEvent) -> None:
        if isinstance(event, HealthChanged):
            for bar in self._status_bars():
                self.sync_status(bar)
        elif isinstance(event, Notice):
            self.notify(event.text, severity=event.severity, markup=False, timeout=event.timeout)
        elif isinstance(event, ReconnectNeeded):
            self.reconnect()
        elif isinstance(event, ConnectionLost):
            self.push_screen(ConnectionScreen(self.session.settings.endpoint, event.reason, event.hint),
                             self._after_connection_screen)

    def set_health(self, health: str) -> None:
        """A screen's own refresh saw the cluster answer (``ok``) or not (``unreachable``)."""
        self.session.set_health(HealthState(health))

    def copy_text(self, text: str) -> str:
        """Put ``text`` on the clipboard (OSC 52, tmux passthrough, pyperclip); returns how."""
        from . import clipboard

        self._clipboard = text  # what Textual's own copy would record; tests read app.clipboard

        def write(seq: str) -> None:
            if self._driver is not None:
                self._driver.write(seq)

        return clipboard.copy(text, write)

    def track_job(self, ids: list[str], what: str) -> None:
        """Watch jobs started from aistui (``what`` names them): a toast says when they finish,
        fail or are aborted, whatever screen is shown; the jobs screen opens filtered to them."""
        if ids:
            self.session.started.add(ids, what)
            self.watch_started_jobs()

    @work(exclusive=True, group="started-jobs", exit_on_error=False)
    async def watch_started_jobs(self) -> None:
        async for outcome in self.session.watch_started():
            self.notify(outcome.text, severity=outcome.severity, markup=False, timeout=10)

    def refuse_if_read_only(self, what: str) -> bool:
        """True (and a notification) when the read-only rule forbids ``what``."""
        refusal = self.session.refusal(what)
        if refusal:
            self.notify(refusal, severity="warning", markup=False)
        return refusal is not None

    # ------------------------------------------------------------------ navigation

    def action_command_line(self) -> None:
        """``:``: jump somewhere (``:b ais://imgs/train/``, ``:jobs``, ``:ctx prod``)."""
        from .jump import HELP
        from .widgets.dialogs import PromptDialog

        def got(text: str | None) -> None:
            if text:
                self.jump(text)

        self.push_screen(PromptDialog(":", HELP, placeholder="b ais://bucket/prefix/"), got)

    def jump(self, text: str) -> None:
        """Run one ``:`` command; a mistake is a notice, never a traceback."""
        from .jump import parse_jump, split_prefix

        try:
            j = parse_jump(text)
        except InvalidInput as e:
            self.notify(str(e), severity="error", markup=False, timeout=8)
            return
        if j.kind == "quit":
            self.exit()
        elif j.kind == "log":
            self.show_cmdlog()
        elif j.kind == "perf":
            self.show_perf()
        elif j.kind == "config":
            self.show_config(j.target or None)
        elif j.kind == "storage":
            self.show_storage()
        elif j.kind == "usage" and j.bck is not None:
            self.show_usage(j.bck, j.prefix)
        elif j.kind == "gallery" and j.bck is not None:
            self.show_gallery(j.bck, j.prefix)
        elif j.kind == "doctor" and j.bck is not None:
            self.show_doctor(j.bck, j.prefix)
        elif j.kind == "balance" and j.bck is not None:
            self.show_balance(j.bck, j.prefix)
        elif j.kind == "mode":
            self.switch_mode(j.target)
        elif j.kind == "ctx":
            if j.target:
                self.switch_context(j.target)
            else:
                names = ", ".join(self.context_names()) or "none (add clusters to the config file)"
                self.notify(f"clusters: {names}", markup=False, timeout=8)
        elif j.kind == "bucket" and j.bck is not None:
            bck, (directory, start) = j.bck, split_prefix(j.prefix)

            async def open_bucket() -> None:
                await self.switch_mode("buckets")
                while len(self.screen_stack) > 1:
                    self.pop_screen()
                self.show_objects(bck, prefix=directory, name_prefix=start)

            self.call_later(open_bucket)

    def show_objects(self, bck: Bck, prefix: str = "", label: str = "", name_prefix: str = "") -> None:
        """Push the objects screen of ``bck`` at the virtual directory ``prefix`` (``label``
        names the bucket in the breadcrumb; ``name_prefix`` lists only names starting with it)."""
        from .screens.objects import ObjectsScreen

        self.push_screen(ObjectsScreen(bck, prefix=prefix, label=label, name_prefix=name_prefix))

    def show_export(self, bck: Bck, prefix: str = "", names: list[str] | None = None,
                    preset: dict[str, object] | None = None) -> None:
        """Push the export screen for ``names`` (a selection), or for everything under ``prefix``;
        ``preset`` starts the form (``style``, ``labels``, ``label_file``) and carries the
        balance view's ``class_weights`` and ``weighting``."""
        from .screens.export import ExportScreen

        self.push_screen(ExportScreen(bck, prefix, names, preset))

    def show_dryrun(self, spec: ExportSpec, code: str, workers: list[int], max_batches: int,
                    max_seconds: float) -> None:
        """Push the live dry-run screen (``l`` on the export screen): ``code`` run with each
        ``num_workers`` in ``workers`` (``max_batches``/``max_seconds`` per run), updated each
        second, with the cluster's GET rate and disk utilization on the same time axis."""
        from .screens.dryrun import DryRunScreen

        self.push_screen(DryRunScreen(spec, code, workers, max_batches, max_seconds))

    def show_node_log(self, node_id: str) -> None:
        """Push the log of node ``node_id`` (``l`` on the cluster screen): its current log, then
        what it logs next."""
        from .screens.logs import NodeLogScreen

        self.push_screen(NodeLogScreen(node_id))

    def collect_logs(self) -> None:
        """``L`` on the cluster screen and the palette: every node's logs in one local archive."""
        from .screens.logs import collect_all_logs

        collect_all_logs(self)

    def show_cmdlog(self) -> None:
        """Push the command log (``:log``): the session's actions against the cluster, newest
        first, each with its ``ais`` command (``y`` copies it)."""
        from .screens.cmdlog import CmdLogScreen

        self.push_screen(CmdLogScreen())

    def show_perf(self) -> None:
        """Push the per-target performance screen (``P`` on the cluster screen, ``:perf``): GET, PUT,
        append and delete rates, throughput, latency, cold GETs, errors by kind and intra-cluster
        traffic per target, from counter deltas, live."""
        from .screens.perf import PerfScreen

        self.push_screen(PerfScreen())

    def show_config(self, node_id: str | None = None) -> None:
        """Push the config tree (``c`` on the cluster screen, ``:config [NODE_ID]``): the cluster
        config, or node ``node_id``'s with what differs from the cluster marked."""
        from .screens.config import ConfigScreen

        self.push_screen(ConfigScreen(node_id))

    def show_bucket_props(self, bck: Bck, label: str = "") -> None:
        """Push the property tree of ``bck`` (``p`` on the buckets screen; ``label`` names it)."""
        from .screens.props import BucketPropsScreen

        self.push_screen(BucketPropsScreen(bck, label))

    def show_usage(self, bck: Bck, prefix: str = "") -> None:
        """Push the usage map (``U``, ``:du``): objects and bytes under each child directory of
        ``prefix`` in ``bck`` (and the cached share of a remote bucket), from one listing."""
        from .screens.usage import UsageScreen

        self.push_screen(UsageScreen(bck, prefix))

    def show_gallery(self, bck: Bck | None = None, prefix: str = "", shard: str = "") -> None:
        """Push the thumbnail gallery (``i`` on the objects screen, ``:gallery``): the images of
        ``bck`` at the virtual directory ``prefix`` (or shard ``shard``'s members), a screenful
        per get-batch request. Without a bucket (the palette), ask for ``ais://bucket/dir/`` first."""
        if bck is None:
            from .widgets.dialogs import PromptDialog

            def got(text: str | None) -> None:
                if text:
                    self.jump(f"gallery {text}")

            self.push_screen(PromptDialog("Gallery", "Thumbnails of which directory?", value="ais://"), got)
            return
        from .screens.gallery import GalleryScreen

        self.push_screen(GalleryScreen(bck, prefix, shard))

    def show_doctor(self, bck: Bck | None = None, prefix: str = "") -> None:
        """Push the dataset doctor (``H``, ``:doctor``): a background scan of ``bck`` under
        ``prefix`` for empty objects, duplicates and train/val leaks (stored checksums), shard
        samples missing a member, imbalanced classes and images Pillow cannot decode. Without a
        bucket (the palette), ask for ``ais://bucket/prefix`` first."""
        if bck is None:
            from .widgets.dialogs import PromptDialog

            def got(text: str | None) -> None:
                if text:
                    self.jump(f"doctor {text}")

            self.push_screen(PromptDialog("Dataset doctor", "Scan which bucket or prefix?", value="ais://"), got)
            return
        from .screens.doctor import DoctorScreen

        self.push_screen(DoctorScreen(bck, prefix))

    def show_balance(self, bck: Bck | None = None, prefix: str = "") -> None:
        """Push the class balance of ``bck`` under the directory ``prefix`` (``B``, ``:balance``):
        objects and bytes per class per split. Without a bucket (the palette), ask for
        ``ais://bucket/dir/`` first."""
        if bck is None:
            from .widgets.dialogs import PromptDialog

            def got(text: str | None) -> None:
                if text:
                    self.jump(f"balance {text}")

            self.push_screen(PromptDialog("Class balance", "Which dataset directory (its splits are "
                                          "train/, val/, test/...)?", value="ais://"), got)
            return
        from .screens.balance import BalanceScreen

        self.push_screen(BalanceScreen(bck, prefix))

    def show_storage(self, target: str = "") -> None:
        """Push the storage screen (``s`` on the cluster screen, ``:storage``): every target's
        mountpaths, disks, capacity against the watermarks, alerts; the cursor on ``target``."""
        from .screens.storage import StorageScreen

        self.push_screen(StorageScreen(target))

    def show_etl_preview(self, etl: str, bck: Bck, name: str) -> None:
        """Show object ``name`` of ``bck`` as ETL ``etl`` returns it (inline transform)."""
        from .widgets.etlpreview import ETLPreviewDialog

        self.push_screen(ETLPreviewDialog(etl, bck, name, self.image_protocol))

    def context_names(self) -> list[str]:
        """The cluster profiles in the config file (``~/.config/aistui/config.json``)."""
        from .settings import load_app_config

        try:
            return sorted(load_app_config().clusters)
        except (InvalidInput, OSError):
            return []

    @work(exclusive=True, group="context", exit_on_error=False)
    async def switch_context(self, name: str) -> None:
        """Point the console at cluster profile ``name``: a new client, fresh screens (their
        state belonged to the old cluster), the profile's read-only setting, a connection check."""
        try:
            settings = await self.session.switch_context(name)
        except InvalidInput as e:
            self.notify(str(e), severity="error", markup=False, timeout=8)
            return
        current = self.current_mode
        for mode in [m for m in self.MODES if m != current]:
            await self.remove_mode(mode)
            self.add_mode(mode, self.MODES[mode])
        await self.switch_mode("buckets" if current != "buckets" else "cluster")
        await self.remove_mode(current)
        self.add_mode(current, self.MODES[current])
        await self.switch_mode("cluster")
        self.session.set_health(HealthState.CONNECTING)
        self.notify(f"switched to cluster {settings.label}", markup=False, timeout=4)
        self.check_connection()

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        if self._keymap:
            self.set_keymap(self._keymap)

    def on_ready(self) -> None:
        if not gc.isenabled():  # ``aistui`` paused collection for its startup: resume it, and
            gc.freeze()  # leave what startup made (modules, classes, the first screen) out of it
            gc.enable()
        self.check_connection()
        self.set_interval(min(max(self.session.refresh_s, 1.0), 10.0), self.poll_health)

    @work(exclusive=True, group="health", exit_on_error=False)
    async def poll_health(self) -> None:
        """Every refresh interval (1..10 s), once connected: the session's health probe."""
        await self.session.probe()

    @work(exclusive=True, group="reconnect", exit_on_error=False)
    async def reconnect(self) -> None:
        """The session retries the cluster map until it answers; screens keep their state."""
        await self.session.reconnect()

    async def on_unmount(self) -> None:
        await self.session.aclose()

    @work(exclusive=True, group="connection", exit_on_error=False)
    async def check_connection(self) -> None:
        """Connect the session (it imports the client stack on a thread, so the loop keeps
        painting). Nothing here waits for a particular screen's next refresh: a screen pushed or
        a mode shown before that screen painted would never refresh, and the console would never
        connect (the start-up race)."""
        await self.session.connect()

    async def _after_connection_screen(self, endpoint: str | None) -> None:
        if endpoint is None:
            self.exit()
            return
        try:
            await self.session.use_endpoint(endpoint)
        except InvalidInput as e:
            self.session.set_health(HealthState.UNREACHABLE)
            self.push_screen(ConnectionScreen(self.session.settings.endpoint, str(e), ""),
                             self._after_connection_screen)
            return
        self.check_connection()


__all__ = ["AISTui"]
