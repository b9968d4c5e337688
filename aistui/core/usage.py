"""The usage map, exact mode: how many objects and bytes are under each child directory of a
bucket or prefix (like ``ncdu``), and for a remote bucket how much of it is in the cluster.

ONE recursive listing of ``prefix`` (``GET /v1/buckets/<b>`` with ``{"action":"list"}``, through
:meth:`~aistui.core.objects.ObjectAPI.iter_pages`), props ``name,size`` (plus ``cached`` for a
remote bucket, listed without the cached-only flag so that the backend's objects all come), with
the page size left to the cluster (0: its maximum, 10,000 for ais buckets). Each page is folded
into per-child counters as it arrives and a :class:`UsageSnapshot` is yielded after it, so a
screen fills in as the listing goes. Memory is bounded by the number of child directories: no
object name is kept.

Presence (v1.5.0, ``cmn/objlist.go``): a listing entry of a remote bucket has ``LsoEnt.Flags``
bit ``EntryIsCached`` (64) when the object is present in this cluster.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .models import Bck
from .names import validate_prefix

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["DirUsage", "UsageSnapshot", "LOOSE", "child_of", "usage"]

LOOSE = ""  # the key of the objects right in the prefix (not under a child directory)


@dataclass(frozen=True, slots=True)
class DirUsage:
    """One row of the map: ``name`` is a child directory of the prefix (relative, ending with
    ``/``) or :data:`LOOSE` for the objects right in it. ``bytes`` and ``cached_bytes`` are
    bytes; ``cached_*`` count the objects present in the cluster (remote buckets; for an ais
    bucket they equal ``count`` and ``bytes``)."""

    name: str
    count: int
    bytes: int
    cached_count: int
    cached_bytes: int


@dataclass(frozen=True, slots=True)
class UsageSnapshot:
    """The map after ``pages`` pages: ``dirs`` (name order), the totals (``objects``, ``bytes``
    in bytes, ``cached_count``, ``cached_bytes``), whether the bucket is ``remote`` (so the
    cached columns mean something) and whether the listing is ``done``."""

    bck: Bck
    prefix: str
    dirs: tuple[DirUsage, ...]
    objects: int
    bytes: int
    cached_count: int
    cached_bytes: int
    pages: int
    remote: bool
    done: bool


def child_of(name: str, prefix: str) -> str:
    """The child directory of ``prefix`` holding object ``name`` (``a/b/c`` under ``a/`` →
    ``b/``), or :data:`LOOSE` for an object right in ``prefix``. ``name`` starts with
    ``prefix``."""
    cut = name.find("/", len(prefix))
    return LOOSE if cut < 0 else name[len(prefix):cut + 1]


async def usage(client: AISClient, bck: Bck, prefix: str = "", *,
                page_size: int = 0) -> AsyncIterator[UsageSnapshot]:
    """Yield a :class:`UsageSnapshot` after every page of one recursive listing of ``bck`` under
    ``prefix`` ("" or ending with ``/``; any other prefix counts the names starting with it, its
    last segment included in the child names), the last one with ``done``. ``page_size`` 0 lets
    the cluster pick its maximum. Cancel by closing the generator (or cancelling the task that
    iterates it): nothing is left running on the cluster beyond the page in flight.

    Raises :class:`~aistui.core.errors.InvalidInput` for a prefix the cluster would refuse and
    the listing's :class:`~aistui.core.errors.AISError` subclasses (missing bucket, transport)."""
    validate_prefix(prefix)
    remote = bck.is_remote
    props = "name,size,cached" if remote else "name,size"
    # per child: [count, bytes, cached_count, cached_bytes]
    acc: dict[str, list[int]] = {}
    pages = 0
    cut = len(prefix)
    async for page in client.objects.iter_pages(bck, prefix=prefix, props=props, page_size=page_size):
        pages += 1
        for e in page.entries or []:
            name = e.name
            if e.is_dir:  # a recursive listing has none; be safe
                continue
            slash = name.find("/", cut)
            key = LOOSE if slash < 0 else name[cut:slash + 1]
            c = acc.get(key)
            if c is None:
                c = acc[key] = [0, 0, 0, 0]
            size = e.size
            c[0] += 1
            c[1] += size
            if not remote or e.is_cached:
                c[2] += 1
                c[3] += size
        yield _snapshot(bck, prefix, acc, pages, remote, page.done)


def _snapshot(bck: Bck, prefix: str, acc: dict[str, list[int]], pages: int, remote: bool,
              done: bool) -> UsageSnapshot:
    dirs = tuple(DirUsage(k, *v) for k, v in sorted(acc.items()))
    return UsageSnapshot(bck=bck, prefix=prefix, dirs=dirs,
                         objects=sum(d.count for d in dirs), bytes=sum(d.bytes for d in dirs),
                         cached_count=sum(d.cached_count for d in dirs),
                         cached_bytes=sum(d.cached_bytes for d in dirs),
                         pages=pages, remote=remote, done=done)
