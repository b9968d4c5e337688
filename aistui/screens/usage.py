"""The usage map (``U`` on the objects screen, ``:du ais://b/prefix/``): like ``ncdu``, each
child virtual directory of a bucket or prefix (and the objects right in it, as one "(files
here)" row) with its object count, bytes and a bar; for a remote bucket the share of its objects
present in the cluster (cached %, and the cached bytes).

Two modes, ``m`` switches, and the progress line says which one is shown:

* **exact**: ONE recursive listing (:func:`aistui.core.usage.usage`), folded page by page: the
  table fills in as it goes ("exact: one listing, N objects so far");
* **cluster**: one bucket-summary job per child directory, plus one for the prefix
  (:func:`aistui.core.usage.cluster_usage`), for buckets too large to list; rows appear as
  their job ends.

``s`` cycles the order (size, count, name), ``enter`` drills into a directory, ``backspace`` goes
up, ``esc`` back. On the directory under the cursor: ``x`` deletes it, ``c`` copies it to a
bucket, ``E`` evicts and ``f`` prefetches it (remote buckets); each asks first where it touches
data, runs as a job through the session (logged with its ``ais`` command), and is refused in
read-only mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from ..cmdlog import Cmd
from ..core.errors import AISError
from ..core.models import Bck
from ..core.usage import LOOSE, DirUsage, UsageSnapshot, cluster_usage, usage
from ..format import size
from ..messages import LoadFailed
from ..spell import data as spell
from ..widgets.dialogs import ConfirmDialog, PromptDialog
from ..widgets.keybar import KeyBar
from ..widgets.linetable import LineTable
from ..widgets.status import StatusBar
from .base import AISScreen

BAR = 20  # cells of the bar column
COLUMNS = [("dir", "directory", None), ("objects", f"{'objects':>11}", 11), ("size", f"{'size':>10}", 10),
           ("bar", "", BAR, 2), ("cached", f"{'cached':>15}", 15, 1)]  # narrow: the bar goes first, then cached
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
        Binding("m", "toggle_mode", "Mode", id="usage.mode"),
        Binding("x,delete", "delete", "Delete", id="usage.delete"),
        Binding("c", "copy_dir", "Copy to", id="usage.copy"),
        Binding("E", "evict", "Evict", id="usage.evict"),
        Binding("f", "prefetch", "Prefetch", id="usage.prefetch"),
    ]
    DEFAULT_CSS = """
    #usage { height: 1fr; }
    """

    @dataclass
    class Progress(Message):
        """A snapshot of the listing of ``run`` (stale once the screen started another)."""

        run: int
        snapshot: UsageSnapshot

    def __init__(self, bck: Bck, prefix: str = "", mode: str = "exact"):
        super().__init__()
        self.bck = bck
        self.prefix = prefix
        self.mode = mode  # exact (one listing) or cluster (summary jobs)
        self._kept: dict[tuple[str, str], UsageSnapshot] = {}  # finished maps by (mode, prefix), until r
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

    def go(self, prefix: str, *, fresh: bool = False) -> None:
        """Show the map of ``prefix``: the finished map of it in this mode if one is kept (going
        back up costs nothing), else a new listing or new jobs (the ones running, if any, are
        cancelled); ``fresh`` always computes it again."""
        self.prefix = prefix
        self.snapshot = None
        self._run += 1
        self.query_one(StatusBar).breadcrumb = f"cluster › {self.bck}/{prefix} › usage"
        self.query_one(LineTable).clear()
        kept = None if fresh else self._kept.get((self.mode, prefix))
        if kept is not None:
            self.workers.cancel_group(self, "usage")
            self.snapshot = kept
            self._fill()
            return
        self._hint()
        self.scan(self._run, prefix, self.mode)

    @work(exclusive=True, group="usage", exit_on_error=False)
    async def scan(self, run: int, prefix: str, mode: str) -> None:
        """The listing (exact: a snapshot message per page) or the summary jobs (cluster: one
        per job that ends); cancelled by the next :meth:`go`."""
        await self.session.connected.wait()
        client = self.session.client
        try:
            snaps = cluster_usage(client, self.bck, prefix) if mode == "cluster" else usage(client, self.bck, prefix)
            async for snap in snaps:
                self.post_message(self.Progress(run, snap))
        except AISError as e:
            self.post_message(LoadFailed(e))

    @on(Progress)
    def _progress(self, msg: Progress) -> None:
        if msg.run != self._run:
            return
        self.snapshot = msg.snapshot
        if msg.snapshot.done:
            self._kept[(msg.snapshot.mode, msg.snapshot.prefix)] = msg.snapshot
            for below in (msg.snapshot.below or {}).values():  # the exact pass saw one level down too
                self._kept[(below.mode, below.prefix)] = below
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
            cached = f"{percent(d.cached_count, d.count):>4} {size(d.cached_bytes):>10}" if s.remote else "—"
            rows.append((d.name or LOOSE_KEY,
                         [d.name or "(files here)", f"{d.count:>11,}", f"{size(d.bytes):>10}",
                          Text(bar(d.count if by_count else d.bytes, whole), style="cyan"),
                          Text(cached, style="yellow" if s.remote and d.cached_count < d.count else "")]))
        table.set_rows(rows)
        self._hint()

    def _hint(self) -> None:
        s = self.snapshot
        order = f"sorted by {self.sort} (s)"
        if self.mode == "cluster":
            text = self._cluster_hint(s) + f" · {order} · m: exact"
        elif s is None:
            text = f"exact: one listing of {self.bck}/{self.prefix}, starting… · {order}"
        elif not s.done:
            text = f"exact: one listing, {s.objects:,} objects so far ({size(s.bytes)}, {s.pages:,} pages) · {order}"
        else:
            dirs = sum(1 for d in s.dirs if d.name)
            text = (f"exact: one listing, {s.objects:,} objects, {size(s.bytes)} in {dirs:,} "
                    f"{'directory' if dirs == 1 else 'directories'}")
            if s.remote:
                text += (f" · cached {s.cached_count:,} of {s.objects:,} ({percent(s.cached_count, s.objects)}, "
                         f"{size(s.cached_bytes)} of {size(s.bytes)})")
            text += f" · {order} · m: cluster"
            if not s.dirs:
                text += f" · nothing under {self.bck}/{self.prefix}"
        self.query_one("#usage-hint", Static).update(text)

    def _cluster_hint(self, s: UsageSnapshot | None) -> str:
        if s is None:
            return f"cluster: listing the directories of {self.bck}/{self.prefix}…"
        jobs = f"{s.jobs_total:,} summary job{'s' if s.jobs_total != 1 else ''} (summary-bck)"
        if not s.done:
            return f"cluster: {jobs}, {s.jobs_done:,} done"
        text = f"cluster: {jobs}: {s.objects:,} objects, {size(s.bytes)}"
        if s.remote:
            text += (f" · cached {s.cached_count:,} of {s.objects:,} ({percent(s.cached_count, s.objects)}, "
                     f"{size(s.cached_bytes)})")
        return text

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
        """``r``: compute the map again (and forget the maps kept)."""
        self._kept.clear()
        self.go(self.prefix, fresh=True)

    def action_toggle_mode(self) -> None:
        """``m``: exact (one listing) ↔ cluster (a summary job per directory), computed again."""
        self.mode = "cluster" if self.mode == "exact" else "exact"
        self.go(self.prefix, fresh=True)

    # ---------------------------------------------------------------- actions on a directory

    def _chosen_dir(self, what: str, *, remote: bool = False) -> str | None:
        """The full prefix of the directory under the cursor (after the read-only rule), or
        None with a notice: the "(files here)" row is not a directory."""
        if self.console.refuse_if_read_only(what):
            return None
        if remote and not self.bck.is_remote:
            self.notify(f"{self.bck} is not a remote bucket: nothing to {what}", severity="warning", markup=False)
            return None
        key = self.query_one(LineTable).cursor_key
        if not key or not key.endswith("/"):
            self.notify(f"{what}: put the cursor on a directory", severity="warning", markup=False)
            return None
        return self.prefix + key

    def _row(self, key: str) -> DirUsage | None:
        s = self.snapshot
        return next((d for d in s.dirs if d.name == key), None) if s else None

    def _what(self, prefix: str) -> str:
        d = self._row(prefix[len(self.prefix):])
        counted = f" ({d.count:,} objects, {size(d.bytes)} when counted)" if d else ""
        return f"every object under {self.bck}/{prefix}{counted}"

    def action_delete(self) -> None:
        """``x``: delete the directory under the cursor (``delete-listrange`` with its prefix)."""
        p = self._chosen_dir("delete")
        if p is None:
            return
        lines = [f"Delete {self._what(p)}.", "", "This cannot be undone."]

        def done(ok: bool | None) -> None:
            if ok:
                self.run_job(f"delete {self.bck}/{p}", self.session.client.objects.delete_many(self.bck, prefix=p),
                             spell.delete_prefix(self.bck, p))

        self.app.push_screen(ConfirmDialog("Delete directory", lines, confirm_label="Delete"), done)

    def action_evict(self) -> None:
        """``E``: evict the in-cluster copies of the directory under the cursor (remote buckets)."""
        p = self._chosen_dir("evict", remote=True)
        if p is None:
            return
        lines = [f"Evict the in-cluster copies of {self._what(p)}.", "",
                 "The remote origin keeps them; a later GET fetches them again."]

        def done(ok: bool | None) -> None:
            if ok:
                self.run_job(f"evict {self.bck}/{p}", self.session.client.objects.evict_many(self.bck, prefix=p),
                             spell.evict_prefix(self.bck, p))

        self.app.push_screen(ConfirmDialog("Evict directory", lines, confirm_label="Evict"), done)

    def action_prefetch(self) -> None:
        """``f``: prefetch the directory under the cursor into the cluster (remote buckets)."""
        p = self._chosen_dir("prefetch", remote=True)
        if p is not None:
            self.run_job(f"prefetch {self.bck}/{p}", self.session.client.objects.prefetch(self.bck, prefix=p),
                         spell.prefetch_prefix(self.bck, p))

    def action_copy_dir(self) -> None:
        """``c``: copy the directory under the cursor to a bucket (``copy-bck`` with its prefix;
        names are kept)."""
        p = self._chosen_dir("copy")
        if p is None:
            return

        def got(text: str | None) -> None:
            dst = self.parse_bucket(text) if text else None
            if dst is not None:
                self.run_job(f"copy {self.bck}/{p} → {dst}", self.session.client.buckets.copy(self.bck, dst, prefix=p),
                             spell.copy_bucket(self.bck, dst, prefix=p))

        self.app.push_screen(PromptDialog(f"Copy {self.bck}/{p} to bucket",
                                          "Destination bucket (created if missing); names are kept.",
                                          placeholder="ais://other"), got)

    @work(group="mutate", exit_on_error=False)
    async def run_job(self, what: str, call, cmd: Cmd) -> None:
        """Start the job through the session (tracked, logged as ``cmd``), wait for it, then
        compute the map again."""
        try:
            ids = await self.session.start(what, call, cmd)
        except AISError as e:
            self.notify(f"{what} failed: {e}", severity="error", markup=False, timeout=10)
            return
        if ids:
            self.console.track_job(ids, what)
        self.notify(f"{what}: job {', '.join(ids)} started" if ids else f"{what}: done", markup=False, timeout=6)
        try:
            if ids:
                await self.session.client.jobs.wait(ids, timeout=3600)
        except AISError as e:
            self.notify(f"{what}: {e}", severity="error", markup=False, timeout=10)
        self._kept.clear()
        self.go(self.prefix, fresh=True)

    def action_back(self) -> None:
        self.app.pop_screen()
