"""Parse the targets' storage answers and build the model (:mod:`aistui.core.storagemodel`) from them.

* :func:`decode_disk` - a ``GET /v1/reverse/daemon?what=disk`` answer (``fs.TcdfExt``: per disk
  ``AllDiskStats``, per available mountpath its ``fs.CDF``; ``used``/``avail`` in bytes).
* :func:`decode_mountpaths` - a ``what=mountpaths`` answer (``apc.MountpathList``: ``available``,
  ``waiting_dd``, ``disabled``).
* :func:`build_target` - one :class:`~aistui.core.storagemodel.TargetStorage` from the two (the
  totals computed as the target does, ``fs/fs.go`` ``CapRefresh``: each filesystem once; disk
  alert suffixes such as ``(faulted)`` split off into words).
* :func:`alerts_of`, :func:`build_snapshot` - the alerts in words, worst first, and the
  :class:`~aistui.core.storagemodel.StorageSnapshot`.

Pure: no I/O (``core/storage.py`` asks the targets). Raises :class:`ProtocolError` for an answer
that does not decode.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Literal

import msgspec

from .errors import ProtocolError
from .storagemodel import (
    DISK_ALERTS,
    DiskStats,
    MountpathInfo,
    MountpathState,
    StorageAlert,
    StorageSnapshot,
    TargetStorage,
    Watermarks,
)

__all__ = ["decode_disk", "decode_mountpaths", "build_target", "alerts_of", "build_snapshot"]


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
