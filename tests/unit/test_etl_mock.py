"""ETL calls (aistui.core.etl) against recorded AIS 5.0 answer shapes, and the spec builder.

All client tests here use httpx.MockTransport: ETL needs Kubernetes, which the local cluster does
not have (it answers 501 to every ETL call)."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from aistui.core import AISClient, ConnectionSettings
from aistui.core.errors import ETLNotAvailable, InvalidInput, ProtocolError, ServiceUnavailable
from aistui.core.etl import spec_message, validate_etl_name

ENDPOINT = "http://ais.test:8080"

INIT_MSG = {"name": "md5", "communication": "hpush://", "init_timeout": "5m", "obj_timeout": "45s",
            "support_direct_put": False, "runtime": {"image": "aistorage/transformer_md5:latest",
                                                     "command": [], "env": []}}


class Server:
    """Routes (method, path) to canned answers and records every request."""

    def __init__(self, routes: dict[tuple[str, str], httpx.Response]):
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, req: httpx.Request) -> httpx.Response:
        self.requests.append(req)
        resp = self.routes.get((req.method, req.url.path))
        return resp if resp is not None else httpx.Response(404, json={"message": f"no route {req.url.path}"})


def make_client(server) -> AISClient:
    return AISClient(ConnectionSettings(endpoint=ENDPOINT, token="secret-token"),
                     transport=httpx.MockTransport(server), retries=2)


async def test_list():
    """MockTransport: ETL needs Kubernetes, which the local cluster does not have."""
    srv = Server({("GET", "/v1/etl"): httpx.Response(200, json=[
        {"id": "md5", "stage": "Running", "xaction_id": "x1", "obj_count": "10", "in_bytes": "100", "out_bytes": "200"},
        {"id": "echo", "stage": "Aborted", "xaction_id": "", "obj_count": 0, "in_bytes": 0, "out_bytes": 0},
    ])})
    async with make_client(srv) as c:
        etls = await c.etl.list()
    md5, echo = etls
    assert (md5.name, md5.stage, md5.xaction_id, md5.obj_count, md5.in_bytes, md5.out_bytes) == \
        ("md5", "Running", "x1", 10, 100, 200)
    assert echo.stage == "Aborted"


async def test_list_empty_and_bad_shape():
    """MockTransport: ETL needs Kubernetes, which the local cluster does not have."""
    async with make_client(Server({("GET", "/v1/etl"): httpx.Response(200, content=b"null")})) as c:
        assert await c.etl.list() == []
    async with make_client(Server({("GET", "/v1/etl"): httpx.Response(200, json={"id": "md5"})})) as c:
        with pytest.raises(ProtocolError):
            await c.etl.list()


async def test_details():
    """MockTransport: ETL needs Kubernetes, which the local cluster does not have."""
    srv = Server({("GET", "/v1/etl/md5"): httpx.Response(200, json={
        "init_msg": INIT_MSG,
        "obj_errors": [{"obj_name": "a", "msg": "boom", "ecode": 500},
                       {"obj_name": "b/c", "msg": "bad", "ecode": "400"}],
    })})
    async with make_client(srv) as c:
        d = await c.etl.details("md5", job_id="x1")
    assert d.name == "md5"
    assert d.init_msg["runtime"]["image"] == "aistorage/transformer_md5:latest"
    assert d.obj_errors == (("a", "boom", 500), ("b/c", "bad", 400))
    assert srv.requests[0].url.params["uuid"] == "x1"


async def test_details_without_errors():
    """MockTransport: ETL needs Kubernetes, which the local cluster does not have."""
    srv = Server({("GET", "/v1/etl/md5"): httpx.Response(200, json={"init_msg": INIT_MSG, "obj_errors": None})})
    async with make_client(srv) as c:
        d = await c.etl.details("md5")
    assert d.obj_errors == ()
    assert "uuid" not in srv.requests[0].url.params


async def test_logs_all_targets_and_one():
    """MockTransport: ETL needs Kubernetes, which the local cluster does not have."""
    b64 = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731 - Go encodes []byte as base64
    srv = Server({
        ("GET", "/v1/etl/md5/logs"): httpx.Response(200, json=[
            {"target_id": "t1", "logs": b64("serving on :8000\nGET /\n")},
            {"target_id": "t2", "logs": ""},
        ]),
        ("GET", "/v1/etl/md5/logs/t1"): httpx.Response(200, json={"target_id": "t1", "logs": b64("only t1 ✓")}),
    })
    async with make_client(srv) as c:
        assert await c.etl.logs("md5") == {"t1": "serving on :8000\nGET /\n", "t2": ""}
        assert await c.etl.logs("md5", "t1") == {"t1": "only t1 ✓"}


async def test_health_and_metrics():
    """MockTransport: ETL needs Kubernetes, which the local cluster does not have."""
    srv = Server({
        ("GET", "/v1/etl/md5/health"): httpx.Response(200, json=[
            {"target_id": "t1", "health_status": "Running"}, {"target_id": "t2", "health_status": "Not Ready"}]),
        ("GET", "/v1/etl/md5/metrics"): httpx.Response(200, json=[
            {"target_id": "t1", "cpu": 0.25, "mem": 1048576}, {"target_id": "t2", "cpu": None, "mem": "2048"}]),
    })
    async with make_client(srv) as c:
        assert await c.etl.health("md5") == {"t1": "Running", "t2": "Not Ready"}
        assert await c.etl.metrics("md5") == {"t1": (0.25, 1048576.0), "t2": (0.0, 2048.0)}


async def test_metrics_not_numbers():
    """MockTransport: ETL needs Kubernetes, which the local cluster does not have."""
    srv = Server({("GET", "/v1/etl/md5/metrics"): httpx.Response(200, json=[{"target_id": "t1", "cpu": "high"}])})
    async with make_client(srv) as c:
        with pytest.raises(ProtocolError):
            await c.etl.metrics("md5")


@pytest.mark.parametrize("answer", ['"x1"', "x1", "x1\n"])
async def test_init_sends_bare_spec_and_returns_xid(answer):
    """MockTransport: ETL needs Kubernetes, which the local cluster does not have."""
    srv = Server({("PUT", "/v1/etl"): httpx.Response(200, text=answer)})
    msg = spec_message("md5", "aistorage/transformer_md5:latest")
    async with make_client(srv) as c:
        xid = await c.etl.init(msg)
    assert xid == ["x1"]
    (req,) = srv.requests
    assert req.method == "PUT" and req.url.path == "/v1/etl"
    body = json.loads(req.content)
    assert body == msg  # the ETLSpecMsg itself, not wrapped in an action message
    assert "action" not in body and "value" not in body
    assert req.headers["Content-Type"] == "application/json"


async def test_init_is_not_retried():
    """MockTransport: ETL needs Kubernetes, which the local cluster does not have."""
    srv = Server({("PUT", "/v1/etl"): httpx.Response(503, json={"message": "not ready"})})
    async with make_client(srv) as c:
        with pytest.raises(ServiceUnavailable):
            await c.etl.init(spec_message("md5", "img"))
    assert len(srv.requests) == 1


async def test_stop_start_delete_paths():
    """MockTransport: ETL needs Kubernetes, which the local cluster does not have."""
    srv = Server({("POST", "/v1/etl/md5/stop"): httpx.Response(200),
                  ("POST", "/v1/etl/md5/start"): httpx.Response(200),
                  ("DELETE", "/v1/etl/md5"): httpx.Response(200)})
    async with make_client(srv) as c:
        await c.etl.stop("md5")
        await c.etl.start("md5")
        await c.etl.delete("md5")
    assert [(r.method, r.url.path) for r in srv.requests] == [
        ("POST", "/v1/etl/md5/stop"), ("POST", "/v1/etl/md5/start"), ("DELETE", "/v1/etl/md5")]


ETL_CALLS = {
    "list": lambda c: c.etl.list(),
    "details": lambda c: c.etl.details("md5"),
    "logs": lambda c: c.etl.logs("md5"),
    "logs-target": lambda c: c.etl.logs("md5", "t1"),
    "health": lambda c: c.etl.health("md5"),
    "metrics": lambda c: c.etl.metrics("md5"),
    "init": lambda c: c.etl.init(spec_message("md5", "img")),
    "stop": lambda c: c.etl.stop("md5"),
    "start": lambda c: c.etl.start("md5"),
    "delete": lambda c: c.etl.delete("md5"),
}


@pytest.mark.parametrize("call", list(ETL_CALLS))
async def test_501_is_etl_not_available(call):
    """MockTransport: pins the 501 answer of a build without ETL for every call, with no cluster needed."""
    answer = httpx.Response(501, json={"tcode": "", "message": "etl: not supported (build without k8s)", "status": 501})
    requests = []

    def handler(req):
        requests.append(req)
        return answer

    async with make_client(handler) as c:
        with pytest.raises(ETLNotAvailable) as ei:
            await ETL_CALLS[call](c)
    assert str(ei.value).startswith("ETL is not available on this cluster")
    assert "not supported" in str(ei.value)
    assert len(requests) == 1  # 501 is final: not retried


# ----------------------------------------------------------------------------- spec_message


def test_spec_message_defaults():
    m = spec_message("md5", "  aistorage/transformer_md5:latest ", ["python", "server.py"], env={"K": "V"})
    assert m == {
        "name": "md5", "communication": "hpush://", "init_timeout": "5m", "obj_timeout": "45s",
        "support_direct_put": False,
        "runtime": {"image": "aistorage/transformer_md5:latest", "command": ["python", "server.py"],
                    "env": [{"name": "K", "value": "V"}]},
    }


def test_spec_message_ws_forces_direct_put():
    assert spec_message("x", "img", communicator="ws://")["support_direct_put"] is True
    assert spec_message("x", "img", communicator="ws")["communication"] == "ws://"
    assert spec_message("x", "img", communicator="hpull", direct_put=True)["support_direct_put"] is True
    assert spec_message("x", "img", communicator="hpull")["support_direct_put"] is False


@pytest.mark.parametrize("name", ["", "MD5", "-x", "x-", "a_b", "a.b", "a" * 64, "ümlaut", "a b"])
def test_bad_etl_names(name):
    with pytest.raises(InvalidInput) as ei:
        spec_message(name, "img")
    assert "invalid ETL name" in str(ei.value)


@pytest.mark.parametrize("name", ["a", "md5", "hello-world", "a" * 63, "0x1"])
def test_good_etl_names(name):
    assert validate_etl_name(name) == name


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"image": ""}, "container image"),
        ({"image": "   "}, "container image"),
        ({"communicator": "grpc://"}, "communicator must be one of"),
        ({"communicator": "io://"}, "communicator must be one of"),
        ({"init_timeout": "5 minutes"}, "init timeout"),
        ({"obj_timeout": "45"}, "object timeout"),
        ({"obj_timeout": "-1s"}, "object timeout"),
        ({"init_timeout": "1d"}, "init timeout"),
    ],
)
def test_spec_message_rejects(kw, words):
    args = {"image": "img", **kw}
    image = args.pop("image")
    with pytest.raises(InvalidInput) as ei:
        spec_message("md5", image, **args)
    assert words in str(ei.value)


@pytest.mark.parametrize("d", ["45s", "5m", "1h", "1.5s", "500ms", "10us", "100ns"])
def test_spec_message_durations(d):
    assert spec_message("md5", "img", obj_timeout=d)["obj_timeout"] == d
