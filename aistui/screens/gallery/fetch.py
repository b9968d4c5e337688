"""What the gallery reads from the cluster: the names under the directory (one recursive listing,
page by page, as far as the cursor needs) or a shard's members; which objects are asked for at
all (:func:`new_tile`); then a page's thumbnails in ONE get-batch request (``GET /v1/ml/moss``,
:meth:`aistui.core.batch.BatchAPI.iter_batch`; a shard's members by ``archpath``), each answer
decoded and shrunk with Pillow on a thread (:func:`~aistui.widgets.thumbs.make_thumb`) while the
rest of the answer streams in. A cluster that does not serve get-batch (501/405) gets one GET
per thumbnail from then on, 8 at a time."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from ... import format as fmt
from ...core.errors import AISError, NotSupported
from ...core.models import Bck, LsoPage
from ...widgets.preview import kind_of
from ...widgets.thumbs import THUMB_CAP, Tile, make_thumb

if TYPE_CHECKING:
    from ...core.client import AISClient

SINGLE_GETS = 8      # GETs at a time without get-batch
LIST_LIMIT = 10_000  # shard members listed at most
LIST_PAGE = 1000     # names per listing page


def new_tile(name: str, label: str, size: int) -> Tile:
    """The tile of object (or member) ``name`` of ``size`` bytes before any fetch: a placeholder
    when it is not asked for (its name is not an image's, or it is over :data:`THUMB_CAP`),
    else "loading"."""
    if kind_of(name) != "image":
        ext = os.path.splitext(name)[1] or "no extension"
        return Tile(name, label, size, note=f"not an image\n({ext})")
    if size > THUMB_CAP:
        return Tile(name, label, size, note=f"{fmt.size(size)}\nover the\n{THUMB_CAP // (1024 * 1024)} MiB cap")
    return Tile(name, label, size)


class GallerySource:
    """What the gallery shows of ``bck``: the objects under the virtual directory ``prefix``, or
    the members of shard ``shard`` (an object name) when given; their names (:meth:`names`) and
    a page's thumbnails (:meth:`fetch`). :attr:`batch_off` turns on when the cluster answers
    get-batch with 501/405."""

    def __init__(self, bck: Bck, prefix: str = "", shard: str = "") -> None:
        self.bck = bck
        self.prefix = prefix
        self.shard = shard
        self.batch_off = False
        self._pages: AsyncIterator[LsoPage] | None = None  # the directory's listing, page by page

    def restart(self) -> None:
        """The next :meth:`names` lists from the start."""
        self._pages = None

    async def names(self, client: AISClient, have: int,
                    need: Callable[[], int]) -> AsyncIterator[tuple[list[tuple[str, int]], bool]]:
        """More ``(name, size bytes)`` after the ``have`` already known, a batch at a time with
        whether the listing is done, until ``need()`` names are known (it may grow meanwhile)
        or all are: a shard's members in one listing (``LsArchDir``, at most
        :data:`LIST_LIMIT`), the objects under the directory page by page (one recursive
        listing, ``iter_pages``, props ``name,size``, the same listing carried on by the next
        call). Raises :class:`~aistui.core.errors.AISError`."""
        if self.shard:
            members, _truncated = await client.objects.list_archive(self.bck, self.shard, limit=LIST_LIMIT)
            yield members, True
            return
        if self._pages is None:
            self._pages = client.objects.iter_pages(self.bck, prefix=self.prefix, props="name,size",
                                                    page_size=LIST_PAGE)
        while have < need():
            page = await anext(self._pages, None)
            if page is None:
                yield [], True
                return
            items = [(e.name, e.size) for e in page.entries or [] if not e.is_dir]
            have += len(items)
            yield items, page.done
            if page.done:
                return

    async def fetch(self, client: AISClient, todo: list[Tile], box: tuple[int, int],
                    emit: Callable[[Tile], object]) -> int:
        """ONE get-batch for ``todo`` (objects, or the shard's members by ``archpath``); each
        answer decoded to at most ``box`` pixels on a thread and handed to ``emit`` as a finished
        :class:`Tile` (an image, or a note saying why there is none). Returns how many entries
        were asked for. Raises :class:`~aistui.core.errors.AISError` when the request as a whole
        fails (a failed entry is a tile's note)."""
        from ...core.batch import BatchEntry

        entries = [BatchEntry(self.shard, archpath=t.name) if self.shard else BatchEntry(t.name) for t in todo]
        by_name = {t.name: t for t in todo}

        async def decode(tile: Tile, data: bytes) -> None:
            try:
                img = await asyncio.to_thread(make_thumb, data, box)
                done = Tile(tile.name, tile.label, len(data), image=img, note="")
            except ValueError as e:
                done = Tile(tile.name, tile.label, len(data), note=str(e).replace(" (", "\n("))
            emit(done)

        async def singly(tile: Tile) -> None:
            try:
                data = await self.get_one(client, tile.name)
            except AISError as e:
                emit(Tile(tile.name, tile.label, tile.size, note=f"cannot read:\n{e}"))
                return
            await decode(tile, data)

        decoding: list[asyncio.Task[None]] = []  # decodes overlap the rest of the answer
        try:
            if not self.batch_off:
                try:
                    async for item in client.batch.iter_batch(self.bck, entries, timeout=120):
                        tile = by_name[item.archpath if self.shard else item.name]
                        if item.data is None:
                            emit(Tile(tile.name, tile.label, tile.size,
                                      note=f"cannot read:\n{item.error or 'error'}"))
                        else:
                            decoding.append(asyncio.create_task(decode(tile, item.data)))
                except NotSupported:  # a cluster that does not serve get-batch (501/405)
                    self.batch_off = True
            if self.batch_off:  # one GET each, SINGLE_GETS at a time
                gate = asyncio.Semaphore(SINGLE_GETS)

                async def gated(tile: Tile) -> None:
                    async with gate:
                        await singly(tile)

                decoding = [asyncio.create_task(gated(t)) for t in todo]
            await asyncio.gather(*decoding)
        finally:
            for t in decoding:
                t.cancel()
        return len(entries)

    async def get_one(self, client: AISClient, name: str) -> bytes:
        """One thumbnail's bytes without get-batch: the object (at most :data:`THUMB_CAP`
        bytes), or the shard member by ``archpath``."""
        if not self.shard:
            return await client.objects.get(self.bck, name, max_bytes=THUMB_CAP)
        data = b""
        async for chunk in client.objects.iter_get(self.bck, self.shard, archpath=name):
            data += chunk
            if len(data) > THUMB_CAP:
                break
        return data
