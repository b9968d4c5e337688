"""Clipboard chain: the OSC 52 sequence, tmux passthrough, the size cap, and the fallback order
(OSC 52, then pyperclip with a local display, then a file), each reported to the caller."""

from __future__ import annotations

import base64
import sys
import types

from aistui import clipboard


def test_osc52_sequence_and_tmux_wrapping():
    seq = clipboard.osc52_sequence("héllo", tmux=False)
    assert seq == "\x1b]52;c;" + base64.b64encode("héllo".encode()).decode() + "\x07"
    wrapped = clipboard.osc52_sequence("héllo", tmux=True)
    # DCS passthrough: every ESC inside is doubled, and the whole ends with ST.
    assert wrapped == "\x1bPtmux;" + seq.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def test_size_cap():
    cap_bytes = clipboard.OSC52_MAX // 4 * 3
    assert clipboard.osc52_sequence("x" * cap_bytes, tmux=False) is not None
    assert clipboard.osc52_sequence("x" * (cap_bytes + 3), tmux=False) is None


def _fake_pyperclip(monkeypatch, fail=False):
    got = []

    def copy(text):
        if fail:
            raise RuntimeError("no copy/paste mechanism")
        got.append(text)

    monkeypatch.setitem(sys.modules, "pyperclip", types.SimpleNamespace(copy=copy))
    return got


def test_osc52_first_then_system_clipboard(monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    got = _fake_pyperclip(monkeypatch)
    written = []
    assert clipboard.copy("code", written.append) == "OSC 52 and system clipboard"
    assert written == [clipboard.osc52_sequence("code", tmux=False)] and got == ["code"]


def test_tmux_is_named(monkeypatch):
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    written = []
    assert clipboard.copy("code", written.append) == "OSC 52 via tmux"
    assert written[0].startswith("\x1bPtmux;")


def test_too_large_without_display_is_saved_to_a_file(monkeypatch, tmp_path):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    big = "x = 1\n" * (clipboard.OSC52_MAX // 4)
    written = []
    assert clipboard.copy(big, written.append) == clipboard.NOT_COPIED
    target = tmp_path / "sub" / "loader.py"
    assert clipboard.copy(big, written.append, save_to=target) == f"saved to {target}"
    assert written == [] and target.read_text() == big


def test_too_large_goes_to_pyperclip_when_a_display_exists(monkeypatch, tmp_path):
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    got = _fake_pyperclip(monkeypatch)
    big = "y" * clipboard.OSC52_MAX
    assert clipboard.copy(big, lambda s: None, save_to=tmp_path / "f.py") == "system clipboard"
    assert got == [big] and not (tmp_path / "f.py").exists()


def test_broken_pyperclip_falls_through_to_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv("DISPLAY", ":0")
    _fake_pyperclip(monkeypatch, fail=True)
    big = "z" * clipboard.OSC52_MAX
    assert clipboard.copy(big, lambda s: None, save_to=tmp_path / "f.py").startswith("saved to ")
