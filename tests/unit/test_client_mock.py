"""The HTTP layer of AISClient, driven by httpx.MockTransport for faults a real cluster cannot be
made to produce on demand (foreign redirects, refused connections mid-call, proxies answering
HTML, timeouts). Each test's docstring says why a mock is needed."""

from __future__ import annotations

import json

import httpx
import pytest
import xxhash

from aistui.core import AISClient, ConnectionSettings
from aistui.core.errors import (
    BucketNotFound,
    ChecksumMismatch,
    ConnectionFailed,
    ObjectNotFound,
    ProtocolError,
    RequestTimeout,
    ServerError,
    ServiceUnavailable,
    Unauthorized,
)
from aistui.core.models import Bck

ENDPOINT = "http://ais.test:8080"
TOKEN = "secret-token"


def make_client(handler, retries: int = 2) -> AISClient:
    return AISClient(ConnectionSettings(endpoint=ENDPOINT, token=TOKEN),
                     transport=httpx.MockTransport(handler), retries=retries)


def _net(port: int) -> dict:
    return {"node_ip_addr": "127.0.0.1", "daemon_port": str(port), "direct_url": f"http://127.0.0.1:{port}"}


def _snode(did: str, role: str, port: int) -> dict:
    return {"public_net": _net(port), "intra_control_net": _net(port + 1), "intra_data_net": _net(port + 2),
            "daemon_type": role, "daemon_id": did, "flags": 0}


SMAP = {"pmap": {"p1": _snode("p1", "proxy", 8080)}, "tmap": {"t1": _snode("t1", "target", 9090)},
        "proxy_si": _snode("p1", "proxy", 8080), "uuid": "U1", "version": "3"}


def smap_response() -> httpx.Response:
    return httpx.Response(200, json=SMAP)


def ais_error(status: int, tcode: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"tcode": tcode, "message": message, "status": status, "node": "p[p1]"})


class Calls:
    """Counts requests and records (method, url, Authorization) for each."""

    def __init__(self, respond):
        self.respond = respond
        self.seen: list[tuple[str, str, str | None]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, str(request.url), request.headers.get("Authorization")))
        return self.respond(request, len(self.seen))

    @property
    def n(self) -> int:
        return len(self.seen)


# ----------------------------------------------------------------------------- (a) the token


async def test_token_goes_to_endpoint_but_not_to_redirect_on_other_port():
    """MockTransport: a real proxy only redirects to its own targets; a 307 to a foreign origin that
    records the headers it receives needs a scripted server."""
    def respond(req, n):
        if req.url.port == 8080:
            return httpx.Response(307, headers={"Location": "http://ais.test:9999/v1/objects/b/o?pid=p1"})
        return httpx.Response(200, content=b"payload")

    calls = Calls(respond)
    async with make_client(calls) as c:
        r = await c.request("GET", "/v1/objects/b/o")
    assert r.content == b"payload"
    assert calls.seen[0][2] == f"Bearer {TOKEN}"
    assert calls.seen[1][1].startswith("http://ais.test:9999/")
    assert calls.seen[1][2] is None  # the token did not leave the endpoint's origin


@pytest.mark.parametrize("location", ["http://evil.test:8080/x", "https://ais.test:8080/x", "http://127.0.0.1:8080/x"])
async def test_token_not_sent_to_other_hosts_or_schemes(location):
    """MockTransport: redirects to arbitrary hosts/schemes cannot be produced by a real AIS cluster."""
    calls = Calls(lambda req, n: httpx.Response(307, headers={"Location": location}) if n == 1
                  else httpx.Response(200, content=b"ok"))
    async with make_client(calls) as c:
        await c.request("GET", "/v1/objects/b/o")
    assert [a for _, _, a in calls.seen] == [f"Bearer {TOKEN}", None]


async def test_token_kept_on_same_origin_redirect_and_not_sent_to_absolute_foreign_url():
    """MockTransport: needs both a same-origin redirect and a foreign absolute URL on demand."""
    calls = Calls(lambda req, n: httpx.Response(307, headers={"Location": f"{ENDPOINT}/v1/other"}) if n == 1
                  else httpx.Response(200))
    async with make_client(calls) as c:
        await c.request("GET", "/v1/first")
        await c.request("GET", "http://elsewhere.test:8080/v1/x")
    assert [a for _, _, a in calls.seen] == [f"Bearer {TOKEN}", f"Bearer {TOKEN}", None]


async def test_object_get_redirect_to_target_does_not_carry_token():
    """MockTransport: the local cluster runs without AuthN, so it never shows which hop gets the token."""
    data = b"hello world"

    def respond(req, n):
        if req.url.port == 8080:
            return httpx.Response(301, headers={"Location": "http://ais.test:9090/v1/objects/b/o%20x?provider=ais"})
        return httpx.Response(200, content=data, headers={
            "Ais-Size": str(len(data)), "Ais-Checksum-Type": "xxhash2",
            "Ais-Checksum-Value": xxhash.xxh64(data).hexdigest()})

    calls = Calls(respond)
    async with make_client(calls) as c:
        got = await c.objects.get(Bck("b"), "o x")
    assert got == data
    assert calls.seen[0][1].startswith(f"{ENDPOINT}/v1/objects/b/o%20x?")
    assert calls.seen[0][2] == f"Bearer {TOKEN}" and calls.seen[1][2] is None


async def test_token_not_in_errors_or_reprs():
    """MockTransport: the local cluster runs without AuthN and never answers 401."""
    calls = Calls(lambda req, n: ais_error(401, "", "token expired"))
    async with make_client(calls) as c:
        with pytest.raises(Unauthorized) as ei:
            await c.cluster.smap()
        assert TOKEN not in str(ei.value) and TOKEN not in repr(ei.value)
        assert TOKEN not in repr(c) and TOKEN not in repr(c.settings) and TOKEN not in repr(c.http.auth)
    assert calls.n == 1  # 401 is not retried
    assert "token expired" in str(ei.value)


# ----------------------------------------------------------------------------- (b) retries


async def test_get_retried_on_503_then_succeeds():
    """MockTransport: a 503 from a live cluster happens only during startup/shutdown, not on demand."""
    calls = Calls(lambda req, n: ais_error(503, "", "primary is not ready") if n == 1 else smap_response())
    async with make_client(calls) as c:
        smap = await c.cluster.smap()
    assert smap.uuid == "U1" and calls.n == 2


async def test_get_gives_up_after_retries():
    """MockTransport: a cluster that answers 503 forever cannot be arranged with a real one."""
    calls = Calls(lambda req, n: ais_error(503, "", "cluster is starting up"))
    async with make_client(calls, retries=1) as c:
        with pytest.raises(ServiceUnavailable) as ei:
            await c.cluster.smap()
    assert calls.n == 2  # 1 + retries
    assert "cluster is starting up" in str(ei.value)


async def test_post_not_retried_on_503():
    """MockTransport: a 503 on demand needs a scripted server; retrying a POST could run an action twice."""
    calls = Calls(lambda req, n: ais_error(503, "", "not ready") if n == 1 else httpx.Response(200, text="xid"))
    async with make_client(calls) as c:
        with pytest.raises(ServiceUnavailable):
            await c.request("POST", "/v1/buckets/b", json={"action": "copy-bck"})
    assert calls.n == 1


async def test_get_not_retried_on_500_or_404():
    """MockTransport: an internal server error cannot be provoked on a healthy cluster."""
    calls = Calls(lambda req, n: ais_error(500, "", "boom"))
    async with make_client(calls) as c:
        with pytest.raises(ServerError):
            await c.cluster.smap()
    assert calls.n == 1
    calls = Calls(lambda req, n: ais_error(404, "ErrBckNotFound", 'bucket "ais://x" does not exist'))
    async with make_client(calls) as c:
        with pytest.raises(BucketNotFound) as ei:
            await c.request("GET", "/v1/buckets/x", params={"provider": "ais", "sig": "s3cr3t"})
    assert calls.n == 1
    assert ei.value.url == f"{ENDPOINT}/v1/buckets/x"  # query strings are not shown
    assert "s3cr3t" not in str(ei.value)


# ----------------------------------------------------------------------------- (c) connection errors


def _refuse(req):
    raise httpx.ConnectError("[Errno 111] Connection refused", request=req)


async def test_connect_error_is_readable_and_get_is_retried():
    """MockTransport: refusing the first connections and then accepting needs a scripted transport."""
    def respond(req, n):
        if n < 3:
            _refuse(req)
        return smap_response()

    calls = Calls(respond)
    async with make_client(calls) as c:
        smap = await c.cluster.smap()
    assert smap.primary.daemon_id == "p1" and calls.n == 3


async def test_connect_error_becomes_connection_failed():
    """MockTransport: a refused connection from a host name that resolves needs a fake transport."""
    calls = Calls(lambda req, n: _refuse(req))
    async with make_client(calls, retries=1) as c:
        with pytest.raises(ConnectionFailed) as ei:
            await c.cluster.smap()
    assert calls.n == 2
    e = ei.value
    assert not isinstance(e, httpx.HTTPError)
    assert str(e).startswith(f"cannot reach {ENDPOINT}/v1/cluster: connection refused")
    assert e.reason.startswith("connection refused")


async def test_other_connect_errors_keep_their_reason():
    """MockTransport: DNS failures for a chosen name cannot be produced by the local cluster."""
    def respond(req, n):
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=req)

    async with make_client(Calls(respond), retries=0) as c:
        with pytest.raises(ConnectionFailed) as ei:
            await c.cluster.smap()
    assert "Name or service not known" in str(ei.value)


async def test_put_not_retried_on_connection_error():
    """MockTransport: a connection reset in the middle of a PUT cannot be timed against a real cluster."""
    calls = Calls(lambda req, n: _refuse(req))
    async with make_client(calls) as c:
        with pytest.raises(ConnectionFailed):
            await c.request("PUT", "/v1/buckets/b", json={"action": "create-bck"})
    assert calls.n == 1


# ----------------------------------------------------------------------------- (d) garbage answers


@pytest.mark.parametrize(
    "response, words",
    [
        (httpx.Response(200, content=json.dumps(SMAP).encode()[:40], headers={"Content-Type": "application/json"}),
         "smap"),
        (httpx.Response(200, content=b"<html><body>Login required</body></html>",
                        headers={"Content-Type": "text/html; charset=utf-8"}), "HTML"),
        (httpx.Response(200, json=[1, 2, 3]), "smap"),
        (httpx.Response(200, json={"pmap": {"p1": "oops"}, "proxy_si": {}}), "snode"),
        (httpx.Response(200, content=b""), "pmap"),
    ],
)
async def test_bad_smap_answer_is_protocol_error(response, words):
    """MockTransport: a real proxy always sends a valid Smap; truncated bodies or a captive-portal
    HTML page need a scripted server."""
    async with make_client(lambda req: response) as c:
        with pytest.raises(ProtocolError) as ei:
            await c.cluster.smap()
    assert type(ei.value) is ProtocolError and not isinstance(ei.value, ValueError)
    assert words in str(ei.value)


async def test_html_error_page_from_a_proxy_in_the_way():
    """MockTransport: needs a non-AIS reverse proxy answering 502 with an HTML page."""
    page = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"
    async with make_client(lambda req: httpx.Response(502, content=page, headers={"Content-Type": "text/html"})) as c:
        with pytest.raises(ServerError) as ei:
            await c.cluster.smap()
    assert "non-AIS server" in str(ei.value)


async def test_head_hdr_error_becomes_object_not_found():
    """MockTransport: used to pin the exact HEAD error shape (Hdr-Error header, empty body) offline."""
    hdr = json.dumps({"tcode": "ErrObjNotFound", "message": "t[t1]: ais://b/missing does not exist", "status": 404})
    async with make_client(lambda req: httpx.Response(404, headers={"Hdr-Error": hdr})) as c:
        with pytest.raises(ObjectNotFound) as ei:
            await c.objects.head(Bck("b"), "missing")
        assert "ais://b/missing does not exist" in str(ei.value)
        assert await c.objects.exists(Bck("b"), "missing") is False


async def test_corrupted_download_is_detected():
    """MockTransport: bytes that do not match the stored checksum cannot be served by a healthy target."""
    headers = {"Ais-Size": "5", "Ais-Checksum-Type": "xxhash2",
               "Ais-Checksum-Value": xxhash.xxh64(b"hello").hexdigest()}
    async with make_client(lambda req: httpx.Response(200, content=b"hellO", headers=headers)) as c:
        with pytest.raises(ChecksumMismatch) as ei:
            await c.objects.get(Bck("b"), "o")
    assert "checksum mismatch for 'o'" in str(ei.value)


# ----------------------------------------------------------------------------- (e) timeouts


async def test_read_timeout_becomes_request_timeout():
    """MockTransport: a read timeout needs a server that stalls mid-answer on demand."""
    def respond(req, n):
        raise httpx.ReadTimeout("timed out", request=req)

    calls = Calls(respond)
    async with make_client(calls, retries=1) as c:
        with pytest.raises(RequestTimeout) as ei:
            await c.cluster.smap()
    assert calls.n == 2  # idempotent GET retried
    msg = str(ei.value)
    assert msg.startswith(f"request to {ENDPOINT}/v1/cluster timed out")
    assert "after 30 s" in msg and "(read)" in msg


async def test_timeout_message_uses_per_call_timeout_and_phase():
    """MockTransport: connect timeouts against a chosen host cannot be produced locally."""
    def respond(req, n):
        raise httpx.ConnectTimeout("timed out", request=req)

    async with make_client(Calls(respond), retries=0) as c:
        with pytest.raises(RequestTimeout) as ei:
            await c.request("GET", "/v1/health", timeout=1.5)
    assert "after 1.5 s" in str(ei.value) and "(connect)" in str(ei.value)
    assert ei.value.timeout == 1.5
