"""Thumbnails for the gallery: the grid's geometry per image protocol, decoding and downscaling
off the event loop (Pillow, on a thread), and the grid widget itself.

:func:`grid_shape` says how many cells fit (fewer, larger cells with half-blocks or Unicode,
where a cell of text is two pixels tall); :func:`make_thumb` turns an object's bytes into a small
RGB image (or the reason there is none: not an image, over the cap, a broken file), and is meant
to run on a thread (``asyncio.to_thread``). :class:`ThumbGrid` shows one page of :class:`Tile`:
an image drawn with the terminal's protocol through textual-image (sixel, kitty/TGP,
half-blocks) or a placeholder, the name under each, the cursor and the selection.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

THUMB_CAP = 4 * 1024 * 1024  # bytes: an object larger than this is not fetched (a placeholder)
# (cell width, image rows) per protocol; one more row holds the name
CELL = {"halfcell": (19, 8), "unicode": (19, 8), "auto": (19, 8), "sixel": (15, 6), "tgp": (15, 6)}
PIXELS_PER_CELL = (10, 20)  # width, height in pixels of a text cell for sixel/TGP (textual-image's default)


def grid_shape(protocol: str, width: int, height: int) -> tuple[int, int]:
    """``(columns, rows)`` of thumbnail cells that fit ``width`` x ``height`` text cells (at
    least 1 x 1). Each cell is :data:`CELL` wide plus a gap column, and its image rows plus one
    row for the name."""
    cw, ch = CELL.get(protocol, CELL["halfcell"])
    return max(1, (width + 1) // (cw + 1)), max(1, height // (ch + 1))


def pixel_box(protocol: str) -> tuple[int, int]:
    """The largest thumbnail in pixels worth decoding for one cell: half-blocks draw two pixels
    per text cell (one column wide), sixel and TGP about :data:`PIXELS_PER_CELL` per cell."""
    cw, ch = CELL.get(protocol, CELL["halfcell"])
    if protocol in ("sixel", "tgp"):
        return cw * PIXELS_PER_CELL[0], ch * PIXELS_PER_CELL[1]
    return cw, ch * 2


@dataclass
class Tile:
    """One cell of the grid: ``name`` (the object, or the shard member), ``label`` shown under
    it, ``size`` in bytes (-1 unknown), ``image`` once decoded, else ``note`` saying why there
    is none (``loading``, ``not an image``, ``over the cap``, an error)."""

    name: str
    label: str
    size: int = -1
    image: Any = None  # a PIL image, once decoded
    note: str = "loading"


def make_thumb(data: bytes, box: tuple[int, int]) -> PILImage:
    """Decode ``data`` with Pillow and shrink it to fit ``box`` (pixels), keeping its aspect
    ratio; JPEGs decode at a reduced scale first (``Image.draft``). Returns an RGB image. Raises
    ``ValueError`` (with Pillow's reason) when it is not an image Pillow can decode. CPU-bound:
    call it on a thread."""
    from PIL import Image

    try:
        img = Image.open(io.BytesIO(data))
        img.draft("RGB", box)
        img.load()
        img.thumbnail(box, Image.Resampling.BILINEAR)
        return img.convert("RGB")
    except Exception as e:  # noqa: BLE001 - Pillow raises many kinds for bad data
        raise ValueError(f"not an image ({type(e).__name__})") from None


def cells_for(protocol: str, pixels: tuple[int, int]) -> tuple[int, int]:
    """The text cells (width, height) a thumbnail of ``pixels`` (width, height) takes, at most
    one :data:`CELL`: fixed sizes keep textual-image from measuring it at each layout."""
    cw, ch = CELL.get(protocol, CELL["halfcell"])
    w, h = pixels
    if protocol in ("sixel", "tgp"):
        px, py = PIXELS_PER_CELL
        return min(cw, max(1, -(-w // px))), min(ch, max(1, -(-h // py)))
    return min(cw, max(1, w)), min(ch, max(1, -(-h // 2)))


class HalfBlocks(Widget):
    """A thumbnail drawn with half-blocks (``▀``: the upper pixel is the foreground colour, the
    lower one the background), centred in a fixed ``width`` x ``height`` cells, or a
    placeholder note. Its size never changes, so a new image repaints this widget only (the
    textual-image widgets re-lay out the screen when their image is set); the lines are built
    once per image."""

    DEFAULT_CSS = """
    HalfBlocks { color: $text-muted; }
    """

    def __init__(self, width: int, height: int, **kw: Any):
        super().__init__(**kw)
        self.styles.width, self.styles.height = width, height
        self.cols, self.rows = width, height
        self.image: Any = None
        self.note = ""
        self._lines: list[Strip] | None = None

    def show(self, image: Any, note: str) -> None:
        """Draw ``image`` (a PIL RGB image at most ``width`` x ``2*height`` pixels), else ``note``."""
        self.image, self.note, self._lines = image, note, None
        self.refresh()

    def _build(self) -> list[Strip]:
        blank = Strip([Segment(" " * self.cols)], self.cols)
        if self.image is None:
            notes = self.note.split("\n")
            top = max(0, (self.rows - len(notes)) // 2)
            style = self.rich_style + Style(dim=True, italic=True)
            lines = [blank] * self.rows
            for i, n in enumerate(notes[:self.rows - top]):
                n = n[:self.cols]
                left = (self.cols - len(n)) // 2
                lines[top + i] = Strip([Segment(" " * left + n + " " * (self.cols - left - len(n)), style)], self.cols)
            return lines
        img = self.image
        w, h = img.size
        w = min(w, self.cols)
        px = img.load()
        rows = (min(h, self.rows * 2) + 1) // 2
        top, left = (self.rows - rows) // 2, (self.cols - w) // 2
        lines = [blank] * self.rows
        for r in range(rows):
            segs = [Segment(" " * left)] if left else []
            for x in range(w):
                hi = px[x, 2 * r]
                lo = px[x, 2 * r + 1] if 2 * r + 1 < h else None
                segs.append(Segment("▀", Style(color=Color.from_rgb(*hi[:3]),
                                                bgcolor=Color.from_rgb(*lo[:3]) if lo is not None else None)))
            if self.cols - left - w:
                segs.append(Segment(" " * (self.cols - left - w)))
            lines[top + r] = Strip(segs, self.cols)
        return lines

    def render_line(self, y: int) -> Strip:
        if self._lines is None:
            self._lines = self._build()
        return self._lines[y] if 0 <= y < len(self._lines) else Strip.blank(self.cols)


class ThumbCell(Vertical):
    """One thumbnail: the image (or a placeholder) above the label."""

    DEFAULT_CSS = """
    ThumbCell { width: auto; height: auto; }
    ThumbCell > .thumb-img { content-align: center middle; color: $text-muted; }
    ThumbCell > .thumb-label { height: 1; color: $text-muted; }
    ThumbCell.-cursor > .thumb-label { background: $accent; color: $text; text-style: bold; }
    ThumbCell.-selected > .thumb-label { color: $success; text-style: bold; }
    """

    def __init__(self, tile: Tile, protocol: str, index: int):
        super().__init__()
        self.tile, self.protocol, self.index = tile, protocol, index
        self.selected = False
        cw, ch = CELL.get(protocol, CELL["halfcell"])
        self.styles.width = cw
        self.styles.height = ch + 1

    def compose(self) -> ComposeResult:
        yield self._image_widget()
        yield Static(self._label(), classes="thumb-label")

    def _image_widget(self) -> Widget:
        cw, ch = CELL.get(self.protocol, CELL["halfcell"])
        if self.protocol not in ("sixel", "tgp"):
            w = HalfBlocks(cw, ch, classes="thumb-img")
            w.show(self.tile.image, self.tile.note)
        elif self.tile.image is not None:
            from .preview import image_widget_class

            w = image_widget_class(self.protocol)(self.tile.image, classes="thumb-img")
            w.styles.width, w.styles.height = cells_for(self.protocol, self.tile.image.size)
        else:
            w = Static(Text(self.tile.note, style="dim italic", justify="center"), classes="thumb-img")
            w.styles.width = cw
            w.styles.height = ch
        return w

    def _label(self) -> Text:
        cw, _ = CELL.get(self.protocol, CELL["halfcell"])
        mark = "✓ " if self.selected else ""
        label = mark + self.tile.label
        if len(label) > cw:
            label = label[:cw - 1] + "…"
        return Text(label, no_wrap=True, overflow="ellipsis")

    def set_tile(self, tile: Tile) -> None:
        """Show ``tile`` (its image arrived, or why there is none)."""
        self.tile = tile
        if not self.is_mounted:
            return  # compose shows it
        blocks = self.query(HalfBlocks)
        if blocks:  # drawn here: a repaint of this cell only, no layout
            blocks.first().show(tile.image, tile.note)
        else:
            for old in self.query(".thumb-img"):
                old.remove()
            self.mount(self._image_widget(), before=0)
        self.query_one(".thumb-label", Static).update(self._label())

    def set_marks(self, *, cursor: bool, selected: bool) -> None:
        """The cursor and selection marks (the label's colours and a ✓)."""
        self.set_class(cursor, "-cursor")
        self.set_class(selected, "-selected")
        if selected != self.selected:
            self.selected = selected
            for label in self.query(".thumb-label").results(Static):
                label.update(self._label())


class ThumbGrid(Grid):
    """One page of thumbnails, ``columns`` wide; :meth:`show_page` replaces the cells,
    :meth:`set_tile` one of them, :meth:`mark` moves the cursor and selection marks."""

    DEFAULT_CSS = """
    ThumbGrid { grid-gutter: 0 1; height: 1fr; padding: 0 0; }
    """

    def __init__(self, protocol: str, **kw: Any):
        super().__init__(**kw)
        self.protocol = protocol
        self.cells: list[ThumbCell] = []

    def show_page(self, tiles: list[Tile], columns: int) -> None:
        """Replace the cells with ``tiles`` laid out in ``columns``."""
        self.styles.grid_size_columns = max(1, columns)
        cw, ch = CELL.get(self.protocol, CELL["halfcell"])
        self.styles.grid_columns = str(cw)
        self.styles.grid_rows = str(ch + 1)
        self.remove_children()
        self.cells = [ThumbCell(t, self.protocol, i) for i, t in enumerate(tiles)]
        if self.cells:
            self.mount_all(self.cells)

    def set_tile(self, index: int, tile: Tile) -> None:
        """Show the decoded thumbnail (or the reason there is none) of cell ``index``."""
        if 0 <= index < len(self.cells):
            self.cells[index].set_tile(tile)

    def mark(self, cursor: int, selected: set[str]) -> None:
        """Put the cursor on cell ``cursor``; mark the cells whose name is in ``selected``."""
        for i, c in enumerate(self.cells):
            c.set_marks(cursor=i == cursor, selected=c.tile.name in selected)
