"""The async AIS client: one ``httpx.AsyncClient`` (keep-alive pool) shared by the resource APIs.

    async with AISClient("http://localhost:8080") as c:
        smap = await c.cluster.smap()
        async for page in c.objects.iter_pages(Bck.parse("ais://imgs")):
            ...

Wire conventions (AIS 5.0): ``/v1/<resource>`` paths, provider/namespace in the query, action
messages ``{"action","name","value"}`` as JSON bodies (also on GET), xids as plain text, errors as
JSON (``Hdr-Error`` for HEAD). Idempotent calls are retried with backoff on connection errors and
503; non-idempotent ones never are. The bearer token goes only to the configured endpoint's origin.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import ssl
import time
from collections.abc import AsyncGenerator, AsyncIterable, Mapping
from typing import TYPE_CHECKING, Any

import httpx
import msgspec
from tenacity import AsyncRetrying

from . import __version__
from .config import ConnectionSettings, normalize_endpoint
from .errors import AISError, InvalidInput, ProtocolError, error_from_response, transport_error
from .retry import on_transient

if TYPE_CHECKING:
    from .batch import BatchAPI
    from .configapi import ConfigAPI
    from .logs import LogAPI
    from .storage import StorageAPI

__all__ = ["AISClient", "IDEMPOTENT_METHODS"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_json_decoder = msgspec.json.Decoder()
_log = logging.getLogger("aistui.http")


def _log_request(method: str, url: httpx.URL | str, status: int | str, t0: float) -> None:
    """One INFO line per request on ``aistui.http``: ``GET /v1/daemon 200 3.1ms``: the path as
    sent (percent-encoded, no query), the status (or the class of the
    :class:`AISError` a transport error became, e.g. ``ConnectionFailed``) and the
    milliseconds since ``t0`` (``time.perf_counter()``) until the response headers."""
    if _log.isEnabledFor(logging.INFO):
        path = httpx.URL(url).raw_path.partition(b"?")[0].decode("ascii", "replace")
        _log.info("%s %s %s %.1fms", method, path, status, (time.perf_counter() - t0) * 1e3)


class _OriginAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` only to requests for the configured origin, so the token
    never goes to a target (redirects) or anywhere else."""

    def __init__(self, token: str, origin: httpx.URL):
        self._header = f"Bearer {token}"
        self._origin = (origin.scheme, origin.host, origin.port)

    def __repr__(self) -> str:
        return "_OriginAuth(<token hidden>)"

    def auth_flow(self, request: httpx.Request):
        if (request.url.scheme, request.url.host, request.url.port) == self._origin:
            request.headers["Authorization"] = self._header
        yield request


class _LazyAiohttpTransport(httpx.AsyncBaseTransport):
    """httpx transport backed by aiohttp's connection pool (``httpx-aiohttp``), imported on the
    first request so that starting the console does not pay for importing aiohttp.

    Why not httpx's default pool: httpcore re-scans every in-flight request against every pooled
    connection on each request event, so the client's CPU per request grows with concurrency; on
    the 2-core bench machine 16 concurrent GETs ran at a third of the sequential rate, while
    aiohttp's pool keeps the sequential rate (see docs/benchmarks.md).
    """

    def __init__(self, **kw: Any):
        self._kw = kw
        self._t: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._t is None:
            from httpx_aiohttp import AiohttpTransport

            self._t = AiohttpTransport(**self._kw)
        return await self._t.handle_async_request(request)

    async def aclose(self) -> None:
        if self._t is not None:
            await self._t.aclose()

    def session(self) -> Any:
        """The aiohttp ClientSession beneath the transport (created on first use), shared with
        the :class:`~aistui.core.datapath.ObjectDataPath`."""
        if self._t is None:
            from httpx_aiohttp import AiohttpTransport

            self._t = AiohttpTransport(**self._kw)
        import aiohttp

        t: Any = self._t
        if not isinstance(t.client, aiohttp.ClientSession):
            t.client = t.get_client()
        return t.client


def _tls(settings: ConnectionSettings, origin: httpx.URL) -> tuple[Any, Any]:
    """``(verify, cert)`` for httpx from the settings: ``False`` with ``skip_verify``, an
    ``SSLContext`` of the CA bundle for an https endpoint (httpx deprecates ``verify=<path>``),
    else ``True``; the client certificate, or ``(cert, key)``, or None. Raises
    :class:`InvalidInput` for a CA bundle that cannot be loaded (here, not on the first request)."""
    verify: Any = True
    if settings.skip_verify:
        verify = False
    elif settings.ca_bundle and origin.scheme == "https":
        try:
            verify = ssl.create_default_context(cafile=settings.ca_bundle)
        except (OSError, ssl.SSLError) as e:
            raise InvalidInput(f"cannot use CA bundle {settings.ca_bundle}: {e}") from None
    cert: Any = None
    if settings.client_cert:
        cert = (settings.client_cert, settings.client_key) if settings.client_key else settings.client_cert
    return verify, cert


class AISClient:
    """Async client for one AIS cluster.

    ``settings`` is a :class:`ConnectionSettings` or an endpoint URL. ``max_connections`` bounds
    the connections in use at once (aiohttp's pool limit, and so the concurrency of transfers);
    idle keep-alive connections to other nodes come on top until they expire, so at most
    ``max_connections`` sockets are open to any one node; the lean client of the small-object
    data path (``core/leanhttp.py``) keeps its own pool with the same bound per node (measured:
    tests/integration/test_load.py).
    ``retries`` is the number of extra attempts for idempotent calls. ``transport`` replaces the
    default (aiohttp's pool through ``httpx-aiohttp``), for tests that need a fault a real cluster
    cannot produce. Use as an async context manager or call :meth:`aclose`.
    """

    def __init__(
        self,
        settings: ConnectionSettings | str | None = None,
        *,
        max_connections: int = 64,
        retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        if settings is None:
            settings = ConnectionSettings()
        elif isinstance(settings, str):
            settings = ConnectionSettings(endpoint=normalize_endpoint(settings), source="argument")
        self.settings = settings
        self.endpoint = settings.endpoint
        self.retries = retries
        #: connections per node at once (both HTTP stacks' pool limit)
        self.max_connections = max_connections
        origin = httpx.URL(self.endpoint)
        verify, cert = _tls(settings, origin)
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        if transport is None:
            # A plain-http endpoint never does TLS (AIS redirects stay on the same scheme), so it
            # skips loading the CA store (~0.3 s on the first request).
            tls_verify = verify if origin.scheme == "https" else False
            transport = _LazyAiohttpTransport(verify=tls_verify, cert=cert, limits=limits, trust_env=False)
        self._token = settings.token
        self.http = httpx.AsyncClient(
            base_url=self.endpoint,
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            limits=limits,
            verify=verify,
            cert=cert,
            follow_redirects=True,
            transport=transport,
            auth=_OriginAuth(settings.token, origin) if settings.token else None,
            headers={"User-Agent": f"aistui/{__version__}"},
        )
        from .datapath import ObjectDataPath

        #: object bodies go straight over aiohttp when the transport is the default one
        self.datapath = (ObjectDataPath(self, transport.session) if isinstance(transport, _LazyAiohttpTransport)
                         else None)
        from .buckets import BucketAPI
        from .cluster import ClusterAPI
        from .etl import ETLAPI
        from .jobs import JobAPI
        from .objects import ObjectAPI

        self.cluster = ClusterAPI(self)
        self.buckets = BucketAPI(self)
        self.objects = ObjectAPI(self)
        self.jobs = JobAPI(self)
        self.etl = ETLAPI(self)

    @functools.cached_property
    def batch(self) -> BatchAPI:
        """get-batch, many objects in one request (``GET /v1/ml/moss``):
        :class:`~aistui.core.batch.BatchAPI`, imported on first use."""
        from .batch import BatchAPI

        return BatchAPI(self)

    @functools.cached_property
    def logs(self) -> LogAPI:
        """Node logs (``GET /v1/reverse/daemon?what=log``): :class:`~aistui.core.logs.LogAPI`,
        imported on first use."""
        from .logs import LogAPI

        return LogAPI(self)

    @functools.cached_property
    def storage(self) -> StorageAPI:
        """Mountpaths, disks, capacity against the space watermarks, and the mountpath actions
        (``/v1/reverse/daemon?what=disk|mountpaths``, ``/v1/reverse/daemon/mountpaths``):
        :class:`~aistui.core.storage.StorageAPI`, imported on first use."""
        from .storage import StorageAPI

        return StorageAPI(self)

    @functools.cached_property
    def config(self) -> ConfigAPI:
        """Cluster and node config (``/v1/cluster?what=cluster_config``, ``/v1/reverse/daemon?what=config``,
        set, reset, a node's overrides): :class:`~aistui.core.configapi.ConfigAPI`, imported on first use."""
        from .configapi import ConfigAPI

        return ConfigAPI(self)

    def __repr__(self) -> str:
        return f"AISClient({self.endpoint!r})"

    async def __aenter__(self) -> AISClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pools."""
        if self.datapath is not None:
            self.datapath.close()
        await self.http.aclose()

    # ------------------------------------------------------------------ low level

    def _wrap_transport_error(self, e: Exception, url: str, timeout: float | None) -> AISError:
        return transport_error(e, url, timeout or self.settings.timeout)

    async def _send_once(
        self, method: str, url: str, *, stream: bool, etl: bool, timeout: float | None,
        follow_redirects: bool, **kw: Any,
    ) -> httpx.Response:
        req_timeout = (httpx.Timeout(timeout, connect=self.settings.connect_timeout) if timeout
                       else httpx.USE_CLIENT_DEFAULT)
        t0 = time.perf_counter()
        try:
            req = self.http.build_request(method, url, timeout=req_timeout, **kw)
            resp = await self.http.send(req, stream=stream, follow_redirects=follow_redirects)
        except httpx.HTTPError as e:
            err = self._wrap_transport_error(e, self._show_url(url), timeout)
            _log_request(method, url, type(err).__name__, t0)
            raise err from None
        _log_request(method, resp.url, resp.status_code, t0)
        if resp.status_code >= 400:
            try:
                body = await resp.aread() if stream else resp.content
            except httpx.HTTPError:
                body = b""
            finally:
                if stream:
                    await resp.aclose()
            raise error_from_response(resp.status_code, body, method=method, url=self._show_url(str(resp.url)),
                                      hdr_error=resp.headers.get("Hdr-Error"), etl=etl)
        return resp

    def _show_url(self, url: str) -> str:
        # Never show query strings that could hold redirect signatures; keep the path.
        u = httpx.URL(url) if "://" in url else httpx.URL(self.endpoint + url)
        return str(u.copy_with(query=None))

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        timeout: float | None = None,
        follow_redirects: bool = True,
        etl: bool = False,
    ) -> httpx.Response:
        """Send one request and return the (read) response, or raise a typed :class:`AISError`.

        ``path`` is relative to the endpoint (``/v1/...``) or an absolute URL. ``timeout`` (s)
        overrides the default read timeout. ``idempotent`` defaults to the method's nature; only
        idempotent calls are retried (connection errors, timeouts and 503).
        """
        kw: dict[str, Any] = {"params": params, "headers": headers}
        if json is not None:
            kw["content"] = msgspec.json.encode(json)
            kw["headers"] = {"Content-Type": "application/json", **(headers or {})}
        elif content is not None:
            kw["content"] = content
        retry = IDEMPOTENT_METHODS.__contains__(method) if idempotent is None else idempotent
        if not retry or self.retries <= 0:
            return await self._send_once(method, path, stream=False, etl=etl, timeout=timeout,
                                         follow_redirects=follow_redirects, **kw)
        async for attempt in self.retrying():
            with attempt:
                return await self._send_once(method, path, stream=False, etl=etl, timeout=timeout,
                                             follow_redirects=follow_redirects, **kw)
        raise AssertionError("unreachable")  # pragma: no cover

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: Any = None,
        timeout: float | None = None,
        follow_redirects: bool = True,
        etl: bool = False,
    ) -> AsyncGenerator[httpx.Response, None]:
        """Open a streamed response (status already checked); the body is read by the caller
        with ``aiter_bytes``. Not retried: a caller that can resume does so itself."""
        resp = await self._send_once(method, path, stream=True, etl=etl, timeout=timeout,
                                     follow_redirects=follow_redirects, params=params,
                                     headers=headers, content=content)
        try:
            yield resp
        except httpx.HTTPError as e:
            raise self._wrap_transport_error(e, self._show_url(path), timeout) from None
        finally:
            await resp.aclose()

    # ------------------------------------------------------------------ helpers

    def retrying(self) -> AsyncRetrying:
        """The retry policy for idempotent calls: ``retries`` extra attempts on connection
        errors, timeouts and 503 (:class:`TransientError`), with jittered exponential backoff (0.2 s growing to 3 s)."""
        return on_transient(self.retries)

    def auth_headers(self) -> dict[str, str]:
        """``Authorization`` for requests to the configured endpoint (never to targets)."""
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    @staticmethod
    def decode_json(resp: httpx.Response, what: str) -> Any:
        """Parse a JSON body, raising :class:`ProtocolError` (not a ValueError) on bad input."""
        raw = resp.content
        if not raw.strip():
            return None
        try:
            return _json_decoder.decode(raw)
        except msgspec.DecodeError as e:
            ctype = resp.headers.get("Content-Type", "")
            hint = " (an HTML page: is a proxy in the way?)" if "html" in ctype else ""
            raise ProtocolError(what, f"{e}{hint}") from None

    @staticmethod
    def action(action: str, value: Any = None, name: str = "") -> dict[str, Any]:
        """An ``apc.ActMsg``: ``{"action","name","value"}``."""
        msg: dict[str, Any] = {"action": action}
        if name:
            msg["name"] = name
        if value is not None:
            msg["value"] = value
        return msg

    @staticmethod
    def xids(resp: httpx.Response) -> list[str]:
        """Job ids from a plain-text answer (comma-separated for multi-object copy)."""
        text = resp.text.strip().strip('"')
        return [x.strip() for x in text.split(",") if x.strip()]
