"""A node's log (``l`` on the cluster screen): the node's current log, then what it logs next
(polled with the next offset every refresh interval; polls never overlap and stop while another
screen is on top), ``v`` cycles the severity (info, warning, error), ``/`` shows only the lines
that contain a text (matches highlighted), ``s`` saves the lines shown to a local file, ``p``
pauses, ``esc`` goes back. Also "collect all logs" (``L`` on the cluster screen, and the palette):
every node's logs in one local archive."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from ..core.errors import AISError
from ..messages import LoadFailed
from ..widgets.followlog import FollowLog
from ..widgets.keybar import KeyBar
from ..widgets.status import StatusBar
from .polling import Polling

if TYPE_CHECKING:
    from ..core.logs import Severity

SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory, renamed over
    ``path`` when complete (nothing partial remains). Raises OSError."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


class NodeLogScreen(Polling):
    """The log of node ``node_id``, following."""

    POLL_WHAT = "log refresh"

    BINDINGS = [
        Binding("escape", "back", "Back", id="nodelog.back"),
        Binding("v", "cycle_severity", "Severity", id="nodelog.severity"),
        Binding("slash", "search", "Search", id="nodelog.search"),
        Binding("s", "save", "Save", id="nodelog.save"),
        Binding("p", "pause", "Pause", id="nodelog.pause"),
    ]
    DEFAULT_CSS = """
    #node-log { height: 1fr; }
    #node-log-hint { height: 1; color: $text-muted; padding: 0 1; }
    """

    @dataclass
    class Tailed(Message):
        severity: str
        from_offset: int
        text: str
        next_offset: int
        rotated: bool

    def __init__(self, node_id: str) -> None:
        super().__init__()
        self.node_id = node_id
        self.severity: Severity = "info"
        self.log_offset = 0

    def compose(self) -> ComposeResult:
        status = StatusBar()
        self.console.sync_status(status)
        status.breadcrumb = self._crumb()
        yield status
        hint = Static("loading …", id="node-log-hint", markup=False)
        yield FollowLog(hint, id="node-log")
        yield hint
        yield KeyBar()

    def _crumb(self) -> str:
        return f"cluster › {self.node_id} › log ({self.severity})"

    def on_mount(self) -> None:
        self.query_one(FollowLog).focus()
        self.load()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.is_mounted:
            self.load()

    @work(exclusive=True, group="nodelog", exit_on_error=False)
    async def load(self) -> None:
        from ..core.logs import LogRotated

        sev, off, rotated = self.severity, self.log_offset, False
        logs = self.session.client.logs
        try:
            try:
                text, nxt = await logs.tail(self.node_id, severity=sev, offset=off)
            except LogRotated:
                rotated = True
                text, nxt = await logs.tail(self.node_id, severity=sev)
        except AISError as e:
            self.post_message(LoadFailed(e))
            return
        self.post_message(self.Tailed(sev, off, text, nxt, rotated))

    @on(Tailed)
    def _tailed(self, msg: Tailed) -> None:
        if msg.severity != self.severity or msg.from_offset != self.log_offset:
            return  # stale (the severity changed, or the same lines were applied already): a poll follows
        log = self.query_one(FollowLog)
        if msg.rotated:
            log.reset()
        self.log_offset = msg.next_offset
        if msg.text or msg.rotated or not log.lines_seen:
            log.append_lines(msg.text.splitlines())
        self.poll_ok()

    @on(LoadFailed)
    def _failed(self, msg: LoadFailed) -> None:
        self.poll_failed(msg.error)

    def action_back(self) -> None:
        self.dismiss()

    def action_cycle_severity(self) -> None:
        """``v``: info → warning → error → info; the log is read again from its start."""
        self.severity = SEVERITIES[(SEVERITIES.index(self.severity) + 1) % len(SEVERITIES)]
        self.log_offset = 0
        self.query_one(FollowLog).reset()
        self.query_one(StatusBar).breadcrumb = self._crumb()
        self.notify(f"severity: {self.severity}"
                    + (" (the node's ERROR log: warnings and errors)" if self.severity != "info" else ""),
                    timeout=2)
        self.load()

    def action_search(self) -> None:
        """``/``: show only the lines that contain a text (empty shows all)."""
        from ..widgets.form import Field, FormDialog

        log = self.query_one(FollowLog)

        def got(values: dict[str, Any] | None) -> None:
            if values is not None:
                log.set_filter(values["text"])

        self.app.push_screen(FormDialog("Search the log", [Field("text", "Show the lines that contain", log.filter)],
                                        lambda v: v), got)

    def action_save(self) -> None:
        """``s``: save the lines shown (the filter applies) to a local file."""
        from ..widgets.dialogs import PromptDialog

        log = self.query_one(FollowLog)
        want = log.filter.lower()
        lines = [ln for ln in log.lines_seen if want in ln.lower()] if want else list(log.lines_seen)
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.node_id)
        default = str(Path.cwd() / f"{safe}-{self.severity}-{time.strftime('%Y%m%d-%H%M%S')}.log")

        def got(path: str | None) -> None:
            if not path:
                return
            dest = Path(path).expanduser()
            try:
                write_atomic(dest, "".join(ln + "\n" for ln in lines))
            except OSError as e:
                self.notify(f"cannot save {dest}: {e.strerror or e}", severity="error", markup=False, timeout=8)
                return
            self.notify(f"saved {len(lines):,} lines to {dest}", markup=False, timeout=4)

        self.app.push_screen(PromptDialog("Save the log", f"{len(lines):,} lines to a local file", default), got)


def collect_all_logs(app: Any) -> None:
    """Ask for a destination, then download every node's logs into one archive there, saying
    which node is being fetched (``client.logs.download_all``). A reading action."""
    from ..widgets.dialogs import PromptDialog

    default = str(Path.cwd() / time.strftime("aislogs-%Y%m%d-%H%M%S.tar"))

    def got(path: str | None) -> None:
        if path:
            app.run_worker(_collect(app, Path(path).expanduser()), group="collect-logs", exit_on_error=False)

    app.push_screen(PromptDialog("Collect all logs", "every node's logs in one archive (a tar of one "
                                 ".tar.gz per node)", default), got)


async def _collect(app: Any, dest: Path) -> None:
    def progress(node_id: str, done: int, total: int) -> None:
        if node_id:
            app.notify(f"collecting logs: {node_id} ({done + 1}/{total})", markup=False, timeout=2)

    try:
        out = await app.session.client.logs.download_all(dest, on_progress=progress)
    except AISError as e:
        app.notify(f"collect logs failed: {e}", severity="error", markup=False, timeout=8)
        return
    app.notify(f"all logs saved to {out}", markup=False, timeout=6)
