"""How jobs look in the jobs and ETL screens: the style of each state, the buckets a job touches."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core.models import Job

STATE_STYLE = {"running": "bold cyan", "idle": "cyan", "finished": "green", "aborted": "yellow", "failed": "bold red"}


def buckets_text(job: Job) -> str:
    """``ais://src → ais://dst`` for copies and transforms, else the one bucket (or "")."""
    src, dst = job.src_bck, job.dst_bck
    if src and dst and src != dst:
        return f"{src} → {dst}"
    b = job.bck or src
    return str(b) if b else ""
