"""Shard member listings (``LsArchDir``) only ever name one shard (core/multiobj.py
``iter_archives``): a v1.5.0 target opens every object of an ``LsArchDir`` listing and leaves the
file open when it is not an archive (``cmn/archive/list.go`` ``List``), so a listing over a
whole prefix of many objects runs it out of open files and it leaves the cluster. Each site that
lists shard members is run on the real cluster with non-archive objects next to the shards,
while a spy on ``AISClient.request`` records every listing: a request with the archive flag
must have a prefix that is exactly one archive-named object's full name. The class balance from
``.cls`` members (all shards and a sample), the shards' verification, the export dry-run's
reference listing; the doctor has its own test (test_doctor.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from aistui.core import AISClient, Bck
from aistui.core import shards as sh
from aistui.core.archive import is_archive_name
from aistui.core.balance import balance
from aistui.core.models import LS_ARCH_DIR
from aistui.core.shardplan import ShardOptions
from aistui.export.reference import list_source
from aistui.playground.demo import build_flawed
from aistui.session import Session
from tests.util import unique

# not archives to the cluster (its extension match is case-sensitive), next to the shards
LOOSE = ("shards/README.txt", "shards/labels.json", "shards/OLD.TAR")


def spy_listings(client: AISClient, monkeypatch) -> list[tuple[str, str, int]]:
    """Record ``(bucket path, prefix, flags)`` of every list-objects request the client sends."""
    seen: list[tuple[str, str, int]] = []
    request = client.request

    async def spy(method: str, path: str, **kw: Any):
        body = kw.get("json")
        if isinstance(body, dict) and body.get("action") == "list":
            value = body.get("value") or {}
            seen.append((path, value.get("prefix", ""), int(value.get("flags") or 0)))
        return await request(method, path, **kw)

    monkeypatch.setattr(client, "request", spy)
    return seen


def archive_prefixes(seen: list[tuple[str, str, int]]) -> list[str]:
    return sorted(p for _, p, f in seen if f & LS_ARCH_DIR)


async def test_iter_archives_order_bound_and_cancel(client: AISClient, monkeypatch):
    """In the names' order, non-archives skipped, never more than ``concurrency`` in flight,
    closing the generator cancels what is in flight (a fake list_archive: no cluster needed)."""
    inflight = 0
    most = 0
    cancelled: list[str] = []
    release = asyncio.Event()

    async def fake(bck, name, *, limit=1000):
        nonlocal inflight, most
        inflight += 1
        most = max(most, inflight)
        try:
            if name.startswith("slow"):
                await release.wait()
            for _ in range(3):
                await asyncio.sleep(0)
            return [(f"{name}-m", len(name))], False
        except asyncio.CancelledError:
            cancelled.append(name)
            raise
        finally:
            inflight -= 1

    monkeypatch.setattr(client.objects, "list_archive", fake)
    bck = Bck.parse("ais://x")
    names = [f"s{i:02}.tar" for i in range(20)] + ["a.txt", "b.TAR", "c.tar.gz", "d.zip", "e.tgz", "f.tar.lz4"]
    got = [n async for n, _, _ in client.objects.iter_archives(bck, names, concurrency=3)]
    assert got == [n for n in names if is_archive_name(n)] and most == 3
    gen = client.objects.iter_archives(bck, ["first.tar"] + [f"slow{i}.tar" for i in range(5)], concurrency=4)
    assert (await gen.__anext__())[0] == "first.tar"
    await gen.aclose()  # three slow listings in flight, cancelled
    assert sorted(cancelled) == ["slow0.tar", "slow1.tar", "slow2.tar"] and inflight == 0
    # list_archive does not ask the cluster about a name it would not list as an archive
    monkeypatch.undo()
    seen = spy_listings(client, monkeypatch)
    assert await client.objects.list_archive(bck, "notes.txt") == ([], False) and seen == []


async def test_balance_lists_each_shard_alone(client: AISClient, bucket: Bck, monkeypatch):
    await build_flawed(client, bucket, limit=80)
    for name in LOOSE:
        await client.objects.put(bucket, name, b"not a shard")
    shards = {e.name for e in await client.objects.list_all(bucket, prefix="shards/") if is_archive_name(e.name)}
    assert len(shards) == 3
    seen = spy_listings(client, monkeypatch)
    snaps = [s async for s in balance(client, bucket, "", ["shards/"], source="member", batch=7)]
    snap = snaps[-1]
    assert archive_prefixes(seen) == sorted(shards)
    assert (snap.shards, snap.shards_read, snap.objects) == (3, 3, 3 + len(LOOSE))
    labeled = sum(snap.cell(c, "shards/").count for c in snap.classes)
    assert labeled + snap.unlabeled["shards/"] == 30 + len(LOOSE)  # 10 samples a shard, the loose objects
    # a sample of the shards (an estimate): only the sampled one is listed with its members
    seen.clear()
    est = [s async for s in balance(client, bucket, "", ["shards/"], source="member", max_shards=1, seed=3)][-1]
    assert est.estimate and est.shards == 3 and est.shards_read == 1
    arch = archive_prefixes(seen)
    assert len(arch) == 1 and arch[0] in shards


async def test_shard_verify_lists_each_shard_alone(client: AISClient, bucket: Bck, monkeypatch):
    objs = {f"flat/{i:02}.jpg": f"jpg-{i}".encode() for i in range(6)} | {f"flat/{i:02}.cls": b"3" for i in range(6)}
    for name, data in objs.items():
        await client.objects.put(bucket, name, data)
    dst = Bck.parse(f"ais://{unique('sha')}")
    await client.buckets.create(dst)
    try:
        # under the shards' template prefix in the destination: objects that are not shards
        for name in ("part-notes.txt", "part-index.json", "part-old.TAR"):
            await client.objects.put(dst, name, b"not a shard")
        session = Session(client.settings, client=client)
        p = await sh.plan(client, bucket, "flat/", dst, ShardOptions(count=2, template="part-{00..99}.tar"))
        assert p.template_prefix == "part-" and len(p.shards) == 3
        ids = await session.make_shards(p)
        seen = spy_listings(client, monkeypatch)
        v = await session.finish_shards(p, ids, sample=-1)
        assert v.ok and (v.shards, v.objects) == (3, 12), v.problems
        assert archive_prefixes(seen) == sorted(p.shard_names)
    finally:
        await client.buckets.destroy(dst, missing_ok=True)


async def test_export_reference_lists_each_shard_alone(client: AISClient, bucket: Bck, monkeypatch):
    data = await build_flawed(client, bucket, limit=80)
    for name in LOOSE:
        await client.objects.put(bucket, name, b"not a shard")
    shards = sorted(n for n, _ in data.objects if n.startswith("shards/") and n.endswith(".tar"))
    seen = spy_listings(client, monkeypatch)
    objects, sizes = await list_source(client, bucket, "shards/", None, True)
    assert archive_prefixes(seen) == shards
    assert {n for n, _ in objects} == set(shards) | set(LOOSE)
    assert len(sizes) == 30  # one key per sample (ten a shard, keys distinct across shards)
    members = [m for s in shards for m in (await client.objects.list_archive(bucket, s))[0]]
    assert sum(sizes.values()) == sum(size for _, size in members)
    # named objects: only the named shards' members
    seen.clear()
    _, one = await list_source(client, bucket, "", [shards[0], "shards/README.txt"], True)
    assert archive_prefixes(seen) == [shards[0]] and len(one) == 10
