"""Buckets screen: every provider's buckets, remote AIS ones included. Object counts and sizes
fill in from the async summary without blocking the list. ``a`` toggles present/all buckets,
``enter`` opens a bucket."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from .. import format as fmt
from ..core.errors import AISError
from ..core.models import Bck, BucketSummary, Namespace
from ..messages import LoadFailed
from ..widgets.status import StatusBar
from ..widgets.tables import cursor_key

COLUMNS = ("bucket", "provider", "namespace", "objects", "size")


class BucketsScreen(Screen):
    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="buckets.refresh"),
        Binding("a", "toggle_all", "Present/all", id="buckets.all"),
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

    def action_open(self) -> None:
        b = self.buckets.get(cursor_key(self.query_one(DataTable)) or "")
        if b is not None:
            from .objects import ObjectsScreen

            self.app.push_screen(ObjectsScreen(b, label=self.display_name(b)))
