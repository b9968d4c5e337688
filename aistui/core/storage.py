"""Storage: every target's mountpaths (capacity, filesystem, disks, state), live disk utilization
and throughput, the cluster's space watermarks, totals and alerts; and the mountpath actions
(enable, disable, detach, attach), as ``ais show storage`` and ``ais storage mountpath`` do.

Endpoints (AIS v1.5.0; ``api/daemon.go``, ``api/stats.go``, ``cmd/cli/cli/storage_hdlr.go``,
``cmd/cli/cli/disk.go``), each through the proxy with ``Ais-Node-Id: <target>``:

* ``GET /v1/reverse/daemon?what=disk`` (``apc.WhatDiskRWUtilCap``, ``fs.TcdfExt``): per disk
  ``{"RBps","Ravg","WBps","Wavg","Util"}`` (bytes/s, bytes, bytes/s, bytes, %) under
  ``AllDiskStats``, and per *available* mountpath its ``fs.CDF``: ``mountpath_label``,
  ``fs`` (``Fs``, ``FsType``, ``FsID``), ``disks`` (a disk name may carry an alert suffix:
  ``(faulted)``, ``(out-of-space)``, ``(low-free-space)``, ``(->disabled)``, ``(->detach)``),
  ``used``/``avail`` (bytes, as strings) and ``pct_used``. The target totals in that answer are
  not filled in; they are computed here as the target does (``fs/fs.go`` ``CapRefresh``: each
  filesystem counted once).
* ``GET /v1/reverse/daemon?what=mountpaths`` (``apc.MountpathList``): ``available``,
  ``waiting_dd`` (being disabled or detached, waiting for the resilver to finish) and
  ``disabled``. A detached mountpath is in none of them: it shows as ``detached`` once this
  client has seen it before.
* ``GET /v1/cluster?what=cluster_config``: ``space`` (``cleanupwm``, ``lowwm``, ``highwm``,
  ``out_of_space``, %) and ``disk.disk_util_high_wm`` (%).
* Actions: ``{"action": "enable-mp"|"disable-mp"|"detach-mp"|"attach-mp", "value": <mountpath>}``
  to ``/v1/reverse/daemon/mountpaths`` with ``POST`` (enable, disable), ``DELETE`` (detach) or
  ``PUT`` (attach; ``?mountpath_label=``); ``?dntres=true`` skips the resilver. The answer carries
  no job id: the target starts the resilver on its own a moment later, so the action looks for
  the ``resilver`` job that was not there before (``qryxstats``).

The answers are parsed in ``core/storageparse.py`` into the model of ``core/storagemodel.py``
(:class:`~aistui.core.storagemodel.StorageSnapshot` and the rest).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Literal

from .errors import AISError, InvalidInput
from .storagemodel import StorageSnapshot, TargetStorage, Watermarks
from .storageparse import build_snapshot, build_target, decode_disk, decode_mountpaths

if TYPE_CHECKING:
    from .client import AISClient
    from .models import Smap

__all__ = ["StorageAPI", "MountpathAction"]

MountpathAction = Literal["enable", "disable", "detach", "attach"]
_PATH = "/v1/reverse/daemon"
_ACTIONS: dict[str, tuple[str, str]] = {"enable": ("POST", "enable-mp"), "disable": ("POST", "disable-mp"),
                                        "detach": ("DELETE", "detach-mp"), "attach": ("PUT", "attach-mp")}


class StorageAPI:
    """``client.storage``. Every method raises :class:`~aistui.core.errors.AISError` subclasses.

    The object remembers the mountpaths it has seen per target (for the life of the client), so
    that one detached since shows as ``detached`` rather than vanishing."""

    #: how long (s) an action looks for the resilver job it started
    RESILVER_WAIT_S = 3.0

    def __init__(self, client: AISClient):
        self._c = client
        self._known: dict[str, set[str]] = {}

    async def _get(self, tid: str, what: str) -> bytes:
        r = await self._c.request("GET", _PATH, params={"what": what}, headers={"Ais-Node-Id": tid})
        return r.content

    async def target(self, tid: str) -> TargetStorage:
        """One target's mountpaths and disks (``what=disk`` and ``what=mountpaths``)."""
        disk_raw, mpl_raw = await asyncio.gather(self._get(tid, "disk"), self._get(tid, "mountpaths"))
        t = build_target(tid, decode_disk(disk_raw), decode_mountpaths(mpl_raw), self._known.get(tid, ()))
        self._known.setdefault(tid, set()).update(m.path for m in t.mountpaths)
        return t

    async def watermarks(self) -> Watermarks:
        """The space watermarks from the cluster config."""
        return Watermarks.from_config(await self._c.cluster.config())

    async def snapshot(self, smap: Smap | None = None) -> StorageSnapshot:
        """Every target's storage (concurrently; targets in maintenance or being decommissioned
        are left out, as ``ais show storage`` does), the watermarks and the alerts. A target that
        cannot be read is a :class:`TargetStorage` with ``error`` set (and an alert), not an
        exception; the Smap and config calls raise."""
        smap = smap or await self._c.cluster.smap()
        tids = sorted(t.daemon_id for t in smap.targets if not t.in_maintenance)
        wm_task = asyncio.ensure_future(self.watermarks())
        res = await asyncio.gather(*(self.target(t) for t in tids), return_exceptions=True)
        wm = await wm_task
        out: list[TargetStorage] = []
        for tid, r in zip(tids, res, strict=True):
            if isinstance(r, TargetStorage):
                out.append(r)
            elif isinstance(r, AISError):
                out.append(TargetStorage(tid, error=str(r)))
            else:
                raise r
        return build_snapshot(out, wm)

    async def _resilver_ids(self) -> set[str]:
        return {j.id for j in await self._c.jobs.list(kind="resilver")}

    async def _act(self, action: MountpathAction, tid: str, mountpath: str, *, no_resilver: bool = False,
                   label: str = "") -> list[str]:
        if not tid or not mountpath or not mountpath.startswith("/"):
            raise InvalidInput(f"{action} mountpath: give a target id and an absolute path, not "
                               f"{tid!r}={mountpath!r}")
        method, act = _ACTIONS[action]
        before = await self._resilver_ids()
        params: dict[str, str] = {}
        if no_resilver:
            params["dntres"] = "true"
        if label:
            params["mountpath_label"] = label
        await self._c.request(method, f"{_PATH}/mountpaths", params=params or None, idempotent=False,
                              json=self._c.action(act, mountpath), headers={"Ais-Node-Id": tid})
        self._known.setdefault(tid, set()).add(mountpath)
        if no_resilver:
            return []
        deadline = time.monotonic() + self.RESILVER_WAIT_S
        while True:
            new = sorted((await self._resilver_ids()) - before)
            if new or time.monotonic() >= deadline:
                return new
            await asyncio.sleep(0.2)

    async def enable(self, tid: str, mountpath: str) -> list[str]:
        """Enable a disabled mountpath (``ais storage mountpath enable TARGET=MOUNTPATH``;
        ``POST .../mountpaths`` ``enable-mp``); returns the resilver job ids it started (``[]``
        when it was already enabled or resilvering is off). 404 for a mountpath the target does
        not have."""
        return await self._act("enable", tid, mountpath)

    async def disable(self, tid: str, mountpath: str, *, no_resilver: bool = False) -> list[str]:
        """Disable a mountpath (``ais storage mountpath disable``; ``POST`` ``disable-mp``): its
        data is resilvered to the other mountpaths first (the mountpath waits meanwhile), unless
        ``no_resilver``. Returns the resilver job ids."""
        return await self._act("disable", tid, mountpath, no_resilver=no_resilver)

    async def detach(self, tid: str, mountpath: str, *, no_resilver: bool = False) -> list[str]:
        """Detach a mountpath from the target (``ais storage mountpath detach``; ``DELETE``
        ``detach-mp``), after resilvering its data away unless ``no_resilver``. Returns the
        resilver job ids."""
        return await self._act("detach", tid, mountpath, no_resilver=no_resilver)

    async def attach(self, tid: str, mountpath: str, *, label: str = "") -> list[str]:
        """Attach a new mountpath by path (``ais storage mountpath attach [--label L]``; ``PUT``
        ``attach-mp``): a directory on the target's host. Returns the resilver job ids."""
        return await self._act("attach", tid, mountpath, label=label)
