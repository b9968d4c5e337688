"""Jobs and transfers against the real local cluster."""

from __future__ import annotations

import os
from pathlib import Path

from aistui.core import AISClient, Bck
from aistui.core.transfer import download, plan_upload, upload
from tests.util import unique


async def test_jobs_list_merges_targets_and_filters(client: AISClient, bucket: Bck):
    for i in range(30):
        await client.objects.put(bucket, f"j/{i}", b"q" * 10)
    dst = Bck.parse(f"ais://{unique('jobs')}")
    try:
        [xid] = await client.buckets.copy(bucket, dst)
        job = await client.jobs.wait(xid)
        assert job.id == xid and job.state == "finished" and not job.running
        assert job.objects == 30 and job.bytes == 300
        assert len(job.nodes) == 2  # one snap per target, merged
        assert job.src_bck and job.src_bck.name == bucket.name
        assert job.dst_bck and job.dst_bck.name == dst.name
        assert job.start is not None and job.end is not None and job.end >= job.start
        by_kind = await client.jobs.list(kind="copy-bck")
        assert xid in {j.id for j in by_kind} and all(j.kind == "copy-bck" for j in by_kind)
        by_display = await client.jobs.list(kind="copy-bucket")
        assert xid in {j.id for j in by_display}
        assert await client.jobs.get("no-such-job") is None
    finally:
        await client.buckets.destroy(dst, missing_ok=True)


async def test_abort_a_running_copy(client: AISClient, bucket: Bck, tmp_path: Path):
    src = tmp_path / "many"
    src.mkdir()
    for i in range(1500):
        (src / f"{i:05}").write_bytes(b"a" * 512)
    res = await upload(client, bucket, plan_upload([src]), concurrency=32)
    assert res.ok
    dst = Bck.parse(f"ais://{unique('abort')}")
    try:
        [xid] = await client.buckets.copy(bucket, dst, num_workers=-1)
        await client.jobs.abort(xid)
        job = await client.jobs.wait(xid, timeout=60)
        assert job.state == "aborted", (job.state, job.objects)
        assert job.objects < 1500
    finally:
        await client.buckets.destroy(dst, missing_ok=True)


async def test_upload_directory_and_download_it_back(client: AISClient, bucket: Bck, tmp_path: Path):
    src = tmp_path / "imgs"
    (src / "cat").mkdir(parents=True)
    (src / "dog").mkdir()
    files = {}
    for i in range(20):
        p = src / ("cat" if i % 2 else "dog") / f"{i}.bin"
        p.write_bytes(os.urandom(1000 + i))
        files[p] = p.read_bytes()
    events = []
    res = await upload(client, bucket, plan_upload([src], prefix="data/"),
                       on_progress=lambda p: events.append(p.bytes_done))
    assert res.ok and len(res.done) == 20
    assert res.progress.bytes_done == res.progress.bytes_total == sum(len(v) for v in files.values())
    assert events and events[-1] == res.progress.bytes_total
    out = tmp_path / "out"
    back = await download(client, bucket, None, out, prefix="data/", strip_prefix="data/")
    assert back.ok and len(back.done) == 20
    for p, data in files.items():
        assert (out / "imgs" / p.relative_to(src)).read_bytes() == data
    assert not list(out.rglob("*.part"))


async def test_download_reports_missing_objects_and_leaves_no_partial_file(client: AISClient, bucket: Bck,
                                                                           tmp_path: Path):
    await client.objects.put(bucket, "ok.bin", b"fine")
    res = await download(client, bucket, ["ok.bin", "missing.bin"], tmp_path)
    assert res.done == ["ok.bin"]
    assert "missing.bin" in res.failed and "does not exist" in res.failed["missing.bin"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.bin"]
