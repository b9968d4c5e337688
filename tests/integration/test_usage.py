"""The usage map's exact mode (core/usage.py) on the real cluster: counts and bytes per child
directory, a prefix, paging, and the cached share of a remote (@remais) bucket."""

from __future__ import annotations

from aistui.core import AISClient, Bck
from aistui.core.usage import LOOSE, UsageSnapshot, child_of, usage

# name -> size in bytes
TREE = {**{f"a/{i}": 100 * i for i in range(1, 6)},           # a/: 5 objects, 1500 bytes
        **{f"a/b/{i}": 10 for i in range(3)},                  # a/b/: 3, 30
        **{f"c/d/e/{i}": 7 for i in range(4)},                 # c/: 4, 28
        "loose1": 1, "loose2": 2}                              # loose: 2, 3


async def fill(client: AISClient, b: Bck, tree: dict[str, int]) -> None:
    for name, size in tree.items():
        await client.objects.put(b, name, b"x" * size)


async def last(client: AISClient, b: Bck, prefix: str = "", **kw: int) -> tuple[UsageSnapshot, int]:
    snaps = [s async for s in usage(client, b, prefix, **kw)]
    assert snaps and snaps[-1].done and not any(s.done for s in snaps[:-1])
    return snaps[-1], len(snaps)


def rows(s: UsageSnapshot) -> dict[str, tuple[int, int]]:
    return {d.name: (d.count, d.bytes) for d in s.dirs}


def test_child_of():
    assert child_of("a/b/c", "a/") == "b/"
    assert child_of("a/x", "a/") == LOOSE
    assert child_of("top", "") == LOOSE
    assert child_of("a/b", "") == "a/"


async def test_exact_counts_and_bytes_per_child(client: AISClient, bucket: Bck):
    await fill(client, bucket, TREE)
    s, _ = await last(client, bucket)
    assert rows(s) == {"a/": (8, 1530), "c/": (4, 28), LOOSE: (2, 3)}
    assert (s.objects, s.bytes) == (14, 1561)
    assert not s.remote and (s.cached_count, s.cached_bytes) == (14, 1561)
    sub, _ = await last(client, bucket, "a/")
    assert rows(sub) == {"b/": (3, 30), LOOSE: (5, 1500)}
    deep, _ = await last(client, bucket, "c/d/")
    assert rows(deep) == {"e/": (4, 28)}
    empty, _ = await last(client, bucket, "nothing/")
    assert empty.dirs == () and empty.objects == 0


async def test_small_pages_fill_in_as_they_come(client: AISClient, bucket: Bck):
    await fill(client, bucket, TREE)
    snaps = [s async for s in usage(client, bucket, page_size=3)]
    assert len(snaps) >= 5
    assert [s.objects for s in snaps] == sorted(s.objects for s in snaps)  # grows page by page
    assert rows(snaps[-1]) == {"a/": (8, 1530), "c/": (4, 28), LOOSE: (2, 3)}


async def test_remote_bucket_cached_share(client: AISClient, remote_bucket: Bck):
    await fill(client, remote_bucket, TREE)
    await client.jobs.wait(await client.objects.evict_many(remote_bucket, prefix="a/b/"))
    await client.jobs.wait(await client.objects.evict_many(remote_bucket, prefix="loose1"))
    s, _ = await last(client, remote_bucket)
    assert s.remote
    assert rows(s) == {"a/": (8, 1530), "c/": (4, 28), LOOSE: (2, 3)}  # the backend's objects, all
    cached = {d.name: (d.cached_count, d.cached_bytes) for d in s.dirs}
    assert cached == {"a/": (5, 1500), "c/": (4, 28), LOOSE: (1, 2)}
    assert (s.cached_count, s.cached_bytes) == (10, 1530)
