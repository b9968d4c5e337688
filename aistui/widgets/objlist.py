"""A windowed object list: a line-API ``ScrollView`` over a compact columnar store.

The stock ``DataTable`` keeps a dict per row and measures every new row with Rich, so a bucket of
1,000,000 objects costs gigabytes and seconds per page. :class:`ObjectList` keeps three columns
instead (a list of names, an ``array`` of sizes and an optional ``array`` of view indices for a
filter or a sort) and renders only the rows on screen (``render_line``), the model toolong uses
(see ``../shared/reference/tui-practice.md``).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip

from .. import format as fmt
from .rows import RowView, cursor_bindings, fit

DIR = -1  # size stored for a virtual directory

SIZE_W = 11  # width of the size column, including one space of padding
MARK_W = 2   # width of the selection mark column
#: widths of the optional columns (``widgets/objops.py`` COLUMNS), one space of padding included
EXTRA_W = {"cached": 7, "atime": 20, "version": 8, "checksum": 17, "custom": 24, "location": 24}
NAME_MIN = 20  # optional columns are dropped from the right while the name would get fewer cells

_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F]}


def printable(name: str) -> str:
    """``name`` with control characters shown as ``\\xNN`` escapes, so a hostile object name can
    never move the cursor or recolour the terminal."""
    return name.translate(_CONTROL)


class ObjectList(RowView):
    """Rows of ``(name, size)``; a name ending in ``/`` with size :data:`DIR` is a virtual directory.

    ``strip`` characters are cut from the front of every shown name (the current prefix). Rows
    are addressed by their position in the current view (after filter and sort). Memory: about
    one Python ``str`` per row plus 8 bytes (size) and, while filtered or sorted, 8 more (index).

    Messages: :class:`Highlighted` when the cursor moves, :class:`Activated` on ``enter`` or a
    double click, :class:`NearEnd` when the cursor or the scroll position comes within
    ``near_end`` rows of the last loaded row.
    """

    COMPONENT_CLASSES = {"objlist--cursor", "objlist--dir", "objlist--mark", "objlist--size",
                         "objlist--selected"}
    DEFAULT_CSS = """
    ObjectList { background: $surface; }
    ObjectList > .objlist--cursor { background: $block-cursor-background; color: $block-cursor-foreground;
                                    text-style: bold; }
    ObjectList:blur > .objlist--cursor { background: $block-cursor-blurred-background; text-style: none; }
    ObjectList > .objlist--dir { color: $accent; text-style: bold; }
    ObjectList > .objlist--mark { color: $warning; text-style: bold; }
    ObjectList > .objlist--selected { background: $warning 20%; }
    ObjectList > .objlist--size { color: $text-muted; }
    """
    BINDINGS = cursor_bindings("list") + [Binding("enter", "activate", "Open", show=False, id="list.open")]

    class Highlighted(Message):
        """The cursor moved onto ``key`` (a full object name) at view row ``row``."""

        def __init__(self, olist: ObjectList, row: int, key: str | None):
            super().__init__()
            self.object_list, self.row, self.key = olist, row, key

        @property
        def control(self) -> ObjectList:
            return self.object_list

    class Activated(Highlighted):
        """``enter`` or a double click on ``key``."""

    class NearEnd(Message):
        """The user is close to the last loaded row: time to load the next page."""

    def __init__(self, *, near_end: int = 100, name: str | None = None, id: str | None = None,
                 classes: str | None = None):
        super().__init__(name=name, id=id, classes=classes)
        self.near_end = near_end
        self.strip = 0
        self.selected: set[str] = set()
        self._names: list[str] = []
        self._sizes = array("q")
        self._view: array | None = None  # row -> index into _names, when filtered or sorted
        self._filter = ""
        self._sort: tuple[str, bool] | None = None
        self.columns: tuple[str, ...] = ()  # optional columns shown after the size (EXTRA_W keys)
        self._extra: list[tuple[str, ...]] = []  # per row, the optional columns' text (when columns)

    # ------------------------------------------------------------------ the store

    @property
    def row_count(self) -> int:
        """Rows in the current view (after the filter)."""
        return len(self._view) if self._view is not None else len(self._names)

    @property
    def loaded(self) -> int:
        """Rows loaded, whatever the filter."""
        return len(self._names)

    @property
    def filter(self) -> str:
        return self._filter

    @property
    def sorting(self) -> tuple[str, bool] | None:
        """``(column, reverse)`` or None for listing order."""
        return self._sort

    def clear(self) -> None:
        """Drop every row, the selection, the filter's result and the sort; keep the filter text."""
        self._names = []
        self._sizes = array("q")
        self._extra = []
        self.selected.clear()
        self._sort = None
        self._view = array("q") if self._filter else None
        self.cursor_row = 0
        self._resize()
        self.scroll_to(y=0, animate=False)

    def set_columns(self, columns: tuple[str, ...]) -> None:
        """Show these optional columns (:data:`EXTRA_W` keys, in order) after the size; rows
        appended from now on carry their text (call before a new listing)."""
        self.columns = tuple(c for c in columns if c in EXTRA_W)
        self.refresh()

    def shown_columns(self, width: int) -> tuple[str, ...]:
        """The optional columns that fit ``width`` cells with at least :data:`NAME_MIN` for the
        name, dropped from the right."""
        cols = list(self.columns)
        while cols and width - MARK_W - SIZE_W - sum(EXTRA_W[c] for c in cols) < NAME_MIN:
            cols.pop()
        return tuple(cols)

    def extra_at(self, row: int) -> tuple[str, ...]:
        """The optional columns' text of view row ``row`` (empty without columns)."""
        i = self._index(row)
        return self._extra[i] if i < len(self._extra) else ()

    def append(self, rows: Iterable[tuple[str, int] | tuple[str, int, tuple[str, ...]]]) -> None:
        """Add ``(name, size)`` rows (size :data:`DIR` for a virtual directory) in listing order;
        with :attr:`columns`, ``(name, size, texts)`` with one text per column. With a filter,
        matching rows join the view; with a sort, the view is re-sorted."""
        start = len(self._names)
        for row in rows:
            self._names.append(row[0])
            self._sizes.append(row[1])
            if self.columns:
                self._extra.append(row[2] if len(row) > 2 else ())  # type: ignore[misc]
        if self._view is not None:
            self._view.extend(self._matching(range(start, len(self._names))))
            if self._sort:
                self._apply_sort()
        self._resize()
        self.refresh()
        if self.row_count and self.cursor_row == 0 and start == 0:
            self.cursor_row = 0  # announce the first row

    def total_size(self, names: Iterable[str]) -> int:
        """Sum of the sizes of the loaded objects among ``names`` (bytes; one pass over the rows)."""
        want = set(names)
        return sum(s for n, s in zip(self._names, self._sizes, strict=True) if s != DIR and n in want)

    def key_at(self, row: int) -> str | None:
        """The full name at view row ``row``."""
        if not 0 <= row < self.row_count:
            return None
        return self._names[self._index(row)]

    @property
    def cursor_key(self) -> str | None:
        return self.key_at(self.cursor_row)

    def keys(self) -> list[str]:
        """The names in the current view, in view order (O(rows): for tests and small lists)."""
        return [self._names[self._index(r)] for r in range(self.row_count)]

    def get_row_index(self, key: str) -> int:
        """The view row of ``key``; raises ``KeyError`` when it is not in the view."""
        i = self._find(key)
        if i is not None:
            if self._view is None:
                return i
            for r, j in enumerate(self._view):
                if j == i:
                    return r
        raise KeyError(key)

    def set_filter(self, text: str) -> None:
        """Show only loaded rows whose shown name contains ``text`` (case-insensitive)."""
        keep = self.cursor_key
        self._filter = text
        if not text and not self._sort:
            self._view = None
        else:
            self._view = array("q", self._matching(range(len(self._names))))
            if self._sort:
                self._apply_sort()
        self._restore_cursor(keep)

    def sort_by(self, column: str | None, reverse: bool = False) -> None:
        """Sort the loaded rows by ``"name"`` or ``"size"`` (directories first), or back to listing
        order with None. Rows loaded later are merged into the sort."""
        keep = self.cursor_key
        self._sort = (column, reverse) if column else None
        if not self._sort and not self._filter:
            self._view = None
        else:
            if self._view is None:
                self._view = array("q", range(len(self._names)))
            elif not self._sort:
                self._view = array("q", sorted(self._view))
            if self._sort:
                self._apply_sort()
        self._restore_cursor(keep)

    def toggle_selected(self, name: str) -> None:
        self.selected.symmetric_difference_update({name})
        self.refresh()

    def set_selected(self, names: Iterable[str]) -> None:
        self.selected = set(names)
        self.refresh()

    # ------------------------------------------------------------------ internals

    def _index(self, row: int) -> int:
        return self._view[row] if self._view is not None else row

    def _find(self, name: str) -> int | None:
        try:
            return self._names.index(name)
        except ValueError:
            return None

    def _matching(self, indices: Iterable[int]) -> Iterable[int]:
        if not self._filter:
            return indices
        f, s, names = self._filter.lower(), self.strip, self._names
        return (i for i in indices if f in names[i][s:].lower())

    def _apply_sort(self) -> None:
        """Sort the view; directories stay on top whichever the direction."""
        assert self._sort and self._view is not None
        column, reverse = self._sort
        names, sizes = self._names, self._sizes
        if column == "size":
            key = lambda i: (sizes[i], names[i])  # noqa: E731
        else:
            key = names.__getitem__
        order = sorted(self._view, key=key, reverse=reverse)
        self._view = array("q", [i for i in order if sizes[i] == DIR] + [i for i in order if sizes[i] != DIR])

    def _restore_cursor(self, key: str | None) -> None:
        self._resize()
        row = 0
        if key is not None:
            try:
                row = self.get_row_index(key)
            except KeyError:
                row = 0
        self.cursor_row = row
        self.refresh()

    def _cursor_moved(self, row: int) -> None:
        self.post_message(self.Highlighted(self, row, self.key_at(row)))
        self._check_near_end(row)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._check_near_end(int(new) + self.scrollable_content_region.height)

    def _check_near_end(self, row: int) -> None:
        if self._names and row >= self.row_count - self.near_end:
            self.post_message(self.NearEnd())

    # ------------------------------------------------------------------ rendering

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = int(self.scroll_y) + y
        st = self._styles()
        if row >= self.row_count:
            return Strip.blank(width, st["base"])
        i = self._index(row)
        name, size = self._names[i], self._sizes[i]
        selected = name in self.selected
        cursor = row == self.cursor_row
        style = st["base"]
        if selected:
            style += st["selected"]
        if cursor:
            style += st["cursor"]
        cols = self.shown_columns(width) if self.columns else ()
        name_w = max(1, width - MARK_W - SIZE_W - sum(EXTRA_W[c] for c in cols))
        shown = fit(printable(name[self.strip:]), name_w)
        segments = [
            Segment("● " if selected else "  ", style + st["mark"]),
            Segment(shown, style + st["dir"] if size == DIR else style),
            Segment(("" if size == DIR else fmt.size(size)).rjust(SIZE_W)[:SIZE_W],
                    style if cursor else style + st["size"]),
        ]
        if cols:
            texts = self._extra[i] if i < len(self._extra) else ()
            for c in cols:
                w = EXTRA_W[c]
                text = printable(texts[self.columns.index(c)]) if len(texts) == len(self.columns) else ""
                segments.append(Segment(" " + fit(text, w - 1), style if cursor else style + st["size"]))
        strip = Strip(segments)
        return strip.adjust_cell_length(width, style) if strip.cell_length != width else strip

    def _resolve_styles(self) -> dict[str, Style]:
        return {"base": self.rich_style,
                "selected": self.get_component_rich_style("objlist--selected"),
                "cursor": self.get_component_rich_style("objlist--cursor"),
                **{k: self._fg(f"objlist--{k}") for k in ("mark", "dir", "size")}}

    # ------------------------------------------------------------------ input

    def action_activate(self) -> None:
        if self.row_count:
            self.post_message(self.Activated(self, self.cursor_row, self.cursor_key))


def column_header(width: int, sort: tuple[str, bool] | None, columns: tuple[str, ...] = ()) -> Text:
    """The header line over an :class:`ObjectList` of ``width`` cells, marking the sorted column;
    ``columns`` are the optional columns shown (:meth:`ObjectList.shown_columns`)."""
    arrow = {False: " ▲", True: " ▼"}
    name = "name" + (arrow[sort[1]] if sort and sort[0] == "name" else "")
    size = "size" + (arrow[sort[1]] if sort and sort[0] == "size" else "")
    name_w = max(1, width - MARK_W - SIZE_W - sum(EXTRA_W[c] for c in columns))
    line = " " * MARK_W + name.ljust(name_w)[:name_w] + size.rjust(SIZE_W)
    line += "".join(" " + c.ljust(EXTRA_W[c] - 1)[:EXTRA_W[c] - 1] for c in columns)
    return Text(line[:width] if cell_len(line) > width else line, style="bold", no_wrap=True)
