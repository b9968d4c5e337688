"""The object data path: object bodies (PUT and GET) sent straight over aiohttp.

Everything else goes through ``httpx.AsyncClient``; object bodies are the hot path of uploads,
downloads and loaders, and httpx's per-request model building cost ~1.5 ms of client CPU per
object on the 2-core bench machine, more than the cluster's own work (docs/benchmarks.md). The
data path uses the *same* aiohttp session as the httpx transport, so there is one connection pool
and one limit. It follows AIS's redirects by hand (proxy 301/307 -> target), sends the bearer token
to the proxy only, maps transport errors with the client's own mapper
(:func:`~aistui.core.errors.transport_error`), and retries only the body-less proxy step. URLs are
passed pre-encoded (``yarl.URL(..., encoded=True)``) so object names reach the server byte for byte.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from .errors import AISError, ProtocolError, error_from_response, transport_error

if TYPE_CHECKING:
    import aiohttp

    from .client import AISClient

__all__ = ["ObjectDataPath"]

_REDIRECTS = (301, 302, 303, 307, 308)


class ObjectDataPath:
    """The object data path: object PUT/GET bodies straight over the aiohttp session beneath
    ``client.http`` (``client.datapath``; None when the client was given its own transport).
    ``session_factory()`` returns that ``aiohttp.ClientSession``."""

    def __init__(self, client: AISClient, session_factory: Callable[[], aiohttp.ClientSession]):
        self._c = client
        self._session_factory = session_factory

    def _url(self, path: str, params: Mapping[str, str]) -> str:
        return self._c.endpoint + path + ("?" + urlencode(params, quote_via=quote) if params else "")

    def _timeout(self, timeout: float | None) -> aiohttp.ClientTimeout:
        import aiohttp

        return aiohttp.ClientTimeout(total=None, sock_connect=self._c.settings.connect_timeout,
                                     sock_read=timeout or self._c.settings.timeout)

    def _net_error(self, e: BaseException, url: str, timeout: float | None) -> AISError:
        return transport_error(e, url, timeout or self._c.settings.timeout)

    @staticmethod
    async def _raise_for(resp: aiohttp.ClientResponse, method: str) -> None:
        if resp.status >= 400:
            body = await resp.content.read(64 * 1024)
            raise error_from_response(resp.status, body, method=method, url=str(resp.url).split("?", 1)[0],
                                      hdr_error=resp.headers.get("Hdr-Error"))

    @contextlib.asynccontextmanager
    async def _open(self, method: str, url: str, *, headers: Mapping[str, str], data: Any = None,
                    timeout: float | None) -> AsyncGenerator[aiohttp.ClientResponse, None]:
        import aiohttp
        from yarl import URL

        session = self._session_factory()
        try:
            cm = session.request(method, URL(url, encoded=True), headers=headers, data=data,
                                 allow_redirects=False, timeout=self._timeout(timeout),
                                 auto_decompress=False)
            resp = await cm.__aenter__()
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            raise self._net_error(e, url, timeout) from None
        try:
            yield resp
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            raise self._net_error(e, url, timeout) from None
        finally:
            resp.release()

    async def _target(self, method: str, path: str, params: Mapping[str, str], headers: Mapping[str, str],
                      timeout: float | None) -> str:
        """Ask the proxy (with the token, no body) where the object lives; retried."""
        url = self._url(path, params)
        auth = self._c.auth_headers()
        async for attempt in self._c.retrying():
            with attempt:
                async with self._open(method, url, headers={**auth, **headers, "Content-Length": "0"},
                                      timeout=timeout) as resp:
                    await self._raise_for(resp, method)
                    loc = resp.headers.get("Location")
                    if resp.status not in _REDIRECTS or not loc:
                        raise ProtocolError(f"{method} {path}", f"expected a redirect to a target, got {resp.status}")
                    return loc
        raise AssertionError("unreachable")  # pragma: no cover

    async def put(self, path: str, params: Mapping[str, str], headers: Mapping[str, str], body: Any,
                  timeout: float | None) -> Mapping[str, str]:
        """PUT ``body`` (bytes or an async iterator of bytes with ``Content-Length`` in
        ``headers``) to the target; returns the answer's headers. The body is sent once."""
        loc = await self._target("PUT", path, params, {}, timeout)
        async with self._open("PUT", loc, headers=headers, data=body, timeout=timeout) as resp:
            await self._raise_for(resp, "PUT")
            await resp.read()
            return resp.headers

    @contextlib.asynccontextmanager
    async def get(self, path: str, params: Mapping[str, str], headers: Mapping[str, str],
                  timeout: float | None) -> AsyncGenerator[aiohttp.ClientResponse, None]:
        """Open the object's GET on its target (status checked); read ``resp.content``."""
        loc = await self._target("GET", path, params, {}, timeout)
        async with self._open("GET", loc, headers=headers, timeout=timeout) as resp:
            await self._raise_for(resp, "GET")
            yield resp
