"""The get-batch answer parser (``aistui.core.batch``) without a cluster: a TAR (and the
multipart metadata + TAR) fed in chunks of every awkward size, through the same worker-thread
reader ``iter_batch`` uses."""

from __future__ import annotations

import asyncio
import io
import tarfile
from collections.abc import AsyncIterator

import pytest

from aistui.core.batchparse import ArchiveParser, PullReader
from aistui.core.errors import ProtocolError

MEMBERS = {"b/with space": b"x" * 3, "b/Grüße/日本語": b"", "b/" + "n" * 200: bytes(range(256)) * 9,
           "__404__/b/missing": b"", "b/last": b"end"}


def archive(gz: bool = False) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in MEMBERS.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def multipart(tar: bytes, boundary: bytes = b"b0undary") -> bytes:
    meta = b'{"uuid":"u","out":[' + b",".join(b'{"objname":"x","err_msg":"e%d"}' % i for i in range(5)) + b"]}\n"
    return (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n' + meta
            + b"\r\n--" + boundary + b'\r\nContent-Disposition: form-data; name="archive"; filename="x"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n" + tar + b"\r\n--" + boundary + b"--\r\n")


async def parse(body: bytes, chunk: int, mode: str = "r|", boundary: bytes | None = None
                ) -> tuple[object, list[tuple[str, bytes]]]:
    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(body), chunk):
            yield b""  # an empty chunk is not the end of the answer
            yield body[i:i + chunk]

    parser = ArchiveParser(PullReader(chunks(), asyncio.get_running_loop()), mode, boundary)  # type: ignore[arg-type]
    meta = await asyncio.to_thread(parser.start)
    out: list[tuple[str, bytes]] = []
    while run := await asyncio.to_thread(parser.run):
        out += run
    assert await asyncio.to_thread(parser.next) is None  # asking again after the end stays None
    await asyncio.to_thread(parser.finish)
    return meta, out


@pytest.mark.parametrize("chunk", [1, 7, 511, 512, 513, 10_240, 1 << 20])
async def test_every_chunking_gives_the_members_in_order(chunk: int):
    _, out = await parse(archive(), chunk)
    assert out == list(MEMBERS.items())
    _, out = await parse(archive(gz=True), chunk, mode="r|gz")
    assert out == list(MEMBERS.items())


@pytest.mark.parametrize("chunk", [1, 100, 4096, 1 << 20])
async def test_multipart_metadata_then_archive(chunk: int):
    meta, out = await parse(multipart(archive()), chunk, boundary=b"b0undary")
    assert [o.err_msg for o in meta.out] == ["e0", "e1", "e2", "e3", "e4"]  # type: ignore[attr-defined]
    assert out == list(MEMBERS.items())


async def test_a_cut_archive_is_a_protocol_error():
    body = archive()
    with pytest.raises(ProtocolError, match="cannot read the archive"):
        await parse(body[:2048 + 100], 333)
    with pytest.raises(ProtocolError, match="no archive part"):
        await parse(b"--b\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{}\r\n--b--\r\n", 10,
                    boundary=b"b")
