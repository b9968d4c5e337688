"""Faults survived, on a dedicated real cluster (1 proxy + 2 targets) that these tests may break:
a target killed during an upload and during a download, and a cluster that runs out of space.
The shared session cluster is never touched."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
from pathlib import Path

import pytest

from aistui.core import AISClient, Bck
from aistui.core.transfer import INTACT, download, upload, verify_upload
from tests.util import dedicated_cluster, unique


@pytest.fixture(scope="module")
def fault_cluster(tmp_path_factory):
    with dedicated_cluster(tmp_path_factory.mktemp("faults"), "fault", ntargets=2, name="faults") as c:
        yield c


@pytest.fixture
async def fclient(fault_cluster):
    async with AISClient(fault_cluster.endpoint) as c:
        yield c


@pytest.fixture
async def fbucket(fclient):
    b = Bck.parse(f"ais://{unique('flt')}")
    await fclient.buckets.create(b)
    yield b
    await fclient.buckets.destroy(b, missing_ok=True)


def _files(root: Path, n: int, size: int = 1500) -> list[tuple[Path, str]]:
    root.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = root / f"f{i:05d}.bin"
        p.write_bytes(os.urandom(size + i % 700))
        out.append((p, f"up/{p.name}"))
    return out


async def test_target_killed_during_a_2000_file_upload(fault_cluster, fclient, fbucket, tmp_path):
    items = _files(tmp_path / "src", 2000)
    victim = fault_cluster.targets[1]
    state: dict[str, object] = {}
    loop = asyncio.get_running_loop()

    def on_progress(p) -> None:
        # kill one target by PID a few hundred files in; bring it back once the upload has had to
        # retry for a while (the proxy keeps redirecting to the dead target meanwhile)
        if "killed" not in state and p.files_done >= 300:
            fault_cluster.kill_node(victim, signal.SIGKILL)
            state["killed"] = p.files_done
        elif "killed" in state and "restart" not in state and p.retries >= 30:
            state["restart"] = loop.run_in_executor(None, fault_cluster.restart_node, victim)

    res = await upload(fclient, fbucket, items, concurrency=16, on_progress=on_progress, retry_window=120)
    assert "restart" in state, "the target was never killed mid-upload"
    await state["restart"]
    names = [n for _, n in items]
    # every file is accounted for by name: uploaded, or failed with a reason; none vanished
    assert set(res.done) | set(res.failed) == set(names)
    assert not set(res.done) & set(res.failed)
    assert res.progress.retries >= 30  # files hit the dead target and were retried...
    assert res.failed == {}  # ...and all went through once it returned
    # final verification: HEAD size + checksum against the local files, for every object
    verdicts = await verify_upload(fclient, fbucket, items)
    bad = {n: v for n, v in verdicts.items() if v != INTACT}
    assert bad == {}
    listed = {e.name for e in await fclient.objects.list_all(fbucket)}
    assert listed == set(names)


async def test_verify_names_missing_and_corrupt_objects(fclient, fbucket, tmp_path):
    items = _files(tmp_path / "v", 4, size=100)
    await upload(fclient, fbucket, items)
    (p0, n0), (p1, n1), (p2, n2), _ = items
    await fclient.objects.delete(fbucket, n0)
    await fclient.objects.put(fbucket, n1, b"x" * p1.stat().st_size)  # same size, other bytes
    await fclient.objects.put(fbucket, n2, b"short")
    v = await verify_upload(fclient, fbucket, items)
    assert v[n0] == "failed: missing in the cluster"
    assert v[n1].startswith("failed: xxhash2 ") and "on disk" in v[n1]
    assert v[n2].startswith("failed: size 5 B in the cluster")
    assert v[items[3][1]] == INTACT


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_target_killed_during_a_download_leaves_no_partial_file(fault_cluster, fclient, fbucket, tmp_path):
    data = os.urandom(48 * 1024 * 1024)
    await fclient.objects.put(fbucket, "big/blob.bin", data)
    await fclient.objects.put(fbucket, "big/small.txt", b"small")
    loc = (await fclient.objects.head(fbucket, "big/blob.bin")).location  # "t[<id>]:mp[...]"
    victim = fault_cluster.node(loc[loc.index("[") + 1:loc.index("]")])
    dest = tmp_path / "out"
    state: dict[str, bool] = {}

    def on_progress(p) -> None:
        if not state and p.bytes_done >= 1024 * 1024:
            fault_cluster.kill_node(victim, signal.SIGKILL)
            state["killed"] = True

    res = await download(fclient, fbucket, ["big/blob.bin"], dest, strip_prefix="big/", on_progress=on_progress)
    assert state, "the target was never killed mid-download"
    assert list(res.failed) == ["big/blob.bin"] and res.done == []
    assert list(dest.rglob("*")) == []  # no partial file, no temporary file
    await asyncio.get_running_loop().run_in_executor(None, fault_cluster.restart_node, victim)
    res = await download(fclient, fbucket, None, dest, prefix="big/", strip_prefix="big/")
    assert res.failed == {} and sorted(res.done) == ["big/blob.bin", "big/small.txt"]
    assert _digest((dest / "blob.bin").read_bytes()) == _digest(data)
    assert sorted(p.name for p in dest.iterdir()) == ["blob.bin", "small.txt"]


async def test_out_of_space_stops_the_upload_and_keeps_what_was_written(fault_cluster, fclient, fbucket, tmp_path):
    first = _files(tmp_path / "a", 20, size=2000)
    res = await upload(fclient, fbucket, first)
    assert res.failed == {}
    # AIS refuses PUTs (507) once used capacity passes space.out_of_space; the harness cluster's
    # mountpaths share the machine's disk, so a 1% threshold makes it "full" without filling it.
    fault_cluster.set_config(**{"space.cleanupwm": "1", "space.lowwm": "1", "space.highwm": "1",
                                "space.out_of_space": "1"})
    try:
        more = [(p, "more/" + n) for p, n in _files(tmp_path / "b", 40, size=2000)]
        res = await upload(fclient, fbucket, more, concurrency=4, retry_window=5)
        assert "out of space" in res.stopped and "507" in res.stopped
        assert res.done == [] and set(res.failed) == {n for _, n in more}
        refused = [n for n, why in res.failed.items() if "out of space" in why and not why.startswith("not sent")]
        not_sent = [n for n, why in res.failed.items() if why.startswith("not sent: upload stopped: out of space")]
        assert 1 <= len(refused) <= 4  # only the files in flight reached the cluster
        assert len(refused) + len(not_sent) == len(more)
    finally:
        fault_cluster.set_config(**{"space.out_of_space": "95", "space.highwm": "90", "space.lowwm": "75",
                                    "space.cleanupwm": "65"})
    verdicts = await verify_upload(fclient, fbucket, first)
    assert set(verdicts.values()) == {INTACT}
    assert {e.name for e in await fclient.objects.list_all(fbucket)} == {n for _, n in first}
    assert await fclient.objects.get(fbucket, first[0][1]) == first[0][0].read_bytes()
