"""Remote-AIS buckets through the attached @remais cluster: cold GET, evict, prefetch, copy."""

from __future__ import annotations

import os

from aistui.core import AISClient, Bck
from aistui.core.models import LS_CACHED
from tests.util import unique


async def _fill(client: AISClient, b: Bck, n: int) -> dict[str, bytes]:
    data = {f"d/{i:03}": os.urandom(64) for i in range(n)}
    for k, v in data.items():
        await client.objects.put(b, k, v)
    return data


async def _cached(client: AISClient, b: Bck) -> set[str]:
    return {e.name for e in await client.objects.list_all(b, flags=LS_CACHED)}


async def test_evict_by_prefix_then_whole_bucket_keeps_the_origin(client: AISClient, remote_bucket: Bck):
    data = await _fill(client, remote_bucket, 20)
    assert await _cached(client, remote_bucket) == set(data)
    job = await client.jobs.wait(await client.objects.evict_many(remote_bucket, prefix="d/00"))
    assert job.state == "finished" and job.kind == "evict-listrange"
    assert await _cached(client, remote_bucket) == {k for k in data if not k.startswith("d/00")}
    ids = await client.buckets.evict(remote_bucket, keep_md=True)
    if ids:
        await client.jobs.wait(ids)
    assert await _cached(client, remote_bucket) == set()
    # the origin is untouched: listing the remote bucket still shows everything
    assert {e.name for e in await client.objects.list_all(remote_bucket)} == set(data)
    # and a cold GET brings an object back into the cluster
    assert await client.objects.get(remote_bucket, "d/005") == data["d/005"]
    assert await _cached(client, remote_bucket) == {"d/005"}


async def test_prefetch_by_names_and_whole_bucket(client: AISClient, remote_bucket: Bck):
    data = await _fill(client, remote_bucket, 10)
    await client.jobs.wait(await client.objects.evict_many(remote_bucket, prefix="d/"))
    assert await _cached(client, remote_bucket) == set()
    job = await client.jobs.wait(await client.objects.prefetch(remote_bucket, names=["d/001", "d/002"]))
    assert job.kind == "prefetch-listrange" and job.state == "finished"
    assert await _cached(client, remote_bucket) == {"d/001", "d/002"}
    await client.jobs.wait(await client.buckets.prefetch(remote_bucket))
    assert await _cached(client, remote_bucket) == set(data)


async def test_copy_from_remote_with_cold_gets(client: AISClient, remote_bucket: Bck):
    data = await _fill(client, remote_bucket, 15)
    await client.jobs.wait(await client.objects.evict_many(remote_bucket, prefix="d/"))
    dst = Bck.parse(f"ais://{unique('fromremote')}")
    try:
        job = await client.jobs.wait(await client.buckets.copy(remote_bucket, dst, presence=0))
        assert job.done and not job.error, job
        got = {e.name: e.size for e in await client.objects.list_all(dst)}
        assert got == {k: 64 for k in data}
        assert await client.objects.get(dst, "d/007") == data["d/007"]
    finally:
        await client.buckets.destroy(dst, missing_ok=True)


async def test_remote_summary(client: AISClient, remote_bucket: Bck):
    await _fill(client, remote_bucket, 5)
    (s,) = await client.buckets.summary(remote_bucket)
    assert s.obj_count_present == 5 and s.size_present == 5 * 64
