"""Config of the cluster and of one node: read, set (transient or persistent), reset a node to
the cluster's, and what a node overrides (``ais config cluster|node``, ``ais config reset``).

Endpoints (AIS v1.5.0, ``api/cluster.go`` and ``api/daemon.go``):

- cluster: ``GET /v1/cluster?what=cluster_config``, ``PUT /v1/cluster/set-config?k=v[&transient=true]``
  (through :class:`~aistui.core.cluster.ClusterAPI`);
- one node, through the proxy with the ``Ais-Node-Id`` header (the proxy forwards it):
  ``GET /v1/reverse/daemon?what=config`` (``api.GetDaemonConfig``),
  ``PUT /v1/reverse/daemon/set-config?k=v[&transient=true]`` (``api.SetDaemonConfig``),
  ``PUT /v1/reverse/daemon`` with action ``reset-config`` (``api.ResetDaemonConfig``).

Values go in the query as text (``space.highwm=90``, ``log.level=4``); the node parses them into
the config's types, and refuses a bad one (400).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .conftree import ConfigDiff, config_diff
from .errors import InvalidInput, ProtocolError
from .jsontypes import is_dict

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["ConfigAPI"]

_PATH = "/v1/reverse/daemon"


def _check(values: dict[str, str]) -> dict[str, str]:
    if not values:
        raise InvalidInput("nothing to set")
    for k in values:
        if not k or k == "transient" or any(c.isspace() or c == "=" for c in k):
            raise InvalidInput(f"not a config key: {k!r}")
    return dict(values)


class ConfigAPI:
    """``client.config``. Every method raises :class:`~aistui.core.errors.AISError` subclasses
    (:class:`InvalidInput` before sending anything for an empty or malformed key;
    :class:`~aistui.core.errors.NotFound` for an unknown node; ``BadRequest`` for a value the
    node refuses)."""

    def __init__(self, client: AISClient):
        self._c = client

    async def cluster(self) -> dict[str, Any]:
        """The cluster config (``cmn.ClusterConfig`` as a dict)."""
        return await self._c.cluster.config()

    async def set_cluster(self, values: dict[str, str], *, transient: bool = False) -> None:
        """Set cluster config keys (``{"space.highwm": "90"}``) on every node; ``transient``
        values last until the nodes restart (``ais config cluster KEY=VALUE [--transient]``)."""
        await self._c.cluster.set_config(_check(values), transient=transient)

    async def node(self, node_id: str) -> dict[str, Any]:
        """One node's config: ``cmn.Config``, the inherited cluster config with the node's
        overrides, plus its local config (``fspaths``, ``confdir``, ``log_dir``,
        ``test_fspaths``, ``host_net``) at the top level."""
        r = await self._c.request("GET", _PATH, params={"what": "config"}, headers={"Ais-Node-Id": node_id})
        d = self._c.decode_json(r, "node config")
        if not is_dict(d):
            raise ProtocolError("node config", "expected an object")
        return d

    async def set_node(self, node_id: str, values: dict[str, str], *, transient: bool = False) -> None:
        """Override config keys on one node (``ais config node NODE_ID KEY=VALUE
        [--transient]``); the rest of the cluster keeps the cluster's values."""
        params = _check(values)
        if transient:
            params["transient"] = "true"
        await self._c.request("PUT", f"{_PATH}/set-config", params=params, headers={"Ais-Node-Id": node_id},
                              idempotent=False)

    async def reset_node(self, node_id: str) -> None:
        """Drop one node's overrides: it takes the cluster config again (``ais config reset
        NODE_ID``)."""
        await self._c.request("PUT", _PATH, json=self._c.action("reset-config"), headers={"Ais-Node-Id": node_id},
                              idempotent=False)

    async def node_diff(self, node_id: str) -> list[ConfigDiff]:
        """Where the node's config differs from the cluster's, sorted by key
        (:func:`~aistui.core.conftree.config_diff`): its overrides."""
        node = await self.node(node_id)
        return config_diff(node, await self.cluster())
