"""Large object bodies over plain blocking sockets on threads: ranged GETs received straight into
one reused buffer and written at their file offset, PUTs of a file region sent with ``sendfile``
(zero copy).

Why: over aiohttp every socket read makes a new ``bytes`` object, and the pieces are joined into
chunks; a GiB received cost ~3 s of client CPU against the Go CLI's 0.7 s, and a PUT of a file
~1.5 s/GiB (chunks read on a thread, then sent) against 0.5 s (docs/benchmarks.md, issue 15).
Here a worker thread does ``sock.recv_into(memoryview)`` into a preallocated buffer and
``os.pwrite`` of that buffer; a PUT is ``os.sendfile`` from the file to the socket. The GIL is
released in all three, so the event loop and the other workers run meanwhile.

Only plain ``http://`` (HTTPS stays on aiohttp, :mod:`aistui.core.datapath`); only answers with a
``Content-Length`` (a chunked answer raises :class:`ProtocolError`). The response head is parsed
by hand: the status line and ``Name: value`` lines up to the blank line, at most 64 KiB.

The socket is connected on the event loop (``loop.sock_connect``, bounded by the connect timeout)
and then switched to blocking mode with ``SO_RCVTIMEO``/``SO_SNDTIMEO`` set to the read timeout,
so the thread makes one system call per step (no ``poll`` before each). Cancelling
(:meth:`Stopper.stop`) shuts the sockets down, which ends a blocked ``recv_into`` or ``sendfile``
at once.

Errors are the data path's: HTTP statuses through :func:`~aistui.core.errors.error_from_response`,
transport failures through :func:`~aistui.core.errors.transport_error` (a connection cut short is
:class:`ConnectionFailed`, a timeout :class:`RequestTimeout`: both transient). No token is ever
sent from here: the callers pass the target's URL (from the Smap of the configured cluster, or
the proxy's redirect) and headers without ``Authorization``, like the aiohttp data path.

``AISTUI_RAW_IO=0`` in the environment turns this path off (everything over aiohttp).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import struct
import time
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from multidict import CIMultiDict, CIMultiDictProxy

from .errors import (
    AISError,
    ConnectionFailed,
    InvalidInput,
    ProtocolError,
    RequestTimeout,
    error_from_response,
    transport_error,
)
from .threadwork import Progress, Stopper, run_blocking

__all__ = ["enabled", "RawConn", "RawAnswer", "counters", "connect", "put_file"]

_log = logging.getLogger("aistui.http")
_HEAD_MAX = 64 * 1024
#: bytes of the receive buffer of one GET worker (one ``pwrite`` per full buffer)
RECV_BUF = 1024 * 1024
#: bytes per ``sendfile`` call of a PUT (progress is reported after each)
SEND_SLICE = 8 * 1024 * 1024
#: requests sent over this path, by kind ("get", "put"): for tests and benchmarks
counters: dict[str, int] = {"get": 0, "put": 0}


def enabled(url: str) -> bool:
    """Whether a request to ``url`` may use this path: plain ``http://`` and ``AISTUI_RAW_IO`` not 0."""
    return url.startswith("http://") and os.environ.get("AISTUI_RAW_IO", "1") != "0"


class RawAnswer:
    """The head of an HTTP/1.1 answer: ``status``, ``headers`` (read-only, any case, as
    :mod:`aistui.core.leanhttp` gives them: multidict's ``CIMultiDictProxy``), the
    body bytes that arrived with the head (``early``) and ``length`` (Content-Length, bytes)."""

    __slots__ = ("status", "headers", "early", "length", "keep")

    def __init__(self, status: int, headers: dict[str, str], early: bytes, length: int, keep: bool):
        self.status = status
        self.headers: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict(headers))
        self.early = early
        self.length = length
        self.keep = keep


def _parse_head(raw: bytes, url: str) -> tuple[int, dict[str, str]]:
    """Status and headers (names lower-cased; repeated names joined with ``,``) of an answer head
    (without the blank line). Raises :class:`ProtocolError` for anything that is not HTTP/1.x."""
    lines = raw.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(url.split("?", 1)[0], f"not an HTTP/1.1 answer: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise ProtocolError(url.split("?", 1)[0], f"bad header line {line[:80]!r}")
        k = name.strip().decode("latin-1").lower()
        v = value.strip().decode("latin-1")
        headers[k] = f"{headers[k]},{v}" if k in headers else v
    return int(parts[1]), headers


class RawConn:
    """One HTTP/1.1 connection to one node (``host:port``), kept alive between requests. The
    blocking methods (:meth:`get_into`, :meth:`put_region`) run on a worker thread; connecting
    (:meth:`open`) runs on the event loop. ``timeout`` (s) bounds each socket read and write."""

    def __init__(self, stopper: Stopper, timeout: float, connect_timeout: float):
        self._stop = stopper
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._sock: socket.socket | None = None
        self._addr = ""
        self._buf: bytearray | None = None

    async def open(self, url: str) -> str:
        """Connect (or keep the open connection) to the node of ``url``; returns the request
        target (path and query). Raises :class:`ConnectionFailed`/:class:`RequestTimeout`."""
        u = urlsplit(url)
        host, port = u.hostname or "", u.port or 80
        addr = f"{host}:{port}"
        target = (u.path or "/") + (f"?{u.query}" if u.query else "")
        if self._sock is not None and self._addr == addr:
            return target
        self.close()
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM),
                                           self._connect_timeout)
            family, _, proto, _, sa = infos[0]
            sock = socket.socket(family, socket.SOCK_STREAM, proto)
            try:
                sock.setblocking(False)
                await asyncio.wait_for(loop.sock_connect(sock, sa), self._connect_timeout)
            except BaseException:
                sock.close()
                raise
        except (OSError, TimeoutError) as e:
            raise transport_error(e, url, self._connect_timeout) from None
        sock.setblocking(True)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        tv = struct.pack("ll", int(self._timeout), int((self._timeout % 1) * 1e6))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, tv)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, tv)
        self._sock, self._addr = sock, addr
        self._stop.add(sock)
        return target

    def close(self) -> None:
        if self._sock is not None:
            self._stop.discard(self._sock)
            self._sock.close()
            self._sock = None

    def _buffer(self) -> bytearray:
        buf = self._buf
        if buf is None:
            buf = self._buf = bytearray(RECV_BUF)
        return buf

    # ------------------------------------------------------------- thread side

    def _io_error(self, e: OSError, url: str) -> AISError:
        self.close()
        self._stop.check()
        if isinstance(e, (BlockingIOError, TimeoutError)):  # SO_RCVTIMEO/SO_SNDTIMEO ran out
            return RequestTimeout(url.split("?", 1)[0], self._timeout)
        return transport_error(e, url, self._timeout)

    def _read_head(self, sock: socket.socket, url: str) -> RawAnswer:
        data = b""
        while True:
            chunk = sock.recv(_HEAD_MAX)
            if not chunk:
                self._stop.check()
                raise ConnectionFailed(url.split("?", 1)[0], "the connection closed before an answer")
            data += chunk
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(data) > _HEAD_MAX:
                raise ProtocolError(url.split("?", 1)[0], "answer head larger than 64 KiB")
        status, headers = _parse_head(data[:end], url)
        if "chunked" in headers.get("transfer-encoding", "").lower():
            raise ProtocolError(url.split("?", 1)[0], "a chunked answer (this path needs Content-Length)")
        cl = headers.get("content-length")
        if cl is None or not cl.isdigit():
            raise ProtocolError(url.split("?", 1)[0], "an answer without Content-Length")
        keep = headers.get("connection", "").lower() != "close"
        return RawAnswer(status, headers, data[end + 4:], int(cl), keep)

    def _error_body(self, sock: socket.socket, ans: RawAnswer) -> bytes:
        body = ans.early
        while len(body) < min(ans.length, _HEAD_MAX):
            chunk = sock.recv(_HEAD_MAX)
            if not chunk:
                break
            body += chunk
        return body[:ans.length]

    def _request(self, method: str, url: str, target: str, headers: Mapping[str, str], length: int | None) -> bytes:
        host = self._addr
        lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", "User-Agent: aistui-rawio"]
        lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in ("host", "content-length")]
        if length is not None:
            lines.append(f"Content-Length: {length}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _ready(self, url: str) -> socket.socket:
        """The connected socket, unless the transfer was stopped (raises ``CancelledError``)."""
        sock = self._sock
        if sock is None:
            raise ConnectionFailed(url.split("?", 1)[0], "not connected")
        self._stop.check()
        return sock

    def _fail(self, ans: RawAnswer, body: bytes, method: str, url: str) -> NoReturn:
        """Close the connection and raise the :class:`AISError` of an answer >= 300."""
        self.close()
        raise error_from_response(ans.status, body, method=method, url=url.split("?", 1)[0],
                                  hdr_error=ans.headers.get("Hdr-Error"))

    @contextlib.contextmanager
    def _guard(self, url: str) -> Generator[None]:
        """(thread) One exchange: a socket error becomes the data path's :class:`AISError`
        (:meth:`_io_error`); any other failure closes the connection and propagates."""
        try:
            yield
        except OSError as e:
            raise self._io_error(e, url) from None
        except BaseException:
            self.close()
            raise

    def get_into(self, url: str, target: str, headers: Mapping[str, str], fd: int, offset: int, length: int,
                 check: Callable[[RawAnswer], None], on_bytes: Callable[[int], None]) -> RawAnswer:
        """(thread) ``GET`` ``target`` with ``headers`` (a ``Range`` of ``length`` bytes) and write
        the body at ``offset`` of the open file ``fd``; ``check(answer)`` sees the head first (it
        may raise); ``on_bytes(n)`` after each write. A status >= 400 raises the mapped
        :class:`AISError` (nothing written); a body of another length than ``length``, or cut
        short, raises :class:`ProtocolError`/:class:`ConnectionFailed` (bytes may have been
        written: the caller retries or drops the file)."""
        sock = self._ready(url)
        t0 = time.perf_counter()
        with self._guard(url):
            sock.sendall(self._request("GET", url, target, headers, None))
            ans = self._read_head(sock, url)
            _log.info("GET %s %s %.1fms", target.split("?", 1)[0], ans.status, (time.perf_counter() - t0) * 1e3)
            if ans.status >= 300:
                self._fail(ans, self._error_body(sock, ans), "GET", url)
            if ans.length != length:
                self.close()
                raise ProtocolError(url.split("?", 1)[0], f"answered {ans.length} bytes for a range of {length}")
            check(ans)
            counters["get"] += 1
            pos, end = offset, offset + length
            early = ans.early[:length]
            if early:
                os.pwrite(fd, early, pos)
                pos += len(early)
                on_bytes(len(early))
            if pos < end:
                mv = memoryview(self._buffer())
                while pos < end:
                    want = min(RECV_BUF, end - pos)
                    got = 0
                    while got < want:
                        n = sock.recv_into(mv[got:want])
                        if n == 0:
                            self._stop.check()
                            self.close()
                            raise ConnectionFailed(url.split("?", 1)[0], f"the answer was cut short after "
                                                                         f"{pos + got - offset} of {length} bytes")
                        got += n
                    os.pwrite(fd, mv[:got], pos)
                    pos += got
                    on_bytes(got)
                    self._stop.check()
            if not ans.keep:
                self.close()
            return ans

    def put_region(self, url: str, target: str, headers: Mapping[str, str], fd: int, offset: int, length: int,
                   on_bytes: Callable[[int], None]) -> RawAnswer:
        """(thread) ``PUT`` ``length`` bytes of the open file ``fd`` from ``offset`` with
        ``os.sendfile`` (zero copy), then read the answer; ``on_bytes(n)`` after each slice of
        :data:`SEND_SLICE` bytes. A status >= 400 raises the mapped :class:`AISError`; a file that
        shrank raises :class:`~aistui.core.errors.InvalidInput`."""
        sock = self._ready(url)
        t0 = time.perf_counter()
        with self._guard(url):
            sock.sendall(self._request("PUT", url, target, headers, length))
            pos, end = offset, offset + length
            out = sock.fileno()
            while pos < end:
                n = os.sendfile(out, fd, pos, min(SEND_SLICE, end - pos))
                if n == 0:
                    self.close()
                    raise InvalidInput(f"the file shrank while it was being uploaded "
                                       f"({pos - offset} of {length} bytes)")
                pos += n
                on_bytes(n)
                self._stop.check()
            ans = self._read_head(sock, url)
            body = self._error_body(sock, ans)
            _log.info("PUT %s %s %.1fms", target.split("?", 1)[0], ans.status, (time.perf_counter() - t0) * 1e3)
            if ans.status >= 300:
                self._fail(ans, body, "PUT", url)
            counters["put"] += 1
            if not ans.keep or len(body) != ans.length:
                self.close()
            return ans


async def connect(url: str, timeout: float, connect_timeout: float) -> tuple[RawConn, str, Stopper]:
    """A new :class:`RawConn` to the node of ``url`` with its own :class:`Stopper`, and the
    request target."""
    stopper = Stopper()
    conn = RawConn(stopper, timeout, connect_timeout)
    target = await conn.open(url)
    return conn, target, stopper


async def put_file(url: str, headers: Mapping[str, str], file: Path, offset: int, length: int,
                   progress: Callable[[int], None] | None, timeout: float, connect_timeout: float) -> RawAnswer:
    """``PUT`` bytes ``offset..offset+length`` of the local ``file`` to ``url`` (a target the
    proxy redirected to) with ``sendfile`` on a thread; returns the answer (headers: the stored
    checksum and version). ``progress(nbytes)`` on the event loop as slices go out. The body is
    sent once (no retry: the caller asks the proxy again). Cancelling shuts the socket down.
    Raises :class:`InvalidInput` for a file that cannot be read or shrank, the mapped HTTP and
    transport errors."""
    try:
        fd = os.open(file, os.O_RDONLY)
    except OSError as e:
        raise InvalidInput(f"cannot upload {file}: {(e.strerror or str(e)).lower()}") from None
    conn: RawConn | None = None
    try:
        conn, target, stopper = await connect(url, timeout, connect_timeout)
        prog = Progress(progress, every=SEND_SLICE)
        c = conn
        ans = await run_blocking(stopper, lambda: c.put_region(url, target, headers, fd, offset, length, prog.add))
        prog.flush()
        return ans
    finally:
        if conn is not None:
            conn.close()
        os.close(fd)
