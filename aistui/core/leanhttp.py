"""A minimal keep-alive HTTP/1.1 client for the object data path's small requests (issue 15).

aiohttp spends ~90 us of Python per request on the 2-core bench machine; a small-object PUT is
two requests (the proxy's redirect, then the target), so that alone was about half of the
client's CPU per object. This client does only what the data path needs, on an asyncio
``Protocol`` with ``httptools`` (the llhttp parser, as uvicorn uses) parsing the answers:

* plain ``http://`` only (TLS stays on aiohttp, :mod:`aistui.core.datapath` decides), one request
  at a time per connection (no pipelining), ``Content-Length`` request bodies given as bytes;
* a pool per ``host:port``: idle keep-alive connections are reused, at most ``limit`` connections
  per host open at once (callers beyond that wait for one), an idle connection the server closed
  is dropped, and a request that finds its reused connection closed before any byte of the answer
  arrived is sent once more on a new connection (the keep-alive race; the body is bytes, so it can
  be sent again);
* answers are streamed: the body is buffered up to :data:`HIGH_WATER` bytes, then the socket is
  paused until the reader takes it (memory stays bounded for large objects);
* timeouts: ``connect_timeout`` s to open a connection, and ``read_timeout`` s without a byte
  from the server while an answer is awaited (one 1 s watchdog per pool, no timer per request);
* failures raise ``OSError`` (refused, reset, closed early), ``TimeoutError`` or
  :class:`LeanProtocolError` (an answer that is not HTTP), for the caller to map with
  :func:`~aistui.core.errors.transport_error`.

Not supported here (the data path keeps aiohttp for them): HEAD (llhttp would wait for a body of
the answer's ``Content-Length``), streamed request bodies, TLS, proxies from the environment.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httptools  # pyright: ignore[reportMissingTypeStubs]
from multidict import CIMultiDict, CIMultiDictProxy

__all__ = ["LeanPool", "LeanResponse", "LeanProtocolError", "HIGH_WATER"]

#: bytes of an answer's body buffered before the socket is paused until the reader catches up
HIGH_WATER = 1024 * 1024


class LeanProtocolError(OSError):
    """The server's answer is not valid HTTP/1.1 (an ``OSError``, so it maps as a transport
    failure)."""


class _Conn(asyncio.Protocol):
    """One keep-alive connection; the parser's callbacks fill the current answer."""

    def __init__(self, pool: LeanPool, key: str) -> None:
        self.pool = pool
        self.key = key
        self.loop = pool.loop
        self.transport: asyncio.Transport | None = None
        self.parser: Any = httptools.HttpResponseParser(self)
        self.closed = False
        self.paused = False
        self.idle = False
        self.reused = False
        self.forgotten = False
        self.read_timeout = 0.0
        self.last_io = 0.0
        self.reset()

    def reset(self) -> None:
        self.hdrs: list[tuple[str, str]] = []
        self.status = 0
        self.head_fut: asyncio.Future[None] | None = None
        self.body: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.body_fut: asyncio.Future[None] | None = None
        self.done = False
        self.got = False
        self.exc: BaseException | None = None
        self.keep_alive = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.got = True
        self.last_io = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as e:  # pyright: ignore[reportAttributeAccessIssue]
            self.fail(LeanProtocolError(f"bad HTTP answer: {e}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.done:
            self.fail(exc or ConnectionResetError("the server closed the connection"))
        self.pool.lost(self)

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.hdrs.append((name.decode("latin-1"), value.decode("utf-8", "surrogateescape")))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        f = self.head_fut
        if f is not None and not f.done():
            f.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.body.append(body)
        self.buffered += len(body)
        if self.buffered >= HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        f = self.body_fut
        if f is not None and not f.done():
            f.set_result(None)

    def on_message_complete(self) -> None:
        self.done = True
        self.keep_alive = self.parser.should_keep_alive()
        for f in (self.head_fut, self.body_fut):
            if f is not None and not f.done():
                f.set_result(None)

    # the pool's side
    def fail(self, exc: BaseException) -> None:
        """Fail the answer in progress with ``exc`` and drop the connection."""
        if self.exc is None:
            self.exc = exc
        for f in (self.head_fut, self.body_fut):
            if f is not None and not f.done():
                f.set_exception(exc)
                f.exception()  # retrieved here: the waiter re-raises self.exc
        if self.transport is not None and not self.closed:
            self.transport.abort()

    async def wait_body(self) -> None:
        if self.paused and self.transport is not None:
            self.paused = False
            self.last_io = self.loop.time()  # the reader was busy: the server's silence starts now
            self.transport.resume_reading()
        f = self.body_fut = self.loop.create_future()
        try:
            await f
        finally:
            self.body_fut = None


class LeanResponse:
    """An answer's status, headers (case-insensitive, as aiohttp's) and streamed body. Read the
    body with :meth:`read` or :meth:`chunks`, then :meth:`release` (returns the connection to the
    pool when the body was read to the end, else closes it)."""

    __slots__ = ("status", "headers", "url", "_conn", "_pool")

    def __init__(self, conn: _Conn, pool: LeanPool, url: str) -> None:
        self._conn: _Conn | None = conn
        self._pool = pool
        self.url = url
        self.status = conn.status
        self.headers: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict(conn.hdrs))

    async def read(self, limit: int = -1) -> bytes:
        """The body (at most ``limit`` bytes when ``limit`` >= 0; the rest is dropped with the
        connection at :meth:`release`)."""
        parts: list[bytes] = []
        got = 0
        async for c in self.chunks(1 << 62):
            parts.append(c)
            got += len(c)
            if 0 <= limit <= got:
                break
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        return data if limit < 0 else data[:limit]

    async def chunks(self, size: int) -> AsyncIterator[bytes]:
        """The body in chunks of exactly ``size`` bytes but the last (1 to ``size`` bytes; none
        for an empty body). Raises ``OSError``/``TimeoutError`` when the answer is cut short."""
        c = self._conn
        if c is None:
            return
        body = c.body
        while True:
            if c.exc is not None:
                raise c.exc
            if c.buffered >= size or (c.done and c.buffered):
                if len(body) == 1 and c.buffered <= size:
                    out = body.popleft()
                else:
                    parts: list[bytes] = []
                    need = size
                    while need and body:
                        p = body.popleft()
                        if len(p) > need:
                            body.appendleft(p[need:])
                            p = p[:need]
                        parts.append(p)
                        need -= len(p)
                    out = b"".join(parts)
                c.buffered -= len(out)
                yield out
                continue
            if c.done:
                return
            await c.wait_body()

    def release(self) -> None:
        """Give the connection back (kept alive when the answer was read to its end)."""
        c, self._conn = self._conn, None
        if c is not None:
            self._pool.release(c)


class LeanPool:
    """Keep-alive connections per ``host:port`` (see the module notes); :meth:`request` sends one
    request and returns its :class:`LeanResponse` once the answer's headers arrived."""

    def __init__(self, *, limit: int, connect_timeout: float, user_agent: str) -> None:
        self.loop = asyncio.get_running_loop()
        self.limit = max(1, limit)
        self.connect_timeout = connect_timeout
        self._ua = f"User-Agent: {user_agent}\r\n"
        self._idle: dict[str, list[_Conn]] = {}
        self._open: dict[str, int] = {}
        self._waiters: dict[str, collections.deque[asyncio.Future[_Conn | None]]] = {}
        self._busy: set[_Conn] = set()
        self._watch: asyncio.TimerHandle | None = None
        self.closed = False

    async def request(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None,
                      read_timeout: float) -> LeanResponse:
        """Send ``method url`` (``http://host:port/path?query``, already encoded) with
        ``headers`` and ``body`` (``Content-Length`` is set here); the answer once its headers
        arrived. ``read_timeout`` s without a byte from the server raises ``TimeoutError``."""
        i = url.find("/", 7)
        if i < 0:
            key, target = url[7:], "/"
        else:
            key, target = url[7:i], url[i:]
        extra = ""
        for k, v in headers.items():
            if "\n" in v or "\r" in v or "\n" in k or "\r" in k:
                raise ValueError(f"newline in the value of header {k}")
            if k != "Content-Length":
                extra += f"{k}: {v}\r\n"
        head = (f"{method} {target} HTTP/1.1\r\nHost: {key}\r\n{self._ua}{extra}"
                f"Content-Length: {len(body) if body else 0}\r\n\r\n").encode()
        for attempt in (0, 1):
            conn = await self._acquire(key)
            conn.read_timeout = read_timeout
            conn.last_io = self.loop.time()
            self._busy.add(conn)
            if self._watch is None:
                self._watch = self.loop.call_later(1.0, self._watchdog)
            t = conn.transport
            assert t is not None
            if body:
                t.writelines((head, body)) if len(body) > 16384 else t.write(head + body)
            else:
                t.write(head)
            fut = conn.head_fut = self.loop.create_future()
            try:
                if not conn.status and not conn.exc:
                    await fut
                elif conn.exc:
                    raise conn.exc
            except BaseException as e:
                retry = (attempt == 0 and conn.reused and not conn.got and isinstance(e, ConnectionError))
                self._drop(conn)
                if retry:
                    continue
                raise
            conn.head_fut = None
            return LeanResponse(conn, self, url)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _acquire(self, key: str) -> _Conn:
        idle = self._idle.get(key)
        while idle:
            c = idle.pop()
            if not c.closed:
                c.idle = False
                c.reused = True
                c.got = False
                return c
        n = self._open.get(key, 0)
        if n >= self.limit:
            f: asyncio.Future[_Conn | None] = self.loop.create_future()
            self._waiters.setdefault(key, collections.deque()).append(f)
            try:
                c = await f
            except BaseException:
                if f.done() and not f.cancelled() and f.exception() is None and f.result() is not None:
                    self._release_idle(f.result())  # type: ignore[arg-type]
                raise
            if c is not None:
                c.idle = False
                c.reused = True
                c.got = False
                return c
            n = self._open.get(key, 0)  # a connection closed: open a new one in its place
        self._open[key] = n + 1
        host, sep, port = key.rpartition(":")
        if not sep or "]" in port:  # no port: http's default
            host, port = key, "80"
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, proto = await self.loop.create_connection(lambda: _Conn(self, key), host.strip("[]"),
                                                             int(port))
        except BaseException:
            self._open[key] -= 1
            self._wake(key, None)
            raise
        return proto

    def _wake(self, key: str, c: _Conn | None) -> bool:
        q = self._waiters.get(key)
        while q:
            f = q.popleft()
            if not f.done():
                f.set_result(c)
                return True
        return False

    def release(self, c: _Conn) -> None:
        self._busy.discard(c)
        if c.closed or not c.done or not c.keep_alive or c.exc is not None or self.closed:
            self._drop(c)
            return
        if c.paused and c.transport is not None:  # the last bytes came in past the high-water mark
            c.paused = False
            c.transport.resume_reading()
        c.reset()
        self._release_idle(c)

    def _release_idle(self, c: _Conn) -> None:
        if not self._wake(c.key, c):
            c.idle = True
            self._idle.setdefault(c.key, []).append(c)

    def _drop(self, c: _Conn) -> None:
        self._busy.discard(c)
        c.closed = True
        if c.transport is not None:
            c.transport.abort()
        self._forget(c)

    def _forget(self, c: _Conn) -> None:
        if c.forgotten:
            return
        c.forgotten = True
        n = self._open.get(c.key, 0)
        if n > 0:
            self._open[c.key] = n - 1
        self._wake(c.key, None)

    def lost(self, c: _Conn) -> None:
        """The server (or we) closed ``c``: forget it (once)."""
        self._busy.discard(c)
        if c.idle:
            c.idle = False
            idle = self._idle.get(c.key)
            if idle and c in idle:
                idle.remove(c)
        self._forget(c)

    def _watchdog(self) -> None:
        self._watch = None
        if self.closed or not self._busy:
            return
        now = self.loop.time()
        for c in list(self._busy):
            if not c.done and not c.paused and now - c.last_io > c.read_timeout:
                c.fail(TimeoutError(f"no answer for {c.read_timeout:g} s"))
        self._watch = self.loop.call_later(1.0, self._watchdog)

    def close(self) -> None:
        """Close every connection (idle or busy); the pool cannot be used afterwards."""
        self.closed = True
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        for idle in self._idle.values():
            for c in idle:
                if c.transport is not None:
                    c.transport.abort()
        self._idle.clear()
        for c in list(self._busy):
            c.fail(ConnectionResetError("the client was closed"))
        for q in self._waiters.values():
            for f in q:
                if not f.done():
                    f.set_exception(ConnectionResetError("the client was closed"))
        self._waiters.clear()
