"""The aistui Textual application: shell, connection handling, and screen switching.

Screens do network work only through :mod:`aistui.core` calls inside Textual workers
(``exit_on_error=False``) and get results back as messages.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen

from . import assets
from .core import ConnectionSettings
from .core.errors import AISError, ConnectionFailed, Forbidden, InvalidInput, RequestTimeout, Unauthorized
from .screens.cluster import ClusterScreen
from .screens.connection import ConnectionScreen
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


def _import_client_stack() -> None:
    """Import the core client and what its first requests load (httpx, aiohttp, the msgspec
    models): about 0.4 s of CPU on 2 cores at 2.5 GHz. The connection check runs this on a
    thread, so that the event loop is free to paint the first full frame meanwhile; importing
    it inside the loop held that frame back by as long. (These modules never import Textual or
    the screens, so the two threads cannot wait on each other's import locks.)"""
    for name in ("aistui.core.client", "aistui.core.cluster", "aistui.core.models", "httpx_aiohttp", "aiohttp"):
        importlib.import_module(name)


def _new_client(settings: ConnectionSettings) -> AISClient:
    from .core.client import AISClient

    return AISClient(settings)


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
        self.settings = settings
        self._read_only_flag = read_only  # --read-only: stays on across cluster switches
        self.read_only = read_only or settings.read_only
        self.refresh_s = refresh_s
        self.jobs_keep_s = jobs_keep_s  # the jobs screen hides jobs that ended longer ago
        self._started_jobs = None  # StartedJobs, made when the first job is tracked
        self.health = "connecting"
        self.version = ""
        self._client = client  # built on first use (after the first frame): see ``client``
        self.connected = asyncio.Event()  # set once the cluster has answered; screens wait for it
        if theme:
            self.theme = theme
        self._keymap = keymap or {}

    @property
    def client(self) -> AISClient:
        """The core client for the current cluster, created on first use."""
        if self._client is None:
            self._client = _new_client(self.settings)
        return self._client

    @client.setter
    def client(self, value: AISClient) -> None:
        self._client = value

    @property
    def started_jobs(self):
        """Jobs started from aistui, watched until they end (:class:`~.screens.jobs.StartedJobs`)."""
        if self._started_jobs is None:
            from .screens.jobs import StartedJobs

            self._started_jobs = StartedJobs()
        return self._started_jobs

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

    # ------------------------------------------------------------------ status

    def sync_status(self, screen: Screen | StatusBar) -> None:
        """Copy the app-wide status into a screen's status bar (or into a status bar that is
        not mounted yet)."""
        bar = screen if isinstance(screen, StatusBar) else screen.query_one(StatusBar)
        bar.cluster = self.settings.label
        bar.health = self.health
        bar.version = self.version
        bar.read_only = self.read_only
        bar.insecure = self.settings.skip_verify

    def set_health(self, health: str) -> None:
        """Show ``health`` in every status bar. Once connected, "unreachable" shows as
        "reconnecting" and starts :meth:`reconnect`: screens stay as they are meanwhile."""
        if health == "unreachable" and self.connected.is_set():
            if self.health != "reconnecting":
                self.reconnect()
            health = "reconnecting"
        elif health == "ok" and self.health == "reconnecting":
            self.notify(f"reconnected to {self.settings.label}", markup=False, timeout=4)
        self.health = health
        for screen in self.screen_stack:
            try:
                screen.query_one(StatusBar).health = health
            except Exception:  # noqa: BLE001 - screens without a status bar
                pass

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
            self.started_jobs.add(ids, what)
            self.watch_started_jobs()

    @work(exclusive=True, group="started-jobs", exit_on_error=False)
    async def watch_started_jobs(self) -> None:
        await self.started_jobs.watch(self)

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
        from .screens.objects import ObjectsScreen

        try:
            j = parse_jump(text)
        except InvalidInput as e:
            self.notify(str(e), severity="error", markup=False, timeout=8)
            return
        if j.kind == "quit":
            self.exit()
        elif j.kind == "mode":
            self.switch_mode(j.target)
        elif j.kind == "ctx":
            if j.target:
                self.switch_context(j.target)
            else:
                names = ", ".join(self.context_names()) or "none (add clusters to the config file)"
                self.notify(f"clusters: {names}", markup=False, timeout=8)
        elif j.kind == "bucket" and j.bck is not None:
            directory, start = split_prefix(j.prefix)

            async def open_bucket() -> None:
                await self.switch_mode("buckets")
                while len(self.screen_stack) > 1:
                    self.pop_screen()
                await self.push_screen(ObjectsScreen(j.bck, prefix=directory, name_prefix=start))

            self.call_later(open_bucket)

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
        from .core.config import discover

        try:
            settings = discover(profile=name)
        except InvalidInput as e:
            self.notify(str(e), severity="error", markup=False, timeout=8)
            return
        old = self.client
        self.connected.clear()
        self.settings = settings
        self.read_only = self._read_only_flag or settings.read_only
        self.client = _new_client(settings)
        self.version = ""
        await old.aclose()
        current = self.current_mode
        for mode in [m for m in self.MODES if m != current]:
            await self.remove_mode(mode)
            self.add_mode(mode, self.MODES[mode])
        await self.switch_mode("buckets" if current != "buckets" else "cluster")
        await self.remove_mode(current)
        self.add_mode(current, self.MODES[current])
        await self.switch_mode("cluster")
        self.set_health("connecting")
        self.notify(f"switched to cluster {settings.label}", markup=False, timeout=4)
        self.check_connection()

    def refuse_if_read_only(self, what: str) -> bool:
        """True (and a notification) when ``--read-only`` forbids ``what``."""
        if self.read_only:
            self.notify(f"read-only mode: {what} is disabled", severity="warning", markup=False)
            return True
        return False

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        if self._keymap:
            self.set_keymap(self._keymap)

    def on_ready(self) -> None:
        if not gc.isenabled():  # ``aistui`` paused collection for its startup: resume it, and
            gc.freeze()  # leave what startup made (modules, classes, the first screen) out of it
            gc.enable()
        # After the first frame: the first request imports aiohttp (~0.4 s), which must not
        # delay the first paint.
        self.check_connection()
        self.set_interval(min(max(self.refresh_s, 1.0), 10.0), self.poll_health)

    @work(exclusive=True, group="health", exit_on_error=False)
    async def poll_health(self) -> None:
        """Every refresh interval (1..10 s), once connected: ``GET /v1/health`` with a 3 s
        timeout and no retries. Any HTTP answer means the proxy is there; a refused connection
        or a timeout means it is gone, and the status bar says "reconnecting"."""
        if not self.connected.is_set() or self.health == "reconnecting":
            return
        try:
            await self.client.request("GET", "/v1/health", timeout=3.0, idempotent=False)
        except (ConnectionFailed, RequestTimeout):
            self.set_health("unreachable")
        except AISError:
            pass

    @work(exclusive=True, group="reconnect", exit_on_error=False)
    async def reconnect(self) -> None:
        """Retry the cluster map with backoff (0.5 s doubling to 5 s) until the cluster answers
        (or a screen's own refresh got through first), then set health "ok", which says
        "reconnected". Screens keep their state; a refused token opens the connection screen."""
        delay = 0.5
        while self.connected.is_set() and self.health == "reconnecting":
            await asyncio.sleep(delay)
            try:
                await self.client.cluster.smap()
            except (Unauthorized, Forbidden) as e:
                self.connected.clear()
                self._connection_failed(str(e), "The token was refused: set AIS_AUTHN_TOKEN or "
                                        "AIS_AUTHN_TOKEN_FILE (or ~/.config/ais/cli/auth.token).")
                return
            except AISError:
                delay = min(delay * 2, 5.0)
                continue
            if self.health == "reconnecting":
                self.set_health("ok")
            return

    async def on_unmount(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    @work(exclusive=True, group="connection", exit_on_error=False)
    async def check_connection(self) -> None:
        if self._client is None:
            # On a thread: the event loop keeps painting while the client stack imports. Nothing
            # here waits for a particular screen's next refresh: a screen pushed or a mode shown
            # before that screen painted would never refresh, and the console would never connect.
            await asyncio.to_thread(_import_client_stack)
        try:
            await self.client.cluster.smap()
            self.version = (await self.client.cluster.version()).rstrip(".")
        except (Unauthorized, Forbidden) as e:
            self._connection_failed(str(e), "The token was refused: set AIS_AUTHN_TOKEN or "
                                    "AIS_AUTHN_TOKEN_FILE (or ~/.config/ais/cli/auth.token).")
            return
        except ConnectionFailed as e:
            self._connection_failed(e.reason, "Is the cluster running? Check --endpoint or AIS_ENDPOINT.")
            return
        except AISError as e:
            self._connection_failed(str(e))
            return
        self.set_health("ok")
        self.connected.set()
        for screen in self.screen_stack:
            try:
                screen.query_one(StatusBar).version = self.version
            except Exception:  # noqa: BLE001
                pass

    def _connection_failed(self, reason: str, hint: str = "") -> None:
        self.set_health("unreachable")
        self.push_screen(ConnectionScreen(self.settings.endpoint, reason, hint), self._after_connection_screen)

    async def _after_connection_screen(self, endpoint: str | None) -> None:
        if endpoint is None:
            self.exit()
            return
        if endpoint != self.settings.endpoint:
            try:
                self.settings = self.settings.with_endpoint(endpoint)
            except InvalidInput as e:
                self._connection_failed(str(e))
                return
            await self.client.aclose()
            self.client = _new_client(self.settings)
        self.set_health("connecting")
        self.check_connection()


__all__ = ["AISTui"]
