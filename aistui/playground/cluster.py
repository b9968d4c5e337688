"""A real AIStore cluster on loopback, started from the ``aisnode`` binary (v1.5.0).

    with LocalCluster.start_new(Path("/tmp/x"), ntargets=2) as ais:
        print(ais.endpoint)          # http://127.0.0.1:<port>

Used by the pytest fixtures, the benchmarks and ``aistui playground``. It writes the node configs
(``deploy/dev/local/aisnode_config.sh`` values, v1.5.0) into a fresh directory, starts 1 proxy and
N targets on free loopback ports with separate public/intra-control/intra-data listeners (required
by 5.0), waits for ``/v1/health?prr=true``, and stops every node it started by PID: SIGTERM, then
SIGKILL after a grace period. Nodes also get ``PR_SET_PDEATHSIG`` so they die with the process that
started them, and an ``atexit`` hook stops what is left; no stray processes remain. Node logs stay
in the directory and :meth:`LocalCluster.log_tail` shows them on failure.

Options for the reliability tests (each cluster is its own, never the shared session pair):

* ``auth_secret``: ``auth.client_auth_required`` with an HS256 signing key; the harness signs its
  own admin token (:meth:`LocalCluster.sign_token`) for its probes and config calls;
* ``tls=(cert, key)``: every listener on HTTPS (``net.http.use_https``) with that PEM pair; the
  nodes skip verification between themselves (``net.http.skip_verify``: a self-signed test cert),
  and so do the harness's own probes;
* ``config_overrides``: merged into the cluster config, e.g. ``{"space": {...}}`` watermarks, and
  :meth:`LocalCluster.set_config` changes the running cluster's config.

The node processes (finding the binary, ports, :class:`Node`, spawning) are
:mod:`aistui.playground.nodes`; the config files and the signed token are
:mod:`aistui.playground.nodeconf`; ``Node``, ``find_aisnode`` and ``AISNODE_VERSION`` are
re-exported here. The main cluster with a second one attached as a remote (``start_pair``,
``attach_remote``) is :mod:`aistui.playground.pair`.

The binary is found at ``$AISNODE``, on ``PATH``, in ``$AISTUI_BIN`` / ``~/.cache/aistui/bin``,
or in ``$(go env GOPATH)/bin``; ``scripts/install-aisnode.sh`` builds it.
"""

from __future__ import annotations

import atexit
import json
import shutil
import signal
import subprocess
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import httpx

from .nodeconf import cluster_config, hs256_token, write_configs
from .nodes import AISNODE_VERSION, Node, find_aisnode, free_ports, kept_ports, spawn_node

__all__ = ["AISNODE_VERSION", "HarnessError", "find_aisnode", "LocalCluster", "Node"]

_live: weakref.WeakSet[LocalCluster] = weakref.WeakSet()
_lock = threading.Lock()


class HarnessError(RuntimeError):
    """The local cluster could not be started or controlled; the message includes log lines."""


class LocalCluster:
    """A local AIS cluster: 1 proxy + ``ntargets`` targets under ``root``.

    ``name`` labels directories and logs. ``mountpaths`` per target (test mountpaths under
    ``root``). ``config_overrides`` are merged into the cluster config (e.g. ``{"space": {...}}``).
    ``auth_secret`` turns on ``auth.client_auth_required`` with that HS256 key; ``tls`` is a
    ``(certificate, key)`` pair of PEM paths that puts every node on HTTPS. With ``keep`` a
    cluster left in ``root`` by an earlier run restarts with its data. Call :meth:`start`
    (or use :meth:`start_new`), :meth:`stop` when done.
    """

    def __init__(self, root: Path | str, *, ntargets: int = 1, name: str = "ais", mountpaths: int = 1,
                 aisnode: str | None = None, config_overrides: dict[str, Any] | None = None,
                 startup_time: str = "30s", auth_secret: str | None = None,
                 tls: tuple[str | Path, str | Path] | None = None, keep: bool = False):
        if ntargets < 1:
            raise ValueError("a cluster needs at least one target")
        self.root = Path(root).resolve()
        self.name = name
        self.ntargets = ntargets
        self.mountpaths = mountpaths
        self.aisnode = aisnode or find_aisnode()
        self.config_overrides = config_overrides or {}
        self.startup_time = startup_time
        self.auth_secret = auth_secret
        self.tls = (str(tls[0]), str(tls[1])) if tls else None
        self.keep = keep  # restart a previous run's cluster (same dirs, ports and data) if there is one
        self.nodes: list[Node] = []
        self.remotes: dict[str, str] = {}  # alias -> URL, set by aistui.playground.pair.attach_remote
        self._started = False

    # ------------------------------------------------------------------ configs

    @property
    def proxy(self) -> Node:
        return self.nodes[0]

    @property
    def targets(self) -> list[Node]:
        return [n for n in self.nodes if n.role == "target"]

    @property
    def endpoint(self) -> str:
        return self.proxy.url

    @property
    def dir(self) -> Path:
        return self.root / self.name

    def _cluster_config(self) -> dict[str, Any]:
        return cluster_config(self.proxy.url, startup_time=self.startup_time, auth_secret=self.auth_secret,
                              tls=self.tls, overrides=self.config_overrides)

    # ------------------------------------------------------------------ auth and TLS

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def sign_token(self, sub: str = "aistui-harness", *, admin: bool = True, ttl_s: float = 86400.0,
                   secret: str | None = None, **claims: Any) -> str:
        """An HS256 JWT (``sub``, ``exp``, ``admin``, extra ``claims``) signed with the cluster's
        ``auth_secret`` (or ``secret``), built with the standard library only. Raises
        :class:`HarnessError` when the cluster has no secret and none is given."""
        key = secret or self.auth_secret
        if not key:
            raise HarnessError("this cluster runs without auth: there is no key to sign with")
        return hs256_token(key, sub, admin=admin, ttl_s=ttl_s, claims=claims)

    def _http(self, timeout: float = 10.0, **kw: Any) -> httpx.Client:
        """An httpx client for the harness's own calls: the admin token when auth is on; no
        certificate verification on HTTPS (the harness talks to its own loopback nodes)."""
        headers = {"Authorization": f"Bearer {self.sign_token()}"} if self.auth_secret else {}
        return httpx.Client(timeout=timeout, headers=headers, verify=False, **kw)

    def _write_configs(self) -> None:
        write_configs(self.nodes, self._cluster_config(), self.dir / "mp", self.mountpaths)

    # ------------------------------------------------------------------ lifecycle

    def _spawn(self, node: Node) -> None:
        assert self.aisnode
        spawn_node(self.aisnode, node, self.ntargets)

    def launch(self) -> LocalCluster:
        """Write configs and spawn the node processes without waiting (see :meth:`start`).

        Nodes get ``PR_SET_PDEATHSIG``; they are forked by one long-lived spawner thread, so they
        die with this process, not with the thread that called :meth:`launch`."""
        if not self.aisnode:
            raise HarnessError("aisnode not found: run scripts/install-aisnode.sh (go install "
                               f"github.com/NVIDIA/aistore/cmd/aisnode@{AISNODE_VERSION}) or set $AISNODE")
        if self._started:
            return self
        ports = kept_ports(self.dir, self.ntargets) if self.keep else None
        if ports is None:
            if self.dir.exists():
                shutil.rmtree(self.dir)
            ports = free_ports(3 * (1 + self.ntargets))
        self.nodes = [Node("proxy", 0, *ports[0:3], dir=self.dir / "p0", scheme=self.scheme)]
        for i in range(self.ntargets):
            p = ports[3 * (i + 1): 3 * (i + 2)]
            self.nodes.append(Node("target", i, *p, dir=self.dir / f"t{i}", scheme=self.scheme))
        self._write_configs()
        (self.dir / "harness.json").write_text(json.dumps({"ntargets": self.ntargets, "ports": ports}))
        with _lock:
            _live.add(self)
        self._started = True
        try:
            self._spawn(self.proxy)
            for t in self.targets:
                self._spawn(t)
        except BaseException:
            self.stop()
            raise
        return self

    def start(self, timeout: float = 120.0) -> LocalCluster:
        """Write configs, start the nodes and wait until the cluster is ready.

        Raises :class:`HarnessError` (with the node logs' tails) when ``aisnode`` is missing or the
        cluster is not ready within ``timeout`` seconds; on failure every started node is stopped.
        """
        self.launch()
        self._await(timeout)
        return self

    def _await(self, timeout: float) -> None:
        try:
            self.wait_ready(timeout)
            self._learn_ids()
        except BaseException as e:
            tail = self.log_tail()
            self.stop()
            raise HarnessError(f"local cluster {self.name!r} did not start ({e}):\n{tail}") from None

    @classmethod
    def start_new(cls, root: Path | str, **kw: Any) -> LocalCluster:
        """Construct and :meth:`start` in one call."""
        timeout = kw.pop("timeout", 120.0)
        return cls(root, **kw).start(timeout=timeout)

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Block until ``/v1/health?prr=true`` answers 200 and the Smap has every running target.
        Raises :class:`HarnessError` on timeout or when a node process exits."""
        deadline = time.monotonic() + timeout
        want = sum(1 for t in self.targets if t.alive or t.proc is None)
        last = ""
        with self._http(timeout=3.0) as http:
            while time.monotonic() < deadline:
                for n in self.nodes:
                    if n.proc is not None and n.proc.poll() is not None and n.proc.returncode not in (None,):
                        if n.role == "proxy" or n in self.targets and want == len(self.targets):
                            raise HarnessError(f"{n.role} {n.index} exited with code {n.proc.returncode}")
                try:
                    r = http.get(self.endpoint + "/v1/health", params={"prr": "true"})
                    if r.status_code == 200:
                        smap = http.get(self.endpoint + "/v1/daemon", params={"what": "smap"}).json()
                        if len(smap.get("tmap") or {}) >= want:
                            return
                        last = f"{len(smap.get('tmap') or {})}/{want} targets joined"
                    else:
                        last = f"health {r.status_code}: {r.text[:200]}"
                except (httpx.HTTPError, ValueError) as e:
                    last = str(e)
                time.sleep(0.25)
        raise HarnessError(f"cluster {self.name!r} not ready after {timeout:g} s ({last})")

    def _learn_ids(self) -> None:
        with self._http(timeout=5) as http:
            smap = http.get(self.endpoint + "/v1/daemon", params={"what": "smap"}).json()
        by_port: dict[int, str] = {}
        for m in ("pmap", "tmap"):
            for did, sn in (smap.get(m) or {}).items():
                try:
                    by_port[int(sn["public_net"]["daemon_port"])] = did
                except (KeyError, ValueError, TypeError):
                    continue
        for n in self.nodes:
            n.daemon_id = by_port.get(n.port, n.daemon_id)

    def node(self, daemon_id: str) -> Node:
        for n in self.nodes:
            if n.daemon_id == daemon_id:
                return n
        raise KeyError(daemon_id)

    def kill_node(self, node: Node, sig: int = signal.SIGKILL, wait: float = 10.0) -> None:
        """Send ``sig`` to a node by PID and wait for it to exit."""
        if node.proc is None or node.proc.poll() is not None:
            return
        try:
            node.proc.send_signal(sig)
            node.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            node.proc.kill()
            node.proc.wait(timeout=wait)
        except ProcessLookupError:
            pass

    def restart_node(self, node: Node, timeout: float = 60.0) -> None:
        """Start a stopped node again with its old config and wait until the cluster is ready."""
        if node.alive:
            raise HarnessError(f"{node.role} {node.index} is still running")
        self._spawn(node)
        # The Smap still lists the node from before it died, so first wait for the node itself
        # (and for its readiness: started and rejoined), then for the cluster.
        deadline = time.monotonic() + timeout
        last = ""
        with self._http(timeout=3.0) as http:
            while time.monotonic() < deadline:
                if node.proc is not None and node.proc.poll() is not None:
                    raise HarnessError(f"{node.role} {node.index} exited with code {node.proc.returncode}:\n"
                                       f"{self.log_tail()}")
                try:
                    r = http.get(node.url + "/v1/health", params={"readiness": "true"})
                    if r.status_code == 200:
                        break
                    last = f"{r.status_code}"
                except httpx.HTTPError as e:
                    last = str(e)
                time.sleep(0.2)
            else:
                raise HarnessError(f"{node.role} {node.index} not ready after restart ({last})")
        self.wait_ready(max(deadline - time.monotonic(), 1.0))

    def set_config(self, **values: str) -> None:
        """Set cluster config at runtime (``PUT /v1/cluster/set-config?k=v``), e.g.
        ``set_config(**{"space.highwm": "50"})``. Raises :class:`HarnessError` on refusal."""
        with self._http(timeout=30) as http:
            r = http.put(self.endpoint + "/v1/cluster/set-config", params=values)
        if r.status_code != 200:
            raise HarnessError(f"set-config failed: {r.status_code} {r.text[:300]}")

    def stop(self, grace: float = 10.0) -> None:
        """Stop every node this harness started: SIGTERM, then SIGKILL after ``grace`` s."""
        procs = [n.proc for n in self.nodes if n.proc is not None and n.proc.poll() is None]
        for p in procs:
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        for p in procs:
            try:
                p.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                p.kill()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        self._started = False
        with _lock:
            _live.discard(self)

    @property
    def pids(self) -> list[int]:
        return [n.proc.pid for n in self.nodes if n.proc is not None and n.proc.poll() is None]

    def log_tail(self, lines: int = 30) -> str:
        """The last ``lines`` of every node's stdout and error log, for failure reports."""
        out = []
        for n in self.nodes:
            files = [n.log_file] + sorted((n.dir / "log").glob("*.ERROR"))
            for f in files:
                try:
                    text = f.read_text(errors="replace").splitlines()[-lines:]
                except OSError:
                    continue
                if text:
                    out.append(f"--- {self.name} {n.role}{n.index} {f.name}")
                    out.extend(text)
        return "\n".join(out) or "(no node logs)"

    def __enter__(self) -> LocalCluster:
        return self.start() if not self._started else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


@atexit.register
def _stop_all() -> None:
    with _lock:
        live = list(_live)
    for c in live:
        try:
            c.stop(grace=5.0)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
