"""Object previews: images (textual-image), text and JSON (Rich Syntax), tar shard members.

The screen fetches capped bytes through the core (in a worker) and hands them here; this module
only decides how to show them. Image protocols: ``auto`` (what the terminal supports: Sixel or
Kitty TGP, else half-blocks), ``sixel``, ``tgp``, ``halfcell``, ``unicode``; tests force
``halfcell``.
"""

from __future__ import annotations

import io
import json
from pathlib import PurePosixPath

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from .code import highlighted

IMAGE_EXT = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".ppm", ".pgm"}
TEXT_EXT = {".txt", ".md", ".json", ".jsonl", ".csv", ".tsv", ".yaml", ".yml", ".py", ".sh", ".cls",
            ".log", ".xml", ".html", ".toml", ".ini", ".cfg"}
ARCHIVE_EXT = (".tar", ".tgz", ".tar.gz", ".zip", ".tar.lz4")
IMAGE_CAP = 16 * 1024 * 1024   # bytes read at most for an image preview
TEXT_CAP = 256 * 1024          # bytes read at most for a text preview
TEXT_LINES = 400               # lines (of at most 160 chars on average) highlighted: 256 KiB took ~30 s
PROTOCOLS = ("auto", "sixel", "tgp", "halfcell", "unicode")


def kind_of(name: str) -> str:
    """``image``, ``text``, ``archive`` or ``binary``, from the object name."""
    low = name.lower()
    if low.endswith(ARCHIVE_EXT):
        return "archive"
    ext = PurePosixPath(low).suffix
    if ext in IMAGE_EXT:
        return "image"
    if ext in TEXT_EXT or "." not in PurePosixPath(low).name:
        return "text"
    return "binary"


def image_widget_class(protocol: str):
    """The textual-image widget class for a protocol name (``auto``: what textual-image picks
    without asking the terminal, i.e. Unicode; the ``aistui`` command resolves ``auto`` with
    :mod:`aistui.termprobe` before the app starts)."""
    from ..termprobe import import_textual_image

    tiw = import_textual_image()

    return {"auto": tiw.Image, "sixel": tiw.SixelImage, "tgp": tiw.TGPImage,
            "halfcell": tiw.HalfcellImage, "unicode": tiw.UnicodeImage}[protocol]


def _lexer(name: str) -> str:
    ext = PurePosixPath(name.lower()).suffix.lstrip(".")
    return {"yml": "yaml", "md": "markdown", "jsonl": "json", "cls": "text", "txt": "text",
            "log": "text", "csv": "text", "tsv": "text", "sh": "bash", "cfg": "ini"}.get(ext, ext or "text")


class Preview(VerticalScroll):
    """The preview pane; call one of the ``show_*`` methods."""

    DEFAULT_CSS = """
    Preview { height: 1fr; border-top: solid $primary-background; }
    Preview > .preview-title { color: $text-muted; }
    """

    def __init__(self, protocol: str = "auto", **kw):
        super().__init__(**kw)
        self.protocol = protocol
        self.kind = "empty"  # what is shown now: empty, loading, image, text, archive, error, info
        self.member_kind = ""

    def compose(self) -> ComposeResult:
        yield Static("", classes="preview-title")

    def _replace(self, kind: str, title: str, *widgets: Widget) -> None:
        self.kind = kind
        for child in list(self.children)[1:]:
            child.remove()
        self.query_one(".preview-title", Static).update(Text(title))
        if widgets:
            self.mount(*widgets)

    def show_loading(self, name: str) -> None:
        self._replace("loading", f"loading {name} …")

    def show_info(self, text: str) -> None:
        self._replace("info", text)

    def show_error(self, name: str, message: str) -> None:
        self._replace("error", "", _error(name, message))

    def render_bytes(self, name: str, data: bytes, *, total: int, capped: bool) -> tuple[str, str, Widget]:
        """``(kind, title, widget)`` for ``data``, the first bytes of an object of ``total``
        bytes: an image widget, highlighted text, or a message saying why there is no preview."""
        kind = kind_of(name)
        note = f" (first {len(data):,} of {total:,} bytes)" if capped else ""
        if kind == "image":
            if capped:
                return "error", "", _error(name, f"image larger than the {IMAGE_CAP // (1024 * 1024)} MiB preview cap")
            try:
                from PIL import Image as PILImage

                img = PILImage.open(io.BytesIO(data))
                img.load()
            except Exception as e:  # noqa: BLE001 - Pillow raises many kinds for bad data
                return "error", "", _error(name, f"not an image Pillow can open ({type(e).__name__})")
            w = image_widget_class(self.protocol)(img)
            w.styles.width = "auto"
            w.styles.height = min(max(img.height // 8, 8), 30)
            return "image", f"{name} · {img.format} {img.width}×{img.height} {img.mode}", w
        if kind == "text" or _looks_like_text(data):
            text = data.decode("utf-8", "replace")
            lexer = _lexer(name)
            if lexer == "json":
                try:
                    text = json.dumps(json.loads(text), indent=2)
                except ValueError:
                    pass
            lines = text.split("\n", TEXT_LINES)
            if len(lines) > TEXT_LINES or len(text) > TEXT_LINES * 160:
                text = "\n".join(lines[:TEXT_LINES])[:TEXT_LINES * 160]
                note = f" (first {text.count(chr(10)) + 1:,} lines, {len(text):,} characters of {total:,} bytes)"
            return "text", f"{name}{note}", Static(highlighted(self.app, text, lexer, word_wrap=True,
                                                               line_numbers=False))
        return "info", "", Static(Text(f"{name}: binary, {total:,} bytes — no preview"))

    def show_bytes(self, name: str, data: bytes, *, total: int, capped: bool) -> None:
        kind, title, w = self.render_bytes(name, data, total=total, capped=capped)
        self._replace(kind, title, w)

    def show_member(self, member: str, data: bytes, *, total: int, capped: bool) -> None:
        """Show one shard member below the member list."""
        for old in self.query("#member-view"):
            old.remove()
        kind, title, w = self.render_bytes(member, data, total=total, capped=capped)
        self.member_kind = kind
        box = VerticalScroll(Static(Text(title), classes="preview-title"), w, id="member-view")
        box.styles.height = "auto"
        self.mount(box)

    def show_archive(self, name: str, members: list[tuple[str, int]], truncated: bool) -> None:
        """List a shard's members ``[(member name, size)]``."""
        from textual.widgets import DataTable

        t = DataTable(id="members", cursor_type="row")
        t.styles.height = "auto"
        t.styles.max_height = 12
        t.add_column("member", width=40)
        t.add_column("size", width=10)
        for m, size in members:
            t.add_row(m, f"{size:,}", key=m)
        more = " (first members only)" if truncated else ""
        self._replace("archive", f"{name}: {len(members)} members{more} · enter previews a member", t)


def _error(name: str, message: str) -> Static:
    return Static(Text(f"cannot preview {name}: {message}", style="red"))


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if not sample or b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False
