"""Data models of the AIS core: buckets, nodes, listings, objects, jobs, ETLs.

Wire shapes follow AIS 5.0 (tag v1.5.0): ``cmn/bck_wire.go`` (Bck, Ns), ``meta/smap.go`` (Smap,
Snode), ``stats/api.go`` (node status), ``cmn/objlist.go`` (LsoRes, LsoEnt), ``core/xaction.go``
(Snap). Parsers here raise :class:`~aistui.core.errors.ProtocolError` on shapes they cannot read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import msgspec

from .errors import InvalidInput, ProtocolError
from .names import validate_bucket_name

__all__ = [
    "PROVIDERS",
    "Namespace",
    "Bck",
    "Snode",
    "Smap",
    "NODE_FLAGS",
    "STATE_FLAGS",
    "decode_flags",
    "Mountpath",
    "NodeStatus",
    "NodeRates",
    "RemoteCluster",
    "BucketSummary",
    "ObjEntry",
    "LsoPage",
    "ObjectProps",
    "JobSnap",
    "Job",
    "ETLInfo",
    "ETLDetails",
    "LS_CACHED",
    "LS_NOT_CACHED",
    "LS_NO_RECURSION",
    "LS_NAME_ONLY",
    "LS_NAME_SIZE",
    "LS_BCK_PRESENT",
    "LS_NO_DIRS",
    "ENTRY_IS_CACHED",
    "ENTRY_IS_DIR",
    "ENTRY_IN_ARCH",
    "ENTRY_IS_ARCHIVE",
]

#: provider name -> URL scheme, as ``apc.ToScheme``.
PROVIDERS: dict[str, str] = {"ais": "ais", "aws": "s3", "gcp": "gs", "azure": "az", "oci": "oc"}
_SCHEME_TO_PROVIDER = {v: k for k, v in PROVIDERS.items()} | {k: k for k in PROVIDERS}


def _s(d: Mapping[str, Any], key: str, default: str = "") -> str:
    v = d.get(key, default)
    return default if v is None else str(v)


def _i(d: Mapping[str, Any], key: str, default: int = 0) -> int:
    v = d.get(key, default)
    if v is None or v == "":
        return default
    try:
        return int(v)
    except (TypeError, ValueError):
        try:
            return int(float(v))
        except (TypeError, ValueError):
            raise ProtocolError(key, f"expected an integer, got {v!r}") from None


def _f(d: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    v = d.get(key, default)
    if v is None or v == "":
        return default
    try:
        return float(v)
    except (TypeError, ValueError):
        raise ProtocolError(key, f"expected a number, got {v!r}") from None


def _d(v: Any, what: str) -> dict[str, Any]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise ProtocolError(what, f"expected an object, got {type(v).__name__}")
    return v


# ----------------------------------------------------------------------------- buckets

@dataclass(frozen=True, slots=True)
class Namespace:
    """A bucket namespace (``cmn.Ns``): ``uuid`` is the remote cluster's UUID or alias
    (empty for this cluster), ``name`` an optional sub-namespace."""

    uuid: str = ""
    name: str = ""

    @property
    def is_global(self) -> bool:
        return not self.uuid and not self.name

    @property
    def is_remote(self) -> bool:
        return bool(self.uuid)

    def uname(self) -> str:
        """The namespace uname used in queries: ``@uuid#name`` (``@#`` for global)."""
        return f"@{self.uuid}#{self.name}"

    def __str__(self) -> str:
        if self.is_global:
            return ""
        return f"@{self.uuid}" + (f"#{self.name}" if self.name else "")

    @classmethod
    def from_json(cls, d: Any) -> Namespace:
        d = _d(d, "namespace")
        return cls(uuid=_s(d, "uuid"), name=_s(d, "name"))


@dataclass(frozen=True, slots=True)
class Bck:
    """A bucket: ``name``, ``provider`` (``ais``, ``aws``, ``gcp``, ``azure``, ``oci``) and
    namespace. ``str(Bck)`` gives the CLI form, e.g. ``ais://imgs`` or ``ais://@remais/imgs``."""

    name: str
    provider: str = "ais"
    ns: Namespace = Namespace()

    @classmethod
    def parse(cls, uri: str, *, validate: bool = True) -> Bck:
        """Parse ``ais://b``, ``s3://b``, ``ais://@remais/b``, ``ais://@uuid#ns/b`` or a bare ``b``.

        A trailing ``/`` is allowed. Raises :class:`InvalidInput` for an unknown scheme or a bucket
        name that breaks the AIS rules.
        """
        text = uri.strip()
        provider = "ais"
        if "://" in text:
            scheme, text = text.split("://", 1)
            provider = _SCHEME_TO_PROVIDER.get(scheme.lower(), "")
            if not provider:
                raise InvalidInput(f"unknown provider {scheme!r} in {uri!r} (use one of ais, s3, gs, az, oc)")
        ns = Namespace()
        if text.startswith("@"):
            ns_part, _, text = text[1:].partition("/")
            uuid, _, nsname = ns_part.partition("#")
            if not uuid:
                raise InvalidInput(f"missing remote cluster alias after '@' in {uri!r}")
            ns = Namespace(uuid=uuid, name=nsname)
        name = text.rstrip("/")
        if "/" in name:
            raise InvalidInput(f"{uri!r} names an object path, not a bucket")
        if validate:
            validate_bucket_name(name)
        return cls(name=name, provider=provider, ns=ns)

    @property
    def scheme(self) -> str:
        return PROVIDERS.get(self.provider, self.provider)

    @property
    def is_remote(self) -> bool:
        """True for cloud buckets and remote-AIS buckets (``Bck.IsRemote`` without backend_bck)."""
        return self.provider != "ais" or self.ns.is_remote

    def __str__(self) -> str:
        ns = str(self.ns)
        return f"{self.scheme}://{ns + '/' if ns else ''}{self.name}"

    def uname(self, obj: str = "") -> str:
        """The bucket uname ``provider/@uuid#ns/name/`` (with ``obj`` appended), as ``bck_to=``
        and ``object_to=`` take it."""
        return f"{self.provider}/{self.ns.uname()}/{self.name}/{obj}"

    def query(self) -> dict[str, str]:
        """The ``provider``/``namespace`` query parameters."""
        q = {"provider": self.provider}
        if not self.ns.is_global:
            q["namespace"] = self.ns.uname()
        return q

    def to_json(self) -> dict[str, Any]:
        """The ``cmn.Bck`` JSON: ``{"name","provider","namespace":{"uuid","name"}}``."""
        return {"name": self.name, "provider": self.provider,
                "namespace": {"uuid": self.ns.uuid, "name": self.ns.name}}

    @classmethod
    def from_json(cls, d: Any) -> Bck:
        d = _d(d, "bucket")
        return cls(name=_s(d, "name"), provider=_s(d, "provider", "ais") or "ais",
                   ns=Namespace.from_json(d.get("namespace")))


# ----------------------------------------------------------------------------- cluster

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
    out = []
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
    ``intra_control_url``, ``flags`` (bitmask, :data:`NODE_FLAGS`) and ``is_primary``."""

    daemon_id: str
    role: str
    public_url: str
    intra_control_url: str = ""
    flags: int = 0
    is_primary: bool = False

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
            if isinstance(v, dict):  # tolerate {"value": N}
                v = v.get("v", v.get("value", 0))
            try:
                counters[k] = int(v)
            except (TypeError, ValueError):
                continue
        cluster = _d(d.get("cluster"), "cluster")
        sflags = _i(cluster, "flags")
        alerts = tuple(n for n in decode_flags(sflags & ~_STATE_INFO, STATE_FLAGS))
        if not sflags & (1 << 2):
            alerts = ("node-not-started",) + alerts
        sysinfo = _d(d.get("sys_info"), "sys_info")
        la = _d(sysinfo.get("load_avg"), "load_avg")
        cap = _d(d.get("capacity"), "capacity")
        mpaths = []
        for path, m in sorted(_d(cap.get("mountpaths"), "mountpaths").items()):
            m = _d(m, "mountpath")
            disks = m.get("disks") or []
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


# ----------------------------------------------------------------------------- bucket summary

@dataclass(frozen=True, slots=True)
class BucketSummary:
    """Bucket summary (``cmn.BsummResult``): counts, sizes in bytes, and ``used_pct`` of the disks."""

    bck: Bck
    obj_count_present: int
    obj_count_remote: int
    size_on_disk: int
    size_present: int
    size_remote: int
    total_disks_size: int
    used_pct: float
    obj_min_size: int
    obj_avg_size: int
    obj_max_size: int
    is_present: bool

    @classmethod
    def from_json(cls, d: Any) -> BucketSummary:
        d = _d(d, "bucket summary")
        cnt = _d(d.get("ObjCount"), "ObjCount")
        osz = _d(d.get("ObjSize"), "ObjSize")
        tsz = _d(d.get("TotalSize"), "TotalSize")
        return cls(
            bck=Bck.from_json(d),
            obj_count_present=_i(cnt, "obj_count_present"),
            obj_count_remote=_i(cnt, "obj_count_remote"),
            size_on_disk=_i(tsz, "size_on_disk"),
            size_present=_i(tsz, "size_all_present_objs"),
            size_remote=_i(tsz, "size_all_remote_objs"),
            total_disks_size=_i(tsz, "total_disks_size"),
            used_pct=_f(d, "used_pct"),
            obj_min_size=_i(osz, "obj_min_size"),
            obj_avg_size=_i(osz, "obj_avg_size"),
            obj_max_size=_i(osz, "obj_max_size"),
            is_present=bool(d.get("is_present", False)),
        )


# ----------------------------------------------------------------------------- listing

# LsoMsg.flags (api/apc/lsmsg.go)
LS_CACHED = 1
LS_MISSING = 2
LS_DELETED = 4
LS_ARCH_DIR = 8
LS_NAME_ONLY = 16
LS_NAME_SIZE = 32
LS_BCK_PRESENT = 64
LS_DONT_HEAD_REMOTE = 128
LS_DONT_ADD_REMOTE = 256
LS_NOT_CACHED = 512
LS_NO_RECURSION = 2048
LS_DIFF = 4096
LS_NO_DIRS = 8192

# LsoEnt.flags (cmn/objlist.go)
ENTRY_STATUS_MASK = 0x1F
ENTRY_IS_CACHED = 64
ENTRY_IN_ARCH = 128
ENTRY_IS_DIR = 256
ENTRY_IS_ARCHIVE = 512
ENTRY_VER_CHANGED = 1024
ENTRY_VER_REMOVED = 2048
ENTRY_HEAD_FAIL = 4096
ENTRY_IS_CHUNKED = 8192


class ObjEntry(msgspec.Struct, array_like=False, gc=False):
    """One listing entry (``cmn.LsoEnt``), decoded from msgpack short keys.

    ``size`` bytes; ``atime`` as formatted by the server; ``flags`` per ``ENTRY_*``.
    """

    name: str = msgspec.field(name="n", default="")
    checksum: str = msgspec.field(name="cs", default="")
    atime: str = msgspec.field(name="a", default="")
    version: str = msgspec.field(name="v", default="")
    location: str = msgspec.field(name="t", default="")
    custom: str = msgspec.field(name="m", default="")
    size: int = msgspec.field(name="s", default=0)
    copies: int = msgspec.field(name="c", default=0)
    flags: int = msgspec.field(name="f", default=0)

    @property
    def is_dir(self) -> bool:
        return bool(self.flags & ENTRY_IS_DIR)

    @property
    def is_cached(self) -> bool:
        return bool(self.flags & ENTRY_IS_CACHED)


class LsoPage(msgspec.Struct, gc=False):
    """One page of a listing (``cmn.LsoRes``): entries plus the ``uuid`` and
    ``continuation_token`` to echo back; the listing is done when the token is empty."""

    uuid: str = msgspec.field(name="UUID", default="")
    continuation_token: str = msgspec.field(name="ContinuationToken", default="")
    entries: list[ObjEntry] | None = msgspec.field(name="Entries", default_factory=list)
    flags: int = msgspec.field(name="Flags", default=0)

    @property
    def done(self) -> bool:
        return not self.continuation_token


_lso_decoder = msgspec.msgpack.Decoder(LsoPage)


def decode_lso_msgpack(raw: bytes) -> LsoPage:
    """Decode a msgpack ``LsoRes``. Raises :class:`ProtocolError` on malformed input."""
    try:
        page = _lso_decoder.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        raise ProtocolError("list-objects", str(e)) from None
    if page.entries is None:
        page.entries = []
    return page


# ----------------------------------------------------------------------------- objects

@dataclass(frozen=True, slots=True)
class ObjectProps:
    """Object properties from a HEAD (or GET) answer's headers.

    ``size`` bytes; ``atime_ns`` unix ns (0 when unknown); ``custom`` user metadata;
    ``location`` is ``target:mountpath`` when the cluster says; ``present`` whether it is in the
    cluster (for remote buckets: cached).
    """

    name: str
    size: int
    checksum_type: str = ""
    checksum: str = ""
    version: str = ""
    atime_ns: int = 0
    custom: Mapping[str, str] = field(default_factory=dict)
    location: str = ""
    present: bool = True
    mirror_copies: int = 0

    @property
    def atime(self) -> datetime | None:
        return datetime.fromtimestamp(self.atime_ns / 1e9, tz=UTC) if self.atime_ns else None

    @classmethod
    def from_headers(cls, name: str, headers: Any) -> ObjectProps:
        """Build from response headers: httpx or aiohttp (case-insensitive, multi-valued)."""
        custom: dict[str, str] = {}
        if hasattr(headers, "get_list"):  # httpx.Headers
            md_values = headers.get_list("Ais-Custom-Md")
        elif hasattr(headers, "getall"):  # aiohttp's CIMultiDictProxy
            md_values = headers.getall("Ais-Custom-Md", [])
        else:
            md_values = [headers.get("Ais-Custom-Md")] if headers.get("Ais-Custom-Md") else []
        for v in md_values:
            for part in v.split(","):
                k, sep, val = part.partition("=")
                if sep and k.strip():
                    custom[k.strip()] = val.strip()
        size = headers.get("Ais-Size") or headers.get("Content-Length") or "0"
        try:
            size_i = int(size)
            atime = int(headers.get("Ais-Atime") or 0)
            copies = int(headers.get("Ais-Mirror-Copies") or 0)
        except ValueError as e:
            raise ProtocolError("object properties", str(e)) from None
        ck_type = headers.get("Ais-Checksum-Type", "")
        return cls(
            name=name,
            size=size_i,
            checksum_type="" if ck_type == "none" else ck_type,
            checksum=headers.get("Ais-Checksum-Value", ""),
            version=headers.get("Ais-Version", ""),
            atime_ns=atime,
            custom=custom,
            location=headers.get("Ais-Location", ""),
            present=headers.get("Ais-Present", "true").lower() != "false",
            mirror_copies=copies,
        )


# ----------------------------------------------------------------------------- jobs

_ZERO_TIME = "0001-01-01T00:00:00Z"


def _parse_time(s: str) -> datetime | None:
    if not s or s.startswith("0001-01-01"):
        return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise ProtocolError("job time", f"bad timestamp {s!r}") from None


#: xaction kind -> display name (``xact/api_table.go`` ``Table``, v1.5.0), for kinds whose names differ.
JOB_DISPLAY_NAMES: dict[str, str] = {
    "copy-bck": "copy-bucket",
    "etl-bck": "etl-bucket",
    "copy-listrange": "copy-objects",
    "etl-listrange": "etl-objects",
    "prefetch-listrange": "prefetch-objects",
    "evict-listrange": "evict-objects",
    "delete-listrange": "delete-objects",
    "evict-remote-bck": "evict-remote-bucket",
    "summary-bck": "summary",
    "promote": "promote-files",
    "lru": "lru-eviction",
    "cleanup-store": "cleanup",
    "make-n-copies": "mirror",
    "ec-encode": "ec-bucket",
    "move-bck": "rename-bucket",
    "index-shard": "shard-index",
    "summary-shard": "shard-summary",
    "election": "elect-primary",
    "load-lom-cache": "warm-up-metadata",
}
#: demand-driven kinds that linger idle instead of finishing (``xact/api_table.go`` Idles).
IDLE_KINDS = frozenset({"copy-listrange", "etl-listrange", "archive", "put-copies", "get-batch",
                        "list", "download", "ec-get", "ec-put", "ec-resp"})


@dataclass(frozen=True, slots=True)
class JobSnap:
    """One target's snapshot of a job (``core.Snap``). Times are UTC datetimes (``end`` None while
    running); counters are objects and bytes."""

    id: str
    kind: str
    node: str
    bck: Bck | None
    src_bck: Bck | None
    dst_bck: Bck | None
    start: datetime | None
    end: datetime | None
    aborted: bool
    is_idle: bool
    abort_err: str
    err: str
    ctlmsg: str
    loc_objs: int
    loc_bytes: int
    in_objs: int
    in_bytes: int
    out_objs: int
    out_bytes: int

    @classmethod
    def from_json(cls, d: Any, node: str) -> JobSnap:
        d = _d(d, "job snap")
        st = _d(d.get("stats"), "stats")

        def bck(key: str) -> Bck | None:
            v = d.get(key)
            if not isinstance(v, dict) or not v.get("name"):
                return None
            return Bck.from_json(v)

        return cls(
            id=_s(d, "id"), kind=_s(d, "kind"), node=node,
            bck=bck("bck"), src_bck=bck("src-bck"), dst_bck=bck("dst-bck"),
            start=_parse_time(_s(d, "start-time")), end=_parse_time(_s(d, "end-time")),
            aborted=bool(d.get("aborted", False)), is_idle=bool(d.get("is_idle", False)),
            abort_err=_s(d, "abort-err"), err=_s(d, "err"), ctlmsg=_s(d, "ctlmsg"),
            loc_objs=_i(st, "loc-objs"), loc_bytes=_i(st, "loc-bytes"),
            in_objs=_i(st, "in-objs"), in_bytes=_i(st, "in-bytes"),
            out_objs=_i(st, "out-objs"), out_bytes=_i(st, "out-bytes"),
        )


@dataclass(frozen=True)
class Job:
    """A job (xaction) merged across targets.

    ``state`` is one of ``running``, ``idle``, ``finished``, ``aborted``, ``failed``.
    ``objects``/``bytes`` sum the per-target local counters (objects each target processed; what
    one target sends another also shows as out/in, so those are not added); ``start``/``end`` are the
    earliest start and the latest end (None while any target still runs). The derived values are
    computed once per object (``cached_property``): the jobs monitor reads them for 1,000+ jobs
    on every refresh.
    """

    id: str
    kind: str
    snaps: tuple[JobSnap, ...]

    @property
    def display_kind(self) -> str:
        return JOB_DISPLAY_NAMES.get(self.kind, self.kind)

    @property
    def bck(self) -> Bck | None:
        for s in self.snaps:
            if s.bck:
                return s.bck
        return None

    @property
    def src_bck(self) -> Bck | None:
        return next((s.src_bck for s in self.snaps if s.src_bck), None) or self.bck

    @property
    def dst_bck(self) -> Bck | None:
        return next((s.dst_bck for s in self.snaps if s.dst_bck), None)

    @cached_property
    def start(self) -> datetime | None:
        times = [s.start for s in self.snaps if s.start]
        return min(times) if times else None

    @cached_property
    def end(self) -> datetime | None:
        if any(s.end is None for s in self.snaps):
            return None
        times = [s.end for s in self.snaps if s.end]
        return max(times) if times else None

    @cached_property
    def aborted(self) -> bool:
        return any(s.aborted for s in self.snaps)

    @cached_property
    def error(self) -> str:
        for s in self.snaps:
            if s.abort_err or s.err:
                return s.abort_err or s.err
        return ""

    @cached_property
    def is_idle(self) -> bool:
        return bool(self.snaps) and all(s.is_idle for s in self.snaps)

    @cached_property
    def state(self) -> str:
        if self.aborted:
            return "aborted"
        if self.end is not None:
            return "failed" if any(s.err for s in self.snaps) else "finished"
        if self.is_idle:
            return "idle"
        return "running"

    @property
    def running(self) -> bool:
        return self.state in ("running", "idle")

    @property
    def done(self) -> bool:
        """Finished without error: ended, or (for demand-driven kinds, which linger) idle on every
        target. A copy from a remote bucket runs as ``copy-listrange`` and ends this way."""
        return self.state == "finished" or (self.state == "idle" and self.kind in IDLE_KINDS)

    @cached_property
    def objects(self) -> int:
        return sum(s.loc_objs for s in self.snaps)

    @cached_property
    def bytes(self) -> int:
        return sum(s.loc_bytes for s in self.snaps)

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(sorted({s.node for s in self.snaps}))

    @staticmethod
    def merge(multi_snap: Mapping[str, Iterable[Any]]) -> list[Job]:
        """Merge the ``qryxstats`` answer ``{tid: [Snap,...]}`` into jobs, newest first."""
        by_id: dict[str, list[JobSnap]] = {}
        for tid, snaps in _d(multi_snap, "qryxstats").items():
            if snaps is None:
                continue
            if not isinstance(snaps, list):
                raise ProtocolError("qryxstats", f"expected a list for {tid}")
            for raw in snaps:
                s = JobSnap.from_json(raw, tid)
                if s.id:
                    by_id.setdefault(s.id, []).append(s)
        jobs = [Job(id=i, kind=ss[0].kind, snaps=tuple(sorted(ss, key=lambda x: x.node)))
                for i, ss in by_id.items()]
        epoch = datetime.min.replace(tzinfo=UTC)
        jobs.sort(key=lambda j: (j.start or epoch, j.id), reverse=True)
        return jobs


# ----------------------------------------------------------------------------- ETL

@dataclass(frozen=True, slots=True)
class ETLInfo:
    """An ETL as listed by ``GET /v1/etl``: name, stage (Initializing/Running/Aborted/Unknown),
    its job id, objects transformed, bytes in and out."""

    name: str
    stage: str
    xaction_id: str
    obj_count: int
    in_bytes: int
    out_bytes: int

    @classmethod
    def from_json(cls, d: Any) -> ETLInfo:
        d = _d(d, "etl")
        return cls(name=_s(d, "id"), stage=_s(d, "stage"), xaction_id=_s(d, "xaction_id"),
                   obj_count=_i(d, "obj_count"), in_bytes=_i(d, "in_bytes"), out_bytes=_i(d, "out_bytes"))


@dataclass(frozen=True, slots=True)
class ETLDetails:
    """``GET /v1/etl/<name>``: the init message and per-object errors ``[(obj, msg, ecode)]``."""

    name: str
    init_msg: Mapping[str, Any]
    obj_errors: tuple[tuple[str, str, int], ...]

    @classmethod
    def from_json(cls, name: str, d: Any) -> ETLDetails:
        d = _d(d, "etl details")
        errs = []
        for e in d.get("obj_errors") or []:
            e = _d(e, "obj_error")
            errs.append((_s(e, "obj_name"), _s(e, "msg"), _i(e, "ecode")))
        return cls(name=name, init_msg=_d(d.get("init_msg"), "init_msg"), obj_errors=tuple(errs))
