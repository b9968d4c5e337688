"""Large objects over the raw socket path (``core/rawio.py``): ranged GETs received into a buffer
and written at their offsets, file PUTs with ``sendfile``, on the real cluster.

The corrupted, cut-short, stalled and 404 answers come from a small local HTTP server standing in
for the target (a real cluster never sends them on demand): the HEAD still goes to the real
cluster, only the range reads are pointed at the stand-in (``datapath.read_url`` patched)."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import xxhash

from aistui.core import AISClient, Bck, rawio
from aistui.core.errors import ChecksumMismatch, ConnectionFailed

MiB = 1024 * 1024


def _leftovers(d: Path) -> list[str]:
    return [p.name for p in d.iterdir() if p.name.endswith(".part")]


class StandIn:
    """A target stand-in on 127.0.0.1 answering ``GET`` with ``Range`` from ``data``. ``mode``:
    ``ok``; ``flip`` (one byte of every answer changed); ``cut`` (every answer closed half-way);
    ``cut-once`` (the first answer closed half-way, then ``ok``); ``stall`` (half an answer, then
    nothing until :meth:`close`); ``404``."""

    def __init__(self, data: bytes, mode: str):
        self.data, self.mode = data, mode
        self.requests = 0
        self._lock = threading.Lock()
        self.released = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1/objects/b/o"
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self.released.set()
        self.sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._conn, args=(conn,), daemon=True).start()

    def _conn(self, conn: socket.socket) -> None:
        try:
            self._answer(conn)
        except OSError:  # the client shut its end down (cancel, or it gave up on a cut answer)
            pass

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            buf = b""
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                head, _, buf = buf.partition(b"\r\n\r\n")
                with self._lock:
                    self.requests += 1
                    nth = self.requests
                m = re.search(rb"Range: bytes=(\d+)-(\d+)", head)
                if self.mode == "404" or m is None:
                    body = b'{"message":"not here","status":404}'
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                    continue
                a, b = int(m[1]), int(m[2])
                body = bytearray(self.data[a:b + 1])
                if self.mode == "flip":
                    body[len(body) // 2] ^= 0xFF
                conn.sendall(b"HTTP/1.1 206 Partial Content\r\nContent-Length: %d\r\n\r\n" % len(body))
                if self.mode in ("cut", "stall") or (self.mode == "cut-once" and nth == 1):
                    conn.sendall(body[:len(body) // 2])
                    if self.mode == "stall":
                        self.released.wait(60)
                    return
                conn.sendall(body)


@pytest.fixture
def stand_in() -> Iterator[list[StandIn]]:
    made: list[StandIn] = []
    yield made
    for s in made:
        s.close()


def _point_at(client: AISClient, monkeypatch: pytest.MonkeyPatch, s: StandIn, direct: bool = False) -> None:
    """Range reads go to the stand-in (``direct``: as if it were the object's target from the map,
    so that a failure falls back to the proxy); asked again through the proxy, the real answer."""
    dp = client.datapath
    assert dp is not None
    real = dp.read_url

    async def read_url(path: str, params: dict[str, str], timeout: float | None = None, **kw: object):
        if kw.get("via_proxy"):
            return await real(path, params, timeout, **kw)  # type: ignore[arg-type]
        return s.url, direct

    monkeypatch.setattr(dp, "read_url", read_url)


async def test_ranges_land_byte_identical_and_verified(client: AISClient, bucket: Bck, tmp_path: Path):
    data = os.urandom(3 * MiB + 4321)  # a short last range
    await client.objects.put(bucket, "r/one.bin", data)
    before = rawio.counters["get"]
    seen: list[int] = []
    props = await client.objects.download_parallel(bucket, "r/one.bin", tmp_path / "one.bin", workers=3,
                                                   chunk_size=256 * 1024, progress=seen.append)
    assert (tmp_path / "one.bin").read_bytes() == data
    assert props.checksum == xxhash.xxh64(data).hexdigest()
    assert sum(seen) == len(data)
    assert rawio.counters["get"] - before == -(-len(data) // (256 * 1024))  # every range over the raw path
    assert _leftovers(tmp_path) == []


async def test_corrupted_or_cut_answers_leave_no_partial_file(client: AISClient, bucket: Bck, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              stand_in: list[StandIn]):
    data = os.urandom(2 * MiB)
    await client.objects.put(bucket, "c.bin", data)
    client.retries = 1
    flip = StandIn(data, "flip")
    stand_in.append(flip)
    _point_at(client, monkeypatch, flip)
    with pytest.raises(ChecksumMismatch):
        await client.objects.download_parallel(bucket, "c.bin", tmp_path / "c.bin", workers=2, chunk_size=MiB)
    assert list(tmp_path.iterdir()) == []

    cut = StandIn(data, "cut")
    stand_in.append(cut)
    _point_at(client, monkeypatch, cut)
    with pytest.raises(ConnectionFailed, match="cut short"):
        await client.objects.download_parallel(bucket, "c.bin", tmp_path / "c.bin", workers=1, chunk_size=MiB)
    assert list(tmp_path.iterdir()) == []
    assert cut.requests == 2  # the first try and one retry


async def test_an_interrupted_range_is_retried_and_counted_once(client: AISClient, bucket: Bck, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                stand_in: list[StandIn]):
    data = os.urandom(2 * MiB + 5)
    await client.objects.put(bucket, "i.bin", data)
    s = StandIn(data, "cut-once")
    stand_in.append(s)
    _point_at(client, monkeypatch, s)
    seen: list[int] = []
    await client.objects.download_parallel(bucket, "i.bin", tmp_path / "i.bin", workers=2, chunk_size=MiB,
                                           progress=seen.append)
    assert (tmp_path / "i.bin").read_bytes() == data
    assert sum(seen) == len(data) and s.requests == 4  # 3 ranges, the first sent twice
    assert _leftovers(tmp_path) == []


async def test_a_failing_direct_target_falls_back_to_the_proxy(client: AISClient, bucket: Bck, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               stand_in: list[StandIn]):
    data = os.urandom(MiB + 3)
    await client.objects.put(bucket, "f.bin", data)
    s = StandIn(data, "404")
    stand_in.append(s)
    _point_at(client, monkeypatch, s, direct=True)
    assert client.datapath is not None
    before = client.datapath.fallbacks
    await client.objects.download_parallel(bucket, "f.bin", tmp_path / "f.bin", workers=2, chunk_size=256 * 1024)
    assert (tmp_path / "f.bin").read_bytes() == data
    assert client.datapath.fallbacks > before and s.requests >= 1


async def test_cancel_mid_range_leaves_no_partial_file(client: AISClient, bucket: Bck, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch, stand_in: list[StandIn]):
    data = os.urandom(4 * MiB)
    await client.objects.put(bucket, "s.bin", data)
    s = StandIn(data, "stall")
    stand_in.append(s)
    _point_at(client, monkeypatch, s)
    started = asyncio.Event()
    task = asyncio.ensure_future(client.objects.download_parallel(
        bucket, "s.bin", tmp_path / "s.bin", workers=2, chunk_size=2 * MiB, progress=lambda n: started.set()))
    await asyncio.wait_for(started.wait(), 60)  # half a range (one full buffer) written: the threads are in recv_into
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 60)  # the blocked receives end when their sockets are shut down
    assert list(tmp_path.iterdir()) == []


async def test_put_with_sendfile_round_trips_and_matches_the_stored_checksum(client: AISClient, bucket: Bck,
                                                                              tmp_path: Path):
    data = os.urandom(3 * MiB + 11)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    before = rawio.counters["put"]
    seen: list[int] = []
    props = await client.objects.put(bucket, "up.bin", f, progress=seen.append)
    assert rawio.counters["put"] == before + 1 and sum(seen) == len(data)
    head = await client.objects.head(bucket, "up.bin")
    assert head.size == len(data) and head.checksum == props.checksum == xxhash.xxh64(data).hexdigest()
    assert await client.objects.get(bucket, "up.bin") == data
    # multipart parts go out the same way (offset and count into the one file)
    seen.clear()
    await client.objects.put_multipart(bucket, "mpu.bin", f, part_size=MiB, concurrency=2, progress=seen.append)
    assert rawio.counters["put"] == before + 5 and sum(seen) == len(data)
    await client.objects.download_parallel(bucket, "mpu.bin", tmp_path / "back.bin", chunk_size=700_000)
    assert (tmp_path / "back.bin").read_bytes() == data


async def test_raw_io_off_and_https_keep_the_aiohttp_path(client: AISClient, bucket: Bck, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    assert not rawio.enabled("https://ais.example:8080") and rawio.enabled("http://127.0.0.1:8080")
    data = os.urandom(MiB + 17)
    f = tmp_path / "in.bin"
    f.write_bytes(data)
    monkeypatch.setenv("AISTUI_RAW_IO", "0")
    assert not rawio.enabled("http://127.0.0.1:8080")
    before = dict(rawio.counters)
    await client.objects.put(bucket, "off.bin", f)
    await client.objects.download_parallel(bucket, "off.bin", tmp_path / "off.bin", workers=2, chunk_size=256 * 1024)
    assert (tmp_path / "off.bin").read_bytes() == data
    assert rawio.counters == before  # nothing went over the raw sockets
