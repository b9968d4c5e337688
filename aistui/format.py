"""Human formatting of sizes (binary units, as the ``ais`` CLI shows them), rates and durations."""

from __future__ import annotations


def size(n: int | float | None) -> str:
    """Bytes as binary units: ``1.5 KiB``."""
    if n is None:
        return ""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"


def rate(bps: float) -> str:
    """Bytes/s as ``12.3 MiB/s``."""
    return f"{size(bps)}/s"


def duration(seconds: float | None) -> str:
    """Seconds as ``3d 4h``, ``2h 5m``, ``4m 10s`` or ``12s``."""
    if seconds is None:
        return ""
    s = int(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    if d:
        return f"{d}d {h}h"
    if h:
        return f"{h}h {m}m"
    if m:
        return f"{m}m {s}s"
    return f"{s}s"


_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values, width: int = 30) -> str:
    """The last ``width`` values as a one-line bar chart (``▁▂▅█``), scaled to their maximum; an
    all-zero history is a flat line of ``▁``."""
    vals = list(values)[-width:]
    top = max(vals, default=0)
    if top <= 0:
        return _BARS[0] * len(vals)
    return "".join(_BARS[min(len(_BARS) - 1, int(v / top * (len(_BARS) - 1) + 0.5))] for v in vals)
