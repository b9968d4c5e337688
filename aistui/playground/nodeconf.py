"""The config files of the local-cluster harness (:mod:`aistui.playground.cluster`): the cluster
config (``cluster.json``, the dev values of ``deploy/dev/local/aisnode_config.sh``, v1.5.0), each
node's ``local.json``, and the HS256 token the harness signs for a cluster with auth.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

from .nodes import Node

__all__ = ["cluster_config", "local_config", "write_configs", "hs256_token", "merge"]


def cluster_config(primary_url: str, *, startup_time: str, auth_secret: str | None,
               tls: tuple[str, str] | None, overrides: dict[str, Any]) -> dict[str, Any]:
    """The cluster config every node of one cluster gets (``cluster.json``): the dev values of
    ``deploy/dev/local/aisnode_config.sh`` (v1.5.0), ``auth.client_auth_required`` with an HS256
    key when ``auth_secret`` is given, every listener on HTTPS with the ``(cert, key)`` PEM paths of
    ``tls``, then ``overrides`` merged in (:func:`merge`)."""
    cfg: dict[str, Any] = {
        "backend": {},
        "timeout": {"cplane_operation": "2s", "max_keepalive": "5s", "cold_get_conflict": "5s",
                    "max_host_busy": "20s", "startup_time": startup_time, "join_startup_time": "3m",
                    "send_file_time": "5m", "ec_streams_time": "10m", "object_md": "2h"},
        "proxy": {"primary_url": primary_url, "original_url": primary_url, "discovery_url": "",
                  "non_electable": False},
        "space": {"cleanupwm": 65, "lowwm": 75, "highwm": 90, "out_of_space": 95,
                  "batch_size": 32768, "dont_cleanup_time": "120m"},
        "resilver": {"enabled": True},
        "memsys": {"min_free": "512mb", "default_buf": "32kb", "to_gc": "2gb", "hk_time": "3m",
                   "min_pct_total": 0, "min_pct_free": 0},
        "versioning": {"enabled": True, "validate_warm_get": False},
        "net": {"l4": {"proto": "tcp", "sndrcv_buf_size": 131072},
                "http": {"use_https": False, "server_crt": "", "server_key": "", "domain_tls": "",
                         "client_ca_tls": "", "client_auth_tls": 0, "idle_conn_time": "6s",
                         "idle_conns_per_host": 32, "idle_conns": 256, "write_buffer_size": 0,
                         "read_buffer_size": 0, "chunked_transfer": True, "skip_verify": False},
                "use_ipv6": False},
        "auth": {},
        "periodic": {"stats_time": "2s", "notif_time": "1s", "retry_sync_time": "2s"},
    }
    if auth_secret:
        # cmn.AuthConf (v1.5.0): client_auth_required needs a signature (or OIDC) config
        cfg["auth"] = {"client_auth_required": True,
                       "signature": {"key": auth_secret, "method": "HS256"}}
    if tls:
        cfg["net"]["http"].update({"use_https": True, "server_crt": tls[0], "server_key": tls[1],
                                   "skip_verify": True})
    return merge(cfg, overrides)


def local_config(node: Node, mp_root: Path, mountpaths: int) -> dict[str, Any]:
    """One node's ``local.json``: its directories, its three loopback ports, and ``mountpaths``
    test mountpaths under ``mp_root`` for a target (none for a proxy)."""
    return {
        "confdir": str(node.dir / "conf"),
        "log_dir": str(node.dir / "log"),
        "host_net": {"hostname": "127.0.0.1", "hostname_intra_control": "127.0.0.1",
                     "hostname_intra_data": "127.0.0.1", "port": str(node.port),
                     "port_intra_control": str(node.port_control), "port_intra_data": str(node.port_data)},
        "fspaths": {},
        "test_fspaths": {"root": str(mp_root) + "/",
                         "count": mountpaths if node.role == "target" else 0,
                         "instance": node.index},
    }


def write_configs(nodes: list[Node], cluster: dict[str, Any], mp_root: Path, mountpaths: int) -> None:
    """Write each node's ``conf/`` and ``log/`` directories, ``cluster.json`` (``cluster``) and
    ``local.json`` (:func:`local_config`) into its directory."""
    for node in nodes:
        (node.dir / "conf").mkdir(parents=True, exist_ok=True)
        (node.dir / "log").mkdir(parents=True, exist_ok=True)
        (node.dir / "cluster.json").write_text(json.dumps(cluster, indent=1))
        (node.dir / "local.json").write_text(json.dumps(local_config(node, mp_root, mountpaths), indent=1))


def hs256_token(key: str, sub: str, *, admin: bool, ttl_s: float, claims: dict[str, Any]) -> str:
    """An HS256 JWT (``sub``, ``exp`` = now + ``ttl_s`` seconds, ``admin``, extra ``claims``) signed
    with ``key``, built with the standard library only."""

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64(json.dumps({"sub": sub, "exp": int(time.time() + ttl_s), "admin": admin, **claims},
                          separators=(",", ":")).encode())
    sig = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` merged in, nested dicts key by key (``base`` is not changed)."""
    out = dict(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out
