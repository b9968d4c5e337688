"""The objects screen's actions on the chosen objects (the selection, else the object under the
cursor): copy to the clipboard, delete, copy to a bucket, evict, prefetch, view through an ETL
and export; on the object under the cursor: rename and edit its custom metadata; on the listing:
its columns and a per-prefix summary. Each changing action is refused in read-only mode and asks
first where it touches data. Uploads and downloads are in :mod:`.transfers`; blob download,
promote and the shard member actions in :mod:`.apiactions`."""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING

from textual import work

from ... import format as fmt
from ...core.errors import AISError, InvalidInput
from ...spell import data as spell
from ...widgets.dialogs import ChoiceDialog, ConfirmDialog, PromptDialog, delete_lines, listed
from ...widgets.inspector import ObjectInspector
from ...widgets.objlist import ObjectList
from ...widgets.objops import ColumnsDialog, CustomEdit, CustomMetaDialog, ReportDialog
from ..base import AISScreen

if TYPE_CHECKING:
    from ...core.models import Bck


class ObjectActions(AISScreen):
    """The actions half of the objects screen (:class:`~.screen.ObjectsScreen` adds the listing,
    navigation and selection that these read: ``bck``, ``label``, ``prefix``, ``name_prefix``,
    :meth:`chosen`, :meth:`reload`)."""

    bck: Bck
    label: str
    prefix: str
    name_prefix: str

    def chosen(self) -> list[str]:  # pragma: no cover - the screen defines it
        raise NotImplementedError

    def reload(self) -> None:  # pragma: no cover - the screen defines it
        raise NotImplementedError

    @property
    def selected(self) -> set[str]:
        return self.query_one(ObjectList).selected

    def action_copy_menu(self) -> None:
        """``y``: copy the name(s), the ``ais://`` URI(s) or an ``ais get`` command to the clipboard."""
        names = self.chosen()
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
        names = self.chosen()
        if not names:
            return
        lines = delete_lines(names, self.query_one(ObjectList).total_size(names), self.label)

        def done(ok: bool | None) -> None:
            if ok:
                self.run_delete(names)

        self.app.push_screen(ConfirmDialog("Delete objects", lines, confirm_label="Delete"), done)

    @work(group="mutate", exit_on_error=False)
    async def run_delete(self, names: list[str]) -> None:
        """Delete ``names`` and wait for the job (the session's delete-and-wait), then list again."""
        try:
            await self.session.delete_and_wait(self.bck, names, timeout=600)
        except AISError as e:
            self.notify(f"delete failed: {e}", severity="error", markup=False)
        else:
            self.notify(f"deleted {len(names):,} object{'s' if len(names) > 1 else ''}", markup=False)
        self.reload()

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

    def _remote_chosen(self, what: str) -> list[str] | None:
        if self.console.refuse_if_read_only(what):
            return None
        if not self.bck.is_remote:
            self.notify(f"{self.label} is not a remote bucket: nothing to {what}", severity="warning", markup=False)
            return None
        return self.chosen()

    def action_evict(self) -> None:
        names = self._remote_chosen("evict")
        if not names:
            return
        lines = [f"Evict the in-cluster copies of {len(names):,} object{'s' if len(names) > 1 else ''} of "
                 f"{self.label}:", *listed(names), "", "The remote origin keeps them; a later GET fetches them again."]

        def done(ok: bool | None) -> None:
            if ok:
                self.run_call("evict", self.session.client.objects.evict_many(self.bck, names=names),
                              cmd=spell.evict_objects(self.bck, names))

        self.app.push_screen(ConfirmDialog("Evict objects", lines, confirm_label="Evict"), done)

    def action_prefetch(self) -> None:
        names = self._remote_chosen("prefetch")
        if names:
            self.run_call("prefetch", self.session.client.objects.prefetch(self.bck, names=names),
                          cmd=spell.prefetch_objects(self.bck, names))

    def action_copy_objects(self) -> None:
        if self.console.refuse_if_read_only("copy"):
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

    def _cursor_object(self) -> str | None:
        name = self.query_one(ObjectList).cursor_key
        return name if name and not name.endswith("/") else None

    def action_rename(self) -> None:
        """``m``: rename the object under the cursor within the bucket (``ais object mv``), after
        a prompt for the new name and a confirm."""
        if self.console.refuse_if_read_only("rename"):
            return
        name = self._cursor_object()
        if name is None:
            return
        if self.bck.provider != "ais":
            self.notify(f"{self.label}: only ais:// buckets can rename objects", severity="warning", markup=False)
            return

        def confirmed(new: str, ok: bool | None) -> None:
            if ok:
                self.run_call(f"rename {name} → {new}", self._rename(name, new), self.reload,
                              spell.rename_object(self.bck, name, new))

        def got(new: str | None) -> None:
            if new and "://" in new:  # a URI, as ais object mv takes it: only this bucket
                from ...core.objmeta import split_uri

                try:
                    dst_bck, new = split_uri(new)
                except InvalidInput as e:
                    self.notify(str(e), severity="error", markup=False)
                    return
                if dst_bck != self.bck:
                    self.notify(f"moving an object to another bucket ({dst_bck}) is not supported: "
                                f"rename keeps it in {self.label}", severity="error", markup=False)
                    return
            if not new or new == name:
                return
            lines = [f"Rename {self.label}/{name}", f"    to {self.label}/{new}", "",
                     "An object already named so is overwritten."]
            self.app.push_screen(ConfirmDialog("Rename object", lines, confirm_label="Rename"),
                                 lambda ok: confirmed(new, ok))

        self.app.push_screen(PromptDialog(f"Rename {name}", "The new full name in this bucket (slashes make "
                                          f"directories; {self.label}/NAME works too).", value=name), got)

    async def _rename(self, name: str, new: str) -> None:
        await self.session.client.objects.rename(self.bck, name, new)

    def action_edit_custom(self) -> None:
        """``M``: edit the custom metadata of the object under the cursor (set, update, delete
        keys; ``ais object set-custom``)."""
        if self.console.refuse_if_read_only("edit custom metadata"):
            return
        name = self._cursor_object()
        if name is not None:
            self.open_custom(name)

    @work(group="custom", exclusive=True, exit_on_error=False)
    async def open_custom(self, name: str) -> None:
        """Read the object's custom metadata (HEAD), then open the editor."""
        try:
            current = dict((await self.session.client.objects.head(self.bck, name)).custom)
        except AISError as e:
            self.notify(f"cannot read {name}: {e}", severity="error", markup=False)
            return

        def got(edit: CustomEdit | None) -> None:
            if edit is None:
                return
            if edit.delete:
                after = {k: v for k, v in current.items() if k not in edit.delete} | edit.set_keys
                cmd = spell.set_custom(self.bck, name, after, replace=True)
            else:
                cmd = spell.set_custom(self.bck, name, edit.set_keys)
            self.run_call(f"custom metadata of {name}", self._edit_custom(name, edit),
                          lambda: self._reinspect(name), cmd)

        self.app.push_screen(CustomMetaDialog(name, current), got)

    async def _edit_custom(self, name: str, edit: CustomEdit) -> None:
        await self.session.client.objects.update_custom(self.bck, name, edit.set_keys, edit.delete)

    def _reinspect(self, name: str) -> None:
        inspector = self.query_one(ObjectInspector)
        inspector.forget()
        inspector.show(name)

    def action_columns(self) -> None:
        """``C``: choose the listing's optional columns (kept for the session), then list again."""
        def got(cols: tuple[str, ...] | None) -> None:
            if cols is not None and cols != self.session.listing_columns:
                self.session.listing_columns = cols
                self.reload()

        self.app.push_screen(ColumnsDialog(self.session.listing_columns), got)

    def action_summary(self) -> None:
        """``S``: objects, size and cached share under the directory shown, from the cluster's
        bucket-summary job (``summary-bck`` with a prefix; ``ais storage summary BUCKET/PREFIX``)."""
        self.notify(f"summarizing {self.label}/{self.prefix}{self.name_prefix} …", timeout=3, markup=False)
        self.run_summary(self.prefix + self.name_prefix)

    @work(group="summary", exclusive=True, exit_on_error=False)
    async def run_summary(self, prefix: str) -> None:
        remote = self.bck.is_remote
        try:
            res = await self.session.client.buckets.summary(self.bck, prefix=prefix, cached=not remote)
        except AISError as e:
            self.notify(f"summary failed: {e}", severity="error", markup=False)
            return
        s = res[0] if res else None
        present, size = (s.obj_count_present, s.size_present) if s else (0, 0)
        rows = [("objects in cluster", f"{present:,}"), ("size in cluster", f"{fmt.size(size)} ({size:,} B)")]
        if s and remote:
            total = s.obj_count_remote or present
            rows += [("objects in remote", f"{s.obj_count_remote:,}"),
                     ("size in remote", fmt.size(s.size_remote)),
                     ("cached", f"{present:,} of {total:,} ({100 * present / total:.0f}%)" if total else "—")]
        else:
            rows.append(("cached", "all (an ais:// bucket's objects live in the cluster)"))
        if s and present:
            rows += [("smallest / mean / largest",
                      f"{fmt.size(s.obj_min_size)} / {fmt.size(s.obj_avg_size)} / {fmt.size(s.obj_max_size)}")]
        self.app.push_screen(ReportDialog(f"Summary of {self.label}/{prefix}", rows,
                                          "computed by the cluster's bucket-summary job (summary-bck)"))
