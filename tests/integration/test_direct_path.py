"""The direct-to-target data path (``core/datapath.py``) on a dedicated real cluster (1 proxy + 3
targets): object GET and HEAD go straight to the target HRW picks; every object lands where the
proxy puts it; a stale cluster map (a target put into maintenance mid-run, a target that left)
falls back to the proxy for the request that hit it and re-reads the map; nothing is lost.
The tests run in file order: the last one puts a target into maintenance and then kills it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.errors import ObjectNotFound
from aistui.core.hrw import MAINT_OR_DECOMM, target_of
from aistui.core.transfer import download, upload
from tests.util import dedicated_cluster, unique

N = 150


@pytest.fixture(scope="module")
def direct_cluster(tmp_path_factory):
    with dedicated_cluster(tmp_path_factory.mktemp("direct"), "direct path", ntargets=3, name="direct") as c:
        yield c


def _tid(location: str) -> str:
    """The target id of an ``Ais-Location`` (``t[<id>]:mp[...]``)."""
    return location[location.index("[") + 1:location.index("]")]


def _names(n: int) -> dict[str, bytes]:
    return {f"d{i % 7}/ö {i}?#%.bin": os.urandom(100 + i) for i in range(n)}


async def _gather(n: int, coros) -> list:
    sem = asyncio.Semaphore(n)

    async def one(c):
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


async def test_reads_go_to_the_target_and_objects_land_where_the_proxy_puts_them(direct_cluster):
    ep = direct_cluster.endpoint
    async with AISClient(ep) as c, AISClient(ConnectionSettings(endpoint=ep, via_proxy=True)) as p:
        assert c.datapath is not None and p.datapath is not None
        assert c.datapath.direct and not p.datapath.direct and "via_proxy" in p.datapath.direct_off
        b = Bck(unique("direct"))
        await c.buckets.create(b)
        bodies = _names(N)
        await _gather(16, (c.objects.put(b, n, d) for n, d in bodies.items()))

        # through the proxy: where each object is, and its bytes; by HRW on a map fetched now
        smap = await p.cluster.smap()
        props = await _gather(16, (p.objects.head(b, n) for n in bodies))
        where = {n: _tid(pr.location) for n, pr in zip(bodies, props, strict=True)}
        assert where == {n: target_of(smap, b, n).daemon_id for n in bodies}
        assert len(set(where.values())) == 3
        assert await _gather(16, (p.objects.get(b, n) for n in bodies)) == list(bodies.values())
        assert p.datapath.direct_hits == 0 and p.objects.locator.table is None  # never looked at the map

        # the same reads straight from the targets: every one answered there, none fell back
        assert await _gather(16, (c.objects.get(b, n) for n in bodies)) == list(bodies.values())
        props = await _gather(16, (c.objects.head(b, n) for n in bodies))
        assert {n: _tid(pr.location) for n, pr in zip(bodies, props, strict=True)} == where
        assert c.datapath.direct_hits == 2 * N and c.datapath.fallbacks == 0
        name = next(iter(bodies))
        assert await c.objects.get(b, name, byte_range=(3, 9)) == bodies[name][3:10]

        # a missing object: the target's 404 is checked with the proxy (one fallback), then raised
        with pytest.raises(ObjectNotFound):
            await c.objects.get(b, "no/such object")
        assert not await c.objects.exists(b, "no/such object")
        assert c.datapath.fallbacks == 2
        with pytest.raises(ObjectNotFound):  # a missing bucket too, named by the proxy's answer
            await c.objects.head(Bck(unique("nob")), "x")


def test_a_token_or_the_switch_keeps_every_request_on_the_proxy(direct_cluster):
    """With a token the cluster mediates access (a v1.5.0 target refuses direct access under
    AuthN) and the token must never reach a target: GET and HEAD go through the proxy."""
    tok = AISClient(ConnectionSettings(endpoint=direct_cluster.endpoint, token="not-sent-to-targets"))
    assert tok.datapath is not None and not tok.datapath.direct and "token" in tok.datapath.direct_off


async def test_targets_this_client_cannot_reach_are_skipped_then_the_direct_path_turns_off(direct_cluster):
    """A target whose public address is not routable from the client (a k8s pod network): its
    requests go through the proxy, it is skipped for a while, and after a few misses in a row
    the client stops trying targets directly. The map's target URLs are replaced by a closed port
    (HRW keeps the same ids); the proxy and the real targets serve every request."""
    async with AISClient(direct_cluster.endpoint) as c:
        b = Bck(unique("unr"))
        await c.buckets.create(b)
        await c.objects.put(b, "a", b"bytes")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{s.getsockname()[1]}"
        real = await c.cluster.smap()
        loc = c.objects.locator
        loc.max_age = loc.min_interval = 3600.0
        loc.use(replace(real, targets=tuple(replace(t, public_url=closed) for t in real.targets)))
        assert await c.objects.get(b, "a") == b"bytes"
        assert c.datapath.unreachable == {closed} and c.datapath.direct and c.datapath.fallbacks == 1
        assert await c.objects.get(b, "a") == b"bytes"
        assert c.datapath.fallbacks == 1  # skipped without trying: straight to the proxy
        c.datapath.DOWN_FOR = 0.0  # every request tries again, and misses
        for _ in range(2):
            assert (await c.objects.head(b, "a")).size == 5
        assert not c.datapath.direct and "not reachable 3 times" in c.datapath.direct_off
        assert await c.objects.get(b, "a") == b"bytes"


async def test_a_target_into_maintenance_mid_run_then_gone_loses_nothing(direct_cluster, tmp_path):
    ep = direct_cluster.endpoint
    src = tmp_path / "src"
    src.mkdir()
    items: list[tuple[Path, str]] = []
    for i in range(600):
        f = src / f"f{i:04d}.bin"
        f.write_bytes(os.urandom(1000 + i))
        items.append((f, f"m/{f.name}"))
    async with AISClient(ep) as c, AISClient(ConnectionSettings(endpoint=ep, via_proxy=True)) as p, \
            AISClient(ep) as stale:
        b = Bck(unique("maint"))
        await c.buckets.create(b)
        res = await upload(c, b, items[:300], concurrency=16)
        assert res.failed == {}
        before = await c.cluster.smap()
        stale.objects.locator.max_age = 3600.0  # this client keeps the map of before, unless told
        await stale.objects.locate(b, "x")
        assert stale.objects.locator.version == before.version

        # the busiest target goes into maintenance while the second half uploads and the first
        # half downloads over the direct path
        counts: dict[str, int] = {}
        for _, n in items[:300]:
            t = target_of(before, b, n).daemon_id
            counts[t] = counts.get(t, 0) + 1
        victim = max(counts, key=lambda k: counts[k])
        started: dict[str, asyncio.Task] = {}

        def on_progress(pr) -> None:
            if "maint" not in started and pr.files_done >= 60:
                started["maint"] = asyncio.ensure_future(c.cluster.start_maintenance(victim))

        up, down = await asyncio.gather(
            upload(c, b, items[300:], concurrency=16, on_progress=on_progress, retry_window=120),
            download(c, b, [n for _, n in items[:300]], tmp_path / "out", concurrency=16, retry_window=120))
        assert "maint" in started, "maintenance never started mid-run"
        rebalance = await started["maint"]
        assert up.failed == {} and down.failed == {}
        for f, n in items[:300]:
            assert (tmp_path / "out" / n).read_bytes() == f.read_bytes()
        for _ in range(400):
            after = await c.cluster.smap()
            node = after.node(victim)
            if after.version != before.version and node is not None and node.flags & MAINT_OR_DECOMM:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the Smap never showed the target in maintenance")

        # nothing lost: every object's bytes through the proxy, while the cluster rebalances
        # (a target that does not hold an object yet gets it from the others for a GET)
        got = await _gather(16, (p.objects.get(b, n) for _, n in items))
        assert [n for (f, n), data in zip(items, got, strict=True) if data != f.read_bytes()] == []
        assert rebalance  # the maintenance started a rebalance (not waited for: the kill below
        # only reads objects written after the map changed)

        # new objects go where the new map says; the stale client's PUT redirects disagree with
        # its map for those HRW moved off the victim, which marks that map stale
        fresh = {f"new/{i}": os.urandom(500 + i) for i in range(120)}
        moved = [n for n in fresh if target_of(before, b, n).daemon_id == victim]
        assert moved
        stale.objects.locator.min_interval = 3600.0  # hold the old map for the reads below
        await _gather(16, (stale.objects.put(b, n, d) for n, d in fresh.items()))
        assert stale.objects.locator.version == before.version and stale.objects.locator.marked_stale
        # the stale client reads them all, the moved ones from the victim per its old map: the
        # victim answers 404 (then the read goes through the proxy) or, while the rebalance
        # runs, gets the object from its new owner; the bytes are right either way
        assert await _gather(16, (stale.objects.get(b, n) for n in fresh)) == list(fresh.values())

        # the victim leaves for good (killed): a client still holding the map where it was the
        # owner reaches it no more, falls back to the proxy and re-reads the map
        direct_cluster.kill_node(direct_cluster.node(victim), signal.SIGKILL)
        stale.objects.locator.use(before)  # the map where the victim owned them, as if just fetched
        stale.objects.locator.min_interval = 0.0
        stale.datapath.fallbacks = 0
        got = [await stale.objects.get(b, n) for n in moved]
        assert got == [fresh[n] for n in moved]
        assert stale.datapath.fallbacks >= 1
        assert stale.objects.locator.version != before.version  # re-read after the failure
        gone = before.node(victim)
        assert gone is not None and gone.public_url in stale.datapath.unreachable  # skipped for a while
        assert stale.datapath.direct  # one miss does not turn the direct path off
