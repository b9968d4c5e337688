"""The rest of the object API on the real cluster (issue 15): parallel range download (also in the
transfer engine), HEAD v2, multipart by hand, append, archives (the archive job, reading by regex
and mode, appending a member), blob download from the remote AIS bucket, promote, single-object
copy with ``latest`` and ``sync``, and ``ais://bucket/name`` URIs in every object call."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from aistui.core import AISClient, Bck
from aistui.core.errors import AISError, InvalidInput, NotFound, ObjectNotFound
from aistui.core.models import obj_ref
from aistui.core.promote import PROMOTE_ROOT
from aistui.core.transfer import download
from tests.util import promote_tree

MiB = 1024 * 1024


async def _until_listed(client: AISClient, bck: Bck, name: str, timeout: float = 60.0) -> None:
    """Wait (bounded, generous) until ``name`` is listed in ``bck`` (archive jobs are demand-driven)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if await client.objects.exists(bck, name):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{bck}/{name} never appeared")


def _leftovers(d: Path) -> list[str]:
    return [p.name for p in d.iterdir() if p.name.endswith(".part")]


async def test_download_parallel_writes_every_range_and_verifies(client: AISClient, bucket: Bck, tmp_path: Path):
    data = os.urandom(3 * MiB + 12345)  # not a multiple of the chunk: a short last range
    await client.objects.put(bucket, "big/one.bin", data)
    seen: list[int] = []
    props = await client.objects.download_parallel(f"{bucket}/big/one.bin", dest=tmp_path / "one.bin", workers=4,
                                                   chunk_size=256 * 1024, progress=seen.append)
    assert (tmp_path / "one.bin").read_bytes() == data
    assert sum(seen) == len(data) and props.size == len(data) and props.checksum
    assert _leftovers(tmp_path) == []
    # an empty object, and one smaller than a chunk
    await client.objects.put(bucket, "empty", b"")
    await client.objects.download_parallel(bucket, "empty", tmp_path / "empty")
    assert (tmp_path / "empty").read_bytes() == b""
    # a missing object: the error, no file, no temporary file
    with pytest.raises(ObjectNotFound):
        await client.objects.download_parallel(bucket, "nope", tmp_path / "nope")
    assert not (tmp_path / "nope").exists() and _leftovers(tmp_path) == []
    with pytest.raises(InvalidInput):
        await client.objects.download_parallel(bucket, "empty", tmp_path / "x", workers=0)


async def test_download_parallel_cancelled_leaves_nothing(client: AISClient, bucket: Bck, tmp_path: Path):
    await client.objects.put(bucket, "c.bin", os.urandom(4 * MiB))
    started = asyncio.Event()
    task = asyncio.ensure_future(client.objects.download_parallel(
        bucket, "c.bin", tmp_path / "c.bin", workers=2, chunk_size=64 * 1024, progress=lambda n: started.set()))
    await asyncio.wait_for(started.wait(), 60)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert list(tmp_path.iterdir()) == []


async def test_transfer_download_uses_parallel_reads_for_large_objects(client: AISClient, bucket: Bck,
                                                                      tmp_path: Path):
    big, small = os.urandom(2 * MiB + 7), b"small"
    await client.objects.put(bucket, "d/big", big)
    await client.objects.put(bucket, "d/small", small)
    res = await download(client, bucket, None, tmp_path, prefix="d/", strip_prefix="d/",
                         parallel_threshold=1 * MiB, parallel_chunk=512 * 1024, parallel_workers=3)
    assert res.ok and sorted(res.done) == ["d/big", "d/small"]
    assert res.progress.bytes_done == len(big) + len(small)
    assert (tmp_path / "big").read_bytes() == big and (tmp_path / "small").read_bytes() == small
    assert _leftovers(tmp_path) == []


async def test_head_v2_etag_last_modified_and_chunks(client: AISClient, bucket: Bck, tmp_path: Path):
    await client.objects.put(bucket, "plain", b"x" * 1000)
    v2 = await client.objects.head_v2(f"{bucket}/plain")
    assert v2.size == 1000 and v2.etag.strip('"') and v2.last_modified.endswith("GMT")
    assert v2.props.checksum and v2.chunks is None
    f = tmp_path / "mpu.bin"
    f.write_bytes(os.urandom(3 * MiB))
    await client.objects.put_multipart(bucket, "mpu.bin", f, part_size=MiB)
    v2 = await client.objects.head_v2(bucket, "mpu.bin", props="name,size,chunked")
    assert v2.chunks is not None and v2.chunks.count == 3 and v2.chunks.max_chunk_size == MiB
    # and a chunked object downloads in parallel ranges that cross its chunks
    await client.objects.download_parallel(bucket, "mpu.bin", tmp_path / "back.bin", chunk_size=700_000)
    assert (tmp_path / "back.bin").read_bytes() == f.read_bytes()
    with pytest.raises(InvalidInput, match="cached"):
        await client.objects.head_v2(bucket, "plain", props="name,cached")
    with pytest.raises(ObjectNotFound):
        await client.objects.head_v2(bucket, "missing")


async def test_multipart_by_hand_in_any_order_complete_and_abort(client: AISClient, bucket: Bck):
    mp = await client.objects.multipart(f"{bucket}/hand")
    await asyncio.gather(mp.upload_part(3, b"!"), mp.upload_part(1, b"hello "))
    await mp.upload_part(2, b"world")
    assert not await client.objects.exists(bucket, "hand")  # nothing before complete
    await mp.complete()
    assert await client.objects.get(bucket, "hand") == b"hello world!"
    again = client.objects.resume_multipart(bucket, "gone", (await client.objects.multipart(bucket, "gone")).upload_id)
    await again.upload_part(1, b"data")
    await again.abort()
    assert not await client.objects.exists(bucket, "gone")
    with pytest.raises(AISError):  # the aborted upload is unknown now
        await again.complete([1])
    with pytest.raises(InvalidInput):
        await mp.upload_part(0, b"x")
    empty = await client.objects.multipart(bucket, "empty")
    with pytest.raises(InvalidInput):
        await empty.complete()
    await empty.abort()


async def test_append_through_handles_then_flush(client: AISClient, bucket: Bck, tmp_path: Path):
    a = client.objects.appender(bucket, "log.txt")
    with pytest.raises(InvalidInput):
        await a.flush()
    f = tmp_path / "part2"
    f.write_bytes(b"line 2\n")
    await a.append(b"line 1\n")
    await a.append(f)
    assert a.size == 14
    await a.flush()
    assert await client.objects.get(f"{bucket}/log.txt") == b"line 1\nline 2\n"
    # the lower-level calls, by URI
    h = await client.objects.append(f"{bucket}/other", data=b"ab")
    h = await client.objects.append(f"{bucket}/other", data=b"cd", handle=h)
    await client.objects.flush_append(f"{bucket}/other", handle=h)
    assert await client.objects.get(bucket, "other") == b"abcd"


async def test_archives_build_read_by_regex_and_append(client: AISClient, bucket: Bck):
    # append to a shard: made by the first append (append-or-put), then added to
    await client.objects.append_to_archive(bucket, "s.tar", b"img", archpath="s/0001.jpg")
    await client.objects.append_to_archive(f"{bucket}/s.tar", data=b"3", archpath="s/0001.cls", create=False)
    await client.objects.append_to_archive(bucket, "s.tar", b"img2", archpath="s/0002.jpg", create=False)
    members, _ = await client.objects.list_archive(bucket, "s.tar")
    assert sorted(members) == [("s/0001.cls", 1), ("s/0001.jpg", 3), ("s/0002.jpg", 4)]
    assert await client.objects.get_matching(bucket, "s.tar", regex="s/0001", mode="wdskey") == [
        ("s/0001.jpg", b"img"), ("s/0001.cls", b"3")]
    assert [n for n, _ in await client.objects.get_matching(f"{bucket}/s.tar", regex=r"\.jpg$")] == [
        "s/0001.jpg", "s/0002.jpg"]
    assert [n for n, _ in await client.objects.get_matching(bucket, "s.tar", regex=".cls", mode="suffix")] == [
        "s/0001.cls"]
    with pytest.raises(InvalidInput):
        await client.objects.get_matching(bucket, "s.tar", regex="x", mode="glob")
    with pytest.raises(NotFound):  # --append needs the shard to exist
        await client.objects.append_to_archive(bucket, "none.tar", b"x", archpath="a", create=False)
    # the multi-object archive job: by names, by prefix, by template
    for i in range(4):
        await client.objects.put(bucket, f"src/{i}.txt", str(i).encode())
    ids = await client.objects.archive(bucket, f"{bucket}/by-names.tar", names=["src/0.txt", "src/2.txt"])
    assert ids
    await client.objects.archive(bucket, bucket, "by-prefix.tar", prefix="src/", base_name_only=True)
    await client.objects.archive(f"{bucket}", f"{bucket}/by-template.tar", template="src/{1..3}.txt")
    for shard, want in (("by-names.tar", ["src/0.txt", "src/2.txt"]),
                        ("by-prefix.tar", ["0.txt", "1.txt", "2.txt", "3.txt"]),
                        ("by-template.tar", ["src/1.txt", "src/2.txt", "src/3.txt"])):
        await _until_listed(client, bucket, shard)
        members, _ = await client.objects.list_archive(bucket, shard)
        assert sorted(m for m, _ in members) == want, shard
    assert await client.objects.get(bucket, "by-prefix.tar", archpath="3.txt") == b"3"
    with pytest.raises(InvalidInput, match="shard name"):
        await client.objects.archive(bucket, bucket, "out.bin", prefix="src/")
    with pytest.raises(InvalidInput):
        await client.objects.archive(bucket, bucket, "x.tar", names=["a"], prefix="src/")


async def test_blob_download_from_the_remote_ais_bucket(client: AISClient, remote_bucket: Bck, bucket: Bck,
                                                        remais):
    data = os.urandom(3 * MiB)
    async with AISClient(remais.endpoint) as rc:  # written in the remote cluster only: not cached here
        await rc.objects.put(Bck(remote_bucket.name), "blob.bin", data)
    with pytest.raises(ObjectNotFound):
        await client.objects.head(remote_bucket, "blob.bin", cached_only=True)
    xid = await client.objects.blob_download(f"{remote_bucket}/blob.bin", chunk_size=MiB, num_workers=2)
    assert xid
    job = await client.jobs.wait(xid, timeout=60)
    assert job.state == "finished" and job.kind == "blob-download"
    cached = await client.objects.head_v2(remote_bucket, "blob.bin", props="name,size,chunked")
    assert cached.size == len(data) and cached.chunks is not None and cached.chunks.count == 3
    assert await client.objects.get(remote_bucket, "blob.bin") == data
    with pytest.raises(InvalidInput, match="remote backend"):
        await client.objects.blob_download(bucket, "x")  # an ais:// bucket with no backend


async def test_promote_a_target_local_directory_and_file(client: AISClient, bucket: Bck):
    src = promote_tree("objapi")
    try:
        (src / "a.txt").write_bytes(b"A")
        (src / "sub" / "b.txt").write_bytes(b"B")
        await client.objects.promote(bucket, str(src), prefix="p/", recursive=True)
        loop = asyncio.get_running_loop()
        end = loop.time() + 60
        names: list[str] = []
        while loop.time() < end:
            names = sorted(e.name for e in await client.objects.list_all(bucket, prefix="p/"))
            if len(names) == 2:
                break
            await asyncio.sleep(0.2)
        assert names == ["p/a.txt", "p/sub/b.txt"]
        assert await client.objects.get(bucket, "p/sub/b.txt") == b"B"
        await client.objects.promote(str(bucket), str(src / "a.txt"), prefix="single.txt")
        assert await client.objects.get(f"{bucket}/single.txt") == b"A"
        assert (src / "a.txt").exists()  # not deleted without delete_src
        with pytest.raises(InvalidInput, match=PROMOTE_ROOT):
            await client.objects.promote(bucket, "/etc")
        with pytest.raises(InvalidInput):
            await client.objects.promote(bucket, PROMOTE_ROOT + "/../x")
    finally:
        shutil.rmtree(src, ignore_errors=True)


async def test_copy_one_latest_and_sync_against_the_remote_bucket(client: AISClient, remote_bucket: Bck,
                                                                  bucket: Bck, remais):
    rb = Bck(remote_bucket.name)
    async with AISClient(remais.endpoint) as rc:
        await rc.objects.put(rb, "v.txt", b"v1")
        assert await client.objects.get(remote_bucket, "v.txt") == b"v1"  # now cached here
        await rc.objects.put(rb, "v.txt", b"v2")  # changed at the origin only
        await client.objects.copy_one(remote_bucket, "v.txt", bucket, "plain.txt")
        assert await client.objects.get(bucket, "plain.txt") == b"v1"  # the cached copy
        await client.objects.copy_one(f"{remote_bucket}/v.txt", dst=f"{bucket}/latest.txt", latest=True)
        assert await client.objects.get(bucket, "latest.txt") == b"v2"
        await rc.objects.delete(rb, "v.txt")  # gone at the origin
    with pytest.raises(NotFound):
        await client.objects.copy_one(remote_bucket, "v.txt", bucket, "synced.txt", sync=True)
    # with sync the cluster dropped its cached copy of the deleted object
    assert not await client.objects.exists(remote_bucket, "v.txt")


async def test_uris_in_object_calls(client: AISClient, bucket: Bck, remote_bucket: Bck):
    uri = f"{bucket}/dir/a b?.txt"
    await client.objects.put(uri, data=b"hi")
    assert (await client.objects.head(uri)).size == 2
    assert await client.objects.get(uri) == b"hi"
    assert await client.objects.exists(str(bucket), "dir/a b?.txt")
    await client.objects.set_custom(uri, custom={"k": "v"})
    assert (await client.objects.head(bucket, "dir/a b?.txt")).custom["k"] == "v"
    await client.objects.rename(uri, new_name="dir/renamed")
    await client.objects.delete(f"{bucket}/dir/renamed")
    assert not await client.objects.exists(uri)
    ruri = f"{remote_bucket}/x/y.bin"  # ais://@remais/<bucket>/x/y.bin
    await client.objects.put(ruri, data=b"remote")
    assert await client.objects.get(ruri) == b"remote"
    assert obj_ref(ruri) == (remote_bucket, "x/y.bin")
    assert obj_ref("s3://b/k/e/y") == (Bck("b", "aws"), "k/e/y")
    assert obj_ref(bucket, "n") == (bucket, "n")
    assert obj_ref(str(bucket), "n") == (bucket, "n")
    for bad in ("ais://b/", "b/name", "ais://@remais", "ftp://b/x"):
        with pytest.raises(InvalidInput):
            obj_ref(bad)
    with pytest.raises(InvalidInput):
        obj_ref("ais://b/x", "y")  # a URI with an object and a name too


async def test_put_with_skip_vc_does_not_carry_the_old_version_on(client: AISClient, bucket: Bck, tmp_path: Path):
    """``skip_vc`` (``ais put --skip-vc``): the target does not load the existing object first, so an
    overwrite starts the version again; without it the version goes on. Also through transfer.upload."""
    from aistui.core import transfer

    assert (await client.objects.put(bucket, "svc", data=b"one")).version == "1"
    assert (await client.objects.put(bucket, "svc", data=b"two")).version == "2"
    assert (await client.objects.put(bucket, "svc", data=b"three", skip_vc=True)).version == "1"
    assert await client.objects.get(bucket, "svc") == b"three"
    f = tmp_path / "svc"
    f.write_bytes(b"four")
    res = await transfer.upload(client, bucket, [(f, "svc")], skip_vc=True)
    assert res.ok and (await client.objects.head(bucket, "svc")).version == "1"
    res = await transfer.upload(client, bucket, [(f, "svc")])
    assert res.ok and (await client.objects.head(bucket, "svc")).version == "2"
