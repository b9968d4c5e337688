"""Wire-shape parsing (aistui.core.models) with AIS 5.0 answers as the cluster sends them."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import httpx
import msgspec
import pytest

from aistui.core.errors import InvalidInput, ProtocolError
from aistui.core.models import (
    ENTRY_IS_CACHED,
    ENTRY_IS_DIR,
    NODE_FLAGS,
    STATE_FLAGS,
    Bck,
    BucketSummary,
    Job,
    Namespace,
    NodeRates,
    NodeStatus,
    ObjectProps,
    Smap,
    decode_flags,
    decode_lso_msgpack,
)

# ----------------------------------------------------------------------------- Bck


@pytest.mark.parametrize(
    "uri, name, provider, ns, text",
    [
        ("ais://b", "b", "ais", Namespace(), "ais://b"),
        ("s3://b", "b", "aws", Namespace(), "s3://b"),
        ("gs://b", "b", "gcp", Namespace(), "gs://b"),
        ("az://b", "b", "azure", Namespace(), "az://b"),
        ("oc://b", "b", "oci", Namespace(), "oc://b"),
        ("aws://b", "b", "aws", Namespace(), "s3://b"),
        ("b", "b", "ais", Namespace(), "ais://b"),
        ("ais://b/", "b", "ais", Namespace(), "ais://b"),
        ("  ais://b  ", "b", "ais", Namespace(), "ais://b"),
        ("AIS://b", "b", "ais", Namespace(), "ais://b"),
        ("ais://@remais/b", "b", "ais", Namespace("remais", ""), "ais://@remais/b"),
        ("ais://@uuid#ns/b", "b", "ais", Namespace("uuid", "ns"), "ais://@uuid#ns/b"),
        ("ais://@remais/b/", "b", "ais", Namespace("remais", ""), "ais://@remais/b"),
    ],
)
def test_bck_parse(uri, name, provider, ns, text):
    b = Bck.parse(uri)
    assert (b.name, b.provider, b.ns) == (name, provider, ns)
    assert str(b) == text
    assert Bck.parse(str(b)) == b  # the printed form parses back to the same bucket


@pytest.mark.parametrize(
    "uri, words",
    [
        ("http://b", "unknown provider"),
        ("hdfs://b", "unknown provider"),
        ("ais://b/o", "object path"),
        ("ais://b/dir/o.jpg", "object path"),
        ("ais://", "cannot be empty"),
        ("ais://@/b", "missing remote cluster alias"),
        ("ais://.sys", "cannot start with '.'"),
        ("ais://a b", "may use only"),
    ],
)
def test_bck_parse_rejects(uri, words):
    with pytest.raises(InvalidInput) as ei:
        Bck.parse(uri)
    assert words in str(ei.value)


def test_bck_parse_without_validation_keeps_server_names():
    assert Bck.parse("ais://.sys-bucket", validate=False).name == ".sys-bucket"


def test_bck_uname_and_query():
    g = Bck.parse("ais://b")
    assert g.uname() == "ais/@#/b/"
    assert g.uname("dir/o") == "ais/@#/b/dir/o"
    assert g.query() == {"provider": "ais"}  # no namespace parameter for the global namespace
    r = Bck.parse("ais://@remais/b")
    assert r.uname() == "ais/@remais#/b/"
    assert r.query() == {"provider": "ais", "namespace": "@remais#"}
    n = Bck.parse("ais://@uuid#ns/b")
    assert n.query()["namespace"] == "@uuid#ns"
    assert Bck.parse("s3://b").query() == {"provider": "aws"}


def test_bck_is_remote():
    assert not Bck.parse("ais://b").is_remote
    assert Bck.parse("ais://@remais/b").is_remote
    assert Bck.parse("s3://b").is_remote


def test_bck_json_round_trip():
    b = Bck.parse("ais://@uuid#ns/b")
    assert b.to_json() == {"name": "b", "provider": "ais", "namespace": {"uuid": "uuid", "name": "ns"}}
    assert Bck.from_json(b.to_json()) == b
    assert Bck.from_json({"name": "x", "provider": "", "namespace": None}) == Bck("x")


# ----------------------------------------------------------------------------- flags


def test_decode_flags():
    assert decode_flags(0, NODE_FLAGS) == []
    assert decode_flags(4 | 8, NODE_FLAGS) == ["maintenance", "decommission"]
    assert decode_flags(1 | 2, NODE_FLAGS) == ["non-electable", "ic-member"]
    assert decode_flags((1 << 1) | (1 << 2) | (1 << 21), STATE_FLAGS) == ["cluster-started", "node-started", "low-cpu"]
    assert decode_flags(1 << 8, STATE_FLAGS) == ["out-of-space"]


def test_decode_flags_unknown_bits():
    assert decode_flags(32 | 1, NODE_FLAGS) == ["non-electable", "bit5"]
    assert decode_flags(1 << 30, STATE_FLAGS) == ["bit30"]


# ----------------------------------------------------------------------------- Smap


def _snode(did: str, role: str, port: int, flags: int = 0) -> dict:
    def net(p):
        return {"node_ip_addr": "127.0.0.1", "daemon_port": str(p), "direct_url": f"http://127.0.0.1:{p}"}

    return {
        "public_net": net(port),
        "intra_control_net": net(port + 1000),
        "intra_data_net": net(port + 2000),
        "daemon_type": role,
        "daemon_id": did,
        "flags": flags,
    }


SMAP = {
    "tmap": {
        "t2": _snode("t2", "target", 8082, flags=4),
        "t1": _snode("t1", "target", 8081),
    },
    "pmap": {
        "pB": _snode("pB", "proxy", 8080),
        "pA": _snode("pA", "proxy", 8079, flags=1),
    },
    "proxy_si": _snode("pB", "proxy", 8080),
    "uuid": "kZpBdfMNH",
    "creation_time": "2025-01-01 00:00:00.0 +0000 UTC",
    "version": "17",
}


def test_smap_from_json():
    s = Smap.from_json(copy.deepcopy(SMAP))
    assert s.uuid == "kZpBdfMNH"
    assert s.version == 17  # AIS sends the version as a string
    assert s.primary.daemon_id == "pB" and s.primary.is_primary
    assert [n.daemon_id for n in s.proxies] == ["pA", "pB"]
    assert [n.daemon_id for n in s.targets] == ["t1", "t2"]
    assert [n.daemon_id for n in s.nodes] == ["pA", "pB", "t1", "t2"]
    assert [n.daemon_id for n in s.nodes if n.is_primary] == ["pB"]
    t2 = s.node("t2")
    assert t2.role == "target"
    assert t2.public_url == "http://127.0.0.1:8082"
    assert t2.intra_control_url == "http://127.0.0.1:9082"
    assert t2.in_maintenance and t2.flag_names == ["maintenance"]
    assert not s.node("t1").in_maintenance
    assert s.node("pA").flag_names == ["non-electable"]
    assert s.node("nope") is None


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("pmap"),
        lambda d: d.pop("proxy_si"),
        lambda d: d.update(pmap=["not", "a", "map"]),
        lambda d: d["tmap"]["t1"].update(public_net="oops"),
        lambda d: d["tmap"]["t1"].update(flags="many"),
        lambda d: d.update(version="v-seventeen"),
    ],
)
def test_smap_bad_shapes_are_protocol_errors(mutate):
    d = copy.deepcopy(SMAP)
    mutate(d)
    with pytest.raises(ProtocolError):
        Smap.from_json(d)


def test_smap_not_an_object():
    with pytest.raises(ProtocolError):
        Smap.from_json([1, 2])


# ----------------------------------------------------------------------------- NodeStatus

NODE_STATUS = {
    "snode": _snode("t1", "target", 8081),
    "tracker": {
        "get.n": 10,
        "get.size": 1024,
        "get.ns.total": 5_000_000,
        "put.n": 4,
        "put.size": 4096,
        "put.ns.total": 8_000_000,
        "up.ns.time": 20_000_000_000,
        "err.get.n": 1,
    },
    "capacity": {
        "mountpaths": {
            "/mp2": {"mountpath_label": "ssd", "used": "300", "avail": "700", "pct_used": 30, "disks": ["vdb"]},
            "/mp1": {"mountpath_label": "", "used": "100", "avail": "900", "pct_used": 10, "disks": ["vda"]},
        },
        "total_used": "100",
        "total_avail": "900",
        "pct_max": 10,
        "pct_avg": 10,
        "pct_min": 10,
        "cs_err": "",
        "total": "1000",
    },
    "cluster": {"flags": 6 | (1 << 21)},
    "sys_info": {
        "pct_cpu_used": 12.5,
        "cpu_util": 47,
        "mem_used": 1_000_000,
        "mem_avail": 3_000_000,
        "pct_mem_used": 25.0,
        "load_avg": {"One": 0.5, "Five": 0.25, "Fifteen": 0.1},  # recorded from a v1.5.0 node
    },
    "memory_cpu_info": {},
    "smap_version": "17",
    "deployment": "dev",
    "ais_version": "5.0.",
    "build_time": "2025-06-01T00:00:00+0000",
    "k8s_pod_name": "",
    "status": "",
    "reb_snap": None,
}


def _status(taken_ns=0, **tracker):
    d = copy.deepcopy(NODE_STATUS)
    d["tracker"].update(tracker)
    return NodeStatus.from_json(d, taken_ns)


def test_node_status_from_json():
    ns = NodeStatus.from_json(copy.deepcopy(NODE_STATUS), 123)
    assert ns.daemon_id == "t1" and ns.role == "target"
    assert ns.version == "5.0" and ns.deployment == "dev" and ns.status == ""
    assert ns.alerts == ("low-cpu",)
    assert not ns.ok
    assert ns.uptime_s == pytest.approx(20.0)
    assert ns.cpu_pct == 12.5 and ns.mem_pct == 25.0 and ns.cpu_util == 47
    assert ns.mem_used == 1_000_000 and ns.mem_avail == 3_000_000
    assert ns.load_avg == (0.5, 0.25, 0.1)
    assert (ns.used, ns.avail, ns.pct_used) == (100, 900, 10.0)
    assert [m.path for m in ns.mountpaths] == ["/mp1", "/mp2"]
    mp1 = ns.mountpaths[0]
    assert (mp1.used, mp1.avail, mp1.pct_used, mp1.disks, mp1.label) == (100, 900, 10.0, ("vda",), "")
    assert ns.counters["get.n"] == 10 and ns.counters["err.get.n"] == 1
    assert ns.taken_ns == 123


def test_node_status_ok_when_only_started_bits():
    d = copy.deepcopy(NODE_STATUS)
    d["cluster"]["flags"] = 6
    ns = NodeStatus.from_json(d)
    assert ns.ok and ns.alerts == ()


def test_node_status_not_started_is_an_alert():
    d = copy.deepcopy(NODE_STATUS)
    d["cluster"]["flags"] = 2 | (1 << 3)
    ns = NodeStatus.from_json(d)
    assert ns.alerts == ("node-not-started", "rebalancing")


def test_node_status_maintenance_and_bad_counters():
    d = copy.deepcopy(NODE_STATUS)
    d["status"] = "maintenance"
    d["tracker"]["weird"] = "not-a-number"
    ns = NodeStatus.from_json(d)
    assert ns.status == "maintenance"
    assert "weird" not in ns.counters  # skipped, not a crash


def test_node_status_bad_capacity_is_protocol_error():
    d = copy.deepcopy(NODE_STATUS)
    d["capacity"]["total_used"] = "lots"
    with pytest.raises(ProtocolError):
        NodeStatus.from_json(d)


# ----------------------------------------------------------------------------- NodeRates


def test_node_rates_between():
    a = _status(taken_ns=1_000_000_000)
    b = _status(taken_ns=3_000_000_000, **{"get.n": 30, "get.size": 1024 + 2048, "get.ns.total": 5_000_000 + 40_000_000,
                                          "put.n": 4, "err.get.n": 5})
    r = NodeRates.between(a, b)
    assert r.daemon_id == "t1"
    assert r.interval_s == pytest.approx(2.0)
    assert r.get_ops == pytest.approx(10.0)        # 20 GETs in 2 s
    assert r.get_bps == pytest.approx(1024.0)      # 2048 bytes in 2 s
    assert r.get_lat_ms == pytest.approx(2.0)      # 40 ms over 20 GETs
    assert r.put_ops == 0 and r.put_lat_ms == 0.0  # no PUTs in the interval: no latency
    assert r.errors == pytest.approx(2.0)          # 4 errors in 2 s


def test_node_rates_counter_reset_counts_zero():
    a = _status(taken_ns=0, **{"get.n": 1000, "get.size": 10**9})
    b = _status(taken_ns=1_000_000_000, **{"get.n": 5, "get.size": 100})  # node restarted
    r = NodeRates.between(a, b)
    assert r.get_ops == 0 and r.get_bps == 0 and r.get_lat_ms == 0


def test_node_rates_different_nodes():
    a = _status()
    d = copy.deepcopy(NODE_STATUS)
    d["snode"]["daemon_id"] = "t2"
    b = NodeStatus.from_json(d, 10)
    with pytest.raises(ValueError):
        NodeRates.between(a, b)


# ----------------------------------------------------------------------------- BucketSummary


def test_bucket_summary_from_json():
    d = {
        "name": "imgs",
        "provider": "ais",
        "namespace": {"uuid": "", "name": ""},
        "ObjCount": {"obj_count_present": "3", "obj_count_remote": "0"},
        "ObjSize": {"obj_min_size": 10, "obj_avg_size": 20, "obj_max_size": 30},
        "TotalSize": {"size_on_disk": "8192", "size_all_present_objs": "60", "size_all_remote_objs": "0",
                      "total_disks_size": "1000000"},
        "used_pct": 0,
        "is_present": True,
    }
    s = BucketSummary.from_json(d)
    assert s.bck == Bck("imgs")
    assert (s.obj_count_present, s.obj_count_remote) == (3, 0)
    assert (s.size_on_disk, s.size_present, s.size_remote, s.total_disks_size) == (8192, 60, 0, 1_000_000)
    assert (s.obj_min_size, s.obj_avg_size, s.obj_max_size) == (10, 20, 30)
    assert s.is_present and s.used_pct == 0.0


def test_bucket_summary_bad_number():
    with pytest.raises(ProtocolError):
        BucketSummary.from_json({"name": "b", "ObjCount": {"obj_count_present": "three"}})


# ----------------------------------------------------------------------------- jobs

ZERO = "0001-01-01T00:00:00Z"


def _snap(xid, kind="copy-bck", start="2025-06-01T10:00:00.123456789Z", end=ZERO, *, aborted=False,
          idle=False, err="", abort_err="", objs="3", size="30"):
    return {
        "id": xid,
        "kind": kind,
        "bck": {"name": "src", "provider": "ais", "namespace": {"uuid": "", "name": ""}},
        "src-bck": {"name": "src", "provider": "ais", "namespace": {"uuid": "", "name": ""}},
        "dst-bck": {"name": "dst", "provider": "ais", "namespace": {"uuid": "", "name": ""}},
        "start-time": start,
        "end-time": end,
        "aborted": aborted,
        "is_idle": idle,
        "err": err,
        "abort-err": abort_err,
        "ctlmsg": "",
        "stats": {"loc-objs": objs, "loc-bytes": size, "in-objs": "1", "in-bytes": "10",
                  "out-objs": "1", "out-bytes": "10"},
    }


def test_job_merge_running_then_finished():
    raw = {
        "t1": [_snap("x1", end="2025-06-01T10:00:05Z"), _snap("x0", start="2025-06-01T09:00:00Z",
                                                              end="2025-06-01T09:00:01Z")],
        "t2": [_snap("x1", objs="4", size="40")],  # t2 still runs x1
        "t3": None,
    }
    jobs = Job.merge(raw)
    assert [j.id for j in jobs] == ["x1", "x0"]  # newest first
    x1, x0 = jobs
    assert x1.state == "running" and x1.running
    assert x1.end is None  # one target still runs
    assert x1.objects == 7 and x1.bytes == 70  # loc-* summed, in/out not added
    assert x1.nodes == ("t1", "t2")
    assert x1.start == datetime(2025, 6, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert x1.display_kind == "copy-bucket"
    assert str(x1.src_bck) == "ais://src" and str(x1.dst_bck) == "ais://dst"
    assert x0.state == "finished" and not x0.running
    assert x0.end == datetime(2025, 6, 1, 9, 0, 1, tzinfo=UTC)


def test_job_merge_end_is_latest_when_all_done():
    raw = {"t1": [_snap("x", end="2025-06-01T10:00:05Z")], "t2": [_snap("x", end="2025-06-01T10:00:09Z")]}
    (j,) = Job.merge(raw)
    assert j.state == "finished"
    assert j.end == datetime(2025, 6, 1, 10, 0, 9, tzinfo=UTC)


def test_job_states_idle_aborted_failed():
    (idle,) = Job.merge({"t1": [_snap("i", kind="copy-listrange", idle=True)],
                         "t2": [_snap("i", kind="copy-listrange", idle=True)]})
    assert idle.state == "idle" and idle.running
    (part,) = Job.merge({"t1": [_snap("i", idle=True)], "t2": [_snap("i", idle=False)]})
    assert part.state == "running"
    (ab,) = Job.merge({"t1": [_snap("a", end="2025-06-01T10:00:05Z", aborted=True, abort_err="aborted by user")],
                       "t2": [_snap("a", end="2025-06-01T10:00:05Z")]})
    assert ab.state == "aborted" and ab.error == "aborted by user"
    (bad,) = Job.merge({"t1": [_snap("f", end="2025-06-01T10:00:05Z", err="disk on fire")]})
    assert bad.state == "failed" and bad.error == "disk on fire"


def test_job_merge_bad_shapes():
    with pytest.raises(ProtocolError):
        Job.merge({"t1": {"id": "x"}})
    with pytest.raises(ProtocolError):
        Job.merge({"t1": [_snap("x", start="yesterday")]})
    with pytest.raises(ProtocolError):
        Job.merge([])


# ----------------------------------------------------------------------------- listing (msgpack)


def test_decode_lso_msgpack():
    raw = msgspec.msgpack.encode({"UUID": "u", "ContinuationToken": "", "Entries": [{"n": "a", "s": 5, "f": 64}],
                                  "Flags": 0})
    page = decode_lso_msgpack(raw)
    assert page.uuid == "u" and page.done
    (e,) = page.entries
    assert (e.name, e.size, e.flags) == ("a", 5, ENTRY_IS_CACHED)
    assert e.is_cached and not e.is_dir


def test_decode_lso_msgpack_all_fields_and_continuation():
    raw = msgspec.msgpack.encode({
        "UUID": "u2", "ContinuationToken": "tok", "Flags": 0, "Future": [1, 2],
        "Entries": [{"n": "d/", "f": ENTRY_IS_DIR},
                    {"n": "x.jpg", "cs": "abc", "a": "2025-06-01T00:00:00Z", "v": "1", "t": "t1:/mp1",
                     "m": "k=v", "s": 123, "c": 2, "f": 64, "zz": "unknown field"}],
    })
    page = decode_lso_msgpack(raw)
    assert not page.done and page.continuation_token == "tok"
    d, x = page.entries
    assert d.is_dir and d.name == "d/"
    assert (x.checksum, x.atime, x.version, x.location, x.custom, x.size, x.copies) == \
        ("abc", "2025-06-01T00:00:00Z", "1", "t1:/mp1", "k=v", 123, 2)


def test_decode_lso_msgpack_nil_entries_is_empty_page():
    page = decode_lso_msgpack(msgspec.msgpack.encode({"UUID": "u", "ContinuationToken": "", "Entries": None}))
    assert page.entries == []


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xc1",  # a byte msgpack never uses
        b"\x85\xa4UUID",  # truncated map
        msgspec.msgpack.encode([1, 2, 3]),
        msgspec.msgpack.encode({"Entries": [{"n": 5}]}),
        msgspec.msgpack.encode({"Entries": "nope"}),
        b"<html>502 Bad Gateway</html>",
    ],
)
def test_decode_lso_msgpack_malformed(raw):
    with pytest.raises(ProtocolError) as ei:
        decode_lso_msgpack(raw)
    assert "list-objects" in str(ei.value)


# ----------------------------------------------------------------------------- ObjectProps


def test_object_props_from_headers():
    h = httpx.Headers([
        ("Ais-Size", "1234"),
        ("Content-Length", "99"),
        ("Ais-Checksum-Type", "xxhash2"),
        ("Ais-Checksum-Value", "ef46db3751d8e999"),
        ("Ais-Version", "3"),
        ("Ais-Atime", "1700000000000000000"),
        ("Ais-Custom-Md", "color=red, shape=round"),
        ("Ais-Custom-Md", "owner=alice"),
        ("Ais-Location", "t1:/mp1"),
        ("Ais-Present", "true"),
        ("Ais-Mirror-Copies", "2"),
    ])
    p = ObjectProps.from_headers("dir/o", h)
    assert p.name == "dir/o" and p.size == 1234  # Ais-Size wins over Content-Length
    assert (p.checksum_type, p.checksum, p.version) == ("xxhash2", "ef46db3751d8e999", "3")
    assert p.custom == {"color": "red", "shape": "round", "owner": "alice"}
    assert p.location == "t1:/mp1" and p.present and p.mirror_copies == 2
    assert p.atime == datetime.fromtimestamp(1_700_000_000, tz=UTC)


def test_object_props_minimal_and_not_present():
    p = ObjectProps.from_headers("o", httpx.Headers({"Content-Length": "7", "Ais-Checksum-Type": "none",
                                                    "ais-present": "false"}))
    assert p.size == 7 and p.checksum_type == "" and not p.present
    assert p.atime is None and p.custom == {}


def test_object_props_bad_size():
    with pytest.raises(ProtocolError):
        ObjectProps.from_headers("o", httpx.Headers({"Ais-Size": "big"}))
