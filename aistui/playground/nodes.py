"""The ``aisnode`` processes of the local-cluster harness (:mod:`aistui.playground.cluster`):
finding the binary, free loopback ports, one :class:`Node` per process, and starting a node so it
dies with this process (``PR_SET_PDEATHSIG``, forked by one long-lived thread).
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["AISNODE_VERSION", "Node", "find_aisnode", "free_ports", "kept_ports", "spawn_node"]

AISNODE_VERSION = "v1.5.0"
_SCRUB_ENV = ("AIS_PRIMARY_EP", "AIS_DAEMON_ID", "AIS_HOST_IP", "AIS_HOST_PORT", "AIS_CLUSTER_CIDR",
              "AIS_PUBLIC_IP_CIDR", "AIS_READ_HEADER_TIMEOUT", "AIS_CRT", "AIS_CRT_KEY",
              "AIS_CLIENT_CA", "AIS_SKIP_VERIFY_CRT", "AIS_MINMEM_FREE", "AIS_MINMEM_PCT_TOTAL",
              "AIS_MINMEM_PCT_FREE", "AIS_STREAM_DRY_RUN", "MY_NODE", "MY_POD", "K8S_NS",
              "AIS_ENDPOINT", "AIS_AUTHN_TOKEN", "AIS_AUTHN_TOKEN_FILE", "AIS_USE_HTTPS")


def find_aisnode() -> str | None:
    """Path of the ``aisnode`` binary, or None (see module docs for the search order)."""
    env = os.environ.get("AISNODE")
    if env:
        return env if os.access(env, os.X_OK) else None
    on_path = shutil.which("aisnode")
    if on_path:
        return on_path
    cands = [Path(os.environ.get("AISTUI_BIN", Path.home() / ".cache" / "aistui" / "bin")) / "aisnode"]
    gopath = os.environ.get("GOPATH") or str(Path.home() / "go")
    cands.append(Path(gopath) / "bin" / "aisnode")
    for c in cands:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    return None


def free_ports(n: int) -> list[int]:
    """``n`` loopback TCP ports that were free a moment ago (bound, then released)."""
    socks: list[socket.socket] = []
    ports: list[int] = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


_spawn_pool: ThreadPoolExecutor | None = None
_spawn_lock = threading.Lock()


def _spawner() -> ThreadPoolExecutor:
    """The one thread that forks every node (its workers never retire while the process runs)."""
    global _spawn_pool
    with _spawn_lock:
        if _spawn_pool is None:
            _spawn_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aisnode-spawner")
        return _spawn_pool


def _pdeathsig() -> None:  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    os.setsid()


@dataclass
class Node:
    """One ``aisnode`` process: ``role`` (proxy/target), ``index``, its three ports, directories,
    and the ``Popen`` while it runs. ``daemon_id`` is learned from the Smap after start."""

    role: str
    index: int
    port: int
    port_control: int
    port_data: int
    dir: Path
    proc: subprocess.Popen[bytes] | None = None
    daemon_id: str = ""
    extra_args: list[str] = field(default_factory=list)
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def log_file(self) -> Path:
        return self.dir / "stdout.log"


def spawn_node(aisnode: str, node: Node, ntargets: int) -> None:
    """Start ``node``'s ``aisnode`` process (its ``cluster.json`` and ``local.json`` already written)
    and set ``node.proc``; stdout and stderr append to :attr:`Node.log_file`. The environment is
    scrubbed of the ``AIS_*`` variables that would change the node's config. Raises ``OSError``
    when the binary cannot be started."""
    args = [aisnode, f"-config={node.dir / 'cluster.json'}", f"-local_config={node.dir / 'local.json'}",
            f"-role={node.role}"]
    if node.role == "proxy":
        args.append(f"-ntargets={ntargets}")
    args += node.extra_args
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB_ENV}
    log = open(node.log_file, "ab")
    try:
        # PR_SET_PDEATHSIG fires when the *thread* that forked the node exits, so every node is
        # forked by one long-lived thread: a node (re)started from a worker thread (e.g.
        # ``run_in_executor(None, restart_node, ...)``) must not die when that worker retires.
        node.proc = _spawner().submit(
            subprocess.Popen, args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, preexec_fn=_pdeathsig, close_fds=True).result()
    finally:
        log.close()


def kept_ports(cluster_dir: Path, ntargets: int) -> list[int] | None:
    """The ports of a previous run in ``cluster_dir`` (its ``harness.json``), when that run had
    ``ntargets`` targets too and every port is free again; None means start afresh."""
    try:
        saved = json.loads((cluster_dir / "harness.json").read_text())
        ports = [int(p) for p in saved["ports"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if saved.get("ntargets") != ntargets or len(ports) != 3 * (1 + ntargets):
        return None
    for port in ports:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return None
    return ports
