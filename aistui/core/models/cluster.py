"""The cluster: ``Smap``/``Snode`` (``meta/smap.go``, ``meta/snode.go``), node status and rates
(``stats/api.go``), node and state flags, attached remote clusters (v1.5.0).

Parsers raise :class:`~aistui.core.errors.ProtocolError` on shapes they cannot read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ProtocolError
from ..jsontypes import is_dict
from ._wire import dict_field as _d
from ._wire import float_field as _f
from ._wire import int_field as _i
from ._wire import str_field as _s

#: Snode.flags bits (``meta/snode.go``).
NODE_FLAGS: dict[int, str] = {
    1: "non-electable",
    2: "ic-member",
    4: "maintenance",
    8: "decommission",
    16: "maint-post-rebalance",
}

#: cos.NodeStateFlags bits (``cmn/cos/node_state.go``), by bit value. ``ok`` means exactly
#: ClusterStarted|NodeStarted.
STATE_FLAGS: dict[int, str] = {
    1 << 0: "vote-in-progress",
    1 << 1: "cluster-started",
    1 << 2: "node-started",
    1 << 3: "rebalancing",
    1 << 4: "rebalance-interrupted",
    1 << 5: "resilvering",
    1 << 6: "resilver-interrupted",
    1 << 7: "node-restarted",
    1 << 8: "out-of-space",
    1 << 9: "out-of-memory",
    1 << 10: "maintenance-mode",
    1 << 11: "low-capacity",
    1 << 12: "low-memory",
    1 << 13: "disk-fault",
    1 << 14: "num-goroutines",
    1 << 15: "high-num-goroutines",
    1 << 16: "cert-will-soon-expire",
    1 << 17: "cert-expired",
    1 << 18: "cert-invalid",
    1 << 19: "keep-alive-errors",
    1 << 20: "out-of-cpu",
    1 << 21: "low-cpu",
    1 << 22: "disk-out-of-space",
    1 << 23: "disk-low-capacity",
}
_STATE_OK = (1 << 1) | (1 << 2)
_STATE_INFO = _STATE_OK  # bits that are state, not alerts


def decode_flags(value: int, table: Mapping[int, str]) -> list[str]:
    """Names of the bits set in ``value``; unknown bits come back as ``bit<N>``."""
    out: list[str] = []
    bit = 1
    v = int(value)
    while v and bit <= v:
        if v & bit:
            out.append(table.get(bit, f"bit{bit.bit_length() - 1}"))
        bit <<= 1
    return out


@dataclass(frozen=True, slots=True)
class Snode:
    """A cluster node from the Smap: ``daemon_id``, ``role`` (``proxy``/``target``), ``public_url``,
    ``intra_control_url``, ``flags`` (bitmask, :data:`NODE_FLAGS`), ``is_primary`` and
    ``id_digest`` (the uint64 ``IDDigest`` the Smap carries, 0 when absent; ``core/hrw.py``)."""

    daemon_id: str
    role: str
    public_url: str
    intra_control_url: str = ""
    flags: int = 0
    is_primary: bool = False
    id_digest: int = 0

    @property
    def flag_names(self) -> list[str]:
        return decode_flags(self.flags, NODE_FLAGS)

    @property
    def in_maintenance(self) -> bool:
        return bool(self.flags & (4 | 8))

    @classmethod
    def from_json(cls, d: Any, primary_id: str = "") -> Snode:
        d = _d(d, "snode")
        pub = _d(d.get("public_net"), "public_net")
        ctl = _d(d.get("intra_control_net"), "intra_control_net")
        did = _s(d, "daemon_id")
        return cls(
            daemon_id=did,
            role=_s(d, "daemon_type"),
            public_url=_s(pub, "direct_url"),
            intra_control_url=_s(ctl, "direct_url"),
            flags=_i(d, "flags"),
            is_primary=bool(primary_id) and did == primary_id,
            id_digest=_i(d, "id_digest"),
        )


@dataclass(frozen=True, slots=True)
class Smap:
    """The cluster map: ``uuid``, ``version``, ``primary`` and every node (proxies then targets,
    each sorted by id)."""

    uuid: str
    version: int
    primary: Snode
    proxies: tuple[Snode, ...]
    targets: tuple[Snode, ...]

    @property
    def nodes(self) -> tuple[Snode, ...]:
        return self.proxies + self.targets

    def node(self, daemon_id: str) -> Snode | None:
        for n in self.nodes:
            if n.daemon_id == daemon_id:
                return n
        return None

    @classmethod
    def from_json(cls, d: Any) -> Smap:
        d = _d(d, "smap")
        if "pmap" not in d or "proxy_si" not in d:
            raise ProtocolError("smap", "missing pmap/proxy_si")
        primary_id = _s(_d(d.get("proxy_si"), "proxy_si"), "daemon_id")
        proxies = tuple(sorted((Snode.from_json(v, primary_id) for v in _d(d.get("pmap"), "pmap").values()),
                               key=lambda n: n.daemon_id))
        targets = tuple(sorted((Snode.from_json(v, primary_id) for v in _d(d.get("tmap"), "tmap").values()),
                               key=lambda n: n.daemon_id))
        primary = next((p for p in proxies if p.is_primary), None) or Snode.from_json(d["proxy_si"], primary_id)
        return cls(uuid=_s(d, "uuid"), version=_i(d, "version"), primary=primary,
                   proxies=proxies, targets=targets)


@dataclass(frozen=True, slots=True)
class Mountpath:
    """One target mountpath's capacity: ``path``, ``label``, ``used`` and ``avail`` (bytes),
    ``pct_used`` (percent), ``disks`` (device names)."""

    path: str
    label: str
    used: int
    avail: int
    pct_used: float
    disks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NodeStatus:
    """Per-node status from ``GET /v1/reverse/daemon?what=node_status`` (``stats.NodeStatus``).

    ``state_flags`` is the ``cos.NodeStateFlags`` bitmask; ``alerts`` names its alert bits (empty
    when the node is OK). ``uptime_s`` is seconds; ``cpu_util`` is the machine's CPU utilization
    (percent, ``sys_info.cpu_util``) and ``cpu_pct`` the aisnode process's share
    (``pct_cpu_used``); ``mem_used`` is the process's resident memory (bytes); capacity figures are
    bytes; ``version`` has the trailing dot of an untagged build removed; ``counters`` is the
    cumulative stats tracker (``get.n``, ``get.size`` in bytes, ``get.ns.total`` in ns, ...).
    ``taken_ns`` is the local monotonic clock when the snapshot was taken.
    """

    daemon_id: str
    role: str
    status: str  # "", "maintenance", "decommission"
    deployment: str
    version: str
    build_time: str
    state_flags: int
    alerts: tuple[str, ...]
    uptime_s: float
    cpu_util: float
    cpu_pct: float
    mem_used: int
    mem_avail: int
    mem_pct: float
    load_avg: tuple[float, float, float]
    used: int
    avail: int
    pct_used: float
    mountpaths: tuple[Mountpath, ...]
    cs_err: str
    counters: Mapping[str, int]
    taken_ns: int = 0

    @property
    def ok(self) -> bool:
        return not self.alerts

    @classmethod
    def from_json(cls, d: Any, taken_ns: int = 0) -> NodeStatus:
        d = _d(d, "node_status")
        snode = _d(d.get("snode"), "snode")
        tracker = _d(d.get("tracker"), "tracker")
        counters: dict[str, int] = {}
        for k, v in tracker.items():
            if is_dict(v):  # tolerate {"value": N}
                v = v.get("v", v.get("value", 0))
            try:
                counters[k] = int(v)
            except (TypeError, ValueError, OverflowError):  # OverflowError: inf
                continue
        cluster = _d(d.get("cluster"), "cluster")
        sflags = _i(cluster, "flags")
        alerts = tuple(n for n in decode_flags(sflags & ~_STATE_INFO, STATE_FLAGS))
        if not sflags & (1 << 2):
            alerts = ("node-not-started",) + alerts
        sysinfo = _d(d.get("sys_info"), "sys_info")
        la = _d(sysinfo.get("load_avg"), "load_avg")
        cap = _d(d.get("capacity"), "capacity")
        mpaths: list[Mountpath] = []
        for path, m in sorted(_d(cap.get("mountpaths"), "mountpaths").items()):
            m = _d(m, "mountpath")
            disks: Any = m.get("disks") or []
            mpaths.append(Mountpath(
                path=path, label=_s(m, "mountpath_label"), used=_i(m, "used"), avail=_i(m, "avail"),
                pct_used=_f(m, "pct_used"), disks=tuple(str(x) for x in disks if x)))
        uptime_ns = counters.get("up.ns.time", 0)
        return cls(
            daemon_id=_s(snode, "daemon_id"),
            role=_s(snode, "daemon_type"),
            status=_s(d, "status"),
            deployment=_s(d, "deployment"),
            version=_s(d, "ais_version").rstrip("."),
            build_time=_s(d, "build_time"),
            state_flags=sflags,
            alerts=alerts,
            uptime_s=uptime_ns / 1e9,
            cpu_util=_f(sysinfo, "cpu_util"),
            cpu_pct=_f(sysinfo, "pct_cpu_used"),
            mem_used=_i(sysinfo, "mem_used"),
            mem_avail=_i(sysinfo, "mem_avail"),
            mem_pct=_f(sysinfo, "pct_mem_used"),
            load_avg=(_f(la, "One"), _f(la, "Five"), _f(la, "Fifteen")),
            used=_i(cap, "total_used"),
            avail=_i(cap, "total_avail"),
            pct_used=_f(cap, "pct_avg"),
            mountpaths=tuple(mpaths),
            cs_err=_s(cap, "cs_err"),
            counters=counters,
            taken_ns=taken_ns,
        )


@dataclass(frozen=True, slots=True)
class NodeRates:
    """Rates between two :class:`NodeStatus` snapshots of one node.

    ``*_ops`` are objects/s, ``*_bps`` bytes/s, ``*_lat_ms`` average latency in ms over the
    interval (0 when there was no request), ``interval_s`` the seconds between snapshots.
    """

    daemon_id: str
    interval_s: float
    get_ops: float
    put_ops: float
    get_bps: float
    put_bps: float
    get_lat_ms: float
    put_lat_ms: float
    errors: float

    @classmethod
    def between(cls, a: NodeStatus, b: NodeStatus) -> NodeRates:
        """Rates from ``a`` (older) to ``b`` (newer). Counters that went back (a restart) count
        as zero. Raises ValueError if the snapshots are of different nodes."""
        if a.daemon_id != b.daemon_id:
            raise ValueError("snapshots of different nodes")
        dt = max((b.taken_ns - a.taken_ns) / 1e9, 1e-9)

        def delta(key: str) -> int:
            return max(b.counters.get(key, 0) - a.counters.get(key, 0), 0)

        def lat(kind: str) -> float:
            n = delta(f"{kind}.n")
            return delta(f"{kind}.ns.total") / n / 1e6 if n else 0.0

        errs = sum(max(v - a.counters.get(k, 0), 0) for k, v in b.counters.items()
                   if k.startswith("err.") and k.endswith(".n"))
        return cls(
            daemon_id=b.daemon_id, interval_s=dt,
            get_ops=delta("get.n") / dt, put_ops=delta("put.n") / dt,
            get_bps=delta("get.size") / dt, put_bps=delta("put.size") / dt,
            get_lat_ms=lat("get"), put_lat_ms=lat("put"), errors=errs / dt,
        )


@dataclass(frozen=True, slots=True)
class RemoteCluster:
    """An attached remote AIS cluster (``GET /v1/cluster?what=remote``): ``alias``, ``url``,
    ``uuid`` and whether it answered (``online``, true when its Smap came back)."""

    alias: str
    url: str
    uuid: str
    online: bool
