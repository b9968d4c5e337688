"""Three defects an outside test of the core found, each checked on the real local cluster:

* a PUT from a local path that does not exist or is a directory raised the raw ``OSError``
  instead of :class:`InvalidInput`, and must do so before anything is sent;
* evict and prefetch of a bucket with no remote backend (a plain ``ais://`` bucket) went to the
  cluster (and ``evict_one`` deleted the only copy of the object); they must be refused by the
  client, naming the rule, while a bucket with a ``backend_bck`` link still goes through;
* ``iter_get(chunk_size=N)`` gave exact N-byte chunks over httpx but chunks of at most N over the
  aiohttp object data path; both paths must give exactly N bytes per chunk except the last.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from aistui.core import AISClient, Bck
from aistui.core.datapath import ObjectDataPath
from aistui.core.errors import InvalidInput, ObjectNotFound
from tests.util import unique


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, str]]:
    """Every ``(method, path)`` any AISClient sends, the object data path included."""
    calls: list[tuple[str, str]] = []
    orig_request, orig_stream = AISClient.request, AISClient.stream
    orig_put, orig_get = ObjectDataPath.put, ObjectDataPath.get

    async def request(self, method, path, **kw):
        calls.append((method, path))
        return await orig_request(self, method, path, **kw)

    def stream(self, method, path, **kw):
        calls.append((method, path))
        return orig_stream(self, method, path, **kw)

    async def put(self, path, *a, **kw):
        calls.append(("PUT", path))
        return await orig_put(self, path, *a, **kw)

    def get(self, path, *a, **kw):
        calls.append(("GET", path))
        return orig_get(self, path, *a, **kw)

    monkeypatch.setattr(AISClient, "request", request)
    monkeypatch.setattr(AISClient, "stream", stream)
    monkeypatch.setattr(ObjectDataPath, "put", put)
    monkeypatch.setattr(ObjectDataPath, "get", get)
    return calls


# ----------------------------------------------------------------------------- 1. bad local sources


@pytest.mark.parametrize("entry", ["put", "put_multipart"])
@pytest.mark.parametrize("kind, reason", [("missing", "no such file"), ("directory", "is a directory")])
async def test_a_missing_or_directory_source_is_invalid_input_before_anything_is_sent(
        client: AISClient, bucket: Bck, tmp_path: Path, sent, entry: str, kind: str, reason: str):
    src = tmp_path / "nothing-here.bin"
    if kind == "directory":
        src = tmp_path / "a-directory"
        (src / "inner").mkdir(parents=True)
    call = getattr(client.objects, entry)
    for given in (src, str(src)):
        with pytest.raises(InvalidInput) as ei:
            await call(bucket, "o", given)
        assert isinstance(ei.value, ValueError)
        assert str(src) in str(ei.value) and reason in str(ei.value)
    assert sent == [], "the cluster was asked before the path was checked"
    with pytest.raises(ObjectNotFound):
        await client.objects.head(bucket, "o")


# ----------------------------------------------------------------------------- 2. evict/prefetch need a remote backend


async def test_evict_and_prefetch_of_a_plain_ais_bucket_are_refused_naming_the_rule(
        client: AISClient, bucket: Bck, sent):
    await client.objects.put(bucket, "keep", b"the only copy")
    sent.clear()
    o, b = client.objects, client.buckets
    calls = {
        "evict_many no names": lambda: o.evict_many(bucket, names=[]),
        "evict_many names": lambda: o.evict_many(bucket, names=["keep"]),
        "evict_many prefix": lambda: o.evict_many(bucket, prefix="k"),
        "evict_many all": lambda: o.evict_many(bucket),
        "evict_one": lambda: o.evict_one(bucket, "keep"),
        "prefetch no names": lambda: o.prefetch(bucket, names=[]),
        "prefetch names": lambda: o.prefetch(bucket, names=["keep"]),
        "prefetch all": lambda: o.prefetch(bucket),
        "bucket evict": lambda: b.evict(bucket),
        "bucket evict keep_md": lambda: b.evict(bucket, keep_md=True),
        "bucket prefetch": lambda: b.prefetch(bucket, prefix="k"),
    }
    for what, call in calls.items():
        with pytest.raises(InvalidInput, match="need a remote backend") as ei:
            await call()
        assert str(bucket) in str(ei.value), what
    # the only request is reading the bucket's props (is there a backend_bck?); no evict or prefetch
    assert {m for m, _ in sent} <= {"HEAD"}, sent
    assert await client.objects.get(bucket, "keep") == b"the only copy"


async def test_a_missing_ais_bucket_is_bucket_not_found_not_a_rule(client: AISClient):
    from aistui.core.errors import BucketNotFound

    with pytest.raises(BucketNotFound):
        await client.objects.evict_many(Bck.parse(f"ais://{unique('nobck')}"), names=["x"])


async def test_an_ais_bucket_with_a_backend_link_is_not_refused(client: AISClient, remote_bucket: Bck):
    """AIS counts a bucket with ``backend_bck`` as remote; the client reads the props and lets the
    cluster decide. (v1.5.0 links an ``ais://`` bucket to a remote AIS bucket by the remote's
    UUID, not its alias; the link is enough to show the evict is sent.)"""
    await client.objects.put(remote_bucket, "o", b"origin")
    uuid = next(r.uuid for r in await client.cluster.remotes() if r.alias == remote_bucket.ns.uuid)
    linked = Bck.parse(f"ais://{unique('linked')}")
    await client.buckets.create(linked)
    try:
        await client.buckets.set_props(linked, {"backend_bck": {
            "name": remote_bucket.name, "provider": "ais", "namespace": {"uuid": uuid, "name": ""}}})
        assert (await client.buckets.head(linked))["backend_bck"]["name"] == remote_bucket.name
        xid = await client.objects.evict_many(linked, names=["o"])
        assert xid
        await client.jobs.wait(xid, timeout=60)
        await client.buckets.evict(linked, keep_md=True)
    finally:
        await client.buckets.destroy(linked, missing_ok=True)
    assert await client.objects.get(remote_bucket, "o") == b"origin"


# ----------------------------------------------------------------------------- 3. exact chunk sizes on both paths


PATHS = ["aiohttp object data path", "httpx over aiohttp (data path off)", "httpx's own pool"]


async def _client_on(path: str, endpoint: str) -> AISClient:
    """A client whose object GETs take ``path``: the object data path (the default), httpx over the same
    aiohttp transport (the path inline-ETL GETs take), or httpx with its own transport."""
    if path == "httpx's own pool":
        c = AISClient(endpoint, transport=httpx.AsyncHTTPTransport())
    else:
        c = AISClient(endpoint)
        if path.startswith("httpx"):
            c.datapath = None
    assert (c.datapath is not None) == (path == "aiohttp object data path")
    return c


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("size, n", [(2 * 1024 * 1024 + 12345, 32 * 1024), (300_001, 10_000), (5000, 7)])
async def test_iter_get_chunks_are_exactly_n_bytes_but_the_last_on_every_path(
        ais, bucket: Bck, path: str, size: int, n: int):
    data = os.urandom(size)
    async with await _client_on(path, ais.endpoint) as c:
        await c.objects.put(bucket, "big", data)
        for _ in range(3):  # the data path's reads follow the socket: give a short read every chance
            chunks = [ch async for ch in c.objects.iter_get(bucket, "big", chunk_size=n)]
            sizes = [len(ch) for ch in chunks]
            assert [s for s in sizes[:-1] if s != n] == [], f"short chunks before the last: {sizes}"
            assert sizes[-1] == (size % n or n)
            assert b"".join(chunks) == data
        part = [ch async for ch in c.objects.iter_get(bucket, "big", chunk_size=n, byte_range=(3, size - 2))]
        assert all(len(ch) == n for ch in part[:-1]) and b"".join(part) == data[3:size - 1]


@pytest.mark.parametrize("path", PATHS)
async def test_a_chunk_size_below_one_is_invalid_input_and_an_empty_object_has_no_chunk(
        ais, bucket: Bck, path: str):
    async with await _client_on(path, ais.endpoint) as c:
        await c.objects.put(bucket, "x", b"abc")
        for bad in (0, -1):
            with pytest.raises(InvalidInput, match="chunk size"):
                await c.objects.get(bucket, "x", chunk_size=bad)
        await c.objects.put(bucket, "empty", b"")
        assert [ch async for ch in c.objects.iter_get(bucket, "empty", chunk_size=4)] == []
        assert [ch async for ch in c.objects.iter_get(bucket, "x", chunk_size=4)] == [b"abc"]
