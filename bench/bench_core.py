#!/usr/bin/env python3
"""Benchmark: the aistui core (async, httpx) against the official ``aistore`` SDK (1.26.0).

One run, one local AIS cluster (started from ``aisnode`` unless ``--endpoint`` is given), three
workloads:

1. full listing of a bucket of ``--objects`` (default 100,000) 1-byte objects, props
   ``name,size``: core ``await client.objects.list_all(bck)`` vs SDK
   ``bucket.list_all_objects(props="name,size")``. Each listing runs in a fresh subprocess, which
   also reports peak RSS (``ru_maxrss``) after imports (baseline) and after the listing;
2. PUT of ``--files`` (default 10,000) local files of 10 KiB: core ``transfer.upload`` at each
   ``--concurrency`` vs SDK sequential ``bucket.object(n).get_writer().put_file(p)`` and SDK
   ``bucket.put_files(dir)``;
3. GET of the same objects into memory: core ``client.objects.get`` under a semaphore at each
   ``--concurrency`` vs SDK sequential ``obj.get_reader().read_all()``.

Every timed measurement runs ``--repeat`` times (default 3, variants interleaved round-robin) and
is reported as median with min..max. The ``ais`` CLI is measured only if an ``ais`` binary is on
PATH. Output: a Markdown report on stdout (progress on stderr), optionally JSON (``--json``).

    PATH=~/.cache/aistui/bin:$PATH .venv/bin/python bench/bench_core.py --json results.json > results.md
                                               # THE run for docs/benchmarks.md: core, SDK and ais CLI
    python bench/bench_core.py                 # full run (the ais CLI only if on PATH)
    python bench/bench_core.py --quick         # smoke run: 10k listing, 1,000 files
    python bench/bench_core.py --endpoint http://127.0.0.1:8080   # an existing cluster

Top-level imports are stdlib only, so the listing subprocesses measure just their own library.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

MIB = 1024 * 1024


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


_LOAD1: list[float] = []


def sample_load() -> str:
    """The load average now (and remember the 1-minute value for the report)."""
    la = loadavg()
    try:
        _LOAD1.append(float(la.split()[0]))
    except (ValueError, IndexError):
        pass
    return la


# --------------------------------------------------------------------------- CPU accounting

_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _pid_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TCK   # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


def _busy_s() -> float:
    """CPU seconds all CPUs spent busy (not idle or iowait) since boot."""
    try:
        v = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / _TCK
    except (OSError, IndexError, ValueError):
        return 0.0


class CpuMeter:
    """Splits the machine's busy CPU time during a measurement into: this benchmark (its process
    and waited children), the local cluster's nodes, and everything else ("other": other users'
    processes, which make a measurement noisy). Values are % of all CPUs over the wall time."""

    def __init__(self) -> None:
        self.cluster_pids: list[int] = []
        self.ncpu = os.cpu_count() or 1

    def snap(self) -> tuple[float, float, float, float]:
        t = os.times()
        own = t.user + t.system + t.children_user + t.children_system
        return time.perf_counter(), _busy_s(), own, sum(_pid_cpu_s(p) for p in self.cluster_pids)

    def delta(self, a: tuple[float, float, float, float]) -> dict[str, float]:
        b = self.snap()
        cap = max(b[0] - a[0], 1e-9) * self.ncpu / 100
        own, clu = b[2] - a[2], b[3] - a[3]
        return {"bench_pct": own / cap, "cluster_pct": clu / cap,
                "other_pct": max(b[1] - a[1] - own - clu, 0.0) / cap}


# --------------------------------------------------------------------------- listing child

def _child_list(side: str, endpoint: str, bucket: str) -> None:
    """Runs in a fresh interpreter: import one library, take the RSS baseline, list, report JSON."""
    if side == "core":
        from aistui.core import AISClient, Bck  # noqa: F401  (the import is part of the baseline)
        try:  # the core's transport, which it otherwise imports on the first request
            import aiohttp  # noqa: F401
            import httpx_aiohttp  # noqa: F401
        except ImportError:
            pass
    elif side == "sdk":
        from aistore.sdk import Client  # noqa: F401
    else:
        raise SystemExit(f"unknown side {side}")
    gc.collect()
    base_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # The client is built outside the timed part (its cost is reported as init_s); its memory is
    # in the delta on both sides.
    if side == "core":
        async def run() -> tuple[float, float, list]:
            t_init = time.perf_counter()
            async with AISClient(endpoint) as c:
                bck = Bck.parse(f"ais://{bucket}")
                t0 = time.perf_counter()
                out = await c.objects.list_all(bck)
                return t0 - t_init, time.perf_counter() - t0, out
        init_s, dt, entries = asyncio.run(run())
    else:
        t_init = time.perf_counter()
        b = Client(endpoint).bucket(bucket)
        t0 = time.perf_counter()
        entries = b.list_all_objects(props="name,size")
        init_s, dt = t0 - t_init, time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    count = len(entries)
    ok = bool(count) and all(e.size == 1 for e in (entries[0], entries[-1]))
    print(json.dumps({"side": side, "seconds": dt, "init_s": init_s, "count": count, "sizes_ok": ok,
                      "base_mib": base_kib / 1024, "peak_mib": peak_kib / 1024}))


def run_list_child(side: str, endpoint: str, bucket: str) -> dict[str, Any]:
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--child-list", side,
                        "--endpoint", endpoint, "--child-bucket", bucket],
                       capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        raise RuntimeError(f"listing child ({side}) failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- results

@dataclass
class Row:
    """One measured variant: wall times of each repetition (s) and what one repetition moves."""

    key: str
    workload: str           # list | put | get
    side: str               # core | sdk | cli
    label: str
    objects: int
    nbytes: int
    times: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def summary(self) -> dict[str, Any]:
        d = asdict(self)
        if self.times:
            med = self.median
            d |= {"median_s": med, "min_s": min(self.times), "max_s": max(self.times),
                  "objects_per_s": self.objects / med, "mib_per_s": self.nbytes / MIB / med}
        return d


def fmt_s(x: float) -> str:
    return f"{x:.2f}" if x >= 0.1 else f"{x:.3f}"


def ratio_text(core_s: float, other_s: float, other: str) -> tuple[float, str]:
    """Speed ratio (other time / core time) and a sentence."""
    r = other_s / core_s
    if r >= 1:
        return r, f"core {r:.2f}x faster than {other}"
    return r, f"core {1 / r:.2f}x slower than {other} ({r:.2f}x)"


# --------------------------------------------------------------------------- the benchmark

class Bench:
    def __init__(self, args: argparse.Namespace):
        self.a = args
        self.rows: dict[str, Row] = {}
        self.info: dict[str, Any] = {}
        self.setup: dict[str, Any] = {}
        self.tag = uuid.uuid4().hex[:6]
        self.created: list[str] = []   # buckets to destroy when using a foreign cluster
        self.endpoint = ""
        self.cli = shutil.which("ais")
        self.cpu = CpuMeter()

    # ---------------------------------------------------------------- helpers

    def row(self, key: str, **kw: Any) -> Row:
        if key not in self.rows:
            self.rows[key] = Row(key=key, **kw)
        return self.rows[key]

    def bname(self, what: str) -> str:
        name = f"bench-{self.tag}-{what}"
        self.created.append(name)
        return name

    def timed(self, fn: Callable[[], Any]) -> tuple[float, Any]:
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out

    # ---------------------------------------------------------------- machine

    def machine(self) -> None:
        cpu = "?"
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        mem = "?"
        try:
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemTotal"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        except OSError:
            pass
        vers = {}
        for pkg in ("aistui", "aistore", "httpx", "httpcore", "anyio", "msgspec", "requests", "urllib3"):
            try:
                vers[pkg] = metadata.version(pkg)
            except metadata.PackageNotFoundError:
                vers[pkg] = "not installed"
        repo = Path(__file__).resolve().parent.parent
        try:
            head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                                  text=True, timeout=10).stdout.strip() or "?"
            dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "aistui/core", "pyproject.toml"],
                                   capture_output=True, text=True, timeout=10).stdout.strip()
            commit = head + (" (aistui/core has uncommitted changes)" if dirty else "")
        except (OSError, subprocess.SubprocessError):
            commit = "?"
        for pkg in ("aiohttp", "httpx-aiohttp"):
            try:
                vers[pkg] = metadata.version(pkg)
            except metadata.PackageNotFoundError:
                vers[pkg] = "not installed"
        self.info = {
            "aistui_commit": commit,
            "nproc": os.cpu_count(), "cpu_model": cpu, "mem_total": mem,
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "packages": vers,
            "ais_cli": "not installed" if not self.cli else self._cli_version(),
        }

    def _cli_version(self) -> str:
        try:
            p = subprocess.run([self.cli, "version"], capture_output=True, text=True, timeout=30,
                               env=os.environ | {"AIS_ENDPOINT": self.endpoint or "http://127.0.0.1:8080"})
            out = (p.stdout or p.stderr).strip()
            return f"{self.cli}: {out.splitlines()[0] if out else '?'}"
        except (OSError, subprocess.SubprocessError) as e:
            return f"{self.cli}: {e}"

    # ---------------------------------------------------------------- setup

    async def _cluster_info(self, client: Any) -> None:
        smap = await client.cluster.smap()
        self.info["ais_version"] = await client.cluster.version()
        self.info["ais_targets"] = len(smap.targets)

    async def _seed_listing_bucket(self, client: Any, Bck: Any) -> str:
        """``--objects`` 1-byte objects. On a 1-target cluster: PUT objects/100 with the core, then
        two rounds of 10 server-side bucket copies with distinct prepends (x10, x10); a copy job
        takes ~0.3 s there. With more targets every copy job lingers ~13 s before it finishes
        (and AIS refuses concurrent copies between the same two buckets), so there, and when the
        count is not a multiple of 100, the objects are PUT directly (16 at once)."""
        n = self.a.objects
        t0 = time.perf_counter()
        seed = Bck.parse(f"ais://{self.bname('seed')}")
        await client.buckets.create(seed)
        fan = n % 100 == 0 and n >= 100 and self.info.get("ais_targets") == 1
        nseed = n // 100 if fan else n
        conc = 8 if fan else 16
        sem = asyncio.Semaphore(conc)

        async def put1(i: int) -> None:
            async with sem:
                await client.objects.put(seed, f"o{i:07d}", b"x")

        await asyncio.gather(*[put1(i) for i in range(nseed)])
        t_seed = time.perf_counter() - t0
        if not fan:
            self.setup |= {"listing_bucket_s": t_seed,
                           "method": f"{n} 1-byte PUTs with the core, {conc} at once"}
            return seed.name
        mid = Bck.parse(f"ais://{self.bname('mid')}")
        big = Bck.parse(f"ais://{self.bname('list')}")
        for src, dst, pfx in ((seed, mid, "d"), (mid, big, "e")):
            for k in range(10):
                [xid] = await client.buckets.copy(src, dst, prepend=f"{pfx}{k}/")
                job = await client.jobs.wait(xid, timeout=900)
                if job.state != "finished":
                    raise RuntimeError(f"copy job {xid} ended {job.state}")
        dt = time.perf_counter() - t0
        self.setup |= {"listing_bucket_s": dt, "seed_put_s": t_seed,
                       "method": (f"{nseed} 1-byte PUTs with the core, {conc} at once ({t_seed:.1f} s), then "
                                  f"2 rounds of 10 server-side bucket copies with distinct prepends (x100)")}
        return big.name

    def _make_files(self) -> Path:
        d = Path(self.workdir) / "src" / "files"
        d.mkdir(parents=True)
        t0 = time.perf_counter()
        for i in range(self.a.files):
            (d / f"f{i:06d}.bin").write_bytes(os.urandom(self.a.file_size))
        self.setup["make_files_s"] = time.perf_counter() - t0
        return d

    # ---------------------------------------------------------------- workloads

    def bench_listing(self, bucket: str) -> None:
        n = self.a.objects
        core = self.row("list-core", workload="list", side="core", objects=n, nbytes=0,
                        label="core `await client.objects.list_all(bck)` (msgpack pages)")
        sdk = self.row("list-sdk", workload="list", side="sdk", objects=n, nbytes=0,
                       label='SDK `bucket.list_all_objects(props="name,size")`')
        for rep in range(self.a.repeat):
            for row, side in ((core, "core"), (sdk, "sdk")) if rep % 2 == 0 else ((sdk, "sdk"), (core, "core")):
                c0 = self.cpu.snap()
                res = run_list_child(side, self.endpoint, bucket)
                row.extra.setdefault("cpu", []).append(self.cpu.delta(c0))
                if res["count"] != n or not res["sizes_ok"]:
                    raise RuntimeError(f"{side} listing returned {res['count']} entries, expected {n}: {res}")
                row.times.append(res["seconds"])
                row.extra.setdefault("init_s", []).append(res["init_s"])
                row.extra.setdefault("base_mib", []).append(res["base_mib"])
                row.extra.setdefault("peak_mib", []).append(res["peak_mib"])
                row.extra.setdefault("delta_mib", []).append(res["peak_mib"] - res["base_mib"])
                log(f"list {side} rep {rep + 1}: {res['seconds']:.2f} s, peak {res['peak_mib']:.1f} MiB "
                    f"(+{res['peak_mib'] - res['base_mib']:.1f}), load {sample_load()}")
        if self.cli:
            cli = self.row("list-cli", workload="list", side="cli", objects=n, nbytes=0,
                           label="`ais ls ais://B --props name,size` (stdout to /dev/null)")
            for _ in range(self.a.repeat):
                dt = self._run_cli(["ls", f"ais://{bucket}", "--props", "name,size"])
                if dt is not None:
                    cli.times.append(dt)

    def _run_cli(self, argv: list[str]) -> float | None:
        env = os.environ | {"AIS_ENDPOINT": self.endpoint}
        t0 = time.perf_counter()
        p = subprocess.run([self.cli, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           env=env, timeout=1800)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            log(f"ais {' '.join(argv)} failed ({p.returncode}): {p.stderr.decode(errors='replace')[-500:]}")
            return None
        return dt

    async def _core_upload(self, client: Any, Bck: Any, transfer: Any, src: Path, conc: int, bucket: str,
                           skip_vc: bool = False) -> float:
        bck = Bck.parse(f"ais://{bucket}")
        await client.buckets.create(bck)
        gc.collect()
        t0 = time.perf_counter()
        res = await transfer.upload(client, bck, transfer.plan_upload([src]), concurrency=conc, skip_vc=skip_vc)
        dt = time.perf_counter() - t0
        if not res.ok or len(res.done) != self.a.files:
            raise RuntimeError(f"core upload: {len(res.failed)} failed, e.g. {next(iter(res.failed.items()), None)}")
        return dt

    async def _core_get(self, client: Any, bck: Any, names: list[str], conc: int) -> float:
        sem = asyncio.Semaphore(conc)
        got = 0

        async def one(name: str) -> None:
            nonlocal got
            async with sem:
                data = await client.objects.get(bck, name)
            got += len(data)   # not `got += len(await ...)`: that reads `got` before the await

        gc.collect()
        t0 = time.perf_counter()
        await asyncio.gather(*[one(n) for n in names])
        dt = time.perf_counter() - t0
        if got != len(names) * self.a.file_size:
            raise RuntimeError(f"core get: {got} bytes, expected {len(names) * self.a.file_size}")
        return dt

    async def _core_download(self, client: Any, transfer: Any, bck: Any, prefix: str, conc: int, rep: int) -> float:
        """Like ``ais get ais://B DIR --prefix P``: list the prefix, then write every object to a file
        (temporary file + rename, checksum verified)."""
        out = Path(self.workdir) / f"core-get-{conc}-{rep}"
        out.mkdir()
        gc.collect()
        t0 = time.perf_counter()
        res = await transfer.download(client, bck, None, out, prefix=prefix, concurrency=conc)
        dt = time.perf_counter() - t0
        shutil.rmtree(out, ignore_errors=True)
        if not res.ok or len(res.done) != self.a.files:
            raise RuntimeError(f"core download: {len(res.failed)} failed, e.g. {next(iter(res.failed.items()), None)}")
        return dt

    def bench_put_get(self, loop: asyncio.AbstractEventLoop, client: Any, Bck: Any, transfer: Any) -> None:
        from aistore.sdk import Client

        src = self._make_files()
        files = sorted(src.iterdir())
        names = [f"{src.name}/{p.name}" for p in files]   # same names as plan_upload gives
        nbytes = self.a.files * self.a.file_size
        sdk = Client(self.endpoint)
        concs = self.a.concurrency

        # warm-up: open connections on both clients (not timed)
        wb = self.bname("warm")
        loop.run_until_complete(client.buckets.create(Bck.parse(f"ais://{wb}")))
        for p in files[:20]:
            loop.run_until_complete(client.objects.put(Bck.parse(f"ais://{wb}"), p.name, p))
            sdk.bucket(wb).object("s" + p.name).get_writer().put_file(str(p))
            sdk.bucket(wb).object("s" + p.name).get_reader().read_all()
            loop.run_until_complete(client.objects.get(Bck.parse(f"ais://{wb}"), p.name))

        put_rows: list[tuple[Row, Callable[[int], float]]] = []
        for c in concs:
            r = self.row(f"put-core-c{c}", workload="put", side="core", objects=self.a.files, nbytes=nbytes,
                         label=f"core `transfer.upload(..., concurrency={c})`")
            put_rows.append((r, lambda rep, c=c: loop.run_until_complete(
                self._core_upload(client, Bck, transfer, src, c, self.bname(f"put-c{c}-r{rep}")))))

        def sdk_seq(rep: int) -> float:
            b = sdk.bucket(self.bname(f"put-sdk-r{rep}"))
            b.create()
            dt, _ = self.timed(lambda: [b.object(n).get_writer().put_file(str(p))
                                        for p, n in zip(files, names, strict=True)])
            return dt

        def sdk_put_files(rep: int) -> float:
            b = sdk.bucket(self.bname(f"put-sdkpf-r{rep}"))
            b.create()
            dt, out = self.timed(lambda: b.put_files(str(src), prepend=f"{src.name}/", verbose=False))
            if len(out) != self.a.files:
                raise RuntimeError(f"put_files uploaded {len(out)} files")
            return dt

        put_rows.append((self.row("put-sdk-seq", workload="put", side="sdk", objects=self.a.files, nbytes=nbytes,
                                  label="SDK sequential `obj.get_writer().put_file(path)`"), sdk_seq))
        put_rows.append((self.row("put-sdk-putfiles", workload="put", side="sdk", objects=self.a.files,
                                  nbytes=nbytes, label="SDK `bucket.put_files(dir)` (sequential inside)"),
                         sdk_put_files))
        if self.cli:
            def cli_put(rep: int) -> float:
                b = self.bname(f"put-cli-r{rep}")
                loop.run_until_complete(client.buckets.create(Bck.parse(f"ais://{b}")))
                dt = self._run_cli(["put", str(src), f"ais://{b}/{src.name}/", "--recursive", "--yes"])
                return float("nan") if dt is None else dt
            put_rows.append((self.row("put-cli", workload="put", side="cli", objects=self.a.files, nbytes=nbytes,
                                      label="`ais put DIR ais://B --recursive`"), cli_put))
        if self.a.skip_vc:   # both sides skip loading an existing object's metadata (new objects en masse)
            c = max(concs)
            r = self.row(f"putsvc-core-c{c}", workload="put", side="core", objects=self.a.files, nbytes=nbytes,
                         label=f"core `transfer.upload(..., concurrency={c}, skip_vc=True)`")
            put_rows.append((r, lambda rep, c=c: loop.run_until_complete(
                self._core_upload(client, Bck, transfer, src, c, self.bname(f"putsvc-c{c}-r{rep}"), skip_vc=True))))
            if self.cli:
                def cli_put_svc(rep: int) -> float:
                    b = self.bname(f"putsvc-cli-r{rep}")
                    loop.run_until_complete(client.buckets.create(Bck.parse(f"ais://{b}")))
                    dt = self._run_cli(["put", str(src), f"ais://{b}/{src.name}/", "--recursive", "--yes",
                                        "--skip-vc"])
                    return float("nan") if dt is None else dt
                put_rows.append((self.row("putsvc-cli", workload="put", side="cli", objects=self.a.files,
                                          nbytes=nbytes, label="`ais put DIR ais://B --recursive --skip-vc`"),
                                 cli_put_svc))
        self._round_robin("put", put_rows)

        # GET: the objects uploaded by the SDK's first sequential run (identical names and bytes)
        gbck_name = f"bench-{self.tag}-put-sdk-r0"
        gbck = Bck.parse(f"ais://{gbck_name}")
        get_rows: list[tuple[Row, Callable[[int], float]]] = []
        for c in concs:
            r = self.row(f"get-core-c{c}", workload="get", side="core", objects=self.a.files, nbytes=nbytes,
                         label=f"core `await client.objects.get(bck, name)`, {c} at once (into memory)")
            get_rows.append((r, lambda rep, c=c: loop.run_until_complete(self._core_get(client, gbck, names, c))))

        def sdk_get(rep: int) -> float:
            b = sdk.bucket(gbck_name)
            dt, sizes = self.timed(lambda: [len(b.object(n).get_reader().read_all()) for n in names])
            if sum(sizes) != nbytes:
                raise RuntimeError(f"SDK get: {sum(sizes)} bytes, expected {nbytes}")
            return dt

        for c in concs:
            r = self.row(f"getdisk-core-c{c}", workload="get", side="core", objects=self.a.files, nbytes=nbytes,
                         label=f"core `transfer.download(bck, None, DIR, prefix=P, concurrency={c})` (to disk)")
            get_rows.append((r, lambda rep, c=c: loop.run_until_complete(
                self._core_download(client, transfer, gbck, f"{src.name}/", c, rep))))

        get_rows.append((self.row("get-sdk-seq", workload="get", side="sdk", objects=self.a.files, nbytes=nbytes,
                                  label="SDK sequential `obj.get_reader().read_all()` (into memory)"), sdk_get))
        if self.cli:
            def cli_get(rep: int) -> float:
                out = Path(self.workdir) / f"cli-get-{rep}"
                out.mkdir()
                dt = self._run_cli(["get", f"ais://{gbck_name}", str(out), "--prefix", f"{src.name}/", "--yes"])
                shutil.rmtree(out, ignore_errors=True)
                return float("nan") if dt is None else dt
            get_rows.append((self.row("get-cli", workload="get", side="cli", objects=self.a.files, nbytes=nbytes,
                                      label="`ais get ais://B DIR --prefix P` (to disk)"), cli_get))
        self._round_robin("get", get_rows)

    def _round_robin(self, what: str, rows: list[tuple[Row, Callable[[int], float]]]) -> None:
        """Run every variant once per repetition, rotating the order so no variant always runs
        first (or last) on a noisy machine."""
        for rep in range(self.a.repeat):
            k = rep % len(rows)
            for row, fn in rows[k:] + rows[:k]:
                c0 = self.cpu.snap()
                dt = fn(rep)
                cpu = self.cpu.delta(c0)
                if dt == dt:  # not NaN
                    row.times.append(dt)
                    row.extra.setdefault("cpu", []).append(cpu)
                log(f"{what} {row.key} rep {rep + 1}: {dt:.2f} s ({row.objects / dt:.0f} obj/s), "
                    f"CPU bench {cpu['bench_pct']:.0f}% cluster {cpu['cluster_pct']:.0f}% "
                    f"other {cpu['other_pct']:.0f}%, load {sample_load()}")

    # ---------------------------------------------------------------- driver

    def run(self) -> None:
        self.machine()
        self.workdir = tempfile.mkdtemp(prefix="aistui-bench-", dir="/tmp")
        cluster = None
        t_all = time.perf_counter()
        self.info["load_start"] = loadavg()
        try:
            if self.a.endpoint:
                self.endpoint = self.a.endpoint.rstrip("/")
                self.info["cluster"] = f"existing cluster at {self.endpoint}"
            else:
                from aistui.playground.cluster import LocalCluster, find_aisnode

                log(f"starting a local cluster (1 proxy + {self.a.ntargets} target(s)) under {self.workdir}")
                t0 = time.perf_counter()
                cluster = LocalCluster.start_new(Path(self.workdir) / "cluster", ntargets=self.a.ntargets)
                self.setup["cluster_start_s"] = time.perf_counter() - t0
                self.endpoint = cluster.endpoint
                self.cpu.cluster_pids = list(cluster.pids)
                binary = find_aisnode() or "?"
                vfile = Path(binary).with_name("aisnode.version")
                bver = vfile.read_text().strip() if vfile.is_file() else "?"
                self.info["cluster"] = (f"local: 1 proxy + {self.a.ntargets} target(s), 1 mountpath each, "
                                        f"loopback, aisnode {bver}")
            if self.cli:
                self.info["ais_cli"] = self._cli_version()
            self._run_workloads()
        finally:
            if self.a.endpoint and self.created:
                self._cleanup_foreign()
            if cluster is not None:
                log("stopping the local cluster")
                t0 = time.perf_counter()
                cluster.stop()
                self.setup["cluster_stop_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.setup["cleanup_s"] = time.perf_counter() - t0
            log(f"stopped and cleaned up ({self.setup.get('cluster_stop_s', 0):.1f} s + "
                f"{self.setup['cleanup_s']:.1f} s)")
        self.info["load_end"] = loadavg()
        self.info["load1_max_during_runs"] = max(_LOAD1) if _LOAD1 else None
        self.info["wall_s"] = time.perf_counter() - t_all

    def _run_workloads(self) -> None:
        from aistui.core import AISClient, Bck, transfer

        loop = asyncio.new_event_loop()
        client = AISClient(self.endpoint)
        try:
            loop.run_until_complete(self._cluster_info(client))
            log(f"AIS {self.info['ais_version']} at {self.endpoint}; load {loadavg()}")
            if "list" in self.a.workloads:
                log(f"creating the {self.a.objects}-object listing bucket")
                bucket = loop.run_until_complete(self._seed_listing_bucket(client, Bck))
                log(f"listing bucket ready in {self.setup['listing_bucket_s']:.1f} s")
                self.bench_listing(bucket)
            if "put" in self.a.workloads or "get" in self.a.workloads:
                self.bench_put_get(loop, client, Bck, transfer)
        finally:
            loop.run_until_complete(client.aclose())
            loop.close()

    def _cleanup_foreign(self) -> None:
        from aistui.core import AISClient, Bck

        async def go() -> None:
            async with AISClient(self.endpoint) as c:
                for name in self.created:
                    try:
                        await c.buckets.destroy(Bck.parse(f"ais://{name}"), missing_ok=True)
                    except Exception as e:  # noqa: BLE001 - best effort
                        log(f"could not destroy {name}: {e}")
        asyncio.run(go())

    # ---------------------------------------------------------------- report

    def ratios(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        R = self.rows

        def add(what: str, core_key: str, other_key: str, other: str) -> None:
            if core_key in R and other_key in R and R[core_key].times and R[other_key].times:
                r, text = ratio_text(R[core_key].median, R[other_key].median, other)
                out.append({"what": what, "core": core_key, "peer": other_key, "speedup": r, "text": text})

        add("listing", "list-core", "list-sdk", "SDK")
        add("listing", "list-core", "list-cli", "ais CLI")
        for c in self.a.concurrency:
            add(f"PUT (c{c})", f"put-core-c{c}", "put-sdk-seq", "SDK sequential put_file")
            add(f"PUT (c{c})", f"put-core-c{c}", "put-sdk-putfiles", "SDK put_files")
            add(f"PUT (c{c})", f"put-core-c{c}", "put-cli", "ais CLI")
            add(f"PUT skip_vc (c{c})", f"putsvc-core-c{c}", "putsvc-cli", "ais CLI --skip-vc")
        for c in self.a.concurrency:
            add(f"GET (c{c})", f"get-core-c{c}", "get-sdk-seq", "SDK sequential read_all")
            add(f"GET (c{c})", f"get-core-c{c}", "get-cli", "ais CLI (into memory vs to disk: not like for like)")
            add(f"GET to disk (c{c})", f"getdisk-core-c{c}", "get-cli", "ais CLI (both to disk)")
        return out

    def targets(self) -> list[dict[str, Any]]:
        R = self.rows
        out = []
        if "list-core" in R and "list-sdk" in R:
            r = R["list-sdk"].median / R["list-core"].median
            out.append({"target": "(a) core lists at least as fast as the SDK", "met": r >= 1.0,
                        "evidence": f"median {fmt_s(R['list-core'].median)} s vs {fmt_s(R['list-sdk'].median)} s "
                                    f"({r:.2f}x)"})
        for wl, sdk_key, verb in (("put", "put-sdk-seq", "uploads"), ("get", "get-sdk-seq", "downloads")):
            cores = [R[f"{wl}-core-c{c}"] for c in self.a.concurrency if f"{wl}-core-c{c}" in R]
            if cores and sdk_key in R:
                best = min(cores, key=lambda x: x.median)
                r = R[sdk_key].median / best.median
                out.append({"target": f"(b) with concurrency the core {verb} small objects >= 3x faster than "
                                      f"the SDK's sequential calls",
                            "met": r >= 3.0,
                            "evidence": f"best core ({best.key}) {best.objects / best.median:.0f} obj/s vs SDK "
                                        f"{R[sdk_key].objects / R[sdk_key].median:.0f} obj/s ({r:.2f}x)"})
        if "list-core" in R and "list-sdk" in R:
            c = statistics.median(R["list-core"].extra["delta_mib"])
            s = statistics.median(R["list-sdk"].extra["delta_mib"])
            out.append({"target": f"(c) core peak memory for the {self.a.objects}-entry listing <= the SDK's",
                        "met": c <= s,
                        "evidence": f"peak RSS growth over the post-import baseline {c:.1f} MiB vs {s:.1f} MiB "
                                    + (f"({s / c:.2f}x less)" if c > 0.05
                                       else "(no measurable growth on the core side)")})
        out.extend(self._cli_targets())
        return out

    def _cli_targets(self) -> list[dict[str, Any]]:
        """Issue 15's targets against the Go ``ais`` CLI (present only when it ran)."""
        R = self.rows
        out: list[dict[str, Any]] = []
        if "list-core" in R and "list-cli" in R and R["list-cli"].times:
            r = R["list-cli"].median / R["list-core"].median
            out.append({"target": "(d) listing >= 1.4x the ais CLI", "met": r >= 1.4,
                        "evidence": f"median {fmt_s(R['list-core'].median)} s vs {fmt_s(R['list-cli'].median)} s "
                                    f"({r:.2f}x)"})
        for wl, prefix, what in (("put", "put-core", "PUT"), ("get", "getdisk-core", "GET to disk")):
            cli = R.get(f"{wl}-cli")
            cores = [R[f"{prefix}-c{c}"] for c in self.a.concurrency if f"{prefix}-c{c}" in R]
            if cli is None or not cli.times or not cores:
                continue
            best = min(cores, key=lambda x: x.median)
            r = cli.median / best.median
            out.append({"target": f"(e) {what} of small objects >= 1.2x the ais CLI", "met": r >= 1.2,
                        "evidence": f"best core ({best.key}) {best.objects / best.median:,.0f} obj/s vs ais "
                                    f"{cli.objects / cli.median:,.0f} obj/s ({r:.2f}x)"})
        return out

    def command(self) -> str:
        return " ".join(shlex.quote(x) for x in ["python", "bench/bench_core.py", *sys.argv[1:]])

    def markdown(self) -> str:
        i, a = self.info, self.a
        p = i["packages"]
        L = ["# aistui core vs aistore SDK", "",
             f"Command: `{self.command()}`", "",
             "## Machine", "",
             f"- CPU: {i['cpu_model']}, nproc {i['nproc']}; RAM {i['mem_total']}; {i['os']}",
             f"- Python {i['python']}; aistui {p['aistui']} at commit {i['aistui_commit']}; aistore (SDK) "
             f"{p['aistore']}; httpx {p['httpx']}, httpx-aiohttp {p['httpx-aiohttp']}, aiohttp {p['aiohttp']}, "
             f"httpcore {p['httpcore']}, msgspec {p['msgspec']}; requests {p['requests']}, urllib3 {p['urllib3']}",
             f"- AIS: version {i.get('ais_version', '?')} ({i.get('ais_targets', '?')} target(s)); "
             f"{i.get('cluster', '?')}",
             f"- ais CLI: {i['ais_cli']}",
             f"- load average (1/5/15 min) at start {i['load_start']}, at end {i.get('load_end', '?')}; "
             f"highest 1-min load seen after a timed run: {i.get('load1_max_during_runs')}",
             "",
             "## Setup", ""]
        s = self.setup
        if "cluster_start_s" in s:
            L.append(f"- cluster start: {s['cluster_start_s']:.1f} s")
        if "listing_bucket_s" in s:
            L.append(f"- {a.objects}-object listing bucket: {s['listing_bucket_s']:.1f} s ({s['method']})")
        if "make_files_s" in s:
            L.append(f"- {a.files} local files of {a.file_size} B: {s['make_files_s']:.1f} s")
        L.append(f"- whole run: {i.get('wall_s', 0) / 60:.1f} min; each measurement {a.repeat}x, "
                 "median (min..max), variants interleaved")
        L += ["", "## Results", "",
              f"CPU columns: median share of all {self.cpu.ncpu} CPUs during a repetition used by the benchmark "
              "process (the client; for listings, its subprocess), by the local cluster's nodes, and by "
              "everything else: other users' processes and kernel threads such as writeback (high values "
              "mean a noisy measurement; with `--endpoint` the cluster counts as other).", "",
              "| workload | variant | median s (min..max) | objects/s | MiB/s | CPU % bench / cluster / other |",
              "|---|---|---|---|---|---|"]
        for r in self.rows.values():
            if not r.times:
                L.append(f"| {r.workload} | {r.label} | failed | | |")
                continue
            mibs = f"{r.nbytes / MIB / r.median:.2f}" if r.nbytes else "-"
            cpu = r.extra.get("cpu") or []
            cpus = " / ".join(f"{statistics.median(c[k] for c in cpu):.0f}"
                              for k in ("bench_pct", "cluster_pct", "other_pct")) if cpu else "-"
            if cpu:
                cpus += f" (other max {max(c['other_pct'] for c in cpu):.0f})"
            L.append(f"| {r.workload} | {r.label} | {fmt_s(r.median)} ({fmt_s(min(r.times))}..{fmt_s(max(r.times))}) "
                     f"| {r.objects / r.median:,.0f} | {mibs} | {cpus} |")
        if "list-core" in self.rows and self.rows["list-core"].extra:
            L += ["", f"Peak memory of the {a.objects}-entry listing (fresh subprocess each, "
                      "`ru_maxrss`; median of runs):", "",
                  "| side | baseline after imports MiB | peak MiB | delta MiB (min..max) | client init s (untimed) |",
                  "|---|---|---|---|---|"]
            for key in ("list-core", "list-sdk"):
                r = self.rows.get(key)
                if r and r.extra:
                    e = r.extra
                    L.append(f"| {r.side} | {statistics.median(e['base_mib']):.1f} | "
                             f"{statistics.median(e['peak_mib']):.1f} | {statistics.median(e['delta_mib']):.1f} "
                             f"({min(e['delta_mib']):.1f}..{max(e['delta_mib']):.1f}) | "
                             f"{statistics.median(e['init_s']):.3f} |")
        L += ["", "## Ratios (median vs median)", ""]
        for x in self.ratios():
            L.append(f"- {x['what']}: {x['text']}")
        L += ["", "## Targets", ""]
        for t in self.targets():
            L.append(f"- {t['target']}: **{'met' if t['met'] else 'not met'}** - {t['evidence']}")
        if not self.cli:
            L += ["", "ais CLI: not installed (skipped)."]
        return "\n".join(L) + "\n"

    def to_json(self) -> dict[str, Any]:
        cfg = {k: (sorted(v) if isinstance(v, set) else v) for k, v in vars(self.a).items()
               if not k.startswith("child")}
        return {"command": self.command(), "config": cfg,
                "machine": self.info, "setup": self.setup,
                "results": [r.summary() for r in self.rows.values()],
                "ratios": self.ratios(), "targets": self.targets()}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: 10,000-object listing, 1,000 files")
    ap.add_argument("--ntargets", type=int, default=1, help="targets of the local cluster (default 1)")
    ap.add_argument("--endpoint", default="", help="use this existing cluster instead of starting one")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    ap.add_argument("--objects", type=int, default=None, help="objects in the listing bucket (default 100000)")
    ap.add_argument("--files", type=int, default=None, help="files to PUT and GET (default 10000)")
    ap.add_argument("--file-size", type=int, default=10 * 1024, help="bytes per file (default 10240)")
    ap.add_argument("--concurrency", default="16,32", help="core concurrency levels (default 16,32)")
    ap.add_argument("--repeat", type=int, default=3, help="repetitions of each measurement (default 3)")
    ap.add_argument("--workloads", default="list,put,get", help="subset of list,put,get (default all)")
    ap.add_argument("--skip-vc", action="store_true",
                    help="also PUT with skip_vc on both sides (core at the highest concurrency, ais put --skip-vc)")
    ap.add_argument("--child-list", choices=["core", "sdk"], help=argparse.SUPPRESS)
    ap.add_argument("--child-bucket", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.objects is None:
        a.objects = 10_000 if a.quick else 100_000
    if a.files is None:
        a.files = 1_000 if a.quick else 10_000
    a.concurrency = [int(x) for x in str(a.concurrency).split(",") if x.strip()]
    a.workloads = {w.strip() for w in a.workloads.split(",") if w.strip()}
    if "get" in a.workloads:
        a.workloads.add("put")   # GET reads what PUT wrote
    if a.repeat < 1 or not a.concurrency or a.files < 1 or a.objects < 1:
        ap.error("--repeat, --files, --objects and --concurrency must be positive")
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if a.child_list:
        _child_list(a.child_list, a.endpoint, a.child_bucket)
        return 0
    b = Bench(a)
    b.run()
    md = b.markdown()
    print(md)
    if a.json:
        Path(a.json).write_text(json.dumps(b.to_json(), indent=1))
        log(f"JSON written to {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
