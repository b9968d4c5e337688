"""Which target holds an object: the cluster's HRW (highest random weight) placement, computed on
the client exactly as a v1.5.0 proxy computes it before redirecting a GET or PUT.

Followed from the AIS v1.5.0 source:

* ``core/meta/hrw.go`` ``HrwName2T`` / ``HrwHash2T``: the object's digest is
  ``xxhash64(uname, seed=MLCG32)`` (OneOfOne ``Checksum64S``); for every target that is NOT in
  maintenance or being decommissioned (``InMaintOrDecomm``: Snode flags ``SnodeMaint`` 4 or
  ``SnodeDecomm`` 8, ``core/meta/smap.go``) the weight is ``xoshiro256.Hash(target_digest ^
  digest)``; the target with the highest weight wins (``cs >= maxH``). No eligible target is
  ``cmn.NewErrNoNodes``. The proxy's GET and PUT handlers call it with ``bck.MakeUname(objName)``
  (``ais/proxy.go`` ``httpobjget`` / ``httpobjput``, through ``HrwMultiHome``).
* ``cmn/cos/unsafe.go``: ``MLCG32 = 1103515245``.
* ``core/meta/smap.go`` ``setDigest``: a target's ``IDDigest`` is ``xxhash64(daemon_id,
  seed=MLCG32)``, computed only when the Smap did not carry one (``id_digest`` on the wire,
  ``core/meta/snode_wire.go``); so the served value wins and the computed one is the fallback.
* ``cmn/xoshiro256/xoshiro.go`` ``Hash``: two splitmix64 rounds, then the xoshiro256** output
  scrambler (``rotl(z*5, 7) * 9``), all modulo 2**64.
* ``cmn/bck.go`` ``MakeUname``: ``provider + "/" + ns.Uname() + "/" + bucket + "/" + object``
  as UTF-8 bytes, where ``Ns.Uname()`` is ``@<uuid>#<name>`` (``@#`` for the global namespace).
  For a remote AIS bucket the proxy first replaces an alias with the remote cluster's UUID
  (``ais/prxbck.go`` ``bctx.init``, ``a2u``): :func:`target_of` hashes the :class:`Bck` as given,
  :class:`Locator` does that replacement.

Go iterates the targets in map order; only two equal 64-bit weights could make that order matter.
Here targets are visited sorted by id with the same ``>=``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import xxhash

from .errors import AISError
from .models import Bck, Namespace, Smap, Snode

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["MLCG32", "NoTargets", "HrwTable", "Locator", "xoshiro256_hash", "id_digest", "name_digest",
           "target_of"]

#: The xxhash seed of every HRW digest (``cmn/cos/unsafe.go`` ``MLCG32``).
MLCG32 = 1103515245

#: ``SnodeMaint | SnodeDecomm`` (``core/meta/smap.go`` ``SnodeMaintDecomm``): targets HRW skips.
MAINT_OR_DECOMM = 4 | 8

_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB


class NoTargets(AISError):
    """The Smap has no target that can hold an object: none at all, or every one in maintenance or
    being decommissioned (the proxy answers ``cmn.ErrNoNodes`` then). ``targets`` is how many
    the map lists."""

    def __init__(self, targets: int):
        super().__init__(f"no eligible target: the cluster map lists {targets} target(s), "
                         "none out of maintenance or decommissioning")
        self.targets = targets


def xoshiro256_hash(seed: int) -> int:
    """``xoshiro256.Hash`` (``cmn/xoshiro256/xoshiro.go``): a uint64 in, a uint64 out."""
    z = (seed + _GOLDEN) & _M64
    z = ((z ^ (z >> 30)) * _C1) & _M64
    z = ((z ^ (z >> 27)) * _C2) & _M64
    z = ((z ^ (z >> 31)) + _GOLDEN) & _M64
    z = ((z ^ (z >> 30)) * _C1) & _M64
    z = ((z ^ (z >> 27)) * _C2) & _M64
    z = ((z ^ (z >> 31)) * 5) & _M64
    return (((z << 7) | (z >> 57)) * 9) & _M64


def id_digest(daemon_id: str) -> int:
    """A node's ``IDDigest`` as ``Snode.setDigest`` computes it: ``xxhash64(id, MLCG32)``."""
    return xxhash.xxh64_intdigest(daemon_id.encode(), MLCG32)


def uname(bck: Bck, name: str) -> bytes:
    """``cmn.Bck.MakeUname(name)``: ``provider/@uuid#ns/bucket/name`` as UTF-8 bytes."""
    return f"{bck.provider}/@{bck.ns.uuid}#{bck.ns.name}/{bck.name}/{name}".encode()


def name_digest(bck: Bck, name: str) -> int:
    """The object's HRW digest (``HrwName2T``): ``xxhash64(MakeUname(name), MLCG32)``."""
    return xxhash.xxh64_intdigest(uname(bck, name), MLCG32)


@dataclass(frozen=True, slots=True)
class HrwTable:
    """What :func:`target_of` needs from one Smap, computed once: the eligible targets (not in
    maintenance or decommissioning) and their digests, sorted by id; ``version`` and ``uuid`` of
    the map it came from; ``listed`` is how many targets the map lists in all."""

    uuid: str
    version: int
    targets: tuple[Snode, ...]
    digests: tuple[int, ...]
    listed: int

    @classmethod
    def of(cls, smap: Smap) -> HrwTable:
        eligible = tuple(t for t in smap.targets if not t.flags & MAINT_OR_DECOMM)
        digests = tuple(t.id_digest or id_digest(t.daemon_id) for t in eligible)
        return cls(uuid=smap.uuid, version=smap.version, targets=eligible, digests=digests,
                   listed=len(smap.targets))

    def target(self, bck: Bck, name: str) -> Snode:
        """The target of object ``name`` in ``bck``; raises :class:`NoTargets`."""
        digest = name_digest(bck, name)
        best = -1
        best_i = -1
        for i, d in enumerate(self.digests):
            cs = xoshiro256_hash(d ^ digest)
            if cs >= best:
                best, best_i = cs, i
        if best_i < 0:
            raise NoTargets(self.listed)
        return self.targets[best_i]


# One table for the Smap last asked about (a Smap is frozen: the same object, the same table).
_last: tuple[Smap, HrwTable] | None = None


def table_of(smap: Smap) -> HrwTable:
    """The :class:`HrwTable` of ``smap``, reused while the same Smap object is passed."""
    global _last
    last = _last
    if last is not None and last[0] is smap:
        return last[1]
    table = HrwTable.of(smap)
    _last = (smap, table)
    return table


def target_of(smap: Smap, bck: Bck, name: str) -> Snode:
    """The target that holds (or will hold) object ``name`` of ``bck`` under ``smap``, as the
    proxy picks it (``core/meta/hrw.go`` ``HrwName2T``). ``name`` is the object name as stored
    (see :func:`~aistui.core.names.object_name_problem`); ``bck`` is hashed as given (a remote
    AIS bucket must carry the remote cluster's UUID, not its alias: :class:`Locator` does that).
    Raises :class:`NoTargets` when no target is eligible."""
    return table_of(smap).target(bck, name)


class Locator:
    """``client.objects.locate``: object → target on a cached Smap (``client.cluster.smap()``).

    The Smap and its :class:`HrwTable` are fetched on the first :meth:`locate` and kept for
    ``max_age`` seconds (default 5), then fetched again; the table is rebuilt only when the map's
    version changed. :meth:`stale` says the map may be out of date (a target answered 404 or could
    not be reached, or the proxy redirected elsewhere): it is fetched again on the next
    :meth:`locate`, at most once per ``min_interval`` seconds (default 1). Concurrent fetches
    are merged into one. :meth:`refresh` fetches at once. Remote AIS aliases (``ais://@remais/b``)
    are replaced by the cluster's UUID from ``client.cluster.remotes()``, fetched once per refresh
    and only for such buckets. Errors are those of the calls (:class:`AISError` subclasses) and
    :class:`NoTargets`."""

    def __init__(self, client: AISClient, *, max_age: float = 5.0, min_interval: float = 1.0):
        self._c = client
        self._table: HrwTable | None = None
        self._aliases: dict[str, str] | None = None
        self.max_age = max_age
        self.min_interval = min_interval
        self._fetched = 0.0          # time.monotonic() of the last fetch
        self._stale = False
        self._inflight: asyncio.Future[HrwTable] | None = None
        self.refreshes = 0           # Smap fetches so far (tests, benchmarks)

    @property
    def version(self) -> int:
        """The version of the cached Smap (0 before the first fetch)."""
        return self._table.version if self._table else 0

    @property
    def table(self) -> HrwTable | None:
        """The cached table as it is (None before the first fetch); never fetches."""
        return self._table

    @property
    def marked_stale(self) -> bool:
        """Whether :meth:`stale` was called since the last fetch."""
        return self._stale

    def use(self, smap: Smap) -> HrwTable:
        """Take ``smap`` as the cached map, fetched now (a caller that already holds the cluster's
        map; tests pinning an older one)."""
        t = self._table
        if t is None or t.version != smap.version or t.uuid != smap.uuid:
            self._table = t = HrwTable.of(smap)
        self._aliases = None
        self._fetched = time.monotonic()
        self._stale = False
        return t

    def stale(self) -> None:
        """Mark the cached map as possibly out of date: the next :meth:`locate` fetches it again
        (at most once per ``min_interval`` seconds)."""
        self._stale = True

    def _due(self, now: float) -> bool:
        age = now - self._fetched
        return self._table is None or age >= self.max_age or (self._stale and age >= self.min_interval)

    async def refresh(self) -> HrwTable:
        """Fetch the Smap; rebuild the table when its uuid or version changed. Callers arriving
        while a fetch is under way wait for that one."""
        while (inflight := self._inflight) is not None:
            await asyncio.wait([inflight])  # raises only when this caller is cancelled
            if not inflight.cancelled():    # else the fetching caller was cancelled: fetch here
                return inflight.result()
        fut: asyncio.Future[HrwTable] = asyncio.get_running_loop().create_future()
        self._inflight = fut
        try:
            t = self.use(await self._c.cluster.smap())
            self.refreshes += 1
            fut.set_result(t)
            return t
        except asyncio.CancelledError:
            fut.cancel()
            raise
        except BaseException as e:
            fut.set_exception(e)
            fut.exception()  # retrieved: a failed fetch with no one else waiting is not "never retrieved"
            raise
        finally:
            self._inflight = None

    async def current(self) -> HrwTable:
        """The table, fetched first when there is none, it is older than ``max_age`` or it was
        marked :meth:`stale` at least ``min_interval`` seconds after the last fetch."""
        t = self._table
        if t is None or self._due(time.monotonic()):
            return await self.refresh()
        return t

    async def _resolve(self, bck: Bck) -> Bck:
        if not bck.ns.is_remote:
            return bck
        if self._aliases is None:
            self._aliases = {r.alias: r.uuid for r in await self._c.cluster.remotes() if r.alias and r.uuid}
        uuid = self._aliases.get(bck.ns.uuid, bck.ns.uuid)
        return bck if uuid == bck.ns.uuid else Bck(bck.name, bck.provider, Namespace(uuid, bck.ns.name))

    async def locate(self, bck: Bck, name: str) -> Snode:
        """The target of object ``name`` in ``bck`` on the cached Smap (see :meth:`current`)."""
        table = await self.current()
        if bck.ns.is_remote:
            bck = await self._resolve(bck)
        return table.target(bck, name)
