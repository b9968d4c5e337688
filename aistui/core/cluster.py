"""Cluster calls: Smap, health, per-node status, rates, remote clusters, config.

Endpoints (AIS 5.0): ``GET /v1/cluster?what=smap``, ``GET /v1/health[?prr=true]``,
``GET /v1/reverse/daemon?what=node_status`` with ``Ais-Node-Id``, ``GET /v1/cluster?what=remote``,
``PUT /v1/cluster/attach?what=remote`` / ``detach`` with ``Ais-Remote-Ais-Alias``/``-Url``,
node lifecycle ``PUT /v1/cluster`` with ``start-maintenance``, ``stop-maintenance``,
``decommission-node``, ``shutdown-node`` (``api/cluster.go`` ``membership``).
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import AISError, InvalidInput, ProtocolError, ServiceUnavailable
from .jsontypes import is_dict
from .models import NodeRates, NodeStatus, RemoteCluster, Smap
from .retry import polling

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["ClusterAPI", "Health", "validate_node_id", "validate_remote_alias", "validate_remote_url"]


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

    async def _membership(self, action: str, daemon_id: str, **value: bool) -> list[str]:
        """One membership change (``api.membership`` in ``api/cluster.go``): ``PUT /v1/cluster``
        with ``{"action": action, "value": ActValRmNode}``. The answer is the global rebalance's
        job id (plain text, empty when none started). Raises :class:`InvalidInput` for a
        malformed node id (nothing is sent), :class:`AISError` as the proxy answers (e.g. 409
        while a rebalance runs, 404 for a node not in the Smap)."""
        rm_node = {"sid": validate_node_id(daemon_id), **value}
        r = await self._c.request("PUT", "/v1/cluster", json=self._c.action(action, rm_node), idempotent=False)
        return self._c.xids(r)

    async def start_maintenance(self, daemon_id: str, *, skip_rebalance: bool = False) -> list[str]:
        """Put a node into maintenance (``PUT /v1/cluster`` ``start-maintenance``, value
        ``ActValRmNode``): it stays in the Smap, and a global rebalance moves its objects to
        the other targets. Returns the rebalance job ids (empty for a proxy, or with
        ``skip_rebalance``). Raises as :meth:`_membership`."""
        return await self._membership("start-maintenance", daemon_id, skip_rebalance=skip_rebalance)

    async def stop_maintenance(self, daemon_id: str, *, skip_rebalance: bool = False) -> list[str]:
        """Take a node out of maintenance (``PUT /v1/cluster`` ``stop-maintenance``): a global
        rebalance moves its share of the objects back. Returns the rebalance job ids (may be
        empty). Raises as :meth:`_membership`."""
        return await self._membership("stop-maintenance", daemon_id, skip_rebalance=skip_rebalance)

    async def decommission(self, daemon_id: str, *, skip_rebalance: bool = False, rm_user_data: bool = False,
                           keep_initial_config: bool = False, no_shutdown: bool = False) -> list[str]:
        """Remove a node from the cluster for good (``decommission-node``, ``ais cluster
        add-remove-nodes decommission``): a global rebalance moves its objects to the other
        targets, then the node leaves the Smap and shuts down (unless ``no_shutdown``). With
        ``rm_user_data`` it also deletes the objects on its mountpaths; ``keep_initial_config``
        keeps the plain-text config it was deployed with. Returns the rebalance job ids.
        Raises as :meth:`_membership`."""
        return await self._membership("decommission-node", daemon_id, skip_rebalance=skip_rebalance,
                                      rm_user_data=rm_user_data, keep_initial_config=keep_initial_config,
                                      no_shutdown=no_shutdown)

    async def shutdown_node(self, daemon_id: str, *, skip_rebalance: bool = False) -> list[str]:
        """Shut a node down (``shutdown-node``, ``ais cluster add-remove-nodes shutdown``): it
        stays in the Smap (in maintenance) and can be restarted to rejoin; a global rebalance
        first moves its objects to the other targets. Returns the rebalance job ids. Raises as
        :meth:`_membership`."""
        return await self._membership("shutdown-node", daemon_id, skip_rebalance=skip_rebalance)

    async def rebalance_ended(self, job_id: str) -> bool:
        """True once the primary proxy has seen the global rebalance ``job_id`` end (``GET
        /v1/cluster?what=status``, the IC's view: ``end_time`` set). The targets report a job
        finished a few seconds before that; until then the proxy refuses the next membership
        change with 409 (``ErrBusy``, "rebalance[ID] is running"). Raises :class:`AISError`
        (:class:`NotFound` for a job the IC does not know)."""
        r = await self._c.request("GET", "/v1/cluster", params={"what": "status"},
                                  json={"id": job_id, "kind": "rebalance"})
        d = self._c.decode_json(r, "job status")
        if not is_dict(d):
            raise ProtocolError("job status", "expected an object")
        return bool(d.get("end_time"))

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
        """Attach a remote AIS cluster under ``alias`` (its public proxy ``url``): ``PUT
        /v1/cluster/attach?what=remote`` with ``Ais-Remote-Ais-Alias``/``-Url``. Raises
        :class:`InvalidInput` for an alias or URL the proxy would refuse (nothing is sent;
        :func:`validate_remote_alias`, :func:`validate_remote_url`), :class:`AISError` as the
        proxy answers (an alias already attached to another URL)."""
        alias, url = validate_remote_alias(alias), validate_remote_url(url)
        await self._c.request("PUT", "/v1/cluster/attach", params={"what": "remote"},
                              headers={"Ais-Remote-Ais-Alias": alias, "Ais-Remote-Ais-Url": url})

    async def detach_remote(self, alias: str) -> None:
        """Detach the remote AIS cluster ``alias`` (or its UUID): ``PUT
        /v1/cluster/detach?what=remote``. Raises :class:`InvalidInput` for an empty or
        malformed alias, :class:`NotFound` for one not attached."""
        alias = validate_remote_alias(alias)
        await self._c.request("PUT", "/v1/cluster/detach", params={"what": "remote"},
                              headers={"Ais-Remote-Ais-Alias": alias})


# ------------------------------------------------------------------ validation (as the v1.5.0 proxy does)

_NICE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?")
_PLUS = re.compile(r"[A-Za-z0-9_.-]+")


def validate_node_id(daemon_id: str) -> str:
    """A node id as ``cos.ValidateDaemonID`` accepts it (``cmn/cos/uuid.go``): 8 to 32 letters,
    digits, ``-`` and ``_``, not starting or ending with ``-``/``_``. Returns it; raises
    :class:`InvalidInput` otherwise."""
    if len(daemon_id) < 8:
        raise InvalidInput(f"node ID {daemon_id!r} is too short (at least 8 characters)")
    if len(daemon_id) > 32 or not _NICE.fullmatch(daemon_id):
        raise InvalidInput(f"node ID {daemon_id!r} is invalid: at most 32 letters, numbers, dashes (-) and "
                           "underscores (_), starting and ending with a letter or number")
    return daemon_id


def validate_remote_alias(alias: str) -> str:
    """A remote cluster alias as ``cmn.ValidateRemAlias`` accepts it (``cmn/config.go``): 2 to 64
    letters, digits, ``-``, ``_`` and ``.`` (no ``..``), not ``what``. Surrounding spaces are
    dropped. Returns it; raises :class:`InvalidInput` otherwise."""
    alias = alias.strip()
    if not alias:
        raise InvalidInput("a remote cluster alias is required (e.g. 'remais')")
    if alias == "what":
        raise InvalidInput("'what' cannot be a remote cluster alias")
    if len(alias) < 2:
        raise InvalidInput(f"remote cluster alias {alias!r} is too short: at least 2 characters")
    if len(alias) > 64:
        raise InvalidInput(f"remote cluster alias is too long: {len(alias)} > 64 characters")
    if not _PLUS.fullmatch(alias) or ".." in alias:
        raise InvalidInput(f"remote cluster alias {alias!r} is invalid: letters, numbers, dashes (-), "
                           "underscores (_) and dots (.) only, no '..'")
    return alias


def validate_remote_url(url: str) -> str:
    """A remote cluster's public proxy URL as the v1.5.0 proxy accepts it (``_remaisConf`` in
    ``ais/prxclu.go``: ``url.ParseRequestURI``, scheme http or https), with a host. Surrounding
    spaces are dropped. Returns it; raises :class:`InvalidInput` otherwise."""
    url = url.strip()
    if not url:
        raise InvalidInput("the remote cluster's URL is required (e.g. http://10.0.0.5:8080)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(f"remote cluster URL {url!r}: the scheme must be http:// or https://")
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput(f"remote cluster URL {url!r}: the port is not a number from 1 to 65535") from None
    if not parts.hostname or any(c.isspace() for c in url) or port == 0:
        raise InvalidInput(f"remote cluster URL {url!r} has no valid host[:port]")
    return url
