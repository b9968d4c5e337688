"""Launch to first frame, the way a person sees it: the command runs on a pseudo-terminal whose
output goes through a terminal emulator (pyte), and the time is from just before the fork to
the arrival of the bytes that make the emulated screen first show the whole first view (pyte's
own parsing, 20-50 ms for a full frame, is not counted). That view is named by a
predicate over the screen's lines (for aistui: the header, the nodes table's column headers
and the key bar), so a partial paint does not count.

The terminal answers what xterm answers: Primary Device Attributes (``ESC [ c``, without
Sixel) and the window size with its pixel size (``TIOCGWINSZ``); like most terminals it ignores
the Kitty graphics query. A headless run has none of this: no terminal
probe, and no writing of frames.

Used by ``bench_console.py``; run alone for a quick look:

    python bench/firstframe.py http://127.0.0.1:8080 [--repeat 10]
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import statistics
import struct
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pyte

COLS, ROWS = 160, 48
DA1_QUERY, DA1_ANSWER = b"\x1b[c", b"\x1b[?62;22c"  # xterm's answer, without Sixel (4)

#: a Textual app with one line of text: the floor any Textual app pays on this machine
BARE_TEXTUAL = """\
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("hello")
Bare().run()
"""


def aistui_shown(lines: list[str]) -> bool:
    """The cluster screen is all there: header, the nodes table's header row, the key bar."""
    return "aistui" in lines[0] and any("role" in x and "uptime" in x for x in lines[1:8]) and "Quit" in lines[-1]


def bare_shown(lines: list[str]) -> bool:
    return "hello" in lines[0]


def first_frame(cmd: list[str], shown: Callable[[list[str]], bool], *, watch: float = 2.5,
                env: dict[str, str] | None = None) -> float | None:
    """Seconds from fork to the arrival of the output that first makes ``shown(lines)`` hold on
    the emulated screen, or None if it never did in ``watch`` seconds. The output is only read
    and timed while the command runs (a terminal that parsed as it read would hold the child's
    writes back); pyte replays it afterwards. Then ctrl+q, and a kill if the command has not
    exited 5 s later."""
    chunks: list[tuple[float, bytes]] = []
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec, or leave without running the parent's cleanup
        try:
            os.execvpe(cmd[0], cmd, env or os.environ)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, COLS * 10, ROWS * 20))
    while (left := t0 + watch - time.perf_counter()) > 0:
        if not select.select([fd], [], [], left)[0]:
            continue
        try:
            data = os.read(fd, 1 << 16)
        except OSError:
            break
        if not data:
            break
        chunks.append((time.perf_counter() - t0, data))
        if DA1_QUERY in data:
            os.write(fd, DA1_ANSWER)
    try:
        os.write(fd, b"\x11")  # ctrl+q
    except OSError:
        pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
        if select.select([fd], [], [], 0.1)[0]:
            try:
                os.read(fd, 1 << 16)
            except OSError:
                pass
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    os.close(fd)
    screen = pyte.Screen(COLS, ROWS)
    stream = pyte.ByteStream(screen)
    for at, data in chunks:
        stream.feed(data)
        if shown(screen.display):
            return at
    return None


def aistui_command(endpoint: str) -> list[str]:
    """The installed console script, as a person runs it."""
    return [str(Path(sys.executable).with_name("aistui")), "--endpoint", endpoint, "--refresh", "3600"]


def compare(endpoint: str, repeat: int) -> dict[str, list[float]]:
    """``repeat`` launches each of aistui and a bare Textual app, interleaved."""
    runs: dict[str, list[float]] = {"aistui": [], "bare": []}
    for _ in range(repeat):
        for name, cmd, shown in (("aistui", aistui_command(endpoint), aistui_shown),
                                 ("bare", [sys.executable, "-c", BARE_TEXTUAL], bare_shown)):
            t = first_frame(cmd, shown)
            if t is None:
                raise RuntimeError(f"{name}: no first frame within 2.5 s")
            runs[name].append(t)
    return runs


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("endpoint")
    ap.add_argument("--repeat", type=int, default=10)
    a = ap.parse_args()
    for k, v in compare(a.endpoint, a.repeat).items():
        print(f"{k}: median {statistics.median(v):.3f} s ({min(v):.3f}..{max(v):.3f})")
