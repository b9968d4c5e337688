"""Buckets screen: every provider's buckets, remote AIS ones included. Object counts and sizes
fill in from the async summary without blocking the list. ``a`` toggles present/all buckets,
``enter`` opens a bucket; ``n`` creates (name rules checked before sending), ``D`` destroys (type the
name to confirm), ``c`` copies, ``e``/``f`` evict/prefetch a remote bucket, ``p`` shows props.
Mutations are refused in ``--read-only``."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from .. import format as fmt
from ..core.errors import AISError
from ..core.models import Bck, BucketSummary, Namespace
from ..messages import LoadFailed
from .base import AISScreen
from ..widgets.dialogs import ConfirmDialog, PromptDialog, TextDialog
from ..widgets.status import StatusBar
from ..widgets.tables import cursor_key

COLUMNS = ("bucket", "provider", "namespace", "objects", "size")


class BucketsScreen(AISScreen):
    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="buckets.refresh"),
        Binding("a", "toggle_all", "Present/all", id="buckets.all"),
        Binding("n", "create", "New", id="buckets.create"),
        Binding("D", "destroy", "Destroy", id="buckets.destroy"),
        Binding("c", "copy", "Copy", id="buckets.copy"),
        Binding("e", "evict", "Evict", id="buckets.evict"),
        Binding("f", "prefetch", "Prefetch", id="buckets.prefetch"),
        Binding("p", "props", "Props", id="buckets.props"),
        Binding("enter", "open", "Open", id="buckets.open", show=False),
    ]

    class Listed(Message):
        def __init__(self, buckets: list[Bck], aliases: dict[str, str]):
            super().__init__()
            self.buckets, self.aliases = buckets, aliases

    class Summarized(Message):
        def __init__(self, results: list[BucketSummary]):
            super().__init__()
            self.results = results

    def __init__(self) -> None:
        super().__init__()
        self.present_only = True
        self.listed = False  # the first listing has arrived
        self.buckets: dict[str, Bck] = {}
        self.aliases: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="bucket-hint", classes="hint")
        yield DataTable(id="buckets", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        t = self.query_one(DataTable)
        for c, w in zip(COLUMNS, (40, 9, 12, 12, 12)):
            t.add_column(c, key=c, width=w)
        self.app.sync_status(self)  # type: ignore[attr-defined]
        self.query_one(StatusBar).breadcrumb = "buckets"
        self.load()

    def display_name(self, b: Bck) -> str:
        """``ais://@remais/b`` rather than the remote cluster's UUID."""
        if b.ns.is_remote and b.ns.uuid in self.aliases:
            return str(replace(b, ns=Namespace(self.aliases[b.ns.uuid], b.ns.name)))
        return str(b)

    @work(exclusive=True, group="buckets", exit_on_error=False)
    async def load(self) -> None:
        await self.app.connected.wait()  # type: ignore[attr-defined]  # the connection check speaks first
        client = self.app.client  # type: ignore[attr-defined]
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

    def on_buckets_screen_listed(self, msg: Listed) -> None:
        self.aliases = msg.aliases
        self.listed = True
        t = self.query_one(DataTable)
        t.clear()
        self.buckets = {}
        for b in msg.buckets:
            key = str(b)
            self.buckets[key] = b
            ns = str(b.ns) if not b.ns.is_remote else "@" + self.aliases.get(b.ns.uuid, b.ns.uuid)
            t.add_row(Text(self.display_name(b)), b.provider, Text(ns), "…", "…", key=key)
        mode = "present in the cluster" if self.present_only else "all, including remote ones not yet present"
        self.query_one("#bucket-hint", Static).update(
            f"{len(msg.buckets)} buckets ({mode}) · enter open · a toggle present/all")

    def on_buckets_screen_summarized(self, msg: Summarized) -> None:
        t = self.query_one(DataTable)
        for s in msg.results:
            key = str(s.bck)
            if key in self.buckets:
                t.update_cell(key, "objects", f"{s.obj_count_present:,}")
                t.update_cell(key, "size", fmt.size(s.size_present))

    def on_load_failed(self, msg: LoadFailed) -> None:
        self.notify(f"cannot list buckets: {msg.error}", severity="error", markup=False)

    def action_refresh(self) -> None:
        self.load()

    def action_toggle_all(self) -> None:
        self.present_only = not self.present_only
        self.load()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    # ------------------------------------------------------------------ actions

    def current(self) -> Bck | None:
        return self.buckets.get(cursor_key(self.query_one(DataTable)) or "")

    def action_create(self) -> None:
        if self.app.refuse_if_read_only("create bucket"):  # type: ignore[attr-defined]
            return

        def got(text: str | None) -> None:
            b = self.parse_bucket(text) if text else None
            if b is not None:
                self.run_call(f"create {b}", self.app.client.buckets.create(b), self.load)  # type: ignore[attr-defined]

        self.app.push_screen(PromptDialog(
            "Create bucket", "A name (ais://NAME, or ais://@remais/NAME in a remote cluster): letters, digits, "
            "'-', '_' and '.', at most 64 characters.", placeholder="ais://my-bucket"), got)

    def action_destroy(self) -> None:
        b = self.current()
        if b is None or self.app.refuse_if_read_only("destroy bucket"):  # type: ignore[attr-defined]
            return
        name = self.display_name(b)
        lines = [f"Destroy {name} and every object in it.",
                 "For a remote AIS bucket this destroys it in the remote cluster too.", "This cannot be undone."]

        def done(ok: bool | None) -> None:
            if ok:
                self.run_call(f"destroy {name}", self.app.client.buckets.destroy(b), self.load)  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmDialog("Destroy bucket", lines, confirm_label="Destroy",
                                           type_to_confirm=b.name), done)

    def action_copy(self) -> None:
        src = self.current()
        if src is None or self.app.refuse_if_read_only("copy bucket"):  # type: ignore[attr-defined]
            return

        def got(text: str | None) -> None:
            dst = self.parse_bucket(text) if text else None
            if dst is not None:
                presence = 0 if src.is_remote else None  # copy uncached remote objects too
                self.run_call(f"copy {self.display_name(src)} → {dst}",
                              self.app.client.buckets.copy(src, dst, presence=presence), self.load)  # type: ignore[attr-defined]

        self.app.push_screen(PromptDialog(f"Copy {self.display_name(src)} to", "Destination bucket (created if "
                                          "missing).", value=f"ais://{src.name}-copy"), got)

    def action_evict(self) -> None:
        b = self.current()
        if b is None or self.app.refuse_if_read_only("evict"):  # type: ignore[attr-defined]
            return
        if not b.is_remote:
            self.notify(f"{self.display_name(b)} is not a remote bucket: nothing to evict", severity="warning",
                        markup=False)
            return
        lines = [f"Evict the in-cluster copies of {self.display_name(b)}.",
                 "The remote origin keeps every object; the bucket stays listed (metadata kept)."]

        def done(ok: bool | None) -> None:
            if ok:
                self.run_call(f"evict {self.display_name(b)}",
                              self.app.client.buckets.evict(b, keep_md=True), self.load)  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmDialog("Evict remote bucket", lines, confirm_label="Evict"), done)

    def action_prefetch(self) -> None:
        b = self.current()
        if b is None or self.app.refuse_if_read_only("prefetch"):  # type: ignore[attr-defined]
            return
        if not b.is_remote:
            self.notify(f"{self.display_name(b)} is not a remote bucket: nothing to prefetch", severity="warning",
                        markup=False)
            return
        self.run_call(f"prefetch {self.display_name(b)}", self.app.client.buckets.prefetch(b), self.load)  # type: ignore[attr-defined]

    def action_props(self) -> None:
        b = self.current()
        if b is not None:
            self.show_props(b)

    @work(group="props", exit_on_error=False)
    async def show_props(self, b: Bck) -> None:
        try:
            props = await self.app.client.buckets.head(b)  # type: ignore[attr-defined]
        except AISError as e:
            self.notify(f"props: {e}", severity="error", markup=False)
            return
        self.app.push_screen(TextDialog(f"Properties of {self.display_name(b)}", json.dumps(props, indent=2), "json"))

    def action_open(self) -> None:
        b = self.buckets.get(cursor_key(self.query_one(DataTable)) or "")
        if b is not None:
            from .objects import ObjectsScreen

            self.app.push_screen(ObjectsScreen(b, label=self.display_name(b)))
