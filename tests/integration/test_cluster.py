"""Cluster calls against the real local cluster (1 proxy, 2 targets, remote @remais)."""

from __future__ import annotations

import time

from aistui.core import AISClient, Bck
from aistui.core.errors import ETLNotAvailable, NotFound
from aistui.playground.pair import await_remote_usable


async def test_smap_lists_every_node_with_the_primary(client: AISClient, ais):
    smap = await client.cluster.smap()
    assert len(smap.proxies) == 1 and len(smap.targets) == 2
    assert smap.primary.is_primary and smap.primary.role == "proxy"
    assert smap.primary.public_url == ais.endpoint
    assert {t.daemon_id for t in smap.targets} == {n.daemon_id for n in ais.targets}


async def test_health_is_ready(client: AISClient):
    h = await client.cluster.health()
    assert h.ready and h.alive


async def test_node_status_has_version_capacity_and_decoded_state(client: AISClient):
    statuses = await client.cluster.all_node_status()
    assert len(statuses) == 3
    for nid, st in statuses.items():
        assert not isinstance(st, Exception), st
        assert st.daemon_id == nid
        assert st.version.startswith("5.0")
        assert st.uptime_s > 0
        assert all(isinstance(a, str) and not a.startswith("bit") for a in st.alerts)
        if st.role == "target":
            assert st.mountpaths and st.avail > 0 and st.used > 0
            assert all(m.path for m in st.mountpaths)


async def test_rates_follow_traffic_between_two_snapshots(client: AISClient, bucket: Bck):
    before = await client.cluster.all_node_status()
    for i in range(20):
        await client.objects.put(bucket, f"r/{i}", b"x" * 4096)
        await client.objects.get(bucket, f"r/{i}")
    after = await client.cluster.all_node_status()
    rates = client.cluster.rates(before, after)
    targets = [r for nid, r in rates.items() if after[nid].role == "target"]
    assert targets
    assert sum(r.put_ops for r in targets) > 0
    assert sum(r.get_bps for r in targets) > 0


async def test_remote_cluster_can_be_detached_and_attached_again(client, ais, remais):
    remotes = await client.cluster.remotes()
    assert any(r.alias == "remais" and r.online and r.url == remais.endpoint for r in remotes)
    await client.cluster.detach_remote("remais")
    try:
        assert "remais" not in {r.alias for r in await client.cluster.remotes()}
    finally:
        await client.cluster.attach_remote("remais", remais.endpoint)
    assert any(r.alias == "remais" and r.online for r in await client.cluster.remotes())
    await_remote_usable(ais, "remais", time.monotonic() + 60)


async def test_cluster_config_is_readable(client: AISClient):
    cfg = await client.cluster.config()
    assert cfg["versioning"]["enabled"] is True
    assert "space" in cfg


async def test_etl_answers_not_available_on_a_default_build(client: AISClient, bucket: Bck):
    """The default aisnode build has no ETL: every ETL call answers 501."""
    for call in (client.etl.list(), client.etl.details("x"), client.etl.logs("x"), client.etl.stop("x")):
        try:
            await call
        except ETLNotAvailable as e:
            assert "ETL is not available on this cluster" in str(e)
        else:
            raise AssertionError("expected ETLNotAvailable")
    await client.objects.put(bucket, "o", b"data")
    try:
        await client.objects.get(bucket, "o", etl_name="md5")
    except (ETLNotAvailable, NotFound) as e:
        assert isinstance(e, ETLNotAvailable), e
    else:
        raise AssertionError("inline ETL must fail on a build without ETL")
