"""The aistui Textual application: the shell that renders the session and switches screens.

The :class:`~aistui.session.Session` owns the cluster (client, health, read-only rule, started
jobs); the shell turns its events into status bars, toasts and the connection screen. Screens do
network work only through the session, inside Textual workers (``exit_on_error=False``), and get
results back as messages. Navigation (the ``:`` command line, ``show_*``) is
:mod:`aistui.navigation`.
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
from .navigation import Navigation
from .screens.cluster import ClusterScreen
from .screens.connection import ConnectionScreen
from .session import ConnectionLost, HealthChanged, HealthState, Notice, ReconnectNeeded, Session, SessionEvent
from .widgets.status import StatusBar

if TYPE_CHECKING:
    from .core.client import AISClient


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


class AISTui(Navigation, App):
    """The console. ``settings`` says which cluster; ``read_only`` disables every mutating action;
    ``refresh_s`` is the cluster refresh interval (seconds); ``image_protocol`` is one of
    ``auto``, ``sixel``, ``tgp``, ``halfcell``, ``unicode`` (tests use ``halfcell``); ``client``
    replaces the one built from ``settings`` (snapshot tests pass one with recorded answers).
    The ``:`` command line and the ``show_*`` methods that push each screen are
    :class:`~aistui.navigation.Navigation`'s."""

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
