"""The client-side HRW (``core/hrw.py``) against the real cluster: for every object name, the
target ``target_of`` predicts is the one the proxy redirects a GET (301) and a PUT (307) to,
on a dedicated 3-target cluster, before and after one target goes into maintenance; and
``client.objects.locate`` on a remote AIS bucket addressed by its alias (``@remais``)."""

from __future__ import annotations

import asyncio
from collections import Counter
from urllib.parse import urlsplit

import pytest

from aistui.core import AISClient, Bck
from aistui.core.hrw import MAINT_OR_DECOMM, NoTargets, id_digest, target_of
from aistui.core.models import Namespace, Smap, Snode
from aistui.core.names import object_name_problem, quote_object
from tests.util import dedicated_cluster, unique

N = 300


def names(n: int = N) -> list[str]:
    """``n`` distinct valid object names: unicode, spaces, deep paths, URL-special characters."""
    parts = ["a", "img", "ünïcødé", "日本語", "with space", "d1/d2/d3/d4/d5", "x%20y", "q?=&#+", "~tilde",
             "emoji-🙂", "UPPER", "dot.ext", "-dash", "_", "a b/c d", "long-" + "z" * 120]
    out: list[str] = []
    i = 0
    while len(out) < n:
        p, q = parts[i % len(parts)], parts[(i * 7 + 3) % len(parts)]
        name = f"{p}/{i}/{q}" if i % 3 else f"{q}-{i}.bin"
        if i % 5 == 0:
            name = "/".join(f"lvl{k}" for k in range(i % 11)) + f"/{p}-{i}"
        assert object_name_problem(name.lstrip("/")) is None, name
        out.append(name.lstrip("/"))
        i += 1
    assert len(set(out)) == n
    return out


def _hostport(url: str) -> tuple[str, int | None]:
    u = urlsplit(url)
    return u.hostname or "", u.port


async def redirected_to(client: AISClient, smap: Smap, method: str, bck: Bck, name: str) -> Snode:
    """The target the proxy redirects ``method`` of the object to (its ``Location``)."""
    r = await client.request(method, f"/v1/objects/{bck.name}/{quote_object(name)}", params=bck.query(),
                             headers={"Content-Length": "0"}, follow_redirects=False, idempotent=True)
    assert r.status_code in (301, 307), (method, name, r.status_code)
    where = _hostport(r.headers["Location"])
    found = [t for t in smap.targets if _hostport(t.public_url) == where]
    assert len(found) == 1, (where, [t.public_url for t in smap.targets])
    return found[0]


async def mismatches(client: AISClient, smap: Smap, bck: Bck, objs: list[str]) -> tuple[list[str], Counter[str]]:
    """Names whose predicted target differs from the proxy's GET or PUT redirect; where each went."""
    sem = asyncio.Semaphore(16)
    bad: list[str] = []
    spread: Counter[str] = Counter()

    async def one(name: str) -> None:
        want = target_of(smap, bck, name)
        async with sem:
            got_get = await redirected_to(client, smap, "GET", bck, name)
            got_put = await redirected_to(client, smap, "PUT", bck, name)
        spread[got_get.daemon_id] += 1
        if not (want.daemon_id == got_get.daemon_id == got_put.daemon_id):
            bad.append(f"{name!r}: predicted {want.daemon_id}, GET {got_get.daemon_id}, PUT {got_put.daemon_id}")

    await asyncio.gather(*(one(n) for n in objs))
    return bad, spread


@pytest.fixture(scope="module")
def hrw_cluster(tmp_path_factory):
    with dedicated_cluster(tmp_path_factory.mktemp("hrw"), "hrw", ntargets=3, name="hrw") as c:
        yield c


async def test_prediction_matches_the_proxy_before_and_after_maintenance(hrw_cluster):
    objs = names()
    async with AISClient(hrw_cluster.endpoint) as client:
        plain = Bck.parse(f"ais://{unique('hrw')}")
        spaced = Bck(unique("hrwns"), "ais", Namespace(name="ns1"))
        for b in (plain, spaced):
            await client.buckets.create(b)

        smap = await client.cluster.smap()
        assert len(smap.targets) == 3
        for node in smap.nodes:  # the served IDDigest is xxhash64(id, MLCG32)
            assert node.id_digest == id_digest(node.daemon_id), node

        spreads: dict[str, Counter[str]] = {}
        for b in (plain, spaced):
            bad, spreads[str(b)] = await mismatches(client, smap, b, objs)
            assert not bad, f"{len(bad)} of {N} mismatched in {b}:\n" + "\n".join(bad[:10])
            assert len(spreads[str(b)]) == 3  # every target holds some of the 300
            assert await client.objects.locate(b, objs[0]) == target_of(smap, b, objs[0])

        # the busiest target of the plain bucket goes into maintenance
        victim = spreads[str(plain)].most_common(1)[0][0]
        await client.cluster.start_maintenance(victim)
        for _ in range(200):
            after = await client.cluster.smap()
            if after.version != smap.version and (after.node(victim) or smap.primary).flags & MAINT_OR_DECOMM:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the Smap never showed the target in maintenance")
        assert len(after.targets) == 3  # still listed, skipped by HRW

        for b in (plain, spaced):
            bad, spread = await mismatches(client, after, b, objs)
            assert not bad, f"after maintenance, {len(bad)} of {N} mismatched in {b}:\n" + "\n".join(bad[:10])
            assert victim not in spread and len(spread) == 2
            moved = sum(target_of(smap, b, n) != target_of(after, b, n) for n in objs)
            assert moved == spreads[str(b)][victim]  # HRW moves only the victim's objects
            print(f"\nHRW {b}: {N}/{N} matched before {dict(spreads[str(b)])}, {N}/{N} after "
                  f"{victim} went into maintenance {dict(spread)}, {moved} moved")

        # the locator keeps its map until refreshed
        loc = client.objects.locator
        assert loc.version == smap.version
        await loc.refresh()
        assert loc.version == after.version
        assert await client.objects.locate(plain, objs[1]) == target_of(after, plain, objs[1])

        # no stop-maintenance: the cluster is busy rebalancing (409) and is dedicated, stopped after
        for b in (plain, spaced):
            await client.buckets.destroy(b, missing_ok=True)


async def test_no_eligible_target_is_a_typed_error(hrw_cluster):
    async with AISClient(hrw_cluster.endpoint) as client:
        smap = await client.cluster.smap()
    from dataclasses import replace
    none = replace(smap, targets=tuple(replace(t, flags=t.flags | 4) for t in smap.targets))
    with pytest.raises(NoTargets) as e:
        target_of(none, Bck("b"), "o")
    assert e.value.targets == 3


async def test_locate_resolves_a_remote_alias(client: AISClient, remote_bucket: Bck):
    """``ais://@remais/b``: the proxy hashes the remote cluster's UUID, not the alias."""
    smap = await client.cluster.smap()
    objs = names(100)
    bad, differ = [], 0
    for n in objs:
        got = await redirected_to(client, smap, "GET", remote_bucket, n)
        located = await client.objects.locate(remote_bucket, n)
        if located.daemon_id != got.daemon_id:
            bad.append(n)
        differ += target_of(smap, remote_bucket, n) != located  # the alias hashed as is
    assert not bad, f"{len(bad)} of {len(objs)} mismatched in {remote_bucket}"
    assert differ > 0  # the alias-to-UUID step matters
    print(f"\nHRW {remote_bucket}: {len(objs)}/{len(objs)} matched; {differ} would differ with the alias hashed")
