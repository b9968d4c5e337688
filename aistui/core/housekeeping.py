"""Housekeeping: LRU eviction, storage cleanup, and storage validation (scrub).

LRU (``lru``) and storage cleanup (``cleanup-store``) are cluster jobs started with ``PUT
/v1/cluster`` ``start`` (:meth:`~aistui.core.jobs.JobAPI.start`; v1.5.0 ``space/lru.go`` and
``space/cleanup.go``). What they freed is in the job's counters: ``loc_objs``/``loc_bytes`` are the
objects evicted (LRU) or the files removed (cleanup), and cleanup's control message carries its
per-run counters (``visits:N misplaced-local:N oldwork:N ... rm:N/SIZE``, ``clnStats.write``):
:func:`outcome`.

Storage validation has no job at v1.5.0: ``ais scrub`` (``ais storage validate``,
``cmd/cli/cli/scrub.go``) lists each bucket with ``name,size,version,copies,location`` (+
``custom`` and ``LsDiff`` for remote buckets) and ``LsMissing``, and counts on the client what
the entries say. :func:`scrub` does the same, with the same categories and defaults (small: size
<= 0, large: size >= 5 GiB).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .jsontypes import is_dict
from .models import Bck, Job
from .models.listing import (
    ENTRY_IS_CACHED,
    ENTRY_IS_DIR,
    ENTRY_STATUS_MASK,
    ENTRY_VER_CHANGED,
    ENTRY_VER_REMOVED,
    LS_DIFF,
    LS_MISSING,
)
from .names import validate_prefix

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["LRU", "CLEANUP", "FLAG_ZERO_SIZE", "FLAG_KEEP_MISPLACED", "start_lru", "start_cleanup", "outcome",
           "ScrubReport", "SCRUB_COLUMNS", "scrub", "LARGE_DEFAULT"]

LRU = "lru"
CLEANUP = "cleanup-store"
FLAG_ZERO_SIZE = 1 << 0       # xact.FlagZeroSize: cleanup removes zero-size objects too
FLAG_KEEP_MISPLACED = 1 << 3  # xact.FlagKeepMisplaced: cleanup keeps misplaced objects
LARGE_DEFAULT = 5 * 1024**3   # bytes: ``ais scrub``'s default --large-size

#: ``ais scrub``'s columns (``cmd/cli/teb/scrub.go`` ScrCols), in order, with the key used here
SCRUB_COLUMNS: tuple[tuple[str, str], ...] = (
    ("objects", "OBJECTS"), ("not_cached", "NOT-CACHED"), ("misplaced_node", "MISPLACED(cluster)"),
    ("misplaced_mpath", "MISPLACED(mountpath)"), ("missing_copies", "MISSING-COPIES"), ("small", "SMALL"),
    ("large", "LARGE"), ("ver_changed", "VER-CHANGED"), ("deleted", "DELETED"))

_LOC_MISPLACED_NODE = 1   # apc.LocMisplacedNode
_LOC_MISPLACED_MPATH = 2  # apc.LocMisplacedMountpath


async def start_lru(client: AISClient, buckets: Sequence[Bck] = (), *, force: bool = False) -> list[str]:
    """Start LRU eviction (``ais start lru [--buckets B,..] [--force]``): on every target, evict
    the least recently used objects of buckets with ``lru.enabled`` until usage is under the low
    watermark; ``buckets`` limits it to those, ``force`` ignores ``lru.enabled``. Returns the job
    ids (often one). Raises :class:`AISError`."""
    return await client.jobs.start(LRU, buckets=buckets, force=force)


async def start_cleanup(client: AISClient, bck: Bck | None = None, *, force: bool = False,
                        rm_zero_size: bool = False, keep_misplaced: bool = False) -> list[str]:
    """Start storage cleanup (``ais space-cleanup [BUCKET]``; ``ais storage cleanup``): remove
    deleted objects and buckets, old work files, misplaced objects (unless ``keep_misplaced``),
    orphan chunks and, with ``rm_zero_size``, zero-size objects; ``bck`` None for every bucket;
    ``force`` removes misplaced objects even during a rebalance. Returns the job ids."""
    flags = (FLAG_ZERO_SIZE if rm_zero_size else 0) | (FLAG_KEEP_MISPLACED if keep_misplaced else 0)
    return await client.jobs.start(CLEANUP, bck=bck, force=force, flags=flags)


_COUNTER = re.compile(r"([a-z][a-z-]*):(\d+)(?:/(\S+))?")
_CLEANUP_WORDS = {"visits": "objects visited", "too-fresh": "too fresh to touch",
                  "recently-accessed": "recently accessed (kept)", "migrated": "misplaced (another target has it)",
                  "misplaced-local": "misplaced (wrong mountpath)",
                  "keep-peer-missing": "misplaced, kept (no peer copy)",
                  "keep-diverged": "misplaced, kept (peer differs)", "err-head": "peer HEAD errors",
                  "orphans": "orphan chunks", "sysbck-rm": "system-bucket entries", "oldwork": "old work files",
                  "invalid": "invalid names"}


def _iec(n: int) -> str:
    """Bytes as the CLI writes them (``cos.IEC(n, 2)``-like): ``0B``, ``1.50KiB``, ``3.00GiB``."""
    v = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(v) < 1024 or unit == "TiB":
            return f"{n}B" if unit == "B" else f"{v:.2f}{unit}"
        v /= 1024
    return f"{n}B"  # pragma: no cover


def outcome(job: Job) -> list[tuple[str, str]]:
    """What an ended LRU or cleanup job found or freed, as ``(what, value)`` lines: the objects
    and bytes evicted (LRU) or removed (cleanup) summed over targets, and for cleanup each
    non-zero counter of its control message (the objects visited even when none;
    ``space/cleanup.go`` ``clnStats.write``) summed over targets. Other kinds: objects and bytes
    only."""
    verb = {LRU: "evicted", CLEANUP: "removed"}.get(job.kind, "processed")
    lines = [(verb, f"{job.objects:,} {'files' if job.kind == CLEANUP else 'objects'}, {_iec(job.bytes)}")]
    if job.kind != CLEANUP:
        return lines
    counts: dict[str, int] = {}
    for snap in job.snaps:
        for key, num, _size in _COUNTER.findall(snap.ctlmsg.rpartition(": ")[2] if ": visits" in snap.ctlmsg
                                                  else snap.ctlmsg):
            if key in _CLEANUP_WORDS:
                counts[key] = counts.get(key, 0) + int(num)
    for key, words in _CLEANUP_WORDS.items():
        if counts.get(key) or key == "visits":
            lines.append((words, f"{counts[key]:,}"))
    return lines


@dataclass
class ScrubReport:
    """``ais scrub``'s row for one bucket (and prefix): ``counts[key]`` is ``(objects, bytes)``
    per :data:`SCRUB_COLUMNS` key (``missing_copies`` counts objects only, as the CLI does);
    ``listed`` is the names seen so far; ``done`` once the listing ended."""

    bck: Bck
    prefix: str = ""
    listed: int = 0
    done: bool = False
    counts: dict[str, tuple[int, int]] = field(default_factory=lambda: {k: (0, 0) for k, _ in SCRUB_COLUMNS})

    def add(self, key: str, size: int) -> None:
        n, b = self.counts[key]
        self.counts[key] = (n + 1, b + size)

    def findings(self) -> list[tuple[str, int, int]]:
        """``(column title, objects, bytes)`` for every non-zero column but OBJECTS."""
        return [(title, *self.counts[k]) for k, title in SCRUB_COLUMNS[1:] if self.counts[k][0]]


async def _scrub_one(client: AISClient, bck: Bck, prefix: str, small: int, large: int
                     ) -> AsyncIterator[ScrubReport]:
    props = await client.buckets.head(bck, add_remote=False)
    mirror, backend = props.get("mirror"), props.get("backend_bck")
    want_copies = int(mirror.get("copies") or 0) if is_dict(mirror) and mirror.get("enabled") else 0
    remote = bck.is_remote or (is_dict(backend) and bool(backend.get("name")))
    names = "name,size,version,copies,location" + (",custom" if remote else "")
    flags = LS_MISSING | (LS_DIFF if remote else 0)
    rep = ScrubReport(bck, prefix)
    async for page in client.objects.iter_pages(bck, prefix=prefix, props=names, flags=flags):
        for e in page.entries or ():
            if e.flags & ENTRY_IS_DIR or e.name.endswith("/"):
                continue
            rep.listed += 1
            rep.add("objects", e.size)
            if not e.flags & ENTRY_IS_CACHED:
                rep.add("not_cached", e.size)
                continue
            status = e.flags & ENTRY_STATUS_MASK
            if status == _LOC_MISPLACED_NODE:
                rep.add("misplaced_node", e.size)
                continue
            if status == _LOC_MISPLACED_MPATH:
                rep.add("misplaced_mpath", e.size)
            if want_copies and e.copies < want_copies:
                rep.add("missing_copies", 0)
            if e.size <= small:
                rep.add("small", e.size)
            elif e.size >= large:
                rep.add("large", e.size)
            if e.flags & ENTRY_VER_CHANGED:
                rep.add("ver_changed", e.size)
            elif e.flags & ENTRY_VER_REMOVED:
                rep.add("deleted", e.size)
        rep.done = page.done
        yield rep


async def scrub(client: AISClient, bck: Bck | None = None, prefix: str = "", *, small: int = 0,
                large: int = LARGE_DEFAULT) -> AsyncIterator[ScrubReport]:
    """Validate in-cluster content as ``ais scrub [BUCKET[/PREFIX]]`` does at v1.5.0: list the
    bucket (``bck`` None: every bucket present in the cluster, one after the other) and count
    objects not in the cluster, misplaced across targets or mountpaths, with missing mirror
    copies, small (<= ``small`` bytes) and large (>= ``large`` bytes), and, for remote buckets,
    changed or deleted in the remote. Yields the bucket's :class:`ScrubReport` after each page
    (the same object, updated; ``done`` on its last page). Raises :class:`InvalidInput` for a
    bad prefix, :class:`BucketNotFound`, :class:`AISError`."""
    validate_prefix(prefix)
    bcks = [bck] if bck is not None else await client.buckets.list(present=True)
    for b in bcks:
        async for rep in _scrub_one(client, b, prefix, small, large):
            yield rep
