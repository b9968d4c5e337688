"""Object calls against the real local cluster."""

from __future__ import annotations

import os
import re

import pytest

from aistui.core import AISClient, Bck
from aistui.core.errors import InvalidInput, ObjectNotFound
from aistui.core.models import ENTRY_IS_DIR
from tests.util import unique


async def test_put_head_get_with_custom_metadata(client: AISClient, bucket: Bck):
    data = os.urandom(3000)
    await client.objects.put(bucket, "dir/a.bin", data, custom={"label": "cat", "split": "train"})
    props = await client.objects.head(bucket, "dir/a.bin")
    assert props.size == 3000
    assert props.custom == {"label": "cat", "split": "train"}
    assert props.checksum_type == "xxhash2" and len(props.checksum) == 16
    assert props.version == "1" and props.atime is not None
    assert props.location.startswith("t[")
    assert await client.objects.get(bucket, "dir/a.bin") == data
    assert await client.objects.get(bucket, "dir/a.bin", validate_checksum=True) == data


async def test_range_reads_and_capped_reads(client: AISClient, bucket: Bck):
    data = bytes(range(256)) * 4
    await client.objects.put(bucket, "r", data)
    assert await client.objects.get(bucket, "r", byte_range=(10, 19)) == data[10:20]
    assert await client.objects.get(bucket, "r", byte_range=(1000, None)) == data[1000:]
    assert await client.objects.get(bucket, "r", max_bytes=5) == data[:5]


async def test_missing_object_is_a_typed_error(client: AISClient, bucket: Bck):
    with pytest.raises(ObjectNotFound):
        await client.objects.head(bucket, "nope")
    with pytest.raises(ObjectNotFound):
        await client.objects.get(bucket, "nope")
    with pytest.raises(ObjectNotFound):
        await client.objects.delete(bucket, "nope")
    await client.objects.delete(bucket, "nope", missing_ok=True)


async def test_listing_pages_with_continuation(client: AISClient, bucket: Bck):
    names = [f"p/{i:04}" for i in range(25)]
    for n in names:
        await client.objects.put(bucket, n, b"1")
    pages = [p async for p in client.objects.iter_pages(bucket, page_size=10)]
    assert [len(p.entries) for p in pages] == [10, 10, 5]
    assert pages[-1].done and not pages[0].done
    assert [e.name for p in pages for e in p.entries] == names
    assert all(e.size == 1 for p in pages for e in p.entries)


async def test_virtual_directories_and_prefix(client: AISClient, bucket: Bck):
    for n in ("train/cat/1.jpg", "train/dog/2.jpg", "val/cat/3.jpg", "top.txt"):
        await client.objects.put(bucket, n, b"z")
    top = await client.objects.list_all(bucket, non_recursive=True)
    assert {(e.name, e.is_dir) for e in top} == {("train/", True), ("val/", True), ("top.txt", False)}
    assert all(bool(e.flags & ENTRY_IS_DIR) == e.name.endswith("/") for e in top)
    train = await client.objects.list_all(bucket, prefix="train/", non_recursive=True)
    assert {e.name for e in train} == {"train/cat/", "train/dog/"}
    deep = await client.objects.list_all(bucket, prefix="train/")
    assert {e.name for e in deep} == {"train/cat/1.jpg", "train/dog/2.jpg"}


async def test_streamed_file_put_and_multipart_upload(client: AISClient, bucket: Bck, tmp_path):
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    seen = []
    await client.objects.put(bucket, "file.bin", src, progress=seen.append)
    assert sum(seen) == src.stat().st_size
    await client.objects.put_multipart(bucket, "mpu.bin", src, part_size=1024 * 1024)
    for name in ("file.bin", "mpu.bin"):
        assert (await client.objects.head(bucket, name)).size == src.stat().st_size
        assert await client.objects.get(bucket, name) == src.read_bytes()


async def test_copy_one_object_and_delete(client: AISClient, bucket: Bck):
    await client.objects.put(bucket, "src", b"payload")
    dst = Bck.parse(f"ais://{unique('c1')}")
    await client.buckets.create(dst)
    try:
        await client.objects.copy_one(bucket, "src", dst, "renamed")
        assert await client.objects.get(dst, "renamed") == b"payload"
    finally:
        await client.buckets.destroy(dst)
    await client.objects.delete(bucket, "src")
    assert not await client.objects.exists(bucket, "src")


async def test_multi_object_delete_by_names_template_and_prefix(client: AISClient, bucket: Bck):
    for i in range(12):
        await client.objects.put(bucket, f"shard-{i:03}.tar", b"t")
    await client.objects.put(bucket, "keep/me", b"k")
    job = await client.jobs.wait(await client.objects.delete_many(bucket, names=["shard-000.tar", "shard-001.tar"]))
    assert job.state == "finished"
    job = await client.jobs.wait(await client.objects.delete_many(bucket, template="shard-{002..005}.tar"))
    assert job.state == "finished"
    left = sorted(e.name for e in await client.objects.list_all(bucket))
    assert left == ["keep/me"] + [f"shard-{i:03}.tar" for i in range(6, 12)]
    await client.jobs.wait(await client.objects.delete_many(bucket, prefix="shard-"))
    assert [e.name for e in await client.objects.list_all(bucket)] == ["keep/me"]


async def test_multi_object_copy_by_template(client: AISClient, bucket: Bck):
    for i in range(6):
        await client.objects.put(bucket, f"img-{i}.jpg", bytes([i]))
    dst = Bck.parse(f"ais://{unique('tco')}")
    try:
        ids = await client.objects.copy_many(bucket, dst, template="img-{0..2}.jpg")
        assert ids
        await client.jobs.wait(ids[0])
        names = sorted(e.name for e in await client.objects.list_all(dst))
        assert names == ["img-0.jpg", "img-1.jpg", "img-2.jpg"]
    finally:
        await client.buckets.destroy(dst, missing_ok=True)


async def test_names_with_url_specials_round_trip_exactly(client: AISClient, bucket: Bck):
    names = ["sp ace", "pct%20x", "q?x=1", "hash#frag", "plus+sign", "amp&x", "back\\slash",
             "ünïcødé/日本語/файл", "emoji😀", "x" * 1024, ";semi", "quote\"'", "%", "a%2Fb", "..x", ".hidden"]
    for n in names:
        await client.objects.put(bucket, n, n.encode())
    listed = {e.name for e in await client.objects.list_all(bucket)}
    assert listed == set(names)
    for n in names:
        assert await client.objects.get(bucket, n) == n.encode()
        assert (await client.objects.head(bucket, n)).size == len(n.encode())
        await client.objects.delete(bucket, n)
    assert await client.objects.list_all(bucket) == []


async def test_names_the_cluster_would_change_are_refused_with_a_reason(client: AISClient, bucket: Bck):
    for bad, reason in (("/lead", "start with '/'"), ("a//b", "'//'"), ("a/../b", "'..'"),
                        ("ctl\x01", "control"), ("trail/", "end with '/'")):
        with pytest.raises(InvalidInput, match=re.escape(reason)):
            await client.objects.put(bucket, bad, b"x")
    assert await client.objects.list_all(bucket) == []
