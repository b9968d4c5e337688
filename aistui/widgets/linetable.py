"""A keyed table drawn through the line API: the cluster screen's nodes and remotes, and the job
monitor.

Textual's ``DataTable`` measures every cell with Rich on ``add_row`` (~2 ms a row: two seconds to
open the job monitor on 1,000 jobs) and was the heaviest widget of the first screen (importing
and mounting two cost ~40-70 ms of the first frame; ``docs/benchmarks.md``). :class:`LineTable`
keeps rows of cells by key, each cell a plain string and an optional Rich style, fixed or
content-sized columns, a header line that does not scroll, a row cursor, zebra stripes and
sideways scrolling, and renders only the lines on screen.

Columns declare a priority (k9s's narrow layout): when the line is wider than the view the table
drops its least important columns first, re-evaluated on every resize, rather than hiding the
important ones behind a sideways scroll.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from .objlist import printable
from .rows import RowView, cursor_bindings, fit

Cell = str | Text  # a Text keeps its base style (not its spans); anything else is str()-ed
Column = tuple[str, str, int | None] | tuple[str, str, int | None, int]
MIN_CUT = 12  # the last column shown may be cut to fit, down to this many cells, instead of dropped


@lru_cache(maxsize=256)
def _style(text: str) -> Style:
    return Style.parse(text) if text else Style()


def _cell(value: object) -> tuple[str, str]:
    if isinstance(value, Text):
        return printable(value.plain), str(value.style) if value.style else ""
    return printable(str(value)), ""


class LineTable(RowView):
    """Columns ``(key, label, width)`` or ``(key, label, width, priority)`` (``width`` None: as
    wide as the widest cell, header included) and rows of cells by row key. ``priority`` 0 (the
    default) is never dropped; when the line is wider than the view, columns with a priority are
    dropped, the highest number first (rightmost first among equals), until it fits, and shown
    again when the view grows (:attr:`shown_columns`). A wide last column is cut to the room left
    (at least ``MIN_CUT`` cells) rather than dropped. What still does not fit scrolls sideways.
    Cells are shown as text with control characters escaped, never as markup. ``zebra`` shades
    every other row; ``cursor=False`` shows no cursor and takes no focus (a read-only list).

    Messages: :class:`Highlighted` when the cursor lands on a row, :class:`Activated` on
    ``enter`` or a double click."""

    BINDINGS = cursor_bindings("table") + [Binding("enter", "activate", "Open", show=False, id="table.open")]
    COMPONENT_CLASSES = {"linetable--header", "linetable--cursor", "linetable--odd-row"}
    DEFAULT_CSS = """
    LineTable { height: auto; max-height: 100%; background: $surface; }
    LineTable > .linetable--header { text-style: bold; color: $text-accent; }
    LineTable > .linetable--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    LineTable:blur > .linetable--cursor { background: $block-cursor-blurred-background; }
    LineTable > .linetable--odd-row { background: $surface-lighten-1; }
    """
    header_lines = 1
    GAP = 2  # spaces between columns

    class Highlighted(Message):
        """The cursor is on row ``key``."""

        def __init__(self, table: LineTable, key: str | None):
            super().__init__()
            self.table, self.key = table, key

        @property
        def control(self) -> LineTable:
            return self.table

    class Activated(Highlighted):
        """``enter`` or a double click on row ``key``."""

    def __init__(self, columns: Iterable[Column], *, zebra: bool = False,
                 cursor: bool = True, name: str | None = None, id: str | None = None,
                 classes: str | None = None):
        super().__init__(name=name, id=id, classes=classes)
        self.columns: list[tuple[str, str, int | None]] = []
        self.priorities: list[int] = []  # per column: 0 always shown, else dropped highest first
        for c in columns:
            self.columns.append((c[0], c[1], c[2]))
            self.priorities.append(c[3] if len(c) == 4 else 0)
        self.zebra = zebra
        self.show_cursor = cursor
        self.can_focus = cursor
        self._rows: dict[str, list[tuple[str, str]]] = {}
        self._keys: list[str] = []
        self._pos: dict[str, int] | None = {}  # key -> row, rebuilt when the order changed
        self._col = {key: i for i, (key, _, _) in enumerate(self.columns)}
        self._widths = [w if w is not None else cell_len(label) for _, label, w in self.columns]
        self._shown: list[tuple[int, int]] = list(enumerate(self._widths))  # (column, cells) drawn

    # ------------------------------------------------------------------ data

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def shown_columns(self) -> list[str]:
        """The keys of the columns drawn at the current width, left to right."""
        return [self.columns[i][0] for i, _ in self._shown]

    @property
    def keys(self) -> list[str]:
        """Row keys, top to bottom."""
        return list(self._keys)

    @property
    def cursor_key(self) -> str | None:
        return self._keys[self.cursor_row] if 0 <= self.cursor_row < len(self._keys) else None

    def get_cell(self, key: str, column: str) -> str:
        """The text of one cell. Raises KeyError for an unknown row or column."""
        return self._rows[key][self._col[column]][0]

    def get_row_index(self, key: str) -> int:
        """The row of ``key``, top 0. Raises KeyError if there is none."""
        if self._pos is None:
            self._pos = {k: i for i, k in enumerate(self._keys)}
        return self._pos[key]

    def set_rows(self, rows: Iterable[tuple[str, Iterable[Cell]]]) -> None:
        """Replace every row with ``(key, cells)``; the cursor stays on its row's key when that
        row is still there."""
        current = self.cursor_key
        self._rows = {key: [_cell(c) for c in cells] for key, cells in rows}
        self._keys = list(self._rows)
        self._pos = None
        for i, (_, label, width) in enumerate(self.columns):
            if width is None:
                self._widths[i] = max([cell_len(label)]
                                      + [cell_len(r[i][0]) for r in self._rows.values() if i < len(r)])
        self._changed(current)

    def set_row(self, key: str, cells: Iterable[Cell]) -> None:
        """Replace row ``key``'s cells, or add it at the bottom."""
        row = [_cell(c) for c in cells]
        added = key not in self._rows
        if added:
            self._keys.append(key)
            if self._pos is not None:
                self._pos[key] = len(self._keys) - 1
        self._rows[key] = row
        grown = False
        for i, (_, _, width) in enumerate(self.columns):
            if width is None and i < len(row) and cell_len(row[i][0]) > self._widths[i]:
                self._widths[i], grown = cell_len(row[i][0]), True
        if added or grown:
            self._resize()
        self.refresh()

    def update_cell(self, key: str, column: str, value: Cell) -> None:
        """Replace one cell of row ``key``. Raises KeyError for an unknown row or column."""
        row, i = self._rows[key], self._col[column]
        while len(row) <= i:
            row.append(("", ""))
        row[i] = _cell(value)
        width = self.columns[i][2]
        if width is None and cell_len(row[i][0]) > self._widths[i]:
            self._widths[i] = cell_len(row[i][0])
            self._resize()
        self.refresh()

    def remove_row(self, key: str) -> None:
        """Drop row ``key`` (KeyError if there is none); the cursor keeps its row's key."""
        current = self.cursor_key
        del self._rows[key]
        self._keys.remove(key)
        self._pos = None
        self._changed(current)

    def reorder(self, keys: list[str]) -> None:
        """Show the rows in the order of ``keys`` (the same keys as now)."""
        current = self.cursor_key
        self._keys = list(keys)
        self._pos = None
        self._changed(current)

    def clear(self) -> None:
        self._rows, self._keys, self._pos = {}, [], {}
        self._changed(None)

    def _changed(self, current: str | None) -> None:
        self._resize()
        self.refresh(layout=True)
        if current in self._rows:
            self.move_cursor(row=self.get_row_index(current))
        else:
            self.move_cursor(row=self.cursor_row)

    def _cursor_moved(self, row: int) -> None:
        self.post_message(self.Highlighted(self, self.cursor_key))

    def action_activate(self) -> None:
        if self.row_count:
            self.post_message(self.Activated(self, self.cursor_key))

    # ------------------------------------------------------------------ rendering

    def _fit_columns(self, room: int) -> list[tuple[int, int]]:
        """The columns to draw in ``room`` cells, with their widths: the least important dropped
        first (see the class docstring)."""
        shown = list(range(len(self.columns)))

        def line(cols: list[int]) -> int:
            return 1 + sum(self._widths[i] for i in cols) + self.GAP * (len(cols) - 1)

        droppable = sorted((i for i, p in enumerate(self.priorities) if p > 0),
                           key=lambda i: (self.priorities[i], i), reverse=True)
        for i in droppable:
            over = line(shown) - room
            if over <= 0:
                break
            if i == shown[-1] and self._widths[i] - over >= max(MIN_CUT, cell_len(self.columns[i][1])):
                return [(c, self._widths[c] - (over if c == i else 0)) for c in shown]
            shown.remove(i)
        return [(c, self._widths[c]) for c in shown]

    def _resize(self) -> None:
        room = self.scrollable_content_region.width
        self._shown = self._fit_columns(room) if room > 0 else list(enumerate(self._widths))
        line = 1 + sum(w for _, w in self._shown) + self.GAP * (len(self._shown) - 1)  # wider: scrolls sideways
        self.virtual_size = Size(max(line, room), self.row_count + self.header_lines)

    def get_content_height(self, container, viewport, width: int) -> int:
        return self.row_count + self.header_lines

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        st = self._styles()
        gap = " " * self.GAP
        if y < self.header_lines:
            style = st["header"]
            labels = (fit(self.columns[i][1], w) for i, w in self._shown)
            segments = [Segment(" " + gap.join(labels), style)]
        else:
            row = int(self.scroll_y) + y - self.header_lines
            if row >= self.row_count:
                return Strip.blank(width, st["base"])
            style = st["base"]
            if self.zebra and row % 2:
                style += st["odd"]
            if self.show_cursor and row == self.cursor_row:
                style += st["cursor"]
            segments = [Segment(" ", style)]
            cells = self._rows[self._keys[row]]
            for n, (i, w) in enumerate(self._shown):
                if i >= len(cells):  # a row may have fewer cells than there are columns
                    break
                text, cell_style = cells[i]
                if n:
                    segments.append(Segment(gap, style))
                segments.append(Segment(fit(text, w), style + _style(cell_style) if cell_style else style))
        strip = Strip(segments)
        x = int(self.scroll_x)
        if x:
            strip = strip.crop(x, x + width)
        return strip.adjust_cell_length(width, style) if strip.cell_length != width else strip

    def _resolve_styles(self) -> dict[str, Style]:
        return {"base": self.rich_style, "header": self.rich_style + self._fg("linetable--header"),
                "cursor": self.get_component_rich_style("linetable--cursor"),
                "odd": self.get_component_rich_style("linetable--odd-row")}
