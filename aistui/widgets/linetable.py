"""A small keyed table drawn through the line API, for the cluster screen's nodes and remotes.

Textual's ``DataTable`` measures every cell on ``add_row`` and is the heaviest widget the first
screen would mount: importing and mounting the two of them cost about 40 ms of the console's
first frame (``docs/benchmarks.md``). :class:`LineTable` keeps rows of Rich ``Text`` cells by key,
fixed or content-sized columns, a header line that does not scroll, a row cursor and zebra
stripes, and renders only the lines on screen.
"""

from __future__ import annotations

from typing import Iterable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip

from .objlist import printable
from .rows import RowView, cursor_bindings


class LineTable(RowView):
    """Columns ``(key, label, width)`` (``width`` None: as wide as the widest cell, header
    included) and rows of cells by row key, in the order they were first set. Cells are shown
    as plain text with control characters escaped, never as markup. ``zebra`` shades every
    other row."""

    BINDINGS = cursor_bindings("table")
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

    def __init__(self, columns: Iterable[tuple[str, str, int | None]], *, zebra: bool = False,
                 name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name=name, id=id, classes=classes)
        self.columns = [(key, label, width) for key, label, width in columns]
        self.zebra = zebra
        self._rows: dict[str, list[str]] = {}
        self._keys: list[str] = []
        self._col = {key: i for i, (key, _, _) in enumerate(self.columns)}
        self._widths = [w if w is not None else cell_len(label) for _, label, w in self.columns]

    # ------------------------------------------------------------------ data

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> list[str]:
        """Row keys, top to bottom."""
        return list(self._keys)

    @property
    def cursor_key(self) -> str | None:
        return self._keys[self.cursor_row] if 0 <= self.cursor_row < len(self._keys) else None

    def get_cell(self, key: str, column: str) -> str:
        """The text of one cell. Raises KeyError for an unknown row or column."""
        return self._rows[key][self._col[column]]

    def set_rows(self, rows: Iterable[tuple[str, Iterable[str | Text]]]) -> None:
        """Replace every row with ``(key, cells)``; the cursor stays on its row's key when that
        row is still there."""
        current = self.cursor_key
        self._rows = {key: [printable(str(c)) for c in cells] for key, cells in rows}
        self._keys = list(self._rows)
        for i, (_, label, width) in enumerate(self.columns):
            if width is None:
                self._widths[i] = max([cell_len(label)] + [cell_len(r[i]) for r in self._rows.values() if i < len(r)])
        self._resize()
        self.refresh(layout=True)
        self.move_cursor(row=self._keys.index(current) if current in self._rows else self.cursor_row)

    # ------------------------------------------------------------------ rendering

    def _resize(self) -> None:
        line = 1 + sum(self._widths) + self.GAP * (len(self._widths) - 1)  # wider than the view: scrolls sideways
        self.virtual_size = Size(max(line, self.scrollable_content_region.width), self.row_count + self.header_lines)

    def get_content_height(self, container, viewport, width: int) -> int:
        return self.row_count + self.header_lines

    def _line(self, cells: Iterable[str]) -> str:
        out = []
        for text, w in zip(cells, self._widths):
            out.append(set_cell_size(text, w) if cell_len(text) <= w else set_cell_size(text, w - 1) + "…")
        return (" " * self.GAP).join(out)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        st = self._styles()
        if y < self.header_lines:
            line, style = self._line(label for _, label, _ in self.columns), st["header"]
        else:
            row = int(self.scroll_y) + y - self.header_lines
            if row >= self.row_count:
                return Strip.blank(width, st["base"])
            line, style = self._line(self._rows[self._keys[row]]), st["base"]
            if self.zebra and row % 2:
                style += st["odd"]
            if row == self.cursor_row:
                style += st["cursor"]
        x = int(self.scroll_x)
        strip = Strip([Segment(" " + line, style)])
        if x:
            strip = strip.crop(x, x + width)
        return strip.adjust_cell_length(width, style) if strip.cell_length != width else strip

    def _resolve_styles(self) -> dict[str, Style]:
        return {"base": self.rich_style, "header": self.rich_style + self._fg("linetable--header"),
                "cursor": self.get_component_rich_style("linetable--cursor"),
                "odd": self.get_component_rich_style("linetable--odd-row")}
