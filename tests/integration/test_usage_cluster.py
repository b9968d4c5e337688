"""The usage map's cluster mode (core/usage.py ``cluster_usage``: one bucket-summary job per child
directory and one for the prefix) on the real cluster: the same counts and bytes as exact mode,
for an ais bucket and a prefix, and the cached share of a remote (@remais) bucket."""

from __future__ import annotations

from aistui.core import AISClient, Bck
from aistui.core.usage import LOOSE, UsageSnapshot, cluster_usage, usage
from tests.integration.test_usage import TREE, fill


async def _last(gen) -> tuple[UsageSnapshot, list[UsageSnapshot]]:
    snaps = [s async for s in gen]
    assert snaps and snaps[-1].done and not any(s.done for s in snaps[:-1])
    return snaps[-1], snaps


def _rows(s: UsageSnapshot) -> dict[str, tuple[int, int, int, int]]:
    return {d.name: (d.count, d.bytes, d.cached_count, d.cached_bytes) for d in s.dirs}


async def test_cluster_mode_agrees_with_exact_mode(client: AISClient, bucket: Bck):
    await fill(client, bucket, TREE)
    for prefix in ("", "a/"):
        exact, _ = await _last(usage(client, bucket, prefix))
        clu, snaps = await _last(cluster_usage(client, bucket, prefix))
        assert clu.mode == "cluster" and exact.mode == "exact"
        assert _rows(clu) == _rows(exact), prefix
        assert (clu.objects, clu.bytes) == (exact.objects, exact.bytes)
        assert clu.jobs_done == clu.jobs_total == len([d for d in exact.dirs if d.name != LOOSE]) + 1
        assert snaps[0].jobs_done == 0  # the children listed, no job in yet
    assert _rows(clu) == {"b/": (3, 30, 3, 30), LOOSE: (5, 1500, 5, 1500)}


async def test_cluster_mode_cached_share_of_a_remote_bucket(client: AISClient, remote_bucket: Bck):
    await fill(client, remote_bucket, TREE)
    await client.jobs.wait(await client.objects.evict_many(remote_bucket, prefix="a/b/"))
    exact, _ = await _last(usage(client, remote_bucket))
    clu, _ = await _last(cluster_usage(client, remote_bucket))
    assert clu.remote
    assert _rows(clu) == _rows(exact)
    assert _rows(clu)["a/"] == (8, 1530, 5, 1500)
    assert (clu.cached_count, clu.cached_bytes) == (exact.cached_count, exact.cached_bytes) == (11, 1531)


async def test_the_exact_pass_maps_one_level_down_too(client: AISClient, bucket: Bck):
    await fill(client, bucket, TREE)
    top, snaps = await _last(usage(client, bucket, page_size=5))
    assert all(s.below is None for s in snaps[:-1])  # only the last snapshot carries them
    assert top.below is not None and set(top.below) == {"a/", "c/"}
    for child, below in top.below.items():
        alone, _ = await _last(usage(client, bucket, child))
        assert below.prefix == child and below.done
        assert _rows(below) == _rows(alone), child
        assert (below.objects, below.bytes) == (alone.objects, alone.bytes)

