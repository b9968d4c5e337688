"""The command log (``:log``): every action the console took against the cluster, newest first,
with when, what, on what, how it ended and how long it took. The detail line under the table
shows the equivalent ``ais`` command of the entry under the cursor (and the ``aistore`` SDK call,
the only one given where no single command does the same); ``y`` copies the command, ``Y`` the
SDK call, ``esc`` goes back. New entries appear while the screen is shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from ..widgets.keybar import KeyBar
from ..widgets.linetable import LineTable
from ..widgets.status import StatusBar
from .base import AISScreen

if TYPE_CHECKING:
    from ..cmdlog import Entry

COLUMNS = [("time", "time", 8, 1), ("action", "action", None), ("on", "on", None), ("took", "took", 6, 2),
           ("result", "result", None, 3)]  # narrow: the result (the longest, last) is cut or dropped first


def took(seconds: float) -> str:
    """A duration in s as the table shows it: ``12ms``, ``3.4s``, ``2m05s``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


class CmdLogScreen(AISScreen):
    """The session's command log (:attr:`aistui.session.Session.cmdlog`) as a table of entries,
    newest first, and the detail of the entry under the cursor."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="cmdlog.back"),
        Binding("y", "copy_cli", "Copy ais command", id="cmdlog.copy_cli"),
        Binding("Y", "copy_sdk", "Copy SDK call", id="cmdlog.copy_sdk"),
    ]
    DEFAULT_CSS = """
    #cmdlog { height: 1fr; }
    #cmdlog-detail { height: auto; max-height: 40%; border-top: solid $primary-background; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._entries: dict[str, Entry] = {}

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield LineTable(COLUMNS, zebra=True, id="cmdlog")
        yield Static("", id="cmdlog-detail", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.console.sync_status(self)
        self.query_one(StatusBar).breadcrumb = "command log"
        log = self.session.cmdlog
        table = self.query_one(LineTable)
        entries = log.newest_first()
        self._entries = {str(e.seq): e for e in entries}
        table.set_rows((str(e.seq), self._cells(e)) for e in entries)
        table.focus()
        self._detail(entries[0] if entries else None)
        log.listen(self._added)

    def on_unmount(self) -> None:
        self.session.cmdlog.unlisten(self._added)

    def _added(self, entry: Entry) -> None:
        """A new entry goes on top; the cursor stays on the entry it was on."""
        table = self.query_one(LineTable)
        key = str(entry.seq)
        self._entries[key] = entry
        table.set_row(key, self._cells(entry))
        table.reorder([key] + [k for k in table.keys if k != key])
        for old in table.keys[len(self.session.cmdlog):]:  # the log is bounded: so is its table
            table.remove_row(old)
            self._entries.pop(old, None)
        self._detail(self.current())

    @staticmethod
    def _cells(e: Entry) -> list[str | Text]:
        result = Text(e.result, style="" if e.ok else "red")
        return [e.time.strftime("%H:%M:%S"), e.action, e.on, took(e.duration_s), result]

    def current(self) -> Entry | None:
        """The entry under the cursor."""
        return self._entries.get(self.query_one(LineTable).cursor_key or "")

    @on(LineTable.Highlighted)
    def _highlighted(self, event: LineTable.Highlighted) -> None:
        self._detail(self._entries.get(event.key or ""))

    def _detail(self, e: Entry | None) -> None:
        if e is None:
            text = "Nothing yet: every action the console takes against the cluster is logged here, " \
                   "with the ais command that does the same."
        else:
            text = f"$ {e.cli}" if e.cli else "no single ais command does this; the SDK call (Y):"
            if e.sdk:
                text += f"\nSDK: {e.sdk}" if e.cli else f"\n{e.sdk}"
        self.query_one("#cmdlog-detail", Static).update(text)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_copy_cli(self) -> None:
        """``y``: copy the ``ais`` command of the entry under the cursor."""
        self._copy("cli")

    def action_copy_sdk(self) -> None:
        """``Y``: copy the SDK call of the entry under the cursor."""
        self._copy("sdk")

    def _copy(self, what: str) -> None:
        e = self.current()
        if e is None:
            return
        text = e.cli if what == "cli" else e.sdk
        label = "ais command" if what == "cli" else "SDK call"
        if not text:
            self.notify(f"no {label} for {e.action}" + ("; Y copies the SDK call" if e.sdk else ""),
                        severity="warning", markup=False, timeout=4)
            return
        how = self.console.copy_text(text)
        self.notify(f"copied the {label} ({how})", markup=False, timeout=3)
