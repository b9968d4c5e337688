"""How jobs look in the jobs and ETL screens: the style of each state, the buckets a job touches,
times and progress as text, and the jobs screen's filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from rich.text import Text

from .. import format as fmt

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


def utc_now() -> datetime:
    return datetime.now(UTC)


def clock_text(t: datetime | None, now: datetime, tz: tzinfo | None) -> str:
    """``HH:MM:SS`` today, ``Mon DD HH:MM`` on other days (in ``tz``; None: local time)."""
    if t is None:
        return ""
    lt, ln = t.astimezone(tz), now.astimezone(tz)
    return lt.strftime("%H:%M:%S") if lt.date() == ln.date() else lt.strftime("%b %d %H:%M")


def elapsed_text(job: Job, now: datetime, tz: tzinfo | None) -> str:
    """Running: the time since the start; ended: the end time and how long it took."""
    start, end = job.start, job.end
    if start is None:
        return ""
    if end is None:
        return fmt.duration(max(0.0, (now - start).total_seconds()))
    return f"{clock_text(end, now, tz)} ({fmt.duration(max(0.0, (end - start).total_seconds()))})"


@dataclass
class JobFilter:
    running_only: bool = False
    kind: str = ""
    bucket: str = ""
    text: str = ""
    ids: tuple[str, ...] = ()

    def active(self) -> bool:
        return bool(self.running_only or self.kind or self.bucket or self.text or self.ids)

    def describe(self) -> str:
        parts = []
        if self.ids:
            parts.append("job " + ", ".join(self.ids))
        if self.running_only:
            parts.append("running")
        if self.kind:
            parts.append(f"kind~{self.kind}")
        if self.bucket:
            parts.append(f"bucket~{self.bucket}")
        if self.text:
            parts.append(f"/{self.text}")
        return " · ".join(parts)

    def match(self, job: Job, haystack: str) -> bool:
        if self.ids and job.id not in self.ids:
            return False
        if self.running_only and not job.running:
            return False
        if self.kind and self.kind not in job.kind.lower() and self.kind not in job.display_kind.lower():
            return False
        if self.bucket and self.bucket not in buckets_text(job).lower():
            return False
        return not self.text or self.text in haystack


def progress_text(done: int, total: int, width: int = 30) -> Text:
    """``[██████░░░░] 1,234 / 3,000 objects (41%)`` (never past 100% of the bar)."""
    frac = min(1.0, done / total) if total else 0.0
    filled = int(round(frac * width))
    t = Text("progress ")
    t.append("█" * filled, style="green")
    t.append("░" * (width - filled), style="dim")
    t.append(f" {done:,} / {total:,} objects ({done * 100 // total if total else 0}%)")
    return t
