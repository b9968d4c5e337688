"""``core/hrw.py`` without a cluster: the v1.5.0 hash pieces and placement vectors.

Expected values come from the Go side, never from this module: ``xoshiro256.Hash`` from the
AIS v1.5.0 test ``cmn/xoshiro256/dummy_test.go``; the ``id_digest`` values are what a live v1.5.0
cluster served in its Smap (``Snode.IDDigest``, computed there by OneOfOne's ``Checksum64S``); the
placements are where that cluster's proxy redirected a GET (its ``Location``), with no target in
maintenance and then with ``jEJt46167`` in maintenance (flags 4).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from aistui.core import hrw
from aistui.core.hrw import HrwTable, NoTargets, id_digest, target_of, uname, xoshiro256_hash
from aistui.core.models import Bck, Namespace, Smap, Snode

SERVED = {  # daemon id -> the id_digest the cluster served
    "BLht43235": 4068401642775232587,
    "jEJt46167": 14982634448110021821,
    "rhBt40887": 2380336589299185388,
    "tXojcBkT": 10697277832601289721,  # the proxy
}

PLAIN, NS = Bck("vec"), Bck("vec", "ais", Namespace(name="ns1"))
LONG = "x" * 200
# (bucket, object, target before, target with jEJt46167 in maintenance)
PLACED = [
    (PLAIN, "a", "jEJt46167", "rhBt40887"),
    (PLAIN, "img/0001.jpg", "rhBt40887", "rhBt40887"),
    (PLAIN, "ünïcødé/日本語 with space", "BLht43235", "BLht43235"),
    (PLAIN, "d1/d2/d3/d4/d5/leaf", "jEJt46167", "BLht43235"),
    (PLAIN, "q?=&#+%20", "jEJt46167", "rhBt40887"),
    (PLAIN, "emoji-🙂.bin", "rhBt40887", "rhBt40887"),
    (PLAIN, LONG, "rhBt40887", "rhBt40887"),
    (PLAIN, "train/shard-000042.tar", "BLht43235", "BLht43235"),
    (NS, "a", "BLht43235", "BLht43235"),
    (NS, "img/0001.jpg", "BLht43235", "BLht43235"),
    (NS, "ünïcødé/日本語 with space", "rhBt40887", "rhBt40887"),
    (NS, "d1/d2/d3/d4/d5/leaf", "jEJt46167", "BLht43235"),
    (NS, "q?=&#+%20", "rhBt40887", "rhBt40887"),
    (NS, "emoji-🙂.bin", "jEJt46167", "rhBt40887"),
    (NS, LONG, "BLht43235", "BLht43235"),
    (NS, "train/shard-000042.tar", "jEJt46167", "BLht43235"),
]


def smap(*, served: bool = True, flags: dict[str, int] | None = None, version: int = 7) -> Smap:
    flags = flags or {}
    ts = tuple(Snode(i, "target", f"http://127.0.0.1:{9000 + n}", flags=flags.get(i, 0),
                     id_digest=SERVED[i] if served else 0)
               for n, i in enumerate(sorted(k for k in SERVED if k != "tXojcBkT")))
    p = Snode("tXojcBkT", "proxy", "http://127.0.0.1:8080", is_primary=True)
    return Smap(uuid="u", version=version, primary=p, proxies=(p,), targets=ts)


def test_xoshiro256_hash_matches_the_go_tests():
    assert xoshiro256_hash(4573842) == 5026071747115404967
    assert xoshiro256_hash(0) == 1905207664160064169
    assert 0 <= xoshiro256_hash((1 << 64) - 1) < 1 << 64


@pytest.mark.parametrize("daemon_id", sorted(SERVED))
def test_id_digest_is_what_the_cluster_serves(daemon_id: str):
    assert id_digest(daemon_id) == SERVED[daemon_id]


def test_uname_layout():
    assert uname(PLAIN, "a") == b"ais/@#/vec/a"
    assert uname(NS, "d/é") == "ais/@#ns1/vec/d/é".encode()
    assert uname(Bck("b", "aws"), "o") == b"aws/@#/b/o"
    assert uname(Bck("b", "ais", Namespace("Kx9", "n")), "o") == b"ais/@Kx9#n/b/o"
    assert uname(PLAIN, "a").decode() == PLAIN.uname("a")  # the same string as Bck.uname


@pytest.mark.parametrize("served", [True, False], ids=["served-digest", "computed-digest"])
@pytest.mark.parametrize(("bck", "name", "before", "after"), PLACED)
def test_placement_vectors(served: bool, bck: Bck, name: str, before: str, after: str):
    assert target_of(smap(served=served), bck, name).daemon_id == before
    assert target_of(smap(served=served, flags={"jEJt46167": 4}), bck, name).daemon_id == after


def test_decommission_is_skipped_and_other_flags_are_not():
    objs = [(b, n) for b, n, *_ in PLACED]
    base = [target_of(smap(), b, n).daemon_id for b, n in objs]
    # decommissioning (8) is skipped like maintenance (4)
    assert [target_of(smap(flags={"jEJt46167": 8}), b, n).daemon_id for b, n in objs] == [a for *_, a in PLACED]
    # non-electable (1), IC (2), maint-post-rebalance alone (16) are not
    for f in (1, 2, 16):
        assert [target_of(smap(flags={"jEJt46167": f}), b, n).daemon_id for b, n in objs] == base


def test_no_eligible_target():
    with pytest.raises(NoTargets) as e:
        target_of(smap(flags=dict.fromkeys(SERVED, 4)), PLAIN, "a")
    assert e.value.targets == 3
    empty = replace(smap(), targets=())
    with pytest.raises(NoTargets) as e:
        target_of(empty, PLAIN, "a")
    assert e.value.targets == 0


def test_table_is_built_once_per_smap():
    m = smap()
    t = hrw.table_of(m)
    assert hrw.table_of(m) is t
    assert hrw.table_of(smap()) is not t  # another map object, another table
    assert HrwTable.of(m).digests == tuple(SERVED[x.daemon_id] for x in m.targets)
    assert t.version == 7 and t.listed == 3
