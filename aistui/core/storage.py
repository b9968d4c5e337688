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
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from .errors import AISError, InvalidInput, ProtocolError
from .jsontypes import is_dict

if TYPE_CHECKING:
    from .client import AISClient
    from .models import Smap

__all__ = ["StorageAPI", "Watermarks", "DiskStats", "MountpathInfo", "TargetStorage", "StorageAlert",
           "StorageSnapshot", "MountpathState", "MountpathAction", "MOUNTPATH_STATES", "DISK_ALERTS",
           "decode_disk", "decode_mountpaths", "build_target", "build_snapshot"]

MountpathState = Literal["available", "disabled", "detached", "waiting"]
MountpathAction = Literal["enable", "disable", "detach", "attach"]
#: how each state reads on screen
MOUNTPATH_STATES: dict[str, str] = {"available": "available", "disabled": "disabled", "detached": "detached",
                                    "waiting": "waiting for resilver"}
#: disk-name alert suffixes (``fs/api.go``) and what they say
DISK_ALERTS: dict[str, str] = {"(faulted)": "disk faulted", "(out-of-space)": "out of space",
                               "(->disabled)": "being disabled", "(->detach)": "being detached",
                               "(low-free-space)": "low free space"}
_PATH = "/v1/reverse/daemon"
_ACTIONS: dict[str, tuple[str, str]] = {"enable": ("POST", "enable-mp"), "disable": ("POST", "disable-mp"),
                                        "detach": ("DELETE", "detach-mp"), "attach": ("PUT", "attach-mp")}


# ---------------------------------------------------------------------- wire


class DiskStats(msgspec.Struct, frozen=True):
    """One disk's live numbers (``cos.DiskStats``): read and write throughput ``RBps``/``WBps``
    (bytes/s), average request sizes ``Ravg``/``Wavg`` (bytes), utilization ``Util`` (%)."""

    RBps: int = 0
    Ravg: int = 0
    WBps: int = 0
    Wavg: int = 0
    Util: int = 0


class _WireFS(msgspec.Struct):
    Fs: str = ""
    FsType: str = ""
    FsID: str = ""


class _WireCDF(msgspec.Struct):
    mountpath_label: str = ""
    fs: _WireFS | None = None
    disks: list[str] | None = None
    used: int = 0
    avail: int = 0
    pct_used: int = 0


class _WireDisk(msgspec.Struct):
    AllDiskStats: dict[str, DiskStats] | None = None
    mountpaths: dict[str, _WireCDF] | None = None
    cs_err: str = ""


class _WireMpl(msgspec.Struct):
    available: list[str] | None = None
    waiting_dd: list[str] | None = None
    disabled: list[str] | None = None


def _decode(raw: bytes, typ: Any, what: str) -> Any:
    try:
        return msgspec.json.decode(raw, type=typ, strict=False)
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        raise ProtocolError(what, str(e)) from None


def decode_disk(raw: bytes) -> _WireDisk:
    """A ``what=disk`` answer (``fs.TcdfExt`` as JSON). Raises :class:`ProtocolError`."""
    return _decode(raw or b"{}", _WireDisk, "disk stats")


def decode_mountpaths(raw: bytes) -> _WireMpl:
    """A ``what=mountpaths`` answer (``apc.MountpathList``). Raises :class:`ProtocolError`."""
    return _decode(raw or b"{}", _WireMpl, "mountpaths")


# ---------------------------------------------------------------------- models


@dataclass(frozen=True)
class Watermarks:
    """The cluster's space watermarks (``space`` in the cluster config), used % of a mountpath's
    filesystem: ``cleanup`` (storage cleanup may start), ``low`` (LRU evicts down to it), ``high``
    (LRU starts evicting), ``oos`` (out of space: writes fail); ``disk_util_high`` (%, a disk
    this busy is named)."""

    cleanup: int = 65
    low: int = 75
    high: int = 90
    oos: int = 95
    disk_util_high: int = 80

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> Watermarks:
        """From ``GET /v1/cluster?what=cluster_config``; missing values keep the AIS defaults.
        Raises :class:`ProtocolError` for a value that is not a number."""
        space: Any = cfg.get("space") or {}
        disk: Any = cfg.get("disk") or {}
        if not is_dict(space) or not is_dict(disk):
            raise ProtocolError("cluster config", "space and disk must be objects")
        d = cls()

        def num(m: Mapping[str, Any], key: str, default: int) -> int:
            v = m.get(key, default)
            try:
                return int(v)
            except (TypeError, ValueError, OverflowError):
                raise ProtocolError(f"cluster config {key}", f"expected a number, got {v!r}") from None

        return cls(num(space, "cleanupwm", d.cleanup), num(space, "lowwm", d.low), num(space, "highwm", d.high),
                   num(space, "out_of_space", d.oos), num(disk, "disk_util_high_wm", d.disk_util_high))

    def band(self, pct: int) -> str:
        """Where ``pct`` (% used) stands: ``""`` below cleanup, else the highest mark it is over:
        ``over cleanup``, ``over low``, ``over high``, ``out of space``."""
        if pct > self.oos:
            return "out of space"
        if pct > self.high:
            return "over high"
        if pct > self.low:
            return "over low"
        if pct > self.cleanup:
            return "over cleanup"
        return ""


@dataclass(frozen=True)
class MountpathInfo:
    """One mountpath of ``target``: ``path``; ``state`` (``available``, ``disabled``,
    ``detached``, ``waiting`` = being disabled or detached, waiting for the resilver); ``label``;
    filesystem ``fs`` (device), ``fs_type``, ``fs_id``; ``disks`` (names), ``disk_alerts`` (in
    words, e.g. ``disk faulted``); capacity of its filesystem ``used``/``avail`` (bytes) and
    ``pct_used`` (%), known for available mountpaths only (0 otherwise); the live ``util`` (%,
    the busiest of its disks), ``read_bps``/``write_bps`` (bytes/s, summed over its disks)."""

    target: str
    path: str
    state: MountpathState
    label: str = ""
    fs: str = ""
    fs_type: str = ""
    fs_id: str = ""
    disks: tuple[str, ...] = ()
    disk_alerts: tuple[str, ...] = ()
    used: int = 0
    avail: int = 0
    pct_used: int = 0
    util: int = 0
    read_bps: int = 0
    write_bps: int = 0

    @property
    def state_text(self) -> str:
        return MOUNTPATH_STATES[self.state]


@dataclass(frozen=True)
class TargetStorage:
    """One target's storage: ``mountpaths`` (sorted by path), ``disks`` (name → :class:`DiskStats`);
    totals over its available mountpaths, each filesystem counted once as the target does:
    ``used``/``avail`` (bytes), ``pct_min``/``pct_avg``/``pct_max`` (%, integer average);
    ``cs_err`` (the target's own capacity error, if any); ``error`` (why the target could not be
    read, "" when it was)."""

    target: str
    mountpaths: tuple[MountpathInfo, ...] = ()
    disks: Mapping[str, DiskStats] = field(default_factory=dict[str, DiskStats])
    used: int = 0
    avail: int = 0
    pct_min: int = 0
    pct_avg: int = 0
    pct_max: int = 0
    cs_err: str = ""
    error: str = ""

    @property
    def read_bps(self) -> int:
        return sum(d.RBps for d in self.disks.values())

    @property
    def write_bps(self) -> int:
        return sum(d.WBps for d in self.disks.values())

    @property
    def util(self) -> int:
        """Average utilization of its disks (%), as ``ais show storage --summary``."""
        return round(sum(d.Util for d in self.disks.values()) / len(self.disks)) if self.disks else 0


@dataclass(frozen=True)
class StorageAlert:
    """Something an operator should look at, in words (``t[abc] mp /ais/mp2: 91% used, over the
    high watermark (90%)``); ``severity`` ``warning`` or ``error``; ``target`` and ``mountpath``
    ("" for a whole target) name where."""

    text: str
    severity: Literal["warning", "error"] = "warning"
    target: str = ""
    mountpath: str = ""


@dataclass(frozen=True)
class StorageSnapshot:
    """One read of the cluster's storage: ``targets`` (sorted by id), the ``watermarks``, cluster
    totals ``used``/``avail`` (bytes, the sum of the targets' totals), ``alerts``, and when it
    was taken (``taken``, ``time.time()`` s)."""

    targets: tuple[TargetStorage, ...]
    watermarks: Watermarks
    alerts: tuple[StorageAlert, ...] = ()
    taken: float = 0.0

    @property
    def used(self) -> int:
        return sum(t.used for t in self.targets)

    @property
    def avail(self) -> int:
        return sum(t.avail for t in self.targets)

    @property
    def pct_used(self) -> float:
        """Cluster used % (of used + available), 0 when nothing is known."""
        whole = self.used + self.avail
        return self.used * 100 / whole if whole else 0.0

    @property
    def read_bps(self) -> int:
        return sum(t.read_bps for t in self.targets)

    @property
    def write_bps(self) -> int:
        return sum(t.write_bps for t in self.targets)

    @property
    def mountpaths(self) -> list[MountpathInfo]:
        return [m for t in self.targets for m in t.mountpaths]

    def find(self, target: str, path: str) -> MountpathInfo | None:
        """The mountpath ``path`` of ``target``, or None."""
        return next((m for m in self.mountpaths if m.target == target and m.path == path), None)


# ---------------------------------------------------------------------- building


def _split_disk(name: str) -> tuple[str, str]:
    """``"sda(faulted)"`` → ``("sda", "disk faulted")``; a plain name → ``(name, "")``."""
    for suffix, words in DISK_ALERTS.items():
        i = name.find(suffix)
        if i > 0:
            return name[:i], words
    return name, ""


def build_target(target: str, disk: _WireDisk, mpl: _WireMpl, known: Iterable[str] = ()) -> TargetStorage:
    """A :class:`TargetStorage` from the two answers; ``known`` are mountpaths seen on this target
    before: those in neither list are ``detached``."""
    stats = dict(disk.AllDiskStats or {})
    cdfs = disk.mountpaths or {}
    state: dict[str, MountpathState] = {}
    for p in mpl.available or []:
        state[p] = "available"
    for p in cdfs:
        state.setdefault(p, "available")
    for p in mpl.disabled or []:
        state[p] = "disabled"
    for p in mpl.waiting_dd or []:
        state[p] = "waiting"
    for p in known:
        state.setdefault(p, "detached")
    mps: list[MountpathInfo] = []
    seen_fs: set[str] = set()
    used = avail = n = pct_sum = 0
    pct_min, pct_max = 101, 0
    for path in sorted(state):
        cdf = cdfs.get(path) if state[path] in ("available", "waiting") else None
        if cdf is None:
            mps.append(MountpathInfo(target, path, state[path]))
            continue
        fs = cdf.fs or _WireFS()
        names: list[str] = []
        alerts: list[str] = []
        for d in cdf.disks or []:
            name, alert = _split_disk(d)
            names.append(name)
            if alert:
                alerts.append(alert)
        ds = [stats[d] for d in names if d in stats]
        mps.append(MountpathInfo(
            target, path, state[path], cdf.mountpath_label, fs.Fs, fs.FsType, fs.FsID, tuple(names), tuple(alerts),
            cdf.used, cdf.avail, cdf.pct_used, max((d.Util for d in ds), default=0),
            sum(d.RBps for d in ds), sum(d.WBps for d in ds)))
        fs_key = fs.FsID or fs.Fs or path
        if fs_key in seen_fs:
            continue
        seen_fs.add(fs_key)
        used, avail, n, pct_sum = used + cdf.used, avail + cdf.avail, n + 1, pct_sum + cdf.pct_used
        pct_min, pct_max = min(pct_min, cdf.pct_used), max(pct_max, cdf.pct_used)
    return TargetStorage(target, tuple(mps), stats, used, avail, pct_min if n else 0, pct_sum // n if n else 0,
                         pct_max, disk.cs_err)


def _tname(tid: str) -> str:
    return f"t[{tid}]"


def alerts_of(targets: Iterable[TargetStorage], wm: Watermarks) -> list[StorageAlert]:
    """Alerts in words, worst first: unreadable targets, the target's own capacity errors,
    mountpaths out of space or over the high watermark (``t[x] mp /ais/mp2: 91% used, over the
    high watermark (90%)``), disk alerts, disabled, detached and resilvering mountpaths, busy disks
    (over ``disk_util_high``)."""
    errors: list[StorageAlert] = []
    warnings: list[StorageAlert] = []
    for t in targets:
        tn = _tname(t.target)
        if t.error:
            errors.append(StorageAlert(f"{tn}: cannot read its storage: {t.error}", "error", t.target))
            continue
        if t.cs_err:
            errors.append(StorageAlert(f"{tn}: {t.cs_err}", "error", t.target))
        if not any(m.state == "available" for m in t.mountpaths):
            errors.append(StorageAlert(f"{tn}: no available mountpath", "error", t.target))
        for m in t.mountpaths:
            where = f"{tn} mp {m.path}"
            if m.state == "available" and m.pct_used > wm.oos:
                errors.append(StorageAlert(f"{where}: {m.pct_used}% used, out of space (over {wm.oos}%)", "error",
                                           t.target, m.path))
            elif m.state == "available" and m.pct_used > wm.high:
                warnings.append(StorageAlert(f"{where}: {m.pct_used}% used, over the high watermark ({wm.high}%)",
                                             "warning", t.target, m.path))
            for a in m.disk_alerts:
                sev: Literal["warning", "error"] = "error" if a in ("disk faulted", "out of space") else "warning"
                (errors if sev == "error" else warnings).append(
                    StorageAlert(f"{where}: {a} ({', '.join(m.disks)})", sev, t.target, m.path))
            if m.state != "available":
                warnings.append(StorageAlert(f"{where}: {m.state_text}", "warning", t.target, m.path))
        for name, d in sorted(t.disks.items()):
            if d.Util > wm.disk_util_high:
                warnings.append(StorageAlert(f"{tn} disk {name}: {d.Util}% busy (over {wm.disk_util_high}%)",
                                             "warning", t.target))
    return errors + warnings


def build_snapshot(targets: Iterable[TargetStorage], wm: Watermarks, taken: float | None = None) -> StorageSnapshot:
    """A :class:`StorageSnapshot` (targets sorted by id, alerts computed)."""
    ts = tuple(sorted(targets, key=lambda t: t.target))
    return StorageSnapshot(ts, wm, tuple(alerts_of(ts, wm)), time.time() if taken is None else taken)


# ---------------------------------------------------------------------- the API


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
