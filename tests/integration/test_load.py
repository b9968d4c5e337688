"""Load: 10,000 small uploads through a bounded connection pool, with no file-descriptor leak.
The numbers (connections and descriptors seen) are printed with ``-s``.

The bound, as measured: small-object PUTs go over the lean client (``core/leanhttp.py``), whose
pool opens at most ``max_connections`` per node (proxy and each target), whatever the concurrency
or the number of files; the control calls (bucket create, listing) keep their own kept-alive
aiohttp connection or two on top."""

from __future__ import annotations

import os
from pathlib import Path

import psutil

from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.transfer import upload
from tests.util import unique

N_FILES = 10_000
MAX_CONNECTIONS = 16


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _cluster_conns(ports: set[int]) -> dict[int, int]:
    """Established connections from this process, by node port."""
    out = dict.fromkeys(ports, 0)
    for c in psutil.Process().net_connections(kind="tcp"):
        if c.raddr and c.raddr.port in ports and c.status == psutil.CONN_ESTABLISHED:
            out[c.raddr.port] += 1
    return out


async def test_10000_small_uploads_use_bounded_connections_and_leak_no_fds(ais, tmp_path: Path):
    src = tmp_path / "many"
    src.mkdir()
    items = []
    for i in range(N_FILES):
        p = src / f"s{i:05d}.txt"
        p.write_bytes(b"%05d" % i * 20)
        items.append((p, f"load/{p.name}"))
    ports = {n.port for n in ais.nodes}
    fds_before = _fds()
    peak = {"conns": 0, "per_node": 0, "fds": 0, "samples": 0, "lean": 0}

    def sample(p) -> None:
        if p.files_done % 250 == 0:
            conns = _cluster_conns(ports)
            peak["conns"] = max(peak["conns"], sum(conns.values()))
            peak["per_node"] = max(peak["per_node"], max(conns.values()))
            peak["fds"] = max(peak["fds"], _fds())
            pool = c.datapath._pool if c.datapath else None  # pyright: ignore[reportPrivateUsage]
            if pool is not None:
                peak["lean"] = max(peak["lean"], *pool._open.values())  # pyright: ignore[reportPrivateUsage]
            peak["samples"] += 1

    b = Bck.parse(f"ais://{unique('load')}")
    async with AISClient(ConnectionSettings(endpoint=ais.endpoint), max_connections=MAX_CONNECTIONS) as c:
        await c.buckets.create(b)
        try:
            # four times the pool size in flight: the pool, not the concurrency, bounds the sockets
            res = await upload(c, b, items, concurrency=4 * MAX_CONNECTIONS, on_progress=sample)
            assert res.failed == {} and len(res.done) == N_FILES
            listed = await c.objects.list_all(b, prefix="load/")
            assert len(listed) == N_FILES and {e.size for e in listed} == {100}
        finally:
            await c.buckets.destroy(b, missing_ok=True)
    fds_after = _fds()
    print(f"\n10,000 uploads at concurrency {4 * MAX_CONNECTIONS}, pool limit {MAX_CONNECTIONS}: peak "
          f"{peak['conns']} connections to {len(ports)} nodes ({peak['per_node']} to one node); fds "
          f"{fds_before} before, peak {peak['fds']}, {fds_after} after; {res.progress.files_rate:.0f} files/s")
    assert peak["samples"] >= 30
    assert 1 <= peak["lean"] <= MAX_CONNECTIONS
    assert 1 <= peak["per_node"] <= MAX_CONNECTIONS + 2
    assert peak["conns"] <= (MAX_CONNECTIONS + 2) * len(ports)
    assert peak["fds"] <= fds_before + (MAX_CONNECTIONS + 2) * len(ports) + 8
    assert fds_after <= fds_before  # every socket and file closed
