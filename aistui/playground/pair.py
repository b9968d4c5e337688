"""The playground's pair of clusters: the main local cluster with a second one attached to it as
a remote AIS cluster (``@remais``), as ``aistui playground``, the test session and the benchmarks
use them. :func:`start_pair` starts both in parallel and attaches the second
(:func:`attach_remote`, ``PUT /v1/cluster/attach?what=remote``), then waits until a PUT through
the alias succeeds (:func:`await_remote_usable`): right after an attach the targets resolve the
alias a few seconds after the proxy does. The clusters themselves are
:class:`aistui.playground.cluster.LocalCluster`."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from .cluster import HarnessError, LocalCluster

__all__ = ["start_pair", "attach_remote", "await_remote_usable"]


def start_pair(root: Path | str, *, ntargets: int = 1, remote_alias: str = "remais",
               timeout: float = 120.0, **kw: Any) -> tuple[LocalCluster, LocalCluster]:
    """Start the main cluster and a second one attached to it as ``remote_alias``; both start in
    parallel. Returns ``(main, remote)``; on failure both are stopped and HarnessError raised."""
    main = LocalCluster(root, ntargets=ntargets, name="ais", **kw)
    remote = LocalCluster(root, ntargets=1, name=remote_alias, aisnode=main.aisnode, keep=kw.get("keep", False))
    try:
        remote.launch()
        main.launch()
        remote._await(timeout)
        main._await(timeout)
        attach_remote(main, remote_alias, remote)
    except BaseException:
        main.stop()
        remote.stop()
        raise
    return main, remote


def attach_remote(cluster: LocalCluster, alias: str, other: LocalCluster | str) -> None:
    """Attach another cluster (or a URL) to ``cluster`` as remote AIS ``alias`` (``PUT
    /v1/cluster/attach``), then wait until the remote is reachable and usable through the alias
    (at most 60 s). Raises :class:`HarnessError` when the attach is refused or never usable."""
    url = other.endpoint if isinstance(other, LocalCluster) else other
    with cluster._http(timeout=30) as http:
        r = http.put(cluster.endpoint + "/v1/cluster/attach", params={"what": "remote"},
                     headers={"Ais-Remote-Ais-Alias": alias, "Ais-Remote-Ais-Url": url})
        if r.status_code != 200:
            raise HarnessError(f"attach {alias} failed: {r.status_code} {r.text[:300]}")
        # wait until the remote is reachable from the cluster and usable through the alias
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rr = http.get(cluster.endpoint + "/v1/cluster", params={"what": "remote"})
            items = (rr.json() or {}).get("a") or [] if rr.status_code == 200 else []
            if any(i.get("alias") == alias and i.get("smap") for i in items):
                cluster.remotes[alias] = url
                await_remote_usable(cluster, alias, deadline)
                return
            time.sleep(0.3)
    raise HarnessError(f"remote {alias} attached but not reachable")


def await_remote_usable(cluster: LocalCluster, alias: str, deadline: float) -> None:
    """Right after an attach the targets resolve ``@alias`` a few seconds later than the proxy
    (a PUT answers ErrRemoteBckNotFound meanwhile). Probe with a throw-away bucket until a
    PUT through the alias succeeds, so tests and the demo start on a usable remote."""
    probe = f"aistui-probe-{os.getpid()}"
    q = {"provider": "ais", "namespace": f"@{alias}#"}
    with cluster._http(timeout=10, base_url=cluster.endpoint, follow_redirects=True) as http:
        http.post(f"/v1/buckets/{probe}", params=q, json={"action": "create-bck"})
        try:
            while time.monotonic() < deadline:
                r = http.put(f"/v1/objects/{probe}/probe", params=q, content=b"1")
                if r.status_code == 200:
                    return
                time.sleep(0.3)
            raise HarnessError(f"remote {alias}: PUT through the alias never succeeded ({r.status_code})")
        finally:
            http.request("DELETE", f"/v1/buckets/{probe}", params=q, json={"action": "destroy-bck"})
