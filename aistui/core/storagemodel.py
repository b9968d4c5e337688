"""The storage model: what ``client.storage`` (:mod:`aistui.core.storage`) returns.

* :class:`DiskStats` - one disk's live numbers as a target reports them (``cos.DiskStats``).
* :class:`MountpathInfo` - one mountpath of a target: state, filesystem, disks and their alerts,
  capacity (bytes, %), live utilization (%) and throughput (bytes/s).
* :class:`TargetStorage` - one target's mountpaths, disks and totals (each filesystem once).
* :class:`Watermarks` - the cluster's space watermarks (%, ``space`` and ``disk`` in the config).
* :class:`StorageAlert`, :class:`StorageSnapshot` - alerts in words, and one read of the cluster.

Built from the targets' answers by ``core/storageparse.py``. No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from .errors import ProtocolError
from .jsontypes import is_dict

__all__ = ["Watermarks", "DiskStats", "MountpathInfo", "TargetStorage", "StorageAlert", "StorageSnapshot",
           "MountpathState", "MOUNTPATH_STATES", "DISK_ALERTS"]

MountpathState = Literal["available", "disabled", "detached", "waiting"]
#: how each state reads on screen
MOUNTPATH_STATES: dict[str, str] = {"available": "available", "disabled": "disabled", "detached": "detached",
                                    "waiting": "waiting for resilver"}
#: disk-name alert suffixes (``fs/api.go``) and what they say
DISK_ALERTS: dict[str, str] = {"(faulted)": "disk faulted", "(out-of-space)": "out of space",
                               "(->disabled)": "being disabled", "(->detach)": "being detached",
                               "(low-free-space)": "low free space"}


class DiskStats(msgspec.Struct, frozen=True):
    """One disk's live numbers (``cos.DiskStats``): read and write throughput ``RBps``/``WBps``
    (bytes/s), average request sizes ``Ravg``/``Wavg`` (bytes), utilization ``Util`` (%)."""

    RBps: int = 0
    Ravg: int = 0
    WBps: int = 0
    Wavg: int = 0
    Util: int = 0



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
