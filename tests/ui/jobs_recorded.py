"""Jobs and ETL answers served through httpx.MockTransport, on top of recorded_cluster.py.

* Jobs (``qryxstats``): answers a real v1.5.0 cluster (2 targets) sent for a finished, an
  aborted and a running bucket copy and a failed multi-object delete, normalized in
  ``recorded/jobs50.json`` (fixed target ids, job ids, bucket names and times).
* ETL success answers: a cluster with ETL needs Kubernetes and an ``etl``-tagged build, which the
  test machines do not have, so these could not be recorded. They are written from the v1.5.0
  wire types (``ext/etl/api.go``: ``Info``, ``Details``, ``HealthStatus``, ``CPUMemUsed``,
  ``Logs``; ``ETLSpecMsg`` as the init message, durations as Go strings) and say so. The 501
  answer is the real cluster's, recorded.

``EtlCluster`` keeps the requests it got (``calls``) so tests can check what was sent.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx

from aistui.core import AISClient, ConnectionSettings
from tests.ui import recorded_cluster

ENDPOINT = recorded_cluster.ENDPOINT
_REC = json.loads((Path(__file__).parent / "recorded" / "jobs50.json").read_text())
QRYXSTATS: dict = _REC["qryxstats"]
ETL_501: dict = _REC["etl_501"]

ETL_LIST = [
    {"id": "md5", "stage": "Running", "xaction_id": "etlInlX9", "obj_count": 1797, "in_bytes": 1412096,
     "out_bytes": 57504},
    {"id": "resize-224", "stage": "Aborted", "xaction_id": "etlInlX8", "obj_count": 12, "in_bytes": 9420,
     "out_bytes": 0},
]
ETL_DETAILS = {
    "init_msg": {"name": "md5", "communication": "hpush://", "init_timeout": "5m0s", "obj_timeout": "45s",
                 "support_direct_put": False,
                 "runtime": {"image": "aistorage/transformer_md5:latest",
                             "command": ["uvicorn", "fastapi_server:fastapi_app", "--host", "0.0.0.0",
                                         "--port", "8000"],
                             "env": [{"name": "FORMAT", "value": "hex"}]}},
    "obj_errors": [{"obj_name": "digits/train/3/00017.png", "msg": "transformer returned 500", "ecode": 500}],
}
ETL_HEALTH = [{"target_id": "t1target", "health_status": "Running"},
              {"target_id": "t2target", "health_status": "Running"}]
ETL_METRICS = [{"target_id": "t1target", "cpu": 12.5, "mem": 104857600},
               {"target_id": "t2target", "cpu": 3.25, "mem": 98566144}]
LOG_T1 = "INFO: started server process\nINFO: waiting for application startup\nGET /health 200\nPOST / 200\n"
LOG_T2 = "INFO: started server process\nERROR: bad input for digits/train/3/00017.png\nPOST / 200\n"
ETL_LOGS = [{"target_id": "t1target", "logs": base64.b64encode(LOG_T1.encode()).decode()},
            {"target_id": "t2target", "logs": base64.b64encode(LOG_T2.encode()).decode()}]


def _json(body, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


class EtlCluster:
    """The recorded cluster plus jobs and (with ``etl=True``) a cluster with two ETLs; without
    ETL, every ``/v1/etl`` call and inline ``etl_name`` GET gets the recorded 501."""

    def __init__(self, *, etl: bool = True, jobs: dict | None = None):
        self.etl = etl
        self.jobs = QRYXSTATS if jobs is None else jobs
        self.calls: list[tuple[str, str, dict]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        path, q = request.url.path, request.url.params
        body = json.loads(request.content) if request.content else {}
        self.calls.append((request.method, path, body))
        if path == "/v1/cluster" and q.get("what") == "qryxstats":
            return self._jobs(body)
        if path.startswith("/v1/etl") or "etl_name" in q:
            return self._etl(request, path, body)
        if path.startswith("/v1/buckets/") and body.get("action") == "etl-bck":
            return httpx.Response(200, text="etlBckX7") if self.etl else _json(ETL_501, 501)
        return recorded_cluster.handler(request)

    def _jobs(self, query: dict) -> httpx.Response:
        out = {}
        for tid, snaps in self.jobs.items():
            keep = [s for s in snaps if (not query.get("id") or s["id"] == query["id"])
                    and (not query.get("kind") or s["kind"] == query["kind"])]
            if keep:
                out[tid] = keep
        if not out:
            return _json({"message": "no matching jobs", "status": 404}, 404)
        return _json(out)

    def _etl(self, request: httpx.Request, path: str, body: dict) -> httpx.Response:
        if not self.etl:
            return _json(ETL_501, 501)
        if "etl_name" in request.url.params:
            return httpx.Response(200, text="d41d8cd98f00b204e9800998ecf8427e")
        parts = path.split("/")[3:]  # after /v1/etl
        if request.method == "GET" and not parts:
            return _json(ETL_LIST)
        if request.method == "PUT" and not parts:
            return httpx.Response(200, text="etlInitX6")
        if request.method == "GET" and len(parts) == 1:
            return _json(ETL_DETAILS)
        if request.method == "GET" and parts[1:] == ["health"]:
            return _json(ETL_HEALTH)
        if request.method == "GET" and parts[1:] == ["metrics"]:
            return _json(ETL_METRICS)
        if request.method == "GET" and parts[1:2] == ["logs"]:
            return _json(ETL_LOGS)
        if request.method in ("POST", "DELETE"):
            return httpx.Response(200)
        return _json({"message": f"unexpected {request.method} {path}", "status": 400}, 400)

    def client(self) -> AISClient:
        return AISClient(ConnectionSettings(endpoint=ENDPOINT), transport=httpx.MockTransport(self.handler),
                         retries=0)
