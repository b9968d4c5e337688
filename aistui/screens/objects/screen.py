"""Objects screen: a lazy listing by virtual directory, with a details and preview panel.

The first page shows while the rest waits; the next page loads as the cursor nears the end.
``enter`` opens a directory (or previews a shard member), ``backspace`` goes up, ``esc`` goes back
to buckets. Moving onto an object shows its properties (HEAD) and a capped preview; moving on
cancels the previous fetch.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from ...core.errors import AISError
from ...core.listing import DirCursor
from ...core.models import Bck, ObjEntry
from ...messages import LoadFailed
from ...widgets.dialogs import PromptDialog
from ...widgets.inspector import ObjectInspector
from ...widgets.keybar import KeyBar
from ...widgets.objlist import DIR, ObjectList, column_header
from ...widgets.status import StatusBar
from .actions import ObjectActions
from .apiactions import ObjectAPIActions
from .shards import ShardActions
from .transfers import TransferActions

PREFETCH_ROWS = 100  # load the next page when the cursor is this close to the end


class ObjectsScreen(ShardActions, ObjectAPIActions, TransferActions, ObjectActions):
    BINDINGS = [
        Binding("escape", "back", "Back", id="objects.back"),
        Binding("backspace", "up", "Up", id="objects.up"),
        Binding("space", "toggle_select", "Select", id="objects.select"),
        Binding("v", "range_select", "Range", id="objects.select_range"),
        Binding("a", "select_all", "All", id="objects.select_all"),
        Binding("u", "upload", "Upload", id="objects.upload"),
        Binding("d", "download", "Download", id="objects.download"),
        Binding("x,delete", "delete", "Delete", id="objects.delete"),
        Binding("y", "copy_menu", "Copy…", id="objects.copy"),
        Binding("c", "copy_objects", "Copy to", id="objects.copy_to"),
        Binding("e", "export", "Export", id="objects.export"),
        Binding("E", "evict", "Evict", id="objects.evict"),
        Binding("f", "prefetch", "Prefetch", id="objects.prefetch"),
        Binding("t", "view_etl", "Through ETL", id="objects.view_etl"),
        Binding("slash", "filter", "Filter", id="objects.filter"),
        Binding("P", "prefix_filter", "Prefix", id="objects.prefix"),
        Binding("s", "sort", "Sort", id="objects.sort"),
        Binding("r", "refresh", "Refresh", id="objects.refresh"),
        Binding("U", "usage", "Usage", id="objects.usage"),
        Binding("H", "doctor", "Doctor", id="objects.doctor"),
        Binding("B", "balance", "Balance", id="objects.balance"),
        Binding("i", "gallery", "Gallery", id="objects.gallery"),
        Binding("m", "rename", "Rename", id="objects.rename"),
        Binding("M", "edit_custom", "Metadata", id="objects.custom"),
        Binding("C", "columns", "Columns", id="objects.columns"),
        Binding("S", "summary", "Summary", id="objects.summary"),
        Binding("W", "make_shards", "Shards", id="objects.shards"),
        # the rest of the object API: in the help (?) and the palette, not the key bar
        Binding("b", "blob_download", "Blob download", id="objects.blob_download", show=False),
        Binding("p", "promote", "Promote files from targets", id="objects.promote", show=False),
        Binding("A", "add_to_shard", "Add file to shard", id="objects.add_to_shard", show=False),
        Binding("R", "get_matching", "Get matching from shard", id="objects.get_matching", show=False),
    ]

    DEFAULT_CSS = """
    #objects-body { height: 1fr; }
    #objects-pane { width: 3fr; }
    #objects { height: 1fr; }
    ObjectHeader { height: 1; color: $text-muted; }
    #side { width: 2fr; min-width: 30; border-left: solid $primary-background; }
    #details { height: auto; padding: 0 1; }
    """

    @dataclass
    class PageLoaded(Message):
        """A page of ``cursor``'s listing arrived (stale when the screen moved on since)."""

        cursor: DirCursor
        entries: list[ObjEntry]

    def __init__(self, bck: Bck, prefix: str = "", label: str = "", name_prefix: str = ""):
        super().__init__()
        self.bck = bck
        self.label = label or str(bck)
        self.prefix = prefix        # the virtual directory shown (ends with "/" or is "")
        self.name_prefix = name_prefix  # server-side filter: only names starting with prefix + this
        self._cursor: DirCursor | None = None  # the listing shown: it owns the paging state
        self._loading = False
        self._anchor: str | None = None  # range selection start (v)
        self._columns: tuple[str, ...] = ()  # the optional columns of the listing shown (C)
        self._transfer = None

    @property
    def selected(self) -> set[str]:
        return self.query_one(ObjectList).selected

    @property
    def filter(self) -> str:
        return self.query_one(ObjectList).filter

    def compose(self) -> ComposeResult:
        # The first page is asked for while the screen is built: the cluster's time to answer
        # overlaps composing and painting (its handler runs after the screen is mounted).
        self.load_page(first=True)
        yield StatusBar()
        yield Static("", id="objects-hint", classes="hint")
        with Horizontal(id="objects-body"):
            with Vertical(id="objects-pane"):
                yield ObjectHeader()
                yield ObjectList(near_end=PREFETCH_ROWS, id="objects")
            yield ObjectInspector(self.bck, self.console.image_protocol, id="side")
        yield KeyBar()

    def on_mount(self) -> None:
        self.console.sync_status(self)
        self.query_one(ObjectList).focus()
        self._reset_view()

    def _crumb(self) -> str:
        return f"cluster › {self.label} › {self.prefix}" + (f"{self.name_prefix}*" if self.name_prefix else "")

    def _reset_view(self) -> None:
        self._anchor = None
        olist = self.query_one(ObjectList)
        olist.strip = len(self.prefix)
        olist.clear()
        self.query_one(StatusBar).breadcrumb = self._crumb()
        self.query_one(ObjectHeader).refresh()
        self._update_hint()

    def reload(self) -> None:
        """List the current directory (and name prefix) again from its start."""
        self._cursor = None
        self._reset_view()
        self.load_page(first=True)

    @property
    def _done(self) -> bool:
        return self._cursor is not None and self._cursor.done

    @work(exclusive=True, group="objects", exit_on_error=False)
    async def load_page(self, first: bool = False) -> None:
        """The next page of the listing (with ``first``, a new listing of the directory shown),
        through the core's :class:`~aistui.core.listing.DirCursor`."""
        self._loading = True
        await self.session.connected.wait()  # the connection check speaks first
        if first or self._cursor is None:
            self._columns = self.session.listing_columns  # what this listing's entries carry
            self._cursor = self.session.client.objects.dir_cursor(self.bck, self.prefix, self.name_prefix,
                                                                  props=listing_props(self._columns))
        cursor = self._cursor
        try:
            entries = await cursor.next_page()
        except AISError as e:
            self._loading = False
            self.post_message(LoadFailed(e))
            return
        self.post_message(self.PageLoaded(cursor, entries))

    @on(PageLoaded)
    def _page_loaded(self, msg: PageLoaded) -> None:
        self._loading = False
        if msg.cursor is not self._cursor:
            return  # a stale page from before the user moved
        olist = self.query_one(ObjectList)
        if olist.columns != self._columns:  # the first page of a listing with other columns
            olist.set_columns(self._columns)
        if olist.columns:
            cols = olist.columns
            olist.append((e.name, DIR if e.is_dir else e.size, column_texts(e, cols)) for e in msg.entries)
        else:
            olist.append((e.name, DIR if e.is_dir else e.size) for e in msg.entries)
        self.query_one(ObjectHeader).refresh()
        self._update_hint()

    def on_object_list_near_end(self, _: ObjectList.NearEnd) -> None:
        if not self._done and not self._loading:
            self._loading = True
            self.load_page()

    def _update_hint(self) -> None:
        olist = self.query_one(ObjectList)
        more = "" if self._done else "+ (more load as you scroll)"
        parts = [f"{olist.loaded:,}{more} entries under {self.label}/{self.prefix}{self.name_prefix}"]
        if olist.selected:
            parts.append(f"{len(olist.selected):,} selected")
        if self._anchor is not None:
            parts.append("range: move, then v selects")
        if olist.filter:
            parts.append(f"filter {olist.filter!r}: {olist.row_count:,} of the loaded rows")
        if olist.sorting:
            col, rev = olist.sorting
            parts.append(f"sorted by {col} {'▼' if rev else '▲'} (only the {olist.loaded:,} loaded rows)")
        self.query_one("#objects-hint", Static).update(Text(" · ".join(parts)))

    @on(LoadFailed)
    def _load_failed(self, msg: LoadFailed) -> None:
        self.notify(f"listing failed: {msg.error}", severity="error", markup=False)

    def on_object_list_highlighted(self, event: ObjectList.Highlighted) -> None:
        self._inspect_cursor()  # Activated, a subclass, goes to on_object_list_activated only

    def _inspect_cursor(self) -> None:
        name = self.query_one(ObjectList).cursor_key
        if name:
            self.query_one(ObjectInspector).show(name)

    def on_object_list_activated(self, event: ObjectList.Activated) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        name = self.query_one(ObjectList).cursor_key
        if name and name.endswith("/"):
            self.go(name)

    def go(self, prefix: str) -> None:
        """Show the virtual directory ``prefix`` ("" for the bucket's top; ends with "/")."""
        self.prefix = prefix
        self.name_prefix = ""
        self.query_one(ObjectInspector).forget()
        self.reload()

    def action_up(self) -> None:
        if not self.prefix and not self.name_prefix:
            return
        parts = self.prefix.rstrip("/").split("/")[:-1]
        self.go("/".join(parts) + "/" if parts else "")

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_usage(self) -> None:
        """``U``: the usage map of the directory shown (objects and bytes per child directory)."""
        self.console.show_usage(self.bck, self.prefix)

    def action_gallery(self) -> None:
        """``i`` (images): the thumbnail gallery of the directory under the cursor, of the shard
        under the cursor (its members), else of the directory shown. (``g`` stays the list's
        "first row", as everywhere in the console.)"""
        name = self.query_one(ObjectList).cursor_key or ""
        if name.endswith("/"):
            self.console.show_gallery(self.bck, name)
        elif name.lower().endswith((".tar", ".tgz", ".tar.gz", ".zip", ".tar.lz4")):
            self.console.show_gallery(self.bck, self.prefix, shard=name)
        else:
            self.console.show_gallery(self.bck, self.prefix)

    def action_balance(self) -> None:
        """``B``: the class balance of the directory shown, a dataset whose splits are its
        ``train/``, ``val/``, ``test/``... (the balance screen's ``p`` picks others)."""
        self.console.show_balance(self.bck, self.prefix)

    def action_doctor(self) -> None:
        """``H`` (health): the dataset doctor's scan of the directory shown (and the name prefix)."""
        self.console.show_doctor(self.bck, self.prefix + self.name_prefix)

    def action_refresh(self) -> None:
        self.query_one(ObjectInspector).forget()
        self.reload()

    def action_toggle_select(self) -> None:
        olist = self.query_one(ObjectList)
        name = olist.cursor_key
        if not name or name.endswith("/"):
            return
        olist.toggle_selected(name)
        self._update_hint()
        olist.move_cursor(row=olist.cursor_row + 1)

    def action_range_select(self) -> None:
        """``v`` marks where a range starts; ``v`` again selects every object from there to the
        cursor (inclusive, in the order shown)."""
        olist = self.query_one(ObjectList)
        here = olist.cursor_key
        if here is None:
            return
        if self._anchor is None:
            self._anchor = here
        else:
            try:
                a = olist.get_row_index(self._anchor)
            except KeyError:
                a = olist.cursor_row
            lo, hi = sorted((a, olist.cursor_row))
            names = [n for n in (olist.key_at(r) for r in range(lo, hi + 1)) if n and not n.endswith("/")]
            olist.set_selected(olist.selected | set(names))
            self._anchor = None
        self._update_hint()

    def action_select_all(self) -> None:
        """Select every loaded object shown (after the filter); again to clear."""
        olist = self.query_one(ObjectList)
        names = {n for n in olist.keys() if not n.endswith("/")}
        olist.set_selected(set() if olist.selected == names else names)
        self._update_hint()

    def chosen(self) -> list[str]:
        """What an action applies to: the selection, else the object under the cursor."""
        olist = self.query_one(ObjectList)
        if olist.selected:
            return sorted(olist.selected)
        name = olist.cursor_key
        return [name] if name and not name.endswith("/") else []

    def action_filter(self) -> None:
        """``/``: filter the loaded rows by substring, locally (the listing keeps loading)."""
        def got(text: str | None) -> None:
            self.query_one(ObjectList).set_filter(text or "")
            self._update_hint()

        self.app.push_screen(PromptDialog("Filter", "Show loaded rows whose name contains this text "
                                          "(case-insensitive); empty clears. Only loaded rows are filtered: "
                                          "AIS v1.5.0 lists by prefix only (P), with no server-side glob or "
                                          "template (apc.LsoMsg has no such field).",
                                          value=self.filter), got)

    def action_prefix_filter(self) -> None:
        """``P``: list only names in this directory that start with a prefix, on the server."""
        def got(text: str | None) -> None:
            self.name_prefix = text or ""
            self.query_one(ObjectInspector).forget()
            self.reload()

        self.app.push_screen(PromptDialog(f"Prefix (server-side) in {self.label}/{self.prefix}",
                                          "The cluster lists only names that start with this; empty clears.",
                                          value=self.name_prefix), got)

    SORTS: list[tuple[str, bool] | None] = [None, ("name", False), ("name", True), ("size", True), ("size", False)]

    def action_sort(self) -> None:
        """``s``: cycle listing order → name ▲ → name ▼ → size ▼ → size ▲ (loaded rows only)."""
        olist = self.query_one(ObjectList)
        nxt = self.SORTS[(self.SORTS.index(olist.sorting) + 1) % len(self.SORTS)]
        olist.sort_by(*(nxt or (None, False)))
        self.query_one(ObjectHeader).refresh()
        self._update_hint()


class ObjectHeader(Widget):
    """Column titles over the object list, with the sort arrow."""

    def render(self) -> Text:
        olist = self.screen.query_one(ObjectList)
        width = olist.scrollable_content_region.width or self.size.width
        return column_header(width, olist.sorting, olist.shown_columns(width))


_PROPS = {"cached": "cached", "atime": "atime", "version": "version", "checksum": "checksum", "custom": "custom",
          "location": "location"}


def listing_props(columns: tuple[str, ...]) -> str:
    """The ``LsoMsg`` props for the listing with ``columns`` (``name,size`` plus one per column)."""
    return ",".join(["name", "size", *(_PROPS[c] for c in columns if c in _PROPS)])


def column_texts(e: ObjEntry, columns: tuple[str, ...]) -> tuple[str, ...]:
    """One entry's text per optional column (empty for a virtual directory): cached ``yes``/``no``
    (``EntryIsCached``), atime and version as listed, the checksum's first 16 hex digits, custom
    metadata as listed, location ``t[ID]:mountpath``."""
    if e.is_dir:
        return ("",) * len(columns)
    value = {"cached": "yes" if e.is_cached else "no", "atime": e.atime, "version": e.version,
             "checksum": e.checksum[:16], "custom": e.custom, "location": e.location}
    return tuple(value.get(c, "") for c in columns)
