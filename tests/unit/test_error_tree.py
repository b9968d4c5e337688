"""One error tree and one transport-error mapper (aistui.core.errors): what is transient (and so
retried by requests and transfers), and how failures of either HTTP stack become typed errors."""

from __future__ import annotations

import inspect

import aiohttp
import httpx
import pytest

import aistui.core as core
from aistui.core import errors
from aistui.core.errors import (
    AISError,
    ChecksumMismatch,
    ConnectionFailed,
    HTTPError,
    OutOfSpace,
    ProtocolError,
    RequestTimeout,
    ServiceUnavailable,
    TransientError,
    error_from_response,
    transport_error,
)
from aistui.core.retry import on_transient

URL = "http://ais:8080/v1/objects/b/o?sig=secret"


def test_every_error_class_lives_in_errors_py():
    for mod in ("client", "datapath", "transfer", "objects", "buckets", "jobs", "etl", "cluster", "listing", "retry"):
        m = __import__(f"aistui.core.{mod}", fromlist=["x"])
        own = [n for n, v in vars(m).items()
               if inspect.isclass(v) and issubclass(v, BaseException) and v.__module__ == m.__name__]
        assert own == [], f"{mod} defines {own}"
    assert set(errors.__all__) <= set(core.__all__)


def test_transient_errors():
    assert issubclass(ConnectionFailed, TransientError) and issubclass(RequestTimeout, TransientError)
    assert isinstance(error_from_response(503, b""), TransientError)
    assert isinstance(error_from_response(503, b""), HTTPError)
    for status in (400, 401, 403, 404, 409, 429, 500, 501, 507):
        assert not isinstance(error_from_response(status, b""), TransientError), status
    assert not issubclass(ChecksumMismatch, TransientError) and issubclass(ChecksumMismatch, AISError)


@pytest.mark.parametrize("exc, cls, words", [
    # httpx (control calls through httpx-aiohttp)
    (httpx.ReadTimeout("slow"), RequestTimeout, "timed out after 7 s (read)"),
    (httpx.PoolTimeout("busy"), RequestTimeout, "(waiting for a connection)"),
    (httpx.ConnectError("[Errno 111] Connection refused"), ConnectionFailed, "connection refused"),
    (httpx.TooManyRedirects("loop"), ProtocolError, "too many redirects"),
    # aiohttp and the OS (the object data path)
    (aiohttp.ServerTimeoutError("Timeout on reading data from socket"), RequestTimeout, "timed out after 7 s"),
    (TimeoutError(), RequestTimeout, "timed out"),
    (aiohttp.ServerDisconnectedError(), ConnectionFailed, "Server disconnected"),
    (ConnectionResetError(104, "Connection reset by peer"), ConnectionFailed, "reset by peer"),
    (aiohttp.ClientPayloadError("Response payload is not completed"), ConnectionFailed, "not completed"),
])
def test_one_mapper_for_both_http_stacks(exc, cls, words):
    err = transport_error(exc, URL, 7.0)
    assert type(err) is cls and words in str(err), str(err)
    assert "secret" not in str(err)  # never the query (redirect signatures)


def test_httpx_aiohttp_connect_timeout_is_what_caused_it():
    """httpx-aiohttp turns every aiohttp connection error into ConnectTimeout; the cause decides."""
    refused = httpx.ConnectTimeout("wrapped")
    refused.__cause__ = ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 1)")
    assert type(transport_error(refused, URL, 7.0)) is ConnectionFailed
    real = httpx.ConnectTimeout("wrapped")
    real.__cause__ = TimeoutError()
    err = transport_error(real, URL, 7.0)
    assert type(err) is RequestTimeout and "(connect)" in str(err)


async def test_the_request_policy_retries_transient_errors_only():
    tries: list[int] = []

    async def flaky(exc: Exception) -> str:
        tries.append(1)
        if len(tries) < 3:
            raise exc
        return "ok"

    policy = on_transient(3)
    policy.wait = lambda _s: 0  # no waiting in a unit test
    assert await policy(flaky, ServiceUnavailable(503, "")) == "ok" and len(tries) == 3
    tries.clear()
    with pytest.raises(OutOfSpace):
        await on_transient(3)(flaky, OutOfSpace(507, ""))
    assert len(tries) == 1
