"""Rename (bucket: a job; object), custom metadata, housekeeping jobs (LRU, storage cleanup),
storage validation (scrub), the per-prefix summary and the listing's extra columns, on the real
local cluster."""

from __future__ import annotations

import pytest

from aistui.core import AISClient, Bck
from aistui.core.errors import AISError, InvalidInput, NotFound, ObjectNotFound
from aistui.core.housekeeping import CLEANUP, LRU, outcome, scrub, start_cleanup, start_lru
from aistui.core.models import ENTRY_IS_CACHED
from aistui.core.objmeta import split_uri
from tests.util import unique


async def test_bucket_rename_moves_every_object(client: AISClient):
    src, dst = Bck.parse(f"ais://{unique('mv')}"), Bck.parse(f"ais://{unique('mvd')}")
    await client.buckets.create(src)
    try:
        for i in range(5):
            await client.objects.put(src, f"d/{i}", f"obj {i}".encode())
        ids = await client.buckets.rename(src, dst)
        assert len(ids) == 1
        job = await client.jobs.wait(ids, timeout=120)  # ~13 s on the local cluster: the job's own pace
        assert job.kind == "move-bck" and job.state == "finished", job
        assert sorted(e.name for e in await _all(client, dst)) == [f"d/{i}" for i in range(5)]
        assert await client.objects.get(dst, "d/3") == b"obj 3"
        assert not await client.buckets.exists(src)
    finally:
        for b in (src, dst):
            await client.buckets.destroy(b, missing_ok=True)


async def test_bucket_rename_refusals(client: AISClient, bucket: Bck, remote_bucket: Bck):
    with pytest.raises(InvalidInput, match="only ais:// buckets"):
        await client.buckets.rename(remote_bucket, Bck.parse(f"ais://{unique()}"))
    with pytest.raises(InvalidInput):
        await client.buckets.rename(bucket, Bck(name="bad name"))
    with pytest.raises(InvalidInput, match="the new name is the bucket's name"):
        await client.buckets.rename(bucket, bucket)
    other = Bck.parse(f"ais://{unique()}")
    await client.buckets.create(other)
    try:
        with pytest.raises(AISError):  # the destination exists
            await client.buckets.rename(bucket, other)
        assert await client.buckets.exists(bucket)
    finally:
        await client.buckets.destroy(other, missing_ok=True)


async def test_object_rename_and_uri(client: AISClient, bucket: Bck):
    await client.objects.put(bucket, "a/old name.txt", b"payload")
    await client.objects.rename(bucket, "a/old name.txt", "b/new name.txt")
    assert await client.objects.get(bucket, "b/new name.txt") == b"payload"
    assert not await client.objects.exists(bucket, "a/old name.txt")
    await client.objects.rename_uri(f"{bucket}/b/new name.txt", "c.txt")
    assert await client.objects.get(bucket, "c.txt") == b"payload"
    with pytest.raises(ObjectNotFound):
        await client.objects.rename(bucket, "missing", "other")
    with pytest.raises(InvalidInput):
        await client.objects.rename(bucket, "c.txt", "c.txt")
    with pytest.raises(InvalidInput, match="names no object"):
        split_uri(f"{bucket}/")
    assert split_uri("ais://@remais/b/x/y") == (Bck.parse("ais://@remais/b"), "x/y")


async def test_custom_metadata_set_update_delete(client: AISClient, bucket: Bck):
    await client.objects.put(bucket, "o", b"x")
    await client.objects.set_custom(bucket, "o", {"owner": "ml-team", "split": "train"})
    assert (await client.objects.head(bucket, "o")).custom == {"owner": "ml-team", "split": "train"}
    await client.objects.set_custom(bucket, "o", {"split": "val", "label": "cat"})
    assert (await client.objects.head(bucket, "o")).custom == {"owner": "ml-team", "split": "val", "label": "cat"}
    left = await client.objects.update_custom(bucket, "o", {"new": "1"}, ["split"])
    assert left == {"owner": "ml-team", "label": "cat", "new": "1"}
    assert (await client.objects.head(bucket, "o")).custom == left
    with pytest.raises(InvalidInput, match="no custom metadata 'nope'"):
        await client.objects.update_custom(bucket, "o", {}, ["nope"])
    assert await client.objects.update_custom(bucket, "o", {}, ["owner", "label", "new"]) == {}
    assert (await client.objects.head(bucket, "o")).custom == {}
    with pytest.raises(InvalidInput):
        await client.objects.update_custom(bucket, "o", {"a=b": "c"})
    with pytest.raises(NotFound):
        await client.objects.update_custom(bucket, "missing", {"k": "v"})


async def test_cleanup_and_lru_jobs_end_and_say_what_they_did(client: AISClient, bucket: Bck):
    for i in range(3):
        await client.objects.put(bucket, f"o{i}", b"y" * 100)
    ids = await start_cleanup(client, bucket)
    job = await client.jobs.wait(ids, timeout=120)
    assert job.kind == CLEANUP and job.state == "finished", job
    lines = dict(outcome(job))
    assert lines["removed"].endswith("B") and "files" in lines["removed"]
    # every object was looked at: visited, or skipped as written too recently (dont_cleanup_time)
    assert int(lines["objects visited"]) + int(lines.get("too fresh to touch", "0")) == 3, lines
    ids = await start_lru(client, [bucket], force=True)
    job = await client.jobs.wait(ids, timeout=120)
    assert job.kind == LRU and job.state == "finished", job
    assert dict(outcome(job))["evicted"] == "0 objects, 0B"  # far under the low watermark
    assert len(await _all(client, bucket)) == 3


async def test_scrub_counts_like_ais_scrub(client: AISClient, bucket: Bck, remote_bucket: Bck):
    await client.objects.put(bucket, "p/empty", b"")
    for i in range(4):
        await client.objects.put(bucket, f"p/{i}", b"z" * (i + 1))
    await client.objects.put(bucket, "q/other", b"w")
    reps = [r async for r in scrub(client, bucket)]
    rep = reps[-1]
    assert rep.done and rep.listed == 6
    assert rep.counts["objects"] == (6, 0 + 1 + 2 + 3 + 4 + 1)
    assert rep.counts["small"] == (1, 0)  # size <= 0, the CLI's default
    assert rep.findings() == [("SMALL", 1, 0)]
    rep = [r async for r in scrub(client, bucket, "p/")][-1]
    assert rep.counts["objects"][0] == 5
    for i in range(3):
        await client.objects.put(remote_bucket, f"r{i}", b"remote")
    await client.objects.evict_one(remote_bucket, "r0")
    rep = [r async for r in scrub(client, remote_bucket)][-1]
    assert rep.counts["objects"][0] == 3
    assert rep.counts["not_cached"] == (1, 6)
    with pytest.raises(InvalidInput):
        [r async for r in scrub(client, bucket, "a/../b")]


async def test_summary_of_a_prefix_and_listing_columns(client: AISClient, bucket: Bck):
    for i in range(3):
        await client.objects.put(bucket, f"dir/{i}", b"k" * 10)
    await client.objects.put(bucket, "elsewhere", b"k" * 1000)
    res = await client.buckets.summary(bucket, prefix="dir/")
    assert res and res[0].obj_count_present == 3 and res[0].size_present == 30
    cur = client.objects.dir_cursor(bucket, "dir/", props="name,size,atime,version,checksum,custom,location")
    entries = await cur.next_page()
    assert [e.name for e in entries] == ["dir/0", "dir/1", "dir/2"]
    e = entries[0]
    assert e.checksum and e.atime and e.version == "1" and ":" in e.location and e.flags & ENTRY_IS_CACHED
    plain = await client.objects.dir_cursor(bucket, "dir/").next_page()
    assert plain[0].checksum == "" and plain[0].location == ""


async def _all(client: AISClient, b: Bck):
    return [e async for e in client.objects.iter_entries(b)]
