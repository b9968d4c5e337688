"""Cluster calls: Smap, health, per-node status, rates, remote clusters, config.

Endpoints (AIS 5.0): ``GET /v1/cluster?what=smap``, ``GET /v1/health[?prr=true]``,
``GET /v1/reverse/daemon?what=node_status`` with ``Ais-Node-Id``, ``GET /v1/cluster?what=remote``,
``PUT /v1/cluster/attach?what=remote`` / ``detach`` with ``Ais-Remote-Ais-Alias``/``-Url``.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from .errors import AISError, ProtocolError, ServiceUnavailable
from .jsontypes import is_dict
from .models import NodeRates, NodeStatus, RemoteCluster, Smap
from .retry import polling

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["ClusterAPI", "Health"]


class Health:
    """Cluster readiness: ``ready`` (``/v1/health?prr=true`` answered 200), ``alive`` (the proxy
    answered at all), ``message`` (why not ready), ``cluster_uptime_s`` (s, from the proxy)."""

    __slots__ = ("ready", "alive", "message", "cluster_uptime_s")

    def __init__(self, ready: bool, alive: bool, message: str = "", cluster_uptime_s: float = 0.0):
        self.ready, self.alive, self.message, self.cluster_uptime_s = ready, alive, message, cluster_uptime_s

    def __repr__(self) -> str:
        return f"Health(ready={self.ready}, alive={self.alive}, message={self.message!r})"


class ClusterAPI:
    """Cluster-level calls. Every method raises :class:`AISError` subclasses on failure."""

    def __init__(self, client: AISClient):
        self._c = client

    async def smap(self) -> Smap:
        """The cluster map (``GET /v1/cluster?what=smap``)."""
        r = await self._c.request("GET", "/v1/cluster", params={"what": "smap"})
        return Smap.from_json(self._c.decode_json(r, "smap"))

    async def health(self, timeout: float = 5.0) -> Health:
        """Readiness via ``/v1/health?prr=true``; never raises for a down cluster, it says so."""
        try:
            r = await self._c.request("GET", "/v1/health", params={"prr": "true"}, timeout=timeout,
                                      idempotent=False)
        except ServiceUnavailable as e:
            return Health(False, True, e.message or "cluster is starting up")
        except AISError as e:
            return Health(False, False, str(e))
        up = r.headers.get("Ais-Cluster-Uptime") or "0"
        try:
            up_s = int(up) / 1e9
        except ValueError:
            up_s = 0.0
        return Health(True, True, "", up_s)

    async def wait_ready(self, timeout: float = 60.0, interval: float = 0.5) -> None:
        """Poll :meth:`health` every ``interval`` s until ready, starting no poll after ``timeout``
        s (:func:`~aistui.core.retry.polling`); raises :class:`ServiceUnavailable` then."""
        last = ""

        async def ready() -> bool:
            nonlocal last
            h = await self.health(timeout=min(5.0, max(timeout, 0.5)))
            last = h.message
            return h.ready

        if not await polling(first=interval, within=timeout, start_before_deadline=True)(ready):
            raise ServiceUnavailable(503, f"cluster not ready after {timeout:g} s: {last}")

    async def version(self) -> str:
        """The AIS version of the node the endpoint points at (``what=node_status``)."""
        r = await self._c.request("GET", "/v1/daemon", params={"what": "node_status"})
        d = self._c.decode_json(r, "node_status")
        if not is_dict(d):
            raise ProtocolError("node_status", "expected an object")
        return str(d.get("ais_version", ""))

    async def node_status(self, daemon_id: str) -> NodeStatus:
        """Status of one node through the proxy (``/v1/reverse/daemon?what=node_status``)."""
        r = await self._c.request("GET", "/v1/reverse/daemon", params={"what": "node_status"},
                                  headers={"Ais-Node-Id": daemon_id})
        return NodeStatus.from_json(self._c.decode_json(r, "node_status"), time.monotonic_ns())

    async def all_node_status(self, smap: Smap | None = None) -> dict[str, NodeStatus | AISError]:
        """Status of every node, concurrently: ``{daemon_id: NodeStatus or the error}``."""
        smap = smap or await self.smap()
        ids = [n.daemon_id for n in smap.nodes]
        res = await asyncio.gather(*(self.node_status(i) for i in ids), return_exceptions=True)
        out: dict[str, NodeStatus | AISError] = {}
        for i, r in zip(ids, res, strict=True):
            if isinstance(r, AISError) or not isinstance(r, BaseException):
                out[i] = r
            else:
                raise r
        return out

    @staticmethod
    def rates(before: dict[str, Any], after: dict[str, Any]) -> dict[str, NodeRates]:
        """Per-node rates between two :meth:`all_node_status` results (nodes in both only)."""
        out: dict[str, NodeRates] = {}
        for nid, b in after.items():
            a = before.get(nid)
            if isinstance(a, NodeStatus) and isinstance(b, NodeStatus) and b.taken_ns > a.taken_ns:
                out[nid] = NodeRates.between(a, b)
        return out

    async def config(self) -> dict[str, Any]:
        """The effective cluster config (``what=cluster_config``; secrets are redacted server-side)."""
        r = await self._c.request("GET", "/v1/cluster", params={"what": "cluster_config"})
        d = self._c.decode_json(r, "cluster config")
        if not is_dict(d):
            raise ProtocolError("cluster config", "expected an object")
        return d

    async def set_config(self, values: dict[str, str], transient: bool = False) -> None:
        """Set cluster config by query (``PUT /v1/cluster/set-config?k=v``), e.g.
        ``{"space.highwm": "90"}``."""
        params = dict(values)
        if transient:
            params["transient"] = "true"
        await self._c.request("PUT", "/v1/cluster/set-config", params=params)

    # -------------------------------------------------------------- node lifecycle

    async def start_maintenance(self, daemon_id: str, *, skip_rebalance: bool = False) -> list[str]:
        """Put a node into maintenance (``PUT /v1/cluster`` ``start-maintenance``, value
        ``ActValRmNode``). Returns the rebalance job ids (may be empty)."""
        value = {"sid": daemon_id, "skip_rebalance": skip_rebalance}
        r = await self._c.request("PUT", "/v1/cluster", json=self._c.action("start-maintenance", value))
        return self._c.xids(r)

    async def stop_maintenance(self, daemon_id: str, *, skip_rebalance: bool = False) -> list[str]:
        """Take a node out of maintenance (``PUT /v1/cluster`` ``stop-maintenance``). Returns the
        rebalance job ids (may be empty)."""
        value = {"sid": daemon_id, "skip_rebalance": skip_rebalance}
        r = await self._c.request("PUT", "/v1/cluster", json=self._c.action("stop-maintenance", value))
        return self._c.xids(r)

    # -------------------------------------------------------------- remote clusters

    async def remotes(self) -> list[RemoteCluster]:
        """Attached remote AIS clusters (``GET /v1/cluster?what=remote``)."""
        r = await self._c.request("GET", "/v1/cluster", params={"what": "remote"})
        d: Any = self._c.decode_json(r, "remote clusters") or {}
        if not is_dict(d):
            raise ProtocolError("remote clusters", "expected an object")
        out: list[RemoteCluster] = []
        items: Any = d.get("a") or []
        for item in items:
            if not is_dict(item):
                raise ProtocolError("remote clusters", "expected objects in 'a'")
            smap = item.get("smap")
            out.append(RemoteCluster(alias=str(item.get("alias", "")), url=str(item.get("url", "")),
                                     uuid=str(item.get("uuid", "")), online=bool(smap)))
        return sorted(out, key=lambda x: x.alias)

    async def attach_remote(self, alias: str, url: str) -> None:
        """Attach a remote AIS cluster under ``alias`` (its public proxy ``url``)."""
        await self._c.request("PUT", "/v1/cluster/attach", params={"what": "remote"},
                              headers={"Ais-Remote-Ais-Alias": alias, "Ais-Remote-Ais-Url": url})

    async def detach_remote(self, alias: str) -> None:
        """Detach the remote AIS cluster ``alias``."""
        await self._c.request("PUT", "/v1/cluster/detach", params={"what": "remote"},
                              headers={"Ais-Remote-Ais-Alias": alias})
