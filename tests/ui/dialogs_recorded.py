"""The recorded answers of ``recorded_cluster.py`` plus a bucket's props for ``HEAD
/v1/buckets/<name>``, which the recording lacks (the edit-props dialog reads them).

MockTransport, as for every snapshot: the props are the v1.5.0 defaults a fresh ``ais://``
bucket answers with (``Ais-Bucket-Props``), cut to what the dialog reads, so the snapshot is the
same on every run."""

from __future__ import annotations

import json

import httpx

from aistui.core import AISClient, ConnectionSettings
from tests.ui import recorded_cluster

ENDPOINT = recorded_cluster.ENDPOINT
PROPS = {"provider": "ais", "versioning": {"enabled": False, "validate_warm_get": False},
         "checksum": {"type": "xxhash2", "validate_cold_get": False},
         "mirror": {"enabled": False, "copies": 1, "burst_buffer": 128}}


def handler(request: httpx.Request) -> httpx.Response:
    if request.method == "HEAD" and request.url.path.startswith("/v1/buckets/"):
        return httpx.Response(200, headers={"Ais-Bucket-Props": json.dumps(PROPS)})
    return recorded_cluster.handler(request)


def recorded_client() -> AISClient:
    return AISClient(ConnectionSettings(endpoint=ENDPOINT), transport=httpx.MockTransport(handler), retries=0)
