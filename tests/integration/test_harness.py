"""The local-cluster harness itself, and the playground command built on it."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import tarfile
import time

from aistui.core import AISClient, Bck
from aistui.playground.cluster import LocalCluster
from aistui.playground.demo import build


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def _wait_gone(pids: list[int], timeout: float = 20.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p for p in pids if _alive(p)]
        if not left:
            return []
        time.sleep(0.2)
    return [p for p in pids if _alive(p)]


def test_kill_and_restart_a_target_by_pid(tmp_path):
    c = LocalCluster(tmp_path, ntargets=1, name="killme").start()
    try:
        (t,) = c.targets
        old_pid = t.pid
        c.kill_node(t, signal.SIGKILL)
        assert not t.alive and not _alive(old_pid)
        c.restart_node(t)
        assert t.alive and t.pid != old_pid

        async def roundtrip() -> bytes:
            async with AISClient(c.endpoint) as client:
                b = Bck.parse("ais://after-restart")
                await client.buckets.create(b)
                await client.objects.put(b, "o", b"back")
                return await client.objects.get(b, "o")

        assert asyncio.run(roundtrip()) == b"back"
    finally:
        pids = [n.pid for n in c.nodes if n.pid]
        c.stop()
    assert _wait_gone(pids, 5) == []


def test_no_stray_nodes_when_the_starting_process_is_killed(tmp_path):
    code = (
        "import sys; from aistui.playground.cluster import LocalCluster\n"
        f"c = LocalCluster({str(tmp_path)!r}, ntargets=1, name='orphan').start()\n"
        "print(' '.join(str(p) for p in c.pids), flush=True)\n"
        "import time; time.sleep(600)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        pids = [int(x) for x in line.split()]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
    finally:
        proc.kill()  # SIGKILL: no atexit, no finally in the child
        proc.wait()
    assert _wait_gone(pids) == [], "aisnode processes outlived the process that started them"


def _playground(tmp_path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "aistui", "playground", "--no-ui", "--no-demo-data",
                             "--targets", "1", "--dir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("AIS_ENDPOINT="):
            return proc, line.split("=", 1)[1].split()[0]
    proc.kill()
    raise AssertionError(f"the playground never printed its endpoint: {proc.communicate()[0]}")


def _stop(proc: subprocess.Popen, pids: list[int]) -> None:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "stopping the local clusters" in out
    assert _wait_gone(pids, 5) == []


def test_playground_starts_a_usable_cluster_stops_on_interrupt_and_restarts_with_its_data(tmp_path):
    kept = Bck.parse("ais://kept")
    proc, endpoint = _playground(tmp_path)
    pids: list[int] = []
    try:
        async def first() -> list[str]:
            async with AISClient(endpoint) as client:
                assert (await client.cluster.health()).ready
                await client.buckets.create(kept)
                await client.objects.put(kept, "train/0.png", b"seeded once")
                return [r.alias for r in await client.cluster.remotes()]

        assert asyncio.run(first()) == ["remais"]
        pids = [int(p.name) for p in __import__("pathlib").Path("/proc").iterdir()
                if p.name.isdigit() and _cmdline_has(p.name, str(tmp_path))]
        assert len(pids) == 4  # 2 clusters x (proxy + target)
    finally:
        _stop(proc, pids)
    # the second run restarts the same clusters: same endpoint, same data, remote still attached
    proc, endpoint2 = _playground(tmp_path)
    try:
        async def second() -> tuple[bytes, list[str]]:
            async with AISClient(endpoint2) as client:
                return (await client.objects.get(kept, "train/0.png"),
                        [r.alias for r in await client.cluster.remotes()])

        assert endpoint2 == endpoint
        assert asyncio.run(second()) == (b"seeded once", ["remais"])
        pids = [int(p.name) for p in __import__("pathlib").Path("/proc").iterdir()
                if p.name.isdigit() and _cmdline_has(p.name, str(tmp_path))]
    finally:
        _stop(proc, pids)


def _cmdline_has(pid: str, text: str) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return "aisnode" in cmd and text in cmd


async def test_demo_data_layouts_are_real_and_readable(client: AISClient):
    recipe = {"buckets": [
        {"bucket": "ais://demo-digits", "kind": "class-folders", "source": "digits", "limit": 50,
         "splits": {"train": 0.8, "val": 0.2}, "scale": 2},
        {"bucket": "ais://demo-shards", "kind": "webdataset", "source": "digits", "limit": 50, "shard_size": 20},
        {"bucket": "ais://demo-photos", "kind": "files", "source": "sample_images", "extra": {}},
    ]}
    counts = await build(client, recipe, log=lambda *_: None)
    assert counts == {"ais://demo-digits": 50, "ais://demo-shards": 3, "ais://demo-photos": 2}
    names = [e.name for e in await client.objects.list_all(Bck.parse("ais://demo-digits"))]
    assert sum(n.startswith("train/") for n in names) == 40 and sum(n.startswith("val/") for n in names) == 10
    from PIL import Image

    first = names[0]
    label = first.split("/")[1]
    img = Image.open(io.BytesIO(await client.objects.get(Bck.parse("ais://demo-digits"), first)))
    assert img.size == (16, 16) and img.mode == "L"
    assert (await client.objects.head(Bck.parse("ais://demo-digits"), first)).custom == {"label": label}
    shard = await client.objects.get(Bck.parse("ais://demo-shards"), "shard-000000.tar")
    with tarfile.open(fileobj=io.BytesIO(shard)) as tar:
        members = tar.getnames()
    assert len(members) == 40 and members[:2] == ["00000.png", "00000.cls"]
    photo = await client.objects.get(Bck.parse("ais://demo-photos"), "china.jpg")
    assert Image.open(io.BytesIO(photo)).format == "JPEG"
    for b in ("ais://demo-digits", "ais://demo-shards", "ais://demo-photos"):
        await client.buckets.destroy(Bck.parse(b))
