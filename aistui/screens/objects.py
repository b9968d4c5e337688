"""Objects screen: a lazy listing by virtual directory, with a details and preview panel.

The first page shows while the rest waits; the next page loads as the cursor nears the end.
``enter`` opens a directory (or previews a shard member), ``backspace`` goes up, ``esc`` goes back
to buckets. Moving onto an object shows its properties (HEAD) and a capped preview; moving on
cancels the previous fetch.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import time
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from .. import format as fmt
from ..core.errors import AISError, InvalidInput
from ..core.transfer import Progress, TransferResult, download, plan_upload, upload
from ..core.models import Bck, LsoPage, ObjectProps
from ..messages import LoadFailed
from .base import AISScreen
from ..widgets.dialogs import ConfirmDialog, PromptDialog, TransferDialog
from ..widgets.preview import IMAGE_CAP, TEXT_CAP, Preview, kind_of
from ..widgets.status import StatusBar
from ..widgets.tables import cursor_key

FIRST_PAGE = 200     # rows in the first request: it shows fast whatever the bucket size
PAGE_SIZE = 1000     # rows per later request, loaded as the cursor nears the end
PREFETCH_ROWS = 100  # load the next page when the cursor is this close to the end
DEBOUNCE_S = 0.12    # wait this long on a row before fetching its details and preview


class ObjectsScreen(AISScreen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="objects.back"),
        Binding("backspace", "up", "Up", id="objects.up"),
        Binding("space", "toggle_select", "Select", id="objects.select"),
        Binding("a", "select_all", "All", id="objects.select_all"),
        Binding("u", "upload", "Upload", id="objects.upload"),
        Binding("d", "download", "Download", id="objects.download"),
        Binding("x,delete", "delete", "Delete", id="objects.delete"),
        Binding("y", "copy_uri", "Copy URI", id="objects.copy"),
        Binding("c", "copy_objects", "Copy to", id="objects.copy_to"),
        Binding("e", "evict", "Evict", id="objects.evict"),
        Binding("f", "prefetch", "Prefetch", id="objects.prefetch"),
        Binding("slash", "filter", "Filter", id="objects.filter"),
        Binding("r", "refresh", "Refresh", id="objects.refresh"),
        Binding("enter", "open", "Open", id="objects.open", show=False),
    ]

    DEFAULT_CSS = """
    #objects-body { height: 1fr; }
    #objects { width: 3fr; }
    #side { width: 2fr; min-width: 30; border-left: solid $primary-background; }
    #details { height: auto; padding: 0 1; }
    """

    class PageLoaded(Message):
        def __init__(self, prefix: str, page: LsoPage, first: bool):
            super().__init__()
            self.prefix, self.page, self.first = prefix, page, first

    def __init__(self, bck: Bck, prefix: str = "", label: str = ""):
        super().__init__()
        self.bck = bck
        self.label = label or str(bck)
        self.prefix = prefix
        self._uuid = ""
        self._token = ""
        self._done = False
        self._loading = False
        self._count = 0
        self._shown = ""  # object whose details are on screen
        self.selected: set[str] = set()
        self._sizes: dict[str, int] = {}
        self._transfer = None
        self.filter = ""  # local substring filter over the loaded rows

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="objects-hint", classes="hint")
        with Horizontal(id="objects-body"):
            yield DataTable(id="objects", cursor_type="row", zebra_stripes=True)
            with Vertical(id="side"):
                yield Static("", id="details")
                yield Preview(protocol=self.app.image_protocol, id="preview")  # type: ignore[attr-defined]
        yield Footer()

    def on_mount(self) -> None:
        t = self.query_one("#objects", DataTable)
        t.add_column(" ", key="sel", width=1)
        t.add_column("name", key="name", width=30)
        t.add_column("size", key="size", width=10)
        self.app.sync_status(self)  # type: ignore[attr-defined]
        self.reload()

    # ------------------------------------------------------------------ listing

    def _crumb(self) -> str:
        return f"cluster › {self.label} › {self.prefix}"

    def reload(self) -> None:
        self._uuid, self._token, self._done, self._count = "", "", False, 0
        self.selected.clear()
        self._sizes.clear()
        self.query_one("#objects", DataTable).clear()
        self.query_one(StatusBar).breadcrumb = self._crumb()
        self._update_hint()
        self.load_page(first=True)

    @work(exclusive=True, group="objects", exit_on_error=False)
    async def load_page(self, first: bool = False) -> None:
        await self.app.connected.wait()  # type: ignore[attr-defined]  # the connection check speaks first
        client = self.app.client  # type: ignore[attr-defined]
        self._loading = True
        prefix = self.prefix
        try:
            page = await client.objects.list_page(self.bck, prefix=prefix, non_recursive=True,
                                                  page_size=FIRST_PAGE if first else PAGE_SIZE, uuid=self._uuid,
                                                  continuation_token=self._token)
        except AISError as e:
            self._loading = False
            self.post_message(LoadFailed(e))
            return
        self.post_message(self.PageLoaded(prefix, page, first))

    def on_objects_screen_page_loaded(self, msg: PageLoaded) -> None:
        self._loading = False
        if msg.prefix != self.prefix:
            return  # a stale page from before the user moved
        self._uuid, self._token, self._done = msg.page.uuid, msg.page.continuation_token, msg.page.done
        t = self.query_one("#objects", DataTable)
        for e in msg.page.entries or []:
            if e.name == self.prefix:
                continue
            shown = e.name[len(self.prefix):]
            if not e.is_dir:
                self._sizes[e.name] = e.size
            self._count += 1
            if self.filter and self.filter.lower() not in shown.lower():
                continue
            t.add_row("", Text(shown), "" if e.is_dir else fmt.size(e.size), key=e.name)
        self._update_hint()
        if msg.first and t.row_count:
            self._inspect_cursor()

    def _update_hint(self) -> None:
        more = "" if self._done else "+ (more load as you scroll)"
        sel = f" · {len(self.selected):,} selected" if self.selected else ""
        if self.filter:
            shown = self.query_one("#objects", DataTable).row_count
            sel += f" · filter {self.filter!r}: {shown:,} of the loaded rows"
        self.query_one("#objects-hint", Static).update(Text(
            f"{self._count:,}{more} entries under {self.label}/{self.prefix}{sel}"
            " · enter open · space select · / filter · u upload · d download · x delete · y copy URI"))

    def on_load_failed(self, msg: LoadFailed) -> None:
        self.notify(f"listing failed: {msg.error}", severity="error", markup=False)

    # ------------------------------------------------------------------ details and preview

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "objects":
            t = event.data_table
            if not self._done and not self._loading and event.cursor_row >= t.row_count - PREFETCH_ROWS:
                self._loading = True
                self.load_page()
            self._inspect_cursor()

    def _inspect_cursor(self) -> None:
        name = cursor_key(self.query_one("#objects", DataTable))
        if not name or name == self._shown:
            return
        self._shown = name
        if name.endswith("/"):
            self.query_one("#details", Static).update(Text.assemble((name, "bold"), "\nvirtual directory · enter opens it"))
            self.query_one(Preview).show_info("")
            self.workers.cancel_group(self, "inspect")
            return
        self.query_one(Preview).show_loading(name)
        self.inspect(name)

    @work(exclusive=True, group="inspect", exit_on_error=False)
    async def inspect(self, name: str) -> None:
        """HEAD the object, then fetch a capped preview; cancelled when the cursor moves on."""
        await asyncio.sleep(DEBOUNCE_S)
        client = self.app.client  # type: ignore[attr-defined]
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
        client = self.app.client  # type: ignore[attr-defined]
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
            member = str(event.row_key.value)
            self.preview_member(self._shown, member)
            return
        self.action_open()

    def action_open(self) -> None:
        name = cursor_key(self.query_one("#objects", DataTable))
        if name and name.endswith("/"):
            self.prefix = name
            self._shown = ""
            self.reload()

    def action_up(self) -> None:
        if not self.prefix:
            return
        parts = self.prefix.rstrip("/").split("/")[:-1]
        self.prefix = "/".join(parts) + "/" if parts else ""
        self._shown = ""
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self._shown = ""
        self.reload()

    # ------------------------------------------------------------------ selection

    def _mark(self, name: str) -> None:
        t = self.query_one("#objects", DataTable)
        t.update_cell(name, "sel", "●" if name in self.selected else "")

    def action_toggle_select(self) -> None:
        t = self.query_one("#objects", DataTable)
        name = cursor_key(t)
        if not name or name.endswith("/"):
            return
        self.selected.symmetric_difference_update({name})
        self._mark(name)
        self._update_hint()
        if t.cursor_row < t.row_count - 1:
            t.move_cursor(row=t.cursor_row + 1)

    def action_select_all(self) -> None:
        """Select every loaded object in this directory; again to clear."""
        names = set(self._sizes)
        changed = names if self.selected != names else set(self.selected)
        self.selected = set() if self.selected == names else names
        for n in changed:
            self._mark(n)
        self._update_hint()

    def targets(self) -> list[str]:
        """What an action applies to: the selection, else the object under the cursor."""
        if self.selected:
            return sorted(self.selected)
        name = cursor_key(self.query_one("#objects", DataTable))
        return [name] if name and not name.endswith("/") else []

    # ------------------------------------------------------------------ actions

    def action_copy_uri(self) -> None:
        names = self.targets()
        if not names:
            return
        text = "\n".join(f"{self.label}/{n}" for n in names)
        how = self.app.copy_text(text)  # type: ignore[attr-defined]
        self.notify(f"copied {len(names)} URI{'s' if len(names) > 1 else ''} ({how})", markup=False, timeout=3)

    def action_delete(self) -> None:
        if self.app.refuse_if_read_only("delete"):  # type: ignore[attr-defined]
            return
        names = self.targets()
        if not names:
            return
        shown = [f"  {n}" for n in names[:8]] + ([f"  … and {len(names) - 8:,} more"] if len(names) > 8 else [])
        lines = [f"Delete {len(names):,} object{'s' if len(names) > 1 else ''} "
                 f"({fmt.size(sum(self._sizes.get(n, 0) for n in names))}) from {self.label}:"] + shown + [
                 "", "This cannot be undone."]

        def done(ok: bool | None) -> None:
            if ok:
                self.run_delete(names)

        self.app.push_screen(ConfirmDialog("Delete objects", lines, confirm_label="Delete"), done)

    @work(group="mutate", exit_on_error=False)
    async def run_delete(self, names: list[str]) -> None:
        client = self.app.client  # type: ignore[attr-defined]
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
        if self.app.refuse_if_read_only("upload"):  # type: ignore[attr-defined]
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

    @work(group="transfer", exit_on_error=False)
    async def run_upload(self, plan, dialog: TransferDialog) -> None:
        res = await upload(self.app.client, self.bck, plan,  # type: ignore[attr-defined]
                           on_progress=_throttled(dialog.update_progress))
        dialog.update_progress(res.progress)
        dialog.finish(_summary("uploaded", res))
        if res.failed:
            self.notify(_failures(res), severity="error", markup=False, timeout=10)
        self.reload()

    def action_download(self) -> None:
        names = self.targets()
        whole = not names
        what = f"{len(names):,} object{'s' if len(names) > 1 else ''}" if names else f"everything under {self.label}/{self.prefix}"

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
        res = await download(self.app.client, self.bck, names, dest,  # type: ignore[attr-defined]
                             prefix=self.prefix if names is None else None, strip_prefix=self.prefix,
                             on_progress=_throttled(dialog.update_progress))
        dialog.update_progress(res.progress)
        dialog.finish(_summary("downloaded", res))
        if res.failed:
            self.notify(_failures(res), severity="error", markup=False, timeout=10)

    def action_filter(self) -> None:
        def got(text: str | None) -> None:
            self.filter = text or ""
            self._shown = ""
            self.reload()

        self.app.push_screen(PromptDialog("Filter", "Show loaded rows whose name contains this text "
                                          "(case-insensitive); empty clears. Only loaded rows are filtered.",
                                          value=self.filter), got)

    def _remote_targets(self, what: str) -> list[str] | None:
        if self.app.refuse_if_read_only(what):  # type: ignore[attr-defined]
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
                self.run_call("evict", self.app.client.objects.evict_many(self.bck, names=names))  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmDialog("Evict objects", lines, confirm_label="Evict"), done)

    def action_prefetch(self) -> None:
        names = self._remote_targets("prefetch")
        if names:
            self.run_call("prefetch", self.app.client.objects.prefetch(self.bck, names=names))  # type: ignore[attr-defined]

    def action_copy_objects(self) -> None:
        if self.app.refuse_if_read_only("copy"):  # type: ignore[attr-defined]
            return
        names = self.targets()
        if not names:
            return

        def got(text: str | None) -> None:
            dst = self.parse_bucket(text) if text else None
            if dst is not None:
                self.run_call(f"copy to {dst}", self.app.client.objects.copy_many(self.bck, dst, names=names))  # type: ignore[attr-defined]

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


class _Grid:
    def __init__(self) -> None:
        self.table = Table.grid(padding=(0, 1))
        self.table.add_column(style="bold")
        self.table.add_column()

    def add_row(self, key: str, value: str) -> None:
        self.table.add_row(Text(key), Text(value))
