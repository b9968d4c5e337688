"""Bucket calls against the real local cluster."""

from __future__ import annotations

import pytest

from aistui.core import AISClient, Bck
from aistui.core.errors import BucketNotFound, Conflict, InvalidInput
from aistui.core.models import Namespace
from tests.util import unique


async def test_create_list_head_destroy(client: AISClient):
    b = Bck.parse(f"ais://{unique('life')}")
    await client.buckets.create(b)
    assert b in await client.buckets.list()
    assert await client.buckets.exists(b)
    props = await client.buckets.head(b)
    assert props["provider"] == "ais" and "checksum" in props
    with pytest.raises(Conflict):
        await client.buckets.create(b)
    await client.buckets.create(b, exist_ok=True)
    await client.buckets.destroy(b)
    assert not await client.buckets.exists(b)
    with pytest.raises(BucketNotFound):
        await client.buckets.head(b)


async def test_invalid_names_are_refused_before_sending(client: AISClient):
    for bad in ("has space", "a..b", ".hidden", "x" * 65, "slash/x"):
        with pytest.raises(InvalidInput):
            await client.buckets.create(Bck(name=bad))


async def test_set_props_changes_versioning(client: AISClient, bucket: Bck):
    assert (await client.buckets.head(bucket))["versioning"]["enabled"] is True
    await client.buckets.set_props(bucket, {"versioning": {"enabled": False}})
    assert (await client.buckets.head(bucket))["versioning"]["enabled"] is False
    await client.buckets.reset_props(bucket)
    assert (await client.buckets.head(bucket))["versioning"]["enabled"] is True


async def test_summary_counts_objects_and_bytes(client: AISClient, bucket: Bck):
    for i in range(7):
        await client.objects.put(bucket, f"s/{i}", b"y" * 100)
    partials = [res async for res in client.buckets.summary_iter(bucket)]
    done, final = partials[-1]
    assert done
    (s,) = final
    assert s.bck.name == bucket.name
    assert s.obj_count_present == 7
    assert s.size_present == 700
    assert s.obj_min_size == s.obj_max_size == 100


async def test_copy_bucket_with_prefix_and_dry_run(client: AISClient, bucket: Bck):
    for i in range(10):
        await client.objects.put(bucket, f"{'keep' if i < 6 else 'skip'}/{i}", bytes([i]) * 10)
    dst = Bck.parse(f"ais://{unique('dst')}")
    dry = Bck.parse(f"ais://{unique('dry')}")
    try:
        job = await client.jobs.wait(await client.buckets.copy(bucket, dry, dry_run=True))
        assert job.state == "finished"
        assert not await client.buckets.exists(dry) or not await client.objects.list_all(dry)
        job = await client.jobs.wait(await client.buckets.copy(bucket, dst, prefix="keep/"))
        assert job.state == "finished" and job.kind == "copy-bck"
        names = sorted(e.name for e in await client.objects.list_all(dst))
        assert names == [f"keep/{i}" for i in range(6)]
        assert await client.objects.get(dst, "keep/3") == bytes([3]) * 10
    finally:
        await client.buckets.destroy(dst, missing_ok=True)
        await client.buckets.destroy(dry, missing_ok=True)


async def test_remote_buckets_are_listed_under_their_namespace(client: AISClient, remote_bucket: Bck):
    remote = await client.buckets.list(ns=Namespace(uuid="@"), present=False)
    assert remote_bucket.name in {b.name for b in remote}
    assert all(b.ns.is_remote for b in remote)
