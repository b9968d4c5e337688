"""The per-target performance math (aistui.core.perf) on recorded v1.5.0 counters.

``recorded/perf_node_status.json`` holds every target's ``node_status`` answer of a real 2-target
cluster (with ``@remais`` attached) taken between phases of known traffic, with the local
monotonic ns each was taken at (``bench/record_perf_counters.py`` made it): 200 PUTs, 600 GETs,
40 cold GETs from ``@remais``, then a bucket copy (intra-cluster streams) and 50 deletes. Error
and append counters did not move on that cluster (a missing object is not an error count without
the ``CountObjectNotFoundStats`` feature), so their tests add them to a recorded answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aistui.core.models import NodeStatus
from aistui.core.perf import SORTS, NodePerf, PerfHistory, node_perf, perf_table, sort_nodes

SNAPS = json.loads((Path(__file__).parent / "recorded" / "perf_node_status.json").read_text())


def statuses(i: int) -> dict[str, NodeStatus]:
    """The recorded snapshot ``i``: ``{daemon_id: NodeStatus}``."""
    return {nid: NodeStatus.from_json(n["body"], n["taken_ns"]) for nid, n in SNAPS[i]["nodes"].items()}


def between(i: int, j: int) -> dict[str, NodePerf]:
    return perf_table(statuses(i), statuses(j))


def dt(i: int, j: int, nid: str) -> float:
    return (SNAPS[j]["nodes"][nid]["taken_ns"] - SNAPS[i]["nodes"][nid]["taken_ns"]) / 1e9


def counter(i: int, nid: str, key: str) -> int:
    v = SNAPS[i]["nodes"][nid]["body"]["tracker"].get(key, 0)
    return int(v["v"] if isinstance(v, dict) else v)


def test_put_rates_throughput_and_latency():
    perfs = between(0, 1)
    assert sorted(perfs) == sorted(SNAPS[1]["nodes"])
    assert sum(round(p.put_ops * p.interval_s) for p in perfs.values()) == 200  # the 200 PUTs
    for nid, p in perfs.items():
        d_n = counter(1, nid, "put.n") - counter(0, nid, "put.n")
        d_size = counter(1, nid, "put.size") - counter(0, nid, "put.size")
        d_ns = counter(1, nid, "put.ns.total") - counter(0, nid, "put.ns.total")
        assert p.interval_s == pytest.approx(dt(0, 1, nid))
        assert p.put_ops == pytest.approx(d_n / dt(0, 1, nid))
        assert p.put_bps == pytest.approx(d_size / dt(0, 1, nid))
        assert p.put_lat_ms == pytest.approx(d_ns / d_n / 1e6)
        assert p.get_ops == 0 and p.get_lat_ms == 0  # no GETs in this phase: no latency either
        assert p.put_n == counter(1, nid, "put.n")


def test_get_rates_and_cumulative_counts():
    perfs = between(1, 2)
    assert sum(round(p.get_ops * p.interval_s) for p in perfs.values()) == 600
    for nid, p in perfs.items():
        d_n = counter(2, nid, "get.n") - counter(1, nid, "get.n")
        assert p.get_ops == pytest.approx(d_n / dt(1, 2, nid))
        assert p.get_bps == pytest.approx((counter(2, nid, "get.size") - counter(1, nid, "get.size")) / dt(1, 2, nid))
        assert p.get_lat_ms == pytest.approx(counter(2, nid, "get.ns.total") / d_n / 1e6)  # 0 before
        assert p.get_n == d_n and p.put_ops == 0 and p.cold_ops == 0


def test_cold_gets_count_the_remote_backend():
    perfs = between(2, 3)
    assert sum(round(p.cold_ops * p.interval_s) for p in perfs.values()) == 40
    for nid, p in perfs.items():
        cold = counter(3, nid, "remais.get.n")
        assert p.cold_n == cold and p.cold_ops == pytest.approx(cold / dt(2, 3, nid))
        assert p.cold_bps == pytest.approx(counter(3, nid, "remais.get.size") / dt(2, 3, nid))
        assert p.cold_lat_ms == pytest.approx(counter(3, nid, "remais.get.ns.total") / cold / 1e6)
        assert p.get_ops == pytest.approx(cold / dt(2, 3, nid))  # a cold GET is a GET too


def test_intra_cluster_streams_and_deletes():
    perfs = between(3, 4)
    assert sum(round(p.del_ops * p.interval_s) for p in perfs.values()) == 50
    rx = sum(round(p.rx_ops * p.interval_s) for p in perfs.values())
    tx = sum(round(p.tx_ops * p.interval_s) for p in perfs.values())
    assert rx == tx > 0  # what one target sent, the other received
    for nid, p in perfs.items():
        assert p.rx_bps == pytest.approx(counter(4, nid, "stream.in.size") / dt(3, 4, nid))
        assert p.tx_bps == pytest.approx(counter(4, nid, "stream.out.size") / dt(3, 4, nid))
        assert (p.rx_n, p.tx_n) == (counter(4, nid, "stream.in.n"), counter(4, nid, "stream.out.n"))


def test_first_snapshot_has_counts_and_no_rates():
    perfs = perf_table({}, statuses(2))
    for nid, p in perfs.items():
        assert not p.measured and p.interval_s == 0
        assert p.get_n == counter(2, nid, "get.n") and p.put_n == counter(2, nid, "put.n")
        assert p.get_ops == p.put_ops == p.get_bps == p.err_ops == 0 and p.get_lat_ms == 0


def test_same_instant_and_restart_give_zero_not_negative():
    s = statuses(2)
    assert all(not p.measured and p.get_ops == 0 for p in perf_table(s, s).values())
    restarted = {nid: _with(st, taken_ns=s[nid].taken_ns + 10**9) for nid, st in statuses(0).items()}
    for p in perf_table(s, restarted).values():  # counters went back (a restarted node): no negative rate
        assert p.measured and p.get_ops == 0 and p.put_ops == 0 and p.put_bps == 0 and p.put_lat_ms == 0


def test_different_nodes_is_an_error():
    a, b = list(statuses(0).values())
    with pytest.raises(ValueError, match="different nodes"):
        node_perf(a, b)


def test_proxies_and_unreachable_nodes_are_skipped():
    s = statuses(1)
    nid = next(iter(s))
    proxy = _with(s[nid], role="proxy")
    after: dict[str, object] = {nid: proxy, "x": RuntimeError("down")}
    assert perf_table(statuses(0), after) == {}


def test_error_counters_by_kind_and_append():
    a = statuses(1)
    nid = next(iter(a))
    st = a[nid]
    extra = {"err.get.n": 3, "err.io.put.n": 1, "err.put.cksum.n": 2, "append.n": 10, "append.ns": 50_000_000}
    before = _with(st, counters={**st.counters, "err.get.n": 1})
    after = _with(st, counters={**st.counters, **extra}, taken_ns=st.taken_ns + 2 * 10**9)
    p = node_perf(before, after)
    assert [(e.kind, e.total, e.rate) for e in p.errors] == [("get", 3, 1.0), ("io.put", 1, 0.5),
                                                             ("put.cksum", 2, 1.0)]
    assert p.err_n == 6 and p.err_ops == pytest.approx(2.5)
    assert p.append_ops == pytest.approx(5.0) and p.append_lat_ms == pytest.approx(5.0) and p.append_n == 10


def test_sorts():
    base = next(iter(between(1, 2).values()))
    slow = _perf(base, "slow", get_lat_ms=90.0)
    failing = _perf(base, "failing", err_ops=0.5)
    busy = _perf(base, "busy", get_ops=base.get_ops * 10, get_bps=1e9)
    ps = [busy, slow, failing, base]
    assert [p.daemon_id for p in sort_nodes(ps)][:2] == ["failing", "slow"]  # worst first
    assert sort_nodes(ps, "get")[0].daemon_id == "busy"
    assert sort_nodes(ps, "latency")[0].daemon_id == "slow"
    assert [p.daemon_id for p in sort_nodes(ps, "node")] == sorted(p.daemon_id for p in ps)
    for by in SORTS:
        assert len(sort_nodes(ps, by)) == 4
    with pytest.raises(ValueError, match="unknown sort"):
        sort_nodes(ps, "nope")


def test_history_keeps_measured_refreshes():
    h = PerfHistory(keep=3)
    h.add(perf_table({}, statuses(0)), 0)  # unmeasured: nothing kept
    assert h.points(next(iter(SNAPS[0]["nodes"]))) == []
    for i in range(1, 5):
        h.add(between(i - 1, i), i * 10**9)
    nid = next(iter(SNAPS[0]["nodes"]))
    pts = h.points(nid)
    assert [p.t_s for p in pts] == [2.0, 3.0, 4.0]  # the last 3, in seconds since the first add
    assert h.recent(nid, "get_ops", 2) == [pts[1].get_ops, pts[2].get_ops]
    h.prune([])
    assert h.points(nid) == []


def _with(st: NodeStatus, **kw) -> NodeStatus:
    import dataclasses

    return dataclasses.replace(st, **kw)


def _perf(p: NodePerf, nid: str, **kw) -> NodePerf:
    import dataclasses

    return dataclasses.replace(p, daemon_id=nid, **kw)
