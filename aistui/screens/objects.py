"""Objects screen: a lazy listing by virtual directory. The first page shows while the rest waits;
the next page loads as the cursor nears the end. ``enter`` opens a directory, ``backspace`` goes
up, ``esc`` goes back to buckets."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from .. import format as fmt
from ..core.errors import AISError
from ..core.models import Bck, LsoPage
from ..messages import LoadFailed
from ..widgets.status import StatusBar
from ..widgets.tables import cursor_key

PAGE_SIZE = 1000   # rows per request: a first page shows fast even on large buckets
PREFETCH_ROWS = 100  # load the next page when the cursor is this close to the end


class ObjectsScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="objects.back"),
        Binding("backspace", "up", "Up", id="objects.up"),
        Binding("r", "refresh", "Refresh", id="objects.refresh"),
        Binding("enter", "open", "Open", id="objects.open", show=False),
    ]

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

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="objects-hint", classes="hint")
        yield DataTable(id="objects", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        t = self.query_one(DataTable)
        t.add_column("name", key="name", width=60)
        t.add_column("size", key="size", width=12)
        self.app.sync_status(self)  # type: ignore[attr-defined]
        self.reload()

    def _crumb(self) -> str:
        return f"cluster › {self.label} › {self.prefix}"

    def reload(self) -> None:
        self._uuid, self._token, self._done, self._count = "", "", False, 0
        self.query_one(DataTable).clear()
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
        t = self.query_one(DataTable)
        for e in msg.page.entries or []:
            if e.name == self.prefix:
                continue
            shown = e.name[len(self.prefix):]
            t.add_row(shown, "" if e.is_dir else fmt.size(e.size), key=e.name)
            self._count += 1
        self._update_hint()

    def _update_hint(self) -> None:
        more = "" if self._done else "+ (more load as you scroll)"
        self.query_one("#objects-hint", Static).update(
            f"{self._count:,}{more} entries under {self.label}/{self.prefix} · enter open · backspace up · esc back")

    def on_load_failed(self, msg: LoadFailed) -> None:
        self.notify(f"listing failed: {msg.error}", severity="error")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        t = self.query_one(DataTable)
        if not self._done and not self._loading and event.cursor_row >= t.row_count - PREFETCH_ROWS:
            self._loading = True
            self.load_page()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        name = cursor_key(self.query_one(DataTable))
        if name and name.endswith("/"):
            self.prefix = name
            self.reload()

    def action_up(self) -> None:
        if not self.prefix:
            return
        parts = self.prefix.rstrip("/").split("/")[:-1]
        self.prefix = "/".join(parts) + "/" if parts else ""
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.reload()
