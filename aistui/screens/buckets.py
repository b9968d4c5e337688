"""Buckets screen: every provider's buckets, remote AIS ones included. Object counts and sizes
fill in from the async summary without blocking the list. ``a`` toggles present/all buckets,
``enter`` opens a bucket; ``n`` creates (name rules checked before sending), ``D`` destroys (type the
name to confirm), ``c`` copies, ``e``/``f`` evict/prefetch a remote bucket, ``p`` opens the property tree
(an editable screen of its own).
Mutations are refused in ``--read-only``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from .. import format as fmt
from ..core.errors import AISError, InvalidInput
from ..core.models import Bck, BucketSummary, Namespace
from ..messages import LoadFailed
from ..spell import data as spell
from ..widgets.dialogs import ConfirmDialog, PromptDialog
from ..widgets.form import Field, FormDialog
from ..widgets.keybar import KeyBar
from ..widgets.linetable import LineTable
from ..widgets.status import StatusBar
from .base import AISScreen

COLUMNS = ("bucket", "provider", "namespace", "objects", "size")
CHECKSUMS = ("xxhash2", "xxhash", "md5", "sha256", "sha512", "crc32c", "none")


def props_patch(values: dict[str, str], current: dict[str, str]) -> dict:
    """The partial ``Bprops`` for ``set-bprops`` from the edit form: only what changed.
    ``values``/``current`` have ``versioning`` (yes/no), ``copies`` (1-32) and ``checksum``.
    Raises :class:`InvalidInput` for a copies count out of range."""
    try:
        copies = int(values["copies"])
    except ValueError:
        raise InvalidInput(f"copies must be a number (1 turns mirroring off), not {values['copies']!r}") from None
    if not 1 <= copies <= 32:
        raise InvalidInput("copies must be between 1 (mirroring off) and 32")
    patch: dict = {}
    if values["versioning"] != current["versioning"]:
        patch["versioning"] = {"enabled": values["versioning"] == "yes"}
    if str(copies) != current["copies"]:
        patch["mirror"] = {"enabled": copies > 1, "copies": max(copies, 1)}
    if values["checksum"] != current["checksum"]:
        patch["checksum"] = {"type": values["checksum"]}
    return patch


class BucketsScreen(AISScreen):
    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="buckets.refresh"),
        Binding("a", "toggle_all", "Present/all", id="buckets.all"),
        Binding("n", "create", "New", id="buckets.create"),
        Binding("D", "destroy", "Destroy", id="buckets.destroy"),
        Binding("c", "copy", "Copy", id="buckets.copy"),
        Binding("E", "evict", "Evict", id="buckets.evict"),
        Binding("f", "prefetch", "Prefetch", id="buckets.prefetch"),
        Binding("p", "props", "Props", id="buckets.props"),
        Binding("P", "edit_props", "Edit props", id="buckets.edit_props"),
        Binding("e", "export", "Export", id="buckets.export"),
        Binding("m", "rename", "Rename", id="buckets.rename"),
        Binding("enter", "open", "Open", id="buckets.open", show=False),
    ]

    @dataclass
    class Listed(Message):
        buckets: list[Bck]
        aliases: dict[str, str]

    @dataclass
    class Summarized(Message):
        results: list[BucketSummary]

    def __init__(self) -> None:
        super().__init__()
        self.present_only = True
        self.listed = False  # the first listing has arrived
        self.buckets: dict[str, Bck] = {}
        self.aliases: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="bucket-hint", classes="hint")
        # narrow: the namespace goes first (the name says it: ais://@remais/b), then the provider
        yield LineTable([(c, c, w, p) for c, w, p in zip(COLUMNS, (40, 9, 12, 12, 12), (0, 2, 3, 0, 0), strict=True)],
                        zebra=True, id="buckets")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(LineTable).styles.height = "1fr"
        self.console.sync_status(self)
        self.query_one(StatusBar).breadcrumb = "buckets"
        self.load()

    def display_name(self, b: Bck) -> str:
        """``ais://@remais/b`` rather than the remote cluster's UUID."""
        if b.ns.is_remote and b.ns.uuid in self.aliases:
            return str(replace(b, ns=Namespace(self.aliases[b.ns.uuid], b.ns.name)))
        return str(b)

    @work(exclusive=True, group="buckets", exit_on_error=False)
    async def load(self) -> None:
        await self.session.connected.wait()  # the connection check speaks first
        client = self.session.client
        try:
            local = await client.buckets.list(present=self.present_only)
            remotes = await client.cluster.remotes()
            aliases = {r.uuid: r.alias for r in remotes}
            extra: list[Bck] = []
            if remotes:
                try:
                    extra = await client.buckets.list("ais", Namespace(uuid="@"), present=self.present_only)
                except AISError:
                    extra = []
        except AISError as e:
            self.post_message(LoadFailed(e))
            return
        allb = sorted(set(local) | set(extra), key=lambda b: (b.provider, str(b.ns), b.name))
        self.post_message(self.Listed(allb, aliases))
        # One summary job per bucket (an all-bucket summary may come back as a single aggregate
        # entry), at most four at a time; partial (206) results show as they arrive.
        sem = asyncio.Semaphore(4)

        async def summarize(b: Bck) -> None:
            async with sem:
                try:
                    async for _done, res in client.buckets.summary_iter(b, present=True):
                        self.post_message(self.Summarized([replace(r, bck=b) for r in res[:1]]))
                except AISError:
                    self.post_message(self.Summarized([]))

        await asyncio.gather(*(summarize(b) for b in allb if b.provider == "ais"))

    @on(Listed)
    def _listed(self, msg: Listed) -> None:
        self.aliases = msg.aliases
        self.listed = True
        self.buckets = {}
        rows = []
        for b in msg.buckets:
            key = str(b)
            self.buckets[key] = b
            ns = str(b.ns) if not b.ns.is_remote else "@" + self.aliases.get(b.ns.uuid, b.ns.uuid)
            rows.append((key, (self.display_name(b), b.provider, ns, "…", "…")))
        self.query_one(LineTable).set_rows(rows)
        mode = "present in the cluster" if self.present_only else "all, including remote ones not yet present"
        self.query_one("#bucket-hint", Static).update(
            f"{len(msg.buckets)} buckets ({mode}) · enter open · a toggle present/all")

    @on(Summarized)
    def _summarized(self, msg: Summarized) -> None:
        t = self.query_one(LineTable)
        for s in msg.results:
            key = str(s.bck)
            if key in self.buckets:
                t.update_cell(key, "objects", f"{s.obj_count_present:,}")
                t.update_cell(key, "size", fmt.size(s.size_present))

    @on(LoadFailed)
    def _load_failed(self, msg: LoadFailed) -> None:
        self.notify(f"cannot list buckets: {msg.error}", severity="error", markup=False)

    def action_refresh(self) -> None:
        self.load()

    def action_toggle_all(self) -> None:
        self.present_only = not self.present_only
        self.load()

    @on(LineTable.Activated, "#buckets")
    def _activated(self, event: LineTable.Activated) -> None:
        self.action_open()

    # ------------------------------------------------------------------ actions

    def current(self) -> Bck | None:
        return self.buckets.get(self.query_one(LineTable).cursor_key or "")

    def action_create(self) -> None:
        if self.console.refuse_if_read_only("create bucket"):
            return

        def got(text: str | None) -> None:
            b = self.parse_bucket(text) if text else None
            if b is not None:
                self.run_call(f"create {b}", self.session.client.buckets.create(b), self.load, spell.create_bucket(b))

        self.app.push_screen(PromptDialog(
            "Create bucket", "A name (ais://NAME, or ais://@remais/NAME in a remote cluster): letters, digits, "
            "'-', '_' and '.', at most 64 characters.", placeholder="ais://my-bucket"), got)

    def action_destroy(self) -> None:
        b = self.current()
        if b is None or self.console.refuse_if_read_only("destroy bucket"):
            return
        name = self.display_name(b)
        lines = [f"Destroy {name} and every object in it.",
                 "For a remote AIS bucket this destroys it in the remote cluster too.", "This cannot be undone."]

        def done(ok: bool | None) -> None:
            if ok:
                self.run_call(f"destroy {name}", self.session.client.buckets.destroy(b), self.load,
                              spell.destroy_bucket(b))

        self.app.push_screen(ConfirmDialog("Destroy bucket", lines, confirm_label="Destroy",
                                           type_to_confirm=b.name), done)

    def action_copy(self) -> None:
        """``c``: copy the bucket (``copy-bck``) with a destination, an optional prefix, dry-run and
        sync (also delete in the destination what the source no longer has)."""
        src = self.current()
        if src is None or self.console.refuse_if_read_only("copy bucket"):
            return
        name = self.display_name(src)

        def check(v: dict[str, str]) -> dict:
            dst = Bck.parse(v["dst"] if "://" in v["dst"] else f"ais://{v['dst']}")
            if dst == src:
                raise InvalidInput("the destination is the source bucket")
            return {"dst": dst, "prefix": v["prefix"], "dry_run": v["dry_run"] == "yes", "sync": v["sync"] == "yes"}

        def got(opts: dict | None) -> None:
            if opts:
                dst = opts.pop("dst")
                presence = 0 if src.is_remote else None  # copy uncached remote objects too
                what = f"{'dry-run ' if opts['dry_run'] else ''}copy {name} → {dst}"
                cmd = spell.copy_bucket(src, dst, prefix=opts["prefix"], dry_run=opts["dry_run"], sync=opts["sync"],
                                        all_objects=presence == 0)
                call = self.session.client.buckets.copy(src, dst, presence=presence, **opts)
                self.run_call(what, call, self.load, cmd)

        self.app.push_screen(FormDialog(f"Copy {name}", [
            Field("dst", "Destination bucket (created if missing)", value=f"ais://{src.name}-copy"),
            Field("prefix", "Only objects whose names start with (empty: all)"),
            Field("dry_run", "Dry run (count what would be copied, write nothing)", choices=("no", "yes")),
            Field("sync", "Sync (also delete destination objects the source no longer has)", choices=("no", "yes")),
        ], check, submit_label="Copy"), got)

    def action_rename(self) -> None:
        """``m``: rename an ``ais://`` bucket (``ais bucket mv``; a job that moves every object),
        after a prompt for the new name and a confirm."""
        b = self.current()
        if b is None or self.console.refuse_if_read_only("rename bucket"):
            return
        if b.provider != "ais" or b.ns.is_remote:
            self.notify(f"{self.display_name(b)}: only ais:// buckets of this cluster can be renamed",
                        severity="warning", markup=False)
            return

        def confirmed(dst: Bck, ok: bool | None) -> None:
            if ok:
                self.run_call(f"rename {b} → {dst}", self.session.client.buckets.rename(b, dst), self.load,
                              spell.rename_bucket(b, dst))

        def got(text: str | None) -> None:
            dst = self.parse_bucket(text) if text else None
            if dst is None or dst == b:
                return
            lines = [f"Rename {b} to {dst}.", "A job moves every object; the old name stops existing.",
                     "Readers of the old name fail from then on."]
            self.app.push_screen(ConfirmDialog("Rename bucket", lines, confirm_label="Rename"),
                                 lambda ok: confirmed(dst, ok))

        self.app.push_screen(PromptDialog(f"Rename {b}", "The new bucket name (it must not exist).",
                                          value=f"ais://{b.name}-new"), got)

    def action_evict(self) -> None:
        """``E``: evict a remote bucket's in-cluster copies; keeping its metadata keeps it listed."""
        b = self.current()
        if b is None or self.console.refuse_if_read_only("evict"):
            return
        if not b.is_remote:
            self.notify(f"{self.display_name(b)} is not a remote bucket: nothing to evict", severity="warning",
                        markup=False)
            return
        name = self.display_name(b)

        def got(keep: bool | None) -> None:
            if keep is not None:
                self.run_call(f"evict {name}", self.session.client.buckets.evict(b, keep_md=keep), self.load,
                              spell.evict_bucket(b, keep_md=keep))

        self.app.push_screen(FormDialog(f"Evict remote bucket {name}", [
            Field("keep", "Keep the bucket's metadata (it stays listed as present, with its props)",
                  choices=("yes", "no"))], lambda v: v["keep"] == "yes",
            help_text=f"Removes every in-cluster copy of {name}'s objects. The remote origin keeps them; "
                      "a later GET or prefetch brings them back.", submit_label="Evict"), got)

    def action_prefetch(self) -> None:
        b = self.current()
        if b is None or self.console.refuse_if_read_only("prefetch"):
            return
        if not b.is_remote:
            self.notify(f"{self.display_name(b)} is not a remote bucket: nothing to prefetch", severity="warning",
                        markup=False)
            return
        self.run_call(f"prefetch {self.display_name(b)}", self.session.client.buckets.prefetch(b), self.load,
                      spell.prefetch_bucket(b))

    def action_props(self) -> None:
        """``p``: the bucket's whole property tree, each value editable (a screen of its own)."""
        b = self.current()
        if b is not None:
            self.console.show_bucket_props(b, self.display_name(b))

    def action_edit_props(self) -> None:
        """``P``: edit the common props: versioning, mirroring (copies) and checksum type."""
        b = self.current()
        if b is None or self.console.refuse_if_read_only("edit bucket props"):
            return
        self.edit_props(b)

    @work(group="props", exit_on_error=False)
    async def edit_props(self, b: Bck) -> None:
        try:
            props = await self.session.client.buckets.head(b)
        except AISError as e:
            self.notify(f"props: {e}", severity="error", markup=False)
            return
        name = self.display_name(b)
        versioning = "yes" if (props.get("versioning") or {}).get("enabled") else "no"
        mirror = props.get("mirror") or {}
        copies = str(mirror.get("copies", 1)) if mirror.get("enabled") else "1"
        cksum = (props.get("checksum") or {}).get("type", "xxhash2")

        def check(v: dict[str, str]) -> dict:
            return props_patch(v, current={"versioning": versioning, "copies": copies, "checksum": cksum})

        def got(patch: dict | None) -> None:
            if patch:
                self.run_call(f"set props of {name}", self.session.client.buckets.set_props(b, patch),
                              cmd=spell.set_bucket_props(b, patch))
            elif patch == {}:
                self.notify("props unchanged", timeout=3)

        self.app.push_screen(FormDialog(f"Edit props of {name}", [
            Field("versioning", "Versioning", value=versioning, choices=("no", "yes")),
            Field("copies", "Copies per object (mirroring across mountpaths; 1 = off)", value=copies),
            Field("checksum", "Checksum type", value=cksum, choices=CHECKSUMS),
        ], check, submit_label="Save"), got)

    def action_export(self) -> None:
        """``e``: PyTorch loader code for the bucket under the cursor."""
        b = self.current()
        if b is None:
            return
        self.console.show_export(b)

    def action_open(self) -> None:
        b = self.buckets.get(self.query_one(LineTable).cursor_key or "")
        if b is not None:
            self.console.show_objects(b, label=self.display_name(b))
