"""Per-target performance from counter deltas: what the ``ais performance`` tabs show (counters,
throughput, latency, intra-data), for the performance screen.

Input is two :class:`~aistui.core.models.NodeStatus` snapshots of a target (``GET
/v1/reverse/daemon?what=node_status``); their ``counters`` are the target's cumulative stats
tracker (``stats.Node.Tracker``, v1.5.0 ``stats/common_prom.go`` ``copyCumulative``: counters,
sizes and totals read live; zero values are left out, so a missing counter is 0). Names follow
``stats/common.go`` and ``stats/target_stats.go``:

- counts ``get.n``, ``put.n``, ``append.n``, ``del.n``; sizes ``get.size``, ``put.size`` (bytes);
- latency totals ``get.ns.total``, ``put.ns.total`` (ns) and ``append.ns`` (a KindLatency
  metric, whose cumulative ns the tracker carries);
- cold GETs: the backend counters ``<backend>.get.n`` / ``.get.size`` / ``.get.ns.total``
  (``ais/backend/common.go`` ``base.init``; ``remais`` for a remote AIS cluster), every remote GET
  that stored the object here;
- errors: every ``err.<kind>.n`` (``err.get.n``, ``err.io.get.n``, ``err.put.cksum.n``, ...);
- intra-cluster traffic: ``stream.out.n``/``.size`` and ``stream.in.n``/``.size``
  (``cmn/cos/stats.go``), objects sent to and received from other targets.

Rates are deltas over the local monotonic time between the snapshots (``NodeStatus.taken_ns``),
as ``ais performance throughput --refresh`` computes them over its own interval; latencies are
averages over the interval (total ns delta / count delta), in ms. A counter that went back (a
restarted node, ``ais advanced reset-stats``) counts as zero change. Everything here is pure and
takes microseconds per node (``bench/bench_perf_table.py``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .models import NodeStatus

__all__ = ["BACKENDS", "SORTS", "ErrCount", "NodePerf", "PerfHistory", "PerfPoint", "node_perf", "perf_table",
           "sort_nodes"]

#: Backend metric prefixes (``ais/backend/common.go``: ``apc.RemAIS`` for ``ais://@remote``
#: buckets, then the cloud providers and HTTP).
BACKENDS: tuple[str, ...] = ("remais", "aws", "gcp", "azure", "oci", "ht")

#: The orders of :func:`sort_nodes`: ``worst`` (errors/s, then the slower of GET and PUT
#: latency, then GET/s), then one column each, largest first; ``node`` by id.
SORTS: tuple[str, ...] = ("worst", "get", "put", "throughput", "latency", "errors", "cold", "intra", "node")


@dataclass(frozen=True, slots=True)
class ErrCount:
    """One error counter ``err.<kind>.n``: ``kind`` (``get``, ``io.get``, ``put.cksum``, ...),
    ``total`` (cumulative count) and ``rate`` (per s over the interval)."""

    kind: str
    total: int
    rate: float


@dataclass(frozen=True, slots=True)
class NodePerf:
    """One target's performance between two snapshots (or, for the first one, its cumulative
    counts with zero rates: ``measured`` is False).

    ``*_n`` are cumulative counts, ``*_ops`` objects/s, ``*_bps`` bytes/s, ``*_lat_ms`` the average
    latency in ms over the interval (0 when there was no request), ``interval_s`` the seconds
    between the snapshots (0 for the first). ``cold_*`` are remote GETs that brought objects into
    the cluster (all backends); ``errors`` every error counter (kind order), ``err_n`` their sum
    and ``err_ops`` its rate; ``rx_*``/``tx_*`` the intra-cluster streams (received, sent)."""

    daemon_id: str
    interval_s: float
    get_n: int
    put_n: int
    append_n: int
    del_n: int
    get_ops: float
    put_ops: float
    append_ops: float
    del_ops: float
    get_bps: float
    put_bps: float
    get_lat_ms: float
    put_lat_ms: float
    append_lat_ms: float
    cold_n: int
    cold_ops: float
    cold_bps: float
    cold_lat_ms: float
    errors: tuple[ErrCount, ...]
    err_n: int
    err_ops: float
    rx_n: int
    tx_n: int
    rx_ops: float
    tx_ops: float
    rx_bps: float
    tx_bps: float

    @property
    def measured(self) -> bool:
        """True when the rates come from two snapshots."""
        return self.interval_s > 0

    @property
    def worst_lat_ms(self) -> float:
        """The slower of the GET and PUT average latencies, ms."""
        return max(self.get_lat_ms, self.put_lat_ms)


def _sum(c: Mapping[str, int], keys: Iterable[str]) -> int:
    return sum(c.get(k, 0) for k in keys)


_COLD_N = tuple(f"{b}.get.n" for b in BACKENDS)
_COLD_SIZE = tuple(f"{b}.get.size" for b in BACKENDS)
_COLD_NS = tuple(f"{b}.get.ns.total" for b in BACKENDS)


def node_perf(before: NodeStatus | None, after: NodeStatus) -> NodePerf:
    """The performance of one target from ``before`` (older; None: no rates yet) to ``after``.
    Raises ValueError when the snapshots are of different nodes. Snapshots taken at the same
    instant (or out of order) give zero rates."""
    if before is not None and before.daemon_id != after.daemon_id:
        raise ValueError(f"snapshots of different nodes: {before.daemon_id} and {after.daemon_id}")
    b = after.counters
    dt = (after.taken_ns - before.taken_ns) / 1e9 if before is not None else 0.0
    a: Mapping[str, int] = before.counters if before is not None and dt > 0 else b
    per_s = 1 / dt if dt > 0 else 0.0

    def d(key: str) -> int:
        return max(b.get(key, 0) - a.get(key, 0), 0)

    def lat(total_key: str, count_key: str) -> float:
        n = d(count_key)
        return d(total_key) / n / 1e6 if n else 0.0

    errors: list[ErrCount] = []
    err_n = err_d = 0
    for k in sorted(b):
        if k.startswith("err.") and k.endswith(".n"):
            v = b[k]
            dv = max(v - a.get(k, 0), 0)
            errors.append(ErrCount(k[4:-2], v, dv * per_s))
            err_n += v
            err_d += dv
    cold_dn = max(_sum(b, _COLD_N) - _sum(a, _COLD_N), 0)
    cold_dns = max(_sum(b, _COLD_NS) - _sum(a, _COLD_NS), 0)
    return NodePerf(
        daemon_id=after.daemon_id, interval_s=max(dt, 0.0),
        get_n=b.get("get.n", 0), put_n=b.get("put.n", 0), append_n=b.get("append.n", 0), del_n=b.get("del.n", 0),
        get_ops=d("get.n") * per_s, put_ops=d("put.n") * per_s,
        append_ops=d("append.n") * per_s, del_ops=d("del.n") * per_s,
        get_bps=d("get.size") * per_s, put_bps=d("put.size") * per_s,
        get_lat_ms=lat("get.ns.total", "get.n"), put_lat_ms=lat("put.ns.total", "put.n"),
        append_lat_ms=lat("append.ns", "append.n"),
        cold_n=_sum(b, _COLD_N), cold_ops=cold_dn * per_s,
        cold_bps=max(_sum(b, _COLD_SIZE) - _sum(a, _COLD_SIZE), 0) * per_s,
        cold_lat_ms=cold_dns / cold_dn / 1e6 if cold_dn else 0.0,
        errors=tuple(errors), err_n=err_n, err_ops=err_d * per_s,
        rx_n=b.get("stream.in.n", 0), tx_n=b.get("stream.out.n", 0),
        rx_ops=d("stream.in.n") * per_s, tx_ops=d("stream.out.n") * per_s,
        rx_bps=d("stream.in.size") * per_s, tx_bps=d("stream.out.size") * per_s,
    )


def perf_table(before: Mapping[str, object], after: Mapping[str, object]) -> dict[str, NodePerf]:
    """:func:`node_perf` for every target in ``after`` (``{daemon_id: NodeStatus or an error}``,
    as ``ClusterAPI.all_node_status`` returns; proxies and errors are skipped), against the same
    node in ``before`` when it is there. Keyed by daemon id, in ``after``'s order."""
    out: dict[str, NodePerf] = {}
    for nid, st in after.items():
        if isinstance(st, NodeStatus) and st.role == "target":
            prev = before.get(nid)
            out[nid] = node_perf(prev if isinstance(prev, NodeStatus) else None, st)
    return out


def _key(by: str, p: NodePerf) -> tuple[float, ...]:
    if by == "worst":
        return (p.err_ops, p.worst_lat_ms, p.get_ops)
    if by == "get":
        return (p.get_ops, p.get_bps)
    if by == "put":
        return (p.put_ops, p.put_bps)
    if by == "throughput":
        return (p.get_bps + p.put_bps,)
    if by == "latency":
        return (p.worst_lat_ms,)
    if by == "errors":
        return (p.err_ops, float(p.err_n))
    if by == "cold":
        return (p.cold_ops, float(p.cold_n))
    if by == "intra":
        return (p.rx_bps + p.tx_bps, p.rx_ops + p.tx_ops)
    raise ValueError(f"unknown sort {by!r}: one of {', '.join(SORTS)}")


def sort_nodes(perfs: Iterable[NodePerf], by: str = "worst") -> list[NodePerf]:
    """``perfs`` in the order ``by`` (one of :data:`SORTS`): largest first (the worst or the
    busiest node on top), ties by daemon id; ``node`` by daemon id. Raises ValueError for an
    unknown order."""
    items = sorted(perfs, key=lambda p: p.daemon_id)
    if by == "node":
        return items
    return sorted(items, key=lambda p: tuple(-v for v in _key(by, p)))


@dataclass(frozen=True, slots=True)
class PerfPoint:
    """One refresh of one node in :class:`PerfHistory`: ``t_s`` (seconds since the history
    began) and the rates of that refresh."""

    t_s: float
    get_ops: float
    put_ops: float
    get_bps: float
    put_bps: float
    get_lat_ms: float
    put_lat_ms: float
    err_ops: float


class PerfHistory:
    """The last ``keep`` measured refreshes per node (for sparklines and the history plot).
    :meth:`add` takes one refresh's :func:`perf_table` and the local monotonic time in ns; nodes
    gone from the Smap keep their history until :meth:`prune`."""

    def __init__(self, keep: int = 300) -> None:
        self.keep = keep
        self._t0: int | None = None
        self._points: dict[str, deque[PerfPoint]] = {}

    def add(self, perfs: Mapping[str, NodePerf], now_ns: int) -> None:
        """Append the measured nodes of one refresh (unmeasured ones have no rates yet)."""
        if self._t0 is None:
            self._t0 = now_ns
        t = (now_ns - self._t0) / 1e9
        for nid, p in perfs.items():
            if not p.measured:
                continue
            q = self._points.get(nid)
            if q is None:
                q = self._points[nid] = deque(maxlen=self.keep)
            q.append(PerfPoint(t, p.get_ops, p.put_ops, p.get_bps, p.put_bps, p.get_lat_ms, p.put_lat_ms,
                               p.err_ops))

    def points(self, daemon_id: str) -> list[PerfPoint]:
        """The history of one node, oldest first (empty when none)."""
        return list(self._points.get(daemon_id, ()))

    def recent(self, daemon_id: str, field: str, n: int) -> list[float]:
        """The last ``n`` values of ``field`` (a :class:`PerfPoint` rate, e.g. ``get_ops``) of one
        node. Raises AttributeError for an unknown field."""
        q = self._points.get(daemon_id)
        if not q:
            return []
        start = max(len(q) - n, 0)
        return [float(getattr(q[i], field)) for i in range(start, len(q))]

    def prune(self, keep_ids: Iterable[str]) -> None:
        """Forget the nodes not in ``keep_ids``."""
        keep = set(keep_ids)
        for nid in [k for k in self._points if k not in keep]:
            del self._points[nid]
