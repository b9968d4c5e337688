"""Objects screen: a lazy listing by virtual directory, with a details and preview panel.

The first page shows while the rest waits; the next page loads as the cursor nears the end.
``enter`` opens a directory (or previews a shard member), ``backspace`` goes up, ``esc`` goes back
to buckets. Moving onto an object shows its properties (HEAD) and a capped preview; moving on
cancels the previous fetch.
"""

from __future__ import annotations

import asyncio
import copy
import os
import shlex
import time
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from .. import format as fmt
from ..core.aio import run_in_own_loop
from ..core.errors import AISError, InvalidInput
from ..core.listing import DirCursor
from ..core.models import Bck, ObjectProps, ObjEntry
from ..core.transfer import Progress, TransferResult, download, plan_upload, upload
from ..messages import LoadFailed
from ..widgets.dialogs import ChoiceDialog, ConfirmDialog, PromptDialog, TransferDialog
from ..widgets.keybar import KeyBar
from ..widgets.objlist import DIR, ObjectList, column_header, printable
from ..widgets.preview import IMAGE_CAP, TEXT_CAP, Preview, kind_of
from ..widgets.status import StatusBar
from .base import AISScreen

PREFETCH_ROWS = 100  # load the next page when the cursor is this close to the end
DEBOUNCE_S = 0.12    # wait this long on a row before fetching its details and preview


class ObjectsScreen(AISScreen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="objects.back"),
        Binding("backspace", "up", "Up", id="objects.up"),
        Binding("space", "toggle_select", "Select", id="objects.select"),
        Binding("v", "range_select", "Range", id="objects.select_range"),
        Binding("a", "select_all", "All", id="objects.select_all"),
        Binding("u", "upload", "Upload", id="objects.upload"),
        Binding("d", "download", "Download", id="objects.download"),
        Binding("x,delete", "delete", "Delete", id="objects.delete"),
        Binding("y", "copy_menu", "Copy…", id="objects.copy"),
        Binding("c", "copy_objects", "Copy to", id="objects.copy_to"),
        Binding("e", "export", "Export", id="objects.export"),
        Binding("E", "evict", "Evict", id="objects.evict"),
        Binding("f", "prefetch", "Prefetch", id="objects.prefetch"),
        Binding("t", "view_etl", "Through ETL", id="objects.view_etl"),
        Binding("slash", "filter", "Filter", id="objects.filter"),
        Binding("P", "prefix_filter", "Prefix", id="objects.prefix"),
        Binding("s", "sort", "Sort", id="objects.sort"),
        Binding("r", "refresh", "Refresh", id="objects.refresh"),
    ]

    DEFAULT_CSS = """
    #objects-body { height: 1fr; }
    #objects-pane { width: 3fr; }
    #objects { height: 1fr; }
    ObjectHeader { height: 1; color: $text-muted; }
    #side { width: 2fr; min-width: 30; border-left: solid $primary-background; }
    #details { height: auto; padding: 0 1; }
    """

    @dataclass
    class PageLoaded(Message):
        """A page of ``cursor``'s listing arrived (stale when the screen moved on since)."""

        cursor: DirCursor
        entries: list[ObjEntry]

    def __init__(self, bck: Bck, prefix: str = "", label: str = "", name_prefix: str = ""):
        super().__init__()
        self.bck = bck
        self.label = label or str(bck)
        self.prefix = prefix        # the virtual directory shown (ends with "/" or is "")
        self.name_prefix = name_prefix  # server-side filter: only names starting with prefix + this
        self._cursor: DirCursor | None = None  # the listing shown: it owns the paging state
        self._loading = False
        self._shown = ""  # object whose details are on screen
        self._anchor: str | None = None  # range selection start (v)
        self._transfer = None

    @property
    def selected(self) -> set[str]:
        return self.query_one(ObjectList).selected

    @property
    def filter(self) -> str:
        return self.query_one(ObjectList).filter

    def compose(self) -> ComposeResult:
        # The first page is asked for while the screen is built: the cluster's time to answer
        # overlaps composing and painting (its handler runs after the screen is mounted).
        self.load_page(first=True)
        yield StatusBar()
        yield Static("", id="objects-hint", classes="hint")
        with Horizontal(id="objects-body"):
            with Vertical(id="objects-pane"):
                yield ObjectHeader()
                yield ObjectList(near_end=PREFETCH_ROWS, id="objects")
            with Vertical(id="side"):
                yield Static("", id="details")
                yield Preview(protocol=self.console.image_protocol, id="preview")
        yield KeyBar()

    def on_mount(self) -> None:
        self.console.sync_status(self)
        self.query_one(ObjectList).focus()
        self._reset_view()

    # ------------------------------------------------------------------ listing

    def _crumb(self) -> str:
        return f"cluster › {self.label} › {self.prefix}" + (f"{self.name_prefix}*" if self.name_prefix else "")

    def _reset_view(self) -> None:
        self._anchor = None
        olist = self.query_one(ObjectList)
        olist.strip = len(self.prefix)
        olist.clear()
        self.query_one(StatusBar).breadcrumb = self._crumb()
        self.query_one(ObjectHeader).refresh()
        self._update_hint()

    def reload(self) -> None:
        """List the current directory (and name prefix) again from its start."""
        self._cursor = None
        self._reset_view()
        self.load_page(first=True)

    @property
    def _done(self) -> bool:
        return self._cursor is not None and self._cursor.done

    @work(exclusive=True, group="objects", exit_on_error=False)
    async def load_page(self, first: bool = False) -> None:
        """The next page of the listing (with ``first``, a new listing of the directory shown),
        through the core's :class:`~aistui.core.listing.DirCursor`."""
        self._loading = True
        await self.session.connected.wait()  # the connection check speaks first
        if first or self._cursor is None:
            self._cursor = self.session.client.objects.dir_cursor(self.bck, self.prefix, self.name_prefix)
        cursor = self._cursor
        try:
            entries = await cursor.next_page()
        except AISError as e:
            self._loading = False
            self.post_message(LoadFailed(e))
            return
        self.post_message(self.PageLoaded(cursor, entries))

    @on(PageLoaded)
    def _page_loaded(self, msg: PageLoaded) -> None:
        self._loading = False
        if msg.cursor is not self._cursor:
            return  # a stale page from before the user moved
        self.query_one(ObjectList).append((e.name, DIR if e.is_dir else e.size) for e in msg.entries)
        self._update_hint()

    def on_object_list_near_end(self, _: ObjectList.NearEnd) -> None:
        if not self._done and not self._loading:
            self._loading = True
            self.load_page()

    def _update_hint(self) -> None:
        olist = self.query_one(ObjectList)
        more = "" if self._done else "+ (more load as you scroll)"
        parts = [f"{olist.loaded:,}{more} entries under {self.label}/{self.prefix}{self.name_prefix}"]
        if olist.selected:
            parts.append(f"{len(olist.selected):,} selected")
        if self._anchor is not None:
            parts.append("range: move, then v selects")
        if olist.filter:
            parts.append(f"filter {olist.filter!r}: {olist.row_count:,} of the loaded rows")
        if olist.sorting:
            col, rev = olist.sorting
            parts.append(f"sorted by {col} {'▼' if rev else '▲'} (only the {olist.loaded:,} loaded rows)")
        self.query_one("#objects-hint", Static).update(Text(" · ".join(parts)))

    def on_load_failed(self, msg: LoadFailed) -> None:
        self.notify(f"listing failed: {msg.error}", severity="error", markup=False)

    # ------------------------------------------------------------------ details and preview

    def on_object_list_highlighted(self, event: ObjectList.Highlighted) -> None:
        self._inspect_cursor()  # Activated, a subclass, goes to on_object_list_activated only

    def _inspect_cursor(self) -> None:
        name = self.query_one(ObjectList).cursor_key
        if not name or name == self._shown:
            return
        self._shown = name
        if name.endswith("/"):
            self.query_one("#details", Static).update(Text.assemble((printable(name), "bold"),
                                                                    "\nvirtual directory · enter opens it"))
            self.query_one(Preview).show_info("")
            self.workers.cancel_group(self, "inspect")
            return
        self.query_one(Preview).show_loading(name)
        self.inspect(name)

    @work(exclusive=True, group="inspect", exit_on_error=False)
    async def inspect(self, name: str) -> None:
        """HEAD the object, then fetch a capped preview; cancelled when the cursor moves on."""
        await asyncio.sleep(DEBOUNCE_S)
        client = self.session.client
        preview = self.query_one(Preview)
        try:
            props = await client.objects.head(self.bck, name)
        except AISError as e:
            self.query_one("#details", Static).update(Text.assemble((name, "bold"), "\n", (str(e), "red")))
            preview.show_info("")
            return
        self.query_one("#details", Static).update(_details(props))
        kind = kind_of(name)
        try:
            if kind == "archive":
                members, truncated = await client.objects.list_archive(self.bck, name, limit=500)
                preview.show_archive(name, members, truncated)
                return
            cap = IMAGE_CAP if kind == "image" else TEXT_CAP
            data = await client.objects.get(self.bck, name, max_bytes=cap) if props.size else b""
            preview.show_bytes(name, data, total=props.size, capped=props.size > len(data))
        except AISError as e:
            preview.show_error(name, str(e))

    @work(exclusive=True, group="member", exit_on_error=False)
    async def preview_member(self, shard: str, member: str) -> None:
        client = self.session.client
        preview = self.query_one(Preview)
        try:
            cap = IMAGE_CAP if kind_of(member) == "image" else TEXT_CAP
            data = b""
            async for chunk in client.objects.iter_get(self.bck, shard, archpath=member):
                data += chunk
                if len(data) >= cap:
                    break
            preview.show_member(member, data[:cap], total=len(data), capped=len(data) >= cap)
        except AISError as e:
            preview.show_member(member, str(e).encode(), total=0, capped=False)

    # ------------------------------------------------------------------ navigation

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "members":
            self.preview_member(self._shown, str(event.row_key.value))

    def on_object_list_activated(self, event: ObjectList.Activated) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        name = self.query_one(ObjectList).cursor_key
        if name and name.endswith("/"):
            self.go(name)

    def go(self, prefix: str) -> None:
        """Show the virtual directory ``prefix`` ("" for the bucket's top; ends with "/")."""
        self.prefix = prefix
        self.name_prefix = ""
        self._shown = ""
        self.reload()

    def action_up(self) -> None:
        if not self.prefix and not self.name_prefix:
            return
        parts = self.prefix.rstrip("/").split("/")[:-1]
        self.go("/".join(parts) + "/" if parts else "")

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self._shown = ""
        self.reload()

    # ------------------------------------------------------------------ selection

    def action_toggle_select(self) -> None:
        olist = self.query_one(ObjectList)
        name = olist.cursor_key
        if not name or name.endswith("/"):
            return
        olist.toggle_selected(name)
        self._update_hint()
        olist.move_cursor(row=olist.cursor_row + 1)

    def action_range_select(self) -> None:
        """``v`` marks where a range starts; ``v`` again selects every object from there to the
        cursor (inclusive, in the order shown)."""
        olist = self.query_one(ObjectList)
        here = olist.cursor_key
        if here is None:
            return
        if self._anchor is None:
            self._anchor = here
        else:
            try:
                a = olist.get_row_index(self._anchor)
            except KeyError:
                a = olist.cursor_row
            lo, hi = sorted((a, olist.cursor_row))
            names = [n for n in (olist.key_at(r) for r in range(lo, hi + 1)) if n and not n.endswith("/")]
            olist.set_selected(olist.selected | set(names))
            self._anchor = None
        self._update_hint()

    def action_select_all(self) -> None:
        """Select every loaded object shown (after the filter); again to clear."""
        olist = self.query_one(ObjectList)
        names = {n for n in olist.keys() if not n.endswith("/")}
        olist.set_selected(set() if olist.selected == names else names)
        self._update_hint()

    def targets(self) -> list[str]:
        """What an action applies to: the selection, else the object under the cursor."""
        olist = self.query_one(ObjectList)
        if olist.selected:
            return sorted(olist.selected)
        name = olist.cursor_key
        return [name] if name and not name.endswith("/") else []

    # ------------------------------------------------------------------ actions

    def action_copy_menu(self) -> None:
        """``y``: copy the name(s), the ``ais://`` URI(s) or an ``ais get`` command to the clipboard."""
        names = self.targets()
        if not names:
            return
        n = len(names)
        what = f"{n:,} objects" if n > 1 else names[0]

        def got(key: str | None) -> None:
            if key:
                self.copy_as(key, names)

        choices = [("u", "ais:// URI"), ("n", "object name"),
                   ("g", "`ais get` command (downloads to the current directory)")]
        self.app.push_screen(ChoiceDialog(f"Copy {what} as", choices), got)

    def copy_as(self, how: str, names: list[str]) -> None:
        """Copy ``names`` as URIs (``u``), bare names (``n``) or ``ais get`` commands (``g``)."""
        if how == "n":
            lines = names
        elif how == "g":
            lines = [shlex.join(["ais", "get", f"{self.label}/{n}", os.path.basename(n) or "."]) for n in names]
        else:
            lines = [f"{self.label}/{n}" for n in names]
        label = {"n": "name", "g": "ais get command", "u": "URI"}[how]
        copied = self.console.copy_text("\n".join(lines))
        self.notify(f"copied {len(lines)} {label}{'s' if len(lines) > 1 else ''} ({copied})", markup=False, timeout=3)

    def action_delete(self) -> None:
        if self.console.refuse_if_read_only("delete"):
            return
        names = self.targets()
        if not names:
            return
        shown = [f"  {n}" for n in names[:8]] + ([f"  … and {len(names) - 8:,} more"] if len(names) > 8 else [])
        lines = [f"Delete {len(names):,} object{'s' if len(names) > 1 else ''} "
                 f"({fmt.size(self.query_one(ObjectList).total_size(names))}) from {self.label}:"] + shown + [
                 "", "This cannot be undone."]

        def done(ok: bool | None) -> None:
            if ok:
                self.run_delete(names)

        self.app.push_screen(ConfirmDialog("Delete objects", lines, confirm_label="Delete"), done)

    @work(group="mutate", exit_on_error=False)
    async def run_delete(self, names: list[str]) -> None:
        client = self.session.client
        try:
            if len(names) == 1:
                await client.objects.delete(self.bck, names[0])
            else:
                job = await client.jobs.wait(await client.objects.delete_many(self.bck, names=names), timeout=600)
                if job.error:
                    raise AISError(job.error)
        except AISError as e:
            self.notify(f"delete failed: {e}", severity="error", markup=False)
        else:
            self.notify(f"deleted {len(names):,} object{'s' if len(names) > 1 else ''}", markup=False)
        self.reload()

    def action_upload(self) -> None:
        if self.console.refuse_if_read_only("upload"):
            return

        def got(path: str | None) -> None:
            if not path:
                return
            try:
                plan = plan_upload([os.path.expanduser(p) for p in shlex.split(path)], prefix=self.prefix)
            except (InvalidInput, ValueError) as e:
                self.notify(str(e), severity="error", markup=False)
                return
            dialog = TransferDialog(f"Upload {len(plan):,} files to {self.label}/{self.prefix}", self._cancel_transfer)
            self.app.push_screen(dialog)
            self._transfer = self.run_upload(plan, dialog)

        self.app.push_screen(PromptDialog(
            f"Upload into {self.label}/{self.prefix}", "Files, directories (recursive) or globs, separated by spaces.",
            placeholder="~/data/images"), got)

    def _in_io_thread(self, run, dialog: TransferDialog):
        """``run(client, on_progress)`` on the transfer thread's own loop and client (see
        :func:`~aistui.core.aio.run_in_own_loop`): thousands of request callbacks never sit in
        front of a keypress. Progress comes back to the dialog through this loop."""
        loop = asyncio.get_running_loop()
        settings = self.session.settings

        def progress(p: Progress) -> None:
            loop.call_soon_threadsafe(dialog.update_progress, copy.copy(p))

        async def factory():
            from ..core.client import AISClient

            async with AISClient(settings) as client:
                return await run(client, _throttled(progress))

        return run_in_own_loop(factory, name="aistui-transfer")

    @work(group="transfer", exit_on_error=False)
    async def run_upload(self, plan, dialog: TransferDialog) -> None:
        res = await self._in_io_thread(
            lambda client, on_progress: upload(client, self.bck, plan, on_progress=on_progress), dialog)
        dialog.update_progress(res.progress)
        dialog.finish(_summary("uploaded", res))
        if res.failed:
            self.notify(_failures(res), severity="error", markup=False, timeout=10)
        self.reload()

    def action_download(self) -> None:
        names = self.targets()
        whole = not names
        what = (f"{len(names):,} object{'s' if len(names) > 1 else ''}" if names
                else f"everything under {self.label}/{self.prefix}")

        def got(dest: str | None) -> None:
            if not dest:
                return
            d = Path(os.path.expanduser(dest))
            dialog = TransferDialog(f"Download {what} to {d}", self._cancel_transfer)
            self.app.push_screen(dialog)
            self._transfer = self.run_download(None if whole else names, d, dialog)

        default = str(Path.cwd() / self.bck.name)
        self.app.push_screen(PromptDialog(f"Download {what} to directory", "Objects keep their path below the "
                                          "current directory; partial files never remain.", value=default), got)

    @work(group="transfer", exit_on_error=False)
    async def run_download(self, names: list[str] | None, dest: Path, dialog: TransferDialog) -> None:
        res = await self._in_io_thread(
            lambda client, on_progress: download(client, self.bck, names, dest,
                                                 prefix=self.prefix if names is None else None,
                                                 strip_prefix=self.prefix, on_progress=on_progress), dialog)
        dialog.update_progress(res.progress)
        dialog.finish(_summary("downloaded", res))
        if res.failed:
            self.notify(_failures(res), severity="error", markup=False, timeout=10)

    def action_filter(self) -> None:
        """``/``: filter the loaded rows by substring, locally (the listing keeps loading)."""
        def got(text: str | None) -> None:
            self.query_one(ObjectList).set_filter(text or "")
            self._update_hint()

        self.app.push_screen(PromptDialog("Filter", "Show loaded rows whose name contains this text "
                                          "(case-insensitive); empty clears. Only loaded rows are filtered.",
                                          value=self.filter), got)

    def action_prefix_filter(self) -> None:
        """``P``: list only names in this directory that start with a prefix, on the server."""
        def got(text: str | None) -> None:
            self.name_prefix = text or ""
            self._shown = ""
            self.reload()

        self.app.push_screen(PromptDialog(f"Prefix (server-side) in {self.label}/{self.prefix}",
                                          "The cluster lists only names that start with this; empty clears.",
                                          value=self.name_prefix), got)

    SORTS = [None, ("name", False), ("name", True), ("size", True), ("size", False)]

    def action_sort(self) -> None:
        """``s``: cycle listing order → name ▲ → name ▼ → size ▼ → size ▲ (loaded rows only)."""
        olist = self.query_one(ObjectList)
        nxt = self.SORTS[(self.SORTS.index(olist.sorting) + 1) % len(self.SORTS)]
        olist.sort_by(*(nxt or (None,)))
        self.query_one(ObjectHeader).refresh()
        self._update_hint()

    def action_view_etl(self) -> None:
        """``t``: preview the object under the cursor as an ETL returns it (inline transform:
        GET with ``etl_name``); the stored object is not changed."""
        name = self.query_one(ObjectList).cursor_key
        if not name or name.endswith("/"):
            return

        def got(etl: str | None) -> None:
            if etl:
                self.console.show_etl_preview(etl, self.bck, name)

        self.app.push_screen(PromptDialog(f"View {name} through ETL", "The name of a running ETL "
                                          "(the ETL screen, 4, lists them).", placeholder="etl-name"), got)

    def action_export(self) -> None:
        """``e``: PyTorch loader code for the selection, or for this directory."""
        self.console.show_export(self.bck, self.prefix + self.name_prefix, sorted(self.selected) or None)

    def _remote_targets(self, what: str) -> list[str] | None:
        if self.console.refuse_if_read_only(what):
            return None
        if not self.bck.is_remote:
            self.notify(f"{self.label} is not a remote bucket: nothing to {what}", severity="warning", markup=False)
            return None
        return self.targets()

    def action_evict(self) -> None:
        names = self._remote_targets("evict")
        if not names:
            return
        lines = [f"Evict the in-cluster copies of {len(names):,} object{'s' if len(names) > 1 else ''} of "
                 f"{self.label}:"] + [f"  {n}" for n in names[:8]] + (
                 [f"  … and {len(names) - 8:,} more"] if len(names) > 8 else []) + [
                 "", "The remote origin keeps them; a later GET fetches them again."]

        def done(ok: bool | None) -> None:
            if ok:
                self.run_call("evict", self.session.client.objects.evict_many(self.bck, names=names))

        self.app.push_screen(ConfirmDialog("Evict objects", lines, confirm_label="Evict"), done)

    def action_prefetch(self) -> None:
        names = self._remote_targets("prefetch")
        if names:
            self.run_call("prefetch", self.session.client.objects.prefetch(self.bck, names=names))

    def action_copy_objects(self) -> None:
        if self.console.refuse_if_read_only("copy"):
            return
        names = self.targets()
        if not names:
            return

        def got(text: str | None) -> None:
            dst = self.parse_bucket(text) if text else None
            if dst is not None:
                self.run_call(f"copy to {dst}", self.session.client.objects.copy_many(self.bck, dst, names=names))

        self.app.push_screen(PromptDialog(f"Copy {len(names):,} object{'s' if len(names) > 1 else ''} to bucket",
                                          "Destination bucket (created if missing); names are kept.",
                                          placeholder="ais://other"), got)

    def _cancel_transfer(self) -> None:
        if self._transfer is not None:
            self._transfer.cancel()
            self.notify("transfer cancelled", severity="warning")



def _throttled(fn, interval: float = 0.1):
    """Call ``fn(progress)`` at most every ``interval`` seconds (progress callbacks fire per chunk)."""
    last = 0.0

    def call(p: Progress) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= interval:
            last = now
            fn(p)

    return call


def _summary(verb: str, res: TransferResult) -> str:
    p = res.progress
    out = f"{verb} {len(res.done):,} files ({fmt.size(p.bytes_done)}) in {p.elapsed:.1f} s"
    return out + (f"; {len(res.failed):,} failed" if res.failed else "")


def _failures(res: TransferResult) -> str:
    items = list(res.failed.items())
    text = "; ".join(f"{n}: {why}" for n, why in items[:3])
    return f"{len(items)} failed: {text}" + (" …" if len(items) > 3 else "")


def _details(p: ObjectProps) -> Table:
    """Object properties as a two-column grid; every value is plain text, never markup."""
    t = _Grid()
    t.add_row("name", p.name)
    t.add_row("size", f"{fmt.size(p.size)} ({p.size:,} B)")
    if p.checksum:
        t.add_row("checksum", f"{p.checksum_type} {p.checksum}")
    if p.version:
        t.add_row("version", p.version)
    if p.atime:
        t.add_row("atime", p.atime.strftime("%Y-%m-%d %H:%M:%S UTC"))
    for k, v in sorted(p.custom.items()):
        t.add_row(f"meta {k}", v)
    if p.location:
        t.add_row("location", p.location)
    if p.mirror_copies > 1:
        t.add_row("copies", str(p.mirror_copies))
    return t.table


class ObjectHeader(Widget):
    """Column titles over the object list, with the sort arrow."""

    def render(self) -> Text:
        olist = self.screen.query_one(ObjectList)
        return column_header(olist.scrollable_content_region.width or self.size.width, olist.sorting)


class _Grid:
    def __init__(self) -> None:
        self.table = Table.grid(padding=(0, 1))
        self.table.add_column(style="bold")
        self.table.add_column()

    def add_row(self, key: str, value: str) -> None:
        self.table.add_row(Text(key), Text(value))
