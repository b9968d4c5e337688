"""Typed errors of the AIS core.

Every failure the core reports is an :class:`AISError`. HTTP answers are mapped by status code
(and, where it matters, by the AIS ``tcode`` - the Go type name of the server-side error) by
:func:`error_from_response`. The AIS error body is the JSON
``{"tcode","message","method","url_path","remote_addr","caller","node","status"}``
(``cmn/err.go``); for HEAD requests the same JSON travels in the ``Hdr-Error`` header.

Failures after which the same request may succeed once the cluster is back (a refused or reset
connection, a timeout, a 503) are :class:`TransientError`; the retry policies of the client
(:meth:`~aistui.core.client.AISClient.retrying`) and of transfers
(:class:`~aistui.core.transferrun.TransferRun`) retry exactly those. Transport failures of either
HTTP stack (httpx, and aiohttp on the object data path) become typed errors in one place,
:func:`transport_error`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .jsontypes import is_dict

__all__ = [
    "AISError",
    "InvalidInput",
    "TransientError",
    "ConnectionFailed",
    "RequestTimeout",
    "ProtocolError",
    "HTTPError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "BucketNotFound",
    "ObjectNotFound",
    "Conflict",
    "RangeNotSatisfiable",
    "Locked",
    "RateLimited",
    "ServerError",
    "NotSupported",
    "ETLNotAvailable",
    "ServiceUnavailable",
    "OutOfSpace",
    "ChecksumMismatch",
    "error_from_response",
    "transport_error",
    "transport_reason",
]


class AISError(Exception):
    """Base of every error raised by :mod:`aistui.core`."""

    #: One line a person can read; screens show this.
    @property
    def summary(self) -> str:
        return str(self)


class InvalidInput(AISError, ValueError):
    """Input rejected before anything was sent (a bad bucket name, an unsafe path, ...)."""


def transport_reason(reason: str) -> str:
    """A transport failure's text as a person can act on it: a refused connection and a TLS
    certificate that cannot be verified get a sentence saying what to check."""
    low = reason.lower()
    if "refused" in low or "connect call failed" in low or "all connection attempts failed" in low:
        return "connection refused (nothing listens there, or the cluster is down)"
    if "certificate_verify_failed" in low or "certificate verify failed" in low:
        why = reason.split("certificate verify failed:", 1)[-1].split("(_ssl", 1)[0].strip(" :)]") \
            if "certificate verify failed:" in reason else "not trusted"
        return (f"TLS certificate verification failed ({why}): set AIS_CLIENT_CA to the cluster's CA "
                "bundle, or AIS_SKIP_VERIFY_CRT=true to skip verification (insecure)")
    if "wrong_version_number" in low or "wrong version number" in low:
        return "TLS handshake failed: the endpoint does not speak HTTPS (use http://?)"
    return reason


class TransientError(AISError):
    """A failure after which the same request may succeed once the cluster is back: the
    connection was refused or reset (:class:`ConnectionFailed`), a call timed out
    (:class:`RequestTimeout`), or the cluster answered 503 (:class:`ServiceUnavailable`).
    Idempotent calls and transfers retry these; nothing else is retried."""


class ConnectionFailed(TransientError):
    """The cluster could not be reached (refused, DNS, TLS handshake, reset)."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"cannot reach {url}: {reason}")


class RequestTimeout(TransientError):
    """A call did not finish within its timeout (seconds)."""

    def __init__(self, url: str, timeout: float | None, phase: str = ""):
        self.url = url
        self.timeout = timeout
        what = f" ({phase})" if phase else ""
        limit = f" after {timeout:g} s" if timeout else ""
        super().__init__(f"request to {url} timed out{limit}{what}")


class ProtocolError(AISError):
    """The server answered something the core cannot parse (truncated JSON, wrong types, HTML)."""

    def __init__(self, what: str, detail: str = ""):
        self.what = what
        self.detail = detail
        super().__init__(f"unexpected answer for {what}" + (f": {detail}" if detail else ""))


class HTTPError(AISError):
    """An AIS error answer (status >= 400).

    Attributes: ``status`` (int), ``tcode`` (Go error type name or ""), ``message`` (server text),
    ``method`` and ``url`` of the request, ``node`` (daemon id that answered, or "").
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        tcode: str = "",
        method: str = "",
        url: str = "",
        node: str = "",
    ):
        self.status = status
        self.message = message
        self.tcode = tcode
        self.method = method
        self.url = url
        self.node = node
        super().__init__(self._text())

    def _text(self) -> str:
        msg = self.message or self.default_text()
        return f"{msg} ({self.status}{' ' + self.tcode if self.tcode else ''})"

    def default_text(self) -> str:
        return "request failed"


class BadRequest(HTTPError):
    def default_text(self) -> str:
        return "bad request"


class Unauthorized(HTTPError):
    """401: the token is missing, expired or invalid."""

    def default_text(self) -> str:
        return "authentication required: the token is missing or invalid"


class Forbidden(HTTPError):
    """403: the token is valid but lacks the permission."""

    def default_text(self) -> str:
        return "not permitted"


class NotFound(HTTPError):
    def default_text(self) -> str:
        return "not found"


class BucketNotFound(NotFound):
    pass


class ObjectNotFound(NotFound):
    pass


class Conflict(HTTPError):
    """409: already exists, or busy."""

    def default_text(self) -> str:
        return "conflict: already exists or busy"


class RangeNotSatisfiable(HTTPError):
    def default_text(self) -> str:
        return "requested range not satisfiable"


class Locked(HTTPError):
    def default_text(self) -> str:
        return "object is locked"


class RateLimited(HTTPError):
    def default_text(self) -> str:
        return "rate-limited by the cluster"


class ServerError(HTTPError):
    def default_text(self) -> str:
        return "server error"


class NotSupported(HTTPError):
    """501: the operation is not supported by this cluster's build or backend."""

    def default_text(self) -> str:
        return "operation not supported by this cluster"


class ETLNotAvailable(NotSupported):
    """ETL is not built into this cluster (a default ``aisnode`` build answers 501),
    or the cluster does not run on Kubernetes."""

    def _text(self) -> str:
        return f"ETL is not available on this cluster: {self.message or 'not supported'}"


class ServiceUnavailable(HTTPError, TransientError):
    """503: the node or cluster is starting up or shutting down."""

    def default_text(self) -> str:
        return "cluster is not ready (starting up or shutting down)"


class OutOfSpace(HTTPError):
    """507: the target's mountpaths are out of space."""

    def default_text(self) -> str:
        return "out of space on the cluster"


class ChecksumMismatch(AISError):
    """The bytes received do not match the checksum the cluster stores for the object
    (raised by :meth:`~aistui.core.objects.ObjectAPI.iter_get` at the end of the stream).
    Attributes: ``name`` (object), ``ck_type`` (e.g. ``xxhash2``), ``expected`` and ``got`` (hex)."""

    def __init__(self, name: str, ck_type: str, expected: str, got: str):
        self.name, self.ck_type, self.expected, self.got = name, ck_type, expected, got
        super().__init__(f"checksum mismatch for {name!r}: {ck_type} expected {expected}, got {got}")


_PHASES = {"ConnectTimeout": "connect", "ReadTimeout": "read", "WriteTimeout": "write",
           "PoolTimeout": "waiting for a connection"}


def transport_error(e: BaseException, url: str, timeout: float | None) -> AISError:
    """The typed error for a transport failure of either HTTP stack: an ``httpx.HTTPError``
    (control calls, :mod:`~aistui.core.client`) or an aiohttp/``OSError``/``TimeoutError`` (the
    object data path, :mod:`~aistui.core.datapath`). ``url`` is shown without its query (redirect
    signatures); ``timeout`` (s) is the limit that applied, for the message.

    * a timeout is :class:`RequestTimeout` (with the httpx phase: connect, read, write, pool),
      except that httpx-aiohttp maps *every* aiohttp connection error to ``ConnectTimeout``: when
      the cause is not itself a timeout, it is what really happened, a :class:`ConnectionFailed`;
    * too many redirects is :class:`ProtocolError`;
    * anything else (refused, reset, DNS, TLS) is :class:`ConnectionFailed` with
      :func:`transport_reason`'s text. Never raises.
    """
    shown = url.split("?", 1)[0]
    httpx = sys.modules.get("httpx")  # an httpx error means httpx is loaded; never import it here
    if httpx is not None and isinstance(e, httpx.HTTPError):
        cause = e.__cause__
        if isinstance(e, httpx.TimeoutException):
            if cause is not None and not isinstance(cause, TimeoutError):
                e = cause
            else:
                return RequestTimeout(shown, timeout, _PHASES.get(type(e).__name__, ""))
        elif isinstance(e, httpx.TooManyRedirects):
            return ProtocolError(shown, "too many redirects")
    elif isinstance(e, TimeoutError):
        return RequestTimeout(shown, timeout)
    return ConnectionFailed(shown, transport_reason(str(e) or type(e).__name__))


_BY_STATUS: dict[int, type[HTTPError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    416: RangeNotSatisfiable,
    423: Locked,
    429: RateLimited,
    501: NotSupported,
    503: ServiceUnavailable,
    507: OutOfSpace,
}


def _parse_body(raw: str) -> dict[str, Any] | None:
    raw = raw.strip()
    if not raw.startswith("{"):
        return None
    try:
        val = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return val if is_dict(val) else None


def error_from_response(
    status: int,
    body: bytes | str | None,
    *,
    method: str = "",
    url: str = "",
    hdr_error: str | None = None,
    etl: bool = False,
) -> HTTPError:
    """Build the typed error for an AIS answer with ``status`` >= 400.

    ``body`` is the response body (AIS JSON, plain text, or an HTML page from a proxy in the way);
    ``hdr_error`` is the ``Hdr-Error`` header of a HEAD answer. ``etl`` marks an ETL call, so that
    a 501 (or the "requires Kubernetes" answer) becomes :class:`ETLNotAvailable`.
    Never raises.
    """
    if isinstance(body, bytes):
        text = body[:64 * 1024].decode("utf-8", "replace")
    else:
        text = (body or "")[:64 * 1024]
    info = _parse_body(hdr_error or "") or _parse_body(text)
    tcode = ""
    node = ""
    if info is not None:
        message = str(info.get("message") or "")
        tcode = str(info.get("tcode") or "")
        node = str(info.get("node") or "")
    elif text.lstrip().lower().startswith(("<!doctype", "<html")):
        message = f"HTTP {status} from a non-AIS server (HTML page)"
    else:
        message = " ".join(text.split())[:500]
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else HTTPError
    if cls is NotFound:
        if ("ErrBckNotFound" in tcode or "ErrRemoteBckNotFound" in tcode
                or ("bucket" in message.lower() and "does not exist" in message.lower())):
            cls = BucketNotFound
        elif "ErrObjNotFound" in tcode or tcode == "ErrNotFound":
            cls = ObjectNotFound
    if etl and (status == 501 or "requires Kubernetes" in message or "non-Kubernetes" in message):
        cls = ETLNotAvailable
    return cls(status, message, tcode=tcode, method=method, url=url, node=node)
