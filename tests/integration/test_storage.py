"""Storage on a dedicated cluster (2 targets x 2 mountpaths): what ``client.storage`` reads matches
the targets' own answers, and disable / enable / detach / attach change a mountpath's state, each
returning the resilver job it started, logged with its ``ais storage mountpath`` command."""

from __future__ import annotations

import asyncio

import pytest

from aistui.core import ConnectionSettings
from aistui.core.client import AISClient
from aistui.core.errors import InvalidInput, NotFound
from aistui.session import Session
from aistui.spell.admin import mountpath_action
from tests.util import dedicated_cluster


@pytest.fixture(scope="module")
def mp_cluster(tmp_path_factory):
    with dedicated_cluster(tmp_path_factory.mktemp("storage"), "storage", ntargets=2, mountpaths=2,
                           name="stor") as c:
        yield c


async def _state(client: AISClient, tid: str, path: str) -> str:
    m = (await client.storage.snapshot()).find(tid, path)
    assert m is not None, f"{path} of {tid} not shown"
    return m.state


async def _until_state(client: AISClient, tid: str, path: str, state: str, tries: int = 100) -> None:
    """The resilver that follows a disable or detach ends on its own; the state changes then."""
    for _ in range(tries):
        if await _state(client, tid, path) == state:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{path} of {tid} never became {state}: {await _state(client, tid, path)}")


async def test_snapshot_matches_the_targets(mp_cluster):
    async with AISClient(mp_cluster.endpoint) as client:
        snap = await client.storage.snapshot()
        tids = sorted(t.daemon_id for t in mp_cluster.targets)
        assert [t.target for t in snap.targets] == tids
        cfg = await client.cluster.config()
        wm = snap.watermarks
        assert (wm.cleanup, wm.low, wm.high, wm.oos) == (cfg["space"]["cleanupwm"], cfg["space"]["lowwm"],
                                                        cfg["space"]["highwm"], cfg["space"]["out_of_space"])
        for t in snap.targets:
            assert len(t.mountpaths) == 2 and all(m.state == "available" for m in t.mountpaths)
            assert t.disks, "no disk stats"
            for m in t.mountpaths:
                assert m.fs and m.fs_type and m.disks and set(m.disks) <= set(t.disks)
                assert m.used > 0 and m.avail > 0 and 0 < m.pct_used <= 100
            # the totals as the target itself computes them (node_status capacity: each
            # filesystem once)
            st = await client.cluster.node_status(t.target)
            assert t.pct_max == round(st.pct_used) or abs(t.pct_max - st.pct_used) <= 1
            assert abs(t.used - st.used) <= max(1 << 26, st.used // 100)  # the disk is shared: others write
        assert 0 < snap.pct_used < 100
        assert snap.used == sum(t.used for t in snap.targets)


async def test_disable_enable_detach_attach(mp_cluster):
    session = Session(ConnectionSettings(endpoint=mp_cluster.endpoint))
    try:
        client = session.client
        snap = await client.storage.snapshot()
        tid = snap.targets[0].target
        path = snap.targets[0].mountpaths[-1].path

        ids = await session.start("disable mountpath", client.storage.disable(tid, path),
                                  mountpath_action("disable", tid, path))
        assert ids, "disable started no resilver"
        assert all(j.kind == "resilver" for j in await client.jobs.list(job_id=ids[0]))
        await _until_state(client, tid, path, "disabled")
        snap = await client.storage.snapshot()
        assert any(a.mountpath == path and "disabled" in a.text for a in snap.alerts)
        assert snap.find(tid, path) is not None and snap.find(tid, path).used == 0  # no capacity shown

        ids = await session.start("enable mountpath", client.storage.enable(tid, path),
                                  mountpath_action("enable", tid, path))
        assert ids
        await _until_state(client, tid, path, "available")
        assert not [a for a in (await client.storage.snapshot()).alerts if a.mountpath == path]

        await client.storage.detach(tid, path)
        await _until_state(client, tid, path, "detached")
        await client.storage.attach(tid, path)
        await _until_state(client, tid, path, "available")

        entries = session.cmdlog.newest_first()
        assert [e.cli for e in entries[:2]] == [f"ais storage mountpath enable {tid}={path}",
                                                f"ais storage mountpath disable {tid}={path}"]
        assert all(e.ok and e.result.startswith("job ") for e in entries[:2])
    finally:
        await session.aclose()


async def test_bad_input(mp_cluster):
    async with AISClient(mp_cluster.endpoint) as client:
        tid = mp_cluster.targets[0].daemon_id
        with pytest.raises(NotFound):
            await client.storage.enable(tid, "/no/such/mountpath")
        with pytest.raises(InvalidInput):
            await client.storage.disable(tid, "relative/path")
        with pytest.raises(InvalidInput):
            await client.storage.disable("", "/x")
        # nothing changed
        assert all(m.state == "available" for m in (await client.storage.snapshot()).mountpaths)
