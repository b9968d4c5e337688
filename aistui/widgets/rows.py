"""What the console's line-API lists share: a ``ScrollView`` of one-line rows with a row cursor
(keys, clicks, keeping the cursor in view) and row styles resolved once per theme and focus.
:class:`~.objlist.ObjectList` and :class:`~.table.Table` draw the rows."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView


def fit(text: str, width: int) -> str:
    """``text`` padded or cut to exactly ``width`` cells; a cut ends in "…"."""
    return set_cell_size(text, width) if cell_len(text) <= width else set_cell_size(text, width - 1) + "…"


def cursor_bindings(prefix: str) -> list[BindingType]:
    """The cursor keys of a row list, with binding ids ``<prefix>.up`` and so on (remappable in
    the config file's ``keymap``)."""
    return [
        Binding("up,k", "cursor_up", "Up", show=False, id=f"{prefix}.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id=f"{prefix}.down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id=f"{prefix}.page_up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id=f"{prefix}.page_down"),
        Binding("home,g", "first", "First", show=False, id=f"{prefix}.first"),
        Binding("end,G", "last", "Last", show=False, id=f"{prefix}.last"),
    ]


class RowView(ScrollView, can_focus=True):
    """Rows ``0 .. row_count - 1``, one line each, and a cursor on one of them. Subclasses give
    ``row_count`` and ``render_line``, resolve their styles in :meth:`_resolve_styles`, and may
    act on :meth:`_cursor_moved` and :meth:`action_activate` (``enter``, double click). With
    ``header_lines``, ``render_line(y)`` draws the header for ``y < header_lines`` and row
    ``scroll_y + y - header_lines`` below it."""

    cursor_row: reactive[int] = reactive(0, always_update=True, init=False)
    header_lines = 0  #: lines drawn above the rows that do not scroll (a table's column header)

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name=name, id=id, classes=classes)
        self._style_key: tuple | None = None
        self._style_cache: dict[str, Style] = {}

    @property
    def row_count(self) -> int:
        raise NotImplementedError

    def move_cursor(self, *, row: int) -> None:
        """Put the cursor on row ``row`` (clamped) and scroll it into view."""
        self.cursor_row = max(0, min(row, self.row_count - 1))

    def _cursor_moved(self, row: int) -> None:
        """Called after the cursor moved to ``row`` and was scrolled into view."""

    def watch_cursor_row(self, row: int) -> None:
        if self.row_count and not 0 <= row < self.row_count:
            self.cursor_row = max(0, min(row, self.row_count - 1))
            return
        self._scroll_to_cursor()
        self.refresh()
        self._cursor_moved(row)

    def _resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.row_count + self.header_lines)

    @property
    def _page(self) -> int:
        """Rows visible at once."""
        return self.scrollable_content_region.height - self.header_lines

    def _scroll_to_cursor(self) -> None:
        h = self._page
        if h <= 0:
            return
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + h:
            self.scroll_to(y=self.cursor_row - h + 1, animate=False, immediate=True)

    def on_resize(self, _: events.Resize) -> None:
        self._resize()
        self._scroll_to_cursor()

    # ------------------------------------------------------------------ styles

    def _styles(self) -> dict[str, Style]:
        """The row styles, resolved once per theme and focus state (``render_line`` runs for
        every visible row on every refresh)."""
        key = (self.app.theme, self.has_focus)
        if self._style_key != key:
            self._style_cache = self._resolve_styles()
            self._style_key = key
        return self._style_cache

    def _resolve_styles(self) -> dict[str, Style]:
        return {"base": self.rich_style}

    def notify_style_update(self) -> None:
        self._style_key = None
        super().notify_style_update()

    def _fg(self, component: str) -> Style:
        """A component's colour and text style without its background, so it layers over the
        cursor and selection rows (resolved against the theme, alpha included)."""
        full = self.get_component_rich_style(component)
        return Style(color=full.color, bold=full.bold, italic=full.italic)

    # ------------------------------------------------------------------ input

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - max(1, self._page - 1))

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + max(1, self._page - 1))

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=self.row_count - 1)

    def action_activate(self) -> None:
        """``enter`` or a double click on the cursor row; nothing by default."""

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y - self.header_lines
        if event.y >= self.header_lines and 0 <= row < self.row_count:
            self.move_cursor(row=row)
            if event.chain >= 2:
                self.action_activate()
