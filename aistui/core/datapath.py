"""The object data path: object bodies (PUT and GET) and HEAD sent over the lean client, aiohttp or
raw sockets (below), GET and HEAD straight to the target that holds the object.

Everything else goes through ``httpx.AsyncClient``; object bodies are the hot path of uploads,
downloads and loaders, and httpx's per-request model building cost ~1.5 ms of client CPU per
object on the 2-core bench machine, more than the cluster's own work (docs/benchmarks.md). The
data path uses the *same* aiohttp session as the httpx transport, so there is one connection pool
and one limit. URLs are passed pre-encoded (``yarl.URL(..., encoded=True)``) so object names reach
the server byte for byte. Transport errors are mapped with the client's own mapper
(:func:`~aistui.core.errors.transport_error`). Every request is one INFO line on ``aistui.http``,
as for the control calls (path without the query, status, milliseconds).

Routes (followed from the AIS v1.5.0 source, ``ais/target.go`` ``checkObjVerb`` and
``_verifyUnsigned``):

* **GET and HEAD go to the target directly** (no proxy hop): the target is computed on the client
  with the cluster's HRW over a cached Smap (:class:`~aistui.core.hrw.Locator`), and the request
  is sent to that target's public URL from the Smap served by the configured endpoint (so never
  to a host that is not a node of that cluster). A v1.5.0 target serves such "legacy direct read
  access" on its public network unless AuthN or request signing is on.
* When the direct answer is an error, the same request goes through the proxy (which knows the
  current map; its answer is the one that counts) and the cached map is marked stale
  (:meth:`Locator.stale`): a 404 (the object may live elsewhere now), a 5xx or a target that
  cannot be reached (it left, or is leaving; then it is skipped for ``DOWN_FOR`` s, and after
  ``STRIKES`` misses in a row direct access is switched off: a target whose public address is
  not routable from the client); a 401/403, or a 400 refusing direct access, switches direct
  access off for this client (``direct_off`` says why). The map is also re-read every
  ``Locator.max_age`` seconds, and when a PUT's redirect names another target than the cached
  map does.
* **PUT and DELETE go through the proxy**: a v1.5.0 target refuses both on its public network
  unless the proxy redirected them (``400 PUT(obj) is expected to be redirected``). A PUT asks the
  proxy first with no body (retried on transient errors), then sends the body once to the
  ``Location`` the proxy answered (the 307 followed by hand).
* **The lean HTTP client** (:mod:`aistui.core.leanhttp`, httptools on an asyncio Protocol) sends
  the plain-``http://`` requests with a body-less or bytes body (the small-object PUT and GET, the
  proxy's redirects): ~4x less client CPU per request than aiohttp. HEAD, streamed bodies and TLS
  stay on aiohttp. ``AISTUI_LEAN_HTTP=0`` in the environment, or :attr:`ObjectDataPath.lean` set
  False, sends everything over aiohttp.
* **Large bodies over plain http go over raw sockets** (:mod:`aistui.core.rawio`): file PUTs over
  1 MiB and multipart parts with ``sendfile`` (:meth:`ObjectDataPath.put_file`), the parallel
  range GETs of ``download_parallel`` to the URL :meth:`ObjectDataPath.read_url` gives.
  ``AISTUI_RAW_IO=0`` or HTTPS keeps them on aiohttp.
* **Everything goes through the proxy** with ``ConnectionSettings.via_proxy`` (``--via-proxy``:
  deployments that expose only the proxy, behind a load balancer or an ingress), and when a token
  is set (a cluster with AuthN refuses direct target access; the bearer token goes to the proxy
  only, never to a target).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlencode

from . import rawio
from .errors import AISError, ProtocolError, TransientError, error_from_response, transport_error
from .leanhttp import LeanPool, LeanResponse
from .retry import on_transient
from .route import DirectRoute

if TYPE_CHECKING:
    from pathlib import Path

    import aiohttp

    from .client import AISClient
    from .hrw import Locator
    from .models import Bck

__all__ = ["ObjectDataPath", "body_chunks"]

_REDIRECTS = (301, 302, 303, 307, 308)
#: bytes bodies up to this size go over the lean client (larger ones stream over aiohttp)
_LEAN_MAX_BODY = 1024 * 1024
#: an answer of either HTTP stack: ``status``, ``headers``, ``url``, ``release()``
Resp = Any
_log = logging.getLogger("aistui.http")
T = TypeVar("T")

#: the transport failures of aiohttp (filled on first use: aiohttp is imported lazily)
_net_errors_seen: list[tuple[type[BaseException], ...]] = []


def _net_errors() -> tuple[type[BaseException], ...]:
    if not _net_errors_seen:
        import aiohttp

        _net_errors_seen.append((TimeoutError, aiohttp.ClientError, OSError))
    return _net_errors_seen[0]


def _shown(url: str) -> str:
    """The path of ``url`` as sent, without scheme, host and query (for the request log)."""
    i = url.find("/", url.find("//") + 2) if "//" in url else 0
    return url[i:].split("?", 1)[0]


class ObjectDataPath(DirectRoute):
    """The object data path (``client.datapath``; None when the client was given its own
    transport): object GET/PUT bodies and HEAD straight over the aiohttp session beneath
    ``client.http`` (``session_factory()`` returns that ``aiohttp.ClientSession``); GET and HEAD
    straight to the object's target when :attr:`direct` (see the module's notes on routes)."""

    def __init__(self, client: AISClient, session_factory: Callable[[], aiohttp.ClientSession]):
        self._c = client
        self._session_factory = session_factory
        s = client.settings
        self._scheme = client.endpoint.split("://", 1)[0] + "://"
        self._init_route(via_proxy=s.via_proxy, token=bool(s.token))
        self._timeouts: dict[float | None, Any] = {}
        #: whether plain-http requests with no body or a bytes body go over :mod:`leanhttp`
        self.lean = self._scheme == "http://" and os.environ.get("AISTUI_LEAN_HTTP", "1") != "0"
        self._pool: LeanPool | None = None

    @property
    def raw(self) -> bool:
        """Whether large bodies (file PUTs, parallel range GETs) go over :mod:`aistui.core.rawio`:
        plain http and ``AISTUI_RAW_IO`` not 0 (read on every call)."""
        return rawio.enabled(self._c.endpoint)

    def close(self) -> None:
        """Close the lean client's connections (the aiohttp ones close with ``client.http``)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _lean_pool(self) -> LeanPool:
        p = self._pool
        if p is None or p.loop is not asyncio.get_running_loop():
            from .. import __version__

            s = self._c.settings
            p = self._pool = LeanPool(limit=self._c.max_connections, connect_timeout=s.connect_timeout,
                                      user_agent=f"aistui/{__version__}")
        return p

    @property
    def _locator(self) -> Locator:
        return self._c.objects.locator

    def _query(self, params: Mapping[str, str]) -> str:
        return "?" + urlencode(params, quote_via=quote) if params else ""

    def _timeout(self, timeout: float | None) -> aiohttp.ClientTimeout:
        t = self._timeouts.get(timeout)
        if t is None:
            import aiohttp

            t = self._timeouts[timeout] = aiohttp.ClientTimeout(
                total=None, sock_connect=self._c.settings.connect_timeout,
                sock_read=timeout or self._c.settings.timeout)
        return t

    @staticmethod
    async def _raise_for(resp: Resp, method: str) -> None:
        if resp.status >= 400:
            body = await (resp.read(64 * 1024) if isinstance(resp, LeanResponse) else resp.content.read(64 * 1024))
            raise error_from_response(resp.status, body, method=method, url=str(resp.url).split("?", 1)[0],
                                      hdr_error=resp.headers.get("Hdr-Error"))

    async def _send(self, method: str, url: str, headers: Mapping[str, str], data: Any,
                    timeout: float | None) -> Resp:
        """One request, the answer's headers read (the caller releases it); transport failures
        raise the typed :class:`AISError`. Over :mod:`leanhttp` when :attr:`lean` and the request
        suits it (plain http, not HEAD, no body or a bytes body up to 1 MiB), else over aiohttp."""
        t0 = time.perf_counter()
        try:
            if (self.lean and method != "HEAD" and url.startswith("http://")
                    and (data is None or (type(data) is bytes and len(data) <= _LEAN_MAX_BODY))):
                resp: Resp = await self._lean_pool().request(method, url, headers, data,
                                                              timeout or self._c.settings.timeout)
            else:
                from yarl import URL

                resp = await self._session_factory().request(
                    method, URL(url, encoded=True), headers=headers, data=data, allow_redirects=False,
                    timeout=self._timeout(timeout), auto_decompress=False)
        except _net_errors() as e:
            err = transport_error(e, url, timeout or self._c.settings.timeout)
            if _log.isEnabledFor(logging.INFO):
                _log.info("%s %s %s %.1fms", method, _shown(url), type(err).__name__, (time.perf_counter() - t0) * 1e3)
            raise err from None
        if _log.isEnabledFor(logging.INFO):
            _log.info("%s %s %s %.1fms", method, _shown(url), resp.status, (time.perf_counter() - t0) * 1e3)
        return resp

    async def _retried(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call()``, retried like the client's idempotent calls (``client.retries`` extra
        attempts on :class:`TransientError`, jittered backoff). The first attempt runs without
        building a tenacity policy: that cost ~10 us of CPU per object."""
        try:
            return await call()
        except TransientError:
            if self._c.retries <= 0:
                raise
        await asyncio.sleep(0.2 + random.random() * 0.2)
        async for attempt in on_transient(self._c.retries - 1):
            with attempt:
                return await call()
        raise AssertionError("unreachable")  # pragma: no cover

    # ----------------------------------------------------------------- routes

    async def _ask_proxy(self, method: str, path: str, query: str, timeout: float | None) -> str:
        """Ask the proxy (with the token, no body) where the object lives: its ``Location``."""
        resp = await self._send(method, self._c.endpoint + path + query,
                                {**self._c.auth_headers(), "Content-Length": "0"}, None, timeout)
        try:
            await self._raise_for(resp, method)
            loc = resp.headers.get("Location")
            if resp.status not in _REDIRECTS or not loc:
                raise ProtocolError(f"{method} {path}", f"expected a redirect to a target, got {resp.status}")
            if isinstance(resp, LeanResponse):
                await resp.read()  # the short redirect body, so that the connection is kept
            return loc
        except _net_errors() as e:
            raise transport_error(e, self._c.endpoint + path, timeout or self._c.settings.timeout) from None
        finally:
            resp.release()

    async def _via_proxy(self, method: str, path: str, query: str, headers: Mapping[str, str], data: Any,
                         timeout: float | None) -> Resp:
        """The request through the proxy's redirect: the target's answer, status checked."""
        loc = await self._retried(lambda: self._ask_proxy(method, path, query, timeout))
        resp = await self._send(method, loc, headers, data, timeout)
        if resp.status >= 400:
            try:
                await self._raise_for(resp, method)
            finally:
                resp.release()
        return resp

    async def _direct(self, method: str, bck: Bck, obj: str, path: str, query: str,
                      headers: Mapping[str, str], timeout: float | None) -> Resp | None:
        """The body-less request sent to the object's target computed on the client: its answer
        (status < 400), or None when the request must go through the proxy instead: the target
        answered an error or could not be reached (see the module notes)."""
        try:
            target = await self._locator.locate(bck, obj)
        except AISError:
            return None  # no map, or no eligible target: the proxy decides
        base = target.public_url
        if not base.startswith(self._scheme):
            return None  # never downgrade https to http on a node's say-so
        if self._skipped(base):
            return None  # not reached a moment ago: the proxy meanwhile
        try:
            resp = await self._send(method, base + path + query, headers, None, timeout)
        except TransientError:  # the target left, restarts, is overloaded, or is not reachable from here
            self._unreached(base)
            self.fallbacks += 1
            return None
        if self._strikes:
            self._strikes.pop(base, None)
            self._down.pop(base, None)
        st = resp.status
        if st < 400:
            self.direct_hits += 1
            return resp
        try:
            body = await resp.read()
        except _net_errors():
            body = b""
        finally:
            resp.release()
        if st in (401, 403) or (st == 400 and (b"redirect" in body or b"direct target access" in body)):
            self._refused(st)
        else:  # 404: the object may live elsewhere now; 5xx: the target may be leaving
            self._locator.stale()
        self.fallbacks += 1
        return None

    async def _read_open(self, method: str, path: str, params: Mapping[str, str], headers: Mapping[str, str],
                         timeout: float | None, bck: Bck | None, obj: str) -> Resp:
        query = self._query(params)
        if self.direct and bck is not None:
            resp = await self._direct(method, bck, obj, path, query, headers, timeout)
            if resp is not None:
                return resp
        return await self._via_proxy(method, path, query, headers, None, timeout)

    # ----------------------------------------------------------------- calls

    async def put(self, path: str, params: Mapping[str, str], headers: Mapping[str, str], body: Any,
                  timeout: float | None, *, bck: Bck | None = None, obj: str = "") -> Mapping[str, str]:
        """PUT ``body`` (bytes or an async iterator of bytes with ``Content-Length`` in
        ``headers``) to the target the proxy redirects to; returns the answer's headers. The body
        is sent once. ``bck``/``obj`` (when given) let a redirect to another target than the
        cached map's mark that map stale."""
        query = self._query(params)
        loc = await self._retried(lambda: self._ask_proxy("PUT", path, query, timeout))
        if self.direct and bck is not None:
            self._check_redirect(bck, obj, loc)
        resp = await self._send("PUT", loc, headers, body, timeout)
        try:
            await self._raise_for(resp, "PUT")
            await resp.read()
            return resp.headers
        except _net_errors() as e:
            raise transport_error(e, loc, timeout or self._c.settings.timeout) from None
        finally:
            resp.release()

    async def read_url(self, path: str, params: Mapping[str, str], timeout: float | None = None, *,
                       bck: Bck | None = None, obj: str = "", via_proxy: bool = False) -> tuple[str, bool]:
        """``(url, direct)``: where to send body-less GETs of the object on another HTTP stack
        (:mod:`aistui.core.rawio`'s ranged reads): its target's public URL from the cached map
        (``direct`` True) when :attr:`direct`, ``bck`` is given and not ``via_proxy``, else the
        ``Location`` of the proxy's redirect (asked with the token, retried on transient errors).
        A direct URL that then fails should be reported with :meth:`direct_failed`."""
        query = self._query(params)
        if self.direct and not via_proxy and bck is not None:
            try:
                base = (await self._locator.locate(bck, obj)).public_url
            except AISError:
                base = ""
            if base.startswith(self._scheme) and not self._skipped(base):
                return base + path + query, True
        return await self._retried(lambda: self._ask_proxy("GET", path, query, timeout)), False

    async def put_file(self, path: str, params: Mapping[str, str], headers: Mapping[str, str], file: Path,
                       offset: int, length: int, progress: Callable[[int], None] | None,
                       timeout: float | None, *, bck: Bck | None = None, obj: str = "") -> Mapping[str, str]:
        """PUT bytes ``offset..offset+length`` of the local ``file`` to the target the proxy
        redirects to, with ``sendfile`` on a thread (:func:`aistui.core.rawio.put_file`; plain
        http only: the caller checks :attr:`raw`); returns the answer's
        headers. The body is sent once; ``progress(nbytes)`` as it goes."""
        query = self._query(params)
        loc = await self._retried(lambda: self._ask_proxy("PUT", path, query, timeout))
        if self.direct and bck is not None:
            self._check_redirect(bck, obj, loc)
        s = self._c.settings
        ans = await rawio.put_file(loc, headers, file, offset, length, progress, timeout or s.timeout,
                                   s.connect_timeout)
        return ans.headers

    async def head(self, path: str, params: Mapping[str, str], timeout: float | None = None, *,
                   bck: Bck | None = None, obj: str = "") -> Mapping[str, str]:
        """HEAD the object: on its target directly when :attr:`direct` and ``bck`` is given, else
        through the proxy; the answer's headers. Retried on transient errors."""
        async def once() -> Mapping[str, str]:
            resp = await self._read_open("HEAD", path, params, {}, timeout, bck, obj)
            resp.release()
            return resp.headers

        return await self._retried(once)

    @contextlib.asynccontextmanager
    async def get(self, path: str, params: Mapping[str, str], headers: Mapping[str, str],
                  timeout: float | None, *, bck: Bck | None = None,
                  obj: str = "") -> AsyncGenerator[Resp, None]:
        """Open the object's GET (status checked; read it with :func:`body_chunks`): on its target directly
        when :attr:`direct` and ``bck`` is given, else through the proxy's redirect."""
        resp = await self._read_open("GET", path, params, headers, timeout, bck, obj)
        try:
            yield resp
        except _net_errors() as e:
            raise transport_error(e, str(resp.url), timeout or self._c.settings.timeout) from None
        finally:
            resp.release()


def body_chunks(resp: Resp, size: int) -> AsyncIterator[bytes]:
    """The body of an answer from :meth:`ObjectDataPath.get` in chunks of exactly ``size`` bytes
    but the last (none for an empty body), whichever HTTP stack carried it."""
    if isinstance(resp, LeanResponse):
        return resp.chunks(size)
    return _exact_chunks(resp.content, size)


async def _exact_chunks(content: Any, size: int) -> AsyncIterator[bytes]:
    """``size``-byte chunks of an aiohttp ``StreamReader`` (the last one shorter), as httpx's
    ``aiter_bytes(size)`` gives them. aiohttp's ``iter_chunked`` yields whatever has arrived, up to
    ``size``; ``readexactly`` joins the pieces only when a chunk arrived in more than one."""
    set_size = getattr(content, "set_read_chunk_size", None)
    if set_size is not None:  # aiohttp >= 3.12: let the buffer hold a whole chunk, as iter_chunked does
        set_size(size)
    while True:
        try:
            chunk = await content.readexactly(size)
        except asyncio.IncompleteReadError as e:  # the end of the body (a cut-short body raises its own error)
            if e.partial:
                yield e.partial
            return
        yield chunk
