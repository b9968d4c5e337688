"""The terminal probe: what the console asks the terminal before it starts, and that nothing
asks it afterwards (textual-image's own import-time probe would read stdin while Textual owns it).
Terminals are played by a thread on the other side of a real pty."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import termios
import threading

import pytest

from aistui import termprobe
from aistui.termprobe import TerminalCaps, parse_answers


@pytest.mark.parametrize("answers, caps", [
    (b"\x1b[?63;1;2;4;6;9;15;22c", TerminalCaps(sixel=True, answered=True)),  # xterm -ti vt340, foot
    (b"\x1b_Gi=31;OK\x1b\\\x1b[6;18;9t\x1b[?62;c", TerminalCaps(kitty=True, cell=(9, 18), answered=True)),  # kitty
    (b"\x1b_Gi=31;ENOTSUPPORTED:no\x1b\\\x1b[?62;22c", TerminalCaps(answered=True)),  # refuses graphics
    (b"\x1b[?1;2c", TerminalCaps(answered=True)),  # a VT100: nothing but text
    (b"\x1b[6;0;0t\x1b[?62c", TerminalCaps(answered=True)),  # a zero cell size is no cell size
    (b"", TerminalCaps()),  # silence
    (b"garbage\x1b[?14", TerminalCaps()),  # a cut-off answer
])
def test_parse_answers(answers, caps):
    assert parse_answers(answers) == caps


def test_protocol_preference_is_sixel_then_kitty_then_halfblocks():
    assert TerminalCaps(sixel=True, kitty=True).protocol == "sixel"
    assert TerminalCaps(kitty=True).protocol == "tgp"
    assert TerminalCaps(answered=True).protocol == "halfcell"


def _play_terminal(master: int, answer: bytes | None, seen: list[bytes]) -> threading.Thread:
    """A terminal on ``master``: waits for the DA1 query, records what it was sent, answers."""
    def run() -> None:
        got = b""
        while termprobe.DA1_QUERY not in got:
            if not select.select([master], [], [], 5)[0]:
                break
            got += os.read(master, 1024)
        seen.append(got)
        if answer is not None:
            os.write(master, answer)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _probe_a_terminal(answer: bytes, winsize: tuple[int, int, int, int] | None = None):
    """Probe a pty whose other side answers ``answer`` to the DA1 query. Returns the caps,
    what the terminal was sent, and whether the terminal modes were restored."""
    import fcntl
    import struct

    master, slave = pty.openpty()
    try:
        if winsize:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *winsize))
        before = termios.tcgetattr(slave)
        seen: list[bytes] = []
        t = _play_terminal(master, answer, seen)
        caps = termprobe.probe(slave, slave, timeout=5)
        t.join()
        return caps, seen[0], termios.tcgetattr(slave) == before
    finally:
        os.close(master)
        os.close(slave)


def test_probe_one_round_trip_on_a_kitty_like_terminal():
    caps, sent, restored = _probe_a_terminal(b"\x1b_Gi=31;OK\x1b\\\x1b[6;18;9t\x1b[?62;c")
    assert caps == TerminalCaps(kitty=True, cell=(9, 18), answered=True)
    assert caps.protocol == "tgp"
    # all three queries went out in one write, DA1 last
    assert sent == termprobe.KITTY_QUERY + termprobe.CELL_QUERY + termprobe.DA1_QUERY
    assert restored  # echo and line mode are back


def test_probe_takes_the_cell_size_from_the_window_size_when_the_terminal_reports_pixels():
    caps, sent, restored = _probe_a_terminal(b"\x1b[?62;4c", winsize=(24, 80, 800, 480))
    assert caps == TerminalCaps(sixel=True, cell=(10, 20), answered=True)
    assert termprobe.CELL_QUERY not in sent and restored  # no need to ask


def test_probe_of_a_silent_terminal_gives_up_and_assumes_nothing():
    master, slave = pty.openpty()
    try:
        before = termios.tcgetattr(slave)
        caps = termprobe.probe(slave, slave, timeout=0.2)
        assert caps == TerminalCaps() and caps.protocol == "halfcell"
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(master)
        os.close(slave)


IMPORT_ON_A_TTY = """
import os, sys
from aistui import termprobe
termprobe.install(termprobe.TerminalCaps(sixel=True, cell=(7, 15), answered=True))
tiw = termprobe.import_textual_image()
from textual_image._terminal import get_cell_size
assert sys.__stdout__.isatty()
print("CELL", get_cell_size().width, get_cell_size().height, tiw.SixelImage.__name__, flush=True)
"""


def test_textual_image_is_imported_without_asking_the_terminal():
    """On a real terminal, importing textual-image's widgets must not write queries (Textual's
    input thread would swallow the answers) and must use the cell size the probe found."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([sys.executable, "-c", IMPORT_ON_A_TTY], stdin=slave, stdout=slave,
                             stderr=subprocess.PIPE)
        out = b""
        while p.poll() is None or select.select([master], [], [], 0.2)[0]:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    out += os.read(master, 4096)
                except OSError:
                    break
        assert p.returncode == 0, p.stderr.read().decode()
        assert b"CELL 7 15 Image" in out
        assert b"\x1b[c" not in out and b"\x1b_G" not in out and b"\x1b[16t" not in out
    finally:
        os.close(master)
        os.close(slave)
