"""The lean HTTP client of the object data path (``core/leanhttp.py``): small PUT and GET bodies
over it on the real cluster, byte for byte, with the switch back to aiohttp; and, on tiny local
asyncio servers (faults a real cluster cannot produce on demand), the keep-alive race (the server
closed an idle connection), the read timeout, the per-host connection limit, a cut-short body
and an answer that is not HTTP."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable

import pytest

from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.errors import ConnectionFailed, RequestTimeout, TransientError
from aistui.core.leanhttp import HIGH_WATER, LeanPool
from aistui.core.transfer import download, upload
from tests.util import unique

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


async def _server(handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
                  ) -> tuple[asyncio.Server, str]:
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    return srv, f"http://127.0.0.1:{port}"


async def _read_request(r: asyncio.StreamReader) -> bytes:
    head = await r.readuntil(b"\r\n\r\n")
    n = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
    return head + (await r.readexactly(n) if n else b"")


async def test_small_objects_over_lean_and_aiohttp_agree(ais, tmp_path):
    """PUT/GET of 0 B to 3 MB bodies and a whole upload/download through the lean client, then
    the same with ``lean`` off: the same bytes, and the lean pool is used only when on."""
    bodies = {f"l/ö {n}?#%": os.urandom(n) for n in (0, 1, 10 * 1024, 300_000, 3_000_000)}
    for lean in (True, False):
        async with AISClient(ConnectionSettings(endpoint=ais.endpoint)) as c:
            assert c.datapath is not None
            c.datapath.lean = lean
            b = Bck(unique("lean"))
            await c.buckets.create(b)
            try:
                for name, data in bodies.items():
                    await c.objects.put(b, name, data, custom={"k": "v"})
                    assert await c.objects.get(b, name) == data
                    sizes = [len(x) async for x in c.objects.iter_get(b, name, chunk_size=1_000_000)]
                    assert sum(sizes) == len(data) and all(s == 1_000_000 for s in sizes[:-1])
                    assert (await c.objects.head(b, name)).custom == {"k": "v"}
                src = tmp_path / f"src{lean}"
                src.mkdir()
                items = []
                for i in range(40):
                    (src / f"f{i}").write_bytes(os.urandom(1000 + i))
                    items.append((src / f"f{i}", f"up/f{i}"))
                res = await upload(c, b, items, concurrency=8)
                assert res.ok and len(res.done) == 40
                got = await download(c, b, None, tmp_path / f"dst{lean}", prefix="up/", concurrency=8)
                assert got.ok and len(got.done) == 40
                for p, name in items:
                    assert (tmp_path / f"dst{lean}" / name).read_bytes() == p.read_bytes()
            finally:
                await c.buckets.destroy(b, missing_ok=True)
            assert (c.datapath._pool is not None) is lean  # pyright: ignore[reportPrivateUsage]


async def test_keepalive_race_resends_on_a_new_connection():
    """The server answers, then closes the kept-alive connection without saying so: the next
    request finds it dead before any answer byte and goes once more on a new connection."""
    conns = 0

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        nonlocal conns
        conns += 1
        await _read_request(r)
        w.write(OK)  # keep-alive by default in HTTP/1.1
        await w.drain()
        w.close()

    srv, url = await _server(handle)
    pool = LeanPool(limit=4, connect_timeout=5, user_agent="t")
    try:
        for _ in range(3):
            resp = await pool.request("PUT", url + "/x", {}, b"body", 5)
            assert resp.status == 200 and await resp.read() == b"ok"
            resp.release()
        assert conns >= 3
    finally:
        pool.close()
        srv.close()


async def test_read_timeout_and_not_http_and_cut_short():
    """A server that never answers is a timeout after the read limit; one that answers garbage
    is a protocol failure (an OSError); a body cut short raises while it is read."""
    async def silent(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await _read_request(r)
        await asyncio.sleep(30)

    async def garbage(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await _read_request(r)
        w.write(b"SSH-2.0-OpenSSH\r\n\r\n")
        await w.drain()

    async def short(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await _read_request(r)
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
        await w.drain()
        w.close()

    pool = LeanPool(limit=4, connect_timeout=5, user_agent="t")
    servers = [await _server(h) for h in (silent, garbage, short)]
    try:
        with pytest.raises(TimeoutError):
            await pool.request("GET", servers[0][1] + "/", {}, None, 1.0)
        with pytest.raises(OSError):
            await pool.request("GET", servers[1][1] + "/", {}, None, 5)
        resp = await pool.request("GET", servers[2][1] + "/", {}, None, 5)
        with pytest.raises(OSError):
            await resp.read()
        resp.release()
    finally:
        pool.close()
        for s, _ in servers:
            s.close()


async def test_connections_per_host_are_bounded_and_closed():
    """Twenty requests at once with a limit of 3: at most 3 connections reach the server, every
    request is answered, and closing the pool closes them."""
    open_now = peak = 0

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        nonlocal open_now, peak
        open_now += 1
        peak = max(peak, open_now)
        try:
            while True:
                await _read_request(r)
                await asyncio.sleep(0.01)
                w.write(OK)
                await w.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            open_now -= 1

    srv, url = await _server(handle)
    pool = LeanPool(limit=3, connect_timeout=5, user_agent="t")

    async def one() -> bytes:
        resp = await pool.request("GET", url + "/o", {}, None, 5)
        try:
            return await resp.read()
        finally:
            resp.release()

    try:
        assert await asyncio.gather(*(one() for _ in range(20))) == [b"ok"] * 20
        assert 1 <= peak <= 3
    finally:
        pool.close()
    async with asyncio.timeout(10):
        while open_now:
            await asyncio.sleep(0.01)
    srv.close()


async def test_large_answer_is_paused_not_buffered():
    """A 16 MiB answer read slowly: the client holds about :data:`HIGH_WATER` bytes, not all."""
    size = 16 * 1024 * 1024

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await _read_request(r)
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        block = b"x" * (1024 * 1024)
        for _ in range(16):
            w.write(block)
            await w.drain()

    srv, url = await _server(handle)
    pool = LeanPool(limit=2, connect_timeout=5, user_agent="t")
    try:
        resp = await pool.request("GET", url + "/big", {}, None, 5)
        got = most = 0
        async for chunk in resp.chunks(64 * 1024):
            got += len(chunk)
            most = max(most, resp._conn.buffered if resp._conn else 0)  # pyright: ignore[reportPrivateUsage]
            await asyncio.sleep(0)
        resp.release()
        assert got == size
        assert most <= 2 * HIGH_WATER + 256 * 1024
    finally:
        pool.close()
        srv.close()


async def test_dead_endpoint_maps_to_a_transient_error():
    """A PUT to a port nobody listens on, over the lean path: the typed transient error."""
    async with AISClient(ConnectionSettings(endpoint="http://127.0.0.1:1", connect_timeout=2), retries=0) as c:
        with pytest.raises(TransientError) as ei:
            await c.objects.put(Bck("b"), "o", b"x")
        assert isinstance(ei.value, (ConnectionFailed, RequestTimeout))


async def test_a_connection_paused_at_the_end_of_an_answer_is_reused_awake():
    """A 2 MiB answer that arrives while nobody reads (reading paused past the high-water mark,
    and paused again by its last bytes): the connection goes back to the pool reading again, so
    the next request on it is answered (it hung before)."""
    size = 2 * 1024 * 1024

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        try:
            while True:
                await _read_request(r)
                w.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size + b"y" * size)
                await w.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass

    srv, url = await _server(handle)
    pool = LeanPool(limit=1, connect_timeout=5, user_agent="t")
    try:
        for _ in range(3):
            async with asyncio.timeout(10):
                resp = await pool.request("GET", url + "/big", {}, None, 5)
                await asyncio.sleep(0.2)  # the answer arrives unread: reading is paused
                got = 0
                async for chunk in resp.chunks(4 * 1024 * 1024):
                    got += len(chunk)
                resp.release()
                assert got == size
    finally:
        pool.close()
        srv.close()
