"""Copy text to the user's clipboard, also over SSH.

Order: OSC 52 (the terminal sets the clipboard; works over SSH), wrapped for tmux passthrough when
``$TMUX`` is set; then pyperclip where a local display exists (``$DISPLAY``/``$WAYLAND_DISPLAY``
or macOS); then, when neither can work and the caller gave a file, the text is saved there. The
caller is told which path was taken. Payloads over :data:`OSC52_MAX` bytes of base64 are not sent
by OSC 52 (terminals truncate or drop them).
"""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path

OSC52_MAX = 100_000  # bytes of base64 payload that terminals reliably accept
NOT_COPIED = "too large for the terminal clipboard and no local display"


def osc52_sequence(text: str, *, tmux: bool | None = None) -> str | None:
    """The escape sequence that puts ``text`` on the clipboard, or None when it is too large.
    Inside tmux (``tmux`` None means: look at ``$TMUX``) it is wrapped in a DCS passthrough."""
    payload = base64.b64encode(text.encode()).decode()
    if len(payload) > OSC52_MAX:
        return None
    seq = f"\x1b]52;c;{payload}\x07"
    if tmux if tmux is not None else bool(os.environ.get("TMUX")):
        seq = "\x1bPtmux;" + seq.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return seq


def has_local_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform == "darwin"


def copy(text: str, write_terminal, *, save_to: Path | None = None) -> str:
    """Copy ``text``; ``write_terminal(seq)`` writes raw bytes to the terminal. When neither OSC 52
    (too large) nor a local clipboard can take it and ``save_to`` is given, the text is written
    there. Returns a short description of what happened, for a notification."""
    seq = osc52_sequence(text)
    how = []
    if seq is not None:
        write_terminal(seq)
        how.append("OSC 52" + (" via tmux" if os.environ.get("TMUX") else ""))
    if has_local_display():
        try:
            import pyperclip

            pyperclip.copy(text)
            how.append("system clipboard")
        except Exception:  # noqa: BLE001 - pyperclip raises its own kinds when no backend exists
            pass
    if how:
        return " and ".join(how)
    if save_to is not None:
        return save_fallback(text, save_to)
    return NOT_COPIED


def save_fallback(text: str, path: Path) -> str:
    """Write ``text`` to ``path`` (creating its directory); ``"saved to PATH"``."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return f"saved to {path}"


def export_dir() -> Path:
    """Where copies that could not reach a clipboard are saved: ``~/.cache/aistui/export``
    (``$XDG_CACHE_HOME`` honoured)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aistui" / "export"
