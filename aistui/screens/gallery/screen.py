"""The gallery screen: the names of the directory (or shard) asked for page by page as the cursor
needs them, the grid of one page, the cursor, the selection and the hint line. The names and a
page's thumbnails (ONE get-batch) come from :mod:`.fetch`, the actions on them are :mod:`.actions`.
Thumbnails seen are kept (a bounded cache), so paging back costs nothing.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.message import Message
from textual.widgets import Static

from ... import format as fmt
from ...core.errors import AISError
from ...core.models import Bck
from ...messages import LoadFailed
from ...widgets.keybar import KeyBar
from ...widgets.status import StatusBar
from ...widgets.thumbs import ThumbGrid, Tile, grid_shape, pixel_box
from .actions import GalleryActions
from .fetch import GallerySource, new_tile

CACHE = 512          # thumbnails kept (small RGB images, a few KiB each)
CHROME_ROWS = 3      # status bar, hint line, key bar
FLUSH_S = 0.1        # thumbnails that arrive within this many seconds are drawn together


class GalleryScreen(GalleryActions):
    """The gallery of ``bck`` at the virtual directory ``prefix`` ("" or ending with "/"), or of
    the members of shard ``shard`` (an object name) when given."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="gallery.back"),
        Binding("left,h", "move(-1, 0)", "Left", show=False, id="gallery.left"),
        Binding("right,l", "move(1, 0)", "Right", show=False, id="gallery.right"),
        Binding("up,k", "move(0, -1)", "Up", show=False, id="gallery.up"),
        Binding("down,j", "move(0, 1)", "Down", show=False, id="gallery.down"),
        Binding("pageup", "page(-1)", "Prev page", show=False, id="gallery.prev_page"),
        Binding("pagedown", "page(1)", "Next page", show=False, id="gallery.next_page"),
        Binding("space", "toggle_select", "Select", id="gallery.select"),
        Binding("a", "select_page", "Page", id="gallery.select_page"),
        Binding("enter", "preview", "Preview", id="gallery.preview"),
        Binding("d", "download", "Download", id="gallery.download"),
        Binding("c", "copy_objects", "Copy to", id="gallery.copy_to"),
        Binding("x,delete", "delete", "Delete", id="gallery.delete"),
        Binding("e", "export", "Export", id="gallery.export"),
        Binding("r", "refresh", "Refresh", id="gallery.refresh"),
    ]
    DEFAULT_CSS = """
    #gallery { height: 1fr; }
    """

    @dataclass
    class Listed(Message):
        """More names of the directory (or shard) listed by ``run``: ``(name, size bytes)``."""

        run: int
        items: list[tuple[str, int]]
        done: bool

    @dataclass
    class ThumbReady(Message):
        """The thumbnail (or why there is none) of ``tile.name``, fetched by ``run``."""

        run: int
        tile: Tile

    @dataclass
    class PageFetched(Message):
        """Page ``page`` of ``run`` is complete: ``count`` asked for in one get-batch, ``seconds``
        from the request to the last thumbnail decoded."""

        run: int
        page: int
        count: int
        seconds: float

    def __init__(self, bck: Bck, prefix: str = "", shard: str = ""):
        super().__init__()
        self.bck = bck
        self.prefix = prefix
        self.shard = shard
        self.items: list[tuple[str, int]] = []
        self.listed = False      # the whole directory (or shard) is listed
        self.cursor = 0          # index into items
        self.page = -1           # the page shown
        self.columns, self.rows = 1, 1
        self.selected: set[str] = set()
        self.tiles: OrderedDict[str, Tile] = OrderedDict()  # decoded thumbnails, least recent first
        self.fetched_pages: int = 0   # pages whose get-batch completed (tests wait on it)
        self.last_fetch: tuple[int, float] = (0, 0.0)  # (entries, seconds) of the last page fetched
        self._run = 0
        self._listing = False  # a lister runs
        self._need = 0         # names it lists at least
        self._pending: list[Tile] = []  # thumbnails not drawn yet (see _thumb)
        self.source = GallerySource(bck, prefix, shard)

    @property
    def batch_off(self) -> bool:
        """The cluster answered get-batch with 501/405: one GET per thumbnail."""
        return self.source.batch_off

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="gallery-hint", classes="hint", markup=False)
        yield ThumbGrid(self.protocol, id="gallery")
        yield KeyBar()

    def on_mount(self) -> None:
        self.console.sync_status(self)
        where = f"{self.bck}/{self.shard}" if self.shard else f"{self.bck}/{self.prefix}"
        self.query_one(StatusBar).breadcrumb = f"cluster › {where} › gallery"
        self._shape(self.app.size.width, self.app.size.height)
        self.start()

    def start(self) -> None:
        """List the directory (or shard) from its start and show its first page."""
        self._run += 1
        self.items, self.listed, self.cursor, self.page = [], False, 0, -1
        self.workers.cancel_group(self, "gallery-list")  # and with it the old listing's pages
        self.source.restart()
        self._listing = False
        self._need = 0
        self._hint()
        self.want(self.per_page)

    def want(self, need: int) -> None:
        """Have at least ``need`` names listed (or all): one lister at a time, never cancelled
        midway (its page iterator would end), asked for more while it runs."""
        self._need = max(self._need, need)
        if not self._listing and not self.listed:
            self._listing = True
            self.list_more(self._run)

    def _shape(self, width: int, height: int) -> bool:
        shape = grid_shape(self.protocol, width, max(1, height - CHROME_ROWS))
        changed = shape != (self.columns, self.rows)
        self.columns, self.rows = shape
        return changed

    @on(Resize)
    def _resized(self, event: Resize) -> None:
        if self._shape(event.size.width, event.size.height) and self.items:
            self.page = -1
            self._show()

    # ---------------------------------------------------------------- listing

    @work(group="gallery-list", exit_on_error=False)
    async def list_more(self, run: int) -> None:
        """List until :attr:`_need` names are known (or everything is), through
        :meth:`.fetch.GallerySource.names`: a message per page."""
        await self.session.connected.wait()
        try:
            async for items, done in self.source.names(self.session.client, len(self.items), lambda: self._need):
                self.post_message(self.Listed(run, items, done))
        except AISError as e:
            self.post_message(LoadFailed(e))
        finally:
            if run == self._run:
                self._listing = False

    @on(Listed)
    def _listed(self, msg: Listed) -> None:
        if msg.run != self._run:
            return
        self.items.extend(msg.items)
        self.listed = msg.done
        if self.page != self.cursor // self.per_page or len(self.grid.cells) < self._page_len():
            self._show()  # the first names, or more of the page shown
        self._hint()

    @on(LoadFailed)
    def _failed(self, msg: LoadFailed) -> None:
        self.notify(f"gallery: {msg.error}", severity="error", markup=False)
        self.query_one("#gallery-hint", Static).update(f"failed: {msg.error}")

    # ---------------------------------------------------------------- the page

    @property
    def grid(self) -> ThumbGrid:
        return self.query_one(ThumbGrid)

    def _page_len(self) -> int:
        start = (self.cursor // self.per_page) * self.per_page
        return max(0, min(self.per_page, len(self.items) - start))

    def _label(self, name: str) -> str:
        if self.shard:
            return name
        return name[len(self.prefix):] if name.startswith(self.prefix) else name

    def _tile(self, name: str, size: int) -> Tile:
        """The tile of ``name``: cached, a placeholder that needs no fetch, or "loading"."""
        cached = self.tiles.get(name)
        if cached is not None:
            self.tiles.move_to_end(name)
            return cached
        return new_tile(name, self._label(name), size)

    def _show(self) -> None:
        """Lay out the cursor's page; fetch what it lacks in one get-batch."""
        page = self.cursor // self.per_page
        start = page * self.per_page
        tiles = [self._tile(n, s) for n, s in self.items[start:start + self.per_page]]
        self.page = page
        self.grid.show_page(tiles, self.columns)
        self.grid.mark(self.cursor - start, self.selected)
        todo = [t for t in tiles if t.note == "loading" and t.image is None]
        if todo:
            self.fetch(self._run, page, todo)
        self._hint()

    @work(exclusive=True, group="gallery-thumbs", exit_on_error=False)
    async def fetch(self, run: int, page: int, todo: list[Tile]) -> None:
        """ONE get-batch for ``todo`` (:meth:`.fetch.GallerySource.fetch`): a message per
        thumbnail, then one for the page (with the seconds it took)."""
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        try:
            count = await self.source.fetch(self.session.client, todo, pixel_box(self.protocol),
                                            lambda tile: self.post_message(self.ThumbReady(run, tile)))
        except AISError as e:
            self.post_message(LoadFailed(e))
            return
        self.post_message(self.PageFetched(run, page, count, loop.time() - t0))

    @on(ThumbReady)
    def _thumb(self, msg: ThumbReady) -> None:
        """Keep the thumbnail; the cells are updated together every :data:`FLUSH_S` (each
        update re-lays out the screen: one per thumbnail made a screenful quadratic)."""
        if msg.run != self._run:
            return
        t = msg.tile
        self.tiles[t.name] = t
        self.tiles.move_to_end(t.name)
        while len(self.tiles) > CACHE:
            self.tiles.popitem(last=False)
        self._pending.append(t)
        if len(self._pending) == 1:
            self.set_timer(FLUSH_S, self._flush)

    def _flush(self) -> None:
        pending, self._pending = {t.name: t for t in self._pending}, []
        with self.app.batch_update():
            for i, cell in enumerate(self.grid.cells):
                t = pending.get(cell.tile.name)
                if t is not None:
                    self.grid.set_tile(i, t)

    @on(PageFetched)
    def _page_fetched(self, msg: PageFetched) -> None:
        if msg.run != self._run:
            return
        self.fetched_pages += 1
        self.last_fetch = (msg.count, msg.seconds)
        self._hint()

    def _hint(self) -> None:
        n = len(self.items)
        if not n:
            text = "listing…" if not self.listed else f"nothing under {self.bck}/{self.shard or self.prefix}"
        else:
            pages = -(-n // self.per_page)
            more = "" if self.listed else "+"
            text = (f"{self.cursor + 1:,} of {n:,}{more} · page {self.cursor // self.per_page + 1} of "
                    f"{pages}{more} · {self.columns}×{self.rows}")
            if self.selected:
                text += f" · {len(self.selected):,} selected"
            if self.last_fetch[0]:
                how = ("GETs (this cluster does not serve get-batch)" if self.batch_off else "get-batch")
                text += f" · {how}: {self.last_fetch[0]} in {self.last_fetch[1]:.2f} s"
            name, size = self.items[self.cursor]
            text += f" · {self._label(name)} {fmt.size(size) if size >= 0 else ''}"
        self.query_one("#gallery-hint", Static).update(Text(text))

    # ---------------------------------------------------------------- keys

    def action_move(self, dx: int, dy: int) -> None:
        """Arrows and hjkl: move the cursor; crossing the page's edge turns the page."""
        if not self.items:
            return
        target = self.cursor + dx + dy * self.columns
        if target < 0:
            return
        if target >= len(self.items):
            if not self.listed:
                self.want(target + self.per_page)
            if dy and self.cursor // self.per_page == (len(self.items) - 1) // self.per_page:
                return
            target = len(self.items) - 1
        self._goto(target)

    def action_page(self, delta: int) -> None:
        """``pgup``/``pgdn``: the previous or next screenful."""
        if not self.items:
            return
        target = max(0, self.cursor + delta * self.per_page)
        if target >= len(self.items):
            if not self.listed:
                self.want(target + self.per_page)
            target = len(self.items) - 1
        self._goto(target)

    def _goto(self, target: int) -> None:
        self.cursor = target
        page = target // self.per_page
        if page != self.page:
            self._show()
            if not self.listed and len(self.items) < (page + 2) * self.per_page:
                self.want((page + 2) * self.per_page)  # the next page's names ahead
        else:
            self.grid.mark(self.cursor - page * self.per_page, self.selected)
            self._hint()

    def action_toggle_select(self) -> None:
        """``space``: select or unselect the thumbnail under the cursor, then move on."""
        if not self.items:
            return
        name = self.items[self.cursor][0]
        self.selected ^= {name}
        if self.cursor + 1 < len(self.items) and (self.cursor + 1) // self.per_page == self.page:
            self.cursor += 1
        self.grid.mark(self.cursor - self.page * self.per_page, self.selected)
        self._hint()

    def action_select_page(self) -> None:
        """``a``: select every thumbnail on the page; again to unselect them."""
        names = {c.tile.name for c in self.grid.cells}
        self.selected = self.selected - names if names <= self.selected else self.selected | names
        self.grid.mark(self.cursor - self.page * self.per_page, self.selected)
        self._hint()

    def action_refresh(self) -> None:
        self.tiles.clear()
        self.start()

    def action_back(self) -> None:
        self.app.pop_screen()
