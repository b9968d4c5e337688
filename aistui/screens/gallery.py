"""The thumbnail gallery (``i`` on the objects screen, ``:gallery ais://bucket/dir/``): a grid of
the images under one virtual directory (recursively: ``train/`` shows ``train/cat/…`` and
``train/dog/…``, each labelled with its path below the directory, so a class folder reads as
the label), or of one shard's members, as many as fit.

One screenful is ONE get-batch request (``GET /v1/ml/moss``, :meth:`aistui.core.batch.BatchAPI.iter_batch`;
a shard's members by ``archpath``): objects whose name is not an image's, or larger than
:data:`~aistui.widgets.thumbs.THUMB_CAP`, are not asked for and show a placeholder. Each answer
is decoded and shrunk with Pillow on a thread (:func:`~aistui.widgets.thumbs.make_thumb`), so the
event loop only draws the small result. A cluster that does not serve get-batch (501/405) gets
one GET per thumbnail instead, 8 at a time, and the hint says so. Thumbnails seen are kept (a bounded cache), so paging
back costs nothing.

Keys: arrows or ``hjkl`` move, ``pgup``/``pgdn`` turn the page, ``space`` selects, ``a`` selects
the whole page, ``enter`` opens the full preview, ``d`` downloads, ``c`` copies to a bucket,
``x`` deletes (after a confirm; refused in read-only), ``e`` exports the selection, ``esc`` back.
"""

from __future__ import annotations

import asyncio
import copy
import os
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Resize
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from .. import format as fmt
from ..core.errors import AISError, NotSupported
from ..core.models import Bck, LsoPage
from ..messages import LoadFailed
from ..spell import data as spell
from ..widgets.dialogs import ConfirmDialog, PromptDialog, TransferDialog
from ..widgets.keybar import KeyBar
from ..widgets.preview import IMAGE_CAP, TEXT_CAP, Preview, kind_of
from ..widgets.status import StatusBar
from ..widgets.thumbs import THUMB_CAP, ThumbGrid, Tile, grid_shape, make_thumb, pixel_box
from .base import AISScreen

CACHE = 512          # thumbnails kept (small RGB images, a few KiB each)
LIST_LIMIT = 10_000  # shard members listed at most
LIST_PAGE = 1000     # names per listing page
CHROME_ROWS = 3      # status bar, hint line, key bar
FLUSH_S = 0.1        # thumbnails that arrive within this many seconds are drawn together


class GalleryScreen(AISScreen):
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
        self._pages: AsyncIterator[LsoPage] | None = None  # the directory's listing, page by page
        self._listing = False  # a lister runs
        self._need = 0         # names it lists at least
        self._pending: list[Tile] = []  # thumbnails not drawn yet (see _thumb)
        self.batch_off = False  # the cluster answered get-batch with 501/405: one GET per thumbnail

    @property
    def protocol(self) -> str:
        return self.console.image_protocol

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
        self._pages = None
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
        """List until :attr:`_need` names are known (or everything is): a shard's members in
        one listing (``LsArchDir``), the objects under the directory page by page (one
        recursive listing, ``iter_pages``, props ``name,size``)."""
        await self.session.connected.wait()
        client = self.session.client
        try:
            if self.shard:
                members, _truncated = await client.objects.list_archive(self.bck, self.shard, limit=LIST_LIMIT)
                self.post_message(self.Listed(run, members, True))
                return
            if self._pages is None:
                self._pages = client.objects.iter_pages(self.bck, prefix=self.prefix, props="name,size",
                                                        page_size=LIST_PAGE)
            have = len(self.items)
            while have < self._need:
                page = await anext(self._pages, None)
                if page is None:
                    self.post_message(self.Listed(run, [], True))
                    break
                items = [(e.name, e.size) for e in page.entries or [] if not e.is_dir]
                have += len(items)
                self.post_message(self.Listed(run, items, page.done))
                if page.done:
                    break
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
        if kind_of(name) != "image":
            ext = os.path.splitext(name)[1] or "no extension"
            return Tile(name, self._label(name), size, note=f"not an image\n({ext})")
        if size > THUMB_CAP:
            return Tile(name, self._label(name), size, note=f"{fmt.size(size)}\nover the\n"
                                                            f"{THUMB_CAP // (1024 * 1024)} MiB cap")
        return Tile(name, self._label(name), size)

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
        """ONE get-batch for ``todo`` (objects, or a shard's members by ``archpath``), each
        answer decoded and shrunk on a thread; a message per thumbnail."""
        from ..core.batch import BatchEntry

        loop = asyncio.get_running_loop()
        t0 = loop.time()
        box = pixel_box(self.protocol)
        entries = [BatchEntry(self.shard, archpath=t.name) if self.shard else BatchEntry(t.name) for t in todo]
        by_name = {t.name: t for t in todo}

        async def decode(tile: Tile, data: bytes) -> None:
            try:
                img = await asyncio.to_thread(make_thumb, data, box)
                done = Tile(tile.name, tile.label, len(data), image=img, note="")
            except ValueError as e:
                done = Tile(tile.name, tile.label, len(data), note=str(e).replace(" (", "\n("))
            self.post_message(self.ThumbReady(run, done))

        async def singly(tile: Tile) -> None:
            try:
                data = await self._get_one(tile.name)
            except AISError as e:
                self.post_message(self.ThumbReady(run, Tile(tile.name, tile.label, tile.size,
                                                            note=f"cannot read:\n{e}")))
                return
            await decode(tile, data)

        decoding: list[asyncio.Task[None]] = []  # decodes overlap the rest of the answer
        try:
            if not self.batch_off:
                try:
                    async for item in self.session.client.batch.iter_batch(self.bck, entries, timeout=120):
                        tile = by_name[item.archpath if self.shard else item.name]
                        if item.data is None:
                            self.post_message(self.ThumbReady(run, Tile(
                                tile.name, tile.label, tile.size, note=f"cannot read:\n{item.error or 'error'}")))
                        else:
                            decoding.append(asyncio.create_task(decode(tile, item.data)))
                except NotSupported:  # a cluster that does not serve get-batch (501/405)
                    self.batch_off = True
            if self.batch_off:  # one GET each, 8 at a time
                gate = asyncio.Semaphore(8)

                async def gated(tile: Tile) -> None:
                    async with gate:
                        await singly(tile)

                decoding = [asyncio.create_task(gated(t)) for t in todo]
            await asyncio.gather(*decoding)
        except AISError as e:
            self.post_message(LoadFailed(e))
            return
        finally:
            for t in decoding:
                t.cancel()
        self.post_message(self.PageFetched(run, page, len(entries), loop.time() - t0))

    async def _get_one(self, name: str) -> bytes:
        """One thumbnail's bytes without get-batch: the object (at most :data:`THUMB_CAP`
        bytes), or the shard member by ``archpath``."""
        client = self.session.client
        if not self.shard:
            return await client.objects.get(self.bck, name, max_bytes=THUMB_CAP)
        data = b""
        async for chunk in client.objects.iter_get(self.bck, self.shard, archpath=name):
            data += chunk
            if len(data) > THUMB_CAP:
                break
        return data

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

    def chosen(self) -> list[str]:
        """What an action applies to: the selection, else the thumbnail under the cursor."""
        if self.selected:
            return sorted(self.selected)
        return [self.items[self.cursor][0]] if self.items else []

    def _objects_only(self, what: str) -> bool:
        """Actions on objects do not apply to a shard's members: say so."""
        if self.shard:
            self.notify(f"{what}: these are members of the shard {self.shard}; {what} the shard from the "
                        "objects screen", severity="warning", markup=False)
            return False
        return True

    def action_preview(self) -> None:
        """``enter``: the full preview of the thumbnail under the cursor."""
        if self.items:
            name, size = self.items[self.cursor]
            self.app.push_screen(FullPreview(self.bck, name, size, self.shard, self.protocol))

    def action_export(self) -> None:
        """``e``: PyTorch loader code for the selection (else the directory)."""
        if self._objects_only("export"):
            self.console.show_export(self.bck, self.prefix, sorted(self.selected) or None)

    def action_copy_objects(self) -> None:
        """``c``: copy the chosen objects to a bucket (a ``copy-listrange`` job)."""
        if self.console.refuse_if_read_only("copy") or not self._objects_only("copy"):
            return
        names = self.chosen()
        if not names:
            return

        def got(text: str | None) -> None:
            dst = self.parse_bucket(text) if text else None
            if dst is not None:
                self.run_call(f"copy to {dst}", self.session.client.objects.copy_many(self.bck, dst, names=names),
                              cmd=spell.copy_objects(self.bck, dst, names))

        self.app.push_screen(PromptDialog(f"Copy {len(names):,} object{'s' if len(names) > 1 else ''} to bucket",
                                          "Destination bucket (created if missing); names are kept.",
                                          placeholder="ais://other"), got)

    def action_delete(self) -> None:
        """``x``: delete the chosen objects, after a confirm that names them."""
        if self.console.refuse_if_read_only("delete") or not self._objects_only("delete"):
            return
        names = self.chosen()
        if not names:
            return
        sizes = dict(self.items)
        total = sum(max(0, sizes.get(n, 0)) for n in names)
        lines = [f"Delete {len(names):,} object{'s' if len(names) > 1 else ''} ({fmt.size(total)}) "
                 f"from {self.bck}:"] + [f"  {n}" for n in names[:8]] + (
                 [f"  … and {len(names) - 8:,} more"] if len(names) > 8 else []) + ["", "This cannot be undone."]

        def done(ok: bool | None) -> None:
            if ok:
                self.run_delete(names)

        self.app.push_screen(ConfirmDialog("Delete objects", lines, confirm_label="Delete"), done)

    @work(group="mutate", exit_on_error=False)
    async def run_delete(self, names: list[str]) -> None:
        """Delete ``names`` (the session's delete-and-wait, logged), then list again."""
        try:
            await self.session.delete_and_wait(self.bck, names, timeout=600)
        except AISError as e:
            self.notify(f"delete failed: {e}", severity="error", markup=False)
        else:
            self.notify(f"deleted {len(names):,} object{'s' if len(names) > 1 else ''}", markup=False)
        self.selected -= set(names)
        for n in names:
            self.tiles.pop(n, None)
        self.start()

    def action_download(self) -> None:
        """``d``: download the chosen objects to a local directory (their path below the
        directory shown is kept)."""
        if not self._objects_only("download"):
            return
        names = self.chosen()
        if not names:
            return
        what = f"{len(names):,} object{'s' if len(names) > 1 else ''}"

        def got(dest: str | None) -> None:
            if dest:
                d = Path(os.path.expanduser(dest))
                dialog = TransferDialog(f"Download {what} to {d}", self._cancel_transfer)
                self.app.push_screen(dialog)
                self._transfer = self.run_download(names, d, dialog)

        self.app.push_screen(PromptDialog(f"Download {what} to directory", "Objects keep their path below the "
                                          "directory shown; partial files never remain.",
                                          value=str(Path.cwd() / self.bck.name)), got)

    _transfer = None

    def _cancel_transfer(self) -> None:
        if self._transfer is not None:
            self._transfer.cancel()
            self.notify("transfer cancelled", severity="warning")

    @work(group="transfer", exit_on_error=False)
    async def run_download(self, names: list[str], dest: Path, dialog: TransferDialog) -> None:
        """The download on its own thread, loop and client (as the objects screen's ``d``)."""
        from ..core.aio import run_in_own_loop
        from ..core.transfer import download

        loop = asyncio.get_running_loop()
        settings = self.session.settings

        def progress(p) -> None:
            loop.call_soon_threadsafe(dialog.update_progress, copy.copy(p))

        async def factory():
            from ..core.client import AISClient

            async with AISClient(settings) as client:
                return await download(client, self.bck, names, dest, strip_prefix=self.prefix, on_progress=progress)

        async with self.session.record(spell.download(self.bck, names, str(dest), prefix=self.prefix)) as rec:
            res = await run_in_own_loop(factory, name="aistui-transfer")
            said = f"downloaded {len(res.done):,} files ({fmt.size(res.progress.bytes_done)})" + (
                f"; {len(res.failed):,} failed" if res.failed else "")
            rec.result(said, ok=not res.failed)
        dialog.update_progress(res.progress)
        dialog.finish(said)

    def action_refresh(self) -> None:
        self.tiles.clear()
        self.start()

    def action_back(self) -> None:
        self.app.pop_screen()


class FullPreview(ModalScreen[None]):
    """The full preview of one object (or shard member) over the gallery: the objects screen's
    :class:`~aistui.widgets.preview.Preview`, its bytes read capped (``IMAGE_CAP``/``TEXT_CAP``);
    ``esc`` closes."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="gallery_preview.close")]
    DEFAULT_CSS = """
    FullPreview { align: center middle; }
    FullPreview > Vertical { width: 90%; height: 90%; border: round $primary; background: $surface; }
    """

    def __init__(self, bck: Bck, name: str, size: int, shard: str, protocol: str):
        super().__init__()
        self.bck, self.name_, self.size_, self.shard, self.protocol = bck, name, size, shard, protocol

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Preview(self.protocol, id="full-preview")

    def on_mount(self) -> None:
        self.query_one(Preview).show_loading(self.name_)
        self.load()

    @work(exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        from ..shell import console

        client = console(self).session.client
        preview = self.query_one(Preview)
        cap = IMAGE_CAP if kind_of(self.name_) == "image" else TEXT_CAP
        try:
            if self.shard:
                data = b""
                async for chunk in client.objects.iter_get(self.bck, self.shard, archpath=self.name_):
                    data += chunk
                    if len(data) >= cap:
                        break
                total = max(self.size_, len(data))
            else:
                data = await client.objects.get(self.bck, self.name_, max_bytes=cap) if self.size_ else b""
                total = self.size_
            preview.show_bytes(self.name_, data[:cap], total=total, capped=total > len(data[:cap]))
        except AISError as e:
            preview.show_error(self.name_, str(e))

    def action_close(self) -> None:
        self.dismiss(None)
