"""The objects screen's entries for the rest of the object API (issue 15): blob download of the
object under the cursor (``b``, a job: ``client.objects.blob_download``), promote files from the
targets' own disks (``p``, ``client.objects.promote``), and, on the shard under the cursor (whose
members the inspector lists), add a local file as a member (``A``,
``client.objects.append_to_archive``) and get the members matching a regex or mode into a local
directory (``R``, ``client.objects.get_matching``). Changing actions are refused in read-only
mode, ask first and go through the session (:meth:`AISScreen.run_call` → :meth:`Session.start`),
so the command log spells them and the jobs they start are tracked (the end toast, ``3``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from ... import format as fmt
from ...core.archive import ARCHIVE_EXTS, is_archive_name
from ...core.errors import AISError, InvalidInput
from ...core.localpaths import DestTree, write_file
from ...spell import objapi as spell
from ...widgets.dialogs import ConfirmDialog
from ...widgets.objlist import ObjectList
from .actions import ObjectActions
from .apiforms import (
    MatchRequest,
    PromoteRequest,
    ShardAdd,
    blob_lines,
    matching_form,
    promote_form,
    promote_lines,
    shard_add_form,
    shard_add_lines,
)

if TYPE_CHECKING:
    pass


class ObjectAPIActions(ObjectActions):
    """``b``, ``p``, ``A``, ``R`` on the objects screen (:class:`~.screen.ObjectsScreen` provides
    ``bck``, ``label``, ``prefix`` and :meth:`reload`; the cursor's object and showing it again
    come from :class:`~.actions.ObjectActions`)."""

    # ------------------------------------------------------------------ blob download

    def action_blob_download(self) -> None:
        """``b``: start the blob download job for the object under the cursor (a remote bucket's;
        asks first). An ``ais://`` bucket is refused unless its props name a remote backend."""
        if self.console.refuse_if_read_only("blob download"):
            return
        name = self._cursor_object()
        if name is None:
            self.notify("blob download: move the cursor onto an object", markup=False, timeout=4)
            return
        self.ask_blob_download(name, self.query_one(ObjectList).total_size([name]))

    @work(group="blob", exclusive=True, exit_on_error=False)
    async def ask_blob_download(self, name: str, size: int) -> None:
        """Check the bucket has a remote backend (no request for ``ais://@alias/b`` or a cloud
        bucket; one ``HEAD`` of an ``ais://`` bucket's props), confirm, start the job."""
        try:
            await self.session.client.buckets.require_remote(self.bck, "blob-download")
        except InvalidInput:
            self.notify(f"blob download reads an object from a remote backend: {self.label} has none (an ais:// "
                        "bucket holds the only copy). Use it on a remote bucket (ais://@alias/b, s3://b, ...).",
                        severity="error", markup=False, timeout=10)
            return
        except AISError as e:
            self.notify(f"blob download: {e}", severity="error", markup=False, timeout=10)
            return
        if not await self.app.push_screen_wait(ConfirmDialog("Blob download", blob_lines(self.label, name, size),
                                                             confirm_label="Start job")):
            return
        self.run_call(f"blob download {name}", self._blob(name, size), lambda: self._reinspect(name),
                      spell.blob_download(self.bck, name))

    async def _blob(self, name: str, size: int) -> list[str]:
        xid = await self.session.client.objects.blob_download(self.bck, name, full_size=max(size, 0))
        return [xid] if xid else []

    # ------------------------------------------------------------------ promote

    def action_promote(self) -> None:
        """``p``: promote a file or directory from the targets' disks (under
        ``/var/lib/ais/promote``) into this bucket: the form, a confirm, then the job."""
        if self.console.refuse_if_read_only("promote"):
            return
        self.ask_promote()

    @work(group="promote", exclusive=True, exit_on_error=False)
    async def ask_promote(self) -> None:
        req: PromoteRequest | None = await self.app.push_screen_wait(promote_form(self.label, self.prefix))
        if req is None:
            return
        if not await self.app.push_screen_wait(ConfirmDialog("Promote files from targets",
                                                             promote_lines(self.label, req),
                                                             confirm_label="Promote")):
            return
        cmd = spell.promote(self.bck, req.src, req.prefix, target_id=req.target_id, recursive=req.recursive,
                            overwrite=req.overwrite, delete_src=req.delete_src)
        self.run_call(f"promote {req.src}", self._promote(req), self.reload, cmd)

    async def _promote(self, req: PromoteRequest) -> list[str]:
        xid = await self.session.client.objects.promote(self.bck, req.src, prefix=req.prefix, target_id=req.target_id,
                                                        recursive=req.recursive, overwrite=req.overwrite,
                                                        delete_src=req.delete_src)
        return [xid] if xid else []

    # ------------------------------------------------------------------ shards

    def _shard_at_cursor(self, what: str) -> str | None:
        name = self._cursor_object()
        if name is None or not is_archive_name(name):
            self.notify(f"{what}: move the cursor onto a shard ({', '.join(ARCHIVE_EXTS)})",
                        markup=False, timeout=5)
            return None
        return name

    def action_add_to_shard(self) -> None:
        """``A``: add a local file to the shard under the cursor as a member (asks first); the
        inspector lists the members again afterwards."""
        if self.console.refuse_if_read_only("add to shard"):
            return
        shard = self._shard_at_cursor("add file to shard")
        if shard is not None:
            self.ask_add_to_shard(shard)

    @work(group="shard-add", exclusive=True, exit_on_error=False)
    async def ask_add_to_shard(self, shard: str) -> None:
        add: ShardAdd | None = await self.app.push_screen_wait(shard_add_form(self.label, shard))
        if add is None:
            return
        if not await self.app.push_screen_wait(ConfirmDialog("Add file to shard",
                                                             shard_add_lines(self.label, shard, add),
                                                             confirm_label="Add")):
            return
        self.run_call(f"add {add.archpath} to {shard}", self._append(shard, add), lambda: self._reinspect(shard),
                      spell.append_to_shard(self.bck, shard, add.path, add.archpath))

    async def _append(self, shard: str, add: ShardAdd) -> None:
        await self.session.client.objects.append_to_archive(self.bck, shard, Path(add.path), archpath=add.archpath,
                                                            create=False)

    def action_get_matching(self) -> None:
        """``R``: read the members of the shard under the cursor that match a regex (or a prefix,
        suffix, substring, WebDataset key) into a local directory; only reads the cluster."""
        shard = self._shard_at_cursor("get matching from shard")
        if shard is None:
            return
        stem = shard.rsplit("/", 1)[-1]
        stem = next((stem[:-len(e)] for e in sorted(ARCHIVE_EXTS, key=len, reverse=True) if stem.endswith(e)), stem)
        dest = str(Path.cwd() / (stem or "members"))

        def got(req: MatchRequest | None) -> None:
            if req is not None:
                self.run_get_matching(shard, req)

        self.app.push_screen(matching_form(self.label, shard, dest), got)

    @work(group="shard-get", exclusive=True, exit_on_error=False)
    async def run_get_matching(self, shard: str, req: MatchRequest) -> None:
        """One GET of the matching members (held in memory, at most 1 GiB), each written below
        ``req.dest`` through a temporary file; a member whose name would land outside the
        directory is skipped and named."""
        cmd = spell.get_matching(self.bck, shard, req.regex, req.mode, req.dest)
        try:
            async with self.session.record(cmd) as rec:
                members = await self.session.client.objects.get_matching(self.bck, shard, regex=req.regex,
                                                                         mode=req.mode)
                written, skipped = await asyncio.to_thread(_write_members, Path(req.dest), members)
                total = sum(len(data) for _, data in members)
                rec.result(f"{written} members ({fmt.size(total)})" + (f", {len(skipped)} skipped" if skipped else ""),
                           ok=not skipped)
        except (AISError, OSError) as e:
            self.notify(f"get matching from {shard}: {e}", severity="error", markup=False, timeout=10)
            return
        if not members:
            self.notify(f"no member of {shard} matches {req.regex!r} ({req.mode})", severity="warning",
                        markup=False, timeout=6)
            return
        self.notify(f"wrote {written} member{'s' if written != 1 else ''} of {shard} to {req.dest}"
                    + (f"; skipped {', '.join(skipped[:3])}" if skipped else ""),
                    severity="warning" if skipped else "information", markup=False, timeout=8)


def _write_members(dest: Path, members: list[tuple[str, bytes]]) -> tuple[int, list[str]]:
    """Write ``(member name, bytes)`` below ``dest`` (each through a new temporary file renamed
    into place: no partial file remains, :func:`~aistui.core.localpaths.write_file`); returns how
    many were written and the names skipped because they would land outside ``dest``. Raises
    ``OSError`` from the filesystem."""
    tree = DestTree(dest)
    written, skipped = 0, []
    for name, data in members:
        try:
            path = tree.path(name)
        except InvalidInput:
            skipped.append(name)
            continue
        tree.make_parent(path)
        write_file(path, data)
        written += 1
    return written, skipped
