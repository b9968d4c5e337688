"""The object data path (object PUT/GET over the lean client, ``core/leanhttp.py``, and over
aiohttp with ``AISTUI_LEAN_HTTP=0``: every test runs on both) against a scripted raw-socket "proxy" and
"target": faults a real cluster cannot be made to produce on demand - a body cut short, a
redirect without Location, garbage instead of HTTP, an HTML error page, a target that stalls -
and where the bearer token goes. Every fault is a typed error; a download leaves no partial file."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.errors import AISError, ConnectionFailed, ProtocolError, RequestTimeout, ServerError
from aistui.core.transfer import download

TOKEN = "wire-secret-token"


class Scripted:
    """Two loopback servers: ``proxy`` redirects object requests to ``target``; ``target`` answers
    with ``self.target_reply`` (raw bytes, or None to stall). Each request's head is recorded."""

    def __init__(self):
        self.seen: list[tuple[str, str]] = []  # (who, request head)
        self.proxy_reply: bytes | None = None
        self.target_reply: bytes | None = b""

    async def _serve(self, who: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                text = head.decode("latin-1")
                self.seen.append((who, text))
                length = next((int(line.split(":", 1)[1]) for line in text.split("\r\n")
                               if line.lower().startswith("content-length:")), 0)
                if length:
                    await reader.readexactly(length)
                reply = self.proxy_reply if who == "proxy" else self.target_reply
                if who == "proxy" and reply is None:
                    path = text.split(" ", 2)[1]
                    reply = (f"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{self.tport}{path}"
                             "\r\nContent-Length: 0\r\n\r\n").encode()
                if reply is None:
                    await asyncio.sleep(3600)  # a stalled target
                writer.write(reply)
                await writer.drain()
                if b"Connection: close" in reply:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    @contextlib.asynccontextmanager
    async def running(self):
        p = await asyncio.start_server(lambda r, w: self._serve("proxy", r, w), "127.0.0.1", 0)
        t = await asyncio.start_server(lambda r, w: self._serve("target", r, w), "127.0.0.1", 0)
        self.pport = p.sockets[0].getsockname()[1]
        self.tport = t.sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{self.pport}"
        finally:
            p.close()
            t.close()


@pytest.fixture(params=["lean", "aiohttp"])
async def wire(request, monkeypatch):
    if request.param == "aiohttp":
        monkeypatch.setenv("AISTUI_LEAN_HTTP", "0")
    s = Scripted()
    async with s.running() as endpoint:
        s.endpoint = endpoint
        yield s


def _client(endpoint: str, timeout: float = 5.0) -> AISClient:
    return AISClient(ConnectionSettings(endpoint=endpoint, token=TOKEN, timeout=timeout, connect_timeout=2.0),
                     retries=0)


OK_BODY = b"0123456789"


async def test_token_goes_to_the_proxy_only_never_to_the_target(wire):
    wire.target_reply = (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nAis-Checksum-Type: none\r\n\r\n" + OK_BODY)
    async with _client(wire.endpoint) as c:
        assert c.datapath is not None  # the real aiohttp object data path, not a mock
        assert await c.objects.get(Bck("b"), "a b?c") == OK_BODY
        wire.target_reply = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        await c.objects.put(Bck("b"), "o", b"payload")
    proxy = [h for who, h in wire.seen if who == "proxy"]
    target = [h for who, h in wire.seen if who == "target"]
    assert len(proxy) == 2 and len(target) == 2
    assert all(f"Bearer {TOKEN}" in h for h in proxy)
    assert not any(TOKEN in h for h in target)
    assert proxy[0].startswith("GET /v1/objects/b/a%20b%3Fc?")  # the name arrives exactly


@pytest.mark.parametrize("reply, error, words", [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n" + OK_BODY, ConnectionFailed, ""),
    (b"this is not HTTP at all\r\n\r\n", AISError, ""),
    (b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 41\r\n\r\n"
     b"<html><body>502 Bad Gateway</body></html>", ServerError, "non-AIS server"),
    (b"HTTP/1.1 200 OK\r\nContent-Le", RequestTimeout, "timed out"),  # headers cut short
    (None, RequestTimeout, "timed out after 1 s"),
])
async def test_target_faults_are_typed_and_leave_no_partial_file(wire, tmp_path: Path, reply, error, words):
    wire.target_reply = reply
    async with _client(wire.endpoint, timeout=1.0) as c:
        with pytest.raises(error) as ei:
            await asyncio.wait_for(c.objects.get(Bck("b"), "o"), 30)
        assert words in str(ei.value)
        # retry_window=0: no retry of the transient faults (retries: tests/integration/test_transfer_retry.py)
        res = await asyncio.wait_for(download(c, Bck("b"), ["dir/o"], tmp_path / "out", retry_window=0), 30)
    assert list(res.failed) == ["dir/o"] and res.done == []
    assert [p for p in (tmp_path / "out").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("reply, words", [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "expected a redirect to a target, got 200"),
    (b"HTTP/1.1 307 Temporary Redirect\r\nContent-Length: 0\r\n\r\n", "expected a redirect"),
])
async def test_proxy_answers_that_are_not_redirects_are_protocol_errors(wire, reply, words):
    wire.proxy_reply = reply
    async with _client(wire.endpoint) as c:
        for call in (lambda: c.objects.put(Bck("b"), "o", b"x"), lambda: c.objects.get(Bck("b"), "o")):
            with pytest.raises(ProtocolError) as ei:
                await call()
            assert words in str(ei.value)
    assert not any(who == "target" for who, _ in wire.seen)
