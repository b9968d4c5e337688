"""Recorded answers for the performance screen's snapshots and benchmark: the recorded cluster of
``recorded_cluster.py`` (1 proxy, targets ``t1target`` and ``t2target``), whose targets' counters
move from one poll to the next as a real cluster's did.

MockTransport (as recorded_cluster.py says): byte-identical snapshots need fixed ids and times.
Each target's ``node_status`` answer is the recorded one of ``ais50.json`` with its stats tracker
replaced by the trackers of ``tests/unit/recorded/perf_node_status.json`` (a real v1.5.0 target
around 200 PUTs, 600 GETs, 40 cold GETs, a bucket copy and 50 deletes:
``bench/record_perf_counters.py``), one recorded snapshot per poll of that target, the last one
repeated. One counter is added, not recorded: ``t2target`` counts 3 more ``err.get.n`` a poll, so
that the error column and the worst-first order have something to show.

The clock is pinned too: :class:`PinnedClock` stands in for the ``time`` module of
``aistui.core.cluster`` (which stamps each ``NodeStatus`` with ``time.monotonic_ns()``) and says
that 2 s pass between two polls of a target.

:func:`scaled` makes the same answers for ``n`` targets (``t01target`` ...), for the benchmark.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx

from aistui.core import AISClient, ConnectionSettings
from tests.ui import recorded_cluster
from tests.ui.recorded_cluster import ENDPOINT

_REC = json.loads((Path(__file__).parent / "recorded" / "ais50.json").read_text())
_SNAPS = json.loads((Path(__file__).parent.parent / "unit" / "recorded" / "perf_node_status.json").read_text())
_RECORDED_IDS = sorted(_SNAPS[0]["nodes"])  # the recording's two targets
STEP_NS = 2_000_000_000  # between two polls of a target


def _body(key: str) -> dict[str, Any]:
    return json.loads(base64.b64decode(_REC[key]["body"]))


class PerfCluster:
    """The recorded cluster with ``targets`` targets (``t1target``, ``t2target`` by default),
    their counters moving per poll. ``first_snapshot`` is the recorded snapshot the first answer
    of each target gets (its n-th answer gets ``first_snapshot + n - 1``, clamped to the last)."""

    def __init__(self, targets: list[str] | None = None, first_snapshot: int = 0) -> None:
        self.targets = targets or ["t1target", "t2target"]
        self.first = first_snapshot
        self.polls: dict[str, int] = dict.fromkeys(self.targets, 0)
        self._status = _body("node_status:t1target")
        self._smap = self._make_smap()

    def _make_smap(self) -> dict[str, Any]:
        smap = _body("smap")
        if self.targets == ["t1target", "t2target"]:
            return smap
        tmpl = smap["tmap"]["t1target"]
        smap["tmap"] = {}
        for i, t in enumerate(self.targets):
            node = json.loads(json.dumps(tmpl).replace("t1target", t))
            node["id_digest"] = 1000 + i
            smap["tmap"][t] = node
        return smap

    def tracker(self, target: str, poll: int) -> dict[str, int]:
        """The counters of ``target``'s ``poll``-th answer (1-based)."""
        i = min(self.first + poll - 1, len(_SNAPS) - 1)
        rec = _RECORDED_IDS[self.targets.index(target) % len(_RECORDED_IDS)]
        recorded = _SNAPS[i]["nodes"][rec]["body"]["tracker"]
        tracker = {k: (v["v"] if isinstance(v, dict) else v) for k, v in recorded.items()}
        if target == "t2target":
            tracker["err.get.n"] = 3 * i
        return tracker

    def now_ns(self) -> int:
        """The pinned clock: 2 s per poll of the most-polled target."""
        return max(self.polls.values(), default=0) * STEP_NS

    def handler(self, request: httpx.Request) -> httpx.Response:
        path, q = request.url.path, request.url.params
        if path == "/v1/cluster" and q.get("what") == "smap":
            return httpx.Response(200, json=self._smap)
        if path == "/v1/reverse/daemon" and request.headers.get("Ais-Node-Id") in self.polls:
            nid = request.headers["Ais-Node-Id"]
            self.polls[nid] += 1
            body = dict(self._status)
            body["snode"] = dict(body["snode"], daemon_id=nid)
            body["tracker"] = self.tracker(nid, self.polls[nid])
            return httpx.Response(200, json=body)
        return recorded_cluster.handler(request)

    def client(self) -> AISClient:
        return AISClient(ConnectionSettings(endpoint=ENDPOINT), transport=httpx.MockTransport(self.handler),
                         retries=0)


class PinnedClock:
    """Stands in for the ``time`` module of ``aistui.core.cluster``: ``monotonic_ns`` is the
    cluster's pinned clock, everything else is the real module."""

    def __init__(self, cluster: PerfCluster) -> None:
        self._cluster = cluster

    def monotonic_ns(self) -> int:
        return self._cluster.now_ns()

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def scaled(n: int) -> PerfCluster:
    """The same answers for ``n`` targets ``t01target`` ... (the benchmark's 10)."""
    return PerfCluster([f"t{i:02d}target" for i in range(1, n + 1)], first_snapshot=1)
