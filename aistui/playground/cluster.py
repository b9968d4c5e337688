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

The binary is found at ``$AISNODE``, on ``PATH``, in ``$AISTUI_BIN`` / ``~/.cache/aistui/bin``,
or in ``$(go env GOPATH)/bin``; ``scripts/install-aisnode.sh`` builds it.
"""

from __future__ import annotations

import atexit
import base64
import ctypes
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

__all__ = ["AISNODE_VERSION", "HarnessError", "find_aisnode", "LocalCluster", "Node", "start_pair"]

AISNODE_VERSION = "v1.5.0"
_SCRUB_ENV = ("AIS_PRIMARY_EP", "AIS_DAEMON_ID", "AIS_HOST_IP", "AIS_HOST_PORT", "AIS_CLUSTER_CIDR",
              "AIS_PUBLIC_IP_CIDR", "AIS_READ_HEADER_TIMEOUT", "AIS_CRT", "AIS_CRT_KEY",
              "AIS_CLIENT_CA", "AIS_SKIP_VERIFY_CRT", "AIS_MINMEM_FREE", "AIS_MINMEM_PCT_TOTAL",
              "AIS_MINMEM_PCT_FREE", "AIS_STREAM_DRY_RUN", "MY_NODE", "MY_POD", "K8S_NS",
              "AIS_ENDPOINT", "AIS_AUTHN_TOKEN", "AIS_AUTHN_TOKEN_FILE", "AIS_USE_HTTPS")

_live: weakref.WeakSet[LocalCluster] = weakref.WeakSet()
_lock = threading.Lock()


class HarnessError(RuntimeError):
    """The local cluster could not be started or controlled; the message includes log lines."""


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


def _free_ports(n: int) -> list[int]:
    socks, ports = [], []
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


def _spawner() -> ThreadPoolExecutor:
    """The one thread that forks every node (its workers never retire while the process runs)."""
    global _spawn_pool
    with _lock:
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
        self.remotes: dict[str, str] = {}
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
        cfg: dict[str, Any] = {
            "backend": {},
            "timeout": {"cplane_operation": "2s", "max_keepalive": "5s", "cold_get_conflict": "5s",
                        "max_host_busy": "20s", "startup_time": self.startup_time, "join_startup_time": "3m",
                        "send_file_time": "5m", "ec_streams_time": "10m", "object_md": "2h"},
            "proxy": {"primary_url": self.proxy.url, "original_url": self.proxy.url, "discovery_url": "",
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
        if self.auth_secret:
            # cmn.AuthConf (v1.5.0): client_auth_required needs a signature (or OIDC) config
            cfg["auth"] = {"client_auth_required": True,
                           "signature": {"key": self.auth_secret, "method": "HS256"}}
        if self.tls:
            cfg["net"]["http"].update({"use_https": True, "server_crt": self.tls[0], "server_key": self.tls[1],
                                       "skip_verify": True})
        return _merge(cfg, self.config_overrides)

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

        def b64(raw: bytes) -> str:
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        body = b64(json.dumps({"sub": sub, "exp": int(time.time() + ttl_s), "admin": admin, **claims},
                              separators=(",", ":")).encode())
        sig = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{b64(sig)}"

    def _http(self, timeout: float = 10.0, **kw: Any) -> httpx.Client:
        """An httpx client for the harness's own calls: the admin token when auth is on; no
        certificate verification on HTTPS (the harness talks to its own loopback nodes)."""
        headers = {"Authorization": f"Bearer {self.sign_token()}"} if self.auth_secret else {}
        return httpx.Client(timeout=timeout, headers=headers, verify=False, **kw)

    def _local_config(self, node: Node) -> dict[str, Any]:
        return {
            "confdir": str(node.dir / "conf"),
            "log_dir": str(node.dir / "log"),
            "host_net": {"hostname": "127.0.0.1", "hostname_intra_control": "127.0.0.1",
                         "hostname_intra_data": "127.0.0.1", "port": str(node.port),
                         "port_intra_control": str(node.port_control), "port_intra_data": str(node.port_data)},
            "fspaths": {},
            "test_fspaths": {"root": str(self.dir / "mp") + "/",
                             "count": self.mountpaths if node.role == "target" else 0,
                             "instance": node.index},
        }

    def _write_configs(self) -> None:
        for node in self.nodes:
            (node.dir / "conf").mkdir(parents=True, exist_ok=True)
            (node.dir / "log").mkdir(parents=True, exist_ok=True)
            (node.dir / "cluster.json").write_text(json.dumps(self._cluster_config(), indent=1))
            (node.dir / "local.json").write_text(json.dumps(self._local_config(node), indent=1))

    # ------------------------------------------------------------------ lifecycle

    def _spawn(self, node: Node) -> None:
        assert self.aisnode
        args = [self.aisnode, f"-config={node.dir / 'cluster.json'}", f"-local_config={node.dir / 'local.json'}",
                f"-role={node.role}"]
        if node.role == "proxy":
            args.append(f"-ntargets={self.ntargets}")
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

    def launch(self) -> LocalCluster:
        """Write configs and spawn the node processes without waiting (see :meth:`start`).

        Nodes get ``PR_SET_PDEATHSIG``; they are forked by one long-lived spawner thread, so they
        die with this process, not with the thread that called :meth:`launch`."""
        if not self.aisnode:
            raise HarnessError("aisnode not found: run scripts/install-aisnode.sh (go install "
                               f"github.com/NVIDIA/aistore/cmd/aisnode@{AISNODE_VERSION}) or set $AISNODE")
        if self._started:
            return self
        ports = self._kept_ports() if self.keep else None
        if ports is None:
            if self.dir.exists():
                shutil.rmtree(self.dir)
            ports = _free_ports(3 * (1 + self.ntargets))
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

    def _kept_ports(self) -> list[int] | None:
        """The ports of a previous run in :attr:`dir` (``harness.json``), when that run had the
        same shape and every port is free again; None means start afresh."""
        try:
            saved = json.loads((self.dir / "harness.json").read_text())
            ports = [int(p) for p in saved["ports"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if saved.get("ntargets") != self.ntargets or len(ports) != 3 * (1 + self.ntargets):
            return None
        for port in ports:
            with socket.socket() as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    return None
        return ports

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

    def attach_remote(self, alias: str, other: LocalCluster | str) -> None:
        """Attach another cluster (or a URL) as remote AIS ``alias`` (``PUT /v1/cluster/attach``)."""
        url = other.endpoint if isinstance(other, LocalCluster) else other
        with self._http(timeout=30) as http:
            r = http.put(self.endpoint + "/v1/cluster/attach", params={"what": "remote"},
                         headers={"Ais-Remote-Ais-Alias": alias, "Ais-Remote-Ais-Url": url})
            if r.status_code != 200:
                raise HarnessError(f"attach {alias} failed: {r.status_code} {r.text[:300]}")
            # wait until the remote is reachable from the cluster and usable through the alias
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                rr = http.get(self.endpoint + "/v1/cluster", params={"what": "remote"})
                items = (rr.json() or {}).get("a") or [] if rr.status_code == 200 else []
                if any(i.get("alias") == alias and i.get("smap") for i in items):
                    self.remotes[alias] = url
                    self.await_remote_usable(alias, deadline)
                    return
                time.sleep(0.3)
        raise HarnessError(f"remote {alias} attached but not reachable")

    def await_remote_usable(self, alias: str, deadline: float) -> None:
        """Right after an attach the targets resolve ``@alias`` a few seconds later than the proxy
        (a PUT answers ErrRemoteBckNotFound meanwhile). Probe with a throw-away bucket until a
        PUT through the alias succeeds, so tests and the demo start on a usable remote."""
        probe = f"aistui-probe-{os.getpid()}"
        q = {"provider": "ais", "namespace": f"@{alias}#"}
        with self._http(timeout=10, base_url=self.endpoint, follow_redirects=True) as http:
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
        main.attach_remote(remote_alias, remote)
    except BaseException:
        main.stop()
        remote.stop()
        raise
    return main, remote


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


@atexit.register
def _stop_all() -> None:
    with _lock:
        live = list(_live)
    for c in live:
        try:
            c.stop(grace=5.0)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
