"""What the terminal can show, asked once before the console starts: Sixel, the Kitty graphics
protocol (textual-image calls it TGP) and the size of a cell in pixels.

All three queries go out in one write, followed by Primary Device Attributes (DA1, ``ESC [ c``),
which every VT100-style terminal answers and answers last. So the probe waits one round trip,
not a timeout per query, and a slow SSH link delays the answer without losing it. (textual-image
probes on import with three queries in a row, 0.1 s each, and takes any late answer as "not
supported".) Standard library only: it runs on a thread while the main thread imports Textual.

:func:`install` hands the cell size to textual-image, and :func:`import_textual_image` imports
textual-image's widgets without their import-time probe, which would read stdin while Textual's
input thread owns it.
"""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass

KITTY_QUERY = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"  # a 1x1 RGB image, query only
CELL_QUERY = b"\x1b[16t"  # XTWINOPS: report the cell size in pixels
DA1_QUERY = b"\x1b[c"

_DA1 = re.compile(rb"\x1b\[\?([0-9;]*)c")
_KITTY = re.compile(rb"\x1b_Gi=31;([^\x1b]*)\x1b\\")
_CELL = re.compile(rb"\x1b\[6;(\d+);(\d+)t")

DEFAULT_CELL = (10, 20)  # VT340's cell, textual-image's fallback too (width, height in pixels)


@dataclass(frozen=True)
class TerminalCaps:
    """What the terminal answered. ``cell`` is (width, height) in pixels, or None if unknown;
    ``answered`` is False when DA1 got no answer within the timeout (then nothing is known)."""

    sixel: bool = False
    kitty: bool = False
    cell: tuple[int, int] | None = None
    answered: bool = False

    @property
    def protocol(self) -> str:
        """The image protocol to use, in textual-image's order of preference: Sixel, then Kitty
        (TGP), then half-block characters."""
        return "sixel" if self.sixel else "tgp" if self.kitty else "halfcell"


def parse_answers(data: bytes, cell: tuple[int, int] | None = None) -> TerminalCaps:
    """Read the terminal's answers to the three queries (``data``, raw bytes from stdin).
    Sixel is attribute 4 in the DA1 answer; Kitty answers its query with ``OK``; ``cell``
    (from the window-size ioctl) wins over the ``CSI 6 ; h ; w t`` answer."""
    da1 = _DA1.search(data)
    kitty = _KITTY.search(data)
    if cell is None and (m := _CELL.search(data)) and int(m[1]) and int(m[2]):
        cell = (int(m[2]), int(m[1]))
    return TerminalCaps(sixel=bool(da1) and b"4" in da1[1].split(b";"),
                        kitty=bool(kitty) and kitty[1] == b"OK", cell=cell, answered=bool(da1))


def _ioctl_cell(fd: int) -> tuple[int, int] | None:
    import fcntl
    import struct
    import termios

    try:
        rows, cols, width, height = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    except OSError:
        return None
    return (width // cols, height // rows) if rows and cols and width and height else None


def probe(fd_in: int, fd_out: int, timeout: float = 0.5) -> TerminalCaps:
    """Ask the terminal on ``fd_in``/``fd_out`` (both ttys) and wait for its DA1 answer, at
    most ``timeout`` seconds. The terminal is put in non-canonical, no-echo mode meanwhile and
    restored. Keys typed during the probe are lost. Never raises for a terminal that does not
    answer: the caps are then all off."""
    import select
    import termios
    import tty

    cell = _ioctl_cell(fd_out)
    saved = termios.tcgetattr(fd_in)
    data = b""
    try:
        tty.setcbreak(fd_in, termios.TCSANOW)
        os.write(fd_out, KITTY_QUERY + (b"" if cell else CELL_QUERY) + DA1_QUERY)
        deadline = time.monotonic() + timeout
        while not _DA1.search(data):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd_in], [], [], left)[0]:
                break
            chunk = os.read(fd_in, 1024)
            if not chunk:
                break
            data += chunk
    finally:
        termios.tcsetattr(fd_in, termios.TCSANOW, saved)
    return parse_answers(data, cell)


def on_terminal() -> bool:
    """True when stdin and stdout are both a terminal worth asking (not ``TERM=dumb``)."""
    return bool(sys.__stdin__ and sys.__stdin__.isatty() and sys.__stdout__ and sys.__stdout__.isatty()
                and os.environ.get("TERM", "") not in ("", "dumb"))


def install(caps: TerminalCaps) -> None:
    """Give textual-image the cell size (it caches it on ``get_cell_size``; without a value it
    would ask the terminal itself, later, while Textual reads stdin). The environment's
    ``TEXTUAL_CELL_WIDTH``/``TEXTUAL_CELL_HEIGHT`` apply when the terminal did not say."""
    from textual_image._terminal import CellSize, get_cell_size

    w, h = caps.cell or DEFAULT_CELL
    if caps.cell is None and os.environ.get("TEXTUAL_CELL_WIDTH", "").isdigit() \
            and os.environ.get("TEXTUAL_CELL_HEIGHT", "").isdigit():
        w, h = int(os.environ["TEXTUAL_CELL_WIDTH"]), int(os.environ["TEXTUAL_CELL_HEIGHT"])
    get_cell_size._result = CellSize(w, h)


def import_textual_image():
    """``textual_image.widget``, imported without its import-time terminal probe: while it loads,
    ``sys.__stdout__`` is not a terminal, so its unused ``Image`` (auto) class falls back to
    Unicode instead of writing queries. Call :func:`install` first on a terminal."""
    if "textual_image.widget" in sys.modules:
        return sys.modules["textual_image.widget"]
    real = sys.__stdout__
    sys.__stdout__ = open(os.devnull, "w")  # noqa: SIM115 - closed below
    try:
        import textual_image.widget as tiw
    finally:
        sys.__stdout__.close()
        sys.__stdout__ = real
    return tiw
