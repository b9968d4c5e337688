"""The object inspector: the details (HEAD) and a capped preview of the object under the cursor,
fetched by its own worker, debounced and cancelled when the cursor moves on; a shard's members
preview from the cluster without downloading the shard."""

from __future__ import annotations

import asyncio

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from .. import format as fmt
from ..core.errors import AISError
from ..core.largeobj import ObjectPropsV2
from ..core.models import Bck, ObjectProps
from ..shell import console
from .objlist import printable
from .preview import IMAGE_CAP, TEXT_CAP, Preview, kind_of

DEBOUNCE_S = 0.12  # wait this long on a row before fetching its details and preview (s)
#: what the details ask HEAD v2 for: v1's fields plus chunks, Last-Modified and ETag
INSPECT_PROPS = "name,size,checksum,atime,version,custom,location,copies,chunked,last-modified,etag"


class ObjectInspector(Vertical):
    """Details and preview of one object of ``bck``; :meth:`show` it (or a directory)."""

    def __init__(self, bck: Bck, protocol: str, *, id: str | None = None):
        super().__init__(id=id)
        self.bck = bck
        self.protocol = protocol
        self.shown = ""  # the object (or directory) whose details are shown

    def compose(self) -> ComposeResult:
        yield Static("", id="details")
        yield Preview(protocol=self.protocol, id="preview")

    def show(self, name: str) -> None:
        """Show ``name``: a directory says so; an object is HEADed and previewed (a worker)."""
        if name == self.shown:
            return
        self.shown = name
        if name.endswith("/"):
            self.query_one("#details", Static).update(Text.assemble((printable(name), "bold"),
                                                                    "\nvirtual directory · enter opens it"))
            self.query_one(Preview).show_info("")
            self.workers.cancel_group(self, "inspect")
            return
        self.query_one(Preview).show_loading(name)
        self.inspect(name)

    def forget(self) -> None:
        """The next :meth:`show` fetches again, even for the same name (after a reload)."""
        self.shown = ""

    @work(exclusive=True, group="inspect", exit_on_error=False)
    async def inspect(self, name: str) -> None:
        """HEAD (v2: chunks, Last-Modified, ETag too) the object, then fetch a capped preview;
        cancelled when the cursor moves on. A remote object the cluster does not hold and that is
        larger than the preview's cap is not read (that GET would bring all of it in)."""
        await asyncio.sleep(DEBOUNCE_S)
        client = console(self).session.client
        preview = self.query_one(Preview)
        details = self.query_one("#details", Static)
        try:
            v2 = await client.objects.head_v2(self.bck, name, props=INSPECT_PROPS)
        except AISError as e:
            details.update(Text.assemble((name, "bold"), "\n", (str(e), "red")))
            preview.show_info("")
            return
        props = v2.props
        details.update(_details(props, v2))
        kind = kind_of(name)
        try:
            if kind == "archive":
                members, truncated = await client.objects.list_archive(self.bck, name, limit=500)
                preview.show_archive(name, members, truncated)
                return
            cap = IMAGE_CAP if kind == "image" else TEXT_CAP
            if not props.present and props.size > cap:
                # a GET of an object the cluster does not hold reads ALL of it from the remote
                # backend into the cluster (a cold GET), however few bytes the preview keeps
                preview.show_info(f"{name}: {fmt.size(props.size)} in the remote backend only, not in the cluster; "
                                  "a preview would read all of it in. b: blob download · f: prefetch")
                return
            data = await client.objects.get(self.bck, name, max_bytes=cap) if props.size else b""
            preview.show_bytes(name, data, total=props.size, capped=props.size > len(data))
        except AISError as e:
            preview.show_error(name, str(e))

    @on(DataTable.RowSelected, "#members")
    def _member_selected(self, event: DataTable.RowSelected) -> None:
        self.preview_member(self.shown, str(event.row_key.value))

    @work(exclusive=True, group="member", exit_on_error=False)
    async def preview_member(self, shard: str, member: str) -> None:
        """Preview ``member`` of shard ``shard`` (read with ``archpath``, capped)."""
        client = console(self).session.client
        preview = self.query_one(Preview)
        try:
            cap = IMAGE_CAP if kind_of(member) == "image" else TEXT_CAP
            data = b""
            async for chunk in client.objects.iter_get(self.bck, shard, archpath=member):
                data += chunk
                if len(data) >= cap:
                    break
            preview.show_member(member, data[:cap], total=len(data), capped=len(data) >= cap)
        except AISError as e:
            preview.show_member(member, str(e).encode(), total=0, capped=False)


def _details(p: ObjectProps, v2: ObjectPropsV2 | None = None) -> Table:
    """Object properties as a two-column grid; every value is plain text, never markup. With the
    HEAD v2 answer ``v2``: the chunks (count x largest) of a chunked object, Last-Modified, ETag."""
    t = _Grid()
    t.add_row("name", p.name)
    t.add_row("size", f"{fmt.size(p.size)} ({p.size:,} B)")
    if p.checksum:
        t.add_row("checksum", f"{p.checksum_type} {p.checksum}")
    if p.version:
        t.add_row("version", p.version)
    if p.atime:
        t.add_row("atime", p.atime.strftime("%Y-%m-%d %H:%M:%S UTC"))
    for k, v in sorted(p.custom.items()):
        t.add_row(f"meta {k}", v)
    if p.location:
        t.add_row("location", p.location)
    if p.mirror_copies > 1:
        t.add_row("copies", str(p.mirror_copies))
    if v2 is not None:
        if v2.chunks is not None:
            t.add_row("chunks", f"{v2.chunks.count:,} x up to {fmt.size(v2.chunks.max_chunk_size)}")
        if v2.last_modified:
            t.add_row("modified", v2.last_modified)
        if v2.etag:
            t.add_row("etag", v2.etag)
    return t.table


class _Grid:
    def __init__(self) -> None:
        self.table = Table.grid(padding=(0, 1))
        self.table.add_column(style="bold")
        self.table.add_column()

    def add_row(self, key: str, value: str) -> None:
        self.table.add_row(Text(key), Text(value))
