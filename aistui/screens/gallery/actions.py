"""The gallery's actions on the chosen thumbnails (the selection, else the one under the cursor):
the full preview (``enter``), export (``e``), copy to a bucket (``c``), delete (``x``, after a
confirm) and download (``d``). The changing ones are refused in read-only mode; none applies to a
shard's members but the preview. The download runs on its own thread, loop and client."""

from __future__ import annotations

import asyncio
import copy
import os
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.worker import Worker

from ... import format as fmt
from ...core.errors import AISError
from ...spell import data as spell
from ...widgets.dialogs import ConfirmDialog, PromptDialog, TransferDialog, delete_lines
from ..base import AISScreen
from .preview import FullPreview

if TYPE_CHECKING:
    from ...core.models import Bck
    from ...widgets.thumbs import Tile


class GalleryActions(AISScreen):
    """The actions half of the gallery (:class:`~.screen.GalleryScreen` adds the listing, the
    grid and the cursor that these read: ``bck``, ``prefix``, ``shard``, ``items``, ``cursor``,
    ``selected``, ``tiles``, :meth:`start`)."""

    bck: Bck
    prefix: str
    shard: str
    items: list[tuple[str, int]]
    cursor: int
    selected: set[str]
    tiles: OrderedDict[str, Tile]
    _transfer: Worker[None] | None = None

    @property
    def protocol(self) -> str:
        """The terminal's image protocol (``sixel``, ``tgp``, ``halfcell``, ...)."""
        return self.console.image_protocol

    def start(self) -> None:  # pragma: no cover - the screen defines it
        raise NotImplementedError

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
        lines = delete_lines(names, total, str(self.bck))

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

    def _cancel_transfer(self) -> None:
        if self._transfer is not None:
            self._transfer.cancel()
            self.notify("transfer cancelled", severity="warning")

    @work(group="transfer", exit_on_error=False)
    async def run_download(self, names: list[str], dest: Path, dialog: TransferDialog) -> None:
        """The download on its own thread, loop and client (as the objects screen's ``d``)."""
        from ...core.aio import run_in_own_loop
        from ...core.transfer import download

        loop = asyncio.get_running_loop()
        settings = self.session.settings

        def progress(p) -> None:
            loop.call_soon_threadsafe(dialog.update_progress, copy.copy(p))

        async def factory():
            from ...core.client import AISClient

            async with AISClient(settings) as client:
                return await download(client, self.bck, names, dest, strip_prefix=self.prefix, on_progress=progress)

        async with self.session.record(spell.download(self.bck, names, str(dest), prefix=self.prefix)) as rec:
            res = await run_in_own_loop(factory, name="aistui-transfer")
            said = f"downloaded {len(res.done):,} files ({fmt.size(res.progress.bytes_done)})" + (
                f"; {len(res.failed):,} failed" if res.failed else "")
            rec.result(said, ok=not res.failed)
        dialog.update_progress(res.progress)
        dialog.finish(said)
