"""Recorded AIS 5.0 answers served through httpx.MockTransport, for snapshot tests only.

MockTransport: snapshots must be byte-identical from run to run, and a real cluster's node ids,
ports, uptimes, load and access times differ every time. The answers in ``recorded/ais50.json``
were captured from a real v1.5.0 cluster (1 proxy, 2 targets, @remais attached, demo data) and
normalized (fixed ids, ports, counters, times); everything else is as the cluster sent it.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx

from aistui.core import AISClient, ConnectionSettings

ENDPOINT = "http://127.0.0.1:51005"
_REC = json.loads((Path(__file__).parent / "recorded" / "ais50.json").read_text())


def _answer(key: str) -> httpx.Response:
    r = _REC[key]
    return httpx.Response(r["status"], headers=r["headers"], content=base64.b64decode(r["body"]))


def _not_found(what: str) -> httpx.Response:
    return httpx.Response(404, json={"tcode": "ErrNotFound", "message": f"{what} does not exist", "status": 404})


def handler(request: httpx.Request) -> httpx.Response:
    path, q = request.url.path, request.url.params
    body = json.loads(request.content) if request.content else {}
    if path == "/v1/cluster" and q.get("what") in ("smap", "remote"):
        return _answer(q["what"])
    if path == "/v1/reverse/daemon":
        return _answer(f"node_status:{request.headers['Ais-Node-Id']}")
    if path == "/v1/daemon":
        return _answer("daemon_node_status")
    if path == "/v1/buckets":
        return _answer("buckets_remote" if q.get("namespace") == "@@#" else "buckets")
    if path.startswith("/v1/buckets/"):
        name = path.split("/", 3)[3]
        if body.get("action") == "summary-bck":
            if not body["value"].get("uuid"):
                return httpx.Response(202, text=f"xid-{name}")
            key = f"summary:{name}"
            return _answer(key) if key in _REC else httpx.Response(200, json=[])
        if body.get("action") == "list":
            key = f"list:{name}:{body['value'].get('prefix', '')}"
            if key in _REC:
                return _answer(key)
            return httpx.Response(200, json={"uuid": "x", "continuation_token": "", "entries": [], "flags": 0})
    if path.startswith("/v1/objects/"):
        obj = path[len("/v1/objects/"):]
        key = f"{'head' if request.method == 'HEAD' else 'get'}:{obj}"
        if key in _REC:
            return _answer(key)
        return _not_found(obj)
    return _not_found(path)


def recorded_client() -> AISClient:
    return AISClient(ConnectionSettings(endpoint=ENDPOINT), transport=httpx.MockTransport(handler), retries=0)
