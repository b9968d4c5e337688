"""get-batch (``client.batch.iter_batch``, ``GET /v1/ml/moss``) against the real v1.5.0 cluster:
many objects in one request, shard members by archpath, per-entry errors, hostile names."""

from __future__ import annotations

import asyncio
import io
import random
import tarfile

import pytest

from aistui.core import AISClient, Bck
from aistui.core.batch import BatchEntry, BatchItem
from aistui.core.errors import BucketNotFound, InvalidInput, ObjectNotFound, ProtocolError
from tests.util import unique


async def collect(client: AISClient, bck: Bck | None, entries: list[str | BatchEntry], **kw: object) -> list[BatchItem]:
    return [item async for item in client.batch.iter_batch(bck, entries, **kw)]  # type: ignore[arg-type]


async def put_all(client: AISClient, bck: Bck, objs: dict[str, bytes]) -> None:
    sem = asyncio.Semaphore(16)

    async def put(name: str, data: bytes) -> None:
        async with sem:
            await client.objects.put(bck, name, data)

    await asyncio.gather(*(put(n, d) for n, d in objs.items()))


def make_shard(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize("streaming", [True, False])
async def test_many_small_objects_in_one_request_in_order(client: AISClient, bucket: Bck, streaming: bool):
    rng = random.Random(7)
    objs = {f"d{i % 7}/obj-{i:04d}": rng.randbytes(rng.choice([0, 1, 511, 512, 513, 4096, 10_000]))
            for i in range(300)}
    await put_all(client, bucket, objs)
    order = list(objs)
    rng.shuffle(order)
    items = await collect(client, bucket, list(order), streaming=streaming)
    assert [i.name for i in items] == order
    assert all(i.ok and i.error is None for i in items)
    assert [i.data for i in items] == [objs[n] for n in order]
    assert {i.bck for i in items} == {bucket}


async def test_shard_members_by_archpath(client: AISClient, bucket: Bck):
    members = {"img/0001.jpg": b"\xff\xd8" + bytes(range(256)) * 40, "img/0001.cls": b"7",
               "meta/empty": b"", "deep/a/b/c.txt": b"c" * 1025}
    await client.objects.put(bucket, "shards/s-0.tar", make_shard(members))
    await client.objects.put(bucket, "plain", b"plain bytes")
    entries: list[str | BatchEntry] = [BatchEntry("shards/s-0.tar", archpath=p) for p in reversed(members)]
    entries.insert(2, "plain")
    entries.append(BatchEntry("shards/s-0.tar", archpath="img/0001.jpg", start=2, length=10))
    entries.append(BatchEntry("plain", start=6, length=-1))
    for streaming in (True, False):
        for onob in (False, True):
            items = await collect(client, bucket, entries, streaming=streaming, only_obj_name=onob)
            want = [members[p] for p in reversed(members)]
            want.insert(2, b"plain bytes")
            want += [members["img/0001.jpg"][2:12], b"bytes"]
            assert [i.data for i in items] == want
            assert [(i.name, i.archpath) for i in items][:2] == [("shards/s-0.tar", "deep/a/b/c.txt"),
                                                                  ("shards/s-0.tar", "meta/empty")]


async def test_the_shard_as_gzip_output(client: AISClient, bucket: Bck):
    await put_all(client, bucket, {"a": b"alpha", "b": b"beta" * 5000})
    items = await collect(client, bucket, ["b", "a"], output_format=".tgz")
    assert [i.data for i in items] == [b"beta" * 5000, b"alpha"]
    with pytest.raises(InvalidInput, match="not decoded"):
        await collect(client, bucket, ["a"], output_format="zip")


async def test_a_missing_object_is_that_entrys_error(client: AISClient, bucket: Bck):
    objs = {f"o{i}": f"data {i}".encode() for i in range(8)}
    await put_all(client, bucket, objs)
    await client.objects.put(bucket, "shard.tar", make_shard({"in/x": b"x"}))
    entries: list[str | BatchEntry] = ["o0", "nope-1", "o1", "o2", "nope-2", "o3",
                                       BatchEntry("shard.tar", archpath="in/missing"),
                                       BatchEntry("shard.tar", archpath="in/x"), "o7"]
    for streaming in (True, False):
        items = await collect(client, bucket, entries, streaming=streaming)
        assert [i.ok for i in items] == [True, False, True, True, False, True, False, True, True]
        assert [i.data for i in items if i.ok] == [b"data 0", b"data 1", b"data 2", b"data 3", b"x", b"data 7"]
        bad = [i for i in items if not i.ok]
        assert all(i.data is None and i.error for i in bad)
        assert [(i.name, i.archpath) for i in bad] == [("nope-1", ""), ("nope-2", ""), ("shard.tar", "in/missing")]
        if not streaming:  # the cluster's own message comes only with the metadata part
            assert "nope-1" in (bad[0].error or "") and "does not exist" in (bad[0].error or "")


async def test_without_continue_on_error_a_missing_object_fails_the_request(client: AISClient, bucket: Bck):
    # v1.5.0 fails the request only for a missing object on the assembling target, picked at
    # random per request; one held by the other target still comes back as a __404__ entry
    # (xact/xs/moss.go checks continue-on-error only on the local path). With 20 missing names
    # over 2 targets, some are local (all on the other target: 1 in 2**20).
    await put_all(client, bucket, {"o0": b"0", "o1": b"1"})
    entries: list[str | BatchEntry] = ["o0", *(f"missing-{i}" for i in range(20)), "o1"]
    with pytest.raises(ObjectNotFound, match="missing-"):
        await collect(client, bucket, entries, streaming=False, continue_on_error=False)
    got: list[BatchItem] = []
    with pytest.raises(ProtocolError, match=r"ended after \d+ of 22 entries.*streaming=False reports why"):
        async for item in client.batch.iter_batch(bucket, entries, continue_on_error=False):
            got.append(item)
    assert got[0].data == b"0" and len(got) < 22
    assert all(i.data is None and i.error for i in got[1:])


async def test_invalid_requests_are_refused_before_sending(client: AISClient, bucket: Bck):
    with pytest.raises(InvalidInput, match="at least one entry"):
        await collect(client, bucket, [])
    with pytest.raises(InvalidInput, match="no bucket"):
        await collect(client, None, ["a"])
    with pytest.raises(InvalidInput, match="bad range"):
        await collect(client, bucket, [BatchEntry("a", start=5)])
    with pytest.raises(InvalidInput):
        await collect(client, bucket, [""])
    with pytest.raises(BucketNotFound):
        await collect(client, Bck.parse(f"ais://{unique('none')}"), ["a"])


async def test_entries_across_buckets(client: AISClient, bucket: Bck):
    other = Bck.parse(f"ais://{unique()}")
    await client.buckets.create(other)
    try:
        await client.objects.put(bucket, "same", b"from the first")
        await client.objects.put(other, "same", b"from the other")
        items = await collect(client, None, [BatchEntry("same", bck=other), BatchEntry("same", bck=bucket)])
        assert [(i.bck, i.data) for i in items] == [(other, b"from the other"), (bucket, b"from the first")]
        items = await collect(client, bucket, ["same", BatchEntry("same", bck=other)], streaming=False)
        assert [(i.bck, i.data) for i in items] == [(bucket, b"from the first"), (other, b"from the other")]
    finally:
        await client.buckets.destroy(other, missing_ok=True)


async def test_hostile_names_round_trip(client: AISClient, bucket: Bck):
    names = ["with space", " lead and trail ", "Grüße/日本語のファイル", "😀" * 30, "100%", "%20%2F%zz",
             "a#frag", "q?x=1&y=2", "semi;colon", "quote\"s'", "n" * 200, "dir/" * 40 + "deep",
             "plus+sign", "back\\slash", "tilde~", "[brackets]{}"]
    objs = {n: n.encode() * 3 for n in names}
    await put_all(client, bucket, objs)
    shard = {"ü ber/ 100% #1.txt": b"member", "x" * 150: b"long member"}
    await client.objects.put(bucket, "shard #%.tar", make_shard(shard))
    entries: list[str | BatchEntry] = [*names, *(BatchEntry("shard #%.tar", archpath=p) for p in shard)]
    for streaming in (True, False):
        items = await collect(client, bucket, entries, streaming=streaming)
        assert [i.name for i in items[:len(names)]] == names
        assert [i.data for i in items] == [objs[n] for n in names] + list(shard.values())


async def test_stopping_early_leaves_the_client_usable(client: AISClient, bucket: Bck):
    objs = {f"big-{i}": bytes([i]) * 300_000 for i in range(20)}
    await put_all(client, bucket, objs)
    async for item in client.batch.iter_batch(bucket, list(objs)):
        assert item.data == objs["big-0"]
        break
    task = asyncio.ensure_future(collect(client, bucket, list(objs)))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    items = await collect(client, bucket, ["big-3", "big-1"])
    assert [i.data for i in items] == [objs["big-3"], objs["big-1"]]
