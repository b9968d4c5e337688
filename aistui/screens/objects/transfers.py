"""The objects screen's transfers between this machine and the cluster: upload files,
directories or globs into the directory shown (files of at least the multipart threshold go by
native multipart upload with the part size and parts in flight chosen in the upload dialog), and
download the chosen objects (or everything under the directory shown) to a local directory.
Each runs on its own thread, event loop and client (:func:`~aistui.core.aio.run_in_own_loop`)
with a progress dialog; ``esc`` cancels; the command log records it."""

from __future__ import annotations

import asyncio
import copy
import os
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.worker import Worker

from ... import format as fmt
from ...core.aio import run_in_own_loop
from ...core.errors import InvalidInput
from ...core.transfer import download, plan_upload, upload
from ...core.transferrun import Progress, TransferResult
from ...spell import data as spell
from ...spell.objapi import upload_chunked
from ...widgets.dialogs import PromptDialog, TransferDialog
from ..base import AISScreen
from .apiforms import Multipart, UploadDialog

if TYPE_CHECKING:
    from ...core.models import Bck


class TransferActions(AISScreen):
    """``u`` (upload) and ``d`` (download) on the objects screen (:class:`~.screen.ObjectsScreen`
    provides ``bck``, ``label``, ``prefix``, :meth:`chosen` and :meth:`reload`)."""

    bck: Bck
    label: str
    prefix: str
    _transfer: Worker[None] | None
    _mpu: Multipart = Multipart()  #: the upload dialog's last multipart choice (frozen; replaced, never changed)

    def chosen(self) -> list[str]:  # pragma: no cover - the screen defines it
        raise NotImplementedError

    def reload(self) -> None:  # pragma: no cover - the screen defines it
        raise NotImplementedError

    def action_upload(self) -> None:
        """``u``: upload files, directories (recursive) or globs into the directory shown; the
        dialog also sets the part size and parts in flight of the files that go multipart."""
        if self.console.refuse_if_read_only("upload"):
            return
        dialog_in = UploadDialog(f"Upload into {self.label}/{self.prefix}",
                                 "Files, directories (recursive) or globs, separated by spaces.",
                                 placeholder="~/data/images", multipart=self._mpu)

        def got(path: str | None) -> None:
            if not path:
                return
            self._mpu = dialog_in.multipart  # kept for the next upload from this screen
            try:
                plan = plan_upload([os.path.expanduser(p) for p in shlex.split(path)], prefix=self.prefix)
            except (InvalidInput, ValueError) as e:
                self.notify(str(e), severity="error", markup=False)
                return
            dialog = TransferDialog(f"Upload {len(plan):,} files to {self.label}/{self.prefix}", self._cancel_transfer)
            self.app.push_screen(dialog)
            self._transfer = self.run_upload(plan, dialog, dialog_in.multipart)

        self.app.push_screen(dialog_in, got)

    def _in_io_thread(self, run, dialog: TransferDialog):
        """``run(client, on_progress)`` on the transfer thread's own loop and client (see
        :func:`~aistui.core.aio.run_in_own_loop`): thousands of request callbacks never sit in
        front of a keypress. Progress comes back to the dialog through this loop."""
        loop = asyncio.get_running_loop()
        settings = self.session.settings

        def progress(p: Progress) -> None:
            loop.call_soon_threadsafe(dialog.update_progress, copy.copy(p))

        async def factory():
            from ...core.client import AISClient

            async with AISClient(settings) as client:
                return await run(client, _throttled(progress))

        return run_in_own_loop(factory, name="aistui-transfer")

    @work(group="transfer", exit_on_error=False)
    async def run_upload(self, plan, dialog: TransferDialog, mpu: Multipart | None = None) -> None:
        """Upload ``plan`` (``(path, object name)`` pairs) on the transfer thread; files of at
        least ``mpu.threshold`` bytes by native multipart upload with ``mpu.part_size``-byte
        parts, ``mpu.parts_in_flight`` at once."""
        mpu = mpu or Multipart()
        pairs = [(str(path), name) for path, name in plan]
        sizes = [_size_of(plan[0][0])] if len(plan) == 1 else []  # the CLI spelling needs one file's size
        cmd = upload_chunked(self.bck, pairs, sizes, threshold=mpu.threshold, part_size=mpu.part_size,
                             parts_in_flight=mpu.parts_in_flight)

        def run(client, on_progress):
            return upload(client, self.bck, plan, on_progress=on_progress, mpu_threshold=mpu.threshold,
                          part_size=mpu.part_size, parts_in_flight=mpu.parts_in_flight)

        async with self.session.record(cmd) as rec:  # the command log's entry
            res = await self._in_io_thread(run, dialog)
            rec.result(_summary("uploaded", res), ok=not res.failed)
        dialog.update_progress(res.progress)
        dialog.finish(_summary("uploaded", res))
        if res.failed:
            self.notify(_failures(res), severity="error", markup=False, timeout=10)
        self.reload()

    def action_download(self) -> None:
        names = self.chosen()
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
        cmd = spell.download(self.bck, names, str(dest), prefix=self.prefix)
        async with self.session.record(cmd) as rec:  # the command log's entry
            res = await self._in_io_thread(
                lambda client, on_progress: download(client, self.bck, names, dest,
                                                     prefix=self.prefix if names is None else None,
                                                     strip_prefix=self.prefix, on_progress=on_progress), dialog)
            rec.result(_summary("downloaded", res), ok=not res.failed)
        dialog.update_progress(res.progress)
        dialog.finish(_summary("downloaded", res))
        if res.failed:
            self.notify(_failures(res), severity="error", markup=False, timeout=10)


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


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1
