"""The usage map (``U`` on the objects screen, ``:du ais://b/prefix/``), exact mode: like
``ncdu``, each child virtual directory of a bucket or prefix (and the objects right in it, as one
"(files here)" row) with its object count, bytes and a bar; for a remote bucket the share of its
objects present in the cluster (cached %).

The numbers come from ONE recursive listing (:func:`aistui.core.usage.usage`), folded page by page:
the table fills in as it goes and the progress line says how far ("exact: one listing, N objects
so far"). ``s`` cycles the order (size, count, name), ``enter`` drills into a directory (a new
listing of it), ``backspace`` goes up, ``esc`` back. Everything here only reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from ..core.errors import AISError
from ..core.models import Bck
from ..core.usage import LOOSE, DirUsage, UsageSnapshot, usage
from ..format import size
from ..messages import LoadFailed
from ..widgets.keybar import KeyBar
from ..widgets.linetable import LineTable
from ..widgets.status import StatusBar
from .base import AISScreen

BAR = 20  # cells of the bar column
COLUMNS = [("dir", "directory", None), ("objects", f"{'objects':>11}", 11), ("size", f"{'size':>10}", 10),
           ("bar", "", BAR, 2), ("cached", "cached", 7, 1)]  # narrow: the bar goes first, then cached
LOOSE_KEY = "*"  # the "(files here)" row (every directory key ends with "/")
SORTS = ["size", "count", "name"]


def bar(part: int, whole: int, width: int = BAR) -> str:
    """``part`` of ``whole`` as a bar of ``width`` cells, in eighths of a cell."""
    if whole <= 0 or part <= 0:
        return ""
    eighths = max(1, round(part * width * 8 / whole))
    full, rest = divmod(min(eighths, width * 8), 8)
    return "█" * full + (" ▏▎▍▌▋▊▉"[rest] if rest else "")


def percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` as ``"73%"`` (floored, so 100% means all of it); ``""`` for nothing."""
    return f"{part * 100 // whole}%" if whole else ""


class UsageScreen(AISScreen):
    """The usage map of ``bck`` under the virtual directory ``prefix`` ("" or ending with "/")."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="usage.back"),
        Binding("backspace", "up", "Up", id="usage.up"),
        Binding("s", "sort", "Sort", id="usage.sort"),
        Binding("r", "refresh", "Refresh", id="usage.refresh"),
    ]
    DEFAULT_CSS = """
    #usage { height: 1fr; }
    """

    @dataclass
    class Progress(Message):
        """A snapshot of the listing of ``run`` (stale once the screen started another)."""

        run: int
        snapshot: UsageSnapshot

    def __init__(self, bck: Bck, prefix: str = ""):
        super().__init__()
        self.bck = bck
        self.prefix = prefix
        self.sort = "size"
        self.snapshot: UsageSnapshot | None = None
        self._run = 0

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="usage-hint", classes="hint", markup=False)
        yield LineTable(COLUMNS, zebra=True, id="usage")
        yield KeyBar()

    def on_mount(self) -> None:
        self.console.sync_status(self)
        self.query_one(LineTable).focus()
        self.go(self.prefix)

    def go(self, prefix: str) -> None:
        """Show the map of ``prefix``: a new listing (the one running, if any, is cancelled)."""
        self.prefix = prefix
        self.snapshot = None
        self._run += 1
        self.query_one(StatusBar).breadcrumb = f"cluster › {self.bck}/{prefix} › usage"
        self.query_one(LineTable).clear()
        self._hint()
        self.scan(self._run, prefix)

    @work(exclusive=True, group="usage", exit_on_error=False)
    async def scan(self, run: int, prefix: str) -> None:
        """The listing, one snapshot message per page (cancelled by the next :meth:`go`)."""
        await self.session.connected.wait()
        try:
            async for snap in usage(self.session.client, self.bck, prefix):
                self.post_message(self.Progress(run, snap))
        except AISError as e:
            self.post_message(LoadFailed(e))

    @on(Progress)
    def _progress(self, msg: Progress) -> None:
        if msg.run != self._run:
            return
        self.snapshot = msg.snapshot
        self._fill()

    @on(LoadFailed)
    def _failed(self, msg: LoadFailed) -> None:
        self.notify(f"usage listing failed: {msg.error}", severity="error", markup=False)
        self.query_one("#usage-hint", Static).update(f"listing failed: {msg.error}")

    def _ordered(self, dirs: tuple[DirUsage, ...]) -> list[DirUsage]:
        if self.sort == "name":
            return sorted(dirs, key=lambda d: (d.name == LOOSE, d.name))
        if self.sort == "count":
            return sorted(dirs, key=lambda d: (-d.count, -d.bytes, d.name))
        return sorted(dirs, key=lambda d: (-d.bytes, -d.count, d.name))

    def _fill(self) -> None:
        s = self.snapshot
        table = self.query_one(LineTable)
        if s is None:
            return
        by_count = self.sort == "count"
        whole = max((d.count if by_count else d.bytes for d in s.dirs), default=0)
        rows: list[tuple[str, list[str | Text]]] = []
        for d in self._ordered(s.dirs):
            cached = percent(d.cached_count, d.count) if s.remote else "—"
            rows.append((d.name or LOOSE_KEY,
                         [d.name or "(files here)", f"{d.count:>11,}", f"{size(d.bytes):>10}",
                          Text(bar(d.count if by_count else d.bytes, whole), style="cyan"),
                          Text(cached, style="yellow" if s.remote and d.cached_count < d.count else "")]))
        table.set_rows(rows)
        self._hint()

    def _hint(self) -> None:
        s = self.snapshot
        order = f"sorted by {self.sort} (s)"
        if s is None:
            text = f"exact: one listing of {self.bck}/{self.prefix}, starting… · {order}"
        elif not s.done:
            text = f"exact: one listing, {s.objects:,} objects so far ({size(s.bytes)}, {s.pages:,} pages) · {order}"
        else:
            dirs = sum(1 for d in s.dirs if d.name)
            text = (f"exact: one listing, {s.objects:,} objects, {size(s.bytes)} in {dirs:,} "
                    f"{'directory' if dirs == 1 else 'directories'}")
            if s.remote:
                text += f" · cached {s.cached_count:,} of {s.objects:,} ({percent(s.cached_count, s.objects)})"
            text += f" · {order}"
            if not s.dirs:
                text += f" · nothing under {self.bck}/{self.prefix}"
        self.query_one("#usage-hint", Static).update(text)

    @on(LineTable.Activated)
    def _open(self, event: LineTable.Activated) -> None:
        event.stop()
        key = event.key
        if key and key.endswith("/"):
            self.go(self.prefix + key)

    def action_up(self) -> None:
        if not self.prefix:
            return
        parts = self.prefix.rstrip("/").split("/")[:-1]
        self.go("/".join(parts) + "/" if parts else "")

    def action_sort(self) -> None:
        """``s``: cycle the order: size ▼ → count ▼ → name ▲."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._fill()
        self._hint()

    def action_refresh(self) -> None:
        self.go(self.prefix)

    def action_back(self) -> None:
        self.app.pop_screen()
