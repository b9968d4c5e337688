"""Objects screen: a lazy listing by virtual directory, with a details and preview panel.

The first page shows while the rest waits; the next page loads as the cursor nears the end.
``enter`` opens a directory (or previews a shard member), ``backspace`` goes up, ``esc`` goes back
to buckets. Moving onto an object shows its properties (HEAD) and a capped preview; moving on
cancels the previous fetch.
"""

from __future__ import annotations

import asyncio

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from .. import format as fmt
from ..core.errors import AISError
from ..core.models import Bck, LsoPage, ObjectProps
from ..messages import LoadFailed
from ..widgets.preview import IMAGE_CAP, TEXT_CAP, Preview, kind_of
from ..widgets.status import StatusBar
from ..widgets.tables import cursor_key

PAGE_SIZE = 1000     # rows per request: a first page shows fast even on large buckets
PREFETCH_ROWS = 100  # load the next page when the cursor is this close to the end
DEBOUNCE_S = 0.12    # wait this long on a row before fetching its details and preview


class ObjectsScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="objects.back"),
        Binding("backspace", "up", "Up", id="objects.up"),
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
        t.add_column("name", key="name", width=48)
        t.add_column("size", key="size", width=10)
        self.app.sync_status(self)  # type: ignore[attr-defined]
        self.reload()

    # ------------------------------------------------------------------ listing

    def _crumb(self) -> str:
        return f"cluster › {self.label} › {self.prefix}"

    def reload(self) -> None:
        self._uuid, self._token, self._done, self._count = "", "", False, 0
        self.query_one("#objects", DataTable).clear()
        self.query_one(StatusBar).breadcrumb = self._crumb()
        self._update_hint()
        self.load_page(first=True)

    @work(exclusive=True, group="objects", exit_on_error=False)
    async def load_page(self, first: bool = False) -> None:
        client = self.app.client  # type: ignore[attr-defined]
        self._loading = True
        prefix = self.prefix
        try:
            page = await client.objects.list_page(self.bck, prefix=prefix, non_recursive=True,
                                                  page_size=PAGE_SIZE, uuid=self._uuid,
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
            t.add_row(Text(shown), "" if e.is_dir else fmt.size(e.size), key=e.name)
            self._count += 1
        self._update_hint()
        if msg.first and t.row_count:
            self._inspect_cursor()

    def _update_hint(self) -> None:
        more = "" if self._done else "+ (more load as you scroll)"
        self.query_one("#objects-hint", Static).update(Text(
            f"{self._count:,}{more} entries under {self.label}/{self.prefix} · enter open · backspace up · esc back"))

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
